"""Figure crops from paper PDFs: the two real fixture papers, PDFs generated here, and bad inputs.

The generated PDFs are written at test time by ``_write_pdf`` below (plain PDF 1.4 objects, the
standard Helvetica and Courier fonts, vector paths, Flate/DCT images, optional RC4 40-bit
encryption): no binary fixtures to keep in sync, and no PDF library besides the one under test.
Body text is justified Courier (each character 0.6 em), so lines fill their columns as in LaTeX.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import random
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from PIL import Image

from papers.pdf_figures import MAX_IMAGE_BYTES, CroppedFigure, crop_figures

PDFS = Path(__file__).resolve().parents[1] / "fixtures" / "pdfs"


@cache
def _real(name: str, max_figures: int = 8) -> tuple[CroppedFigure, ...]:
    return tuple(crop_figures((PDFS / name).read_bytes(), max_figures=max_figures))


def _check_chat_limits(figures: Iterable[CroppedFigure], max_side: int = 2000) -> None:
    """Each image decodes to its declared format and size, within Telegram's and Discord's rules."""
    for fig in figures:
        image = Image.open(io.BytesIO(fig.data))
        assert image.size == (fig.width, fig.height)
        assert (image.format, fig.mime) in (("PNG", "image/png"), ("JPEG", "image/jpeg"))
        assert max(image.size) <= max_side
        assert image.width + image.height <= 10_000
        assert max(image.size) <= 20 * min(image.size)
        assert len(fig.data) <= MAX_IMAGE_BYTES < 10_000_000


# ------------------------------------------------------------------------------ real papers
def test_citesee_finds_all_eight_figures_in_order() -> None:
    """2302.07302v1 (ACM CHI, two columns): p1 teaser, screenshots, vector plots, wide figures."""
    figures = _real("2302.07302v1.pdf")
    assert [f.label for f in figures] == [f"Figure {n}" for n in range(1, 9)]
    assert [f.page for f in figures] == [0, 1, 3, 5, 6, 8, 9, 9]
    starts = [
        "Figure 1: CiteSee augments inline citations to known papers",
        "Figure 2: [Left] To help users discover important prior work",
        "Figure 3: CiteSee augments inline citations based on a user",
        "Figure 4: Overview of different visual augmentation types",
        "Figure 5: Users can adjust the length of the inclusion history",
        "Figure 6: Overview of Study 1.",
        "Figure 7: Probability of Likert responses",
        "Figure 8: Study 1: Coefficients of four citation selection strategies",
    ]
    for fig, start in zip(figures, starts, strict=True):
        assert fig.caption.startswith(start)
    # full captions: several lines joined, no label-only stub
    assert all(len(f.caption) > 80 for f in figures)
    _check_chat_limits(figures)


def test_citesee_crop_shapes_match_the_figures() -> None:
    """Column figures are narrower than full-width ones; no crop swallowed a page of body text."""
    by_label = {f.label: f for f in _real("2302.07302v1.pdf")}
    for label in ("Figure 2", "Figure 3", "Figure 6"):  # full width, wide and short
        f = by_label[label]
        assert f.width > 2 * f.height
    for label in ("Figure 1", "Figure 7"):  # one column, wide and short
        f = by_label[label]
        assert f.width > 2 * f.height
    assert all(f.height < 0.9 * f.width for f in by_label.values())


def test_default_cap_keeps_the_teaser_and_the_first_figures() -> None:
    data = (PDFS / "2302.07302v1.pdf").read_bytes()
    figures = crop_figures(data)
    assert [f.label for f in figures] == ["Figure 1", "Figure 2", "Figure 3", "Figure 4"]
    assert figures[0].page == 0


def test_full_width_vector_figure_of_a_four_page_paper() -> None:
    """2304.02623v1: one vector figure spanning both columns of p2."""
    (fig,) = _real("2304.02623v1.pdf")
    assert (fig.label, fig.number, fig.page) == ("Figure 1", "1", 1)
    assert fig.caption.startswith("Figure 1: Dissecting an expository writing piece.")
    assert fig.mime == "image/png"
    assert fig.width > 2 * fig.height
    _check_chat_limits([fig])


def test_max_side_and_max_pages_are_honoured() -> None:
    data = (PDFS / "2302.07302v1.pdf").read_bytes()
    small = crop_figures(data, max_figures=8, max_side_px=300)
    assert len(small) == 8
    _check_chat_limits(small, max_side=300)
    # pages 1-4 only: Figures 1-3 (p1, p2, p4); Figure 4 is on p6
    assert [f.label for f in crop_figures(data, max_figures=8, max_pages=4)] == [
        "Figure 1", "Figure 2", "Figure 3",
    ]  # fmt: skip
    assert crop_figures(data, max_figures=0) == []
    assert crop_figures(data, max_pages=0) == []


def test_results_pickle_for_the_worker_process() -> None:
    figures = _real("2304.02623v1.pdf")
    assert pickle.loads(pickle.dumps(figures)) == figures
    fig = figures[0]
    assert fig.filename == "figure-1.png"
    assert "bytes" in repr(fig) and len(repr(fig)) < 200


# ------------------------------------------------------------------------------ bad inputs
def _truncated(fraction: float) -> bytes:
    data = (PDFS / "2304.02623v1.pdf").read_bytes()
    return data[: int(len(data) * fraction)]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"%PDF-1.4\n", id="header-only"),
        pytest.param(b"<html><body>Not a PDF</body></html>", id="not-a-pdf"),
        pytest.param(bytes(random.Random(7).randbytes(50_000)), id="random-bytes"),
        pytest.param(_truncated(0.01), id="truncated-1pc"),
        pytest.param(_truncated(0.6), id="truncated-60pc"),
    ],
)
def test_unreadable_pdfs_give_no_figures(data: bytes) -> None:
    assert crop_figures(data) == []


def test_encrypted_pdf_gives_no_figures() -> None:
    assert crop_figures(_one_column_paper(user_password="secret")) == []


def test_owner_password_only_still_opens() -> None:
    """Encrypted with an empty user password (restrictions only): readable, figure found."""
    (fig,) = crop_figures(_one_column_paper(user_password=""))
    assert fig.label == "Figure 1"


def test_text_only_paper_gives_no_figures() -> None:
    """Body text, a table with rules and 'Figure 2 shows ...' at a line start: no crop."""
    assert crop_figures(_text_only_paper()) == []


# ------------------------------------------------------------------------------ generated layouts
def test_one_column_vector_figure() -> None:
    """A vector bar chart (paths and tick labels, no image) above its two-line caption."""
    (fig,) = _layout_figures(_one_column_paper())
    assert (fig.label, fig.page) == ("Figure 1", 1)
    assert fig.caption == (
        "Figure 1: Accuracy of the three methods on the benchmark; higher is better. "
        "Error bars show one standard deviation over five seeds."
    )
    image = _image(fig)
    assert _has_colour(image, BAR_COLOURS[0]) and _has_colour(image, BAR_COLOURS[2])
    # the chart (300 x 200 pt plus labels), not the body text above or below it
    _assert_size_pt(fig, width=(300, 340), height=(200, 235))
    _check_chat_limits([fig], max_side=4000)


def test_rotated_page_is_cropped_the_way_its_text_reads() -> None:
    """A /Rotate 90 page whose text runs horizontally in user space: the figure is found and
    cropped upright (as its caption reads), not turned sideways with the page."""
    (upright,) = _layout_figures(_one_column_paper())
    (rotated,) = _layout_figures(_one_column_paper(rotate=90))
    assert (rotated.label, rotated.page) == ("Figure 1", 1)
    assert (rotated.width, rotated.height) == (upright.width, upright.height)


def test_two_column_figures_raster_spanning_and_in_one_column() -> None:
    figures = _layout_figures(_two_column_paper())
    assert [(f.label, f.page) for f in figures] == [
        ("Figure 1", 0),
        ("Figure 2", 1),
        ("Figure 3", 2),
    ]
    photo, overview, plot = figures
    # Figure 1: a photograph in the right column, caption below -> JPEG, column-wide
    assert photo.caption.startswith("Figure 1: A photograph of the apparatus")
    assert photo.mime == "image/jpeg"
    _assert_size_pt(photo, width=(225, 240), height=(145, 160))
    # Figure 2: a diagram spanning both columns, "Figure 2 |" caption across the gutter
    assert overview.caption.startswith("Figure 2 | Overview of the pipeline")
    assert overview.mime == "image/png"
    _assert_size_pt(overview, width=(480, 510), height=(115, 140))
    assert all(_has_colour(_image(overview), c) for c in BAR_COLOURS)
    # Figure 3: a line plot in the left column, "Fig. 3." caption; the right column's text stays out
    assert plot.caption.startswith("Fig. 3. Training loss")
    _assert_size_pt(plot, width=(210, 230), height=(150, 170))
    _check_chat_limits(figures, max_side=4000)


def test_side_caption_beside_its_figure() -> None:
    """A caption in a narrow column left of its figure (Nature style): the figure is beside it."""
    (fig,) = _layout_figures(_side_caption_paper())
    assert (fig.label, fig.page) == ("Figure 1", 1)
    assert fig.caption.startswith("Figure 1: Simulated heat map")
    assert fig.caption.endswith("colour bar on the right.")
    _assert_size_pt(fig, width=(285, 300), height=(195, 205))


def test_max_pages_never_reads_past_the_cap() -> None:
    assert [f.label for f in crop_figures(_two_column_paper(), max_pages=1)] == ["Figure 1"]
    assert [f.label for f in crop_figures(_two_column_paper(), max_figures=2)] == [
        "Figure 1", "Figure 2",
    ]  # fmt: skip


def test_byte_cap_shrinks_a_photo() -> None:
    figures = crop_figures(_two_column_paper(), max_figures=1, max_bytes=8_000)
    (photo,) = figures
    assert photo.mime == "image/jpeg" and len(photo.data) <= 8_000
    assert Image.open(io.BytesIO(photo.data)).size == (photo.width, photo.height)


def test_long_thin_figure_is_padded_to_telegram_ratio() -> None:
    """A full-width colour bar 16 pt tall (~22:1 after trimming) is padded with white to 20:1."""
    (fig,) = crop_figures(_strip_paper())
    assert fig.label == "Figure 1"
    assert fig.height == -(-fig.width // 20)  # padded to exactly the limit, not beyond
    image = _image(fig)
    assert image.getpixel((fig.width // 2, 0)) == (255, 255, 255)  # the padding
    assert image.getpixel((fig.width // 2, fig.height // 2)) != (255, 255, 255)  # the bar
    _check_chat_limits([fig])


# ------------------------------------------------------------------------------ helpers
def _image(fig: CroppedFigure) -> Image.Image:
    return Image.open(io.BytesIO(fig.data)).convert("RGB")


def _has_colour(image: Image.Image, rgb: tuple[float, float, float], tolerance: int = 12) -> bool:
    target = tuple(round(c * 255) for c in rgb)
    colours = image.getcolors(maxcolors=1 << 20) or []
    return any(all(abs(p[i] - target[i]) <= tolerance for i in range(3)) for _, p in colours)


def _layout_figures(pdf: bytes, **kwargs: int) -> list[CroppedFigure]:
    """Crops at exactly 5 px per point (360 dpi; every generated figure is > 200 pt, so none is
    upscaled, and none reaches 4000 px), so their size in points can be checked."""
    return crop_figures(pdf, dpi=360, max_side_px=4000, **kwargs)


def _assert_size_pt(
    fig: CroppedFigure, *, width: tuple[float, float], height: tuple[float, float]
) -> None:
    """The crop's size in points is in these ranges (white margins trimmed, 6 px kept)."""
    w_pt, h_pt = fig.width / 5, fig.height / 5
    assert width[0] <= w_pt <= width[1] and height[0] <= h_pt <= height[1], (w_pt, h_pt)


