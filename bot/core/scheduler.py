"""APScheduler 3.x inside the bot's event loop: each chat's digest at its own local time.

Jobs live in memory and are rebuilt from storage (at start-up and whenever settings change);
digests missed while the process was down are caught up from the stored digest history.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.digest import Digests, Outcome
from config.settings import DigestSettings
from storage.models import Chat, ChatRef
from storage.repository import Repository

log = logging.getLogger(__name__)

_PREFIX = "digest:"
_RETRYABLE = frozenset({"not-ready", "failed"})
GAVE_UP = (
    "Today's digest could not be put together: arXiv did not answer for hours. "
    "Its papers will come with the next digest, or now with /digest once arXiv is back."
)


def _now() -> datetime:
    return datetime.now(UTC)


def previous_due(chat: Chat, now: datetime) -> datetime:
    """The chat's most recent delivery time at or before ``now`` (DST-correct, tz-aware)."""
    tz = ZoneInfo(chat.timezone)
    hour, minute = (int(p) for p in chat.delivery_time.split(":"))
    local = now.astimezone(tz)
    due = datetime.combine(local.date(), time(hour, minute), tzinfo=tz)
    if due > local:
        due = datetime.combine(local.date() - timedelta(days=1), time(hour, minute), tzinfo=tz)
    return due.astimezone(UTC)


def job_id(ref: ChatRef) -> str:
    """The stable APScheduler job id of a chat's daily digest."""
    return f"{_PREFIX}{ref.platform}:{ref.chat_id}"


class DigestScheduler:
    """One cron job per chat that wants digests; retries and catch-up on top."""

    def __init__(
        self,
        digests: Digests,
        repo: Repository,
        settings: DigestSettings,
        *,
        clock: Callable[[], datetime] = _now,
        reconcile_every_s: float = 600.0,
    ) -> None:
        self._digests = digests
        self._repo = repo
        self._settings = settings
        self._clock = clock
        self._reconcile_every_s = reconcile_every_s
        self._scheduler: AsyncIOScheduler | None = None
        self._startup: asyncio.Task[None] | None = None
        self._startup_tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Start inside the running loop: build jobs, then catch up on anything missed."""
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            # APScheduler's default grace is 1 s: a daily job woken late would be skipped.
            job_defaults={"misfire_grace_time": max(1, int(self._settings.grace_period_s)),
                          "coalesce": True, "max_instances": 1},
        )
        self._scheduler.start()
        self.reconcile()
        # An async job: APScheduler runs plain functions in a worker thread, and storage may
        # only be used from the loop's thread.
        self._scheduler.add_job(self._reconcile_job, IntervalTrigger(seconds=self._reconcile_every_s),
                                id="reconcile", replace_existing=True)
        self._startup = asyncio.create_task(self.catch_up(), name="digest-catch-up")

    def shutdown(self) -> None:
        """Stop firing jobs (a digest being sent finishes or resumes at the next start)."""
        if self._startup is not None:
            self._startup.cancel()
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def _reconcile_job(self) -> None:
        self.reconcile()

    def reconcile(self) -> None:
        """Make the jobs match storage: active, unpaused chats with subscriptions, at their time."""
        if self._scheduler is None:
            return
        wanted = {job_id(chat.ref): chat for chat in self._repo.active_chats()}
        for job in self._scheduler.get_jobs():
            if job.id.startswith(_PREFIX) and job.id not in wanted:
                job.remove()
        for chat in wanted.values():
            self._sync(chat)

    def reconcile_chat(self, ref: ChatRef) -> None:
        """Bring one chat's job up to date (after /time, /timezone, /pause, /subscribe …)."""
        if self._scheduler is None:
            return
        chat = self._repo.get_chat(ref)
        if chat is None or not chat.active:
            job = self._scheduler.get_job(job_id(ref))
            if job is not None:
                job.remove()
            return
        self._sync(chat)

    def _sync(self, chat: Chat) -> None:
        assert self._scheduler is not None
        jid = job_id(chat.ref)
        job = self._scheduler.get_job(jid)
        if chat.paused or not self._repo.subscriptions_for(chat.ref):
            if job is not None:
                job.remove()
            return
        hour, minute = (int(p) for p in chat.delivery_time.split(":"))
        trigger = CronTrigger(hour=hour, minute=minute, timezone=chat.timezone)
        # str(CronTrigger) leaves the time zone out: compare it separately.
        if job is None or (str(job.trigger), str(job.trigger.timezone)) != (
            str(trigger), str(trigger.timezone)
        ):
            self._scheduler.add_job(self._fire, trigger, args=[chat.ref.platform, chat.ref.chat_id],
                                    id=jid, replace_existing=True)

    def next_run(self, ref: ChatRef) -> datetime | None:
        """When the chat's next digest is due (None when it has no job)."""
        job = self._scheduler.get_job(job_id(ref)) if self._scheduler else None
        return job.next_run_time if job is not None else None

    async def catch_up(self) -> None:
        """Resume interrupted digests, then send digests missed while down (within the grace)."""
        try:
            await self._digests.resume_incomplete()
            now = self._clock()
            grace = timedelta(seconds=self._settings.grace_period_s)
            for chat in self._repo.active_chats():
                if chat.paused or not self._repo.subscriptions_for(chat.ref):
                    continue
                due = previous_due(chat, now)
                if now - due > grace or (chat.created_at and chat.created_at > due):
                    continue
                last = self._repo.digests.last(chat.ref)
                if last is None or last.due_at < due:
                    log.info("catching up the %s digest of %s", due.isoformat(), chat.ref)
                    await self._run(chat.ref, "catch-up", due)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("digest catch-up failed")

    async def _fire(self, platform: str, chat_id: str) -> None:
        ref = ChatRef(platform, chat_id)
        chat = self._repo.get_chat(ref)
        if chat is None:
            return
        await self._run(ref, "schedule", previous_due(chat, self._clock()))

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
        if self._scheduler is None or at - due > timedelta(seconds=self._settings.grace_period_s):
            log.warning("digest for %s gave up (%s: %s)", ref, outcome.status, outcome.detail)
            self._startup_tasks.add(task := asyncio.create_task(self._digests.notify(ref, GAVE_UP)))
            task.add_done_callback(self._startup_tasks.discard)
            return
        log.info("digest for %s %s (%s); retrying at %s", ref, outcome.status, outcome.detail, at)
        # APScheduler runs on the wall clock: schedule the same delay from real now.
        run_at = datetime.now(UTC) + timedelta(seconds=self._settings.retry_after_s)
        self._scheduler.add_job(self._run, DateTrigger(run_date=run_at), args=[ref, "schedule", due],
                                id=f"retry:{ref.platform}:{ref.chat_id}", replace_existing=True)
