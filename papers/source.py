"""Paper metadata from the arXiv API, politely: one thread, one request at a time, paced."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Self, TypeVar
from urllib.parse import urlsplit

import arxiv
import requests

from config.settings import ArxivSettings
from papers.code_links import find_code_url
from papers.errors import ArxivBadRequest, ArxivUnavailable, PaperNotFound
from papers.models import ArxivId, Paper
from papers.retry import RETRY_STATUSES, RetryPolicy, with_retries

__all__ = ["DEFAULT_PACER", "ArxivSource", "Pacer", "run_on_arxiv_thread"]

log = logging.getLogger(__name__)

ID_LIST_CHUNK = 20  # ids per id_list look-up
_MAX_PAGE_SIZE = 2000  # arXiv serves at most 2000 results per request
_NS = {"atom": "http://www.w3.org/2005/Atom", "opensearch": "http://a9.com/-/spec/opensearch/1.1/"}
_SHORT_ID_RE = re.compile(r"(?P<base>.+?)v(?P<version>\d+)")

# arXiv's terms: "limit requests to a single connection at a time" for all machines under your
# control. Every arXiv client of the process (ArxivSource, ArxivFeed) runs its blocking work on
# this one thread.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="arxiv")

_T = TypeVar("_T")


async def run_on_arxiv_thread(
    fn: Callable[..., _T], *args: Any, timeout: float | None = None
) -> _T:
    """Run blocking arXiv I/O on the process's one arXiv thread, so that every client of arXiv
    (API, feeds) keeps to a single connection at a time.

    ``timeout`` bounds the work once it has started: time spent queued behind other arXiv
    requests (many chats' topics at once) is not a failure and is not counted.
    """
    loop = asyncio.get_running_loop()
    started = asyncio.Event()

    def job() -> _T:
        loop.call_soon_threadsafe(started.set)
        return fn(*args)

    future = loop.run_in_executor(_WORKER, job)
    if timeout is None:
        return await future
    await started.wait()
    return await asyncio.wait_for(future, timeout)


class Pacer:
    """Keeps any two arXiv requests of this process at least an interval apart (arXiv's terms)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_done: float | None = None

    @contextlib.contextmanager
    def turn(self, min_interval_s: float) -> Iterator[None]:
        """Wait until ``min_interval_s`` has passed since the last request ended; hold the turn."""
        with self._lock:
            if self._last_done is not None:
                wait = self._last_done + min_interval_s - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            try:
                yield
            finally:
                self._last_done = time.monotonic()


DEFAULT_PACER = Pacer()


class _EmptyPage(Exception):
    """arXiv sent a page with no entries although it reported more results (a known glitch)."""


class _GarbledReply(Exception):
    """arXiv answered 200 with something that is not an Atom feed (e.g. an empty body)."""


class _ArxivSession(requests.Session):
    """The arxiv client's HTTP session: our pacing, a default timeout, and arXiv's error bodies."""

    def __init__(self, settings: ArxivSettings, pacer: Pacer) -> None:
        super().__init__()
        self._timeout_s = settings.timeout_s
        self._min_interval_s = settings.min_interval_s
        self._pacer = pacer

    def request(  # type: ignore[override]
        self, method: str, url: Any, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """Send one paced request with a timeout; raise on arXiv's error replies."""
        kwargs.setdefault("timeout", self._timeout_s)
        with self._pacer.turn(self._min_interval_s):
            log.debug("arXiv request: %s", urlsplit(str(url)).query)
            response = super().request(method, url, *args, **kwargs)
        if response.status_code == 400:
            root = _parse_xml(response.content)
            detail = _error_detail(root) if root is not None else None
            raise ArxivBadRequest(detail or "HTTP 400")
        if response.status_code == 200:
            _check_feed(response.content)
        return response


def _parse_xml(content: bytes) -> ET.Element | None:
    try:
        return ET.fromstring(content)
    except ET.ParseError:
        return None


def _error_detail(root: ET.Element) -> str | None:
    """arXiv's reason from an error feed (``incorrect id format for abc``), if it is one."""
    for entry in root.iterfind("atom:entry", _NS):
        if "arxiv.org/api/errors" in entry.findtext("atom:id", "", _NS):
            return " ".join(entry.findtext("atom:summary", "", _NS).split()) or "error"
    return None


def _check_feed(content: bytes) -> None:
    """Raise unless ``content`` is a usable Atom feed; arXiv sends errors as 200 feeds too."""
    root = _parse_xml(content)
    if root is None or root.tag != "{http://www.w3.org/2005/Atom}feed":
        raise _GarbledReply()
    detail = _error_detail(root)
    if detail is not None:
        raise ArxivBadRequest(detail)
    if root.find("atom:entry", _NS) is None:
        total = _int_text(root, "opensearch:totalResults")
        if total > _int_text(root, "opensearch:startIndex"):
            raise _EmptyPage()


def _int_text(root: ET.Element, path: str) -> int:
    try:
        return int((root.findtext(path, "0", _NS) or "0").strip())
    except ValueError:
        return 0


class ArxivSource:
    """Looks papers up and searches arXiv for the bot; every failure becomes a PapersError."""

    def __init__(self, settings: ArxivSettings, pacer: Pacer | None = None) -> None:
        self._settings = settings
        self._session = _ArxivSession(settings, pacer or DEFAULT_PACER)
        # Pacing and retries are ours (process-wide, async backoff); the client only fetches.
        self._client = arxiv.Client(page_size=100, delay_seconds=0, num_retries=0)
        self._client._session.close()
        self._client._session = self._session  # arxiv 4.x fetches with self._session.get(url)
        self._client.query_url_format = (
            settings.api_url.replace("{", "{{").replace("}", "}}") + "?{}"
        )
        # A generous bound on one attempt (queueing behind another request, pacing, connect and
        # read timeouts); the requests timeout normally fires first.
        self._policy = retry_policy(settings)
        self._attempt_timeout_s = self._policy.attempt_timeout_s
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(self, ref: ArxivId) -> Paper:
        """The paper ``ref`` names: that version, or the latest when ``ref.version`` is None."""
        search = arxiv.Search(id_list=[ref.versioned], max_results=1)
        for paper in await self._run(f"lookup of {ref}", search, page_size=1):
            if paper.arxiv_id == ref.base and ref.version in (None, paper.version):
                return paper
        raise PaperNotFound(str(ref))

    async def get_many(self, refs: Sequence[ArxivId]) -> dict[str, Paper]:
        """Look many papers up at once, keyed by base id; ids arXiv does not know are absent."""
        wanted = list(dict.fromkeys(ref.versioned for ref in refs))
        found: dict[str, Paper] = {}
        for start in range(0, len(wanted), ID_LIST_CHUNK):
            chunk = wanted[start : start + ID_LIST_CHUNK]
            search = arxiv.Search(id_list=chunk, max_results=len(chunk))
            for paper in await self._run(f"lookup of {len(chunk)} ids", search, len(chunk)):
                found[paper.arxiv_id] = paper
        return found

    async def search(
        self,
        query: str,
        *,
        max_results: int = 50,
        sort: Literal["submitted", "relevance"] = "submitted",
    ) -> list[Paper]:
        """Papers matching an arXiv query (``cat:cs.CL AND abs:diffusion``), newest first."""
        if not query.strip():
            raise ArxivBadRequest("the search query is empty")
        if max_results < 1:
            return []
        criterion = arxiv.SortCriterion.SubmittedDate
        if sort == "relevance":
            criterion = arxiv.SortCriterion.Relevance
        search = arxiv.Search(query=query, max_results=max_results, sort_by=criterion)
        return await self._run("search", search, page_size=min(max_results, _MAX_PAGE_SIZE))

    async def aclose(self) -> None:
        """Release the HTTP connection pool; later calls raise ArxivUnavailable."""
        if self._closed:
            return
        self._closed = True
        loop = asyncio.get_running_loop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                loop.run_in_executor(_WORKER, self._session.close), self._attempt_timeout_s
            )

    async def _run(self, what: str, search: arxiv.Search, page_size: int) -> list[Paper]:
        """Run one search on the arXiv thread, retrying transient failures with backoff."""
        if self._closed:
            raise ArxivUnavailable("the arXiv source is closed")
        return await with_retries(
            what,
            lambda: run_on_arxiv_thread(
                self._fetch, search, page_size, timeout=self._policy.attempt_timeout_s
            ),
            self._policy,
            final=(ArxivBadRequest, PaperNotFound),
            transient=_is_transient,
            describe=self._describe,
            logger=log,
        )

    def _fetch(self, search: arxiv.Search, page_size: int) -> list[Paper]:
        """Blocking: runs on the arXiv thread only, so the client may be reconfigured per call."""
        self._client.page_size = page_size
        papers: list[Paper] = []
        try:
            for result in self._client.results(search):
                if (paper := _to_paper(result)) is not None:
                    papers.append(paper)
        except _EmptyPage:
            # An id_list look-up can report more results than it has entries (unknown ids);
            # the entries it did send are the answer, not a reason to retry.
            if not (search.id_list and papers):
                raise
        return papers

    def _describe(self, exc: BaseException) -> str:
        """A short reason for logs and messages, without URLs."""
        if isinstance(exc, (requests.Timeout, TimeoutError)):
            return f"no answer within {self._settings.timeout_s:g} s"
        if isinstance(exc, requests.ConnectionError):
            return "cannot connect"
        if isinstance(exc, arxiv.HTTPError):
            return f"HTTP {exc.status}"
        if isinstance(exc, (arxiv.UnexpectedEmptyPageError, _EmptyPage)):
            return "an unexpectedly empty page"
        if isinstance(exc, _GarbledReply):
            return "a reply that is not an Atom feed"
        return type(exc).__name__


def retry_policy(settings: ArxivSettings) -> RetryPolicy:
    """Retries from settings; one attempt is bounded by queueing, pacing and both timeouts."""
    return RetryPolicy(
        attempts=settings.retries + 1,
        first_backoff_s=max(settings.min_interval_s, 0.1),
        attempt_timeout_s=2 * settings.timeout_s + 2 * settings.min_interval_s + 1.0,
    )


def _is_transient(exc: BaseException) -> bool:
    """Worth another try: 5xx/429, timeouts, dropped connections, arXiv's empty-page glitch."""
    if isinstance(exc, arxiv.HTTPError):
        return exc.status in RETRY_STATUSES
    return isinstance(
        exc,
        (
            requests.Timeout,
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            TimeoutError,
            arxiv.UnexpectedEmptyPageError,
            _EmptyPage,
            _GarbledReply,
        ),
    )


def _collapse(text: str | None) -> str:
    """arXiv wraps titles and abstracts at ~80 columns and indents them: one space instead."""
    return " ".join((text or "").split())


def _to_paper(result: arxiv.Result) -> Paper | None:
    """Our Paper for one arXiv result, exactly as arXiv reports it (None if it has no version)."""
    match = _SHORT_ID_RE.fullmatch(result.get_short_id().strip())
    if match is None:
        log.warning("arXiv entry without a version skipped: %s", result.entry_id)
        return None
    abstract = _collapse(result.summary)
    comment = _collapse(result.comment) or None
    return Paper(
        arxiv_id=match.group("base"),
        version=int(match.group("version")),
        title=_collapse(result.title),
        authors=tuple(name for a in result.authors if (name := _collapse(a.name))),
        abstract=abstract,
        published=result.published,
        updated=result.updated,
        primary_category=result.primary_category,
        categories=tuple(result.categories),
        comment=comment,
        journal_ref=_collapse(result.journal_ref) or None,
        doi=_collapse(result.doi) or None,
        code_url=find_code_url(abstract, comment),
    )
