"""The one path to a summarized paper: arXiv once, the model once, the cache after that."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.cli import _summarize
from bot.core.summaries import PaperSummaries
from config.settings import (
    ArxivSettings,
    GeminiSettings,
    Settings,
    StorageSettings,
    SummarizerSettings,
)
from papers.ids import parse_arxiv_id
from papers.source import ArxivSource
from storage.repository import Repository
from summarizer.factory import make_summarizer
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.gemini_api import GeminiFake, malformed, rambling, status


@pytest.fixture
async def gemini() -> AsyncIterator[GeminiFake]:
    async with GeminiFake() as fake:
        yield fake


def _settings(tmp_path: Path, arxiv: ArxivFake, gemini: GeminiFake) -> Settings:
    return Settings(
        storage=StorageSettings(path=tmp_path / "p.db"),
        arxiv=ArxivSettings(api_url=arxiv.api_url, html_url=arxiv.html_url, pdf_url=arxiv.pdf_url,
                            abs_url=arxiv.abs_url,
                            min_interval_s=0.01, timeout_s=2, retries=1),
        gemini=GeminiSettings(api_key=SecretStr("test-gemini-key"), base_url=gemini.base_url,
                              max_attempts=2, initial_backoff_s=0.01, max_backoff_s=0.02),
        # Unpaced: at the default 10/min the smooth limiter spaces model requests 6 s apart.
        summarizer=SummarizerSettings(requests_per_minute=0),
    )


@pytest.fixture
async def summaries(
    tmp_path: Path, arxiv_server: ArxivFake, gemini: GeminiFake
) -> AsyncIterator[PaperSummaries]:
    settings = _settings(tmp_path, arxiv_server, gemini)
    repo = Repository.open(settings.storage.path)
    source = ArxivSource(settings.arxiv)
    summarizer = make_summarizer(settings)
    yield PaperSummaries(repo, source, summarizer, fallback_ttl_s=0.3)
    await summarizer.aclose()
    await source.aclose()
    repo.close()


async def test_second_request_makes_no_model_or_arxiv_call(
    summaries: PaperSummaries, gemini: GeminiFake, arxiv_server: ArxivFake
) -> None:
    """A paper summarized once is served from the cache: no Gemini call, no arXiv call."""
    ref = parse_arxiv_id("2410.13726v2")
    first = await summaries.card(ref, "en")
    assert first.summary.backend == "gemini" and not first.cached
    assert len(gemini.requests) == 1
    arxiv_server.clear_requests()
    second = await summaries.card(ref, "en")
    assert second.cached and second.summary == first.summary
    assert len(gemini.requests) == 1 and arxiv_server.requests == []


async def test_each_language_is_summarized_once(summaries: PaperSummaries, gemini: GeminiFake) -> None:
    """en and zh are two summaries; asking for zh again costs nothing."""
    ref = parse_arxiv_id("2410.13726v2")
    await summaries.card(ref, "en")
    zh = await summaries.card(ref, "zh")
    await summaries.card(ref, "zh")
    assert zh.summary.language == "zh" and zh.summary.backend == "gemini"
    assert len(gemini.requests) == 2


async def test_concurrent_requests_share_one_model_call(summaries: PaperSummaries, gemini: GeminiFake) -> None:
    """Five chats asking for the same new paper at once cause one Gemini call."""
    ref = parse_arxiv_id("2410.13726v2")
    cards = await asyncio.gather(*(summaries.card(ref, "en") for _ in range(5)))
    assert len(gemini.requests) == 1
    assert len({c.summary.tldr for c in cards}) == 1


async def test_garbage_twice_falls_back_and_is_not_cached(summaries: PaperSummaries, gemini: GeminiFake) -> None:
    """Malformed then rambling output: an extractive card, marked; it is reused for a while (the
    model is not hammered), then the model is asked again."""
    ref = parse_arxiv_id("2410.13726v2")
    gemini.script(malformed(), rambling("en"))
    card = await summaries.card(ref, "en")
    assert card.summary.backend == "extractive" and card.summary.extractive
    assert card.summary.note and "extractive" in card.summary.note.lower()
    assert len(gemini.requests) == 2
    soon = await summaries.card(ref, "en")
    assert soon.summary == card.summary and len(gemini.requests) == 2
    await asyncio.sleep(0.35)
    again = await summaries.card(ref, "en")
    assert again.summary.backend == "gemini" and not again.cached
    assert len(gemini.requests) == 3


async def test_quota_exhausted_still_answers(summaries: PaperSummaries, gemini: GeminiFake) -> None:
    """Gemini answering 429 to every attempt: the user still gets an (extractive) summary."""
    gemini.default = status(429, retry_after=1)
    card = await summaries.card(parse_arxiv_id("2410.13726"), "en")
    assert card.summary.extractive and card.paper.versioned_id == "2410.13726v2"


async def test_cli_markdown_with_gemini_credits_the_model(
    tmp_path: Path, arxiv_server: ArxivFake, gemini: GeminiFake, capsys: pytest.CaptureFixture[str]
) -> None:
    """`paperboy summarize --format markdown` against the Gemini fake: model prose, arXiv metadata."""
    settings = _settings(tmp_path, arxiv_server, gemini)
    pdf = Path(__file__).resolve().parents[1] / "fixtures" / "pdfs" / "2304.02623v1.pdf"
    arxiv_server.add_pdf("2410.13726v2", pdf.read_bytes())  # arXiv has no HTML of it: the PDF
    assert await _summarize(settings, "https://arxiv.org/abs/2410.13726", "en", "markdown") == 0
    out = capsys.readouterr().out
    assert "> From the full text · Summarized by Gemini (gemini-2.5-flash)" in out
    prompt = gemini.requests[0].user
    assert "Full text:" in prompt and "Front matter:" in prompt
    assert "**Authors:** Hanbo Cheng, Limin Lin" in out
    assert await _summarize(settings, "2410.13726v2", "en", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["cached"] is True and doc["summary"]["backend"] == "gemini"
    assert len(gemini.requests) == 1


async def test_full_text_summaries_are_upgraded_from_a_passing_abstract_fallback(
    summaries_with_fulltext: PaperSummaries, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """No PDF yet (404): a summary from the abstract, said so, not kept. Once the PDF is there
    the next request reads it (one more model call) and that summary is kept. A corrupt PDF is
    final: the abstract summary is kept, with the reason on the card."""
    summaries = summaries_with_fulltext
    dawn, zero = parse_arxiv_id("2410.13726v2"), parse_arxiv_id("2104.12255v1")
    passing = await summaries.card(dawn, "en")
    assert (passing.summary.source, passing.summary.source_note) == (
        "abstract", "the PDF is not available")
    pdf = Path(__file__).resolve().parents[1] / "fixtures" / "pdfs" / "2304.02623v1.pdf"
    arxiv_server.add_pdf("2410.13726v2", pdf.read_bytes())
    upgraded = await summaries.card(dawn, "en")
    assert upgraded.summary.source == "pdf" and not upgraded.cached
    again = await summaries.card(dawn, "en")
    assert again.cached and again.summary.source == "pdf"
    assert len(gemini.requests) == 2
    arxiv_server.add_pdf("2104.12255v1", b"%PDF-1.7\n% truncated")
    broken = await summaries.card(zero, "en")
    assert broken.summary.source_note == "the PDF could not be read"
    kept = await summaries.card(zero, "en")
    assert kept.cached and len(gemini.requests) == 3


async def test_cli_summarize_reads_the_pdf_and_writes_the_figures(
    tmp_path: Path, arxiv_server: ArxivFake, gemini: GeminiFake,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`paperboy summarize 2302.07302 --format markdown --assets DIR`: an analysis written from
    the full text, grounded affiliations (an invented one dropped), and the figures written
    into DIR and shown in a folded block like the digests we imitate."""
    from config.settings import FiguresSettings
    from tests.fakes.gemini_api import good
    from tests.fakes.model_api import sample_draft

    pdf = Path(__file__).resolve().parents[1] / "fixtures" / "pdfs" / "2302.07302v1.pdf"
    arxiv_server.add_paper(
        "2302.07302", 1, "CiteSee: Augmenting Citations in Scientific Papers with Persistent and "
        "Personalized Historical Context", ["Joseph Chee Chang", "Amy X. Zhang", "Jonathan Bragg"],
        "When reading a scholarly article, inline citations help researchers contextualize the "
        "current article and discover relevant prior work.", categories=("cs.HC",))
    arxiv_server.add_pdf("2302.07302v1", pdf.read_bytes())
    draft = sample_draft("en") | {
        "affiliations": ["Allen Institute for AI", "University of Washington", "MIT CSAIL"]}
    gemini.script(good(draft))
    settings = _settings(tmp_path, arxiv_server, gemini).model_copy(
        update={"figures": FiguresSettings(policy="always", max_per_paper=3)})
    monkeypatch.chdir(tmp_path)
    assert await _summarize(settings, "2302.07302", "en", "markdown", Path("assets")) == 0
    out = capsys.readouterr().out
    assert "**Affiliations:** Allen Institute for AI; University of Washington\n" in out
    assert "MIT CSAIL" not in out
    assert "> From the full text · Summarized by Gemini" in out
    assert "<summary>The paper&#x27;s figures</summary>" in out
    written = sorted(p.name for p in (tmp_path / "assets" / "2302.07302v1").iterdir())
    assert written[0].startswith("figure-1.") and len(written) == 3
    for name in written:
        assert f'<img src="assets/2302.07302v1/{name}" align="middle">' in out
    prompt = gemini.requests[0].user
    assert "Front matter:" in prompt and "Allen Institute for AI" in prompt
    assert "INTRODUCTION" in prompt.upper() and prompt.count("inline citations help") == 1


