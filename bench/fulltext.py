"""Full-text benchmark (issue 8): per paper, the time and peak memory of download + text and of
figures, and the tokens a summary costs (prompt as sent + the model's answer).

    python -m bench.fulltext              # three papers, three runs each (about 10 s)
    python -m bench.fulltext --runs 1     # one run

Papers: the two real PDFs of tests/fixtures/pdfs served as PDF-only papers (arXiv has no HTML
for them: one 404, then the PDF), and the LaTeXML fixture tests/fixtures/html/2401.00001v1.html
with generated figure images beside it. The real ``FullTextSource``, ``PaperFigures`` (policy
"always"), worker processes and Gemini client run against the arXiv and Gemini fakes on
127.0.0.1, with a fresh full-text cache and fresh worker processes for every paper and run.

What is measured, per paper:

- **download + text**: ``FullTextSource.get`` on an empty cache (HTML or PDF download, parse in
  the worker, cache write); **figures**: ``PaperFigures.album`` right after it, as a card's
  Figures button would (text and PDF come from the cache; the HTML's images are downloaded).
  arXiv pacing is off (``min_interval_s = 0``): production adds 3 s per arXiv request.
- **worker time**: each job's time as ``IsolatedRunner`` logs it (send, run, reply; a fresh
  worker's Python start-up and imports included), against ``parse_timeout_s``.
- **memory**: the bot process's peak RSS during each phase (VmHWM of /proc/self/status after
  resetting it through /proc/self/clear_refs; it includes the in-process fakes), and each
  phase's worker: peak RSS (VmHWM) and peak address space (VmPeak) read from /proc/<pid>/status
  before the worker is stopped. ``parse_memory_mb`` caps the address space (RLIMIT_AS), so VmPeak
  is the figure to hold against it. RUSAGE_CHILDREN's ru_maxrss is printed too but does not
  measure the workers: Linux carries the parent's peak RSS into a child at fork/exec, so it shows
  the bot's own peak (about 130 MiB here for workers whose own peak is 20-55 MiB).
- **tokens**: ``papers.sections.estimate_tokens`` (4 ASCII characters per token) of the system
  and user prompts as the Gemini fake received them, for the prompt with the excerpt (what is
  sent now) and the abstract-only prompt (what was sent before issue 8), and the pre-9a64577
  abstract-only prompt that carried the abstract twice (rebuilt from today's by putting the
  abstract back under "Full text:"). Output: the fake's sample answer (``good()``), the same for
  every paper; ``max_output_tokens`` caps a real one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import io
import json
import logging
import os
import random
import re
import resource
import statistics
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw

from bench.harness import LogTally, Stopwatch, bench_settings, hard_timeout, machine
from bot.core.figures import PaperFigures
from bot.core.summaries import excerpt_budget
from config.settings import Settings
from papers import pdf_worker
from papers.fulltext import FullText, FullTextSource
from papers.models import Paper
from papers.pdf_worker import IsolatedRunner
from papers.sections import estimate_tokens
from summarizer.base import Summarizer
from summarizer.factory import make_summarizer
from summarizer.gemini import MAX_OUTPUT_TOKENS
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.gemini_api import GeminiFake, sample_draft

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
MIB = 2**20
NOT_AVAILABLE = "Full text: not available; summarize from the abstract."
WHEN = datetime(2024, 1, 2, 12, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Spec:
    """One benchmark paper: its metadata (the abstract is taken from the parsed text) and what
    the fake serves for it."""

    key: str  # column heading
    paper: Paper
    pdf: Path | None = None
    html: Path | None = None


SPECS = (
    Spec("CiteSee (PDF)", Paper(
        "2302.07302", 1,
        "CiteSee: Augmenting Citations in Scientific Papers with Persistent and Personalized "
        "Historical Context", ("Joseph Chee Chang", "Amy X. Zhang", "Jonathan Bragg"), "",
        WHEN, WHEN, "cs.HC", ("cs.HC", "cs.DL"),
    ), pdf=FIXTURES / "pdfs" / "2302.07302v1.pdf"),
    Spec("Beyond Summarization (PDF)", Paper(
        "2304.02623", 1,
        "Beyond Summarization: Designing AI Support for Real-World Expository Writing Tasks",
        ("Zejiang Shen", "Tal August", "Pao Siangliulue", "Kyle Lo"), "",
        WHEN, WHEN, "cs.CL", ("cs.CL", "cs.HC"),
    ), pdf=FIXTURES / "pdfs" / "2304.02623v1.pdf"),
    Spec("Lattice (HTML)", Paper(
        "2401.00001", 1, "Sparse Lattice Adapters for Long-Context Retrieval",
        ("Ada Quillfeather", "Bruno Tessaro", "Chen Wuyi"), "",
        WHEN, WHEN, "cs.IR", ("cs.IR",),
    ), html=FIXTURES / "html" / "2401.00001v1.html"),
)  # fmt: skip


# -- generated figure images for the HTML paper --------------------------------------------------


def _diagram(width: int, height: int, seed: int) -> bytes:
    """A PNG like a method overview: boxes, arrows and labels on white."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for _ in range(14):
        x, y = rng.randrange(0, width - 200), rng.randrange(0, height - 90)
        colour = tuple(rng.randrange(90, 250) for _ in range(3))
        draw.rounded_rectangle((x, y, x + 190, y + 80), 12, fill=colour, outline="black", width=3)
        draw.text((x + 12, y + 30), f"layer {rng.randrange(1, 24)}", fill="black")
        draw.line((x + 190, y + 40, x + 190 + rng.randrange(20, 120), y + 40), "black", 3)
    return _encode(image, "PNG")


