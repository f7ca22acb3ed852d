"""Daily digests: what a chat gets for the arXiv cycles since its last digest, and sending it.

A digest is planned (and the plan stored) before anything is sent; each paper is recorded as
delivered right after its message went out. A crash mid-digest therefore resumes where it
stopped, and no paper reaches a chat twice.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.lifecycle import ChatLifecycle
from bot.core.messages import Notice, PaperCard, PaperList, Reply, Tone
from bot.core.notices import digest_header, quiet_text
from bot.core.ports import ChatUnreachable, MessageRejected, Platform
from bot.core.ranking import Match, rank_matches
from bot.core.summaries import PaperSummaries
from bot.core.supply import NotReady, PaperSupply, cycle_key, fetchable_announcement
from config.settings import DigestSettings
from papers.announcements import (
    ARXIV_HOLIDAYS,
    announcement_for_mailing,
    announcements_between,
    latest_announcement,
    quiet_reason,
)
from papers.errors import PapersError
from papers.ids import parse_arxiv_id
from papers.query import InvalidTopic, Topic, parse_topic
from storage.models import Chat, ChatRef, DigestRecord
from storage.repository import Repository

log = logging.getLogger(__name__)

Status = Literal[
    "sent", "nothing-new", "no-matches", "quiet", "no-subscriptions", "not-ready", "unreachable", "paused",
    "already-sent", "failed", "planned",
]
_MAX_CYCLES = 5  # a chat away longer than this gets only the latest five cycles
SENDING_CHATS = 60
# Chats planning at once. Each plan is a few milliseconds of work without a pause: thousands of
# chats due in the same minute, all ready at once, would hold the event loop for seconds (every
# ready task runs before the loop looks at the network again), and replies would wait.
PLANNING_CHATS = 4
MAX_SEND_ATTEMPTS = 5  # a digest whose sending failed this often is given up (logged)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one chat's digest (the scheduler and /digest read it)."""

    status: Status
    sent: int = 0
    record: DigestRecord | None = None
    detail: str = ""


def _now() -> datetime:
    return datetime.now(UTC)


