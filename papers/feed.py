"""arXiv's daily listings from its Atom feed (rss.arxiv.org): what one announcement brought.

One request per category set and announcement, on the same thread and pacer as every other
arXiv request of the process (arXiv's terms: one connection at a time, one request every three
seconds). Format: arXiv/arxiv-docs ``atom_specifications.md`` and the arXiv/arxiv-feed
serializer (entries ``oai:arXiv.org:<id>v<N>``, ``arxiv:announce_type``, ``dc:creator``,
``dc:rights``; errors are a feed titled "Feed error for query", sent with HTTP 400).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Self
from urllib.parse import urlsplit

import requests

from config.settings import ArxivSettings
from papers.announcements import ARXIV_TZ
from papers.arxiv_http import DeadlineExceeded, fetch
from papers.categories import ARCHIVES_WITH_SUBJECTS, canonical_category
from papers.code_links import find_code_url
from papers.errors import ArxivBadRequest, ArxivUnavailable
from papers.models import Paper
from papers.retry import RETRY_STATUSES, retry_after_seconds, with_retries
from papers.source import (
    DEFAULT_PACER,
    Pacer,
    QueueTimeout,
    retry_policy,
    run_on_arxiv_thread,
)

__all__ = [
    "ANNOUNCE_TYPES",
    "AnnounceType",
    "ArxivFeed",
    "FeedEntry",
    "Listing",
    "canonical_categories",
    "parse_listing",
    "split_authors",
]

log = logging.getLogger(__name__)

AnnounceType = Literal["new", "cross", "replace", "replace-cross"]
ANNOUNCE_TYPES: tuple[AnnounceType, ...] = ("new", "cross", "replace", "replace-cross")

_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_FEED_TAG = "{http://www.w3.org/2005/Atom}feed"
_FEED_ERROR = "Feed error for query"
_CATEGORY_RE = re.compile(r"[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z\-]+)?")
_VERSIONED_ID_RE = re.compile(
    r"(?P<base>\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Za-z]{2})?/\d{7})v(?P<version>[1-9]\d*)"
)
_ANNOUNCE_RE = re.compile(r"Announce Type:\s*(?P<type>[\w\-]+)", re.IGNORECASE)
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One paper version in a listing, and why it is there (new, cross-list or replacement).

    ``paper.published`` and ``paper.updated`` are the announcement of *this* version (the
    feed has no submission dates); the feed carries no comments, so ``paper.comment`` is None.
    """

    paper: Paper
    announce_type: AnnounceType


@dataclass(frozen=True, slots=True)
class Listing:
    """What arXiv announced for a set of categories in its latest mailing.

    ``announced`` is the mailing date arXiv gives it (the day after the 20:00 ET announcement,
    see ``papers.announcements.mailing_date``); None for the empty weekend or holiday feed.
    """

    categories: tuple[str, ...]
    announced: date | None
    entries: tuple[FeedEntry, ...]

    def of_type(self, *types: AnnounceType) -> tuple[FeedEntry, ...]:
        """Only the entries of these announce types (``listing.of_type("new", "cross")``)."""
        return tuple(e for e in self.entries if e.announce_type in types)


