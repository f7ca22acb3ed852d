"""Papers per topic and arXiv cycle: fetched once per source and cycle, stored, then shared.

Sources are the daily feed of one category (``feed:cs.CV``) and an arXiv API search over one
cycle's submission window (``query:<search_query>``). Whatever a source returned for a cycle is
kept in the ``listings`` table, so other chats, later digests and restarts do not refetch it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from papers.announcements import ARXIV_HOLIDAYS, ARXIV_TZ, latest_announcement, mailing_date
from papers.feed import ArxivFeed
from papers.models import Paper
from papers.query import Topic, to_arxiv_query
from papers.source import ArxivSource
from storage.repository import Repository

log = logging.getLogger(__name__)

# The daily submission deadline (US Eastern); see shared/FACTS.md §7's table.
_DEADLINE = time(14, 0)
# arXiv announces at 20:00 ET, but its feed updates at midnight ET and its API "on the midnight
# after": a cycle is fetchable this long after its announcement (with a little margin).
LISTING_LAG = timedelta(hours=4, minutes=30)
# A category searched in the API (a mailing that left the feed) can list a few hundred papers.
_CATEGORY_SEARCH_RESULTS = 2000


def _now() -> datetime:
    return datetime.now(UTC)


def fetchable_announcement(now: datetime, holidays: Collection[date] = ARXIV_HOLIDAYS) -> datetime:
    """The newest announcement whose listing arXiv publishes by ``now`` (feed and API)."""
    return latest_announcement(now - LISTING_LAG, holidays=holidays)


class NotReady(Exception):
    """arXiv has not published this cycle's listing yet (the feed still shows the previous one)."""


@dataclass(frozen=True, slots=True)
class Listed:
    """A paper version in a cycle's listing, and why it is listed (new, cross, replace…)."""

    paper: Paper
    announce_type: str


def cycle_key(announcement: datetime) -> str:
    """A cycle's name: its mailing date (what the feed and readers call "today's papers")."""
    return mailing_date(announcement).isoformat()


def submission_window(announcement: datetime, previous: datetime) -> tuple[datetime, datetime]:
    """The submissions an announcement carries: from the previous one's deadline to its own.

    The deadline of an announcement is 14:00 ET on its day, or on the Friday before for a
    Sunday announcement (Thursday 14:00 – Friday 14:00 is announced on Sunday).
    """
    return _deadline(previous), _deadline(announcement)


def _deadline(announcement: datetime) -> datetime:
    day = announcement.astimezone(ARXIV_TZ).date()
    if day.weekday() == 6:  # Sunday
        day -= timedelta(days=2)
    return datetime.combine(day, _DEADLINE, tzinfo=ARXIV_TZ)


class PaperSupply:
    """Fetches what a topic needs for a cycle, at most once per source and cycle."""

    def __init__(
        self,
        repo: Repository,
        feed: ArxivFeed,
        source: ArxivSource,
        *,
        max_query_results: int = 100,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._clock = clock
        self._repo = repo
        self._feed = feed
        self._source = source
        self._max_query_results = max_query_results
        self._locks: dict[str, asyncio.Lock] = {}
        # Hydrated listings of this process, so a thousand chats do not re-read them from SQLite.
        self._hydrated: dict[tuple[str, str], list[Listed]] = {}
        self.requests = 0  # arXiv requests made (benchmarks read it)

    def sources_for(self, topic: Topic) -> list[str]:
        """The source keys a topic reads: category feeds when it names categories, else a search."""
        if topic.kind != "query" and topic.categories:
            return [f"feed:{c}" for c in topic.categories]
        return [f"query:{to_arxiv_query(topic)}"]

    async def listed(self, key: str, announcement: datetime, previous: datetime) -> list[Listed]:
        """The papers ``key`` lists for this cycle; NotReady when arXiv has not caught up yet."""
        cycle = cycle_key(announcement)
        known = self._hydrated.get((key, cycle))
        if known is not None:
            return known
        lock = self._locks.setdefault(f"{key}@{cycle}", asyncio.Lock())
        async with lock:  # concurrent chats on the same topic wait for one fetch
            stored = self._repo.digests.get_listing(key, cycle)
            if stored is None:
                if key.startswith("feed:"):
                    stored = await self._fetch_feed(key, date.fromisoformat(cycle))
                    if stored is None:  # that mailing has left the feed: search the API for it
                        query = f"cat:{key.removeprefix('feed:')}"
                        stored = await self._search(
                            key, query, cycle, announcement, previous, _CATEGORY_SEARCH_RESULTS
                        )
                else:
                    if self._clock() < announcement + LISTING_LAG:
                        # Searching now would find nothing and store that: wait for arXiv.
                        raise NotReady(f"arXiv's API has not published the {cycle} mailing yet")
                    query = key.removeprefix("query:")
                    stored = await self._search(
                        key, query, cycle, announcement, previous, self._max_query_results
                    )
        hydrated = [listed for vid, kind in stored if (listed := self._hydrate(vid, kind))]
        if len(self._hydrated) > 4096:  # a long-running process: keep the memory bounded
            self._hydrated.clear()
        self._hydrated[(key, cycle)] = hydrated
        return hydrated

    async def _fetch_feed(self, key: str, mailing: date) -> list[tuple[str, str]] | None:
        """The feed's entries for ``mailing``; None when the feed has moved past it (or is in its
        weekend/holiday silence), NotReady when it has not reached it yet."""
        listing = await self._feed.listing([key.removeprefix("feed:")])
        self.requests += 1
        if listing.announced is not None and listing.announced < mailing:
            raise NotReady(f"{key} does not list the {mailing} mailing yet")
        if listing.announced is None:
            return None
        entries = []
        for entry in listing.entries:
            if self._repo.get_paper(entry.paper.versioned_id) is None:
                # The feed lacks comments, journal refs and submission dates: never let it
                # overwrite what an API look-up stored.
                self._repo.save_paper(entry.paper)
            entries.append((entry.paper.versioned_id, entry.announce_type))
        self._repo.digests.save_listing(key, listing.announced.isoformat(), entries)
        if listing.announced > mailing:
            log.info("%s: the %s mailing is no longer in the feed", key, mailing)
            return None
        return entries

    async def _search(
        self, key: str, query: str, cycle: str, announcement: datetime, previous: datetime,
        max_results: int,
    ) -> list[tuple[str, str]]:
        """One API search over the cycle's submission window, stored under ``key``.

        Every result is "new": the window selects papers first submitted in this cycle, even
        when a revision (v2…) has appeared since.
        """
        start, end = submission_window(announcement, previous)
        window = f"submittedDate:[{_stamp(start)} TO {_stamp(end)}]"
        papers = await self._source.search(f"({query}) AND {window}", max_results=max_results)
        self.requests += 1
        entries = []
        for paper in papers:
            self._repo.save_paper(paper)
            entries.append((paper.versioned_id, "new"))
        self._repo.digests.save_listing(key, cycle, entries)
        return entries

    def _hydrate(self, versioned_id: str, kind: str) -> Listed | None:
        stored = self._repo.get_paper(versioned_id)
        return Listed(stored[0], kind) if stored else None


def _stamp(moment: datetime) -> str:
    """arXiv's submittedDate format: YYYYMMDDHHMM in GMT."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M")
