"""The page geometry of a (LaTeX-made) paper PDF, and where its captioned figures are.

This is the layout half of figure extraction (:mod:`papers.pdf_figures` renders the crops). The
algorithm is the one measured in ``shared/research/figures.md`` (29/29 figures on the tuning set,
34/34 on eight unseen papers after three generic fixes), ported from its prototype:

1. **Lines** from pdfium's characters in its reading order, split at its line breaks and at wide
   horizontal gaps (so the two columns of a row become two lines). A line's size is the height of
   its tight box: PDFium's font size is unreliable (1.0 in some papers, 221 in others).
2. **Graphics**: the page's image, path, shading and Form XObjects with their bounds. Bounds
   ignore clipping, so they are clipped to the page. A form covering more than half of the page is
   a wrapper: its children are taken instead, their form-space bounds mapped by the form's matrix.
3. **Document statistics**: the body font size, running headers / page numbers (repeated text
   outside the text block), the text block's top and bottom, one or two columns.
4. **Captions**: lines starting "Figure N:", "Fig. N.", "FIGURE N |", "Figure N —", or a bold
   "Figure N Capitalised" (Nature); references in running text ("Fig. 3. shows", "(Fig. 1b, c)"),
   table rows ("Figure 0.0 0.0 0.0") and captions drawn inside another figure are rejected. The
   caption block is the label line and the lines closely below it in the same column.
5. **Body lines** (wide, body-size lines and the short lines that end their paragraphs), headings,
   headers and other captions are *stops*: a figure region never crosses them.
6. **Region**: from the caption, grow a zone above it (then below, then beside it for side
   captions) inside the caption's column, or both columns when the caption crosses the gutter, up
   to the nearest stop; the figure is the union of the graphics in that zone plus the text labels
   touching them (tick labels, legends, panel titles).

Steps 1, 3, 4 and 5 use the primitives :mod:`papers.pdf_lines` shares with the text reader.
Coordinates are PDF user space: points, origin bottom-left, y growing upwards; a box is
``(x0, y0, x1, y1)``. Everything here is synchronous and single-threaded: PDFium is not thread-safe,
so this runs inside the worker process (see :mod:`papers.pdf_figures`).
"""

from __future__ import annotations

import ctypes
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from papers.pdf_lines import (
    CAPTION_RE,
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
from papers.sections import join_lines

__all__ = ["CAPTION_RE", "Caption", "FigureRegion", "Layout", "Line", "figure_sort_key"]

_TEXT = pdfium_c.FPDF_PAGEOBJ_TEXT
_PATH = pdfium_c.FPDF_PAGEOBJ_PATH
_IMAGE = pdfium_c.FPDF_PAGEOBJ_IMAGE
_SHADING = pdfium_c.FPDF_PAGEOBJ_SHADING
_FORM = pdfium_c.FPDF_PAGEOBJ_FORM
_KINDS = {_PATH: "path", _IMAGE: "image", _SHADING: "shading", _FORM: "form"}

# Page objects walked per page (forms' children included): a page drawing a 100k-point scatter
# plot stays cheap; past the budget its remaining objects are ignored.
MAX_OBJECTS_PER_PAGE = 60_000
# Characters read per page: a real page holds ~3-8k; more is a hostile or broken file.
MAX_CHARS_PER_PAGE = 60_000

# Captions leave the PDF as chat text: ligatures become their letters.
_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb06": "st",
    }
)


class Graphic(NamedTuple):
    """A drawn object's bounds (clipped to the page) and kind: image | path | shading | form."""

    x0: float
    y0: float
    x1: float
    y1: float
    kind: str


@dataclass(slots=True)
class PageLayout:
    index: int
    box: Box  # the crop box, in user space
    lines: list[Line]
    graphics: list[Graphic]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@dataclass(slots=True, eq=False)
