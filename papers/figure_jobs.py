"""The figure jobs a worker process runs, named without importing PDFium or Pillow here.

``run_isolated`` sends a job to the worker by reference (module and name); referencing
``papers.pdf_figures`` directly would load PDFium and Pillow into the bot's own process at
import, where nothing else needs them (tens of MB of idle memory).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from papers.pdf_figures import CroppedFigure


def crop_figures(pdf: bytes, **options: Any) -> list[CroppedFigure]:
    """``papers.pdf_figures.crop_figures``, imported in the process that runs it."""
    from papers.pdf_figures import crop_figures as crop

    return crop(pdf, **options)


def prepare_image(data: bytes, **options: Any) -> Any:
    """``papers.pdf_figures.prepare_image``, imported in the process that runs it."""
    from papers.pdf_figures import prepare_image as prepare

    return prepare(data, **options)