def _plot(width: int, height: int, seed: int) -> bytes:
    """A PNG like a training curve: axes, grid and two noisy lines."""
    rng = random.Random(seed)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for k in range(0, width, width // 10):
        draw.line((k, 0, k, height), (225, 225, 225), 1)
    draw.line((40, height - 40, width - 10, height - 40), "black", 2)
    draw.line((40, 10, 40, height - 40), "black", 2)
    for colour, level in (("navy", 0.8), ("darkred", 0.5)):
        points, y = [], level
        for x in range(40, width - 10, 4):
            y = min(0.95, max(0.05, y - 0.004 + rng.gauss(0, 0.01)))
            points.append((x, int(10 + (1 - y) * (height - 50))))
        draw.line(points, colour, 3)
    return _encode(image, "PNG")


def _photo(width: int, height: int, seed: int) -> bytes:
    """A JPEG like a photograph: a colour gradient with grain."""
    rng = random.Random(seed)
    noise = rng.randbytes(width * height)
    base = Image.linear_gradient("L").resize((width, height))
    grain = Image.frombytes("L", (width, height), noise)
    image = Image.merge(
        "RGB", (base, Image.blend(base, grain, 0.35), grain.point(lambda v: v // 2))
    )
    return _encode(image, "JPEG")


def _encode(image: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **({"quality": 90} if kind == "JPEG" else {"optimize": True}))
    return buffer.getvalue()


def html_assets() -> dict[str, bytes]:
    """The images the fixture page points at (figure 1, both panels of figure 2)."""
    return {
        "x1.png": _diagram(1660, 630, 1),
        "extracted/5321/panel-a.jpg": _photo(800, 800, 2),
        "x2.png": _plot(800, 800, 3),
    }


# -- memory and worker readings -------------------------------------------------------------------


def _status(pid: int | str) -> dict[str, float]:
    """VmHWM, VmPeak, VmRSS of a process (MiB) from /proc; {} when it cannot be read."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    values = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmPeak", "VmRSS"):
            values[name] = int(rest.split()[0]) / 1024  # kB
    return values


def reset_peak_rss() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux ≥ 4.0); False when not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def self_peak_mib(reset_ok: bool) -> float:
    """The bot process's peak RSS since the last reset (or since start when resets fail)."""
    if reset_ok and (hwm := _status("self").get("VmHWM")):
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class WorkerJobs(logging.Handler):
    """Collects ``IsolatedRunner``'s "<fn> ran <s> s in worker <pid>" debug lines."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.jobs: list[tuple[str, float]] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if str(record.msg).startswith("%s ran") and isinstance(args, tuple) and len(args) >= 2:
            name, seconds = args[0], args[1]
            if isinstance(seconds, (int, float)):
                self.jobs.append((str(name), float(seconds)))

    def take(self) -> list[tuple[str, float]]:
        jobs, self.jobs = self.jobs, []
        return jobs

    @classmethod
    def install(cls) -> WorkerJobs:
        handler = cls()
        logger = logging.getLogger("papers.pdf_worker")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)  # the root tally still only sees WARNING and above
        return handler


@dataclass(slots=True)
class WorkerMemory:
    """Peak RSS and peak address space (MiB) of the phase's worker(s); 0 when unknown."""

    hwm: float = 0.0
    peak: float = 0.0
    pids: int = 0


@contextlib.contextmanager
def fresh_workers(seen: WorkerMemory) -> Iterator[IsolatedRunner]:
    """A new one-worker pool as the process's default (so ``FullTextSource`` and
    ``PaperFigures`` both use it) for one phase; its workers' peaks are read before it stops.
    It swaps ``papers.pdf_worker._default``, the pool ``run_isolated`` uses: production reuses
    warm workers for up to 50 jobs, here every phase starts one (see ``cold_worker``)."""
    runner = IsolatedRunner(max_workers=1)
    previous, pdf_worker._default = pdf_worker._default, runner
    try:
        yield runner
    finally:
        for pid in runner.idle_pids:
            status = _status(pid)
            seen.hwm = max(seen.hwm, status.get("VmHWM", 0.0))
            seen.peak = max(seen.peak, status.get("VmPeak", 0.0))
            seen.pids += 1
        pdf_worker._default = previous
        runner.close()


# -- one paper ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Measure:
    """One paper in one run."""

    source: str = ""
    arxiv_requests: int = 0
    downloaded_bytes: int = 0
    largest_download: int = 0
    get_s: float = 0.0
    parse_jobs: list[tuple[str, float]] = field(default_factory=list)
    get_self_rss: float = 0.0
    get_self_start: float = 0.0
    get_worker: WorkerMemory = field(default_factory=WorkerMemory)
    sections: int = 0
    kinds: str = ""
    excerpt_chars: int = 0
    excerpt_tokens: int = 0
    album_s: float = 0.0
    figure_jobs: list[tuple[str, float]] = field(default_factory=list)
    album_self_rss: float = 0.0
    album_self_start: float = 0.0
    album_worker: WorkerMemory = field(default_factory=WorkerMemory)
    figures: int = 0
    figure_bytes: int = 0
    html_figures: int = 0
    note: str = ""
    abstract_tokens: int = 0
    front_matter_tokens: int = 0
    new: tuple[int, int, int] = (0, 0, 0)  # system tokens, user tokens, system + user chars
    abstract_copies: int = 0  # how often the abstract's first sentence is in the new prompt
    old: tuple[int, int, int] = (0, 0, 0)  # abstract-only, as sent now
    twice: tuple[int, int, int] = (0, 0, 0)  # abstract-only before 9a64577 (abstract twice)
    schema_tokens: int = 0
    model_requests: int = 0
    backend: str = ""


def _sizes(
    fake: ArxivFake, start: int, spec: Spec, assets: dict[str, bytes]
) -> tuple[int, int, int]:
    """arXiv requests since ``start`` and the bytes of the 200 answers among them."""
    requests = fake.requests[start:]
    sizes = []
    for r in requests:
        name = r.path.split("/", 2)[-1]
        if r.path.startswith("/pdf/") and spec.pdf is not None:
            sizes.append(spec.pdf.stat().st_size)
        elif r.path.startswith("/html/") and spec.html is not None:
            asset = name.partition("/")[2]
            sizes.append(len(assets[asset]) if asset else spec.html.stat().st_size)
    return len(requests), sum(sizes), max(sizes, default=0)


def _tokens(system: str, user: str) -> tuple[int, int, int]:
    return estimate_tokens(system), estimate_tokens(user), len(system) + len(user)


async def measure_paper(
    spec: Spec, settings: Settings, arxiv: ArxivFake, gemini: GeminiFake,
    jobs: WorkerJobs, assets: dict[str, bytes], reset_ok: bool, summarizer: Summarizer,
) -> Measure:  # fmt: skip
    """Read one paper on an empty cache, then its figures, then ask the Gemini fake twice."""
    m = Measure()
    source = FullTextSource(settings.arxiv, settings.fulltext)
    figures = PaperFigures(source, settings.figures, settings.fulltext,
                           html_url=settings.arxiv.html_url)  # fmt: skip
    try:
        start = len(arxiv.requests)
        jobs.take()
        with fresh_workers(m.get_worker):
            reset_peak_rss()
            m.get_self_start = _status("self").get("VmRSS", 0.0)
            clock = Stopwatch()
            text = await source.get(spec.paper)
            m.get_s = clock()
            m.get_self_rss = self_peak_mib(reset_ok)
        m.parse_jobs = jobs.take()
        with fresh_workers(m.album_worker):
            reset_peak_rss()
            m.album_self_start = _status("self").get("VmRSS", 0.0)
            clock = Stopwatch()
            album = await figures.album(spec.paper)
            m.album_s = clock()
            m.album_self_rss = self_peak_mib(reset_ok)
        m.figure_jobs = jobs.take()
        m.arxiv_requests, m.downloaded_bytes, m.largest_download = _sizes(
            arxiv, start, spec, assets
        )
        m.source, m.sections = text.source, len(text.sections)
        m.kinds = " ".join(s.kind for s in text.sections)
        m.html_figures = len(text.figures)
        m.figures = len(album.figures)
        m.figure_bytes = sum(len(f.data) for f in album.figures)
        m.note = album.note or text.note or ""
        await measure_prompts(m, spec, text, settings, gemini, summarizer)
    finally:
        await source.aclose()
    return m


async def measure_prompts(
    m: Measure, spec: Spec, text: FullText, settings: Settings, gemini: GeminiFake,
    summarizer: Summarizer,
) -> None:  # fmt: skip
    """The prompts as the Gemini client sends them: with the excerpt, and abstract-only."""
    abstract = next((s.text for s in text.sections if s.kind == "abstract"), "")
    paper = dataclasses.replace(spec.paper, abstract=" ".join(abstract.split()))
    excerpt = text.excerpt(excerpt_budget(paper, text, "en", settings.fulltext.input_tokens))
    m.excerpt_chars, m.excerpt_tokens = len(excerpt), estimate_tokens(excerpt)
    m.abstract_tokens = estimate_tokens(paper.abstract)
    m.front_matter_tokens = estimate_tokens(text.front_matter[:2_000])
    before = len(gemini.requests)
    summary = await summarizer.summarize(
        paper, excerpt or paper.abstract, "en", front_matter=text.front_matter
    )
    sent = gemini.requests[before:]
    m.model_requests, m.backend = len(sent), summary.backend
    first = sent[0]  # a second request, if any, is the retry with feedback
    m.new = _tokens(first.system, first.user)
    probe = " ".join(paper.abstract.split()[:12])
    m.abstract_copies = " ".join(first.user.split()).count(probe) if probe else -1
    schema = first.body.get("generationConfig", {}).get("responseSchema", {})
    m.schema_tokens = estimate_tokens(json.dumps(schema, separators=(",", ":")))
    before = len(gemini.requests)
    await summarizer.summarize(paper, paper.abstract, "en")
    old = gemini.requests[before]
    m.old = _tokens(old.system, old.user)
    if NOT_AVAILABLE not in old.user:
        raise RuntimeError("the abstract-only prompt changed; update bench/fulltext.py")
    twice = old.user.replace(NOT_AVAILABLE, "Full text:\n" + paper.abstract)
    m.twice = _tokens(old.system, twice)


async def cold_worker(jobs: WorkerJobs) -> tuple[float, WorkerMemory]:
    """A fresh worker running a no-op job: its start-up time and memory (the floor of the
    per-phase worker figures, which always start a fresh worker)."""
    seen = WorkerMemory()
    with fresh_workers(seen) as runner:
        jobs.take()
        await runner.run(os.getpid, timeout_s=30)
    return sum(s for _, s in jobs.take()), seen


# -- the run and the table ------------------------------------------------------------------------


def _pages(spec: Spec) -> str:
    if spec.pdf is None:
        return "–"
    import pypdfium2 as pdfium  # after the measurements: the bot process itself never loads it

    doc = pdfium.PdfDocument(str(spec.pdf))  # a trusted fixture; the bot never does this
    try:
        return str(len(doc))
    finally:
        doc.close()


def _captioned(spec: Spec) -> str:
    """Figures the paper captions ("Figure N" at a line start in the PDF's text; the HTML's
    numbered figure captions), for context: a trusted fixture read here, never by the bot."""
    if spec.html is not None:
        html = spec.html.read_text(encoding="utf-8")
        return str(len(set(re.findall(r'ltx_tag_figure">Figure (\d+)', html))))
    assert spec.pdf is not None
    import pypdfium2 as pdfium  # after the measurements, as in _pages

    doc = pdfium.PdfDocument(str(spec.pdf))
    try:
        found: set[str] = set()
        for i in range(len(doc)):
            page = doc[i]
            text = page.get_textpage().get_text_range()
            found |= set(re.findall(r"(?m)^\s*(?:Figure|Fig\.)\s+(\d+)[:.]", text))
        return str(len(found))
    finally:
        doc.close()


def _med(values: list[float], digits: int = 2) -> str:
    """Median, and the range when the runs differ."""
    mid = statistics.median(values)
    if len(values) > 1 and max(values) - min(values) >= 10**-digits:
        return f"{mid:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"
    return f"{mid:.{digits}f}"


def _rise(readings: list[tuple[float, float]]) -> str:
    """The highest peak and the largest rise over the phase's start, in MiB."""
    peak = max(p for _, p in readings)
    rise = max(p - s for s, p in readings)
    return f"{peak:.0f} (+{rise:.1f})"


def _jobs(runs: list[list[tuple[str, float]]]) -> str:
    """Median total of the phase's worker jobs; with several jobs, how many and the longest."""
    text = _med([sum(s for _, s in jobs) for jobs in runs])
    if len(runs[0]) != 1:
        longest = max((s for jobs in runs for _, s in jobs), default=0.0)
        text += f"; {len(runs[0])} jobs, longest {longest:.2f}"
    return text


def table(
    specs: tuple[Spec, ...], runs: list[list[Measure]], settings: Settings
) -> list[list[str]]:
    """Rows (label, one cell per paper, limit) of the Markdown table."""
    caps, per = settings.fulltext, list(zip(*runs, strict=True))  # per[paper] = that paper's runs
    sample_out = json.dumps(sample_draft("en"), ensure_ascii=False)
    out_tokens = estimate_tokens(sample_out)

    def row(label: str, cell: object, limit: str = "") -> list[str]:
        cells = [cell(ms) if callable(cell) else str(cell) for ms in per]  # type: ignore[operator]
        return [label, *cells, limit]

    def first(ms: tuple[Measure, ...]) -> Measure:
        return ms[0]

    def tok(t: tuple[int, int, int]) -> str:
        return f"{t[0] + t[1]:,} ({t[2]:,} chars)"

    rows = [
        row("read from", lambda ms: first(ms).source),
        ["PDF pages", *(_pages(s) for s in specs), f"{caps.max_pages} read at most"],
        row("arXiv requests (download + figures)", lambda ms: str(first(ms).arxiv_requests),
            "3 s apart in production"),
        row("downloaded, all files / largest (MB)", lambda ms: (
            f"{first(ms).downloaded_bytes / MIB:.2f} / {first(ms).largest_download / MIB:.2f}"),
            f"{caps.max_download_mb:g} MB per file"),
        row("**download + text: wall time (s)**", lambda ms: _med([m.get_s for m in ms])),
        row("  of which the parse job in the worker (s)",
            lambda ms: _jobs([m.parse_jobs for m in ms]),
            f"{caps.parse_timeout_s:g} s per job"),
        row("  bot process: peak RSS (rise in the phase) (MiB)", lambda ms: _rise(
            [(m.get_self_start, m.get_self_rss) for m in ms])),
        row("  parse worker: peak RSS / peak address space (MiB)", lambda ms: (
            f"{max(m.get_worker.hwm for m in ms):.0f} / {max(m.get_worker.peak for m in ms):.0f}"),
            f"{caps.parse_memory_mb} MB address space"),
        row("sections (all kinds)", lambda ms: str(first(ms).sections)),
        row("**figures: wall time (s)**", lambda ms: _med([m.album_s for m in ms])),
        row("  of which jobs in the worker (s)",
            lambda ms: _jobs([m.figure_jobs for m in ms]),
            f"{caps.parse_timeout_s:g} s per job"),
        row("  bot process: peak RSS (rise in the phase) (MiB)", lambda ms: _rise(
            [(m.album_self_start, m.album_self_rss) for m in ms])),
        row("  figures worker: peak RSS / peak address space (MiB)", lambda ms: (
            f"{max(m.album_worker.hwm for m in ms):.0f} / "
            f"{max(m.album_worker.peak for m in ms):.0f}"),
            f"{caps.parse_memory_mb} MB address space"),
        ["figures captioned in the paper", *(_captioned(s) for s in specs), ""],
        row("figures in the album (HTML: of those with an image file)", lambda ms: (
            f"{first(ms).figures}" + (f" of {first(ms).html_figures}" if first(ms).source == "html"
                                      else "")),
            f"{settings.figures.max_per_paper} per paper"),
        row("album size (KB)", lambda ms: f"{first(ms).figure_bytes / 1024:,.0f}"),
        row("**excerpt: tokens** (chars)", lambda ms: (
            f"{first(ms).excerpt_tokens:,} ({first(ms).excerpt_chars:,})"),
            f"its share of {caps.input_tokens:,}"),
        row("abstract / front matter (tokens)", lambda ms: (
            f"{first(ms).abstract_tokens:,} / {first(ms).front_matter_tokens:,}")),
        row("**prompt now: system + user, tokens**", lambda ms: tok(first(ms).new),
            f"{caps.input_tokens:,} (fulltext.input_tokens)"),
        row("  of which the system prompt (English)", lambda ms: f"{first(ms).new[0]:,}"),
        row("  the abstract in it (times)", lambda ms: str(first(ms).abstract_copies), "1"),
        row("abstract-only prompt, today (no full text)", lambda ms: tok(first(ms).old)),
        row("abstract-only prompt before issue 8 (abstract twice)", lambda ms: tok(first(ms).twice)),
        row("  the second abstract's share of it", lambda ms: (
            f"{first(ms).abstract_tokens / sum(first(ms).twice[:2]):.0%}")),
        row("response schema sent with each request (tokens)",
            lambda ms: f"{first(ms).schema_tokens:,}"),
        row("output: the sample answer (tokens)", f"{out_tokens:,}",
            f"{MAX_OUTPUT_TOKENS:,} (max_output_tokens)"),
        row("**per paper and language now: prompt + output (tokens)**",
            lambda ms: f"{sum(first(ms).new[:2]) + out_tokens:,}"),
        row("  abstract only: today / before issue 8", lambda ms: (
            f"{sum(first(ms).old[:2]) + out_tokens:,} / {sum(first(ms).twice[:2]) + out_tokens:,}")),
        row("model requests (1: answer accepted)", lambda ms: (
            f"{first(ms).model_requests} ({first(ms).backend})")),
    ]  # fmt: skip
    return rows


def print_markdown(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|---" + "|---:" * (len(header) - 2) + "|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


async def main_async(args: argparse.Namespace) -> None:
    """Start the fakes, measure every paper ``args.runs`` times, print the table."""
    tally = LogTally.install()
    jobs = WorkerJobs.install()
    reset_ok = reset_peak_rss()
    assets = html_assets()
    idle_s, idle = await cold_worker(jobs)
    total = Stopwatch()
    runs: list[list[Measure]] = []
    with (
        tempfile.TemporaryDirectory(prefix="paperboy-bench-") as tmp,
        ArxivFake(fixtures=False, dawn=False, pdfs=False) as arxiv,
    ):
        for spec in SPECS:
            if spec.pdf is not None:
                arxiv.add_pdf(spec.paper.versioned_id, spec.pdf.read_bytes())
            if spec.html is not None:
                arxiv.add_html(spec.paper.versioned_id, spec.html.read_bytes(), assets)
        async with GeminiFake() as gemini:
            base = bench_settings(
                Path(tmp) / "bench.db", arxiv_api_url=arxiv.api_url,
                arxiv_feed_url=arxiv.feed_url, gemini_url=gemini.base_url, arxiv_interval_s=0.0,
            )  # fmt: skip
            summarizer = make_summarizer(base)
            try:
                for run in range(args.runs):
                    settings = base.model_copy(update={
                        "fulltext": base.fulltext.model_copy(
                            update={"cache_dir": Path(tmp) / f"fulltext-{run}"}),
                        "figures": base.figures.model_copy(update={"policy": "always"}),
                    })  # fmt: skip
                    runs.append([
                        await measure_paper(spec, settings, arxiv, gemini, jobs, assets, reset_ok,
                                            summarizer)
                        for spec in SPECS
                    ])  # fmt: skip
            finally:
                await summarizer.aclose()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"\nfull text and figures: {machine()}; {args.runs} run(s), fresh cache and workers "
          f"each; arXiv pacing off; {total():.1f} s in all\n")  # fmt: skip
    header = ["", *(f"{s.key} {s.paper.versioned_id}" for s in SPECS), "limit"]
    print_markdown(header, table(SPECS, runs, settings))
    print(f"\nbot process peak RSS over the whole run (ru_maxrss): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; stopped workers: "
          f"CPU {children.ru_utime + children.ru_stime:.1f} s, RUSAGE_CHILDREN ru_maxrss "
          f"{children.ru_maxrss / 1024:.0f} MiB (the bot's RSS inherited at fork, not theirs)")  # fmt: skip
    print(
        f"a fresh worker with a no-op job: {idle_s:.2f} s, peak RSS {idle.hwm:.0f} MiB, peak "
        f"address space {idle.peak:.0f} MiB (included in every worker figure above)"
    )
    print(f"per-phase bot RSS from VmHWM after /proc/self/clear_refs: {'yes' if reset_ok else 'no'}"
          " (no: ru_maxrss, the peak since start)")  # fmt: skip
    for spec, m in zip(SPECS, runs[0], strict=True):
        print(f"{spec.paper.versioned_id}: sections {m.kinds}; note: {m.note or '–'}")
    print("\nwarnings logged:", ", ".join(f"{n}× {name}: {msg}" for (name, msg), n in
                                         tally.counts.most_common(6)) or "none")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m bench.fulltext``."""
    parser = argparse.ArgumentParser(prog="python -m bench.fulltext",
                                     description=__doc__.split("\n")[0])  # fmt: skip
    parser.add_argument("--runs", type=int, default=3, help="runs per paper (fresh cache each)")
    parser.add_argument("--timeout", type=float, default=120.0, help="hard limit in seconds")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be ≥ 1")
    hard_timeout(args.timeout)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
