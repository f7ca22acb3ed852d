"""A paper's full text for summaries and cards: arXiv's HTML, else the PDF, else the abstract.

    source = FullTextSource(settings.arxiv, settings.fulltext)
    text = await source.get(paper)          # never raises for a bad or missing paper
    text.source                              # "html" | "pdf" | "abstract"
    prompt_text = text.excerpt(settings.fulltext.input_tokens)
    text.note                                # "summarized from the abstract: the PDF could not be read"
    await source.aclose()

The cascade: ``{arxiv.html_url}{id}v{N}`` when arXiv has an HTML rendering (200), else
``{arxiv.pdf_url}{id}v{N}``, else the abstract alone with a note for the card. Every download
goes through the process's one arXiv thread and pacer (``papers.source``), so it shares
arXiv's one-request-every-few-seconds budget with the API and the feeds, and is capped in
size (refused as soon as Content-Length or the bytes read pass the cap) and time. Parsing
runs in a worker process (``papers.pdf_worker``) capped in time and memory.

Downloads and results are kept on disk by versioned id (``fulltext.cache_dir``, at most
``cache_max_mb``, least recently used papers evicted), so a paper is fetched and parsed once
however many chats and languages want it; concurrent callers of the same paper share one fetch.
A paper whose PDF is itself the problem (corrupt, encrypted, scanned, too large, too slow to
parse) is remembered as abstract-only; network trouble is not remembered, so a later call
upgrades the summary to the full text.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self, TypeVar

import requests
from cachetools import TTLCache

from config.settings import ArxivSettings, FullTextSettings
from papers.errors import ArxivUnavailable
from papers.html_text import HtmlFigure, parse_html
from papers.models import Paper
from papers.pdf_text import PdfError, parse_pdf
from papers.pdf_worker import (
    IsolatedError,
    IsolatedMemoryError,
    IsolatedRunner,
    IsolatedTimeout,
    default_runner,
)
from papers.retry import RETRY_STATUSES, RetryPolicy, with_retries
from papers.sections import Section, build_excerpt
from papers.source import DEFAULT_PACER, Pacer, close_session, run_on_arxiv_thread

__all__ = ["NOTE_PREFIX", "FullText", "FullTextSource", "Source"]

log = logging.getLogger(__name__)

Source = Literal["html", "pdf", "abstract"]
NOTE_PREFIX = "summarized from the abstract: "
_FORMAT = 1  # of the cached result; bump when parsing changes, cached papers are parsed again
_MB = 1024 * 1024
_CHUNK = 64 * 1024
_T = TypeVar("_T")


# <div class="abs-license"><a href="http://creativecommons.org/licenses/by/4.0/" …> (arxiv-browse)
_ABS_LICENCE = re.compile(r'class="abs-license"[^>]*>\s*<a[^>]*href="([^"]+)"', re.DOTALL)


@dataclass(frozen=True, slots=True)
class FullText:
    """What could be read of one paper version, and from where."""

    source: Source
    sections: tuple[Section, ...] = ()  # reading order; empty for "abstract"
    front_matter: str = ""  # title, authors, affiliations as printed (grounds affiliations)
    figures: tuple[HtmlFigure, ...] = ()  # the HTML's own figure images; () for a PDF
    licence: str | None = None  # as the HTML page states it ("CC BY 4.0"); None if not stated
    note: str | None = None  # for the card when source is "abstract": why
    links: tuple[str, ...] = ()  # URLs in the body and footnotes, not the references'
    # False when asking again later may give more (arXiv was down, the PDF not there yet): a
    # summary written from this abstract-only result should not be kept for good.
    final: bool = True

    def excerpt(self, budget_tokens: int) -> str:
        """The paper's body within about ``budget_tokens`` tokens, for the model: intro,
        method, results and conclusion first, never references (``sections.build_excerpt``).
        Empty for an abstract-only result; the abstract itself is never repeated here."""
        return build_excerpt(self.sections, budget_tokens)


class _Unavailable(Exception):
    """Why this paper must be summarized from its abstract (``reason`` goes into the note)."""

    def __init__(self, reason: str, *, permanent: bool, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent  # the paper itself is the problem: remember it
        self.detail = detail or reason


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


class _HttpStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class FullTextSource:
    """Fetches, parses and caches papers' full text; one per process (it is cheap to share)."""

    def __init__(
        self,
        arxiv: ArxivSettings,
        settings: FullTextSettings,
        *,
        pacer: Pacer | None = None,
        runner: IsolatedRunner | None = None,
    ) -> None:
        self._arxiv = arxiv
        self._settings = settings
        self._pacer = pacer or DEFAULT_PACER
        self._runner = runner
        if settings.cache_dir is None:
            raise ValueError("FullTextSource needs fulltext.cache_dir (Settings.fulltext_cache_dir)")
        self._cache = _DiskCache(settings.cache_dir, int(settings.cache_max_mb * _MB))
        self._html_transient: set[str] = set()  # papers whose HTML failed for now, not for good
        self._licences: TTLCache[str, str | None] = TTLCache(maxsize=4096, ttl=24 * 3600)
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "paperboy (arXiv digest bot)"
        self._max_bytes = int(settings.max_download_mb * _MB)
        self._policy = RetryPolicy(
            attempts=arxiv.retries + 1,
            first_backoff_s=max(arxiv.min_interval_s, 0.1),
            attempt_timeout_s=settings.download_timeout_s + 2 * arxiv.timeout_s
            + 2 * arxiv.min_interval_s + 1.0,
        )  # fmt: skip
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(self, paper: Paper) -> FullText:
        """The full text of ``paper`` (its exact version): from the cache, arXiv's HTML, the
        PDF, or, when neither can be read, abstract-only with a ``note`` saying why.

        Never raises for a missing, oversized, corrupt or hostile paper, nor for arXiv being
        down; concurrent calls for one paper share one fetch.
        """
        return await self._once(f"text:{paper.versioned_id}", lambda: self._get(paper))

    async def pdf(self, paper: Paper) -> Path | None:
        """The paper's PDF on disk (downloaded once, through the arXiv limiter, within the
        size and time caps), e.g. for figure crops; None when it cannot be had. The file may be
        evicted from the cache later: read it soon."""
        key = paper.versioned_id
        cached = await asyncio.to_thread(self._cache.load, key)
        if cached is not None and cached.source == "abstract":
            return None  # the PDF itself was the problem
        try:
            return await self._pdf_file(paper)
        except _Unavailable as exc:
            log.warning("PDF of %s unavailable: %s", key, exc.detail)
            return None

    async def licence(self, paper: Paper) -> str | None:
        """The licence URI the paper's abstract page links to (for papers the listing feed did
        not bring: the API has no licence); None when the page cannot be had."""
        key = paper.versioned_id
        if key in self._licences:
            return self._licences[key]
        try:
            page = await self._download(self._arxiv.abs_url + key, "abstract page")
        except _Unavailable as exc:
            log.info("no licence for %s: %s", key, exc.detail)
            return None
        found = _ABS_LICENCE.search(page.decode("utf-8", "replace")) if page else None
        self._licences[key] = found.group(1) if found else None
        return self._licences[key]

    async def fetch_asset(self, url: str) -> bytes | None:
        """One file of an arXiv HTML page (a figure image), through the arXiv limiter and
        within the download caps; None when it cannot be had. Only ``arxiv.html_url`` URLs."""
        if not url.startswith(self._arxiv.html_url):
            raise ValueError(f"not an arXiv HTML asset: {url}")
        try:
            data = await self._download(url, "image")
            return data if isinstance(data, bytes) else None
        except _Unavailable as exc:
            log.warning("%s unavailable: %s", url, exc.detail)
            return None

    async def aclose(self) -> None:
        """Release the HTTP connections; later calls raise ArxivUnavailable."""
        if self._closed:
            return
        self._closed = True
        close_session(self._session)

    # -- the cascade -----------------------------------------------------------------------------

    async def _get(self, paper: Paper) -> FullText:
        key = paper.versioned_id
        cached = await asyncio.to_thread(self._cache.load, key)
        if cached is not None:
            log.debug("full text of %s from the cache (%s)", key, cached.source)
            return cached
        if self._closed:
            raise ArxivUnavailable("the full-text source is closed")
        started = time.monotonic()
        self._html_transient.discard(key)
        try:
            result = await self._read(paper)
        except _Unavailable as exc:
            log.warning("full text of %s unavailable, using the abstract: %s", key, exc.detail)
            result = FullText("abstract", note=NOTE_PREFIX + exc.reason, final=exc.permanent)
            if not exc.permanent:
                return result
        except Exception:  # a bug of ours must not cost the user the summary
            log.exception("reading the full text of %s failed", key)
            return FullText(
                "abstract", note=NOTE_PREFIX + "the full text could not be read", final=False
            )
        else:
            log.info(
                "full text of %s from the %s in %.2f s",
                key,
                result.source,
                time.monotonic() - started,
            )
        if key in self._html_transient:  # the HTML may come back: read it again next time
            self._html_transient.discard(key)
            return result
        await asyncio.to_thread(self._cache.store, key, result, self._busy())
        return result

    async def _read(self, paper: Paper) -> FullText:
        key = paper.versioned_id
        url = self._arxiv.html_url + key
        try:
            page = await self._download(url, "HTML")
            assert page is None or isinstance(page, bytes)
        except _Unavailable as exc:
            log.info("HTML of %s unavailable (%s); trying the PDF", key, exc.detail)
            if not exc.permanent:
                self._html_transient.add(key)  # a 503 or a timeout, not "no HTML" (a 404)
            page = None
        if page is not None:
            try:
                html = await self._parse(parse_html, page, url)
            except Exception as exc:  # noqa: BLE001 - any trouble with the page: the PDF instead
                log.info("HTML of %s not usable (%s); trying the PDF", key,
                         f"{type(exc).__name__}: {exc}"[:200])
            else:
                return FullText(
                    "html", html.sections, html.front_matter, html.figures, html.licence,
                    None, html.links,
                )  # fmt: skip
        return await self._read_pdf(paper)

    async def _read_pdf(self, paper: Paper) -> FullText:
        """The PDF's text; _Unavailable with the reason when it cannot be had or read."""
        key = paper.versioned_id
        path = await self._pdf_file(paper)
        try:
            pdf = await self._parse(parse_pdf, str(path), self._settings.max_pages)
        except (PdfError, IsolatedError) as exc:
            await asyncio.to_thread(path.unlink, missing_ok=True)  # useless for figures too
            if isinstance(exc, PdfError):
                reason = str(exc)
            elif isinstance(exc, IsolatedTimeout):
                reason = "the PDF took too long to read"
            elif isinstance(exc, IsolatedMemoryError):
                reason = "the PDF needs too much memory to read"
            else:  # the worker died (maybe not the paper's fault: the OOM killer, no fork)
                reason = "the PDF could not be read"
            # A crash or a failure of the worker itself is tried again later; a PDF that PDFium
            # refuses, or that is too slow or too big to read, is remembered.
            permanent = isinstance(exc, PdfError | IsolatedTimeout | IsolatedMemoryError)
            raise _Unavailable(reason, permanent=permanent, detail=f"{reason} ({exc})") from None
        if pdf.page_count > pdf.pages_read:
            log.info("read %d of the %d pages of %s", pdf.pages_read, pdf.page_count, key)
        return FullText("pdf", pdf.sections, pdf.front_matter, (), None, None, pdf.links)

    async def _parse(self, fn: Callable[..., _T], *args: Any) -> _T:
        runner = self._runner or default_runner()
        return await runner.run(
            fn, *args,
            timeout_s=self._settings.parse_timeout_s,
            memory_mb=self._settings.parse_memory_mb,
        )  # fmt: skip

    async def _pdf_file(self, paper: Paper) -> Path:
        key = paper.versioned_id

        async def fetch() -> Path:
            path = self._cache.file(key, "paper.pdf")
            if await asyncio.to_thread(_touch, path):
                return path
            found = await self._download(self._arxiv.pdf_url + key, "PDF", dest=path)
            if found is None:
                raise _Unavailable("the PDF is not available", permanent=False, detail="HTTP 404")
            await asyncio.to_thread(self._cache.evict, self._busy())
            return path

        return await self._once(f"pdf:{key}", fetch)

    async def _once(self, key: str, work: Callable[[], Awaitable[_T]]) -> _T:
        """Run ``work`` once for concurrent callers with the same key; each caller may be
        cancelled without cancelling the others."""
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.ensure_future(work())
            self._inflight[key] = future
            future.add_done_callback(lambda f: self._forget(key, f))
        return await asyncio.shield(future)

    def _forget(self, key: str, future: asyncio.Future[Any]) -> None:
        if self._inflight.get(key) is future:
            del self._inflight[key]
        if not future.cancelled():
            future.exception()  # retrieved: a failure is re-raised to each caller instead

    def _busy(self) -> set[str]:
        return {key.partition(":")[2] for key in self._inflight}

    # -- downloads -------------------------------------------------------------------------------

    async def _download(
        self, url: str, what: str, *, dest: Path | None = None
    ) -> bytes | Path | None:
        """GET ``url`` on the arXiv thread within the caps, retrying transient failures: the
        body (or ``dest`` once written), None for 404; _Unavailable otherwise."""
        if self._closed:
            raise _Unavailable(
                f"the {what} could not be downloaded",
                permanent=False,
                detail="the full-text source is closed",
            )

        async def attempt() -> bytes | Path | None:
            return await run_on_arxiv_thread(
                self._fetch, url, dest, timeout=self._policy.attempt_timeout_s,
                queue_timeout=self._arxiv.queue_timeout_s,
            )

        try:
            return await with_retries(
                f"download of the {what}", attempt, self._policy,
                final=(_TooLarge, _TooSlow), transient=_is_transient, describe=_describe,
                logger=log,
            )  # fmt: skip
        except _TooLarge as exc:
            raise _Unavailable(
                f"the {what} is larger than {self._settings.max_download_mb:g} MB",
                permanent=True, detail=f"{what} over {self._settings.max_download_mb:g} MB ({exc})",
            ) from None  # fmt: skip
        except _TooSlow:
            raise _Unavailable(
                f"the {what} took longer than {self._settings.download_timeout_s:g} s to download",
                permanent=False,
            ) from None
        except ArxivUnavailable as exc:
            raise _Unavailable(
                f"the {what} could not be downloaded", permanent=False, detail=str(exc)
            ) from None

    def _fetch(self, url: str, dest: Path | None) -> bytes | Path | None:
        """Blocking, on the arXiv thread only: one paced GET, streamed, refused early when it
        is too big or too slow. Raises _TooLarge, _TooSlow, _HttpStatus or requests errors."""
        with self._pacer.turn(self._arxiv.min_interval_s):
            deadline = time.monotonic() + self._settings.download_timeout_s
            read_timeout = min(self._arxiv.timeout_s, self._settings.download_timeout_s)
            log.debug("arXiv download: %s", url)
            with self._session.get(
                url, stream=True, timeout=(self._arxiv.timeout_s, read_timeout)
            ) as response:
                if response.status_code == 404:
                    return None
                if response.status_code != 200:
                    raise _HttpStatus(response.status_code)
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self._max_bytes:
                    raise _TooLarge(f"Content-Length {int(declared)}")
                sink: io.BufferedWriter | io.BytesIO
                part = dest.with_name(dest.name + ".part") if dest is not None else None
                if part is not None:
                    part.parent.mkdir(parents=True, exist_ok=True)
                    sink = part.open("wb")
                else:
                    sink = io.BytesIO()
                try:
                    received = 0
                    read = getattr(response.raw, "read1", response.raw.read)
                    while chunk := read(_CHUNK, decode_content=True):
                        received += len(chunk)
                        if received > self._max_bytes:
                            raise _TooLarge(f"{received} bytes read")
                        if time.monotonic() > deadline:
                            raise _TooSlow()
                        sink.write(chunk)
                    if part is not None and dest is not None:
                        sink.close()
                        os.replace(part, dest)
                        return dest
                    assert isinstance(sink, io.BytesIO)
                    return sink.getvalue()
                finally:
                    sink.close()
                    if part is not None:
                        with contextlib.suppress(FileNotFoundError):
                            part.unlink()


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, _HttpStatus):
        return exc.status in RETRY_STATUSES
    return isinstance(
        exc,
        (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
         TimeoutError),
    )  # fmt: skip


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (requests.Timeout, TimeoutError)):
        return "no answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect"
    if isinstance(exc, _HttpStatus):
        return str(exc)
    return type(exc).__name__


