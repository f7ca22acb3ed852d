"""Each chat's digest at its own local time, from one tick a minute over an indexed due column.

Every chat row carries its next delivery time (``chats.next_due_at``, UTC; NULL while it wants
no digest: paused or following nothing). Once a minute the tick selects the chats due by that
index, page by page, starts each one's digest as a task (``Digests`` bounds how many send at
once) and stores each chat's following due time. Nothing per chat lives in memory between
ticks, and start-up rebuilds nothing: one APScheduler job per chat cost about 33 MB and seconds
of blocked event loop at 10,000 chats (docs/benchmarks.md, issue 9).

APScheduler 3.x still drives the two periodic jobs (the tick at second 0 of each minute, the
daily retention pass): it aligns to the wall clock, never overlaps a slow tick with the next
(``max_instances=1``), and coalesces ticks missed while the loop was busy.

Catch-up after downtime is the same tick: a due time that passed while the process was down is
still in the column, so the first tick at start-up runs every such chat concurrently, if it is
within ``digest.grace_period_s``. A failed or not-ready digest stores ``now + retry_after_s`` as
its next time and the delivery time it serves in ``retry_due_at``, within the grace period;
past it, the chat is told, in its language (notices.gave_up_text).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.digest import Digests, Outcome
from bot.core.notices import gave_up_text
from bot.core.quota import WINDOW as QUOTA_WINDOW
from config.settings import DigestSettings
from storage.models import Chat, ChatRef
from storage.repository import Repository
from storage.retention import Cutoffs, Retention
from storage.schedule import ChatSchedule, DueChange, ScheduleStore, page_key

log = logging.getLogger(__name__)

_RETRYABLE = frozenset({"not-ready", "failed"})
PAGE_SIZE = 200  # chats read and rescheduled per step before yielding to the event loop
_USAGE_KEPT = max(timedelta(days=1), QUOTA_WINDOW)  # quotas look back one hour
_FIRST_PRUNE_AFTER = timedelta(minutes=10)  # off the busy start-up


def _now() -> datetime:
    return datetime.now(UTC)


def _local(chat: Chat, day: Any) -> datetime:
    hour, minute = (int(p) for p in chat.delivery_time.split(":"))
    # fold=0: an ambiguous local time (DST ends) is its first occurrence; a skipped one (DST
    # starts) is read with the offset before the change, e.g. 02:30 Berlin becomes 03:30 CEST.
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(chat.timezone))


def previous_due(chat: Chat, now: datetime) -> datetime:
    """The chat's most recent delivery time at or before ``now`` (DST-correct, tz-aware)."""
    local = now.astimezone(ZoneInfo(chat.timezone))
    due = _local(chat, local.date())
    if due > now:
        due = _local(chat, local.date() - timedelta(days=1))
    return due.astimezone(UTC)


def next_due(chat: Chat, after: datetime) -> datetime:
    """The chat's first delivery time strictly after ``after`` (DST-correct, UTC)."""
    local = after.astimezone(ZoneInfo(chat.timezone))
    due = _local(chat, local.date())
    if due <= after:
        due = _local(chat, local.date() + timedelta(days=1))
    return due.astimezone(UTC)


def _wants_digest(entry: ChatSchedule) -> bool:
    return entry.subscribed and not entry.chat.paused


