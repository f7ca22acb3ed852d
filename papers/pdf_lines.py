"""Text lines of PDF pages and the layout statistics that both PDF readers share (pypdfium2).

:mod:`papers.pdf_text` (sections for summaries) and :mod:`papers.pdf_layout` (figure crops) read
pages by the research prototype's rules (shared/research/figures.md): lines from PDFium's own
character order, split at wide gaps; the body font size; running headers and footers; one or two
columns; caption blocks; body lines and the short lines that continue their paragraphs. Each
reader adds its own rules on top. Where the two readers have always differed, the difference is
a parameter here rather than a second copy of the code.

PDFium is imported only when a page is read: ``pdf_text`` is imported by the bot process,
which must not load PDFium (it runs in the worker). Coordinates are PDF user space: points,
origin bottom-left, y growing upwards; a box is ``(x0, y0, x1, y1)``.
"""

from __future__ import annotations

import collections
import ctypes
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import pypdfium2 as pdfium

__all__ = [
    "BOLD_NAMES",
    "CAPTION_RE",
    "Box",
    "CaptionLabel",
    "Line",
    "TextBlock",
    "body_font_size",
    "caption_block",
    "caption_label",
    "mark_body",
    "page_lines",
    "text_columns",
]

CAPTION_RE = re.compile(
    r"^\s*(?P<kind>Figure|Fig\.|Fig|FIGURE|FIG\.|FIG|Table|TABLE|Tab\.)\s*"
    r"(?P<num>(?:S|A|B|C|D|E)?\.?\d+[a-z]?)\s*(?P<punct>[:.|\u2014\u2013\-]|\s|$)"
)
# Font names of bold faces (weight is often not recorded): Computer Modern bold extended (cmbx),
# Linux Biolinum bold (ACM), "-Bd" / "Medi" / "Semibold" / "Black" / "Heavy" / "SB" styles.
BOLD_NAMES = ("bold", "cmbx", "medi", "black", "heavy", "-bd", "semibold", "biolinumtb", "sb")
_SOFT_HYPHENS = str.maketrans({"\x02": "\u00ad", "\ufffe": "\u00ad"})  # PDFium's marks
_SPLIT_GAP = 10.0  # points: a wider horizontal gap splits a row (the gutter between columns)
_PAGE_NUMBER = re.compile(r"[\d\-– ]{1,9}")

Box = tuple[float, float, float, float]
# A character as read: left, bottom, right, top, the character, its index (-1: an inserted space).
_Char = tuple[float, float, float, float, str, int]


