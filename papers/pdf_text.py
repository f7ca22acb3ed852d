"""A PDF's text in reading order, split into sections, with the page-1 front matter (pypdfium2).

Runs inside the worker process (``papers.pdf_worker``): PDFium is not thread-safe, and a hostile
file must not be able to hang or crash the bot. ``parse_pdf`` is the job; it reads at most
``max_pages`` pages. The layout rules are the research prototype's (shared/research/figures.md
§2 and §5), shared with the figure crops in :mod:`papers.pdf_lines`: lines from PDFium's own
character order, split at wide gaps; the body font size; running headers (repeated text outside
the text block); captions, text inside figures and footnotes left out; headings found by
``sections.split_lines``.

Coordinates are PDF user space (origin bottom-left, y grows upwards).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Any

from papers.errors import PapersError
from papers.pdf_lines import (
    BOLD_NAMES,
    Box,
    Line,
    TextBlock,
    body_font_size,
    caption_block,
    caption_label,
    mark_body,
    page_lines,
    text_columns,
)
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
# Not "sb": headings in such fonts (CMSSBX) were never bold here; counting them would move splits.
_BOLD_NAMES = tuple(name for name in BOLD_NAMES if name != "sb")


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
class _Page:
    index: int
    width: float
    height: float
    lines: list[Line]  # in PDFium's reading order
    solid: list[Box] = field(default_factory=list)  # images and forms: text on them is a figure's


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
        # as this reader has always read: no character cap, a CR dropped, control characters kept
        lines = page_lines(page, max_chars=None, controls_as_spaces=False, bold_names=_BOLD_NAMES)
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


# -- the document's layout ---------------------------------------------------------------------


class _Layout:
    """Document-wide statistics and the kind of every line."""

    def __init__(self, pages: list[_Page]) -> None:
        self.pages = pages
        self.body_size = body_font_size(p.lines for p in pages)
        self._headers()
        self._columns()
        for p in pages:
            self._merge_heading_numbers(p)
            self._captions(p)
            self._mark(p)

    def _headers(self) -> None:
        """Running headers and footers, page numbers, and arXiv's side stamp."""
        height = self.pages[0].height if self.pages else 792
        block = TextBlock(
            [p.lines for p in self.pages], self.body_size, (height * 0.92, height * 0.08)
        )
        self.text_top, self.text_bottom = block.top, block.bottom
        for p in self.pages:
            for line in p.lines:
                if block.running(line) or _ARXIV_STAMP.match(line.text):
                    line.kind = "header"

    def _columns(self) -> None:
        width = statistics.median(p.width for p in self.pages) if self.pages else 612
        self.cols = text_columns((p.lines for p in self.pages), self.body_size, 0.0, width)
        self.two_col = len(self.cols) == 2
        # the gutter's x on two-column pages
        self.mid = (self.cols[0][1] + self.cols[1][0]) / 2 if self.two_col else None
        self.col_w = statistics.mean(c[1] - c[0] for c in self.cols)

    def column(self, line: Line) -> tuple[float, float]:
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
                best.bold = best.bold or n.bold
                drop.add(id(n))
        if drop:
            p.lines[:] = [x for x in p.lines if id(x) not in drop]

    def _captions(self, p: _Page) -> None:
        """Figure and table captions: the label line and the lines of its block below it."""
        ordered = sorted(p.lines, key=lambda x: (-x.y1, x.x0))
        for i, line in enumerate(ordered):
            if line.kind != "text":
                continue
            label = caption_label(line, self.body_size)
            if label is None or not (label.strong or (line.bold and label.rest[:1].isupper())):
                continue  # a weak label ("Figure 1 Title") counts when bold
            following = (x for x in ordered[i + 1 :] if x.kind == "text")
            for x in caption_block(line, following, self.body_size, self.col_w):
                x.kind = "caption"

    def _mark(self, p: _Page) -> None:
        """Body lines, text inside figures, small print; short lines continuing a paragraph."""
        bs = self.body_size

        def small(line: Line) -> str | None:
            if line.size < 0.7 * bs or (line.size < 0.85 * bs and line.y1 < 0.3 * p.height):
                return "small"  # footnotes, sub- and superscript debris, table print
            return None

        mark_body(p.lines, p.solid, bs, self.col_w, small)

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

    def _styled(self, p: _Page, line: Line) -> bool:
        letters = [c for c in line.text if c.isalpha()]
        caps = bool(letters) and sum(c.isupper() for c in letters) >= 0.7 * len(letters)
        return (line.bold and line.bold_end) or line.size >= self.body_size + 0.8 or caps

    def _text_line(self, p: _Page, line: Line) -> TextLine:
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
            bold=line.bold,
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
