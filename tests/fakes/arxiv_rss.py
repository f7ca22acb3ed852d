"""The arXiv fake's feed side: daily listings shaped like rss.arxiv.org's Atom feed.

Shapes follow arXiv's own serializer (arXiv/arxiv-feed ``feed/serializers/serializer.py`` and
``extensions.py``) and the documented example (arxiv-docs ``atom_specifications.md``): entry
``<id>oai:arXiv.org:<id>v<N></id>``, a summary "arXiv:<id>v<N> Announce Type: <type> \\nAbstract:
…", ``<category term>`` per category (primary first), ``<published>`` = the mailing date at
00:00 US Eastern, ``arxiv:announce_type``, ``dc:rights``, optional ``arxiv:journal_reference``
and ``arxiv:DOI``, and ``dc:creator`` with the comma-separated authors. A bad archive or category
is HTTP 400 with a feed titled "Feed error for query: <url>" whose subtitle gives the reason,
worded like arXiv's ``validate_request``. Weekends and holidays: a feed without entries.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import unquote
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from papers.categories import ARCHIVES_WITH_SUBJECTS, CATEGORIES, canonical_category

__all__ = [
    "ARXIV_LICENSE",
    "CC_BY",
    "FEED_CONTENT_TYPE",
    "FeedListings",
    "ListingEntry",
    "feed_entry",
]

CC_BY = "http://creativecommons.org/licenses/by/4.0/"
ARXIV_LICENSE = "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
FEED_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
_SELF_BASE = "https://rss.arxiv.org/atom/"  # what arXiv writes in its own documents
_EASTERN = ZoneInfo("America/New_York")
_TYPE_ORDER = ("new", "cross", "replace", "replace-cross")
_FEED_OPEN = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/"'
    ' xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">\n'
)
# Archives as arXiv's feed accepts them: those with subject classes, and the single-category ones.
_ARCHIVES = ARCHIVES_WITH_SUBJECTS | frozenset(c for c in CATEGORIES if "." not in c)


@dataclass(frozen=True, slots=True)
class ListingEntry:
    """One paper version for the fake's listings (build it with ``feed_entry``)."""

    arxiv_id: str
    version: int
    title: str
    creator: str  # dc:creator exactly as served
    abstract: str
    categories: tuple[str, ...]  # primary first
    replacement: bool  # a new version of an older paper ("replace"), not a new paper
    license: str | None
    doi: str | None
    journal_ref: str | None

    def announce_type_for(self, requested: frozenset[str]) -> str:
        """As arXiv lists it for this request: "cross" when the primary category is not asked."""
        base = "replace" if self.replacement else "new"
        if _matches(self.categories[0], requested):
            return base
        return "replace-cross" if self.replacement else "cross"

    def listed_for(self, requested: frozenset[str]) -> bool:
        """Whether a request for these categories/archives lists this paper at all."""
        return any(_matches(c, requested) for c in self.categories)


def feed_entry(
    arxiv_id: str,
    version: int,
    title: str,
    authors: Sequence[str] | str,
    abstract: str,
    categories: Sequence[str] = ("cs.LG",),
    announce_type: str = "new",
    license: str | None = CC_BY,
    *,
    doi: str | None = None,
    journal_ref: str | None = None,
) -> ListingEntry:
    """A listing entry. ``authors``: names (joined with ", ") or a dc:creator string served as is.

    ``announce_type`` says whether this is a new paper ("new"/"cross") or a new version
    ("replace"/"replace-cross"); whether it shows as a cross-list depends on the request, as on
    arXiv: "cross" when the request does not include the primary (first) category.
    """
    if announce_type not in _TYPE_ORDER:
        raise ValueError(f"announce_type must be one of {_TYPE_ORDER}, not {announce_type!r}")
    if not categories:
        raise ValueError("a listing entry needs at least its primary category")
    creator = authors if isinstance(authors, str) else ", ".join(authors)
    return ListingEntry(
        arxiv_id, version, title, creator, abstract, tuple(categories),
        announce_type.startswith("replace"), license, doi, journal_ref,
    )  # fmt: skip


class FeedListings:
    """What the fake's feed serves today, per category or archive; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listings: dict[str, tuple[date, tuple[ListingEntry, ...]]] = {}

    def set_listing(
        self, categories: str | Sequence[str], announced: date, entries: Iterable[ListingEntry]
    ) -> None:
        """Serve ``entries`` as the mailing of ``announced`` for these categories or archives."""
        codes = [categories] if isinstance(categories, str) else list(categories)
        for code in codes:
            if _category_error(code) is not None:
                raise ValueError(f"arXiv has no category or archive {code!r}")
        with self._lock:
            for code in codes:
                self._listings[_normalise(code)] = (announced, tuple(entries))

    def set_quiet(self) -> None:
        """A weekend or holiday: every feed is empty (also the state before any set_listing)."""
        with self._lock:
            self._listings.clear()

    def answer(self, path: str) -> tuple[int, bytes]:
        """Status and body for ``/atom/<query>``."""
        query = unquote(path.removeprefix("/atom/"))
        codes = query.split("+")
        for code in codes:
            if (reason := _category_error(code, query)) is not None:
                return 400, _error_feed(query, reason)
        requested = frozenset(_normalise(c) for c in codes)
        listed = self._listed(requested)
        names = [_normalise(c) for c in dict.fromkeys(codes)]
        announced = max((day for day, _ in listed.values()), default=None)
        return 200, _listing_feed(names, announced, listed, requested)

    def _listed(self, requested: frozenset[str]) -> dict[str, tuple[date, ListingEntry]]:
        """Entries a request lists, first occurrence of each id, in arXiv's type order."""
        found: dict[str, tuple[date, ListingEntry]] = {}
        with self._lock:
            for key, (day, entries) in self._listings.items():
                for entry in entries:
                    if key in requested or entry.listed_for(requested):
                        found.setdefault(entry.arxiv_id, (day, entry))

        def type_rank(item: tuple[str, tuple[date, ListingEntry]]) -> int:
            return _TYPE_ORDER.index(item[1][1].announce_type_for(requested))

        return dict(sorted(found.items(), key=type_rank))