# ------------------------------------------------------------------------------ PDF generation
BAR_COLOURS = [(0.85, 0.2, 0.2), (0.2, 0.5, 0.85), (0.2, 0.7, 0.3)]
_WORDS = (
    "the", "of", "model", "results", "data", "method", "we", "our", "paper", "show", "table",
    "approach", "learning", "performance", "training", "evaluation", "baseline", "dataset", "task",
    "analysis", "study", "experiments", "proposed", "network", "language", "representation",
    "features", "accuracy", "improves", "between", "across", "each", "which",
)  # fmt: skip


def _body_lines(rng: random.Random, chars: int) -> Iterator[str]:
    """Endless justified body-text lines of exactly ``chars`` characters (words broken anywhere)."""
    text = ""
    while True:
        while len(text) < chars:
            text += rng.choice(_WORDS) + " "
        line, text = text[:chars], text[chars:]
        if line.startswith(" "):
            line = "-" + line[1:]
        if line.endswith(" "):
            line = line[:-1] + "-"
        yield line


@dataclass
class _Page:
    ops: list[str] = field(default_factory=list)
    images: list[tuple[bytes, str, int, int]] = field(default_factory=list)  # data, filter, w, h
    rotate: int = 0

    def text(
        self, x: float, y: float, s: str, size: float = 10, bold: bool = False, font: str = ""
    ) -> None:
        s = s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        font = font or ("F2" if bold else "F1")
        self.ops.append(f"BT /{font} {size} Tf {x:.2f} {y:.2f} Td ({s}) Tj ET")

    def rect(self, x: float, y: float, w: float, h: float, rgb: tuple[float, float, float]) -> None:
        self.ops.append(f"q {rgb[0]} {rgb[1]} {rgb[2]} rg {x} {y} {w} {h} re f Q")

    def polyline(self, points: list[tuple[float, float]], width: float = 1.0) -> None:
        path = " ".join(
            f"{x:.2f} {y:.2f} {'m' if i == 0 else 'l'}" for i, (x, y) in enumerate(points)
        )
        self.ops.append(f"q {width} w 0 0 0 RG {path} S Q")

    def image(
        self, x: float, y: float, w: float, h: float, picture: Image.Image, jpeg: bool
    ) -> None:
        if jpeg:
            buf = io.BytesIO()
            picture.save(buf, format="JPEG", quality=90)
            self.images.append((buf.getvalue(), "DCTDecode", *picture.size))
        else:
            self.images.append((zlib.compress(picture.tobytes()), "FlateDecode", *picture.size))
        self.ops.append(f"q {w} 0 0 {h} {x} {y} cm /Im{len(self.images)} Do Q")

    def column(
        self,
        rng: random.Random,
        x: float,
        top: float,
        bottom: float,
        width: float,
        size: float = 10,
        leading: float = 12,
    ) -> None:
        """Justified body text ``width`` wide from ``top`` down to ``bottom`` (Courier: each
        character is 0.6 em wide, so every line fills the column exactly, as in LaTeX)."""
        lines = _body_lines(rng, int(width / (0.6 * size)))
        y = top
        while y >= bottom:
            self.text(x, y, next(lines), size, font="F3")
            y -= leading


