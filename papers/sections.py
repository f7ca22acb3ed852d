"""A paper's body as sections (intro, method, results, …) and one bounded excerpt for the model.

Both readers produce sections: ``html_text`` from LaTeXML's real headings, ``pdf_text`` from
text lines through ``split_lines`` (numbered and named headings, as in the research prototype of
shared/research/figures.md §5). ``make_sections`` gives each top-level section a kind, and
``build_excerpt`` picks text within a token budget: intro, method, results and conclusion
first, then limitations and other body sections, related work and appendices last; never the
references, the abstract (the prompt carries it already) or acknowledgements.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "KINDS",
    "Kind",
    "RawSection",
    "Section",
    "TextLine",
    "build_excerpt",
    "classify",
    "estimate_tokens",
    "join_lines",
    "make_sections",
    "split_lines",
]

Kind = Literal[
    "abstract", "intro", "method", "results", "conclusion", "limitations", "related",
    "appendix", "references", "back_matter", "other",
]  # fmt: skip
KINDS: tuple[Kind, ...] = (
    "abstract", "intro", "method", "results", "conclusion", "limitations", "related",
    "appendix", "references", "back_matter", "other",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Section:
    """One top-level section; subsection headings stay inside ``text`` as their own paragraph."""

    number: str  # "3", "IV", "A"; "" when unnumbered
    title: str  # "Method", without the number
    kind: Kind
    text: str  # paragraphs separated by blank lines

    @property
    def heading(self) -> str:
        """``3 Method`` (or just the title, or the kind when untitled)."""
        return " ".join(p for p in (self.number, self.title) if p) or self.kind.capitalize()


# -- classification ----------------------------------------------------------------------------

_PATTERNS: tuple[tuple[Kind, str], ...] = (
        ("abstract", r"^\W*abstract\b"),
        ("references", r"^\W*(references?|bibliography|works cited|literature cited|reference list)\b"),
        ("back_matter", (r"acknowledge?ments?|funding|author contributions|competing interests|"
                         r"conflicts? of interest|data availability|code availability|"
                         r"ethics statement|ethical considerations|broader impacts?|"
                         r"impact statement|reproducibility statement|checklist")),
        ("appendix", r"\bappendi(x|ces)\b|supplementa(ry|l)"),
        ("conclusion", r"conclu"),
        ("limitations", r"limitation|threats to validity|shortcomings|failure (cases|modes)"),
        ("conclusion", r"^\W*(summary|closing|final|concluding)\b|future (work|directions)|outlook"),
        ("intro", r"introduction|^\W*(overview|motivation)\W*$"),
        ("related", (r"related (work|research|literature)|prior (work|art)|previous work|"
                     r"literature (review|survey)|state of the art")),
        ("results", (r"experiment|evaluat|result|benchmark|empirical|ablation|analys[ie]s|"
                     r"\bstud(y|ies)\b|findings|performance|comparison|validation|deployment|"
                     r"case stud")),
        ("method", (r"method|approach|model|system|design|framework|architecture|algorithm|"
                    r"proposed|implementation|pipeline|formulation|technique|\bour\b|training|"
                    r"dataset|data collection|construction|protocol")),
)  # fmt: skip
_RULES = tuple((kind, re.compile(rx, re.IGNORECASE)) for kind, rx in _PATTERNS)
_DISCUSSION = re.compile(r"discussion", re.IGNORECASE)


def classify(title: str) -> Kind:
    """The kind a heading names by itself (``other`` when it names none)."""
    for kind, rx in _RULES:
        if rx.search(title):
            return kind
    if _DISCUSSION.search(title):
        return "conclusion"
    return "other"


RawSection = tuple[str, str, str, "Kind | None"]  # number, title, text, kind known from markup


def make_sections(raw: Iterable[RawSection]) -> tuple[Section, ...]:
    """Give top-level sections their kinds, in context: everything after the references is an
    appendix; "Discussion" is the conclusion only when there is no other; when no heading names
    the method, the first unnamed body section after the introduction is taken for it."""
    items = [(num, title.strip(), text.strip(), hint) for num, title, text, hint in raw]
    kinds: list[Kind] = []
    seen_refs = False
    for num, title, _, hint in items:
        kind = hint or classify(title)
        if seen_refs and kind not in ("references", "back_matter"):
            kind = "appendix"
        if kind == "references":
            seen_refs = True
        kinds.append(kind)
    conclusions = [
        i
        for i, (_, t, _, h) in enumerate(items)
        if kinds[i] == "conclusion" and h is None and not _DISCUSSION.search(t)
    ]
    for i, (_, title, _, hint) in enumerate(items):
        if hint is None and kinds[i] == "conclusion" and _DISCUSSION.search(title) and conclusions:
            kinds[i] = "results"
    if (
        items
        and kinds[0] == "other"
        and not items[0][0]
        and not items[0][1]
        and "intro" not in kinds
    ):
        kinds[0] = "intro"  # untitled text before the first heading (Nature-style papers)
    if "method" not in kinds and "intro" in kinds:
        for i in range(kinds.index("intro") + 1, len(kinds)):
            if kinds[i] in ("results", "conclusion", "limitations", "references", "appendix"):
                break
            if kinds[i] == "other" and items[i][2]:
                kinds[i] = "method"
                break
    return tuple(
        Section(number=num, title=title, kind=kind, text=text)
        for (num, title, text, _), kind in zip(items, kinds)
        if title or text
    )


# -- PDF lines to sections ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextLine:
    """A line of a PDF page in reading order, with the layout facts heading detection needs.

    Running headers, captions, text inside figures, footnotes and the page-1 front matter are
    left out by ``pdf_text`` before lines get here.
    """

    text: str
    page: int  # 0-based
    styled: bool = False  # bold at both ends, bigger than body text, or mostly capitals
    bold: bool = False  # starts in a bold font
    bigger: bool = False  # clearly bigger than body text
    alone: bool = True  # nothing else on its row within its column (not a table cell)
    par_end: bool = False  # a short line that ends a sentence: a paragraph ends here


_NUM = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>[A-Z][^\n]{1,90})$")
_ROMAN = re.compile(r"^(?P<num>[IVX]{1,5})\.\s+(?P<title>[A-Z][^\n]{1,90})$")
_LETTER = re.compile(r"^(?P<num>[A-H](?:\.\d{1,2}){0,2})\.?\s+(?P<title>[A-Z][^\n]{1,90})$")
_PLAIN = re.compile(
    r"^(abstract|introduction|related work|background|preliminaries|methods?|methodology|"
    r"approach|materials and methods|online methods|experiments?|experimental setup|"
    r"evaluation|results|results and discussion|discussion|conclusions?|concluding remarks|"
    r"conclusions? and future work|summary|limitations|future work|acknowledge?ments?|"
    r"references|bibliography|appendix|appendices|ethics statement|broader impacts?)\s*:?$",
    re.IGNORECASE,
)
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}


def _roman(numeral: str) -> int:
    total = 0
    for a, b in zip(numeral, numeral[1:] + " "):
        value = _ROMAN_VALUES[a]
        total += -value if b != " " and _ROMAN_VALUES[b] > value else value
    return total


@dataclass(slots=True)
class _Heading:
    style: str  # num | roman | letter | plain | styled
    number: str
    title: str


def _heading(line: TextLine) -> _Heading | None:
    """The heading this line is, by its pattern and style, before any numbering checks."""
    t = line.text.replace("\u00ad", "").strip()
    if not 3 <= len(t) <= 90:
        return None
    if t.endswith((".", ",", ";")) and not _PLAIN.match(t.rstrip(".")):
        return None
    for rx, style in ((_NUM, "num"), (_ROMAN, "roman"), (_LETTER, "letter")):
        if m := rx.match(t):
            title = m.group("title").strip()
            if re.search(r"\d{2,}|[=<>%]|\bet al\b", title) or len(title.split()) > 12:
                return None
            if style == "num" and int(m.group("num").split(".")[0]) > 20:
                return None
            return _Heading(style, m.group("num"), title) if line.styled else None
    if _PLAIN.match(t) and line.alone and line.styled:
        return _Heading("plain", "", t.rstrip(":").strip())
    if line.alone and line.bigger and line.bold and len(t.split()) <= 8 and t[:1].isupper():
        return _Heading("styled", "", t)
    return None


def join_lines(lines: Iterable[str]) -> str:
    """Join text lines into running text: soft hyphens join words, spaces elsewhere."""
    out = ""
    for raw in lines:
        t = raw.strip()
        if not t:
            continue
        if out.endswith("\u00ad"):
            out = out[:-1] + t
        elif out:
            out += " " + t
        else:
            out = t
    return out.replace("\u00ad", "")


def split_lines(lines: Sequence[TextLine]) -> tuple[Section, ...]:
    """Sections of a PDF's body lines: numbered headings (``3``, ``3.2``, ``IV.``, appendix
    ``A``), named ones (``References``) and, in papers without numbers, bold bigger lines.

    Top-level numbers must rise by 1-3 (this rejects list items such as "2 days"); a
    subsection must belong to the current section. Text before the first heading becomes an
    untitled section (the introduction of papers that have no such heading).
    """
    found = [(_heading(line), line) for line in lines]
    numbered = sum(1 for h, _ in found if h and h.style in ("num", "roman") and "." not in h.number)
    roman = any(h and h.style == "roman" for h, _ in found)
    sections = [_Open("", "", None)]
    last_top = 0
    fresh = False  # the current heading has no text yet (a second heading line may follow)
    for h, line in found:
        level = None
        if h is not None:
            if h.style in ("num", "roman"):
                top = int(h.number.split(".")[0]) if h.style == "num" else _roman(h.number)
                if "." in h.number:
                    level = "sub" if top == last_top else None
                elif last_top < top <= last_top + 3:
                    level, last_top = "top", top
            elif h.style == "letter":
                level = "sub" if roman else ("top" if last_top else None)
            elif h.style == "plain":
                level = "top"
            elif h.style == "styled":
                level = "sub" if numbered >= 2 else "top"
        current = sections[-1]
        if h is not None and level == "top":
            sections.append(_Open(h.number, h.title, "appendix" if h.style == "letter" else None))
            fresh = True
            continue
        if h is not None and level == "sub":
            current.paragraph_break()
            current.paragraphs[-1].append(f"{h.number} {h.title}".strip())
            current.paragraphs.append([])
            continue
        text = line.text.strip()
        if (
            fresh
            and line.styled
            and len(text.split()) <= 8
            and not re.search(r"[.:;!?]$", text)
            and (text.isupper() or line.bold)
            and len(sections) > 1
        ):  # a heading's second line: "2 CHARACTERIZING EXPOSITORY" / "WRITING"
            current.title = f"{current.title} {text}"
            continue
        fresh = False
        current.paragraphs[-1].append(line.text)
        if line.par_end:
            current.paragraphs.append([])
    raw: list[RawSection] = [s.raw() for s in sections]
    if len(raw[0][2]) < 200:  # nothing, or debris (a stray e-mail line) before the first heading
        raw.pop(0)
    return make_sections(raw)


@dataclass(slots=True)
class _Open:
    """A section while its lines are collected."""

    number: str
    title: str
    hint: Kind | None
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])

    def paragraph_break(self) -> None:
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    def raw(self) -> RawSection:
        text = "\n\n".join(j for p in self.paragraphs if (j := join_lines(p)))
        return (self.number, self.title, text, self.hint)


# -- the excerpt -------------------------------------------------------------------------------

_TIER: dict[str, int] = {
    "intro": 0, "method": 0, "results": 0, "conclusion": 0,
    "limitations": 1, "other": 2, "related": 3, "appendix": 4,
}  # fmt: skip
_MIN_SECTION_TOKENS = 40  # less than this of a section is not worth its heading
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[A-Z0-9])")
_ELLIPSIS = " …"


def estimate_tokens(text: str) -> int:
    """About how many tokens ``text`` is for a BPE model: 4 ASCII characters per token (the
    usual rule for English prose), one per other character (CJK, math symbols), rounded up."""
    other = sum(1 for ch in text if ord(ch) > 127)
    return math.ceil((len(text) - other) / 4 + other)


def _fit(text: str, budget: int) -> str:
    """At most ``budget`` tokens of ``text``: the leading sentences of every paragraph (first
    sentences first, so a long section is covered end to end), cut paragraphs marked ``…``."""
    paragraphs = [_SENTENCE.split(p.strip()) for p in text.split("\n\n") if p.strip()]
    taken = [0] * len(paragraphs)
    open_ = set(range(len(paragraphs)))
    used = 0
    while open_:
        for i in sorted(open_):
            sentences = paragraphs[i]
            if taken[i] >= len(sentences):
                open_.discard(i)
                continue
            cost = estimate_tokens(sentences[taken[i]]) + 1
            if taken[i] == 0:
                cost += 1 + estimate_tokens(_ELLIPSIS)  # paragraph break and a possible "…"
            if used + cost > budget:
                open_.discard(i)
                continue
            taken[i] += 1
            used += cost
    out = []
    for sentences, n in zip(paragraphs, taken):
        if n:
            out.append(" ".join(sentences[:n]) + (_ELLIPSIS if n < len(sentences) else ""))
    if not out and paragraphs:  # one sentence longer than the whole budget: cut it at a word
        words = " ".join(paragraphs[0]).split(" ")
        piece = ""
        for word in words:
            candidate = f"{piece} {word}".strip()
            if estimate_tokens(candidate + _ELLIPSIS) > budget:
                break
            piece = candidate
        return piece + _ELLIPSIS if piece else ""
    return "\n\n".join(out)


def _header(section: Section) -> str:
    return f"## {section.heading}"


def build_excerpt(sections: Sequence[Section], budget_tokens: int) -> str:
    """One excerpt of the paper within ``budget_tokens`` (by ``estimate_tokens``), sections in
    reading order under ``## 3 Method`` headings.

    The budget goes to intro, method, results and conclusion first (shared max-min fairly:
    short sections whole, long ones an equal share), then limitations, then other body
    sections, then related work, then appendices. References, the abstract and back matter
    (acknowledgements, funding, checklists) are never included. Empty when nothing fits.
    """
    chosen = [(i, s) for i, s in enumerate(sections) if s.kind in _TIER and s.text.strip()]
    need = {i: estimate_tokens(s.text) + estimate_tokens(_header(s)) + 2 for i, s in chosen}
    alloc: dict[int, int] = {}
    remaining = max(0, budget_tokens)
    for tier in sorted(set(_TIER.values())):
        pending = sorted((i for i, s in chosen if _TIER[s.kind] == tier), key=need.__getitem__)
        while pending and remaining >= _MIN_SECTION_TOKENS:
            share = remaining // len(pending)
            first = pending[0]
            if need[first] <= share:
                alloc[first] = need[first]
                remaining -= need[first]
                pending.pop(0)
                continue
            if share < _MIN_SECTION_TOKENS:  # too many sections: the earliest ones get room
                pending.sort()
                share = _MIN_SECTION_TOKENS
            for i in pending:
                if remaining < _MIN_SECTION_TOKENS:
                    break
                alloc[i] = min(share, remaining)
                remaining -= alloc[i]
            break
    parts: list[str] = []
    for i, section in chosen:
        room = alloc.get(i, 0) - estimate_tokens(_header(section)) - 2
        if room < _MIN_SECTION_TOKENS // 2:
            continue
        text = section.text if need[i] <= alloc[i] else _fit(section.text, room)
        if text:
            parts.append(f"{_header(section)}\n{text}")
    excerpt = "\n\n".join(parts)
    while parts and estimate_tokens(excerpt) > budget_tokens:  # rounding: shave the longest
        longest = max(range(len(parts)), key=lambda k: len(parts[k]))
        head, _, body = parts[longest].partition("\n")
        body = _fit(
            body, max(0, estimate_tokens(body) - 8 - estimate_tokens(excerpt) + budget_tokens)
        )
        if body:
            parts[longest] = f"{head}\n{body}"
        else:
            parts.pop(longest)
        excerpt = "\n\n".join(parts)
    return excerpt
