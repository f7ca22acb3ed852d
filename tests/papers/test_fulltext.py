"""Getting the paper (issue 8): arXiv HTML, else the PDF, else the abstract with a note; caps on
size, time, pages and parsing; one fetch per paper, cached on disk. The real client and worker
against the arXiv fake on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from fpdf import FPDF
from fpdf.enums import EncryptionMethod
from PIL import Image, ImageDraw

from config.settings import ArxivSettings, FullTextSettings, load_settings
from papers.fulltext import NOTE_PREFIX, FullText, FullTextSource
from papers.models import ArxivId
from papers.pdf_worker import IsolatedRunner
from papers.sections import estimate_tokens
from papers.source import ArxivSource, Pacer
from tests.builders import make_paper
from tests.fakes.arxiv_api import ArxivFake

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HTML = (FIXTURES / "html" / "2401.00001v1.html").read_bytes()
CITESEE = make_paper(arxiv_id="2302.07302", version=1, title="CiteSee")
EXPOSITORY = make_paper(arxiv_id="2304.02623", version=1, title="Beyond Summarization")
LATTICE = make_paper(arxiv_id="2401.00001", version=1, title="Sparse Lattice Adapters")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MB = 1024 * 1024


# -- generated PDFs -------------------------------------------------------------------------------


def _text_pdf(*, password: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, "Introduction. " + "An ordinary sentence of body text. " * 60)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password,
                           encryption_method=EncryptionMethod.RC4)  # fmt: skip
    return bytes(pdf.output())


def _image_only_pdf() -> bytes:
    """A scan: one page that is a picture of text lines, no text layer."""
    image = Image.new("RGB", (800, 1000), "white")
    draw = ImageDraw.Draw(image)
    for y in range(50, 950, 30):
        draw.rectangle((60, y, 740, y + 12), fill="black")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=190)
    return bytes(pdf.output())


def _truncated_pdf() -> bytes:
    data = (FIXTURES / "pdfs" / "2304.02623v1.pdf").read_bytes()
    return data[: len(data) // 2]


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
async def runner() -> AsyncIterator[IsolatedRunner]:
    """A private worker pool, stopped after the test."""
    pool = IsolatedRunner(max_workers=2)
    yield pool
    await pool.aclose()


MakeSource = Callable[..., FullTextSource]


@pytest.fixture
async def make_source(
    arxiv_fake: ArxivFake, tmp_path: Path, runner: IsolatedRunner
) -> AsyncIterator[MakeSource]:
    """FullTextSources aimed at the fake (settings overridable by keyword), closed after."""
    made: list[FullTextSource] = []
    arxiv = ArxivSettings(
        api_url=arxiv_fake.api_url,
        pdf_url=arxiv_fake.pdf_url,
        html_url=arxiv_fake.html_url,
        min_interval_s=0.01,
        timeout_s=2.0,
        retries=1,
    )

    def make(**overrides: object) -> FullTextSource:
        settings = FullTextSettings(cache_dir=tmp_path / "cache", download_timeout_s=5.0,
                                    parse_timeout_s=20.0).model_copy(update=overrides)  # fmt: skip
        source = FullTextSource(arxiv, settings, pacer=Pacer(), runner=runner)
        made.append(source)
        return source

    yield make
    for source in made:
        await source.aclose()


def _paths(fake: ArxivFake) -> list[str]:
    return [r.path for r in fake.requests]


# -- the cascade ----------------------------------------------------------------------------------


async def test_html_is_read_when_arxiv_has_it(
    arxiv_fake: ArxivFake, make_source: MakeSource
) -> None:
    """A paper with an HTML rendering is read from it alone: sections, figures with absolute
    URLs on the fake, the licence; its images come through the same limiter."""
    arxiv_fake.add_html("2401.00001v1", HTML, assets={"x1.png": PNG})
    source = make_source()
    text = await source.get(LATTICE)
    assert (text.source, text.note, text.licence) == ("html", None, "CC BY 4.0")
    assert _paths(arxiv_fake) == ["/html/2401.00001v1"]
    assert text.figures[0].url == arxiv_fake.html_url + "2401.00001v1/x1.png"
    assert "Ada Quillfeather" in text.front_matter
    excerpt = text.excerpt(6000)
    assert "METHOD-MARKER" in excerpt and "RESULTS-MARKER" in excerpt
    assert "REFERENCE-MARKER" not in excerpt and "ACK-MARKER" not in excerpt
    assert await source.fetch_asset(text.figures[0].url) == PNG
    assert await source.fetch_asset(arxiv_fake.html_url + "2401.00001v1/x9.png") is None
    with pytest.raises(ValueError):
        await source.fetch_asset("http://example.org/x1.png")


async def test_pdf_when_there_is_no_html(arxiv_fake: ArxivFake, make_source: MakeSource) -> None:
    """HTML 404 ("No HTML for ...") → the PDF, read in the worker: a real two-column paper."""
    started = time.monotonic()
    text = await make_source().get(CITESEE)
    elapsed = time.monotonic() - started
    assert (text.source, text.note) == ("pdf", None)
    assert _paths(arxiv_fake) == ["/html/2302.07302v1", "/pdf/2302.07302v1"]
    kinds = [s.kind for s in text.sections]
    for kind in ("intro", "method", "results", "conclusion", "references"):
        assert kind in kinds
    assert "University of Washington" in text.front_matter
    excerpt = text.excerpt(6000)
    assert estimate_tokens(excerpt) <= 6000 and "## 8 CONCLUSION" in excerpt
    assert elapsed < 5


async def test_abstract_when_there_is_no_pdf_either(
    arxiv_fake: ArxivFake, make_source: MakeSource, caplog: pytest.LogCaptureFixture
) -> None:
    """No HTML and no PDF: abstract-only with a note, one WARNING line; not remembered, so the
    next call tries again."""
    source = make_source()
    with caplog.at_level(logging.WARNING):
        text = await source.get(make_paper())  # DAWN: the fake has no PDF of it
    assert text == FullText("abstract", note=f"{NOTE_PREFIX}the PDF is not available", final=False)
    assert text.excerpt(6000) == ""
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].exc_info is None
    assert "2410.13726v2" in warnings[0].getMessage()
    await source.get(make_paper())
    assert _paths(arxiv_fake).count("/pdf/2410.13726v2") == 2


@pytest.mark.parametrize(
    ("make_pdf", "reason"),
    [
        (lambda: b"", "the PDF could not be read"),
        (_truncated_pdf, "the PDF could not be read"),
        (lambda: b"<html><body>Access denied</body></html>", "the PDF could not be read"),
        (lambda: _text_pdf(password="secret"), "the PDF is password-protected"),
        (_image_only_pdf, "the PDF has no text layer (scanned pages)"),
    ],
    ids=["empty", "truncated", "not-a-pdf", "encrypted", "image-only"],
)
async def test_unreadable_pdf_degrades_to_the_abstract(
    arxiv_fake: ArxivFake,
    make_source: MakeSource,
    caplog: pytest.LogCaptureFixture,
    make_pdf: Callable[[], bytes],
    reason: str,
) -> None:
    """A bad PDF gives abstract-only with a note saying why and one WARNING line without a
    traceback; the verdict is remembered, so the PDF is not fetched again."""
    arxiv_fake.add_pdf("2501.00001v1", make_pdf())
    paper = make_paper(arxiv_id="2501.00001", version=1)
    source = make_source()
    with caplog.at_level(logging.WARNING):
        text = await source.get(paper)
    assert (text.source, text.note) == ("abstract", NOTE_PREFIX + reason)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert (
        len(warnings) == 1 and warnings[0].exc_info is None and "\n" not in warnings[0].getMessage()
    )
    arxiv_fake.clear_requests()
    assert await make_source().get(paper) == text
    assert await source.pdf(paper) is None
    assert _paths(arxiv_fake) == []


async def test_readable_generated_pdf(arxiv_fake: ArxivFake, make_source: MakeSource) -> None:
    """The same generated PDF without a password is read (so the failures above are real)."""
    arxiv_fake.add_pdf("2501.00002v1", _text_pdf())
    text = await make_source().get(make_paper(arxiv_id="2501.00002", version=1))
    assert text.source == "pdf" and "ordinary sentence" in text.excerpt(500)


async def test_huge_pdf_is_refused_from_its_content_length(
    arxiv_fake: ArxivFake, make_source: MakeSource
) -> None:
    """A 200 MB PDF is refused as soon as its Content-Length is seen, not downloaded."""
    arxiv_fake.add_pdf_stream("2501.00003v1", 200 * MB)
    started = time.monotonic()
    text = await make_source().get(make_paper(arxiv_id="2501.00003", version=1))
    assert text.note == f"{NOTE_PREFIX}the PDF is larger than 30 MB"
    assert time.monotonic() - started < 3
    await asyncio.sleep(0.1)
    assert arxiv_fake.bytes_sent("/pdf/2501.00003v1") < 8 * MB  # socket buffers, not reads


async def test_huge_pdf_without_length_is_cut_while_streaming(
    arxiv_fake: ArxivFake, make_source: MakeSource
) -> None:
    """Without a Content-Length the download stops once the bytes read pass the cap."""
    arxiv_fake.add_pdf_stream("2501.00004v1", 200 * MB, content_length=False)
    text = await make_source(max_download_mb=1).get(make_paper(arxiv_id="2501.00004", version=1))
    assert text.note == f"{NOTE_PREFIX}the PDF is larger than 1 MB"
    await asyncio.sleep(0.1)
    assert arxiv_fake.bytes_sent("/pdf/2501.00004v1") < 8 * MB  # 1 MB read, the rest in buffers


async def test_slow_download_is_abandoned_and_tried_again_later(
    arxiv_fake: ArxivFake, make_source: MakeSource
) -> None:
    """A PDF trickling in past download_timeout_s is abandoned (a slow arXiv is not the paper's
    fault, so the next call tries again)."""
    arxiv_fake.add_pdf_stream("2501.00005v1", 10 * MB, chunk_size=16 * 1024, chunk_delay_s=0.05)
    paper = make_paper(arxiv_id="2501.00005", version=1)
    source = make_source(download_timeout_s=0.5)
    started = time.monotonic()
    text = await source.get(paper)
    assert text.note == f"{NOTE_PREFIX}the PDF took longer than 0.5 s to download"
    assert time.monotonic() - started < 3
    assert arxiv_fake.bytes_sent("/pdf/2501.00005v1") < 2 * MB
    arxiv_fake.add_pdf("2501.00005v1", _text_pdf())
    arxiv_fake._streams.clear()
    assert (await source.get(paper)).source == "pdf"


async def test_arxiv_trouble_is_retried_then_not_remembered(
    arxiv_fake: ArxivFake, make_source: MakeSource
) -> None:
    """5xx answers are retried; when arXiv keeps failing the note says so, and a later call
    gets the full text."""
    arxiv_fake.fail_next(2, status=503, path="/pdf/")
    source = make_source()
    text = await source.get(EXPOSITORY)
    assert text.note == f"{NOTE_PREFIX}the PDF could not be downloaded"
    assert _paths(arxiv_fake).count("/pdf/2304.02623v1") == 2
    assert (await source.get(EXPOSITORY)).source == "pdf"


async def test_parse_over_the_time_cap_is_killed(
    arxiv_fake: ArxivFake, make_source: MakeSource
) -> None:
    """A parse over parse_timeout_s is killed: abstract-only with a note; the next paper is
    read by a fresh worker."""
    text = await make_source(parse_timeout_s=0.01).get(EXPOSITORY)
    assert text.note == f"{NOTE_PREFIX}the PDF took too long to read"
    assert (await make_source().get(CITESEE)).source == "pdf"


async def test_unusable_html_falls_back_to_the_pdf(
    arxiv_fake: ArxivFake, make_source: MakeSource
) -> None:
    """An HTML page without a converted article (a failed conversion) is skipped for the PDF."""
    arxiv_fake.add_html("2304.02623v1", b"<html><body><p>Conversion failed.</p></body></html>")
    text = await make_source().get(EXPOSITORY)
    assert text.source == "pdf"
    assert _paths(arxiv_fake) == ["/html/2304.02623v1", "/pdf/2304.02623v1"]


async def test_oversized_html_falls_back_to_the_pdf(
    arxiv_fake: ArxivFake, make_source: MakeSource
) -> None:
    """An HTML page over the size cap is not read; the PDF (under the cap) is."""
    arxiv_fake.add_html("2304.02623v1", b"<html>" + b" " * (2 * MB) + b"</html>")
    text = await make_source(max_download_mb=1.5).get(EXPOSITORY)
    assert text.source == "pdf"


async def test_downloads_share_the_arxiv_pacer(
    arxiv_fake: ArxivFake, runner: IsolatedRunner, tmp_path: Path
) -> None:
    """HTML probes and PDF downloads keep arXiv's spacing together with the API's requests:
    one process-wide pacer, one connection at a time."""
    arxiv = ArxivSettings(
        api_url=arxiv_fake.api_url,
        pdf_url=arxiv_fake.pdf_url,
        html_url=arxiv_fake.html_url,
        min_interval_s=0.2,
        timeout_s=2.0,
    )
    pacer = Pacer()
    api = ArxivSource(arxiv, pacer)
    texts = FullTextSource(arxiv, FullTextSettings(cache_dir=tmp_path), pacer=pacer, runner=runner)
    try:
        paper, text = await asyncio.gather(api.get(ArxivId("2104.12255", 1)), texts.get(EXPOSITORY))
    finally:
        await api.aclose()
        await texts.aclose()
    assert paper.arxiv_id == "2104.12255" and text.source == "pdf"
    arrivals = sorted(r.at for r in arxiv_fake.requests)
    assert len(arrivals) == 3
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(arrivals))


# -- one fetch, cached ------------------------------------------------------------------------------


async def test_second_get_makes_no_request(arxiv_fake: ArxivFake, make_source: MakeSource) -> None:
    """The result is kept on disk: another source on the same cache asks arXiv nothing."""
    first = await make_source().get(EXPOSITORY)
    arxiv_fake.clear_requests()
    again = await make_source().get(EXPOSITORY)
    assert again == first and again.source == "pdf"
    assert _paths(arxiv_fake) == []


async def test_concurrent_gets_share_one_download(
    arxiv_fake: ArxivFake, make_source: MakeSource
) -> None:
    """Three chats asking at once cause one HTML probe and one PDF download."""
    source = make_source()
    results = await asyncio.gather(*(source.get(CITESEE) for _ in range(3)))
    assert results[0].source == "pdf" and results[0] == results[1] == results[2]
    assert _paths(arxiv_fake) == ["/html/2302.07302v1", "/pdf/2302.07302v1"]


async def test_pdf_file_for_figures(arxiv_fake: ArxivFake, make_source: MakeSource) -> None:
    """pdf() hands out the cached PDF file, downloading it once if the text came from HTML."""
    arxiv_fake.add_html("2304.02623v1", HTML)
    source = make_source()
    assert (await source.get(EXPOSITORY)).source == "html"
    path = await source.pdf(EXPOSITORY)
    assert path is not None and path.read_bytes().startswith(b"%PDF")
    assert await source.pdf(EXPOSITORY) == path
    assert _paths(arxiv_fake) == ["/html/2304.02623v1", "/pdf/2304.02623v1"]


async def test_cache_is_bounded_least_recently_used_first(
    arxiv_fake: ArxivFake, make_source: MakeSource, tmp_path: Path
) -> None:
    """Over cache_max_mb, the papers used longest ago are removed; the newest stays."""
    source = make_source(cache_max_mb=2.5)
    await source.get(CITESEE)  # 2.1 MB of PDF
    await source.get(EXPOSITORY)  # 0.9 MB more: over the cap, CiteSee goes
    folders = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert folders == ["2304.02623v1"]
    arxiv_fake.clear_requests()
    await source.get(EXPOSITORY)
    assert _paths(arxiv_fake) == []


def test_public_setting_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The documented environment names reach the full-text and figure settings."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERBOY_ARXIV__HTML_URL", "http://127.0.0.1:1/html/")
    monkeypatch.setenv("PAPERBOY_FULLTEXT__MAX_DOWNLOAD_MB", "12")
    monkeypatch.setenv("PAPERBOY_FULLTEXT__CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("PAPERBOY_FIGURES__POLICY", "never")
    monkeypatch.setenv("PAPERBOY_FIGURES__MAX_PER_PAPER", "2")
    settings = load_settings()
    assert settings.arxiv.html_url == "http://127.0.0.1:1/html/"
    assert settings.fulltext.max_download_mb == 12 and settings.fulltext.cache_dir == tmp_path / "c"
    assert (settings.figures.policy, settings.figures.max_per_paper) == ("never", 2)
    assert settings.fulltext.input_tokens == 6000 and settings.fulltext.max_pages == 40
