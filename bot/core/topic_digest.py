"""One topic's papers of one arXiv mailing, ranked and summarized: the digest people publish.

Platform-neutral: it knows topics, mailings and cards, not chats or markup. ``paperboy digest``
renders what it returns (bot/render/digest_markdown.py). Papers come from the shared per-cycle
supply (bot/core/supply.py) and summaries from the shared cache, so a second run for the same
topic and day asks neither arXiv nor the model again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.messages import PaperCard
from bot.core.ranking import rank
from bot.core.summaries import PaperSummaries
from bot.core.supply import Listed, PaperSupply
from papers.announcements import (
    ARXIV_HOLIDAYS,
    QuietReason,
    announcement_for_mailing,
    latest_announcement,
    mailing_date,
    quiet_reason,
)
from papers.errors import PapersError
from papers.ids import parse_arxiv_id
from papers.models import Paper
from papers.query import Topic

log = logging.getLogger(__name__)

DEFAULT_MAX_PAPERS = 30
# New versions of papers announced before: a digest of "today's papers" leaves them out, as the
# chat digest does (bot/core/digest.py).

Progress = Callable[[int, int], None]
"""Called with (papers done, papers in total): once before summarizing, then after each paper."""


class MailingNotOut(Exception):
    """The mailing asked for is in the future, or arXiv has not announced it yet."""


@dataclass(frozen=True, slots=True)
class Mailing:
    """A mailing date and the announcement that fills it (None on weekends and holidays)."""

    day: date
    announcement: datetime | None
    quiet: QuietReason | None = None


@dataclass(frozen=True, slots=True)
class TopicDigest:
    """What one topic got in one mailing: the cards in rank order, and how many matched."""

    topic: Topic
    mailing: Mailing
    language: str
    cards: tuple[PaperCard, ...]
    matched: int  # papers that matched the topic, before the --max cut
    skipped: tuple[str, ...] = ()  # versioned ids arXiv could not give us (left out)

    @property
    def new_summaries(self) -> int:
        """Cards summarized by this run (the others came from the cache)."""
        return sum(not card.cached for card in self.cards)


def resolve_mailing(
    day: date | None, now: datetime, holidays: Collection[date] = ARXIV_HOLIDAYS
) -> Mailing:
    """The mailing dated ``day`` (default: the latest one) as seen at ``now`` (tz-aware, local).

    Raises MailingNotOut for a date after today, or for today's mailing before its announcement.
    A weekend or holiday in the past (or today) is a Mailing without announcement.
    """
    if day is None:
        latest = latest_announcement(now, holidays=holidays)
        return Mailing(mailing_date(latest), latest)
    announcement = announcement_for_mailing(day, holidays=holidays)
    if announcement is not None and announcement <= now:
        return Mailing(day, announcement)
    today = now.date()
    if day > today:
        raise MailingNotOut(f"{day.isoformat()} is in the future (today is {today.isoformat()})")
    if announcement is None:
        return Mailing(day, None, quiet_reason(day, holidays=holidays))
    local = announcement.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M %Z").strip()
    raise MailingNotOut(
        f"arXiv announces the papers of {day.isoformat()} at {local}; try again after that"
    )


def rank_papers(topic: Topic, listed: Iterable[Listed]) -> list[Paper]:
    """Papers that match ``topic``, best first; the chat digests' rule (bot.core.ranking)."""
    return rank((topic, item) for item in listed)


class TopicDigests:
    """Builds topic digests from the shared paper supply and summary cache."""

    def __init__(
        self,
        supply: PaperSupply,
        summaries: PaperSummaries,
        *,
        concurrency: int = 4,
        holidays: Collection[date] = ARXIV_HOLIDAYS,
    ) -> None:
        self._holidays = holidays
        self._supply = supply
        self._summaries = summaries
        self._concurrency = concurrency

    async def build(
        self,
        topic: Topic,
        mailing: Mailing,
        language: str,
        *,
        max_papers: int = DEFAULT_MAX_PAPERS,
        progress: Progress | None = None,
    ) -> TopicDigest:
        """Rank the mailing's papers for ``topic`` and summarize the best ``max_papers``.

        Raises NotReady when arXiv's feed has not caught up with the mailing yet, and
        PapersError when arXiv cannot be asked; a paper that alone fails is left out.
        """
        if mailing.announcement is None:
            return TopicDigest(topic, mailing, language, (), 0)
        previous = latest_announcement(
            mailing.announcement - timedelta(minutes=1), holidays=self._holidays
        )
        listed: list[Listed] = []
        for key in self._supply.sources_for(topic):
            listed += await self._supply.listed(key, mailing.announcement, previous)
        ranked = rank_papers(topic, listed)
        chosen = ranked[:max_papers]
        cards = await self._cards(chosen, language, progress)
        ready = tuple(card for card in cards if card is not None)
        skipped = tuple(p.versioned_id for p, card in zip(chosen, cards, strict=True) if card is None)
        return TopicDigest(topic, mailing, language, ready, len(ranked), skipped)

    async def _cards(
        self, papers: list[Paper], language: str, progress: Progress | None
    ) -> list[PaperCard | None]:
        """One card per paper, in order; at most ``concurrency`` summaries at a time."""
        gate = asyncio.Semaphore(self._concurrency)
        done = 0
        if progress is not None:
            progress(0, len(papers))

        async def one(paper: Paper) -> PaperCard | None:
            nonlocal done
            async with gate:
                try:
                    card: PaperCard | None = await self._summaries.card(
                        parse_arxiv_id(paper.versioned_id), language
                    )
                except PapersError as exc:
                    log.warning("topic digest: left out %s: %s", paper.versioned_id, exc)
                    card = None
            done += 1
            if progress is not None:
                progress(done, len(papers))
            return card

        return list(await asyncio.gather(*(one(p) for p in papers)))