def _matches(category: str, requested: frozenset[str]) -> bool:
    return category in requested or category.split(".")[0].lower() in requested


def _normalise(code: str) -> str:
    code = code.strip()
    return code.lower() if code.lower() in _ARCHIVES else canonical_category(code) or code


def _category_error(code: str, query: str | None = None) -> str | None:
    """arXiv's reason for refusing ``code`` (wording of arxiv-feed's validate_request)."""
    code = code.strip()
    if not code:
        return (
            f"Invalid archive specification '{query if query is not None else code}'. Correct "
            "format is one or more archive names delimited by '+'. Each name can be either of "
            "the form 'archive' or 'archive.category'. For example: 'math+cs.CG' (all from math "
            "and only computational geometry from computer science)."
        )
    parts = code.split(".")
    if len(parts) > 2:
        return (
            f"Bad archive/subject class structure '{code}'. Valid names include an archive, "
            "possibly followed by a single period and subject class."
        )
    if parts[0].lower() not in _ARCHIVES:
        return f"Bad archive '{parts[0]}'. Valid archive names are: {', '.join(sorted(_ARCHIVES))}."
    if len(parts) == 2 and canonical_category(code) is None:
        prefix = parts[0].lower() + "."
        classes = [c[len(prefix) :] for c in CATEGORIES if c.lower().startswith(prefix)]
        return (
            f"Bad subject class '{parts[1]}'. Valid subject classes for the archive "
            f"'{parts[0]}' are: {', '.join(classes)}."
        )
    return None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=_EASTERN)


def _header(query: str, title: str, subtitle: str, updated: datetime) -> str:
    url = _SELF_BASE + query
    return (
        f"  <id>{escape(url)}</id>\n"
        f"  <title>{escape(title)}</title>\n"
        f"  <updated>{updated.astimezone(UTC).isoformat()}</updated>\n"
        f'  <link href={quoteattr(url)} rel="self" type="application/atom+xml"/>\n'
        f"  <subtitle>{escape(subtitle)}</subtitle>\n"
    )


def _listing_feed(
    names: list[str],
    announced: date | None,
    listed: dict[str, tuple[date, ListingEntry]],
    requested: frozenset[str],
) -> bytes:
    # arXiv builds the feed a few seconds after midnight ET of the mailing date.
    built = _midnight(announced) if announced else datetime.now(_EASTERN)
    built += timedelta(seconds=4, microseconds=556492)
    joined = ", ".join(names)
    header = _header(
        "+".join(names),
        f"{joined} updates on arXiv.org",
        f"{joined} updates on the arXiv.org e-print archive.",
        built,
    )
    body = "".join(
        _entry_xml(entry, entry.announce_type_for(requested), day, built)
        for day, entry in listed.values()
    )
    return (_FEED_OPEN + header + body + "</feed>\n").encode("utf-8")


def _error_feed(query: str, reason: str) -> bytes:
    header = _header(query, f"Feed error for query: {_SELF_BASE}{query}", reason, datetime.now(UTC))
    return (_FEED_OPEN + header + "</feed>\n").encode("utf-8")


def _entry_xml(entry: ListingEntry, announce_type: str, day: date, built: datetime) -> str:
    versioned = f"{entry.arxiv_id}v{entry.version}"
    summary = f"arXiv:{versioned} Announce Type: {announce_type} \nAbstract: {entry.abstract}"
    lines = [
        "  <entry>",
        f"    <id>oai:arXiv.org:{versioned}</id>",
        f"    <title>{escape(entry.title)}</title>",
        f"    <updated>{built.astimezone(UTC).isoformat()}</updated>",
        (
            f'    <link href="https://arxiv.org/abs/{entry.arxiv_id}" rel="alternate" '
            'type="text/html"/>'
        ),
        f"    <summary>{escape(summary)}</summary>",
        *(f"    <category term={quoteattr(c)}/>" for c in entry.categories),
        f"    <published>{_midnight(day).isoformat()}</published>",
        f"    <arxiv:announce_type>{announce_type}</arxiv:announce_type>",
    ]
    if entry.license is not None:
        lines.append(f"    <dc:rights>{escape(entry.license)}</dc:rights>")
    if entry.journal_ref is not None:
        ref = escape(entry.journal_ref)
        lines.append(f"    <arxiv:journal_reference>{ref}</arxiv:journal_reference>")
    if entry.doi is not None:
        lines.append(f"    <arxiv:DOI>{escape(entry.doi)}</arxiv:DOI>")
    lines += [f"    <dc:creator>{escape(entry.creator)}</dc:creator>", "  </entry>\n"]
    return "\n".join(lines)
