"""A reader asking for a paper a digest is already summarizing takes that work into the
interactive lane: it does not wait behind the digests' model queue."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core.summaries import PaperSummaries
from config.settings import SummarizerSettings
from papers.ids import parse_arxiv_id
from papers.source import ArxivSource
from storage.repository import Repository
from summarizer.factory import make_summarizer
from summarizer.lanes import interactive
from tests.bot.test_summaries import _settings
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.gemini_api import GeminiFake


async def test_a_reader_promotes_the_digests_summary_of_the_same_paper(
    tmp_path: Path, arxiv_server: ArxivFake
) -> None:
    async with GeminiFake() as gemini:
        settings = _settings(tmp_path, arxiv_server, gemini).model_copy(
            update={"summarizer": SummarizerSettings(requests_per_minute=300)})  # 0.2 s a slot
        repo = Repository.open(settings.storage.path)
        source = ArxivSource(settings.arxiv)
        summarizer = make_summarizer(settings)
        summaries = PaperSummaries(repo, source, summarizer)
        limiter = summarizer._client.limiter  # type: ignore[attr-defined]
        loop = asyncio.get_running_loop()
        dawn = parse_arxiv_id("2410.13726")
        await summaries.paper(dawn)
        granted: list[float] = []

        async def digest_work() -> None:  # other papers of a digest, queued first
            async with limiter.slot("background"):
                granted.append(loop.time())

        backlog = [asyncio.ensure_future(digest_work()) for _ in range(8)]
        ahead = asyncio.ensure_future(summaries.card(dawn, "en"))  # summarize ahead: background
        await asyncio.sleep(0)
        with interactive():
            card = await summaries.card(dawn, "en")  # a reader asks for the same paper
        answered = loop.time()
        await asyncio.gather(*backlog, ahead)
        await summarizer.aclose()
        await source.aclose()
        repo.close()
    assert card.summary.backend == "gemini" and len(gemini.requests) == 1
    assert sum(t < answered for t in granted) <= 2  # not behind the eight digest requests
