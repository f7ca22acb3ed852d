"""A PDF's text in reading order, split into sections, with the page-1 front matter (pypdfium2).

Runs inside the worker process (``papers.pdf_worker``): PDFium is not thread-safe, and a hostile
file must not be able to hang or crash the bot. ``parse_pdf`` is the job; it reads at most
``max_pages`` pages. The layout rules are the research prototype's (shared/research/figures.md
§2 and §5): lines from PDFium's own character order, split at wide gaps; the body font size;
running headers (repeated text outside the text block); captions, text inside figures and
footnotes left out; headings found by ``sections.split_lines``.

Coordinates are PDF user space (origin bottom-left, y grows upwards).
"""

from __future__ import annotations

import collections
import ctypes
import re
import statistics
from dataclasses import dataclass, field
from typing import Any

from papers.errors import PapersError
from papers.sections import Section, TextLine, split_lines

__all__ = [
    "PdfEncrypted",
    "PdfError",
    "PdfNoText",
    "PdfPaper",
    "PdfUnreadable",
    "parse_pdf",
]

_MIN_TEXT_CHARS = 200  # fewer characters than this in the pages read: an image-only PDF
_URL = re.compile(r"https?://[^\s<>\"'\])}]+[^\s<>\"'\])}.,;:]")
_CAPTION = re.compile(
    r"^\s*(?P<kind>Figure|Fig\.|Fig|FIGURE|FIG\.|FIG|Table|TABLE|Tab\.)\s*"
    r"(?P<num>(?:S|A|B|C|D|E)?\.?\d+[a-z]?)\s*(?P<punct>[:.|\u2014\u2013\-]|\s|$)"
)
_ABSTRACT = re.compile(r"^(abstract|a b s t r a c t)\b", re.IGNORECASE)
_AFFILIATION = re.compile(
    r"universit|institut|college|school|department|dept\.|laborator|\blab\b|centre|center|"
    r"research|hospital|academy|\binc\b|\bcorp|\bltd\b|gmbh|google|microsoft|\bmeta\b|deepmind|"
    r"openai|amazon|nvidia|\bibm\b|alibaba|tencent|huawei|polytechn|école|ecole|\beth\b|epfl|"
    r"max planck|faculty|foundation|\bcnrs\b|inria",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ARXIV_STAMP = re.compile(r"^arXiv:\s?\S+\s*\[[\w.\-]+\]\s+\d{1,2} \w{3} \d{4}$")  # the side stamp
_NUMBER_ONLY = re.compile(r"(\d{1,2}(\.\d{1,2}){0,3}|[IVX]{1,5}\.|[A-H](\.\d{1,2}){0,2})\.?")
_BOLD_NAMES = ("bold", "cmbx", "medi", "black", "heavy", "-bd", "semibold", "biolinumtb")


class PdfError(PapersError):
    """The PDF cannot give us text; ``str(error)`` says why in words for the card's note."""


class PdfUnreadable(PdfError):
    """Empty, truncated, corrupt, or not a PDF at all."""


class PdfEncrypted(PdfError):
    """Protected by a password we do not have."""


class PdfNoText(PdfError):
    """Pages of images (a scan) without a text layer."""


@dataclass(frozen=True, slots=True)
class PdfPaper:
    """What a PDF gave: sections of its first ``pages_read`` pages, and page 1's front matter."""

    page_count: int
    pages_read: int
    sections: tuple[Section, ...]
    front_matter: str  # title, authors, affiliations, e-mails: lines above the abstract
    links: tuple[str, ...] = ()  # URLs in the text, the references' excepted


@dataclass(slots=True)
class _Line:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float  # height of the tight text box, a proxy for the font size
    order: int = 0  # PDFium's reading order on the page
    bold_start: bool = False
    bold_end: bool = False
    kind: str = "text"  # text | body | header | caption | figtext | small | front | heading

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def w(self) -> float:
        return self.x1 - self.x0


@dataclass(slots=True)
class _Page:
    index: int
    width: float
    height: float
    lines: list[_Line]
    solid: list[tuple[float, float, float, float]] = field(default_factory=list)


def parse_pdf(source: bytes | str, max_pages: int) -> PdfPaper:
    """Sections and front matter of a PDF (bytes, or a file path), its first ``max_pages``.

    Raises PdfUnreadable, PdfEncrypted or PdfNoText; nothing else is expected.
    """
    import pypdfium2 as pdfium  # here, not at import time: only the worker process loads PDFium

    try:
        pdf = pdfium.PdfDocument(source)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PdfEncrypted("the PDF is password-protected") from None
        raise PdfUnreadable("the PDF could not be read") from None
    try:
        page_count = len(pdf)
        if page_count <= 0:
            raise PdfUnreadable("the PDF could not be read")
        pages = [_read_page(pdf, i) for i in range(min(page_count, max(1, max_pages)))]
    except pdfium.PdfiumError:
        raise PdfUnreadable("the PDF could not be read") from None
    finally:
        pdf.close()
    if sum(len(line.text) for p in pages for line in p.lines) < _MIN_TEXT_CHARS:
        raise PdfNoText("the PDF has no text layer (scanned pages)")
    layout = _Layout(pages)
    front = layout.front_matter()
    sections = split_lines(layout.body_lines())
    return PdfPaper(
        page_count=page_count,
        pages_read=len(pages),
        sections=sections,
        front_matter=front,
        links=_links(pages, sections),
    )


# -- one page ----------------------------------------------------------------------------------


def _read_page(pdf: Any, index: int) -> _Page:
    from pypdfium2 import raw

    page = pdf[index]
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            lines = _lines(textpage, raw)
        finally:
            textpage.close()
        solid = []
        for obj in page.get_objects(max_depth=0):
            if obj.type not in (raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_FORM):
                continue
            x0, y0, x1, y1 = obj.get_bounds()
            x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
            if x1 - x0 < 5 or y1 - y0 < 5 or (x1 - x0) * (y1 - y0) > 0.5 * width * height:
                continue  # specks, and page-sized wrappers that hold the whole page
            solid.append((x0, y0, x1, y1))
        return _Page(index, width, height, lines, solid)
    finally:
        page.close()


def _is_bold(raw: Any, textpage: Any, index: int) -> bool:
    if raw.FPDFText_GetFontWeight(textpage, index) >= 600:
        return True
    buf = ctypes.create_string_buffer(128)
    flags = ctypes.c_int(0)
    raw.FPDFText_GetFontInfo(textpage, index, buf, 128, ctypes.byref(flags))
    name = buf.value.decode("latin-1", "replace").lower()
    return any(k in name for k in _BOLD_NAMES)


def _lines(textpage: Any, raw: Any, split_gap: float = 10.0) -> list[_Line]:
    """Lines in PDFium's reading order: split at its line breaks and at wide horizontal gaps.

    Characters are read one by one with FPDFText_GetUnicode (slicing the page text would shift
    boxes after astral-plane characters such as math italics); soft hyphens (PDFium's 0x02 or
    U+FFFE) become U+00AD so that words broken across lines can be joined.
    """
    n = textpage.count_chars()
    if n <= 0:
        return []
    tp = textpage.raw
    left, right, bottom, top = (
        ctypes.c_double(),
        ctypes.c_double(),
        ctypes.c_double(),
        ctypes.c_double(),
    )
    lines: list[_Line] = []
    current: list[tuple[float, float, float, float, str, int]] = []

    def flush() -> None:
        if not current:
            return
        parts, part = [], [current[0]]
        for c in current[1:]:
            prev = part[-1]
            h = max(prev[3] - prev[1], c[3] - c[1], 1)
            if c[0] - prev[2] > max(split_gap, 1.5 * h) or prev[0] - c[2] > 2 * h:
                parts.append(part)
                part = [c]
            else:
                part.append(c)
        parts.append(part)
        for part in parts:
            boxes = [c for c in part if c[2] > c[0] or c[3] > c[1]]
            text = "".join(c[4] for c in part).replace("\x02", "\u00ad").replace("\ufffe", "\u00ad")
            text = re.sub(r"\s+", " ", text).strip()
            if not text or not boxes:
                continue
            glyphs = [c[5] for c in part if c[5] >= 0 and c[4].isalnum()]
            line = _Line(
                min(c[0] for c in boxes), min(c[1] for c in boxes),
                max(c[2] for c in boxes), max(c[3] for c in boxes),
                text, 0.0,
            )  # fmt: skip
            line.size = round(line.y1 - line.y0, 1)
            if glyphs:
                line.bold_start = _is_bold(raw, tp, glyphs[0])
                line.bold_end = _is_bold(raw, tp, glyphs[-1])
            lines.append(line)
        current.clear()

    pending_high = None
    for i in range(n):
        u = raw.FPDFText_GetUnicode(tp, i)
        if 0xD800 <= u <= 0xDBFF:  # a high surrogate: combine with the next unit
            pending_high = u
            continue
        if 0xDC00 <= u <= 0xDFFF and pending_high is not None:
            u = 0x10000 + ((pending_high - 0xD800) << 10) + (u - 0xDC00)
        pending_high = None
        ch = chr(u) if u else ""
        if ch in ("\r", "\n"):
            if ch == "\n":
                flush()
            continue
        if not ch or ch.isspace():
            if current and current[-1][4] != " ":
                p = current[-1]
                current.append((p[2], p[1], p[2], p[3], " ", -1))  # keeps words apart
            continue
        raw.FPDFText_GetCharBox(
            tp, i, ctypes.byref(left), ctypes.byref(right), ctypes.byref(bottom), ctypes.byref(top)
        )
        current.append((left.value, bottom.value, right.value, top.value, ch, i))
    flush()
    for k, line in enumerate(lines):
        line.order = k
    return lines


# -- the document's layout ---------------------------------------------------------------------


def _normalize(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


class _Layout:
    """Document-wide statistics and the kind of every line."""

    def __init__(self, pages: list[_Page]) -> None:
        self.pages = pages
        sizes: collections.Counter[float] = collections.Counter()
        for p in pages:
            for line in p.lines:
                if len(line.text) >= 20:
                    sizes[round(line.size * 2) / 2] += len(line.text)
        self.body_size = sizes.most_common(1)[0][0] if sizes else 8.0
        self._headers()
        self._columns()
        for p in pages:
            self._merge_heading_numbers(p)
            self._captions(p)
            self._mark(p)

    def _headers(self) -> None:
        """Running headers and footers: repeated text outside the text block, page numbers."""
        pages = self.pages
        count: collections.Counter[tuple[str, int]] = collections.Counter()
        for p in pages:
            count.update({(_normalize(line.text), round(line.y0 / 4)) for line in p.lines})
        need = max(2, 0.25 * len(pages))

        def repeated(line: _Line) -> bool:
            return (len(pages) >= 3 and len(line.text.strip()) >= 3
                    and count[(_normalize(line.text), round(line.y0 / 4))] >= need
                    and not _CAPTION.match(line.text))  # fmt: skip

        tops, bottoms = [], []
        for p in pages[1:] if len(pages) > 2 else pages:  # page 1 has the title and footnotes
            body = [line for line in p.lines if len(line.text) >= 30
                    and abs(line.size - self.body_size) <= 1.0 and not repeated(line)]  # fmt: skip
            if body:
                tops.append(max(line.y1 for line in body))
                bottoms.append(min(line.y0 for line in body))
        height = pages[0].height if pages else 792
        self.text_top = max(tops) if tops else height * 0.92
        self.text_bottom = min(bottoms) if bottoms else height * 0.08
        for p in pages:
            for line in p.lines:
                outside = line.y0 >= self.text_top + 1 or line.y1 <= self.text_bottom - 1
                page_number = re.fullmatch(r"[\d\-– ]{1,9}", line.text)
                if (outside and (repeated(line) or page_number)) or _ARXIV_STAMP.match(line.text):
                    line.kind = "header"

    def _columns(self) -> None:
        self.mid: float | None = None  # the gutter's x on two-column pages
        width = statistics.median(p.width for p in self.pages) if self.pages else 612
        mid = width / 2
        left, right, span = [], [], []
        for p in self.pages:
            for line in p.lines:
                if (
                    line.kind == "header"
                    or len(line.text) < 25
                    or abs(line.size - self.body_size) > 1
                ):
                    continue
                if line.x1 < mid + 5:
                    left.append(line)
                elif line.x0 > mid - 5:
                    right.append(line)
                else:
                    span.append(line)
        self.two_col = (
            len(left) > 40 and len(right) > 40 and len(span) < 0.5 * (len(left) + len(right))
        )

        def q(values: list[float], f: float, default: float) -> float:
            return sorted(values)[int(f * (len(values) - 1))] if values else default

        if self.two_col:
            self.cols = [
                (q([x.x0 for x in left], 0.05, 50), q([x.x1 for x in left], 0.95, mid)),
                (q([x.x0 for x in right], 0.05, mid), q([x.x1 for x in right], 0.95, width - 50)),
            ]
            self.mid = (self.cols[0][1] + self.cols[1][0]) / 2
        else:
            every = left + right + span
            self.cols = [
                (q([x.x0 for x in every], 0.05, 50), q([x.x1 for x in every], 0.95, width - 50))
            ]
        self.col_w = statistics.mean(c[1] - c[0] for c in self.cols)

    def column(self, line: _Line) -> tuple[float, float]:
        if self.mid is None:
            return self.cols[0]
        if line.x0 < self.mid - 10 and line.x1 > self.mid + 10:
            return (self.cols[0][0], self.cols[1][1])
        return self.cols[0] if line.cx < self.mid else self.cols[1]

    def _merge_heading_numbers(self, p: _Page) -> None:
        """'1' + 'INTRODUCTION' on one row (PDFium splits them at the wide gap): one line."""
        drop: set[int] = set()
        for n in [x for x in p.lines if _NUMBER_ONLY.fullmatch(x.text.strip())]:
            best = None
            for line in p.lines:
                if line is n or id(line) in drop or line.kind == "header":
                    continue
                beside = (abs(line.cy - n.cy) < 0.6 * max(line.size, n.size)
                          and 0 <= line.x0 - n.x1 <= 30 and line.text[:1].isalpha())  # fmt: skip
                if beside and (best is None or line.x0 < best.x0):
                    best = line
            if best is not None:
                best.text = n.text.strip() + " " + best.text
                best.x0 = n.x0
                best.order = min(best.order, n.order)
                best.bold_start = best.bold_start or n.bold_start
                drop.add(id(n))
        if drop:
            p.lines[:] = [x for x in p.lines if id(x) not in drop]

    def _captions(self, p: _Page) -> None:
        """Figure and table captions: the label line and the lines of its block below it."""
        ordered = sorted(p.lines, key=lambda x: (-x.y1, x.x0))
        for i, line in enumerate(ordered):
            if line.kind != "text":
                continue
            m = _CAPTION.match(line.text)
            if not m or line.size < 0.7 * self.body_size:
                continue
            punct = m.group("punct")
            rest = line.text[m.end() :].strip()
            if rest[:1] in (")", ",", ";") or rest[:2] in ("- ", "– "):
                continue  # "(Fig. 3a, b)" is a reference in running text
            strong = punct not in ("", "-") and not punct.isspace()
            if strong and punct == "." and rest[:1].islower():
                continue  # "Fig. 3. shows"
            if not strong and not (line.bold_start and rest[:1].isupper()):
                continue
            line.kind = "caption"
            last, x0, x1 = line, line.x0, line.x1
            for nxt in ordered[i + 1 :]:
                if nxt.y1 > last.y0 + 1 or nxt.kind != "text":
                    continue
                gap = last.y0 - nxt.y1
                inside = nxt.x0 >= x0 - 15 and nxt.x1 <= max(x1, line.x0 + 0.6 * self.col_w) + 15
                if gap > 0.9 * max(line.size, self.body_size) + 1.5:
                    if not inside:
                        continue
                    break
                if inside and not _CAPTION.match(nxt.text):
                    nxt.kind = "caption"
                    last, x0, x1 = nxt, min(x0, nxt.x0), max(x1, nxt.x1)

    def _mark(self, p: _Page) -> None:
        """Body lines, text inside figures, small print; short lines continuing a paragraph."""
        bs = self.body_size
        candidates = []
        for line in p.lines:
            if line.kind != "text":
                continue
            if any(
                b[0] - 2 <= line.cx <= b[2] + 2 and b[1] - 2 <= line.cy <= b[3] + 2 for b in p.solid
            ):
                line.kind = "figtext"
            elif abs(line.size - bs) <= 1.0 and line.w >= 0.6 * self.col_w and len(line.text) >= 30:
                line.kind = "body"
            elif line.size < 0.7 * bs or (line.size < 0.85 * bs and line.y1 < 0.3 * p.height):
                line.kind = "small"  # footnotes, sub- and superscript debris, table print
            else:
                candidates.append(line)
        changed = True
        while changed:
            changed = False
            for line in candidates:
                if line.kind != "text" or abs(line.size - bs) > 1.0:
                    continue
                for b in p.lines:
                    if b.kind != "body":
                        continue
                    below, above = b.y0 - line.y1, line.y0 - b.y1
                    if ((0 <= below <= 0.8 * bs or 0 <= above <= 0.8 * bs)
                            and abs(b.x0 - line.x0) <= 12 and min(b.x1, line.x1) > max(b.x0, line.x0)):  # fmt: skip
                        line.kind = "body"
                        changed = True
                        break

    # -- outputs ---------------------------------------------------------------------------------

    def _front_end(self) -> float | None:
        """y of page 1's Abstract heading, or of its first body paragraph."""
        for line in sorted(self.pages[0].lines, key=lambda x: -x.y1):
            text = line.text.strip()
            if _ABSTRACT.match(text) or (line.kind == "body" and len(text) > 60):
                return line.y1
        return None

    def front_matter(self) -> str:
        """Title, authors, affiliations and e-mails: page 1 above the abstract, top down, and
        footnote-style affiliation lines at the bottom of page 1."""
        if not self.pages:
            return ""
        page = self.pages[0]
        stop = self._front_end()
        front = []
        for line in sorted(page.lines, key=lambda x: (-x.y1, x.x0)):
            if line.kind == "header":
                continue
            above = (
                stop is not None and line.y0 >= stop - 1 and not _ABSTRACT.match(line.text.strip())
            )
            mail = line.kind != "body" and line.y0 > page.height / 2 and _EMAIL.search(line.text)
            if above or mail:
                line.kind = "front"
                front.append(line.text)
        for line in sorted(page.lines, key=lambda x: -x.y1):
            if (line.kind == "small" and line.y1 < 0.25 * page.height
                    and _AFFILIATION.search(line.text)):  # fmt: skip
                front.append(line.text)
        return "\n".join(t.replace("\u00ad", "") for t in front)

    def body_lines(self) -> list[TextLine]:
        out: list[TextLine] = []
        for p in self.pages:
            for line in sorted(p.lines, key=lambda x: x.order):
                if line.kind not in ("text", "body"):
                    continue
                if line.kind == "text" and len(line.text) < 20 and not self._styled(p, line):
                    continue  # labels of vector figures and table cells, mostly
                out.append(self._text_line(p, line))
        return out

    def _styled(self, p: _Page, line: _Line) -> bool:
        letters = [c for c in line.text if c.isalpha()]
        caps = bool(letters) and sum(c.isupper() for c in letters) >= 0.7 * len(letters)
        return (line.bold_start and line.bold_end) or line.size >= self.body_size + 0.8 or caps

    def _text_line(self, p: _Page, line: _Line) -> TextLine:
        near = 0.4 * self.col_w
        alone = True
        for other in p.lines:
            if (
                other is line
                or other.kind in ("header",)
                or abs(other.cy - line.cy) >= 0.5 * max(line.size, 1)
            ):
                continue
            if self.mid is not None and (other.cx < self.mid) != (line.cx < self.mid):
                continue
            if other.x0 - line.x1 < near and line.x0 - other.x1 < near:
                alone = False
                break
        _, col_right = self.column(line)
        short = line.x1 < col_right - max(15.0, 2 * line.size)
        return TextLine(
            text=line.text,
            page=p.index,
            styled=self._styled(p, line),
            bold=line.bold_start,
            bigger=line.size >= self.body_size + 1.0,
            alone=alone,
            par_end=short and bool(re.search(r"[.!?:]\)?$", line.text)),
        )


def _links(pages: list[_Page], sections: tuple[Section, ...]) -> tuple[str, ...]:
    """URLs anywhere in the pages read (footnotes included), except the reference list's."""
    references = " ".join(s.text for s in sections if s.kind == "references").replace(" ", "")
    found: dict[str, None] = {}
    for p in pages:
        for line in sorted(p.lines, key=lambda x: x.order):
            for url in _URL.findall(line.text.replace("\u00ad", "")):
                if url not in references:
                    found.setdefault(url)
    return tuple(found)