class Caption:
    page: int
    kind: str  # figure | table
    number: str  # as printed: "1", "S2", "A.3", "4b"
    lines: list[Line]
    bold: bool
    strong: bool  # punctuation after the number ("Figure 1:"), not just a space

    @property
    def box(self) -> Box:
        return _union(line.box for line in self.lines)  # type: ignore[return-value]

    @property
    def text(self) -> str:
        return join_lines(line.text for line in self.lines)


@dataclass(slots=True)
class FigureRegion:
    """Where one captioned figure is: ``box`` is None when no graphics were found for it."""

    page: int
    number: str
    label: str  # "Figure 1" (normalised: "Fig. 1." becomes "Figure 1")
    caption: str  # the whole caption as printed, label included
    box: Box | None
    where: str = ""  # above | below | beside | none: where the figure sits from its caption


def figure_sort_key(number: str) -> tuple[int, str, int, str]:
    """Document order of figure numbers: 1, 2, 2b, 10, then A1, A.2, S1 (appendix, supplement)."""
    m = re.fullmatch(r"(?P<prefix>[A-Z]?)\.?(?P<n>\d+)(?P<sub>[a-z]?)", number.strip())
    if not m:
        return (2, number, 0, "")
    return (1 if m["prefix"] else 0, m["prefix"], int(m["n"]), m["sub"])