@dataclass(slots=True, eq=False)
class Line:
    """One text line: a run of characters on one row within one column."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float  # height of the tight box: PDFium's font size is unreliable (1.0 or 221)
    bold: bool = False  # the first letter or digit's font is bold
    bold_end: bool = False  # the last letter or digit's font is bold
    kind: str = "text"  # text | body | header | caption | heading | figtext | small | front
    order: int = 0  # position in PDFium's reading order on the page

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def box(self) -> Box:
        return (self.x0, self.y0, self.x1, self.y1)


# -- reading a page -------------------------------------------------------------------------------


def page_lines(
    page: pdfium.PdfPage,
    *,
    max_chars: int | None,
    controls_as_spaces: bool,
    bold_names: Sequence[str] = BOLD_NAMES,
) -> list[Line]:
    """The page's lines in PDFium's reading order: split at its line breaks and at wide gaps.

    Characters are read one by one with ``FPDFText_GetUnicode``: slicing the page text would
    shift boxes after astral-plane characters (math italics), whose index counts differ. Soft
    hyphens (PDFium's 0x02 or U+FFFE) become U+00AD so that words broken across lines can be
    joined. ``max_chars`` bounds the characters read (a hostile page). With
    ``controls_as_spaces`` the other control characters, CR included, separate words; without,
    a CR is dropped and the rest are kept as characters.
    """
    from pypdfium2 import raw

    textpage = page.get_textpage()
    try:
        handle = textpage.raw
        n = raw.FPDFText_CountChars(handle)
        if max_chars is not None:
            n = min(n, max_chars)
        if n <= 0:
            return []
        font_name = ctypes.create_string_buffer(256)
        font_flags = ctypes.c_int(0)

        def is_bold(index: int) -> bool:
            if raw.FPDFText_GetFontWeight(handle, index) >= 600:
                return True
            raw.FPDFText_GetFontInfo(handle, index, font_name, 256, ctypes.byref(font_flags))
            name = font_name.value.decode("latin-1", "replace").lower()
            return any(k in name for k in bold_names)

        lines: list[Line] = []
        for part in _parts(_rows(handle, n, controls_as_spaces)):
            inked = [c for c in part if c[2] > c[0] or c[3] > c[1]]
            text = re.sub(r"\s+", " ", "".join(c[4] for c in part).translate(_SOFT_HYPHENS))
            text = text.strip()
            if not text or not inked:
                continue
            x0, y0 = min(c[0] for c in inked), min(c[1] for c in inked)
            x1, y1 = max(c[2] for c in inked), max(c[3] for c in inked)
            line = Line(x0, y0, x1, y1, text, round(y1 - y0, 1), order=len(lines))
            first = next((c[5] for c in part if c[5] >= 0 and c[4].isalnum()), -1)
            if first >= 0:  # then there is a last one too
                last = next(c[5] for c in reversed(part) if c[5] >= 0 and c[4].isalnum())
                line.bold = is_bold(first)
                line.bold_end = line.bold if last == first else is_bold(last)
            lines.append(line)
        return lines
    finally:
        textpage.close()


def _rows(handle: Any, n: int, controls_as_spaces: bool) -> Iterable[list[_Char]]:
    """The characters between PDFium's line breaks; white space becomes one zero-width space
    after the previous character, to keep words apart."""
    from pypdfium2 import raw

    get_unicode = raw.FPDFText_GetUnicode
    get_box = raw.FPDFText_GetCharBox
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    current: list[_Char] = []
    high_surrogate = None
    for i in range(n):
        u = get_unicode(handle, i)
        if 0xD800 <= u <= 0xDBFF:  # a high surrogate: combine with the next unit
            high_surrogate = u
            continue
        if 0xDC00 <= u <= 0xDFFF and high_surrogate is not None:
            u = 0x10000 + ((high_surrogate - 0xD800) << 10) + (u - 0xDC00)
        high_surrogate = None
        ch = chr(u) if 0 < u <= 0x10FFFF else ""
        if ch == "\n":
            if current:
                yield current
                current = []
            continue
        if ch == "\r" and not controls_as_spaces:
            continue
        if not ch or ch.isspace() or (controls_as_spaces and u < 0x20 and u != 0x02):
            if current and current[-1][4] != " ":
                p = current[-1]
                current.append((p[2], p[1], p[2], p[3], " ", -1))
            continue
        get_box(handle, i, left, right, bottom, top)
        current.append((left.value, bottom.value, right.value, top.value, ch, i))
    if current:
        yield current


def _parts(rows: Iterable[list[_Char]]) -> Iterable[list[_Char]]:
    """Each row split at wide horizontal gaps and backward jumps: the two columns of a row."""
    for row in rows:
        part = [row[0]]
        for c in row[1:]:
            prev = part[-1]
            h = max(prev[3] - prev[1], c[3] - c[1], 1)
            if c[0] - prev[2] > max(_SPLIT_GAP, 1.5 * h) or prev[0] - c[2] > 2 * h:
                yield part
                part = [c]
            else:
                part.append(c)
        yield part


# -- document statistics --------------------------------------------------------------------------


def body_font_size(pages: Iterable[Sequence[Line]]) -> float:
    """The body font size: the (half-point) line height that carries the most characters."""
    sizes: collections.Counter[float] = collections.Counter()
    for lines in pages:
        for line in lines:
            if len(line.text) >= 20:
                sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 8.0


def _header_key(line: Line) -> tuple[str, int]:
    return re.sub(r"\d+", "#", line.text.lower()).strip(), round(line.y0 / 4)


class TextBlock:
    """The text block's top and bottom, and the running headers and footers outside it."""

    def __init__(
        self,
        pages: Sequence[Sequence[Line]],
        body_size: float,
        default: tuple[float, float],
    ) -> None:
        """``default``: (top, bottom) when no page has wide body-size lines."""
        self._pages = len(pages)
        self._seen: collections.Counter[tuple[str, int]] = collections.Counter()
        for lines in pages:
            self._seen.update({_header_key(line) for line in lines})
        self._need = max(2.0, 0.25 * len(pages))
        # From wide body-size lines on pages 2..n (page 1 has the title block and footnotes).
        # The max, not a percentile: many pages start with a figure (Nature).
        tops, bottoms = [], []
        for lines in pages[1:] if len(pages) > 2 else pages:
            body = [
                line
                for line in lines
                if len(line.text) >= 30
                and abs(line.size - body_size) <= 1.0
                and not self.repeated(line)
            ]
            if body:
                tops.append(max(line.y1 for line in body))
                bottoms.append(min(line.y0 for line in body))
        self.top = max(tops) if tops else default[0]
        self.bottom = min(bottoms) if bottoms else default[1]

    def repeated(self, line: Line) -> bool:
        """Text (digits ignored) at the same height on at least a quarter of the pages."""
        return (
            self._pages >= 3
            and len(line.text.strip()) >= 3
            and self._seen[_header_key(line)] >= self._need
            and not CAPTION_RE.match(line.text)
        )

    def running(self, line: Line) -> bool:
        """A running header or footer: repeated text or a page number, outside the text block."""
        outside = line.y0 >= self.top + 1 or line.y1 <= self.bottom - 1
        return outside and (self.repeated(line) or _PAGE_NUMBER.fullmatch(line.text) is not None)


def text_columns(
    pages: Iterable[Sequence[Line]], body_size: float, x_origin: float, width: float
) -> list[tuple[float, float]]:
    """The text columns' x-ranges: two when many body lines sit wholly left and wholly right
    of the page's middle, else one (5th and 95th percentiles of the lines' edges)."""
    mid = x_origin + width / 2
    left, right, span = [], [], []
    for lines in pages:
        for line in lines:
            if line.kind == "header" or len(line.text) < 25 or abs(line.size - body_size) > 1.0:
                continue
            if line.x1 < mid + 5:
                left.append(line)
            elif line.x0 > mid - 5:
                right.append(line)
            else:
                span.append(line)
    if len(left) > 40 and len(right) > 40 and len(span) < 0.5 * (len(left) + len(right)):
        return [
            (_quantile([x.x0 for x in left], 0.05), _quantile([x.x1 for x in left], 0.95)),
            (_quantile([x.x0 for x in right], 0.05), _quantile([x.x1 for x in right], 0.95)),
        ]
    every = left + right + span
    if not every:
        return [(x_origin + 50, x_origin + width - 50)]
    return [(_quantile([x.x0 for x in every], 0.05), _quantile([x.x1 for x in every], 0.95))]


def _quantile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[int(fraction * (len(ordered) - 1))]


# -- captions -------------------------------------------------------------------------------------


class CaptionLabel(NamedTuple):
    """The label that starts a caption: "Figure 3:", "Fig. 3.", "TABLE 2 |", "Figure 1 Title"."""

    kind: str  # as printed: Figure, Fig., FIG, Table, Tab. ...
    number: str  # as printed: "1", "S2", "A.3", "4b"
    punct: str  # what follows the number: ":", ".", "|", a dash, a space or nothing
    strong: bool  # punctuation after the number, not just a space
    rest: str  # the line after the label


def caption_label(line: Line, body_size: float) -> CaptionLabel | None:
    """The line's caption label, or None: no label, a tiny one inside a figure, or a reference
    in running text ("(Fig. 3a, b)", "Fig. 3a – c)", "Fig. 3. shows")."""
    m = CAPTION_RE.match(line.text)
    if not m or line.size < 0.7 * body_size:
        return None
    punct = m["punct"]
    rest = line.text[m.end() :].strip()
    if rest[:1] in (")", ",", ";") or rest[:2] in ("- ", "– "):
        return None
    strong = punct not in ("", "-") and not punct.isspace()
    if strong and punct == "." and rest[:1].islower():
        return None
    return CaptionLabel(m["kind"], m["num"], punct, strong, rest)


def caption_block(
    label: Line, following: Iterable[Line], body_size: float, column_width: float
) -> list[Line]:
    """A caption's lines: its label line and the lines closely below it in the same column.

    ``following``: the page's lines after the label, top to bottom.
    """
    block, last = [label], label
    x0, x1 = label.x0, label.x1
    for nxt in following:
        if nxt.y1 > last.y0 + 1:
            continue  # on a row already taken (the other column, figure labels)
        gap = last.y0 - nxt.y1
        inside = nxt.x0 >= x0 - 15 and nxt.x1 <= max(x1, label.x0 + 0.6 * column_width) + 15
        if gap > 0.9 * max(label.size, body_size) + 1.5:
            if not inside:
                continue  # the other column; keep looking
            break
        if inside and not CAPTION_RE.match(nxt.text):
            block.append(nxt)
            last = nxt
            x0, x1 = min(x0, nxt.x0), max(x1, nxt.x1)
    return block


# -- body text ------------------------------------------------------------------------------------


def mark_body(
    lines: Sequence[Line],
    solid: Iterable[Box],
    body_size: float,
    column_width: float,
    other_kind: Callable[[Line], str | None],
) -> None:
    """Give the page's unmarked lines a kind: text drawn inside an image or form (``solid``) is
    "figtext"; wide body-size lines are "body"; ``other_kind`` names what else a line is
    (headings, small print); short body-size lines that continue a paragraph (its last line, an
    indented first line) are body text too."""
    solid = list(solid)
    bs = body_size
    candidates = []
    for line in lines:
        if line.kind != "text":
            continue
        cx, cy = line.cx, line.cy
        if any(b[0] - 2 <= cx <= b[2] + 2 and b[1] - 2 <= cy <= b[3] + 2 for b in solid):
            line.kind = "figtext"
        elif abs(line.size - bs) <= 1.0 and line.w >= 0.6 * column_width and len(line.text) >= 30:
            line.kind = "body"
        elif kind := other_kind(line):
            line.kind = kind
        else:
            candidates.append(line)
    # Repeated until nothing changes: a paragraph of short lines joins line by line.
    body = [b for b in lines if b.kind == "body"]
    changed = True
    while changed:
        changed = False
        for line in candidates:
            if line.kind != "text" or abs(line.size - bs) > 1.0:
                continue
            for b in body:
                above, below = b.y0 - line.y1, line.y0 - b.y1
                if (
                    (0 <= above <= 0.8 * bs or 0 <= below <= 0.8 * bs)
                    and abs(b.x0 - line.x0) <= 12
                    and min(b.x1, line.x1) > max(b.x0, line.x0)
                ):
                    line.kind = "body"
                    body.append(line)
                    changed = True
                    break