class DigestScheduler:
    """One tick a minute runs the chats due by the stored schedule; retries and catch-up too."""

    def __init__(
        self,
        digests: Digests,
        repo: Repository,
        settings: DigestSettings,
        *,
        clock: Callable[[], datetime] = _now,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._digests = digests
        self._settings = settings
        self._clock = clock
        self._page_size = page_size
        self._grace = timedelta(seconds=settings.grace_period_s)
        self._schedule = ScheduleStore.of(repo)
        self._retention = Retention.of(repo)
        self._scheduler: AsyncIOScheduler | None = None
        self._startup: asyncio.Task[None] | None = None
        self._caught_up = False
        # Digests and notes in flight: a task nobody references may be garbage-collected.
        self._tasks: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        """Start inside the running loop: the minute tick, the daily prune, then catch up."""
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": 30, "coalesce": True, "max_instances": 1},
        )
        # Async jobs: APScheduler runs plain functions in a worker thread, and storage may only
        # be used from the loop's thread.
        self._scheduler.add_job(self._tick_job, CronTrigger(second=0, timezone=UTC), id="tick")
        first_prune = datetime.now(UTC) + _FIRST_PRUNE_AFTER
        self._scheduler.add_job(self.prune, IntervalTrigger(hours=24, start_date=first_prune),
                                id="retention")
        self._scheduler.start()
        self._startup = asyncio.create_task(self.catch_up(), name="digest-catch-up")

    async def wait_started(self) -> None:
        """Until start-up's catch-up has finished (tests and benchmarks wait for it)."""
        if self._startup is not None:
            await asyncio.shield(self._startup)

    async def stop(self, grace_s: float) -> None:
        """Stop ticking, give digests being sent ``grace_s`` to finish, then stop the rest
        (they resume at the next start without repeating what arrived)."""
        self._stop_ticking()
        sending = [task for task in self._tasks if not task.done()]
        if sending and grace_s > 0:
            log.info("waiting up to %.0f s for %d digests being sent", grace_s, len(sending))
            _, left = await asyncio.wait(sending, timeout=grace_s)
            if left:
                log.warning("%d digests still sending after %.0f s; they resume at the next "
                            "start", len(left), grace_s)
        self.shutdown()

    def shutdown(self) -> None:
        """Stop ticking; digests still sending stop too and resume at the next start."""
        if self._startup is not None:
            self._startup.cancel()
        self._stop_ticking()
        for task in list(self._tasks):
            task.cancel()

    def _stop_ticking(self) -> None:
        """Shut APScheduler down once (it finishes on a later loop step: a second call while it
        still says "running" would fail inside the loop)."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=False)

    # -- the schedule ----------------------------------------------------------------------------

    def reconcile_chat(self, ref: ChatRef) -> None:
        """Bring one chat's next due time up to date (after /time, /timezone, /pause, /subscribe …)."""
        entry = self._schedule.get(ref)
        if entry is not None and entry.chat.active:
            change = self._reconciled(entry, self._clock(), catch_up=False)
            if change is not None:
                self._schedule.set_due([change])

    def next_run(self, ref: ChatRef) -> datetime | None:
        """When the chat's next digest is due (a retry's time while one is pending); None: never."""
        entry = self._schedule.get(ref)
        if entry is None or not entry.chat.active:
            return None
        return entry.next_due_at

    def _reconciled(self, entry: ChatSchedule, now: datetime, *, catch_up: bool) -> DueChange | None:
        """The chat's new place in the schedule, or None when the stored one is still right."""
        chat = entry.chat
        if not _wants_digest(entry):
            if entry.next_due_at is None and entry.retry_due_at is None:
                return None
            return DueChange(chat.ref, None)
        if entry.retry_due_at is not None:
            return None  # a pending retry reschedules the chat when it has run
        stored = entry.next_due_at
        if stored is not None and previous_due(chat, stored) == stored:
            return None  # one of its delivery times under its current settings
        if stored is None and catch_up:
            return DueChange(chat.ref, self._first_due(entry, now))
        return DueChange(chat.ref, next_due(chat, now))

    def _first_due(self, entry: ChatSchedule, now: datetime) -> datetime:
        """A chat never scheduled (an older database): its missed delivery, if owed, else the next."""
        chat = entry.chat
        missed = previous_due(chat, now)
        owed = (
            now - missed <= self._grace
            and (chat.created_at is None or chat.created_at <= missed)
            and (entry.last_due_at is None or entry.last_due_at < missed)
        )
        return missed if owed else next_due(chat, now)

    async def sweep(self) -> int:
        """Check every active chat's due time against its settings, a page at a time (start-up).

        Fills in chats never scheduled (with the digest they missed within the grace period)
        and corrects any changed while the process was down; returns how many changed.
        """
        now, after, changed = self._clock(), None, 0
        while True:
            page = self._schedule.page(limit=self._page_size, after=after)
            changes = [c for e in page if (c := self._reconciled(e, now, catch_up=True)) is not None]
            changed += self._schedule.set_due(changes)
            if len(page) < self._page_size:
                return changed
            after = page[-1].chat.ref
            await asyncio.sleep(0)  # let updates and sends run between pages

    # -- running digests -------------------------------------------------------------------------

    async def catch_up(self) -> None:
        """Resume interrupted digests, then run those missed while down (within the grace period),
        all through the tick: concurrently, not one chat after another."""
        try:
            await self._digests.resume_incomplete()
            await self.sweep()
            started = await self._start_due("catch-up")
            self._caught_up = True  # the minute tick may run while these digests are sending
            await asyncio.gather(*started, return_exceptions=True)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("digest catch-up failed")
        finally:
            self._caught_up = True

    async def _tick_job(self) -> None:
        if self._caught_up:  # until then, start-up's catch-up is the tick
            await self.tick()

    async def tick(self, *, trigger: str = "schedule", wait: bool = False) -> int:
        """Start the digest of every chat due now and store its next due time.

        Returns how many digests started; with ``wait``, once they have all finished.
        """
        started = await self._start_due(trigger)
        if wait and started:
            await asyncio.gather(*started, return_exceptions=True)
        return len(started)

    async def _start_due(self, trigger: str) -> list[asyncio.Task[Any]]:
        now, after = self._clock(), None
        started: list[asyncio.Task[Any]] = []
        try:
            while True:
                page = self._schedule.due(now, limit=self._page_size, after=after)
                changes, runs = [], []
                for entry in page:
                    change, due = self._advance(entry, now)
                    changes.append(change)
                    if due is not None:
                        runs.append((entry.chat.ref, due))
                self._schedule.set_due(changes)  # before any await: a second tick skips them
                started += [self._spawn(self._run(ref, trigger, due)) for ref, due in runs]
                if len(page) < self._page_size:
                    break
                after = page_key(page[-1])
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("digest tick failed")
        return started

    def _advance(self, entry: ChatSchedule, now: datetime) -> tuple[DueChange, datetime | None]:
        """The chat's following due time, and the delivery time to run now (None: skip it)."""
        chat, due = entry.chat, entry.due
        if not _wants_digest(entry) or due is None or entry.next_due_at is None:
            return DueChange(chat.ref, None), None
        following = DueChange(chat.ref, next_due(chat, max(now, entry.next_due_at)))
        if now - due > self._grace:
            log.info("skipping the %s digest of %s: missed by more than the grace period",
                     due.isoformat(), chat.ref)
            return following, None
        return following, due

    async def _run(self, ref: ChatRef, trigger: str, due: datetime) -> Outcome | None:
        """Run one chat's digest; a failure is logged and retried later, never raised."""
        try:
            outcome = await self._digests.run(ref, trigger=trigger, due_at=due)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("digest for %s failed", ref)
            outcome = Outcome("failed")
        if outcome.status in _RETRYABLE:
            self._retry_later(ref, due, outcome)
        return outcome

    def _retry_later(self, ref: ChatRef, due: datetime, outcome: Outcome) -> None:
        at = self._clock() + timedelta(seconds=self._settings.retry_after_s)
        if at - due > self._grace:
            log.warning("digest for %s gave up (%s: %s)", ref, outcome.status, outcome.detail)
            self._spawn(self._digests.notify(ref, gave_up_text(self._digests.language(ref))))
            return
        entry = self._schedule.get(ref)
        if entry is None or entry.next_due_at is None or entry.next_due_at <= at:
            return  # paused or unsubscribed meanwhile, or its next digest comes first anyway
        log.info("digest for %s %s (%s); retrying at %s", ref, outcome.status, outcome.detail, at)
        self._schedule.set_due([DueChange(ref, at, retry_due_at=due)])

    def _spawn(self, job: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- retention -------------------------------------------------------------------------------

    async def prune(self) -> dict[str, int]:
        """Delete old listings, digest plans, usage and deliveries (daily, in small batches)."""
        now = self._clock()
        kept = timedelta(days=self._settings.retention_days)
        cutoffs = Cutoffs(
            listings=now - kept, digests=now - kept, usage=now - _USAGE_KEPT,
            deliveries=now - timedelta(days=self._settings.delivery_retention_days),
        )
        counts: dict[str, int] = {}
        try:
            for table, deleted in self._retention.steps(cutoffs):
                counts[table] = counts.get(table, 0) + deleted
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("pruning old rows failed")
        log.info("retention: deleted %s", ", ".join(f"{n} {t}" for t, n in counts.items()))
        return counts