# --------------------------------------------------------------------------------------- layout
class Layout:
    """The lines, graphics, body text and captions of the first ``max_pages`` pages of a PDF."""

    def __init__(self, pdf: pdfium.PdfDocument, *, max_pages: int) -> None:
        self.pages: list[PageLayout] = []
        for index in range(min(len(pdf), max(0, max_pages))):
            self.pages.append(_read_page_safely(pdf, index))
        self.captions: list[Caption] = []
        self._analyse()

    # -- document statistics ------------------------------------------------------------------
    def _analyse(self) -> None:
        pages = self.pages
        self.body_size = body_font_size(p.lines for p in pages)

        # The text block, and the running headers / footers outside it.
        default = (0.0, 0.0)
        if pages:  # no body lines: the middle 84% of the first page
            y0, height = pages[0].box[1], pages[0].height
            default = (y0 + 0.92 * height, y0 + 0.08 * height)
        block = TextBlock([p.lines for p in pages], self.body_size, default)
        self.text_top, self.text_bottom = block.top, block.bottom
        for p in pages:
            inner = [
                g for g in p.graphics if g.y1 <= self.text_top + 4 and g.y0 >= self.text_bottom - 4
            ]
            for line in p.lines:
                # a figure's label repeated on several pages is not a header
                if block.running(line) and not any(_near(g, line.box, 2) for g in inner):
                    line.kind = "header"
            # graphics wholly in the top or bottom margin are page decoration (header bars, logos)
            p.graphics = [
                g
                for g in p.graphics
                if not (g.y0 >= self.text_top + 4 or g.y1 <= self.text_bottom - 4)
            ]

        # Columns: one, or two.
        width = statistics.median(p.width for p in pages) if pages else 612.0
        x_origin = statistics.median(p.box[0] for p in pages) if pages else 0.0
        self.columns = text_columns((p.lines for p in pages), self.body_size, x_origin, width)
        self.two_columns = len(self.columns) == 2
        self.text_x = (self.columns[0][0], self.columns[-1][1])
        self.column_width = statistics.mean(c[1] - c[0] for c in self.columns)
        if self.column_width <= 0:  # degenerate statistics (a page of one short line)
            self.text_x = (x_origin, x_origin + width)
            self.columns = [self.text_x]
            self.column_width = width

        for p in pages:
            self._find_captions(p)
        for p in pages:
            self._mark_body(p)

    # -- captions -----------------------------------------------------------------------------
    def _find_captions(self, p: PageLayout) -> None:
        used: set[int] = set()
        for i, line in enumerate(p.lines):
            if line.kind != "text" or id(line) in used:
                continue
            label = caption_label(line, self.body_size)
            if label is None or line.w < 1.5 * line.size:
                continue  # no label, or vertical text (a rotated page's lines run top to bottom)
            rest = label.rest
            pure = re.fullmatch(r"(S|[A-E]\.?)?\d+", label.number) is not None
            if re.match(r"^[\d.,%]+(\s+[\d.,%]+){2,}", rest):
                continue  # "Figure 0.0 0.0 0.0 ...": a table row
            if label.strong:
                if label.punct in "\u2014\u2013-" and not (pure and rest[:1].isupper()):
                    continue
            elif not (line.bold and pure and (rest[:1].isupper() or rest[:1] == "|")):
                continue  # only a bold "Figure 1 Simultaneous ..." (Nature, Springer) counts
            kind = "figure" if label.kind.lower().startswith("fig") else "table"
            block = caption_block(line, p.lines[i + 1 :], self.body_size, self.column_width)
            for b in block:
                b.kind = "caption"
                used.add(id(b))
            self.captions.append(
                Caption(p.index, kind, label.number, block, line.bold, label.strong)
            )

    # -- body text, headings ------------------------------------------------------------------
    def _mark_body(self, p: PageLayout) -> None:
        bs = self.body_size

        def heading(line: Line) -> str | None:
            if (
                p.index == 0
                and line.size >= 1.3 * bs
                and line.w >= 3 * line.size
                and len(line.text) >= 4
                and not any(_overlaps(g, line.box) for g in p.graphics)
            ):
                return "heading"  # title, author names, big headings on page 1
            if (
                re.match(r"^(\d+(\.\d+)*\.?|[IVX]+\.|[A-Z]\.?)\s+[A-Z][A-Za-z]", line.text)
                and len(line.text) < 80
                and line.size >= bs - 0.6
                and line.bold
            ):
                return "heading"  # "3.1 Method", "II. RESULTS", "A Proofs"
            return None

        # text drawn inside an image or form is part of a figure
        solid = [(g.x0, g.y0, g.x1, g.y1) for g in p.graphics if g.kind in ("form", "image")]
        mark_body(p.lines, solid, bs, self.column_width, heading)

    # -- figure regions -----------------------------------------------------------------------
    def figure_regions(self) -> list[FigureRegion]:
        """One region per figure number (the best of its captions), in document order."""
        best: dict[str, tuple[tuple[bool, ...], FigureRegion, Caption]] = {}
        for cap in self.captions:
            if cap.kind != "figure":
                continue
            region = self._locate(cap)
            p = self.pages[cap.page]
            head = cap.lines[0]
            in_figure = any(
                g.kind in ("form", "image")
                and g.x0 - 1 <= head.x0
                and head.x1 <= g.x1 + 1
                and g.y0 - 1 <= head.y0
                and head.y1 <= g.y1 + 1
                for g in p.graphics
            )
            score = (
                region.box is not None,
                not in_figure,
                cap.strong,
                cap.bold,
                len(cap.lines) > 1,
            )
            key = cap.number.lower().replace(".", "")
            if key not in best:
                best[key] = (score, region, cap)
            elif score > best[key][0]:
                # keep the longer caption text when the winner is a bare label ("Fig. 1.")
                region.caption = max(best[key][1].caption, region.caption, key=len)
                best[key] = (score, region, cap)
        regions = [b[1] for b in best.values()]
        regions.sort(key=lambda r: (figure_sort_key(r.number), r.page))
        return regions

    def _span(self, cap: Caption) -> list[float]:
        """The x-range of the figure: the caption's column, or both if the caption crosses the gutter."""
        x0, _, x1, y1 = cap.box
        if self.two_columns:
            mid = (self.columns[0][1] + self.columns[1][0]) / 2
            if x0 < mid - 10 and x1 > mid + 10:
                span = list(self.text_x)
            elif (x0 + x1) / 2 < mid:
                span = list(self.columns[0])
            else:
                span = list(self.columns[1])
        else:
            span = list(self.text_x)
        # captions side by side on the same row (subfigure-like layouts): split the span
        for other in self.captions:
            if other is cap or other.page != cap.page:
                continue
            b = other.box
            if abs(b[3] - y1) < 8 and _xoverlap(b[0], b[2], span[0], span[1]) > 0:
                if b[0] >= x1 - 2:
                    span[1] = min(span[1], (x1 + b[0]) / 2)
                elif b[2] <= x0 + 2:
                    span[0] = max(span[0], (b[2] + x0) / 2)
        return span

    def _locate(self, cap: Caption) -> FigureRegion:
        p = self.pages[cap.page]
        span = self._span(cap)
        label = ("Figure " if cap.kind == "figure" else "Table ") + cap.number.replace(".", "")
        region = FigureRegion(cap.page, cap.number.replace(".", ""), label, cap.text, None)
        order = ("above", "below", "beside")
        if self._graphics_beside(p, cap):
            order = ("beside", "above", "below")
        for direction in order:
            box = self._grow(p, cap, span, direction)
            if box is not None:
                region.box, region.where = box, direction
                return region
        region.where = "none"
        return region

    def _graphics_beside(self, p: PageLayout, cap: Caption) -> bool:
        """A side caption: graphics beside it cover most of its height (and cross the gutter)."""
        cb = cap.box
        h = cb[3] - cb[1]
        if h < 25:
            return False
        for other in self.captions:  # captions side by side: not a side caption
            if other is not cap and other.page == cap.page and abs(other.box[3] - cb[3]) < 8:
                return False
        cover, side = [], []
        for g in p.graphics:
            beside = g.x0 >= cb[2] - 2 or g.x1 <= cb[0] + 2
            if beside and _xoverlap(g.y0, g.y1, cb[1], cb[3]) > 0:
                cover.append((max(g.y0, cb[1]), min(g.y1, cb[3])))
                side.append(g)
        if self.two_columns and side:
            # on a two-column page a figure in the other column is normal; a side caption's figure
            # crosses the gutter (Nature: caption in one third, figure in two thirds of the width)
            mid = (self.columns[0][1] + self.columns[1][0]) / 2
            u = _union(side)
            assert u is not None
            if not (u[0] < mid - 5 and u[2] > mid + 5):
                return False
        return _covered_length(cover) >= 0.6 * h

    def _grow(
        self, p: PageLayout, cap: Caption, span: Sequence[float], direction: str
    ) -> Box | None:
        cb = cap.box
        sx0, sx1 = span
        caption_lines = {id(line) for line in cap.lines}
        stops = [
            line
            for line in p.lines
            if line.kind in ("body", "header", "caption", "heading")
            and id(line) not in caption_lines
        ]
        if direction == "beside":
            # a caption in a side column: the figure is to its right (or left)
            right = (self.text_x[1] - cb[2]) >= (cb[0] - self.text_x[0])
            sx0, sx1 = (cb[2] + 4, self.text_x[1] + 4) if right else (self.text_x[0] - 4, cb[0] - 4)
            if sx1 - sx0 < 60:
                return None
        swidth = sx1 - sx0

        def in_span(b: Sequence[float]) -> bool:
            ov = _xoverlap(b[0], b[2], sx0, sx1)
            return ov >= 0.3 * max(1e-6, b[2] - b[0]) or ov >= 0.3 * swidth

        page_bottom, page_top = p.box[1], p.box[3]
        if direction == "above":
            cand = [s for s in stops if s.y0 >= cb[3] - 1 and in_span(s.box)]
            lo, hi = cb[3], min((s.y0 for s in cand), default=page_top - 10)
        elif direction == "below":
            cand = [s for s in stops if s.y1 <= cb[1] + 1 and in_span(s.box)]
            lo, hi = max((s.y1 for s in cand), default=page_bottom + 10), cb[1]
        else:
            hi = max(cb[3] + 12, self.text_top + 2)
            cand = [s for s in stops if s.y1 <= cb[3] and in_span(s.box)]
            lo = max((s.y1 for s in cand), default=page_bottom + 10)
        if hi - lo < 12:
            return None
        parts = []
        for g in p.graphics:
            if not in_span(g):
                continue
            y0, y1 = max(g.y0, lo), min(g.y1, hi)
            if y1 - y0 < min(2.0, (g.y1 - g.y0) * 0.5) and not (
                g.y1 - g.y0 < 2 and lo <= g.y0 <= hi
            ):
                continue
            if g.kind == "path" and (g.y1 - g.y0) < 2 and (g.x1 - g.x0) >= 0.85 * swidth:
                continue  # a full-width rule: a float separator or a table rule
            parts.append((max(g.x0, p.box[0]), max(y0, lo), min(g.x1, p.box[2]), min(y1, hi)))
        if not parts:
            return None
        box = list(_union(parts))  # type: ignore[arg-type]
        # graphics touching the figure but mostly outside the span: a figure wider than the text
        # block (overhanging into the margin) is kept whole
        rest = [g for g in p.graphics if not in_span(g) and lo <= g.y0 and g.y1 <= hi]
        grew = True
        while grew and rest:
            grew = False
            for g in rest:
                if _near(g, box, 1.5) and _xoverlap(g.y0, g.y1, box[1], box[3]) >= 0.5 * (
                    g.y1 - g.y0
                ):
                    box = [
                        min(box[0], g.x0),
                        min(box[1], g.y0),
                        max(box[2], g.x1),
                        max(box[3], g.y1),
                    ]
                    rest.remove(g)
                    grew = True
                    break
        # attach the text touching the graphics: tick labels, legends, axis titles, sub-captions
        texts = [
            line
            for line in p.lines
            if line.kind in ("text", "figtext")
            and line.y0 >= lo - 1
            and line.y1 <= hi + 1
            and in_span(line.box)
        ]
        for _ in range(3):
            grew = False
            for line in texts:
                vov = _xoverlap(line.y0, line.y1, box[1] - 2, box[3] + 2)
                hov = _xoverlap(line.x0, line.x1, box[0], box[2])
                beside = (
                    vov > 0.5 * (line.y1 - line.y0)
                    and box[0] - 14 <= line.x1
                    and line.x0 <= box[2] + 14
                )
                stacked = hov >= 0.5 * line.w and box[1] - 9 <= line.y1 and line.y0 <= box[3] + 9
                between = hov > 0 and (
                    (direction == "above" and line.y1 <= box[1] + 2)
                    or (direction == "below" and line.y0 >= box[3] - 2)
                )
                if not (beside or stacked or between):
                    continue
                grown = [
                    min(box[0], line.x0),
                    min(box[1], line.y0),
                    max(box[2], line.x1),
                    max(box[3], line.y1),
                ]
                if grown != box:
                    box, grew = grown, True
            if not grew:
                break
        if (box[2] - box[0]) < 15 or (box[3] - box[1]) < 15:
            return None
        pad = 3
        return (
            max(p.box[0], box[0] - pad),
            max(lo + 0.5, box[1] - pad),
            min(p.box[2], box[2] + pad),
            min(hi - 0.5, box[3] + pad),
        )


