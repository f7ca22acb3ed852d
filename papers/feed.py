"""arXiv's daily listings from its Atom feed (rss.arxiv.org): what one announcement brought.

One request per category set and announcement, on the same thread and pacer as every other
arXiv request of the process (arXiv's terms: one connection at a time, one request every three
seconds). Format: arXiv/arxiv-docs ``atom_specifications.md`` and the arXiv/arxiv-feed
serializer (entries ``oai:arXiv.org:<id>v<N>``, ``arxiv:announce_type``, ``dc:creator``,
``dc:rights``; errors are a feed titled "Feed error for query", sent with HTTP 400).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal, Self
from urllib.parse import urlsplit

import requests

from config.settings import ArxivSettings
from papers.announcements import ARXIV_TZ
from papers.arxiv_http import DeadlineExceeded, stream
from papers.categories import ARCHIVES_WITH_SUBJECTS, canonical_category
from papers.code_links import find_code_url
from papers.errors import ArxivBadRequest, ArxivUnavailable
from papers.models import Paper
from papers.retry import RETRY_STATUSES, retry_after_seconds, with_retries
from papers.source import (
    DEFAULT_PACER,
    Pacer,
    QueueTimeout,
    close_session,
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
_ENTRY_TAG = "{http://www.w3.org/2005/Atom}entry"
_ERROR_BODY_BYTES = 1 << 20  # an error reply is read this far at most (arXiv's are ~1 KB)
_NO_DATE = datetime.min.replace(tzinfo=ARXIV_TZ)  # until the listing's own date is known


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
        close_session(self._session)

    def _attempt(self, url: str, wanted: tuple[str, ...]) -> Listing:
        """Blocking, on the arXiv thread: one paced request within its deadline, parsed as it
        arrives (off the event loop; a whole archive's listing is megabytes) and cut at
        ``arxiv.max_feed_mb`` / ``arxiv.max_feed_entries`` (issue 10: a 56 MB feed)."""
        settings = self._settings
        label = "+".join(wanted)
        reader = _ListingReader(settings.max_feed_entries)
        max_bytes = int(settings.max_feed_mb * 1024 * 1024)
        with self._pacer.turn(settings.min_interval_s):
            log.debug("arXiv feed request: %s", urlsplit(url).path)
            with stream(
                self._session, url, timeout_s=settings.timeout_s,
                deadline_s=settings.request_deadline_s,
            ) as reply:  # fmt: skip
                if reply.status != 200:
                    body = _read_at_most(reply.chunks(), _ERROR_BODY_BYTES)
                    return _read_reply(reply.status, reply.headers, body, wanted)
                for chunk in reply.chunks():
                    room = max_bytes - reader.bytes_read
                    reader.feed(chunk[:room])
                    if len(chunk) > room:
                        reader.cut = f"{settings.max_feed_mb:g} MB (arxiv.max_feed_mb)"
                    if reader.cut or reader.broken:
                        break  # leaving the block drops the rest unread
        return reader.listing(wanted, label)

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
    """The listing in a whole reply, or the error it stands for."""
    if status == 200:
        reader = _ListingReader(None)
        reader.feed(content)
        return reader.listing(wanted, "+".join(wanted))
    root = _parse_xml(content)
    if root is not None and root.tag == _FEED_TAG:
        title = _text(root, "atom:title")
        if _FEED_ERROR.lower() in title.lower():
            # arXiv's reason ("Bad subject class 'XX'...") is the subtitle; the title has a URL.
            raise ArxivBadRequest(_text(root, "atom:subtitle") or title)
    if status == 400:
        raise ArxivBadRequest("HTTP 400")
    raise _HTTPStatus(status, retry_after_seconds(headers.get("Retry-After")))


def parse_listing(content: bytes, categories: Sequence[str]) -> Listing:
    """A Listing from a saved Atom feed document (ArxivBadRequest for an error feed)."""
    return _read_reply(200, {}, content, canonical_categories(categories))


class _ListingReader:
    """An Atom listing parsed as its bytes arrive (xml.etree's pull parser): each entry is
    turned into a FeedEntry when it closes and dropped from the tree, so memory holds one
    entry's XML, not the document; past ``max_entries`` entries the rest is ignored."""

    def __init__(self, max_entries: int | None) -> None:
        self._parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
        self._max_entries = max_entries
        self._root: ET.Element | None = None
        self._depth = 0
        self._head: dict[str, str] = {}
        self._found: list[tuple[FeedEntry, datetime | None]] = []
        self._skipped: list[str] = []
        self.entries_seen = 0
        self.bytes_read = 0
        self.broken = False  # not XML: nothing more to read
        self.cut: str | None = None  # which cap stopped the reading, if one did

    def feed(self, data: bytes) -> None:
        """Parse the next piece of the document."""
        if self.broken or self.cut or not data:
            return
        self.bytes_read += len(data)
        try:
            self._parser.feed(data)
            self._take_events()
        except ET.ParseError:
            self.broken = True

    def listing(self, wanted: tuple[str, ...], label: str) -> Listing:
        """The Listing read (or the error feed's ArxivBadRequest, or _GarbledReply); one log
        line if a cap cut it short or entries had to be skipped."""
        if not self.broken and not self.cut:
            try:
                self._parser.close()  # a document that just stops is not a listing
                self._take_events()
            except ET.ParseError:
                self.broken = True
        root = self._root
        if root is None or root.tag != _FEED_TAG or (self.broken and not self._found):
            raise _GarbledReply()
        title = self._head.get("title", "")
        if _FEED_ERROR.lower() in title.lower():
            # arXiv's reason ("Bad subject class 'XX'...") is the subtitle; the title has a URL.
            raise ArxivBadRequest(self._head.get("subtitle") or title)
        if self.broken:
            raise _GarbledReply()
        if self._skipped:
            log.warning(
                "arXiv feed %s: %d entries without versioned id, category or type skipped "
                "(first: %s)", label, len(self._skipped), self._skipped[0],
            )  # fmt: skip
        if self.cut:
            log.warning(
                "arXiv feed %s stopped at %s: %d entries kept, the rest of the listing ignored",
                label, self.cut, len(self._found),
            )  # fmt: skip
        return self._assemble(wanted)

    def _take_events(self) -> None:
        root = None
        for item in self._parser.read_events():
            if len(item) != 2 or not isinstance(item[1], ET.Element):
                continue  # only start/end events are asked for; namespace events never come
            event, element = item[0], item[1]
            if event == "start":
                self._depth += 1
                if self._depth == 1:
                    self._root = element
                continue
            self._depth -= 1
            if self._depth != 1 or self.cut:
                continue
            root = self._root
            if element.tag == _ENTRY_TAG:
                self._take_entry(element)
            elif element.tag.startswith("{http://www.w3.org/2005/Atom}"):
                self._head.setdefault(element.tag.partition("}")[2], _collapse(element.text or ""))
        if root is not None:
            root.clear()  # entries read are not kept twice (one still open stays on the stack)

    def _take_entry(self, element: ET.Element) -> None:
        if self._max_entries is not None and self.entries_seen >= self._max_entries:
            self.cut = f"{self._max_entries} entries (arxiv.max_feed_entries)"
            return
        self.entries_seen += 1
        entry = _entry(element, _NO_DATE)
        if entry is None:
            self._skipped.append(_text(element, "atom:id")[:80] or "(no id)")
            return
        self._found.append((entry, _datetime(_text(element, "atom:published"))))

    def _assemble(self, wanted: tuple[str, ...]) -> Listing:
        if not self._found and not self._skipped:
            return Listing(categories=wanted, announced=None, entries=())
        stamps = [stamp for _, stamp in self._found if stamp is not None]
        feed_stamp = _datetime(self._head.get("updated", ""))
        if stamps:
            # All entries of a mailing share its date; the commonest wins should one disagree.
            announced = Counter(s.astimezone(ARXIV_TZ).date() for s in stamps).most_common(1)[0][0]
        elif feed_stamp is not None:
            announced = feed_stamp.astimezone(ARXIV_TZ).date()  # arXiv builds it just after
        else:
            raise _GarbledReply()
        fallback = datetime.combine(announced, datetime.min.time(), tzinfo=ARXIV_TZ)
        entries: dict[str, FeedEntry] = {}
        for entry, stamp in self._found:
            if stamp is None:
                paper = replace(entry.paper, published=fallback, updated=fallback)
                entry = FeedEntry(paper=paper, announce_type=entry.announce_type)
            entries.setdefault(entry.paper.arxiv_id, entry)
        return Listing(categories=wanted, announced=announced, entries=tuple(entries.values()))


def _read_at_most(chunks: Iterator[bytes], limit: int) -> bytes:
    """The start of a body, up to ``limit`` bytes (the rest is left unread)."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        parts.append(chunk[: limit - size])
        size += len(parts[-1])
        if size >= limit:
            break
    return b"".join(parts)


def _entry(element: ET.Element, fallback: datetime) -> FeedEntry | None:
    """One entry, exactly as arXiv lists it; None if it lacks its identity."""
    summary = _text(element, "atom:summary", collapse=False)
    match = _VERSIONED_ID_RE.search(_text(element, "atom:id")) or _VERSIONED_ID_RE.search(
        summary.partition("\n")[0]
    )
    terms = ((c.get("term") or "").strip() for c in element.iterfind("atom:category", _NS))
    categories = tuple(term for term in terms if term)
    announce_type = _announce_type(element, summary)
    if match is None or not categories or announce_type is None:
        return None  # counted and logged once per listing by _ListingReader
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

