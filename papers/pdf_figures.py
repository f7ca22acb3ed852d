"""Crop a paper's captioned figures out of its PDF, as chat-ready images.

:func:`crop_figures` is a pure, synchronous, top-level function meant to run in the PDF worker
process (``papers.pdf_worker.run_isolated``): PDFium is not thread-safe, and a hostile PDF may hang
or eat memory, so it never runs in the bot's process. Its input (PDF bytes and numbers) and output
(a list of frozen :class:`CroppedFigure`) pickle.

The layout work (lines, graphics, captions, regions) is in :mod:`papers.pdf_layout`. Here each
located figure is rendered at ``dpi`` (150 by default; small figures at up to twice that), its
white margins trimmed, downscaled so the long side is at most ``max_side_px``, padded when needed
to Telegram's aspect-ratio rule, and encoded as PNG (line art, screenshots) or JPEG (photographs
and other continuous-tone images, when the JPEG is clearly smaller). Every image satisfies the
chat limits (FACTS §9): Telegram photos at most 10 MB, width + height ≤ 10000, aspect ratio ≤ 20;
Discord 10 MiB per file.

A PDF that cannot be read (empty, truncated, not a PDF, password-protected, broken) gives ``[]``;
at most ``max_pages`` pages are ever read or rendered.
"""

from __future__ import annotations

import io
import logging
import math
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image

from papers.pdf_layout import FigureRegion, Layout

__all__ = ["MAX_IMAGE_BYTES", "CroppedFigure", "crop_figures"]

log = logging.getLogger(__name__)

# Telegram: photos ≤ 10 MB (decimal); Discord: 10 MiB per file. Leave room below the smaller.
MAX_IMAGE_BYTES = 9_500_000
# Telegram: "Width and height ratio must be at most 20", "width and height must not exceed 10000 in
# total" (held by keeping the long side ≤ MAX_SIDE_LIMIT).
MAX_ASPECT_RATIO = 20
MAX_SIDE_LIMIT = 5000
MIN_SIDE_PX = 16  # a trimmed crop smaller than this is a rule or a speck, not a figure
_WHITE_THRESHOLD = 245  # grey level above which a pixel counts as background when trimming
_TRIM_MARGIN_PX = 6
# A figure whose long side would be under _MIN_LONG_SIDE_PX at ``dpi`` (a one-column figure at
# 150 dpi is ~500 px) is rendered at up to _MAX_UPSCALE times the dpi: legible on a phone.
_MIN_LONG_SIDE_PX = 1000
_MAX_UPSCALE = 2.0
_SMALL_PNG = 150_000  # a PNG this small is kept without trying JPEG
_JPEG_QUALITY = 88
_JPEG_WINS = 2 / 3  # JPEG is used when it is smaller than this fraction of the PNG


@dataclass(frozen=True, slots=True)
class CroppedFigure:
    """One figure of a paper, rendered: ``data`` is a PNG or JPEG, ``width`` x ``height`` px."""

    number: str  # as printed, normalised: "1", "S2", "A3", "4b"
    label: str  # "Figure 1"
    caption: str  # the whole caption as printed, label included: "Figure 1: CiteSee augments ..."
    page: int  # 0-based page index
    data: bytes
    mime: str  # "image/png" | "image/jpeg"
    width: int
    height: int

    @property
    def extension(self) -> str:
        """``png`` or ``jpg``."""
        return "jpg" if self.mime == "image/jpeg" else "png"

    @property
    def filename(self) -> str:
        """An ASCII file name (Discord's ``attachment://`` needs one): ``figure-1.png``."""
        number = re.sub(r"[^A-Za-z0-9]", "", self.number) or "x"
        return f"figure-{number}.{self.extension}"

    def __repr__(self) -> str:  # the bytes would flood logs and test output
        return (
            f"CroppedFigure({self.label!r}, page={self.page}, {self.mime}, {self.width}x"
            f"{self.height}, {len(self.data)} bytes, caption={self.caption[:40]!r})"
        )