_PADDING = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _write_pdf(pages: list[_Page], user_password: str | None = None) -> bytes:
    """A PDF 1.4 file; with ``user_password`` (may be "") encrypted with RC4 40-bit (R2)."""
    objects: list[tuple[bytes, bytes | None]] = []  # (dictionary or body, stream data)

    def add(body: bytes, stream: bytes | None = None) -> int:
        objects.append((body, stream))
        return len(objects)

    fonts = add(
        b"<< /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
        b" /F2 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold"
        b" /Encoding /WinAnsiEncoding >>"
        b" /F3 << /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >> >>"
    )
    kids = []
    for page in pages:
        xobjects = []
        for k, (data, filt, w, h) in enumerate(page.images, 1):
            ref = add(
                f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB "
                f"/BitsPerComponent 8 /Filter /{filt} /Length {{length}} >>".encode(),
                data,
            )
            xobjects.append(f"/Im{k} {ref} 0 R")
        content = add(b"<< /Length {length} >>", "\n".join(page.ops).encode("latin-1"))
        resources = f"<< /Font {fonts} 0 R /XObject << {' '.join(xobjects)} >> >>"
        kids.append(
            add(
                f"<< /Type /Page /Parent {{pages}} 0 R /MediaBox [0 0 612 792] "
                f"/Rotate {page.rotate} /Resources {resources} /Contents {content} 0 R >>".encode()
            )
        )
    kid_refs = " ".join(f"{k} 0 R" for k in kids)
    pages_id = add(f"<< /Type /Pages /Kids [{kid_refs}] /Count {len(kids)} >>".encode())
    catalog = add(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())

    file_id = hashlib.md5(b"paperboy test pdf").digest()
    key = b""
    encrypt = None
    if user_password is not None:
        permissions = -44  # no modifying, no copying
        owner_key = hashlib.md5(_PADDING).digest()[:5]  # owner password "" -> padding only
        user_padded = (user_password.encode("latin-1") + _PADDING)[:32]
        o_value = _rc4(owner_key, user_padded)
        key = hashlib.md5(
            user_padded + o_value + permissions.to_bytes(4, "little", signed=True) + file_id
        ).digest()[:5]
        u_value = _rc4(key, _PADDING)
        encrypt = add(
            f"<< /Filter /Standard /V 1 /R 2 /O <{o_value.hex()}> /U <{u_value.hex()}> "
            f"/P {permissions} >>".encode()
        )

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, (body, stream) in enumerate(objects, 1):
        offsets.append(len(out))
        if stream is not None and key:
            object_key = hashlib.md5(key + number.to_bytes(3, "little") + b"\0\0").digest()[:10]
            stream = _rc4(object_key, stream)
        body = body.replace(b"{pages}", str(pages_id).encode())
        if stream is not None:
            body = body.replace(b"{length}", str(len(stream)).encode())
        out += f"{number} 0 obj\n".encode() + body
        if stream is not None:
            out += b"\nstream\n" + stream + b"\nendstream"
        out += b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    trailer = (
        f"<< /Size {len(objects) + 1} /Root {catalog} 0 R /ID [<{file_id.hex()}> <{file_id.hex()}>]"
    )
    if encrypt:
        trailer += f" /Encrypt {encrypt} 0 R"
    out += f"trailer\n{trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _decorate(page: _Page, number: int) -> None:
    """A running header and a page number, as on every arXiv page."""
    page.text(72, 760, "Preprint under review", 8)
    page.text(300, 40, str(number), 9)


