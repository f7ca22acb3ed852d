"""Papers per topic and arXiv cycle: fetched once per source and cycle, stored, then shared.

Sources are the daily feed of a set of archives (``feed:cs``, ``feed:econ+eess+…``; the sets are
``arxiv.feed_archives``) and an arXiv API search over one cycle's submission window
(``query:<search_query>``) for raw queries. Free text is matched locally against the whole
announcement, so arXiv's cost grows with arXiv, not with topics (issue 9). Whatever a source
returned for a cycle is kept in the ``listings`` table, so other chats, later digests and
restarts do not refetch it; what a topic matched in a cycle is scored once per process.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from cachetools import LRUCache

from bot.core.ranking import SKIPPED_TYPES, Listed, Match, score
from papers.announcements import ARXIV_HOLIDAYS, ARXIV_TZ, latest_announcement, mailing_date
from papers.categories import ARCHIVES_WITH_SUBJECTS, categories_in_archive
from papers.feed import ArxivFeed
from papers.matching import ListingIndex
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
# A feed set searched in the API (a mailing that left the feed) can list a few hundred papers.
_CATEGORY_SEARCH_RESULTS = 2000
# Hydrated listings kept in memory (a whole archive's cycle is a few thousand papers).
_HYDRATED_LISTINGS = 64
# (topic, cycle) results kept: 10,000 distinct topics over a catch-up of five cycles.
_MATCHED_TOPICS = 50_000
# Papers written or read per SQLite transaction before the loop gets a turn (issue 10: a huge
# feed stored in one go blocked the loop for seconds; see bench/big_feed.py).
_BATCH = 500

__all__ = [
    "LISTING_LAG",
    "Listed",
    "NotReady",
    "PaperSupply",
    "cycle_key",
    "fetchable_announcement",
    "submission_window",
]


def _now() -> datetime:
    return datetime.now(UTC)


def fetchable_announcement(now: datetime, holidays: Collection[date] = ARXIV_HOLIDAYS) -> datetime:
    """The newest announcement whose listing arXiv publishes by ``now`` (feed and API)."""
    return latest_announcement(now - LISTING_LAG, holidays=holidays)


class NotReady(Exception):
    """arXiv has not published this cycle's listing yet (the feed still shows the previous one)."""


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