def crop_figures(
    pdf: bytes,
    *,
    max_figures: int = 4,
    max_pages: int = 40,
    dpi: int = 150,
    max_side_px: int = 2000,
    max_bytes: int = MAX_IMAGE_BYTES,
) -> list[CroppedFigure]:
    """The paper's first ``max_figures`` captioned figures in figure-number order (teaser first).

    Only the first ``max_pages`` pages are read and rendered. Never raises for a bad PDF: an
    unreadable, encrypted or figure-less one gives ``[]``; a figure that fails to render is skipped.
    ``dpi`` is the rendering resolution (small figures get up to twice it), ``max_side_px`` the
    longest side of an image (at most 5000), ``max_bytes`` the largest encoded image. To run it in
    the worker: ``run_isolated(functools.partial(crop_figures, max_figures=n), pdf, timeout_s=…)``.
    """
    if not pdf or max_figures <= 0 or max_pages <= 0:
        return []
    max_side = max(MIN_SIDE_PX * 4, min(int(max_side_px), MAX_SIDE_LIMIT))
    try:
        doc = pdfium.PdfDocument(pdf)
    except Exception as exc:  # noqa: BLE001 - PdfiumError: empty, truncated, not a PDF, password
        log.debug("cannot open the PDF: %s", exc)
        return []
    try:
        if len(doc) == 0:
            return []
        layout = Layout(doc, max_pages=max_pages)
        figures: list[CroppedFigure] = []
        for region in layout.figure_regions():
            if len(figures) >= max_figures:
                break
            if region.box is None:
                continue
            try:
                figure = _render(doc, region, dpi=dpi, max_side=max_side, max_bytes=max_bytes)
            except Exception as exc:  # noqa: BLE001 - one bad figure must not lose the others
                log.debug("cannot render %s on page %d: %s", region.label, region.page + 1, exc)
                continue
            if figure is not None:
                figures.append(figure)
        return figures
    except Exception as exc:  # noqa: BLE001 - a broken PDF gives no figures, never an error
        log.debug("cannot read the PDF's layout: %s", exc)
        return []
    finally:
        doc.close()


def _render(
    doc: pdfium.PdfDocument, region: FigureRegion, *, dpi: int, max_side: int, max_bytes: int
) -> CroppedFigure | None:
    assert region.box is not None
    x0, y0, x1, y1 = region.box
    page = doc[region.page]
    try:
        if page.get_rotation():
            # Captions were read as horizontal text in user space, so user space is the reading
            # orientation of this figure: render unrotated (a /Rotate would turn it sideways).
            page.set_rotation(0)
        cx0, cy0, cx1, cy1 = page.get_cropbox()
        long_pt = max(x1 - x0, y1 - y0, 1)
        scale = max(dpi, 36) / 72
        if long_pt * scale < _MIN_LONG_SIDE_PX:  # a small figure: render it sharper
            scale = min(_MAX_UPSCALE * scale, _MIN_LONG_SIDE_PX / long_pt)
        # never render more than twice the final size (a huge page or a huge dpi)
        scale = min(scale, 2 * max_side / long_pt)
        crop = (max(0, x0 - cx0), max(0, y0 - cy0), max(0, cx1 - x1), max(0, cy1 - y1))
        bitmap = page.render(scale=scale, crop=crop, draw_annots=False, rev_byteorder=True)
        try:
            image = bitmap.to_pil().convert("RGB")
        finally:
            bitmap.close()
    finally:
        page.close()
    image = _trim_white(image)
    if image is None or min(image.size) < MIN_SIDE_PX:
        return None
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    image = _pad_to_ratio(image)
    data, mime = _encode(image)
    shrinks = 0
    while len(data) > max_bytes:  # over the byte limit (noise-like images): smaller JPEGs
        if shrinks == 8:
            return None
        shrinks += 1
        image = image.resize(
            (max(1, round(image.width * 0.75)), max(1, round(image.height * 0.75))),
            Image.Resampling.LANCZOS,
        )
        image = _pad_to_ratio(image)
        data, mime = _jpeg(image, 80), "image/jpeg"
    return CroppedFigure(
        number=region.number,
        label=region.label,
        caption=region.caption,
        page=region.page,
        data=data,
        mime=mime,
        width=image.width,
        height=image.height,
    )