def _bar_chart(page: _Page, x: float, y: float) -> None:
    """A 300 x 200 pt vector bar chart with its axes, tick labels and legend (no images)."""
    page.polyline([(x, y + 200), (x, y), (x + 300, y)])
    for k in range(5):
        page.text(x - 18, y + k * 45 - 3, f"{k * 20}", 7)
    for group in range(4):
        for j, colour in enumerate(BAR_COLOURS):
            page.rect(x + 20 + group * 70 + j * 16, y, 14, 40 + 30 * ((group + j) % 5), colour)
        page.text(x + 22 + group * 70, y - 12, f"Task {group + 1}", 7)
    page.text(x + 220, y + 190, "Method A  Method B  Method C", 6)


def _one_column_paper(user_password: str | None = None, rotate: int = 0) -> bytes:
    rng = random.Random(1)
    pages = [_Page(), _Page(), _Page()]
    first, second, third = pages
    first.text(140, 700, "A Generated Paper About Figures", 18, bold=True)
    first.text(230, 675, "Ada Author and Bo Writer", 11)
    first.column(rng, 72, 630, 80, 468)
    second.column(rng, 72, 720, 575, 468)
    _bar_chart(second, 160, 330)
    second.text(
        72, 300, "Figure 1: Accuracy of the three methods on the benchmark; higher is better.", 9
    )
    second.text(72, 289, "Error bars show one standard deviation over five seeds.", 9)
    second.column(rng, 72, 262, 80, 468)
    third.column(rng, 72, 720, 80, 468)
    for n, page in enumerate(pages, 1):
        _decorate(page, n)
    second.rotate = rotate
    return _write_pdf(pages, user_password)


