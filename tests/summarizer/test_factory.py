"""make_summarizer: settings pick the backend; impossible choices are configuration errors."""

from __future__ import annotations

import os

import pytest
from pydantic import SecretStr

from config.settings import (
    ConfigError,
    GeminiSettings,
    OpenAISettings,
    Settings,
    SummarizerSettings,
)
from papers.models import Paper
from summarizer.extractive import ExtractiveSummarizer
from summarizer.factory import make_summarizer
from summarizer.model import ModelSummarizer
from tests.fakes.gemini_api import GeminiFake
from tests.fakes.openai_api import OpenAIFake
from tests.summarizer.conftest import BODY, GEMINI_KEY


def settings(backend: str = "auto", **sections: object) -> Settings:
    """Settings from code only (no file, no environment influence on the checked keys)."""
    chosen = SummarizerSettings(backend=backend)  # type: ignore[arg-type]
    return Settings(summarizer=chosen, **sections)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's real PAPERBOY_* variables out of these tests."""
    for name in list(os.environ):
        if name.startswith("PAPERBOY_"):
            monkeypatch.delenv(name)


async def test_auto_without_a_key_is_extractive() -> None:
    """No key anywhere: the offline backend, no error."""
    summarizer = make_summarizer(settings("auto"))
    assert isinstance(summarizer, ExtractiveSummarizer) and summarizer.name == "extractive"


async def test_auto_with_a_gemini_key_is_gemini(gemini_fake: GeminiFake, paper: Paper) -> None:
    """A Gemini key switches auto to Gemini, which really calls the configured endpoint."""
    gemini = GeminiSettings(api_key=SecretStr(GEMINI_KEY), base_url=gemini_fake.base_url)
    summarizer = make_summarizer(settings("auto", gemini=gemini))
    assert isinstance(summarizer, ModelSummarizer) and summarizer.name == "gemini"
    summary = await summarizer.summarize(paper, BODY, "en")
    assert summary.backend == "gemini" and summary.model == "gemini-2.5-flash"
    assert gemini_fake.requests[0].headers["x-goog-api-key"] == GEMINI_KEY
    await summarizer.aclose()


async def test_openai_backend_uses_the_configured_server(
    openai_fake: OpenAIFake, paper: Paper
) -> None:
    """backend=openai with a local server URL and no key works (Ollama style)."""
    oa = OpenAISettings(base_url=openai_fake.base_url, model="llama3.1", max_retries=0)
    summarizer = make_summarizer(settings("openai", openai=oa))
    assert summarizer.name == "openai"
    summary = await summarizer.summarize(paper, BODY, "en")
    assert summary.backend == "openai" and summary.model == "llama3.1"
    await summarizer.aclose()


async def test_the_configured_input_limit_reaches_the_prompt(
    gemini_fake: GeminiFake, paper: Paper
) -> None:
    """summarizer.max_input_chars bounds what the model is sent."""
    gemini = GeminiSettings(api_key=SecretStr(GEMINI_KEY), base_url=gemini_fake.base_url)
    s = Settings(
        summarizer=SummarizerSettings(backend="gemini", max_input_chars=1_000), gemini=gemini
    )
    summarizer = make_summarizer(s)
    await summarizer.summarize(paper, "x " * 20_000, "en")
    assert len(gemini_fake.requests[0].user) < 4_000
    await summarizer.aclose()


def test_explicit_extractive_ignores_keys() -> None:
    """backend=extractive wins even when a key is configured."""
    gemini = GeminiSettings(api_key=SecretStr(GEMINI_KEY))
    assert isinstance(make_summarizer(settings("extractive", gemini=gemini)), ExtractiveSummarizer)


def test_explicit_gemini_without_a_key_is_a_config_error() -> None:
    """The error names the environment variable to set."""
    with pytest.raises(ConfigError, match="PAPERBOY_GEMINI__API_KEY"):
        make_summarizer(settings("gemini"))
    with pytest.raises(ConfigError, match="PAPERBOY_GEMINI__API_KEY"):
        make_summarizer(settings("gemini", gemini=GeminiSettings(api_key=SecretStr("  "))))


def test_openai_without_server_or_key_is_a_config_error() -> None:
    """Neither a base URL nor a key: nothing to talk to."""
    with pytest.raises(ConfigError, match="PAPERBOY_OPENAI__BASE_URL"):
        make_summarizer(settings("openai"))


async def test_openai_with_only_a_key_targets_the_default_server() -> None:
    """A key alone means api.openai.com; building it makes no request."""
    oa = OpenAISettings(api_key=SecretStr("sk-real-looking"))
    summarizer = make_summarizer(settings("openai", openai=oa))
    assert summarizer.name == "openai"
    await summarizer.aclose()
