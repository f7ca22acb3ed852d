"""Every way the model service fails, one after the other against the same bot: the reader
always gets a card (the model's, or the abstract's sentences marked as such) and the bot
recovers for the next paper. Through the real google-genai client and the Gemini fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.summaries import PaperSummaries
from papers.ids import parse_arxiv_id
from papers.source import ArxivSource
from storage.repository import Repository
from summarizer.factory import make_summarizer
from tests.bot.test_summaries import _settings
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.gemini_api import GeminiFake
from tests.fakes.model_api import Step, blocked, good, malformed, raw, slow, status, truncated

FAULTS: dict[str, list[Step]] = {
    "429 with a retry delay, then fine": [status(429, retry_after=0.2), good()],
    "429 without a retry delay, then fine": [status(429), good()],
    "503 twice": [status(503), status(503)],
    "500 then fine": [status(500), good()],
    "an HTML page instead of JSON": [raw("<html><body>Bad gateway</body></html>"), raw("<html/>")],
    "a reply cut off mid-JSON": [raw('{"candidates": [{"content": {"parts": [{"te', "application/json"),
                                 raw('{"cand', "application/json")],
    "output cut at the token limit": [truncated(), truncated()],
    "malformed summary JSON": [malformed(), malformed()],
    "blocked by the safety filter": [blocked(), blocked()],
    "too slow (past the timeout)": [slow(3.0, then=good()), slow(3.0, then=good())],
}


@pytest.fixture
async def gemini() -> AsyncIterator[GeminiFake]:
    async with GeminiFake() as fake:
        yield fake


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_the_reader_gets_a_card_and_the_bot_recovers(
    tmp_path: Path, arxiv_server: ArxivFake, gemini: GeminiFake, fault: str
) -> None:
    settings = _settings(tmp_path, arxiv_server, gemini)
    settings = settings.model_copy(update={"gemini": settings.gemini.model_copy(
        update={"timeout_s": 1.0})})
    repo = Repository.open(settings.storage.path)
    source = ArxivSource(settings.arxiv)
    summarizer = make_summarizer(settings)
    summaries = PaperSummaries(repo, source, summarizer, fallback_ttl_s=0.3)
    try:
        gemini.script(*FAULTS[fault])
        card = await summaries.card(parse_arxiv_id("2410.13726v2"), "en")
        assert card.paper.title.startswith("DAWN")
        if card.summary.backend != "gemini":  # the fallback is marked for the reader
            assert card.summary.backend == "extractive" and card.summary.note
        gemini.clear_script()  # the service is well again
        gemini.default = good()
        after = await summaries.card(parse_arxiv_id("2104.12255"), "en")
        assert after.summary.backend == "gemini"  # recovered
    finally:
        await summarizer.aclose()
        await source.aclose()
        repo.close()
