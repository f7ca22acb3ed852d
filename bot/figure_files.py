"""``--assets DIR``: a paper's figures written as image files for an exported Markdown page."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from pathlib import Path

from bot.core.figures import PaperFigures
from bot.core.messages import PaperCard


async def write_figures(
    figures: PaperFigures, cards: Iterable[PaperCard], assets: Path
) -> dict[str, tuple[str, ...]]:
    """Each card's figures as ``DIR/<versioned id>/figure-N.png``; the paths as the page should
    reference them (relative when ``assets`` is), keyed by versioned id. Papers whose figures
    may not be reposted (licence) or could not be extracted get none."""
    written: dict[str, tuple[str, ...]] = {}
    for card in cards:
        album = await figures.album(card.paper)
        if not album.figures:
            continue
        folder = assets / re.sub(r"[^A-Za-z0-9.]+", "_", card.paper.versioned_id)
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        paths = []
        for figure in album.figures:
            path = folder / figure.filename
            await asyncio.to_thread(path.write_bytes, figure.data)
            paths.append(path.as_posix())
        written[card.paper.versioned_id] = tuple(paths)
    return written
