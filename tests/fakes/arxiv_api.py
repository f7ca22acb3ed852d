"""A loopback fake of the arXiv API (Atom feeds at /api/query), arXiv's PDFs (/pdf/<id>) and
HTML renderings (/html/<id>).

Use it with the real ``arxiv`` client (or anything else that speaks HTTP)::

    with ArxivFake() as fake:
        settings = ArxivSettings(api_url=fake.api_url, pdf_url=fake.pdf_url, min_interval_s=0.05)
        fake.add_paper("2401.00001", 1, "A title", ["Ada Lovelace"], "An abstract.")
        fake.fail_next(2, status=503)          # the next two API requests fail
        ...
        assert len(fake.query_requests) == 3  # what the client asked, with arrival times

Out of the box it serves the real recorded responses in tests/fixtures/arxiv-api (2104.12255v1,
1707.08567v1, the ten papers of the ``all:testing`` search; ``abc`` gives arXiv's real HTTP 400
body; ``0000.0000`` its real empty feed), the DAWN paper 2410.13726 (v1 and v2, see ``DAWN_*``)
and the PDFs in tests/fixtures/pdfs. Behaviour that matters is arXiv's: unversioned ids resolve
to the latest version, unknown ids are simply absent, a malformed id is HTTP 400 with an error
entry, ``totalResults`` counts every match and ``start``/``max_results`` page through them.
Search is a simple case-insensitive match (see ``SearchQuery``), not arXiv's ranking.

It also serves the daily listings of rss.arxiv.org at ``/atom/<cat>+<cat>`` (``feed_url``; see
tests/fakes/arxiv_rss.py for the shape): ``set_listing(...)`` with entries from ``feed_entry``,
``set_quiet()`` for a weekend or holiday (the default), HTTP 400 "Feed error for query" for an
unknown category. ``fail_next``/``slow_next``/``hang_next`` take ``path="/atom/"`` for the feed.

Full text: ``add_html`` serves a LaTeXML page at ``/html/<id>v<N>`` (and ``/html/<id>``, the
latest) with its image files beside it (``/html/<id>v<N>/x1.png``); any other ``/html/`` path
is arXiv's 404 "No HTML for '<id>'". ``add_pdf_stream`` serves a PDF that is huge (its bytes are
made up as they are sent, with or without a Content-Length) or trickles in slowly;
``bytes_sent(path)`` tells how much of it actually left the server.
"""

from __future__ import annotations

import http.server
import re
import textwrap
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.arxiv_feeds import (
    ENTRY_RE,
    ID_SHAPE,
    FeedEntry,
    SearchQuery,
    build_feed,
    entry_xml,
    error_feed,
    sort_entries,
)
from tests.fakes.arxiv_rss import FEED_CONTENT_TYPE, FeedListings, ListingEntry

__all__ = [
    "DAWN_ABSTRACT",
    "DAWN_AUTHORS",
    "DAWN_CODE_URL",
    "DAWN_ID",
    "DAWN_PUBLISHED",
    "DAWN_TITLE",
    "DAWN_V2_UPDATED",
    "ArxivFake",
    "FakeRequest",
    "arxiv_fake",
]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
API_FIXTURES = FIXTURES / "arxiv-api"
PDF_FIXTURES = FIXTURES / "pdfs"

