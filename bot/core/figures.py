"""A paper's figures for chats: extracted once per paper, reposted only when its licence allows.

The HTML rendering's own figure images when arXiv has one, else caption-anchored crops of the
PDF. Untrusted bytes (PDFs, images) are decoded in the isolated worker process, under the same
time and memory caps as the full text. Never raises for a paper's problems: an album with no
figures says where to see them instead.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING

from cachetools import TTLCache

from bot.core.messages import Figure, FigureAlbum
from config.settings import FiguresSettings, FullTextSettings
from papers.errors import PapersError
from papers.figure_jobs import crop_figures, prepare_image
from papers.fulltext import FullText, FullTextSource
from papers.licences import licence_label, may_repost
from papers.models import Paper
from papers.pdf_worker import run_isolated

if TYPE_CHECKING:
    from papers.pdf_figures import CroppedFigure

log = logging.getLogger(__name__)

_LICENCE_NOTE_START = "The figures are on arXiv: this paper's licence"
_KEEP_S = 6 * 3600  # albums are kept this long in memory: a digest's chats share one extraction
_KEPT = 32  # at most this many albums (a few MB of images)


class PaperFigures:
    """Figures per paper version, shared by every chat and platform."""

    def __init__(
        self,
        fulltext: FullTextSource,
        settings: FiguresSettings,
        caps: FullTextSettings,
        *,
        html_url: str,
    ) -> None:
        self._fulltext = fulltext
        self._settings = settings
        self._caps = caps
        self._html_url = html_url
        self._albums: TTLCache[str, FigureAlbum] = TTLCache(maxsize=_KEPT, ttl=_KEEP_S)
        self._in_flight: dict[str, asyncio.Future[FigureAlbum]] = {}

    @property
    def enabled(self) -> bool:
        """False when figures are switched off (``figures.policy = never``)."""
        return self._settings.policy != "never" and self._settings.max_per_paper > 0

    async def album(self, paper: Paper) -> FigureAlbum:
        """The paper's figures (teaser first), or a link and a note saying why there are none."""
        key = paper.versioned_id
        if key in self._albums:
            return self._albums[key]
        running = self._in_flight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[FigureAlbum] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            album = await self._make(paper)
            if album.figures or album.link is None or self._settled(album):
                self._albums[key] = album  # an empty album from a passing failure is not kept
            future.set_result(album)
            return album
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # waiters, if any, get it; nobody else must
            raise
        finally:
            del self._in_flight[key]

    @staticmethod
    def _settled(album: FigureAlbum) -> bool:
        return album.note.startswith(_LICENCE_NOTE_START)

    async def _make(self, paper: Paper) -> FigureAlbum:
        if not self.enabled:
            return FigureAlbum(paper)
        text = await self._fulltext.get(paper)
        where = self._html_url + paper.versioned_id if text.source == "html" else paper.abs_url
        licence = paper.license or text.licence
        commercial = self._settings.commercial
        if self._settings.policy == "licensed" and not may_repost(licence, commercial=commercial):
            if licence is None:  # a paper asked for on demand: its abstract page says
                licence = await self._fulltext.licence(paper)
            if not may_repost(licence, commercial=commercial):
                label = licence_label(licence) or "not stated"
                return FigureAlbum(paper, link=where, note=(
                    f"{_LICENCE_NOTE_START} ({label}) does not let me repost them here."
                ))
        figures = await self._extract(paper, text)
        if not figures:
            return FigureAlbum(paper, link=where, note="I could not take the figures out of this "
                               "paper; they are on arXiv.")
        label = licence_label(licence)
        credit = f"Figures from arXiv:{paper.versioned_id}" + (f", {label}" if label else "")
        return FigureAlbum(paper, tuple(figures), link=where, note=credit)

    async def _extract(self, paper: Paper, text: FullText) -> list[Figure]:
        limit = self._settings.max_per_paper
        try:
            if text.figures:
                return await self._from_html(text, limit)
            return await self._from_pdf(paper, limit)
        except PapersError as exc:  # worker timeout, memory cap, crash: one line, no figures
            log.warning("figures of %s: %s", paper.versioned_id, exc)
            return []

    async def _from_html(self, text: FullText, limit: int) -> list[Figure]:
        figures = []
        for number, ref in enumerate(text.figures[:limit], 1):
            try:
                data = await self._fulltext.fetch_asset(ref.url)
            except ValueError:  # an image hosted elsewhere: not fetched
                log.info("figure image outside arXiv's HTML skipped: %.100s", ref.url)
                continue
            if data is None:
                continue
            label = ref.label or f"Figure {number}"
            try:
                prepared = await run_isolated(
                    functools.partial(prepare_image, label=label,
                                      caption=f"{label}: {ref.caption}" if ref.caption else label),
                    data, timeout_s=self._caps.parse_timeout_s,
                    memory_mb=self._caps.parse_memory_mb,
                )
            except PapersError as exc:  # this image only; the others still come
                log.warning("figure %s: %s", label, exc)
                continue
            if prepared is not None:
                figures.append(_figure(prepared))
        return figures

    async def _from_pdf(self, paper: Paper, limit: int) -> list[Figure]:
        path = await self._fulltext.pdf(paper)
        if path is None:
            return []
        data = await asyncio.to_thread(path.read_bytes)
        crops = await run_isolated(
            functools.partial(crop_figures, max_figures=limit, max_pages=self._caps.max_pages),
            data, timeout_s=self._caps.parse_timeout_s, memory_mb=self._caps.parse_memory_mb,
        )
        return [_figure(crop) for crop in crops]


def _figure(crop: CroppedFigure) -> Figure:
    return Figure(label=crop.label, caption=" ".join(crop.caption.split()), data=crop.data,
                  mime=crop.mime, filename=crop.filename)