class _HTTPStatus(Exception):
    """The feed answered with an HTTP status other than 200."""

    def __init__(self, status: int, retry_after_s: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after_s = retry_after_s


class _GarbledReply(Exception):
    """HTTP 200 with something that is not an Atom feed (an HTML error page, an empty body)."""


def canonical_categories(categories: Sequence[str]) -> tuple[str, ...]:
    """The category set as arXiv spells it, sorted and without repeats: one set, one feed URL.

    Unknown categories are kept as written (arXiv's reply names the mistake); an empty set or
    text that cannot be a category is refused here, without a request.
    """
    found: set[str] = set()
    for raw in categories:
        code = raw.strip()
        if not _CATEGORY_RE.fullmatch(code):
            raise ArxivBadRequest(f"'{raw[:40]}' is not an arXiv category or archive")
        if code.lower() in ARCHIVES_WITH_SUBJECTS:
            found.add(code.lower())
        else:
            found.add(canonical_category(code) or code)
    if not found:
        raise ArxivBadRequest("no category given for the arXiv feed")
    return tuple(sorted(found, key=str.lower))


class ArxivFeed:
    """Reads arXiv's daily listings; every failure becomes a PapersError."""

    def __init__(self, settings: ArxivSettings, pacer: Pacer | None = None) -> None:
        self._settings = settings
        self._pacer = pacer or DEFAULT_PACER
        self._session = requests.Session()
        self._attempt_timeout_s = retry_policy(settings).attempt_timeout_s
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def archive_sets(self) -> tuple[tuple[str, ...], ...]:
        """The feeds digests read (``arxiv.feed_archives``), each as ``canonical_categories``."""
        sets = (canonical_categories(entry.split("+")) for entry in self._settings.feed_archives)
        return tuple(dict.fromkeys(sets))

    def url_for(self, categories: Sequence[str]) -> str:
        """The feed URL for this category set (``https://rss.arxiv.org/atom/cs.CV+cs.LG``)."""
        return self._settings.feed_url + "+".join(canonical_categories(categories))

    async def listing(self, categories: Sequence[str]) -> Listing:
        """The latest mailing for these categories (or archives such as ``cs``), merged."""
        wanted = canonical_categories(categories)
        if self._closed:
            raise ArxivUnavailable("the arXiv feed reader is closed")
        url = self._settings.feed_url + "+".join(wanted)
        return await with_retries(
            f"feed {'+'.join(wanted)}",
            lambda: run_on_arxiv_thread(
                self._attempt, url, wanted, timeout=self._attempt_timeout_s,
                queue_timeout=self._settings.queue_timeout_s,
            ),
            retry_policy(self._settings),
            final=(ArxivBadRequest,),
            transient=_is_transient,
            describe=self._describe,
            logger=log,
        )

    async def aclose(self) -> None:
        """Release the HTTP connection pool; later calls raise ArxivUnavailable."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                run_on_arxiv_thread(self._session.close), self._attempt_timeout_s
            )

    def _attempt(self, url: str, wanted: tuple[str, ...]) -> Listing:
        """Blocking, on the arXiv thread: one paced request within its deadline, then the reply
        parsed (here, off the event loop: a whole archive's listing is megabytes)."""
        settings = self._settings
        with self._pacer.turn(settings.min_interval_s):
            log.debug("arXiv feed request: %s", urlsplit(url).path)
            reply = fetch(
                self._session, url, timeout_s=settings.timeout_s,
                deadline_s=settings.request_deadline_s,
            )  # fmt: skip
        return _read_reply(reply.status, reply.headers, reply.content, wanted)

    def _describe(self, exc: BaseException) -> str:
        """A short reason for logs and messages, without URLs."""
        if isinstance(exc, (DeadlineExceeded, QueueTimeout)):
            return str(exc)
        if isinstance(exc, (requests.Timeout, TimeoutError)):
            return f"no answer within {self._settings.timeout_s:g} s"
        if isinstance(exc, requests.ConnectionError):
            return "cannot connect"
        if isinstance(exc, _HTTPStatus):
            return str(exc)
        if isinstance(exc, _GarbledReply):
            return "a reply that is not an Atom feed"
        return type(exc).__name__


def _is_transient(exc: BaseException) -> bool:
    """Worth another try: 5xx/429/408, timeouts, dropped connections, a garbled reply."""
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
            _GarbledReply,
        ),
    )


def _read_reply(
    status: int, headers: Mapping[str, str], content: bytes, wanted: tuple[str, ...]
) -> Listing:
    """The listing in a reply, or the error it stands for."""
    root = _parse_xml(content)
    if root is not None and root.tag == _FEED_TAG:
        title = _text(root, "atom:title")
        if _FEED_ERROR.lower() in title.lower():
            # arXiv's reason ("Bad subject class 'XX'...") is the subtitle; the title has a URL.
            raise ArxivBadRequest(_text(root, "atom:subtitle") or title)
    if status == 400:
        raise ArxivBadRequest("HTTP 400")
    if status != 200:
        raise _HTTPStatus(status, retry_after_seconds(headers.get("Retry-After")))
    if root is None or root.tag != _FEED_TAG:
        raise _GarbledReply()
    return _listing_from(root, wanted)


def parse_listing(content: bytes, categories: Sequence[str]) -> Listing:
    """A Listing from a saved Atom feed document (ArxivBadRequest for an error feed)."""
    return _read_reply(200, {}, content, canonical_categories(categories))


