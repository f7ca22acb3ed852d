"""Find arXiv ids in what users type or paste: bare ids, arXiv: mentions, DOIs and links."""

from __future__ import annotations

import re
import unicodedata

from papers.errors import MalformedId, NoArxivId
from papers.models import ArxivId

__all__ = ["ARCHIVES", "find_arxiv_ids", "parse_arxiv_id"]

# Archives that had old-style ids (archive/YYMMNNN, 1991 to March 2007), current and retired.
ARCHIVES = frozenset(
    {
        "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an",
        "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "econ", "eess",
        "funct-an", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math", "math-ph",
        "mtrl-th", "nlin", "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg",
        "q-bio", "q-fin", "quant-ph", "solv-int", "stat", "supr-con",
    }
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Named pieces. Every quantifier below runs over a character class followed by a different
# character (or nothing), so a failed match costs O(length of one word): no nested repetition,
# no catastrophic backtracking on long messages.
# ---------------------------------------------------------------------------------------------

_ARCHIVE_ALTERNATION = "|".join(re.escape(a) for a in sorted(ARCHIVES, key=len, reverse=True))

# Strict forms, used to validate a candidate token (fullmatch).
_NEW_STYLE = r"(?P<yymm>\d{4}) \. (?P<number>\d{4,5}) (?: v(?P<version>\d+) )?"
_OLD_STYLE = r"""
    (?P<archive>[a-z]+(?:-[a-z]+)?)
    (?: \. (?P<subject>[A-Za-z]+(?:-[A-Za-z]+)?) )?     # subject class, e.g. math.GT (dropped)
    / (?P<number>\d{7}) (?: v(?P<version>\d+) )?
"""
_NEW_STYLE_RE = re.compile(_NEW_STYLE, re.VERBOSE)
_OLD_STYLE_RE = re.compile(_OLD_STYLE, re.VERBOSE | re.IGNORECASE)
_ARCHIVE_LIKE_RE = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?")

# Where a reference starts: not in the middle of a word, a number or another host name.
_START = r"(?<![\w.\-])"

# Everything that announces "an arXiv id follows". The id itself is captured loosely as
# <token> and validated afterwards, so "arxiv.org/abs/abc" is recognised as a malformed id.
_ARXIV_HOSTS = r"(?: (?:www\.|export\.|browse\.)? arxiv\.org )"
_PREFIX = rf"""
    {_START}
    (?:
        (?: https?:// )?
        (?:
            {_ARXIV_HOSTS} / (?: abs | pdf | html | format ) /
          | (?: ar5iv\.labs\.arxiv\.org | ar5iv\.org ) / (?: abs | html | papers ) /
          | (?: www\. )? alphaxiv\.org / (?: abs | overview | pdf ) /
          | (?: (?: www\. )? huggingface\.co | hf\.co ) / papers /
          | (?: dx\. )? doi\.org / 10\.48550 / arxiv\.
        )
      | 10\.48550 / arxiv\.                              # a bare DOI
      | (?: arxiv: [ \t]? )+                            # arXiv:2410.13726, arXiv: arXiv:2410.13726
    )
"""
# One path segment, optionally a second one for old-style ids (hep-th/9901001). Query strings,
# fragments, brackets and quotes end it; trailing "/", "." and ".pdf" are removed afterwards.
_TOKEN = r"(?P<token> [A-Za-z0-9_.\-]+ (?: / [A-Za-z0-9_.\-]+ )? )"
_REFERENCE_RE = re.compile(_PREFIX + _TOKEN, re.VERBOSE | re.IGNORECASE)

# A bare id in a command argument. Loose on digits so that "2410.1372" is reported as
# malformed rather than ignored; old style only with a real archive name.
_BARE = rf"""
    {_START}
    (?P<token>
        \d{{4}} \. \d+ (?: v\d* )?
      | (?: {_ARCHIVE_ALTERNATION} ) (?: \. [A-Za-z]+(?:-[A-Za-z]+)? )? / \d+ (?: v\d* )?
    )
    (?! \w | [/\-] | \.\d )
"""
_BARE_RE = re.compile(_BARE, re.VERBOSE | re.IGNORECASE)

_PDF_SUFFIX_RE = re.compile(r"\.pdf$", re.IGNORECASE)
_IDEOGRAPHIC_STOP = re.compile(r"(?<=\d)。(?=\d)")


def parse_arxiv_id(text: str) -> ArxivId:
    """Read the paper a command argument names (`/summarize <text>`), in any form users paste.

    Raises NoArxivId when nothing looks like an arXiv reference, MalformedId when something
    clearly meant as one is invalid (month 13, too few digits, ``arxiv.org/abs/abc``, ``v0``).
    """
    stripped = _normalized(text).strip()
    match = _REFERENCE_RE.search(stripped) or _BARE_RE.search(stripped)
    if match is None:
        raise NoArxivId(text)
    candidate = _clean_token(match.group("token"))
    ref = _validate(candidate)
    if ref is None:
        raise MalformedId(candidate or match.group(0))
    return ref


def find_arxiv_ids(text: str) -> list[ArxivId]:
    """Every paper a chat message links to or cites as ``arXiv:ID``, in order, once each.

    Bare numbers count only when they are the whole message (a bare "2410.13726" in a
    sentence is too often something else). Invalid ids inside links are skipped, not raised.
    """
    text = _normalized(text)
    found: list[ArxivId] = []
    for match in _REFERENCE_RE.finditer(text):
        ref = _validate(_clean_token(match.group("token")))
        if ref is not None:
            found.append(ref)
    if not found:
        bare = _BARE_RE.fullmatch(text.strip())
        ref = _validate(bare.group("token")) if bare else None
        if ref is not None:
            found.append(ref)
    return _dedupe(found)


def _normalized(text: str) -> str:
    """NFKC: full-width digits and punctuation typed with CJK input methods (２４１０．１３７２６,
    ａｒＸｉｖ：) become the ASCII an id is made of."""
    text = unicodedata.normalize("NFKC", text)
    return _IDEOGRAPHIC_STOP.sub(".", text)  # ２４１０。１３７２６: NFKC keeps "。"


def _clean_token(token: str) -> str:
    """Drop what a link adds around the id: trailing dots and slashes, ``.pdf``, sub-pages."""
    token = token.rstrip("./")
    token = _PDF_SUFFIX_RE.sub("", token).rstrip(".")
    head, sep, _ = token.partition("/")
    if sep and not _ARCHIVE_LIKE_RE.fullmatch(head):
        # arxiv.org/html/2410.13726v2/x1.png: a new-style id followed by a page inside it.
        token = head
    return token


def _validate(token: str) -> ArxivId | None:
    """The ArxivId a loose token spells, or None if it is not a valid new- or old-style id."""
    if (m := _NEW_STYLE_RE.fullmatch(token)) is not None:
        if not _new_style_ok(m.group("yymm"), m.group("number")):
            return None
        base = f"{m.group('yymm')}.{m.group('number')}"
    elif (m := _OLD_STYLE_RE.fullmatch(token)) is not None:
        archive = m.group("archive").lower()
        if archive not in ARCHIVES or not _old_style_ok(m.group("number")):
            return None
        # The subject class (math.GT) is not part of the identifier: arXiv names the paper
        # math/0309136, and that is what its API returns.
        base = f"{archive}/{m.group('number')}"
    else:
        return None
    version = m.group("version")
    if version is None:
        return ArxivId(base)
    if int(version) < 1:
        return None
    return ArxivId(base, int(version))


def _new_style_ok(yymm: str, number: str) -> bool:
    """YYMM.NNNN from 0704 to 1412, YYMM.NNNNN from 1501 on; months 01-12; number not zero."""
    month = int(yymm[2:])
    if not 1 <= month <= 12 or int(number) == 0 or int(yymm) < 704:
        return False
    return len(number) == (4 if int(yymm) <= 1412 else 5)


def _old_style_ok(number: str) -> bool:
    """YYMMNNN from 1991 to March 2007 (new-style ids began in April 2007)."""
    year, month, serial = int(number[:2]), int(number[2:4]), int(number[4:])
    if not 1 <= month <= 12 or serial == 0:
        return False
    full_year = 1900 + year if year >= 91 else 2000 + year
    return (1991, 1) <= (full_year, month) <= (2007, 3)


def _dedupe(refs: list[ArxivId]) -> list[ArxivId]:
    """Each id once; an unversioned mention yields to a versioned mention of the same paper."""
    first_versioned: dict[str, ArxivId] = {}
    for ref in refs:
        if ref.version is not None:
            first_versioned.setdefault(ref.base, ref)
    out: list[ArxivId] = []
    seen: set[ArxivId] = set()
    for ref in refs:
        if ref.version is None and ref.base in first_versioned:
            ref = first_versioned[ref.base]
        if ref not in seen:
            seen.add(ref)
            out.append(ref)
    return out
