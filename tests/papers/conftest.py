"""Fixtures for the papers tests: the arXiv fake and ArxivSources aimed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from config.settings import ArxivSettings
from papers.source import ArxivSource, Pacer
from tests.fakes.arxiv_api import ArxivFake, arxiv_fake

__all__ = ["arxiv_fake", "arxiv_settings", "make_source"]

# Small but real: every test still goes through pacing, backoff (>= 0.1 s) and timeouts.
MIN_INTERVAL_S = 0.02


@pytest.fixture
def arxiv_settings(arxiv_fake: ArxivFake) -> ArxivSettings:
    """arXiv settings aimed at the fake, with test-sized pacing, timeout and retries."""
    return ArxivSettings(
        api_url=arxiv_fake.api_url,
        pdf_url=arxiv_fake.pdf_url,
        min_interval_s=MIN_INTERVAL_S,
        timeout_s=1.0,
        retries=2,
    )


MakeSource = Callable[..., ArxivSource]


@pytest.fixture
async def make_source(arxiv_settings: ArxivSettings) -> AsyncIterator[MakeSource]:
    """Build ArxivSources (settings overridable by keyword, e.g. ``retries=0``); closed after."""
    made: list[ArxivSource] = []

    def make(*, pacer: Pacer | None = None, **overrides: object) -> ArxivSource:
        source = ArxivSource(arxiv_settings.model_copy(update=overrides), pacer)
        made.append(source)
        return source

    yield make
    for source in made:
        await source.aclose()
