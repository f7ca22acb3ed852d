"""The arXiv fake's data side: Atom feeds as arXiv writes them, a simple search matcher."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

ATOM = "http://www.w3.org/2005/Atom"
NS = {"atom": ATOM, "arxiv": "http://arxiv.org/schemas/atom"}
FEED_OPEN = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
)
ENTRY_RE = re.compile(r"<entry>.*?</entry>", re.DOTALL)
# What arXiv accepts as an id in id_list (it answers 400 for anything else).
ID_SHAPE = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One paper version: its Atom <entry> text plus the fields search matches on."""

    base: str
    version: int
    xml: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    published: str  # ISO 8601, sorts as text
    updated: str

    @classmethod
    def parse(cls, xml: str) -> FeedEntry:
        """Read one ``<entry>...</entry>`` (recorded or built by ``entry_xml``)."""
        wrapped = FEED_OPEN + xml + "</feed>"
        entry = ET.fromstring(wrapped.encode()).find("atom:entry", NS)
        assert entry is not None
        short_id = (entry.findtext("atom:id", "", NS)).split("arxiv.org/abs/")[-1]
        base, _, version = short_id.rpartition("v")
        return cls(
            base=base,
            version=int(version),
            xml=xml,
            title=entry.findtext("atom:title", "", NS),
            abstract=entry.findtext("atom:summary", "", NS),
            authors=tuple(
                a.findtext("atom:name", "", NS) for a in entry.iterfind("atom:author", NS)
            ),
            categories=tuple(c.get("term", "") for c in entry.iterfind("atom:category", NS)),
            published=entry.findtext("atom:published", "", NS),
            updated=entry.findtext("atom:updated", "", NS),
        )


class SearchQuery:
    """arXiv's search_query, simply: ``field:value`` terms, quoted phrases, date ranges, and
    AND / OR / ANDNOT applied left to right (adjacent terms mean AND); parentheses ignored.
    Fields: ti, abs, au, cat (exact category or ``cs.*``-style prefix), all, submittedDate and
    lastUpdatedDate (``[YYYYMMDDHHMM TO YYYYMMDDHHMM]``). Substring match, case-insensitive."""

    _TOKEN = re.compile(
        r"""(?P<op>\b(?:ANDNOT|AND|OR)\b)
          | (?P<term>(?:\w+:)?(?:"[^"]*"|\[[^\]]*\]|[^\s()"]+))""",
        re.VERBOSE,
    )

    def __init__(self, text: str) -> None:
        self.tokens = [
            (m.lastgroup, m.group(m.lastgroup or "")) for m in self._TOKEN.finditer(text)
        ]

    def matches(self, entry: FeedEntry) -> bool:
        """Whether arXiv would (roughly) list this entry for the query."""
        result: bool | None = None
        op = "AND"
        for kind, value in self.tokens:
            if kind == "op":
                op = value
                continue
            hit = _term_matches(value, entry)
            if result is None:
                result = hit
            elif op == "AND":
                result = result and hit
            elif op == "OR":
                result = result or hit
            else:
                result = result and not hit
            op = "AND"
        return bool(result)


def _term_matches(term: str, entry: FeedEntry) -> bool:
    name, sep, value = term.partition(":")
    if not sep:
        name, value = "all", term
    value = value.strip('"').lower()
    if name == "au":
        value = value.replace("_", " ")  # arXiv spells au:del_maestro for "del maestro"
    if name in ("submittedDate", "lastUpdatedDate"):
        low, _, high = value.strip("[]").upper().partition(" TO ")
        stamp = re.sub(r"\D", "", entry.published if name == "submittedDate" else entry.updated)
        return low.strip() <= stamp[:12] <= high.strip()
    if name == "cat":
        cats = [c.lower() for c in entry.categories]
        prefix = value.removesuffix("*")
        return value in cats or (value.endswith("*") and any(c.startswith(prefix) for c in cats))
    fields = {
        "ti": [entry.title],
        "abs": [entry.abstract],
        "au": list(entry.authors),
        "all": [entry.title, entry.abstract, *entry.authors, *entry.categories],
    }.get(name, [])
    return any(value in " ".join(f.split()).lower() for f in fields)