def prepare_image(
    data: bytes,
    *,
    label: str,
    caption: str,
    max_side_px: int = 2000,
    max_bytes: int = MAX_IMAGE_BYTES,
) -> CroppedFigure | None:
    """One figure image from an arXiv HTML page, made fit for chats like a PDF crop: decoded
    (decompression bombs refused), flattened to RGB, the long side at most ``max_side_px``, the
    aspect ratio at most 20, PNG or JPEG within ``max_bytes``. None when it is not a usable
    image. Meant for the worker process too: untrusted image bytes are decoded there."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = opened.convert("RGBA") if opened.mode in ("P", "LA", "RGBA") else opened
            if image.mode == "RGBA":  # transparent plots: on white, as on the page
                canvas = Image.new("RGB", image.size, "white")
                canvas.paste(image, mask=image.getchannel("A"))
                image = canvas
            image = image.convert("RGB")
    except Exception as exc:  # noqa: BLE001 - PIL raises many types for bad or hostile input
        log.debug("cannot decode the figure image %s: %s", label, exc)
        return None
    if min(image.size) < MIN_SIDE_PX:
        return None
    limit = max(MIN_SIDE_PX * 4, min(int(max_side_px), MAX_SIDE_LIMIT))
    if max(image.size) > limit:
        image.thumbnail((limit, limit), Image.Resampling.LANCZOS)
    image = _pad_to_ratio(image)
    encoded, mime = _encode(image)
    if len(encoded) > max_bytes:
        return None
    number = re.sub(r"^(?:Figure|Fig\.?)\s*", "", label).strip(" :.") or "x"
    return CroppedFigure(
        number=number, label=label, caption=caption, page=0, data=encoded, mime=mime,
        width=image.width, height=image.height,
    )


def _trim_white(image: Image.Image) -> Image.Image | None:
    """Crop near-white borders, keeping a small margin; None for an all-white image."""
    mask = image.convert("L").point(lambda v: 255 if v < _WHITE_THRESHOLD else 0)
    bbox = mask.getbbox()
    if not bbox:
        return None
    m = _TRIM_MARGIN_PX
    left, top, right, bottom = bbox
    return image.crop(
        (
            max(0, left - m),
            max(0, top - m),
            min(image.width, right + m),
            min(image.height, bottom + m),
        )
    )


def _pad_to_ratio(image: Image.Image) -> Image.Image:
    """Pad a very long, thin image with white so its aspect ratio is at most MAX_ASPECT_RATIO."""
    w, h = image.size
    if max(w, h) <= MAX_ASPECT_RATIO * min(w, h):
        return image
    if w >= h:
        size = (w, math.ceil(w / MAX_ASPECT_RATIO))
    else:
        size = (math.ceil(h / MAX_ASPECT_RATIO), h)
    canvas = Image.new("RGB", size, "white")
    canvas.paste(image, ((size[0] - w) // 2, (size[1] - h) // 2))
    return canvas


def _encode(image: Image.Image) -> tuple[bytes, str]:
    """PNG for line art and screenshots; JPEG when it is clearly smaller (photographs, renders)."""
    png = _png(image)
    if len(png) <= _SMALL_PNG:
        return png, "image/png"
    jpeg = _jpeg(image, _JPEG_QUALITY)
    if len(jpeg) < _JPEG_WINS * len(png):
        return jpeg, "image/jpeg"
    return png, "image/png"


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality, optimize=True)
    return buf.getvalue()