# The paper of shared/examples/digest-example.zh.md, as a user would see it.
DAWN_ID = "2410.13726"
DAWN_TITLE = (
    "DAWN: Dynamic Frame Avatar with Non-autoregressive Diffusion Framework "
    "for Talking Head Video Generation"
)
DAWN_AUTHORS = (
    "Hanbo Cheng", "Limin Lin", "Chenyu Liu", "Pengcheng Xia",
    "Pengfei Hu", "Jiefeng Ma", "Jun Du", "Jia Pan",
)  # fmt: skip
DAWN_ABSTRACT = (
    "Talking head generation intends to produce vivid and realistic talking head videos from a "
    "single portrait and speech audio clip. Although significant progress has been made in "
    "diffusion-based talking head generation, almost all methods rely on autoregressive "
    "strategies, which suffer from limited context utilization beyond the current generation "
    "step, error accumulation, and slower generation speed. To address these challenges, we "
    "present DAWN (Dynamic frame Avatar With Non-autoregressive diffusion), a framework that "
    "enables all-at-once generation of dynamic-length video sequences. Specifically, it consists "
    "of two main components: (1) audio-driven holistic facial dynamics generation in the latent "
    "motion space, and (2) audio-driven head pose and blink generation. Extensive experiments "
    "demonstrate that our method generates authentic and vivid videos with precise lip motions, "
    "and natural pose/blink movements. Additionally, with a high generation speed, DAWN possesses "
    "strong extrapolation capabilities, ensuring the stable production of high-quality long "
    "videos. These results highlight the considerable promise and potential impact of DAWN in the "
    "field of talking head video generation. Furthermore, we hope that DAWN sparks further "
    "exploration of non-autoregressive approaches in diffusion models. Our code will be publicly "
    "available at https://github.com/Hanbo-Cheng/DAWN-pytorch."
)
DAWN_CODE_URL = "https://github.com/Hanbo-Cheng/DAWN-pytorch"
# Illustrative dates (the fake needs some): v1 submitted, v2 revised before the digest of 10-27.
DAWN_PUBLISHED = datetime(2024, 10, 17, 17, 22, 45, tzinfo=UTC)
DAWN_V2_UPDATED = datetime(2024, 10, 23, 9, 15, 2, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class FakeRequest:
    """One request the fake received: what was asked and when (``time.monotonic()`` on arrival)."""

    method: str
    path: str
    params: dict[str, str]
    at: float


@dataclass(slots=True)
class _Script:
    """What to do instead of (or before) the normal answer for one request."""

    path_prefix: str
    status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    hang: bool = False
    empty: bool = False
    blank: bool = False
    trickle_s: float = 0.0  # send the body 64 bytes at a time, this long apart


class ArxivFake:
    """The fake arXiv, on 127.0.0.1 in a background thread. Start it with ``with ArxivFake()``."""

    def __init__(self, *, fixtures: bool = True, dawn: bool = True, pdfs: bool = True) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, dict[int, FeedEntry]] = {}
        self._order: list[tuple[str, int]] = []  # registration order = "relevance"
        self._pdfs: dict[str, bytes | Path] = {}
        self._html: dict[str, bytes] = {}
        self._licences: dict[str, str] = {}  # versioned id -> licence URI on the abs page
        self._html_assets: dict[str, bytes] = {}
        self._streams: dict[str, _Stream] = {}
        self._sent: dict[str, int] = {}
        self._scripts: deque[_Script] = deque()
        self._requests: list[FakeRequest] = []
        self._stopping = threading.Event()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.delay_s = 0.0
        """Seconds every /api/query answer waits before it is sent (a slow arXiv)."""
        self.hang_s = 60.0
        """How long a hanging request blocks at most (released early when the fake stops)."""
        self._feeds = FeedListings()
        if fixtures:
            for path in sorted(API_FIXTURES.glob("*.xml")):
                for xml in ENTRY_RE.findall(path.read_text(encoding="utf-8")):
                    if "arxiv.org/api/errors" not in xml:
                        self._store(FeedEntry.parse(xml))
        if dawn:
            self._add_dawn()
        if pdfs:
            for path in sorted(PDF_FIXTURES.glob("*.pdf")):
                self._pdfs[path.stem] = path

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Self:
        """Listen on a free port of 127.0.0.1."""
        self._stopping.clear()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="arxiv-fake", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release any hanging request."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        if self._server is None:
            raise RuntimeError("the arXiv fake is not running; use `with ArxivFake() as fake:`")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """For ``ArxivSettings.api_url``: ``http://127.0.0.1:PORT/api/query``."""
        return self.base_url + "/api/query"

    @property
    def feed_url(self) -> str:
        """For ``ArxivSettings.feed_url``: ``http://127.0.0.1:PORT/atom/`` (append categories)."""
        return self.base_url + "/atom/"

    @property
    def pdf_url(self) -> str:
        """For ``ArxivSettings.pdf_url``: ``http://127.0.0.1:PORT/pdf/`` (append a versioned id)."""
        return self.base_url + "/pdf/"

    @property
    def html_url(self) -> str:
        """For ``ArxivSettings.html_url``: ``http://127.0.0.1:PORT/html/``."""
        return self.base_url + "/html/"

    @property
    def abs_url(self) -> str:
        """For ``ArxivSettings.abs_url``: ``http://127.0.0.1:PORT/abs/`` (abstract pages)."""
        return self.base_url + "/abs/"

    def set_licence(self, versioned_id: str, uri: str) -> None:
        """The licence the paper's abstract page links to (``<div class="abs-license">``)."""
        self._licences[versioned_id] = uri

    # -- content -------------------------------------------------------------------------------

    def add_paper(
        self,
        arxiv_id: str,
        version: int,
        title: str,
        authors: Sequence[str],
        abstract: str,
        *,
        categories: Sequence[str] = ("cs.LG",),
        comment: str | None = None,
        published: datetime | None = None,
        updated: datetime | None = None,
        journal_ref: str | None = None,
        doi: str | None = None,
    ) -> None:
        """Serve one paper version as arXiv would (the first category is the primary one).

        ``published`` is the date of v1 (arXiv repeats it on every version); ``updated`` that of
        this version (default: ``published``). Text is served as given, newlines included.
        """
        published = published or datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        self._store(
            FeedEntry.parse(
                entry_xml(
                    f"{arxiv_id}v{version}",
                    title,
                    authors,
                    abstract,
                    categories,
                    comment,
                    published,
                    updated or published,
                    journal_ref,
                    doi,
                )
            )
        )

    def set_listing(
        self,
        categories: str | Sequence[str],
        announced: date,
        entries: Iterable[ListingEntry] = (),
    ) -> None:
        """Serve ``entries`` (from ``feed_entry``) in the feed of these categories or archives as
        the mailing of ``announced``. A request for several categories merges their listings,
        each paper once; a paper whose primary category is not requested shows as a cross-list.
        """
        self._feeds.set_listing(categories, announced, entries)

    def set_quiet(self) -> None:
        """A weekend or holiday: every feed is empty, as it is before any ``set_listing``."""
        self._feeds.set_quiet()

    def add_pdf(self, versioned_id: str, data: bytes) -> None:
        """Serve ``data`` at ``/pdf/<versioned_id>`` (old-style ids: use ``_`` for ``/``)."""
        with self._lock:
            self._pdfs[versioned_id] = data

    def add_html(
        self, versioned_id: str, page: str | bytes, assets: dict[str, bytes] | None = None
    ) -> None:
        """Serve ``page`` at ``/html/<versioned_id>`` (and at the unversioned id, if it is the
        latest version), and each of ``assets`` (``{"x1.png": b"..."}``) beside it."""
        data = page.encode("utf-8") if isinstance(page, str) else page
        with self._lock:
            self._html[versioned_id] = data
            for name, content in (assets or {}).items():
                self._html_assets[f"{versioned_id}/{name}"] = content

    def add_pdf_stream(
        self,
        versioned_id: str,
        size: int,
        *,
        content_length: bool = True,
        chunk_size: int = 64 * 1024,
        chunk_delay_s: float = 0.0,
    ) -> None:
        """Serve a PDF of ``size`` made-up bytes at ``/pdf/<versioned_id>``, ``chunk_size`` at a
        time with ``chunk_delay_s`` between chunks; without a Content-Length header when
        ``content_length`` is False (the body then ends when the connection closes)."""
        with self._lock:
            self._streams[versioned_id] = _Stream(size, content_length, chunk_size, chunk_delay_s)

    def bytes_sent(self, path: str) -> int:
        """Body bytes of streamed responses written to ``path`` so far (``/pdf/<id>``)."""
        with self._lock:
            return self._sent.get(path, 0)

    def ids(self) -> list[str]:
        """Every versioned id the fake serves, in registration order."""
        with self._lock:
            return [f"{base}v{version}" for base, version in self._order]

    # -- scripted trouble (each applies to the next n requests under ``path``) -----------------

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 503,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        path: str = "/api/query",
    ) -> None:
        """Answer the next ``n`` requests with ``status`` and ``body`` (any status, even 200)."""
        self._script(n, path, status=status, body=body, headers=dict(headers or {}))

    def empty_next(self, n: int = 1, *, blank: bool = False) -> None:
        """arXiv's empty-page glitch: a feed without entries that still reports the total
        (``blank=True``: HTTP 200 with an empty body, which arXiv also sends at times)."""
        self._script(n, "/api/query", empty=not blank, blank=blank)

    def slow_next(self, n: int = 1, *, delay_s: float, path: str = "/api/query") -> None:
        """Answer the next ``n`` requests normally, but only after ``delay_s`` seconds."""
        self._script(n, path, delay_s=delay_s)

    def trickle_next(self, n: int = 1, *, every_s: float, path: str = "/api/query") -> None:
        """Answer the next ``n`` requests with headers at once and the body 64 bytes every
        ``every_s`` seconds: no single read ever times out, the whole reply takes ages."""
        self._script(n, path, trickle_s=every_s)

    def hang_next(self, n: int = 1, *, path: str = "/api/query") -> None:
        """Never answer the next ``n`` requests (until ``hang_s`` passes or the fake stops)."""
        self._script(n, path, hang=True)

    @property
    def requests(self) -> list[FakeRequest]:
        """Every request received so far (API and PDFs), oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def query_requests(self) -> list[FakeRequest]:
        """Only the /api/query requests."""
        return [r for r in self.requests if r.path == "/api/query"]

    @property
    def feed_requests(self) -> list[FakeRequest]:
        """Only the feed requests (``/atom/...`` and ``/rss/...``)."""
        return [r for r in self.requests if r.path.startswith(("/atom/", "/rss/"))]

    def clear_requests(self) -> None:
        """Forget the request log (e.g. after a warm-up request)."""
        with self._lock:
            self._requests.clear()

    # -- internals -------------------------------------------------------------------------------

    def _add_dawn(self) -> None:
        # arXiv's older API wrapped abstracts at ~80 columns and broke long titles: keep that,
        # so that tests see whitespace being collapsed.
        wrapped = textwrap.fill(
            DAWN_ABSTRACT,
            80,
            subsequent_indent="  ",
            break_on_hyphens=False,
            break_long_words=False,
        )
        title = DAWN_TITLE.replace(" for Talking", "\n  for Talking")
        for version, updated in ((1, DAWN_PUBLISHED), (2, DAWN_V2_UPDATED)):
            self.add_paper(
                DAWN_ID, version, title, DAWN_AUTHORS, wrapped,
                categories=("cs.CV",), published=DAWN_PUBLISHED, updated=updated,
            )  # fmt: skip

    def _store(self, entry: FeedEntry) -> None:
        with self._lock:
            versions = self._entries.setdefault(entry.base, {})
            if entry.version not in versions:
                self._order.append((entry.base, entry.version))
            versions[entry.version] = entry

    def _script(self, n: int, path: str, **how: object) -> None:
        with self._lock:
            for _ in range(n):
                self._scripts.append(_Script(path_prefix=path, **how))  # type: ignore[arg-type]

    def _log_and_pop(self, method: str, path: str, params: dict[str, str]) -> _Script | None:
        with self._lock:
            self._requests.append(FakeRequest(method, path, params, time.monotonic()))
            for script in self._scripts:
                if path.startswith(script.path_prefix):
                    self._scripts.remove(script)
                    return script
            return None

    def _lookup(self, versioned_id: str) -> FeedEntry | None:
        base, sep, version = versioned_id.rpartition("v")
        if not sep or not version.isdigit() or ("." not in base and "/" not in base):
            base, version = versioned_id, ""
        with self._lock:
            versions = self._entries.get(base, {})
            if not versions:
                return None
            return versions.get(int(version)) if version else versions[max(versions)]

    def _answer_query(self, params: dict[str, str], script: _Script | None) -> tuple[int, bytes]:
        """The status and body arXiv would send for these query parameters."""
        ids = [i.strip() for i in params.get("id_list", "").split(",") if i.strip()]
        query = params.get("search_query", "").strip()
        for bad in (i for i in ids if not ID_SHAPE.fullmatch(i)):
            if bad == "abc":  # the real, recorded body
                return 400, (API_FIXTURES / "id-abc-http400.xml").read_bytes()
            return 400, error_feed(bad)
        if ids:
            found = [e for e in map(self._lookup, ids) if e is not None]
            if query:
                found = [e for e in found if SearchQuery(query).matches(e)]
        elif query:
            with self._lock:
                # arXiv searches the latest version of each paper only
                latest = {b: max(versions) for b, versions in self._entries.items()}
                everything = [self._entries[b][v] for b, v in self._order if v == latest[b]]
            found = [e for e in everything if SearchQuery(query).matches(e)]
            found = sort_entries(found, params.get("sortBy", ""), params.get("sortOrder", ""))
        else:
            found = []
        start, size = _int(params.get("start"), 0), _int(params.get("max_results"), 10)
        page = found[start : start + size]
        if script is not None and script.blank:
            return 200, b""
        if script is not None and script.empty:
            page = []
        return 200, build_feed(params, page, total=len(found), start=start, size=size)

    def _html_page(self, path: str) -> bytes | None:
        name = path.removeprefix("/html/").strip("/")
        with self._lock:
            if name in self._html_assets:
                return self._html_assets[name]
            if name in self._html:
                return self._html[name]
            versions = sorted(
                (int(m.group(1)), k)
                for k in self._html
                if (m := re.fullmatch(re.escape(name) + r"v(\d+)", k))
            )
            return self._html[versions[-1][1]] if versions else None

    def _stream(self, path: str) -> _Stream | None:
        name = path.removeprefix("/pdf/").removesuffix(".pdf").replace("/", "_")
        with self._lock:
            return self._streams.get(name)

    def _count_sent(self, path: str, n: int) -> None:
        with self._lock:
            self._sent[path] = self._sent.get(path, 0) + n

    def _pdf(self, path: str) -> bytes | None:
        name = path.removeprefix("/pdf/").removesuffix(".pdf").replace("/", "_")
        with self._lock:
            source = self._pdfs.get(name)
            if source is None and not re.search(r"v\d+$", name):
                versions = sorted(
                    k for k in self._pdfs if re.fullmatch(re.escape(name) + r"v\d+", k)
                )
                source = self._pdfs.get(versions[-1]) if versions else None
        if isinstance(source, Path):
            return source.read_bytes()
        return source


@dataclass(frozen=True, slots=True)
class _Stream:
    """A made-up PDF body sent piece by piece (see ``ArxivFake.add_pdf_stream``)."""

    size: int
    content_length: bool
    chunk_size: int
    chunk_delay_s: float


def _handler_for(fake: ArxivFake) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "arxiv-fake"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            script = fake._log_and_pop("GET", url.path, params)
            delay = (script.delay_s if script else 0.0) + (
                fake.delay_s if url.path == "/api/query" else 0.0
            )
            if script is not None and script.hang:
                fake._stopping.wait(fake.hang_s)
                return
            if delay and fake._stopping.wait(delay):
                return
            if script is not None and script.status is not None:
                self._send(script.status, script.body, "application/atom+xml", script.headers)
            elif url.path == "/api/query":
                status, body = fake._answer_query(params, script)
                self._send(status, body, "application/atom+xml; charset=utf-8",
                           trickle_s=script.trickle_s if script else 0.0)
            elif url.path.startswith("/atom/"):
                status, body = fake._feeds.answer(url.path)
                self._send(status, body, FEED_CONTENT_TYPE,
                           trickle_s=script.trickle_s if script else 0.0)
            elif url.path.startswith("/pdf/") and (stream := fake._stream(url.path)) is not None:
                self._send_stream(url.path, stream)
            elif url.path.startswith("/pdf/") and (pdf := fake._pdf(url.path)) is not None:
                self._send(200, pdf, "application/pdf")
            elif url.path.startswith("/abs/"):
                name = url.path.removeprefix("/abs/").strip("/")
                licence = fake._licences.get(name, "http://arxiv.org/licenses/nonexclusive-distrib/1.0/")
                body = (f'<html><body><h1 class="title">{name}</h1><div class="abs-license">'
                        f'<a href="{licence}" title="Rights to this article">view license</a>'
                        "</div></body></html>")
                self._send(200, body.encode(), "text/html; charset=utf-8")
            elif url.path.startswith("/html/"):
                page = fake._html_page(url.path)
                if page is None:
                    name = url.path.removeprefix("/html/").strip("/")
                    body = f"<html><body><h1>No HTML for '{name}'</h1></body></html>"
                    self._send(404, body.encode(), "text/html; charset=utf-8")
                else:
                    kind = "image/png" if url.path.endswith(".png") else "text/html; charset=utf-8"
                    self._send(200, page, kind)
            else:
                self._send(404, b"<html><body>Not Found</body></html>", "text/html")

        def _send(
            self, status: int, body: bytes, content_type: str,
            headers: dict[str, str] | None = None, *, trickle_s: float = 0.0,
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                if not trickle_s:
                    self.wfile.write(body)
                    return
                for start in range(0, len(body), 64):
                    self.wfile.write(body[start : start + 64])
                    self.wfile.flush()
                    fake._count_sent(urlsplit(self.path).path, len(body[start : start + 64]))
                    if fake._stopping.wait(trickle_s):
                        return
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); nothing to tell it

        def _send_stream(self, path: str, stream: _Stream) -> None:
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                if stream.content_length:
                    self.send_header("Content-Length", str(stream.size))
                self.end_headers()
                chunk = (b"%PDF-1.7\n" + b"0" * stream.chunk_size)[: stream.chunk_size]
                left = stream.size
                while left > 0 and not fake._stopping.is_set():
                    piece = chunk[: min(left, len(chunk))]
                    self.wfile.write(piece)
                    self.wfile.flush()
                    fake._count_sent(path, len(piece))
                    left -= len(piece)
                    if stream.chunk_delay_s and fake._stopping.wait(stream.chunk_delay_s):
                        return
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client refused the rest, as it should

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def _int(text: str | None, default: int) -> int:
    try:
        return max(0, int(text)) if text is not None else default
    except ValueError:
        return default


@pytest.fixture
def arxiv_fake() -> Iterator[ArxivFake]:
    """A running ArxivFake with the recorded fixtures, DAWN and the PDFs; stopped afterwards."""
    with ArxivFake() as fake:
        yield fake