def _touch(path: Path) -> bool:
    """Mark ``path`` as just used (for eviction); False when it does not exist."""
    try:
        os.utime(path)
        return True
    except FileNotFoundError:
        return False


# -- the disk cache ----------------------------------------------------------------------------


class _DiskCache:
    """One folder per versioned id: the downloads and ``fulltext.json``. Bounded in size: the
    folders used least recently (by their newest file's mtime) are removed first."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def folder(self, key: str) -> Path:
        return self.root / re.sub(r"[^\w.\-]", "_", key)

    def file(self, key: str, name: str) -> Path:
        return self.folder(key) / name

    def load(self, key: str) -> FullText | None:
        path = self.file(key, "fulltext.json")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != _FORMAT:
                return None
            os.utime(path)
            return _from_json(data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("cached full text of %s unreadable (%s); reading it again", key, exc)
            return None

    def store(self, key: str, text: FullText, busy: set[str]) -> None:
        path = self.file(key, "fulltext.json")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            part = path.with_name(path.name + ".part")
            part.write_text(json.dumps(_to_json(text), ensure_ascii=False), encoding="utf-8")
            os.replace(part, path)
        except OSError as exc:
            log.warning("cannot cache the full text of %s: %s", key, exc)
            return
        self.evict(busy | {key})

    def evict(self, busy: set[str]) -> None:
        """Remove the least recently used folders until the cache fits; never a busy one."""
        keep = {self.folder(k).name for k in busy}
        entries = []
        total = 0
        try:
            folders = list(self.root.iterdir())
        except FileNotFoundError:
            return
        for folder in folders:
            size, used = 0, 0.0
            with contextlib.suppress(OSError):
                for f in folder.iterdir():
                    st = f.stat()
                    size += st.st_size
                    used = max(used, st.st_mtime)
            total += size
            entries.append((used, folder, size))
        for _, folder, size in sorted(entries, key=lambda e: e[0]):
            if total <= self.max_bytes:
                break
            if folder.name in keep:
                continue
            shutil.rmtree(folder, ignore_errors=True)
            total -= size
            log.debug("evicted %s from the full-text cache", folder.name)


def _to_json(text: FullText) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "source": text.source,
        "sections": [[s.number, s.title, s.kind, s.text] for s in text.sections],
        "front_matter": text.front_matter,
        "figures": [[f.label, f.caption, list(f.urls)] for f in text.figures],
        "licence": text.licence,
        "note": text.note,
        "links": list(text.links),
    }


def _from_json(data: dict[str, Any]) -> FullText:
    return FullText(
        source=data["source"],
        sections=tuple(Section(n, t, k, x) for n, t, k, x in data["sections"]),
        front_matter=data["front_matter"],
        figures=tuple(HtmlFigure(lb, c, tuple(u)) for lb, c, u in data["figures"]),
        licence=data["licence"],
        note=data["note"],
        links=tuple(data["links"]),
    )