def _photo(w: int, h: int) -> Image.Image:
    """A photograph-like image (smooth shading plus sensor noise): JPEG beats PNG on it."""
    rng = random.Random(3)
    noise = bytes(rng.randrange(40) for _ in range(w * h * 3))
    base = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    grain = Image.frombytes("RGB", (w, h), noise)
    return Image.blend(base, grain, 0.35)


def _two_column_paper() -> bytes:
    rng = random.Random(2)
    left, right, width, size, leading = 54, 312, 246, 9, 11
    pages = [_Page() for _ in range(4)]
    p1, p2, p3, p4 = pages
    # p1: title block, left column text, a photo at the top of the right column (Figure 1)
    p1.text(120, 730, "Two Columns, Three Figures and a Table", 18, bold=True)
    p1.text(240, 708, "Ada Author and Bo Writer", 11)
    p1.column(rng, left, 680, 70, width, size, leading)
    p1.image(right + 8, 520, 230, 150, _photo(480, 312), jpeg=True)
    p1.text(right, 505, "Figure 1: A photograph of the apparatus used in", size)
    p1.text(right, 494, "the experiments, seen from above.", size)
    p1.column(rng, right, 470, 70, width, size, leading)
    # p2: a diagram spanning both columns (Figure 2), caption across the gutter
    for k, colour in enumerate(BAR_COLOURS * 2):
        x = left + 10 + k * 82
        p2.rect(x, 610, 64, 40, colour)
        p2.text(x + 6, 596, f"Stage {k + 1}", 8)
        if k:
            p2.polyline([(x - 18, 630), (x, 630)])
    p2.rect(left + 10, 720, 480, 8, (0.3, 0.3, 0.3))
    p2.text(
        left,
        570,
        "Figure 2 | Overview of the pipeline: six stages run in sequence, each one "
        "reading the output of the",
        size,
    )
    p2.text(left, 559, "previous stage; the grey bar marks the shared cache.", size)
    p2.column(rng, left, 530, 70, width, size, leading)
    p2.column(rng, right, 530, 70, width, size, leading)
    # p3: a line plot in the left column between paragraphs (Figure 3); right column all text
    p3.column(rng, left, 730, 560, width, size, leading)
    points = [(left + 20 + 10 * k, 400 + 120 / (1 + k * 0.4)) for k in range(21)]
    p3.polyline([(left + 15, 540), (left + 15, 395), (left + 230, 395)])
    p3.polyline(points, 1.5)
    p3.text(left + 100, 383, "Epoch", 7)
    p3.text(left, 360, "Fig. 3. Training loss per epoch for the model", size)
    p3.text(left, 349, "trained on the full dataset.", size)
    p3.column(rng, left, 320, 70, width, size, leading)
    p3.column(rng, right, 730, 70, width, size, leading)
    # p4: a table with rules (not a figure) and text
    p4.column(rng, left, 730, 70, width, size, leading)
    p4.text(right, 730, "Table 1: Results on the benchmark.", size)
    p4.polyline([(right, 722), (right + 240, 722)], 0.8)
    for row in range(4):
        p4.text(right + 5, 708 - row * 12, f"Method {row}   {70 + row}.1   {60 + row}.4", size)
    p4.polyline([(right, 658), (right + 240, 658)], 0.8)
    p4.column(rng, right, 630, 70, width, size, leading)
    for n, page in enumerate(pages, 1):
        _decorate(page, n)
    return _write_pdf(pages)