async def test_html_full_text_gives_the_code_link_and_the_source(
    summaries_with_fulltext: PaperSummaries, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """arXiv's HTML rendering is read first: the summary says so, and the repository named in
    a footnote becomes the card's Code link (the abstract named none)."""
    page = Path(__file__).resolve().parents[1] / "fixtures" / "html" / "2401.00001v1.html"
    arxiv_server.add_paper("2401.00001", 1, "Sparse lattice adapters", ["A. Author"],
                           "We adapt encoders with sparse lattices. It works.")
    arxiv_server.add_html("2401.00001v1", page.read_text())
    card = await summaries_with_fulltext.card(parse_arxiv_id("2401.00001"), "en")
    assert card.summary.source == "html" and card.summary.source_note is None
    assert card.paper.code_url == "https://github.com/example-lab/lattice-adapters"
    again = await summaries_with_fulltext.card(parse_arxiv_id("2401.00001v1"), "en")
    assert again.cached and again.paper.code_url == card.paper.code_url
    assert "Full text:" in gemini.requests[0].user and len(gemini.requests) == 1


@pytest.fixture
async def summaries_with_fulltext(
    tmp_path: Path, arxiv_server: ArxivFake, gemini: GeminiFake
) -> AsyncIterator[PaperSummaries]:
    from config.settings import FullTextSettings
    from papers.fulltext import FullTextSource

    settings = _settings(tmp_path, arxiv_server, gemini)
    repo = Repository.open(settings.storage.path)
    source = ArxivSource(settings.arxiv)
    fulltext = FullTextSource(settings.arxiv, FullTextSettings(cache_dir=tmp_path / "ft"))
    summarizer = make_summarizer(settings)
    # fallback_ttl_s 0: an abstract summary from a passing failure is not reused at all
    yield PaperSummaries(repo, source, summarizer, fulltext=fulltext, fallback_ttl_s=0.0)
    await summarizer.aclose()
    await fulltext.aclose()
    await source.aclose()
    repo.close()
