"""Paper metadata from the arXiv API, politely: one thread, one request at a time, paced.

Requests go through our own ``requests.Session`` with a deadline (``papers.arxiv_http``) and the
API's Atom is read here: the ``arxiv`` package's ``Client`` has no timeout and no public way to
give it a session, and its parser is private.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import heapq
import itertools
import logging
import math
import queue
import re
import threading
import time
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Self, TypeVar
from urllib.parse import urlencode, urlsplit

import requests

from config.settings import ArxivSettings
from papers.arxiv_http import DeadlineExceeded, fetch
from papers.code_links import find_code_url
from papers.errors import ArxivBadRequest, ArxivUnavailable, PaperNotFound
from papers.models import ArxivId, Paper
from papers.retry import RETRY_STATUSES, RetryPolicy, retry_after_seconds, with_retries

__all__ = [
    "DEFAULT_PACER", "ArxivSource", "Pacer", "QueueTimeout", "close_session", "run_on_arxiv_thread",
    "urgent_arxiv",
]

log = logging.getLogger(__name__)

ID_LIST_CHUNK = 20  # ids per id_list look-up
_MAX_PAGE_SIZE = 2000  # arXiv serves at most 2000 results per request
_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
    "arxiv": "http://arxiv.org/schemas/atom",
}
_SHORT_ID_RE = re.compile(r"(?P<base>.+?)v(?P<version>\d+)")

# arXiv's terms: "limit requests to a single connection at a time" for all machines under your
# control. Every arXiv client of the process (ArxivSource, ArxivFeed) runs its blocking work on
# this one thread.
def close_session(session: requests.Session) -> None:
    """Close an arXiv session at once, not through the arXiv thread: a request stuck there on
    a silent server must not hold up shutdown (Ctrl-C, SIGTERM) until its socket times out.
    Idle connections close now; the stuck one ends on its own, in a daemon thread."""
    with contextlib.suppress(Exception):
        session.close()


class _ArxivThread(Executor):
    """One daemon thread running the process's arXiv jobs in order. Not a ThreadPoolExecutor:
    its threads are joined when Python exits, so a request stuck on a silent server would hold
    Ctrl-C or SIGTERM for as long as its socket timeout (half a minute, past systemd's)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]]
        self._jobs = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        future: Future[_T] = Future()
        self._jobs.put((future, functools.partial(fn, **kwargs) if kwargs else fn, args))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._serve, name="arxiv", daemon=True)
                self._thread.start()
        return future

    def _serve(self) -> None:
        while True:
            future, fn, args = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits the job
                future.set_exception(exc)


_WORKER = _ArxivThread()

_T = TypeVar("_T")


class QueueTimeout(Exception):
    """A request waited longer than ``arxiv.queue_timeout_s`` behind other arXiv requests."""

    def __init__(self, waited_s: float, ahead: int) -> None:
        super().__init__(f"waited {waited_s:.0f} s behind {ahead} other arXiv requests")
        self.waited_s = waited_s
        self.ahead = ahead


# Someone is waiting for this arXiv request (a /summarize, a link): it goes ahead of digest
# and summarize-ahead traffic in the arXiv queue. Set with ``urgent_arxiv()`` (the model's
# interactive lane sets it too, summarizer/lanes.py).
_urgent: ContextVar[bool] = ContextVar("paperboy_arxiv_urgent", default=False)


@contextlib.contextmanager
def urgent_arxiv() -> Iterator[None]:
    """arXiv requests made inside this block go first in the process's arXiv queue."""
    token = _urgent.set(True)
    try:
        yield
    finally:
        _urgent.reset(token)


class _Gate:
    """Hands the arXiv thread one job at a time; waiting urgent jobs go first, then the others
    in arrival order. One per event loop (tests run several loops)."""

    def __init__(self) -> None:
        self._busy = False
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @property
    def waiting(self) -> int:
        """Jobs waiting for the thread."""
        return sum(1 for *_, turn in self._waiting if not turn.done())

    @property
    def ahead(self) -> int:
        """Jobs a new one would wait behind: the waiting ones and the one running."""
        return self.waiting + (1 if self._busy else 0)

    async def acquire(self, urgent: bool) -> None:
        if not self._busy and not self.waiting:
            self._busy = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (0 if urgent else 1, next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # granted just as it gave up: pass it on
            raise

    def release(self) -> None:
        while self._waiting:
            *_, turn = heapq.heappop(self._waiting)
            if not turn.done():
                turn.set_result(None)  # still busy: the thread is now theirs
                return
        self._busy = False


_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Gate] = weakref.WeakKeyDictionary()