def _listing_from(root: ET.Element, wanted: tuple[str, ...]) -> Listing:
    elements = root.findall("atom:entry", _NS)
    if not elements:
        return Listing(categories=wanted, announced=None, entries=())
    stamps = [s for e in elements if (s := _datetime(_text(e, "atom:published"))) is not None]
    feed_stamp = _datetime(_text(root, "atom:updated"))
    if stamps:
        # All entries of a mailing share its date; the commonest wins should one disagree.
        announced = Counter(s.astimezone(ARXIV_TZ).date() for s in stamps).most_common(1)[0][0]
    elif feed_stamp is not None:
        announced = feed_stamp.astimezone(ARXIV_TZ).date()  # arXiv builds the feed just after
    else:
        raise _GarbledReply()
    fallback = datetime.combine(announced, datetime.min.time(), tzinfo=ARXIV_TZ)
    entries: dict[str, FeedEntry] = {}
    for element in elements:
        entry = _entry(element, fallback)
        if entry is not None and entry.paper.arxiv_id not in entries:
            entries[entry.paper.arxiv_id] = entry
    return Listing(categories=wanted, announced=announced, entries=tuple(entries.values()))


def _entry(element: ET.Element, fallback: datetime) -> FeedEntry | None:
    """One entry, exactly as arXiv lists it; None (and a warning) if it lacks its identity."""
    summary = _text(element, "atom:summary", collapse=False)
    match = _VERSIONED_ID_RE.search(_text(element, "atom:id")) or _VERSIONED_ID_RE.search(
        summary.partition("\n")[0]
    )
    terms = ((c.get("term") or "").strip() for c in element.iterfind("atom:category", _NS))
    categories = tuple(term for term in terms if term)
    announce_type = _announce_type(element, summary)
    if match is None or not categories or announce_type is None:
        skipped = _text(element, "atom:id")[:80]
        log.warning("arXiv feed entry without versioned id, category or type skipped: %s", skipped)
        return None
    head, sep, tail = summary.partition("Abstract:")
    abstract = _collapse(tail if sep else _drop_announce_line(head))
    when = _datetime(_text(element, "atom:published")) or fallback
    paper = Paper(
        arxiv_id=match.group("base"),
        version=int(match.group("version")),
        title=_text(element, "atom:title"),
        authors=split_authors(_text(element, "dc:creator")),
        abstract=abstract,
        published=when,
        updated=when,
        primary_category=categories[0],
        categories=categories,
        journal_ref=_first_text(element, "arxiv:journal_reference", "arxiv:journal_ref"),
        doi=_first_text(element, "arxiv:DOI", "arxiv:doi"),
        code_url=find_code_url(abstract),
        license=_text(element, "dc:rights") or None,
    )
    return FeedEntry(paper=paper, announce_type=announce_type)


def _announce_type(element: ET.Element, summary: str) -> AnnounceType | None:
    """From ``arxiv:announce_type``, else from the summary's "Announce Type:" line."""
    text = _text(element, "arxiv:announce_type").lower()
    if not text and (found := _ANNOUNCE_RE.search(summary)):
        text = found.group("type").lower()
    return text if text in ANNOUNCE_TYPES else None


def split_authors(creator: str) -> tuple[str, ...]:
    """Author names from ``dc:creator``: comma-separated, with " and " between names treated
    like a comma, a trailing "(affiliation, ...)" dropped and "Jr." kept with its name."""
    creator = _collapse(creator)
    parts: list[str] = []
    start = depth = 0
    i = 0
    while i < len(creator):
        char = creator[i]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        # Split only outside parentheses: affiliations contain commas and "and" too.
        cut = 0 if depth else 1 if char == "," else 5 if creator.startswith(" and ", i) else 0
        if cut:
            parts.append(creator[start:i])
            start = i = i + cut
        else:
            i += 1
    parts.append(creator[start:])
    names: list[str] = []
    for part in parts:
        name = _collapse(re.sub(r"\s*\([^()]*\)\s*$", "", part))
        name = name.removeprefix("and ").strip()
        if not name:
            continue
        if names and name.lower().rstrip(".") in _NAME_SUFFIXES:
            names[-1] = f"{names[-1]}, {name}"
        else:
            names.append(name)
    return tuple(names)


def _parse_xml(content: bytes) -> ET.Element | None:
    try:
        return ET.fromstring(content)
    except ET.ParseError:
        return None


def _text(element: ET.Element, path: str, *, collapse: bool = True) -> str:
    text = element.findtext(path, "", _NS) or ""
    return _collapse(text) if collapse else text


def _first_text(element: ET.Element, *paths: str) -> str | None:
    for path in paths:
        if text := _text(element, path):
            return text
    return None


def _collapse(text: str) -> str:
    """arXiv wraps titles and abstracts and indents them: one space instead."""
    return " ".join(text.split())


def _drop_announce_line(text: str) -> str:
    """A summary without "Abstract:": everything after the "arXiv:… Announce Type: …" line."""
    first, _, rest = text.partition("\n")
    return rest if _ANNOUNCE_RE.search(first) else text


def _datetime(text: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None