# ---------------------------------------------------------------------------------- page reading
def _read_page_safely(pdf: pdfium.PdfDocument, index: int) -> PageLayout:
    """One page's lines and graphics; an empty page when PDFium cannot load it."""
    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        return PageLayout(index, (0.0, 0.0, 612.0, 792.0), [], [])
    try:
        return _read_page(page, index)
    finally:
        page.close()


def _read_page(page: pdfium.PdfPage, index: int) -> PageLayout:
    box = tuple(float(v) for v in page.get_cropbox())
    if box[2] - box[0] <= 1 or box[3] - box[1] <= 1:
        box = (0.0, 0.0, *page.get_size())
    lines = page_lines(page, max_chars=MAX_CHARS_PER_PAGE, controls_as_spaces=True)
    for line in lines:
        line.text = line.text.translate(_LIGATURES)
    lines.sort(key=lambda line: (-line.y1, line.x0))  # top to bottom
    return PageLayout(index, box, lines, _read_graphics(page, box))  # type: ignore[arg-type]


def _read_graphics(page: pdfium.PdfPage, box: Box) -> list[Graphic]:
    """The page's drawn objects (text excluded), bounds clipped to the page."""
    px0, py0, px1, py1 = box
    page_area = (px1 - px0) * (py1 - py0)
    out: list[Graphic] = []
    budget = [MAX_OBJECTS_PER_PAGE]
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))

    def walk(objects: Iterable[object], matrix: pdfium.PdfMatrix | None, depth: int) -> None:
        for obj in objects:
            budget[0] -= 1
            if budget[0] < 0:
                return
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == _TEXT or kind not in _KINDS:
                continue
            if not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
                continue
            b = (left.value, bottom.value, right.value, top.value)
            if matrix is not None:  # a form's child: bounds are in form space
                b = matrix.on_rect(*b)
            x0, y0, x1, y1 = max(b[0], px0), max(b[1], py0), min(b[2], px1), min(b[3], py1)
            if x1 - x0 <= 0.5 and y1 - y0 <= 0.5:
                continue
            if x1 <= x0 or y1 <= y0:
                if kind == _PATH and (x1 - x0 > 5 or y1 - y0 > 5):
                    x1, y1 = max(x1, x0 + 0.5), max(y1, y0 + 0.5)  # a hairline: give it thickness
                else:
                    continue
            if kind == _FORM and (x1 - x0) * (y1 - y0) > 0.5 * page_area and depth < 4:
                # a wrapper form (whole-page drawing): take its children instead
                m = pdfium_c.FS_MATRIX()
                if pdfium_c.FPDFPageObj_GetMatrix(obj, m):
                    own = pdfium.PdfMatrix.from_raw(m)
                    count = pdfium_c.FPDFFormObj_CountObjects(obj)
                    children = (
                        pdfium_c.FPDFFormObj_GetObject(obj, k) for k in range(max(0, count))
                    )
                    walk(children, own if matrix is None else own.multiply(matrix), depth + 1)
                    continue
            out.append(Graphic(x0, y0, x1, y1, _KINDS[kind]))

    handle = page.raw
    count = pdfium_c.FPDFPage_CountObjects(handle)
    walk((pdfium_c.FPDFPage_GetObject(handle, k) for k in range(max(0, count))), None, 0)
    w, h = px1 - px0, py1 - py0
    return [g for g in out if not (g.x1 - g.x0 > 0.9 * w and g.y1 - g.y0 > 0.9 * h)]  # backgrounds


# ---------------------------------------------------------------------------------- geometry
def _union(boxes: Iterable[Sequence[float]]) -> Box | None:
    boxes = list(boxes)
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _xoverlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _overlaps(g: Sequence[float], b: Sequence[float]) -> bool:
    return _xoverlap(g[0], g[2], b[0], b[2]) > 0 and _xoverlap(g[1], g[3], b[1], b[3]) > 0


def _near(g: Sequence[float], b: Sequence[float], margin: float) -> bool:
    return (
        g[0] - margin <= b[2]
        and b[0] <= g[2] + margin
        and g[1] - margin <= b[3]
        and b[1] <= g[3] + margin
    )


def _covered_length(intervals: list[tuple[float, float]]) -> float:
    total, current = 0.0, None
    for a, b in sorted(intervals):
        if current is None or a > current[1]:
            if current:
                total += current[1] - current[0]
            current = [a, b]
        else:
            current[1] = max(current[1], b)
    if current:
        total += current[1] - current[0]
    return total
