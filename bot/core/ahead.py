"""Summarize ahead: once arXiv's new cycle can be fetched, write the summaries that the coming
digests will send, in the background lane, so each digest goes out from the cache at its time.

arXiv's listing is fetchable hours before most morning deliveries (00:30 US Eastern), and the
model's budget is small (10 requests a minute on a free key): summarizing at delivery time made
readers wait for the model; summarizing ahead spends the quiet hours instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.core.digest import Digests
from bot.core.summaries import PaperSummaries
from bot.core.supply import NotReady, cycle_key, fetchable_announcement
from papers.announcements import ARXIV_HOLIDAYS
from papers.errors import PapersError
from papers.ids import parse_arxiv_id
from storage.repository import Repository

log = logging.getLogger(__name__)

CHECK_EVERY_S = 600.0  # how often to look for a new fetchable cycle


def _now() -> datetime:
    return datetime.now(UTC)


class SummarizeAhead:
    """One pass per cycle over every chat's coming digest; each (paper, language) once."""

    def __init__(
        self,
        digests: Digests,
        summaries: PaperSummaries,
        repo: Repository,
        *,
        concurrency: int = 4,
        holidays: frozenset = ARXIV_HOLIDAYS,  # type: ignore[type-arg]
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._digests = digests
        self._summaries = summaries
        self._repo = repo
        self._concurrency = concurrency
        self._holidays = holidays
        self._clock = clock
        self._done: str | None = None  # the cycle already prepared
        self.prepared = 0  # summaries asked for by the last pass (tests and logs read it)

    async def run_forever(self, every_s: float = CHECK_EVERY_S) -> None:
        """Prepare each new cycle as soon as it is fetchable; never raises (logged)."""
        while True:
            try:
                await self.prepare()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("summarizing ahead failed; digests will summarize at their time")
            await asyncio.sleep(every_s)

    async def prepare(self) -> int:
        """Summarize what the coming digests need, if this cycle was not prepared yet; returns
        how many (paper, language) pairs were asked for."""
        cycle = cycle_key(fetchable_announcement(self._clock(), self._holidays))
        if cycle == self._done:
            return 0
        wanted: dict[tuple[str, str], None] = {}
        try:
            for chat in self._repo.active_chats():
                for versioned_id in await self._digests.preview(chat.ref):
                    wanted[(versioned_id, chat.language)] = None
        except NotReady as exc:  # the feed is behind: the next check tries again
            log.info("not summarizing ahead yet: %s", exc)
            return 0
        gate = asyncio.Semaphore(self._concurrency)
        await asyncio.gather(*(self._one(v, lang, gate) for v, lang in wanted))
        self._done, self.prepared = cycle, len(wanted)
        log.info("summarized ahead for the %s cycle: %d papers and languages", cycle, len(wanted))
        return len(wanted)

    async def _one(self, versioned_id: str, language: str, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                await self._summaries.card(parse_arxiv_id(versioned_id), language)
            except PapersError as exc:  # the digest tries again at its time
                log.warning("summarizing %s ahead failed: %s", versioned_id, exc)