async def run_on_arxiv_thread(
    fn: Callable[..., _T], *args: Any, timeout: float | None = None,
    queue_timeout: float | None = None,
) -> _T:
    """Run blocking arXiv I/O on the process's one arXiv thread, so that every client of arXiv
    (API, feeds, full text) keeps to a single connection at a time.

    ``timeout`` bounds the work once it has started; ``queue_timeout`` bounds the wait behind
    other arXiv requests (many chats' topics at once): past it the job is dropped unstarted and
    QueueTimeout says how long it waited and behind how many. A request made inside
    ``urgent_arxiv()`` (someone waits for it) goes ahead of the others.
    """
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = _Gate()
    ahead, queued_at = gate.ahead, time.monotonic()
    try:
        await asyncio.wait_for(gate.acquire(_urgent.get()), queue_timeout)
    except TimeoutError:
        exc = QueueTimeout(time.monotonic() - queued_at, ahead)
        log.warning("arXiv request dropped: %s", exc)
        raise exc from None
    try:
        future = loop.run_in_executor(_WORKER, fn, *args)
        if timeout is None:
            return await future
        return await asyncio.wait_for(future, timeout)
    finally:
        gate.release()


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


def _check_feed(content: bytes) -> ET.Element:
    """The feed's root; raises unless ``content`` is a usable Atom feed (arXiv sends errors as
    200 feeds too)."""
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
    return root


def _int_text(root: ET.Element, path: str) -> int:
    try:
        return int((root.findtext(path, "0", _NS) or "0").strip())
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class _Query:
    """One API question: a search query or an id list, sorted newest or most relevant first."""

    search_query: str = ""
    id_list: tuple[str, ...] = ()
    sort_by: Literal["submittedDate", "relevance"] = "submittedDate"
    max_results: int = 100