def _text_only_paper() -> bytes:
    rng = random.Random(4)
    pages = [_Page(), _Page(), _Page()]
    pages[0].text(140, 700, "A Paper Without Figures", 18, bold=True)
    pages[0].column(rng, 72, 650, 80, 468)
    pages[1].column(rng, 72, 720, 500, 468)
    pages[1].text(72, 488, "Table 1: Results on the benchmark.", 9)
    pages[1].polyline([(72, 480), (540, 480)], 0.8)
    for row in range(4):
        pages[1].text(
            80, 466 - row * 12, f"Method {row}    {70 + row}.1    {60 + row}.4    {50 + row}.0", 9
        )
    pages[1].polyline([(72, 416), (540, 416)], 0.8)
    pages[1].column(rng, 72, 390, 80, 468)
    pages[2].text(
        72, 720, "Figure 2 shows that the results of our model improve with more training data.", 10
    )
    pages[2].column(rng, 72, 708, 80, 468)
    for n, page in enumerate(pages, 1):
        _decorate(page, n)
    return _write_pdf(pages)


def _strip_paper() -> bytes:
    rng = random.Random(5)
    pages = [_Page(), _Page(), _Page()]
    pages[0].column(rng, 72, 720, 80, 468)
    pages[1].column(rng, 72, 720, 520, 468)
    for k in range(24):  # a colour bar: 24 swatches, 468 x 16 pt
        pages[1].rect(72 + k * 19.5, 480, 19.5, 16, (k / 24, 0.4, 1 - k / 24))
    pages[1].text(72, 460, "Figure 1: The colour scale used in all heat maps.", 9)
    pages[1].column(rng, 72, 430, 80, 468)
    pages[2].column(rng, 72, 720, 80, 468)
    for n, page in enumerate(pages, 1):
        _decorate(page, n)
    return _write_pdf(pages)


def _side_caption_paper() -> bytes:
    rng = random.Random(6)
    pages = [_Page(), _Page(), _Page()]
    pages[0].column(rng, 72, 720, 80, 468)
    pages[1].column(rng, 72, 720, 610, 468)
    for row in range(10):  # a 10 x 13 heat map, 260 x 200 pt, and a colour bar beside it
        for col in range(13):
            shade = ((row * 7 + col * 5) % 13) / 13
            pages[1].rect(250 + col * 20, 380 + row * 20, 20, 20, (shade, 0.3, 1 - shade))
    for k in range(10):
        pages[1].rect(520, 380 + k * 20, 20, 20, (k / 10, 0.3, 1 - k / 10))
    caption = [
        "Figure 1: Simulated heat map",
        "of the response over the ten",
        "conditions (rows) and thirteen",
        "doses (columns); darker cells",
        "mean a weaker response. The",
        "scale is the colour bar on the right.",
    ]
    for k, text in enumerate(caption):
        pages[1].text(72, 570 - k * 11, text, 9)
    pages[1].column(rng, 72, 350, 80, 468)
    pages[2].column(rng, 72, 720, 80, 468)
    for n, page in enumerate(pages, 1):
        _decorate(page, n)
    return _write_pdf(pages)
