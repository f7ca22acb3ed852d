"""Fixtures for the summarizer tests: a paper, the model fakes and settings pointing at them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from config.settings import GeminiSettings, OpenAISettings
from papers.models import Paper
from tests.fakes.gemini_api import GeminiFake, gemini_fake
from tests.fakes.openai_api import OpenAIFake, openai_fake

__all__ = ["gemini_fake", "openai_fake"]  # fixtures, re-exported for pytest

GEMINI_KEY = "AIzaSy-test-KEY-0123456789abcdef"
OPENAI_KEY = "sk-test-KEY-0123456789abcdef"

ABSTRACT = (
    "Talking head generation intends to produce vivid and realistic talking head videos from a "
    "single portrait and speech audio clip. Although significant progress has been made in "
    "diffusion-based talking head generation, almost all methods rely on autoregressive "
    "strategies, which suffer from limited context utilization beyond the current generation "
    "step, error accumulation, and slower generation speed. To address these challenges, we "
    "present DAWN (Dynamic frame Avatar With Non-autoregressive diffusion), a framework that "
    "enables all-at-once generation of dynamic-length video sequences. Extensive experiments "
    "demonstrate that our method generates authentic and vivid videos with precise lip motions, "
    "and natural pose/blink movements."
)
BODY = (
    "1 Introduction\n\nTalking head generation has many applications in virtual meetings, games "
    "and film production. Autoregressive diffusion models generate one frame at a time.\n\n"
    "2 Method\n\nDAWN first maps audio to holistic facial dynamics in a latent motion space, "
    "then generates head pose and blinks with a lightweight network.\n\n"
    "3 Experiments\n\nOn HDTF and VFHQ, DAWN reaches better lip-sync scores than the baselines "
    "while generating several times faster.\n"
)


def make_paper(**changes: object) -> Paper:
    """The DAWN paper of the example digest, with any field replaced."""
    fields: dict[str, object] = {
        "arxiv_id": "2410.13726",
        "version": 2,
        "title": "DAWN: Dynamic Frame Avatar with Non-autoregressive Diffusion Framework for "
        "Talking Head Video Generation",
        "authors": ("Hanbo Cheng", "Limin Lin", "Jun Du", "Jia Pan"),
        "abstract": ABSTRACT,
        "published": datetime(2024, 10, 17, tzinfo=UTC),
        "updated": datetime(2024, 10, 21, tzinfo=UTC),
        "primary_category": "cs.CV",
        "categories": ("cs.CV", "cs.AI"),
    }
    fields.update(changes)
    return Paper(**fields)  # type: ignore[arg-type]


@pytest.fixture
def paper() -> Paper:
    """The DAWN paper."""
    return make_paper()


@pytest.fixture
def text() -> str:
    """A short full text for the DAWN paper."""
    return BODY


@pytest.fixture
def gemini_settings(gemini_fake: GeminiFake) -> GeminiSettings:
    """Settings that point the real google-genai client at the fake, with tiny backoffs.

    Change one with ``gemini_settings.model_copy(update={"timeout_s": 0.2})``.
    """
    return GeminiSettings(
        api_key=SecretStr(GEMINI_KEY),
        base_url=gemini_fake.base_url,
        timeout_s=5.0,
        max_attempts=3,
        initial_backoff_s=0.01,
        max_backoff_s=0.02,
    )


@pytest.fixture
def openai_settings(openai_fake: OpenAIFake) -> OpenAISettings:
    """Settings that point the real openai client at the fake (retry-after headers are tiny)."""
    return OpenAISettings(
        api_key=SecretStr(OPENAI_KEY),
        base_url=openai_fake.base_url,
        model="fake-model",
        timeout_s=5.0,
        max_retries=2,
    )