class _HTTPStatus(Exception):
    """The API answered with an HTTP status other than 200 (and maybe a Retry-After)."""

    def __init__(self, status: int, retry_after_s: float | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after_s = retry_after_s  # with_retries waits at least this long


class ArxivSource:
    """Looks papers up and searches arXiv for the bot; every failure becomes a PapersError."""

    def __init__(self, settings: ArxivSettings, pacer: Pacer | None = None) -> None:
        self._settings = settings
        self._pacer = pacer or DEFAULT_PACER
        self._session = requests.Session()
        # Pacing and retries are ours (process-wide, async backoff).
        self._policy = retry_policy(settings)
        self._attempt_timeout_s = self._policy.attempt_timeout_s
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(self, ref: ArxivId) -> Paper:
        """The paper ``ref`` names: that version, or the latest when ``ref.version`` is None."""
        query = _Query(id_list=(ref.versioned,), max_results=1)
        for paper in await self._run(f"lookup of {ref}", query):
            if paper.arxiv_id == ref.base and ref.version in (None, paper.version):
                return paper
        raise PaperNotFound(str(ref))

    async def get_many(self, refs: Sequence[ArxivId]) -> dict[str, Paper]:
        """Look many papers up at once, keyed by base id; ids arXiv does not know are absent."""
        wanted = list(dict.fromkeys(ref.versioned for ref in refs))
        found: dict[str, Paper] = {}
        for start in range(0, len(wanted), ID_LIST_CHUNK):
            chunk = tuple(wanted[start : start + ID_LIST_CHUNK])
            query = _Query(id_list=chunk, max_results=len(chunk))
            for paper in await self._run(f"lookup of {len(chunk)} ids", query):
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
        order: Literal["submittedDate", "relevance"] = (
            "relevance" if sort == "relevance" else "submittedDate"
        )
        return await self._run(
            "search", _Query(search_query=query, sort_by=order, max_results=max_results)
        )

    async def aclose(self) -> None:
        """Release the HTTP connection pool; later calls raise ArxivUnavailable."""
        if self._closed:
            return
        self._closed = True
        close_session(self._session)

    async def _run(self, what: str, query: _Query) -> list[Paper]:
        """Run one question on the arXiv thread, retrying transient failures with backoff."""
        if self._closed:
            raise ArxivUnavailable("the arXiv source is closed")
        pages = math.ceil(query.max_results / _MAX_PAGE_SIZE)
        return await with_retries(
            what,
            lambda: run_on_arxiv_thread(
                self._fetch, query, timeout=pages * self._attempt_timeout_s,
                queue_timeout=self._settings.queue_timeout_s,
            ),
            self._policy,
            final=(ArxivBadRequest, PaperNotFound),
            transient=_is_transient,
            describe=self._describe,
            logger=log,
        )

    def _fetch(self, query: _Query) -> list[Paper]:
        """Blocking, on the arXiv thread: the pages of one question, each a paced request."""
        page_size = min(query.max_results, _MAX_PAGE_SIZE)
        papers: list[Paper] = []
        while len(papers) < query.max_results:
            args = {
                "search_query": query.search_query, "id_list": ",".join(query.id_list),
                "sortBy": query.sort_by, "sortOrder": "descending",
                "start": str(len(papers)), "max_results": str(page_size),
            }  # fmt: skip
            try:
                page, total = self._page(f"{self._settings.api_url}?{urlencode(args)}")
            except _EmptyPage:
                # An id_list look-up can report more results than it has entries (unknown
                # ids); the entries it did send are the answer, not a reason to retry.
                if not (query.id_list and papers):
                    raise
                break
            papers += page
            if not page or len(papers) >= total:
                break
        return papers[: query.max_results]

    def _page(self, url: str) -> tuple[list[Paper], int]:
        """One paced request with a deadline: the page's papers and the total arXiv reports."""
        settings = self._settings
        with self._pacer.turn(settings.min_interval_s):
            log.debug("arXiv request: %s", urlsplit(url).query)
            reply = fetch(
                self._session, url, timeout_s=settings.timeout_s,
                deadline_s=settings.request_deadline_s,
            )  # fmt: skip
        if reply.status == 400:
            root = _parse_xml(reply.content)
            detail = _error_detail(root) if root is not None else None
            raise ArxivBadRequest(detail or "HTTP 400")
        if reply.status != 200:
            raise _HTTPStatus(reply.status, retry_after_seconds(reply.headers.get("Retry-After")))
        root = _check_feed(reply.content)
        papers = [p for e in root.iterfind("atom:entry", _NS) if (p := _to_paper(e)) is not None]
        return papers, _int_text(root, "opensearch:totalResults")

    def _describe(self, exc: BaseException) -> str:
        """A short reason for logs and messages, without URLs."""
        if isinstance(exc, DeadlineExceeded):
            return str(exc)
        if isinstance(exc, (requests.Timeout, TimeoutError)):
            return f"no answer within {self._settings.timeout_s:g} s"
        if isinstance(exc, requests.ConnectionError):
            return "cannot connect"
        if isinstance(exc, (_HTTPStatus, QueueTimeout)):
            return str(exc)
        if isinstance(exc, _EmptyPage):
            return "an unexpectedly empty page"
        if isinstance(exc, _GarbledReply):
            return "a reply that is not an Atom feed"
        return type(exc).__name__


def retry_policy(settings: ArxivSettings) -> RetryPolicy:
    """Retries from settings; an attempt ends at its request's deadline (after pacing), and the
    asyncio bound is only a backstop a little beyond it."""
    return RetryPolicy(
        attempts=settings.retries + 1,
        first_backoff_s=max(settings.min_interval_s, 0.1),
        attempt_timeout_s=settings.request_deadline_s + settings.min_interval_s + 1.0,
        max_retry_after_s=settings.max_retry_after_s,
    )


def _is_transient(exc: BaseException) -> bool:
    """Worth another try: 5xx/429, timeouts, dropped connections, arXiv's empty-page glitch."""
    if isinstance(exc, _HTTPStatus):
        return exc.status in RETRY_STATUSES
    if isinstance(exc, QueueTimeout):
        return False  # waiting again behind the same queue would not help
    return isinstance(
        exc,
        (
            requests.Timeout,
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
            TimeoutError,
            _EmptyPage,
            _GarbledReply,
        ),
    )


def _collapse(text: str | None) -> str:
    """arXiv wraps titles and abstracts at ~80 columns and indents them: one space instead."""
    return " ".join((text or "").split())


def _to_paper(entry: ET.Element) -> Paper | None:
    """Our Paper for one API entry, exactly as arXiv reports it (None without id or version)."""
    entry_id = entry.findtext("atom:id", "", _NS).strip()
    match = _SHORT_ID_RE.fullmatch(entry_id.split("arxiv.org/abs/")[-1])
    published = _stamp(entry.findtext("atom:published", "", _NS))
    updated = _stamp(entry.findtext("atom:updated", "", _NS))
    if match is None or published is None or updated is None:
        log.warning("arXiv entry without a version or dates skipped: %s", entry_id[:80])
        return None
    abstract = _collapse(entry.findtext("atom:summary", "", _NS))
    comment = _collapse(entry.findtext("arxiv:comment", "", _NS)) or None
    names = (a.findtext("atom:name", "", _NS) for a in entry.iterfind("atom:author", _NS))
    terms = [c.get("term") or "" for c in entry.iterfind("atom:category", _NS)]
    primary = entry.find("arxiv:primary_category", _NS)
    return Paper(
        arxiv_id=match.group("base"),
        version=int(match.group("version")),
        title=_collapse(entry.findtext("atom:title", "", _NS)),
        authors=tuple(name for n in names if (name := _collapse(n))),
        abstract=abstract,
        published=published,
        updated=updated,
        primary_category=(primary.get("term") or "") if primary is not None else "",
        categories=tuple(t for t in terms if t),
        comment=comment,
        journal_ref=_collapse(entry.findtext("arxiv:journal_ref", "", _NS)) or None,
        doi=_collapse(entry.findtext("arxiv:doi", "", _NS)) or None,
        code_url=find_code_url(abstract, comment),
    )


def _stamp(text: str) -> datetime | None:
    """An Atom timestamp (``2024-10-17T17:59:04Z``) as an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