def sort_entries(entries: list[FeedEntry], sort_by: str, sort_order: str) -> list[FeedEntry]:
    """Order search results by arXiv's sortBy/sortOrder parameters."""
    if sort_by not in ("submittedDate", "lastUpdatedDate"):
        return entries  # relevance: registration order
    field_name = "published" if sort_by == "submittedDate" else "updated"
    return sorted(entries, key=lambda e: getattr(e, field_name), reverse=sort_order != "ascending")


def build_feed(
    params: dict[str, str], entries: list[FeedEntry], *, total: int, start: int, size: int
) -> bytes:
    """A feed shaped like arXiv's (header, opensearch counts, entries)."""
    query = (
        f"search_query={params.get('search_query', '')}&id_list={params.get('id_list', '')}"
        f"&start={start}&max_results={size}"
    )
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    header = (
        f"  <id>https://arxiv.org/api/fake</id>\n"
        f"  <title>arXiv Query: {escape(query)}</title>\n"
        f"  <updated>{now}</updated>\n"
        f"  <link href={quoteattr('https://arxiv.org/api/query?' + query)} "
        f'type="application/atom+xml"/>\n'
        f"  <opensearch:itemsPerPage>{size}</opensearch:itemsPerPage>\n"
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
    )
    body = "".join(f"  {e.xml}\n" for e in entries)
    return (FEED_OPEN + header + body + "</feed>\n").encode("utf-8")


def error_feed(bad_id: str) -> bytes:
    """arXiv's HTTP 400 body for a malformed id, in the shape of the recorded one."""
    slug = re.sub(r"\W", "_", bad_id)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        FEED_OPEN
        + "  <id>https://arxiv.org/</id>\n  <title>arXiv Search Results</title>\n"
        + f"  <updated>{now}</updated>\n"
        + "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
        + "  <opensearch:totalResults>1</opensearch:totalResults>\n"
        + "  <opensearch:startIndex>0</opensearch:startIndex>\n"
        + "  <entry>\n"
        + f"    <id>https://arxiv.org/api/errors#incorrect_id_format_for_{slug}</id>\n"
        + f"    <title>Error</title>\n    <updated>{now}</updated>\n"
        + f'    <link href="https://arxiv.org/api/errors#incorrect_id_format_for_{slug}" '
        + 'rel="alternate" type="text/html"/>\n'
        + f"    <summary>incorrect id format for {escape(bad_id)}</summary>\n"
        + "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>\n</feed>\n"
    ).encode("utf-8")


def entry_xml(
    versioned: str,
    title: str,
    authors: Sequence[str],
    abstract: str,
    categories: Sequence[str],
    comment: str | None,
    published: datetime,
    updated: datetime,
    journal_ref: str | None,
    doi: str | None,
) -> str:
    """An <entry> in the shape and element order of the recorded responses."""
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    scheme = 'scheme="http://arxiv.org/schemas/atom"'
    lines = [
        "<entry>",
        f"    <id>http://arxiv.org/abs/{versioned}</id>",
        f"    <title>{escape(title)}</title>",
        f"    <updated>{updated.astimezone(UTC).strftime(stamp)}</updated>",
        f'    <link href="https://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>',
        (
            f'    <link href="https://arxiv.org/pdf/{versioned}" rel="related" '
            'type="application/pdf" title="pdf"/>'
        ),
        f"    <summary>{escape(abstract)}</summary>",
        *(f"    <category term={quoteattr(c)} {scheme}/>" for c in categories),
        f"    <published>{published.astimezone(UTC).strftime(stamp)}</published>",
    ]
    if comment is not None:
        lines.append(f"    <arxiv:comment>{escape(comment)}</arxiv:comment>")
    if categories:
        lines.append(f"    <arxiv:primary_category term={quoteattr(categories[0])}/>")
    if journal_ref is not None:
        lines.append(f"    <arxiv:journal_ref>{escape(journal_ref)}</arxiv:journal_ref>")
    lines += [f"    <author>\n      <name>{escape(a)}</name>\n    </author>" for a in authors]
    if doi is not None:
        lines.append(f"    <arxiv:doi>{escape(doi)}</arxiv:doi>")
        lines.append(
            f'    <link rel="related" href={quoteattr("https://doi.org/" + doi)} title="doi"/>'
        )
    lines.append("  </entry>")
    return "\n".join(lines)