@dataclass(frozen=True, slots=True)
class _Hydrated:
    """A listing read back from storage, with what a topic may be scored against."""

    listed: list[Listed]
    eligible: list[Listed]  # new papers only (replacements are never in a digest)
    index: ListingIndex


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
        self._sets = feed.archive_sets
        # One fetch per source and cycle while anyone waits for it; gone once nobody does.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        # Hydrated listings and per-topic results of this process, so ten thousand chats neither
        # re-read SQLite nor re-score a topic another chat follows too.
        self._hydrated: LRUCache[tuple[str, str], _Hydrated] = LRUCache(_HYDRATED_LISTINGS)
        self._matched: LRUCache[tuple[str, str], tuple[Match, ...]] = LRUCache(_MATCHED_TOPICS)
        self.requests = 0  # arXiv requests made (benchmarks read it)
        self.scored = 0  # papers scored with papers.query.matches (benchmarks read it)

    def sources_for(self, topic: Topic) -> list[str]:
        """The source keys a topic reads: the feed sets holding its categories (every set for
        free text without one), a category's own feed when no set holds it; raw queries search."""
        if topic.kind == "query":
            return [f"query:{to_arxiv_query(topic)}"]
        if not topic.categories:
            return [_feed_key(s) for s in self._sets]
        keys: list[str] = []
        for category in topic.categories:
            archive = category.split(".")[0].lower() if "." in category else category
            held = [s for s in self._sets if archive in s or category in s]
            key = _feed_key(held[0]) if held else f"feed:{category}"
            if key not in keys:
                keys.append(key)
        return keys

    async def matched(
        self, topic: Topic, announcement: datetime, previous: datetime
    ) -> tuple[Match, ...]:
        """The new papers of the cycle that match ``topic``, scored once per topic and cycle."""
        cycle = cycle_key(announcement)
        known = self._matched.get((topic.query, cycle))
        if known is not None:
            return known
        found: dict[str, Match] = {}
        for key in self.sources_for(topic):
            hydrated = await self._hydrated_listing(key, announcement, previous)
            among = hydrated.index.candidates(topic)
            self.scored += len(among)
            for match in score(topic, hydrated.eligible, among):
                found.setdefault(match.paper.arxiv_id, match)
        result = tuple(found.values())
        self._matched[(topic.query, cycle)] = result
        return result

    async def listed(self, key: str, announcement: datetime, previous: datetime) -> list[Listed]:
        """The papers ``key`` lists for this cycle; NotReady when arXiv has not caught up yet."""
        return (await self._hydrated_listing(key, announcement, previous)).listed

    async def _hydrated_listing(
        self, key: str, announcement: datetime, previous: datetime
    ) -> _Hydrated:
        cycle = cycle_key(announcement)
        known = self._hydrated.get((key, cycle))
        if known is not None:
            return known
        lock = self._locks.setdefault(f"{key}@{cycle}", asyncio.Lock())
        async with lock:  # concurrent chats on the same source wait for one fetch
            known = self._hydrated.get((key, cycle))
            if known is not None:
                return known
            stored = self._repo.digests.get_listing(key, cycle)
            if stored is None:
                stored = await self._fetch(key, cycle, announcement, previous)
            papers: dict[str, Paper] = {}
            for start in range(0, len(stored), _BATCH):
                batch = stored[start : start + _BATCH]
                papers.update(self._repo.get_papers(vid for vid, _ in batch))
                await asyncio.sleep(0)
            listed = [Listed(papers[vid], kind) for vid, kind in stored if vid in papers]
            eligible = [item for item in listed if item.announce_type not in SKIPPED_TYPES]
            # Pure Python over immutable papers: a thread, so the loop keeps its turns.
            index = await asyncio.to_thread(ListingIndex, [i.paper for i in eligible])
            hydrated = _Hydrated(listed, eligible, index)
            self._hydrated[(key, cycle)] = hydrated
            return hydrated

    async def _fetch(
        self, key: str, cycle: str, announcement: datetime, previous: datetime
    ) -> list[tuple[str, str]]:
        if key.startswith("feed:"):
            stored = await self._fetch_feed(key, date.fromisoformat(cycle))
            if stored is None:  # that mailing has left the feed: search the API for it
                query = _catch_up_query(key.removeprefix("feed:").split("+"))
                stored = await self._search(
                    key, query, cycle, announcement, previous, _CATEGORY_SEARCH_RESULTS
                )
            return stored
        if self._clock() < announcement + LISTING_LAG:
            # Searching now would find nothing and store that: wait for arXiv.
            raise NotReady(f"arXiv's API has not published the {cycle} mailing yet")
        query = key.removeprefix("query:")
        return await self._search(
            key, query, cycle, announcement, previous, self._max_query_results
        )

    async def _fetch_feed(self, key: str, mailing: date) -> list[tuple[str, str]] | None:
        """The feed's entries for ``mailing``; None when the feed has moved past it (or is in its
        weekend/holiday silence), NotReady when it has not reached it yet."""
        listing = await self._feed.listing(key.removeprefix("feed:").split("+"))
        self.requests += 1
        if listing.announced is not None and listing.announced < mailing:
            raise NotReady(f"{key} does not list the {mailing} mailing yet")
        if listing.announced is None:
            return None
        # The feed lacks comments, journal refs and submission dates: never let it overwrite
        # what an API look-up stored. One transaction per batch, the loop free in between; the
        # listing is saved last, so a crash midway leaves no listing pointing at missing papers.
        for start in range(0, len(listing.entries), _BATCH):
            self._repo.add_papers(e.paper for e in listing.entries[start : start + _BATCH])
            await asyncio.sleep(0)
        entries = [(e.paper.versioned_id, e.announce_type) for e in listing.entries]
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
        with self._repo.batch():
            for paper in papers:
                self._repo.save_paper(paper)
            entries = [(paper.versioned_id, "new") for paper in papers]
            self._repo.digests.save_listing(key, cycle, entries)
        return entries


def _feed_key(archives: tuple[str, ...]) -> str:
    return "feed:" + "+".join(archives)


def _catch_up_query(codes: list[str]) -> str:
    """The API query for what a feed set lists: every category of its archives."""
    categories: list[str] = []
    for code in codes:
        if code in ARCHIVES_WITH_SUBJECTS:
            categories += categories_in_archive(code)
        else:
            categories.append(code)
    return " OR ".join(f"cat:{c}" for c in categories)


def _stamp(moment: datetime) -> str:
    """arXiv's submittedDate format: YYYYMMDDHHMM in GMT."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M")