class Digests:
    """Plans and delivers digests for chats; one digest per chat at a time."""

    def __init__(
        self,
        repo: Repository,
        supply: PaperSupply,
        summaries: PaperSummaries,
        *,
        settings: DigestSettings,
        concurrency: int = 4,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._holidays = ARXIV_HOLIDAYS | frozenset(settings.extra_holidays)
        self._repo = repo
        self._lifecycle = ChatLifecycle(repo)
        self._supply = supply
        self._summaries = summaries
        self._settings = settings
        self._clock = clock
        self._concurrency = asyncio.Semaphore(concurrency)
        # Chats sending at once: with thousands due at the same minute, a reader would otherwise
        # wait minutes between the header and the first card (bench/fanout.py).
        self._sending = asyncio.Semaphore(SENDING_CHATS)
        self._planning = asyncio.Semaphore(PLANNING_CHATS)
        # One digest per chat at a time; a lock lives only while someone holds or awaits it.
        self._chat_locks: weakref.WeakValueDictionary[ChatRef, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self.platforms: dict[str, Platform] = {}

    async def run(
        self, ref: ChatRef, *, trigger: str, due_at: datetime | None = None,
        budget: Callable[[], bool] | None = None,
    ) -> Outcome:
        """Plan and send the chat's digest for ``due_at`` (now for /digest); safe to call twice.

        ``budget`` (for /digest): asked before each new model summary; when it says no, the
        paper comes with its extractive summary (marked as such) instead, so a /max 50 digest
        costs no more model calls than the person's quota allows."""
        async with self._chat_locks.setdefault(ref, asyncio.Lock()):
            async with self._planning:  # see PLANNING_CHATS
                chat, step = await self._prepare(ref, trigger, due_at)
            if isinstance(step, Outcome):
                if chat is not None and step.status == "quiet" and step.record is not None:
                    return await self._send_quiet_note(chat, step)
                return step
            assert chat is not None
            return await self._deliver(step, chat, budget)

    async def plan(
        self, ref: ChatRef, *, trigger: str = "schedule", due_at: datetime | None = None
    ) -> Outcome:
        """Plan and store the chat's digest without sending it ("planned"): the next ``run``
        delivers a stored plan before anything else. Benchmarks time planning alone with it."""
        async with self._chat_locks.setdefault(ref, asyncio.Lock()):
            async with self._planning:
                _, step = await self._prepare(ref, trigger, due_at)
            return step if isinstance(step, Outcome) else Outcome("planned", record=step)

    async def _prepare(
        self, ref: ChatRef, trigger: str, due_at: datetime | None
    ) -> tuple[Chat | None, DigestRecord | Outcome]:
        """The plan to deliver (a new one, or one a failure interrupted), or why there is none."""
        chat = self._repo.get_chat(ref)
        if chat is None or not chat.active:
            return chat, Outcome("unreachable")
        if chat.paused and trigger != "command":
            return chat, Outcome("paused")
        now = self._clock()
        due = due_at or now
        last = self._repo.digests.last(ref)
        if last is not None and last.completed_at is None:
            # An interrupted digest (a send failed): finish it before planning anything new.
            return chat, last
        if trigger != "command" and last is not None and last.due_at >= due:
            return chat, Outcome("already-sent", record=last)
        try:
            return chat, await self._plan(chat, now, due, trigger, last)
        except NotReady as exc:
            return chat, Outcome("not-ready", detail=str(exc))
        except PapersError as exc:
            log.warning("digest for %s: arXiv failed: %s", ref, exc)
            return chat, Outcome("failed", detail=str(exc))

    async def _send_quiet_note(self, chat: Chat, outcome: Outcome) -> Outcome:
        platform = self.platforms.get(chat.ref.platform)
        assert outcome.record is not None
        self._repo.digests.complete(outcome.record.id)
        if platform is not None:
            try:
                await platform.send(
                    chat.ref.chat_id, Reply((quiet_note(outcome.detail, chat.language),)), bulk=True
                )
            except ChatUnreachable as exc:
                self._lifecycle.unreachable(chat.ref, exc.reason)
                return Outcome("unreachable", detail=exc.reason)
        return outcome

    async def notify(self, ref: ChatRef, text: str) -> None:
        """Tell a chat something about its digests (never raises: it is a courtesy)."""
        platform = self.platforms.get(ref.platform)
        if platform is None:
            return
        try:
            await platform.send(ref.chat_id, Reply.notice(text, Tone.WARNING), bulk=True)
        except ChatUnreachable as exc:
            self._lifecycle.unreachable(ref, exc.reason)
        except Exception:
            log.exception("could not notify %s", ref)

    async def resume_incomplete(self, *, max_age: timedelta = timedelta(days=1)) -> list[Outcome]:
        """Finish digests a crash or stop interrupted (start-up), concurrently like any other
        digests; older ones are given up."""
        resumable = []
        for record in self._repo.digests.incomplete():
            chat = self._repo.get_chat(record.chat)
            if chat is None or not chat.active or self._clock() - record.due_at > max_age:
                self._repo.digests.complete(record.id)
                continue
            resumable.append((record, chat))
        results = await asyncio.gather(*(self._resume(r, c) for r, c in resumable))
        return [outcome for outcome in results if outcome is not None]

    async def _resume(self, record: DigestRecord, chat: Chat) -> Outcome | None:
        log.info("resuming digest %s for %s", record.id, record.chat)
        try:
            async with self._chat_locks.setdefault(record.chat, asyncio.Lock()):
                return await self._deliver(record, chat)
        except Exception:  # one chat's trouble must not stop the others' catch-up
            log.exception("resuming digest %s failed", record.id)
            return None

    # -- planning --------------------------------------------------------------------------------

    async def preview(self, ref: ChatRef) -> list[str]:
        """The papers (versioned ids) the chat's next digest would send if it were planned now;
        nothing is stored. Summarizing ahead reads it; [] when there is nothing to send; NotReady
        when arXiv has not published the cycle yet."""
        chat = self._repo.get_chat(ref)
        if chat is None or not chat.active or chat.paused:
            return []
        last = self._repo.digests.last(ref)
        if last is not None and last.completed_at is None:
            return list(last.items)  # an interrupted digest comes first
        try:
            async with self._planning:
                chosen = await self._choose(chat, self._clock(), last)
        except PapersError:
            return []
        return chosen[1] if chosen is not None else []

    async def _plan(
        self, chat: Chat, now: datetime, due: datetime, trigger: str, last: DigestRecord | None
    ) -> DigestRecord | Outcome:
        if not self._repo.subscriptions_for(chat.ref):
            return Outcome("no-subscriptions")
        chosen = await self._choose(chat, now, last)
        if chosen is None:
            return self._nothing_new(chat, due, trigger, now)
        current, items, matched = chosen
        with self._repo.batch():  # the plan and what it covers, together
            record = self._repo.digests.start_digest(
                chat.ref, cycle=cycle_key(current), due_at=due, items=items, matched=matched,
                trigger=trigger,
            )
            self._repo.mark_covered(
                [s.id for s in self._repo.subscriptions_for(chat.ref) if s.id is not None],
                cycle_key(current))
        return record

    async def _choose(
        self, chat: Chat, now: datetime, last: DigestRecord | None
    ) -> tuple[datetime, list[str], int] | None:
        """The latest fetchable cycle, the chat's papers for the cycles each subscription has
        not covered yet (best first, cut at its max) and how many matched; None when no cycle
        is new for any of them. A topic added after today's digest gets today's papers."""
        # Thousands of chats plan at the same minute: let the loop serve others between them.
        await asyncio.sleep(0)
        current = fetchable_announcement(now, self._holidays)
        work = []
        for sub in self._repo.subscriptions_for(chat.ref):
            topic = _topic(sub.query)
            covered = sub.covered_cycle
            if covered is None and last is not None and sub.created_at is not None \
                    and sub.created_at < last.due_at:
                covered = last.cycle  # stored before subscriptions tracked their own cycle
            if topic is not None:
                work += [(sub, topic, pair) for pair in self._cycles(current, covered)]
        found: list[Match] = []
        for sub, topic, (previous, announcement) in work:
            try:
                matched = await self._supply.matched(topic, announcement, previous)
            except NotReady:
                if announcement == current:
                    raise
                continue
            found += [m for m in matched if sub.cross_lists or not m.cross]
        ranked = rank_matches(found)
        carried = self._carried(chat, last)
        delivered = self._repo.delivered_among(chat.ref, (p.arxiv_id for p in ranked))
        fresh = [p.versioned_id for p in ranked
                 if p.arxiv_id not in delivered and p.versioned_id not in carried]
        if not work and not carried:
            return None
        items = [*carried, *fresh]
        return current, items[: chat.max_papers], len(items)

    def _carried(self, chat: Chat, last: DigestRecord | None) -> list[str]:
        """Papers the last digest planned but could not deliver (a card the platform refused,
        arXiv could not give it): offered once more in the next digest, not twice."""
        if last is None or last.completed_at is None or not last.items:
            return []
        delivered = self._repo.delivered_among(chat.ref, (_base(v) for v in last.items))
        missing = [v for v in last.items if _base(v) not in delivered]
        if not missing:
            return []
        earlier = self._repo.digests.before(last)
        tried = set(earlier.items) if earlier is not None else set()
        return [v for v in missing if v not in tried]

    def _cycles(self, current: datetime, covered_cycle: str | None) -> list[tuple[datetime, datetime]]:
        """(previous, announcement) pairs after ``covered_cycle`` (a mailing date): the latest
        only when nothing was covered yet."""
        holidays = self._holidays
        if covered_cycle is None:
            return [(latest_announcement(current - timedelta(minutes=1), holidays=holidays), current)]
        covered = announcement_for_mailing(date.fromisoformat(covered_cycle), holidays=holidays)
        if covered is None or covered >= current:
            return []
        sequence = [covered, *announcements_between(covered, current, holidays=holidays)]
        return list(itertools.pairwise(sequence))[-_MAX_CYCLES:]

    def _nothing_new(self, chat: Chat, due: datetime, trigger: str, now: datetime) -> Outcome:
        """No cycle since the last digest: on a weekend or holiday, maybe say so (once)."""
        reason = quiet_reason(due.astimezone(ZoneInfo(chat.timezone)).date(), holidays=self._holidays)
        if reason and self._settings.notify_quiet_days and trigger == "schedule":
            record = self._repo.digests.start_digest(
                chat.ref, cycle=cycle_key(fetchable_announcement(now, self._holidays)), due_at=due, items=[],
                matched=0, trigger=trigger,
            )
            return Outcome("quiet", record=record, detail=reason)
        return Outcome("nothing-new", detail=reason or "")

    # -- delivery --------------------------------------------------------------------------------

    async def _deliver(
        self, record: DigestRecord, chat: Chat, budget: Callable[[], bool] | None = None
    ) -> Outcome:
        if budget is None and record.trigger == "command":
            budget = _no_new_summaries  # a /digest resumed without the person's quota at hand
        platform = self.platforms.get(chat.ref.platform)
        if platform is None:
            log.error("no %s platform running; digest %s waits", chat.ref.platform, record.id)
            return Outcome("failed", record=record, detail="platform not running")
        delivered = self._repo.delivered_among(chat.ref, (_base(v) for v in record.items))
        pending = [v for v in record.items if _base(v) not in delivered]
        if not pending:
            self._repo.digests.complete(record.id)
            return Outcome("sent" if record.items else "no-matches", record=record)
        async with self._sending:
            # Cards are prepared in the chat's own sending turn: ten thousand chats waiting for
            # a turn hold no cards in memory.
            cards = await asyncio.gather(*(self._card(v, chat.language, budget) for v in pending))
            return await self._send(record, chat, platform, cards)

    async def _send(
        self, record: DigestRecord, chat: Chat, platform: Platform, cards: list[PaperCard | None]
    ) -> Outcome:
        sent = 0
        try:
            if not record.header_sent:
                try:
                    await platform.send(
                        chat.ref.chat_id, Reply.notice(self._header(record, chat)), bulk=True
                    )
                except MessageRejected as exc:
                    log.error("digest %s for %s: the header was refused (%s); sending the papers",
                              record.id, chat.ref, exc)
                self._repo.digests.header_sent(record.id)
            ready = [replace(card, brief=True) for card in cards if card is not None]
            # Compact: one list. Otherwise as many cards per send as the platform packs.
            size = max(1, len(ready)) if chat.compact else max(1, platform.cards_per_send)
            for start in range(0, len(ready), size):
                batch = ready[start : start + size]
                sent += await self._send_batch(record, chat, platform, batch, compact=chat.compact)
        except ChatUnreachable as exc:
            self._lifecycle.unreachable(chat.ref, exc.reason)
            self._repo.digests.complete(record.id)
            return Outcome("unreachable", sent=sent, record=record, detail=exc.reason)
        except Exception as exc:  # the platform kept failing: resume later, within bounds
            attempts = self._repo.digests.failed_attempt(record.id)
            log.exception("digest %s for %s: sending failed (attempt %d)", record.id, chat.ref, attempts)
            if attempts >= MAX_SEND_ATTEMPTS:
                log.error("digest %s for %s: giving up after %d attempts", record.id, chat.ref, attempts)
                self._repo.digests.complete(record.id)
            return Outcome("failed", sent=sent, record=record, detail=f"sending failed: {exc}")
        self._repo.digests.complete(record.id)
        log.info("digest %s: %d papers to %s", record.id, sent, chat.ref)
        return Outcome("sent", sent=sent, record=record)

    async def _send_batch(
        self, record: DigestRecord, chat: Chat, platform: Platform, batch: list[PaperCard],
        *, compact: bool,
    ) -> int:
        """One send of the digest (a card, Discord's ten embeds, or the compact list), recorded
        as it goes; how many papers it delivered. Refused for good: a batch of several is sent
        again card by card, so one bad card costs only itself."""
        items = (PaperList(tuple(batch)),) if compact else tuple(batch)
        first = batch[0].paper.versioned_id
        try:
            await platform.send(
                chat.ref.chat_id, Reply(items), bulk=True,
                # A card can be several messages: each is recorded as it goes, and a resumed
                # digest starts at the first one not sent.
                progress=lambda n, total: self._repo.digests.part_sent(record.id, first, n, total),
                skip=record.parts_sent if record.parts_of == first else 0,
                parts=record.parts_total if record.parts_of == first else None,
            )
        except MessageRejected as exc:  # one bad card must not hold up the others
            if len(batch) > 1 or compact:
                log.warning("digest %s for %s: %s refused a send of %d (%s); card by card",
                            record.id, chat.ref, platform.name, len(batch), exc)
                delivered = 0
                for card in batch:
                    delivered += await self._send_batch(record, chat, platform, [card],
                                                        compact=False)
                return delivered
            log.error("digest %s for %s: %s refused %s for good (%s); skipped", record.id,
                      chat.ref, platform.name, first, exc)
            return 0
        for card in batch:  # recorded right after its send: a crash resumes from here
            self._repo.record_delivery(chat.ref, card.paper.arxiv_id)
        return len(batch)

    async def _card(
        self, versioned_id: str, language: str, budget: Callable[[], bool] | None = None
    ) -> PaperCard | None:
        """The summarized card (once per paper and language); None if arXiv cannot give it."""
        async with self._concurrency:
            try:
                ref = parse_arxiv_id(versioned_id)
                if budget is not None and self._summaries.backend != "extractive":
                    paper = await self._summaries.paper(ref)
                    cached = self._summaries.cached_card(paper, language)
                    if cached is not None:
                        return cached
                    if not budget():  # over the quota: the abstract's sentences, marked
                        return replace(await self._summaries.quick_card(paper, language),
                                       provisional=False)
                return await self._summaries.card(ref, language)
            except PapersError:
                log.exception("digest: could not prepare %s", versioned_id)
                return None

    def _header(self, record: DigestRecord, chat: Chat) -> str:
        """The line before the papers, in the chat's language (and how many more matched)."""
        labels = [s.label for s in self._repo.subscriptions_for(chat.ref)]
        count = len(record.items)
        return digest_header(date.fromisoformat(record.cycle), count, labels, chat.language,
                             more=record.matched - count)

    def language(self, ref: ChatRef) -> str:
        """The chat's language, for what is said about its digests (English when unknown)."""
        chat = self._repo.get_chat(ref)
        return chat.language if chat is not None else "en"


def _topic(query: str) -> Topic | None:
    try:
        return parse_topic(query)
    except InvalidTopic:
        log.warning("stored topic %r no longer parses; skipped", query)
        return None


def _no_new_summaries() -> bool:
    """The budget of a /digest resumed later: cached summaries only, the rest extractive."""
    return False


def _base(versioned_id: str) -> str:
    return parse_arxiv_id(versioned_id).base


def quiet_note(reason: str, language: str = "en") -> Notice:
    """The optional note for a weekend or holiday without new papers, in the chat's language."""
    return Notice(quiet_text(reason, language), Tone.INFO)
