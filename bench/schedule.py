"""Scheduling benchmark (issue 9): catch-up after downtime, and start-up and idle memory at
10,000 chats, against the old design of one APScheduler cron job per chat.

    python -m bench.schedule            # 20 chats × (header + 9 cards); 10,000 chats (~40 s)
    python -m bench.schedule --quick    # 20 chats × (header + 4 cards); 10,000 chats (~30 s)

Catch-up: 20 chats missed their 08:00 digest while the bot was down; at 09:30 the scheduler's
start-up catch-up sends them through the real python-telegram-bot against the Bot API fake,
which answers 429 above 1 message/s in one chat (no burst) and 30 messages/s for the bot. The
sending floor is the least time Telegram's pacing, as the bot applies it (one message per chat
per ``per_chat_interval``, and bot-wide one message per 1/30 s, smooth), allows for C chats of M
messages each, with every chat sending at once:

    floor = max((C - 1) / 30 + (M - 1) × per_chat_interval, (C × M - 1) / 30)

(the C first messages take C slots 1/30 s apart, so the last chat starts (C - 1) / 30 s in and
then needs M - 1 per-chat intervals; and all C × M messages need C × M slots). Without the
bot-wide smoothing it would be (M - 1) × per_chat_interval, printed too. One chat after another
(the old catch-up loop) needs at least C × (M - 1) × per_chat_interval.

Start-up: 10,000 chats in the database (one topic each, nobody due); figures for the first start
after the upgrade (every chat's due time is filled in) and for an ordinary restart: how long
``start()`` holds the loop, how long until start-up's catch-up is done, the longest event-loop
block meanwhile (a 1 ms heartbeat task), the RSS the scheduler adds, and one idle tick. The old
design is rebuilt in the same process for comparison: 10,000 ``CronTrigger`` jobs added the way
the removed ``DigestScheduler.reconcile`` did, timed (the loop is blocked throughout) and weighed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bench.goals import HEADER, Goal
from bench.harness import (
    DUE,
    MAILING,
    TOKEN,
    Clock,
    LogTally,
    Stopwatch,
    bench_settings,
    cs_cv_chats,
    hard_timeout,
    machine,
    print_table,
    rss_mib,
)
from bot.app import Services, open_services
from bot.core.lifecycle import ChatLifecycle
from bot.core.scheduler import DigestScheduler
from bot.platforms.telegram_bot import TelegramPlatform
from storage.models import ChatRef
from storage.schedule import ScheduleStore
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import ListingEntry, feed_entry
from tests.fakes.gemini_api import GeminiFake
from tests.fakes.telegram_api import TelegramFake

OVERALL_PER_S = 30.0  # Telegram's bot-wide limit
PER_CHAT_INTERVAL_S = 1.0  # Telegram's guidance for one chat; TelegramSettings' default
CATCH_UP_CHATS = 20
STARTUP_CHATS = 10_000
OLD_JOBS_MB = 33.0  # issue 9: 10,000 APScheduler cron jobs of the old design
CATCH_UP_LIMIT = 1.2  # × the sending floor
BLOCK_LIMIT_MS = 100.0  # longest event-loop block during start-up
START_LIMIT_MS = 50.0  # start() until the loop is free again
RSS_LIMIT_MIB = 5.0  # what the scheduler may add at 10,000 chats
MONDAY_NOON = DUE - timedelta(hours=20)  # nobody is due: a plain (re)start
FIRST_CHAT_ID = 20_000_001


@dataclass(frozen=True, slots=True)
class CatchUp:
    """Figures of the catch-up run."""

    chats: int
    messages_per_chat: int
    wall_s: float
    floor_s: float
    per_chat_floor_s: float
    overall_floor_s: float
    complete_chats: int
    too_many: int
    spread_max_s: float

    @property
    def ratio(self) -> float:
        """Wall time over the sending floor."""
        return self.wall_s / self.floor_s


@dataclass(frozen=True, slots=True)
class Start:
    """Figures of one scheduler start."""

    start_ms: float  # start() until it returned: the loop was blocked this long
    ready_s: float  # until start-up's catch-up (resume, sweep, tick) was done
    block_ms: float  # longest gap between two heartbeats during start-up
    rss_added_mib: float
    scheduled: int  # chats with a next due time afterwards
    idle_tick_ms: float  # one tick with nobody due


@dataclass(frozen=True, slots=True)
class OldDesign:
    """The old per-job design rebuilt: how long the rebuild held the loop, what the jobs weigh."""

    jobs: int
    build_s: float
    rss_added_mib: float


def _papers(n: int) -> list[ListingEntry]:
    return [
        feed_entry(
            f"2611.{10000 + i}", 1, f"Sparse attention for video diffusion ({i})",
            [f"Author {i}", "B. Coauthor"],
            "We study video diffusion. " + "Our method improves accuracy and speed. " * 8,
            categories=("cs.CV",),
        )  # fmt: skip
        for i in range(1, n + 1)
    ]


def _chats(services: Services, n: int) -> list[ChatRef]:
    """``n`` private chats following cs.CV, due at 08:00 Berlin time."""
    return cs_cv_chats(services.repo, n, FIRST_CHAT_ID)


class Heartbeat:
    """A task waking every millisecond; the longest gap between wakes is the longest block."""

    def __init__(self) -> None:
        self.longest_s = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Heartbeat:
        self._task = asyncio.create_task(self._beat())
        await asyncio.sleep(0.005)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _beat(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.longest_s = max(self.longest_s, now - last - 0.001)
            last = now


async def catch_up(papers: int) -> CatchUp:
    """20 chats down at 08:00, back at 09:30: the start-up catch-up sends every missed digest."""
    with tempfile.TemporaryDirectory(prefix="paperboy-bench-") as tmp, ArxivFake(
        fixtures=False, dawn=False, pdfs=False
    ) as arxiv:
        async with TelegramFake(token=TOKEN) as tg, GeminiFake() as gemini:
            tg.enable_rate_limits(private_per_second=1 / PER_CHAT_INTERVAL_S, private_burst=1,
                                  overall_per_second=OVERALL_PER_S)
            settings = bench_settings(
                Path(tmp) / "bench.db", arxiv_api_url=arxiv.api_url, arxiv_feed_url=arxiv.feed_url,
                gemini_url=gemini.base_url, telegram_url=tg.base_url,
                telegram_file_url=tg.base_file_url, arxiv_interval_s=0.0,
                per_chat_interval_s=PER_CHAT_INTERVAL_S,
            )  # fmt: skip
            arxiv.set_listing("cs.CV", MAILING, _papers(papers))
            clock = Clock(MONDAY_NOON)
            async with open_services(settings, clock=clock) as services, \
                    contextlib.AsyncExitStack() as stack:  # fmt: skip
                bot = TelegramPlatform(settings.telegram, services.commands, ChatLifecycle(services.repo))
                await stack.enter_async_context(bot)
                services.digests.platforms[bot.name] = bot
                scheduler = DigestScheduler(services.digests, services.repo, settings.digest, clock=clock)
                for ref in _chats(services, CATCH_UP_CHATS):
                    scheduler.reconcile_chat(ref)  # due Tuesday 08:00; then the bot is down
                clock.now = DUE + timedelta(minutes=90)
                stopwatch = Stopwatch()
                await scheduler.catch_up()
                wall = stopwatch()
                scheduler.shutdown()
            ok = [r for r in tg.calls("sendMessage") if r.status == 200]
            per_chat: dict[int, list[float]] = {}
            for request in ok:
                per_chat.setdefault(int(request.form["chat_id"]), []).append(request.time)
            counts = [len(per_chat.get(FIRST_CHAT_ID + i, [])) for i in range(CATCH_UP_CHATS)]
            too_many = sum(r.status == 429 for r in tg.calls("sendMessage"))
    messages = max(counts)
    per_chat_floor = (messages - 1) * PER_CHAT_INTERVAL_S
    last_start = (CATCH_UP_CHATS - 1) / OVERALL_PER_S
    overall_floor = (CATCH_UP_CHATS * messages - 1) / OVERALL_PER_S
    return CatchUp(
        chats=CATCH_UP_CHATS, messages_per_chat=messages, wall_s=wall,
        floor_s=max(last_start + per_chat_floor, overall_floor), per_chat_floor_s=per_chat_floor,
        overall_floor_s=overall_floor, complete_chats=sum(c == messages for c in counts),
        too_many=too_many, spread_max_s=max(max(t) - min(t) for t in per_chat.values()),
    )  # fmt: skip


async def _start(services: Services, clock: Clock) -> Start:
    """Start a scheduler over the stored chats and time it."""
    gc.collect()
    rss_before = rss_mib()
    scheduler = DigestScheduler(services.digests, services.repo, services.settings.digest, clock=clock)
    async with Heartbeat() as heartbeat:
        stopwatch = Stopwatch()
        scheduler.start()
        start_ms = stopwatch() * 1000
        await scheduler.wait_started()
        ready_s = stopwatch()
    tick = Stopwatch()
    await scheduler.tick()
    idle_tick_ms = tick() * 1000
    gc.collect()
    figures = Start(
        start_ms=start_ms, ready_s=ready_s, block_ms=heartbeat.longest_s * 1000,
        rss_added_mib=rss_mib() - rss_before,
        scheduled=ScheduleStore.of(services.repo).count_scheduled(), idle_tick_ms=idle_tick_ms,
    )  # fmt: skip
    scheduler.shutdown()
    return figures


async def _noop() -> None:
    """The old jobs' target (never fired here)."""


def _old_design(services: Services) -> OldDesign:
    """One cron job per chat, added as the removed ``DigestScheduler.reconcile`` added them."""
    gc.collect()
    rss_before = rss_mib()
    stopwatch = Stopwatch()
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start()
    repo = services.repo
    for chat in repo.active_chats():
        job_id = f"digest:{chat.ref.platform}:{chat.ref.chat_id}"
        scheduler.get_job(job_id)
        if chat.paused or not repo.subscriptions_for(chat.ref):
            continue
        hour, minute = (int(p) for p in chat.delivery_time.split(":"))
        trigger = CronTrigger(hour=hour, minute=minute, timezone=chat.timezone)
        scheduler.add_job(_noop, trigger, id=job_id, replace_existing=True)
    build_s = stopwatch()
    gc.collect()
    figures = OldDesign(len(scheduler.get_jobs()), build_s, rss_mib() - rss_before)
    scheduler.shutdown(wait=False)
    return figures


async def startup(chats: int) -> tuple[Start, Start, OldDesign, float]:
    """First start after the upgrade, an ordinary restart, and the old design, at ``chats``."""
    with tempfile.TemporaryDirectory(prefix="paperboy-bench-") as tmp:
        # Nothing is fetched or summarized: nobody is due. The endpoints are never called.
        unused = "http://127.0.0.1:9"
        settings = bench_settings(
            Path(tmp) / "bench.db", arxiv_api_url=f"{unused}/api/query",
            arxiv_feed_url=f"{unused}/atom/", gemini_url=unused,
        )  # fmt: skip
        clock = Clock(MONDAY_NOON)
        async with open_services(settings, clock=clock) as services:
            _chats(services, chats)
            gc.collect()
            rss_idle = rss_mib()
            first = await _start(services, clock)
            again = await _start(services, clock)
            old = _old_design(services)
    return first, again, old, rss_idle


def _rows(quick: bool) -> tuple[list[Goal], list[tuple[str, object]]]:
    papers = 4 if quick else 9
    run = asyncio.run(catch_up(papers))
    first, again, old, rss_idle = asyncio.run(startup(STARTUP_CHATS))
    slowest = max(first.block_ms, again.block_ms)
    details: list[tuple[str, object]] = [
        ("catch-up: chats × messages", f"{run.chats} × {run.messages_per_chat} (header + {papers} cards)"),
        ("catch-up: wall time (s)", run.wall_s),
        ("one chat's messages: (M - 1) × 1 s", run.per_chat_floor_s),
        ("all messages at 30 per s: (C × M - 1) / 30 (s)", run.overall_floor_s),
        ("floor: max((C - 1) / 30 + (M - 1) × 1 s, the line above)", run.floor_s),
        ("catch-up / floor", f"{run.ratio:.2f}x"),
        ("catch-up / one chat's messages", f"{run.wall_s / run.per_chat_floor_s:.2f}x"),
        ("one chat after another would need ≥ (s)", run.chats * run.per_chat_floor_s),
        ("chats with every message", f"{run.complete_chats} of {run.chats}"),
        ("first → last message in a chat, max (s)", run.spread_max_s),
        ("429 answered by the fake", run.too_many),
        ("start-up: chats in the database", STARTUP_CHATS),
        ("RSS with the chats stored, no scheduler (MiB)", rss_idle),
        ("first start: start() returned after (ms)", first.start_ms),
        ("first start: due times filled in after (s)", first.ready_s),
        ("first start: longest loop block (ms)", first.block_ms),
        ("first start: RSS added (MiB)", first.rss_added_mib),
        ("first start: chats scheduled", first.scheduled),
        ("restart: start() returned after (ms)", again.start_ms),
        ("restart: start-up catch-up done after (s)", again.ready_s),
        ("restart: longest loop block (ms)", again.block_ms),
        ("restart: RSS added (MiB)", again.rss_added_mib),
        ("idle tick, nobody due (ms)", again.idle_tick_ms),
        ("old design: cron jobs", old.jobs),
        ("old design: rebuild, loop blocked throughout (s)", old.build_s),
        ("old design: RSS added by the jobs (MiB)", old.rss_added_mib),
    ]  # fmt: skip
    goals = [
        Goal("catch-up", f"{run.chats} chats' missed digests after downtime, vs the sending floor",
             f"{run.wall_s:.1f} s = {run.ratio:.2f}× floor ({run.floor_s:.1f} s)",
             f"≤ {CATCH_UP_LIMIT}× floor", run.ratio <= CATCH_UP_LIMIT and
             run.complete_chats == run.chats,
             f"{run.messages_per_chat} messages per chat at 1/s, 30/s bot-wide; "
             f"{run.wall_s / run.per_chat_floor_s:.2f}× one chat's messages; one chat after "
             f"another ≥ {run.chats * run.per_chat_floor_s:.0f} s"),
        Goal("start-up", f"{STARTUP_CHATS:,} chats: scheduler start() until the loop is free",
             f"{max(first.start_ms, again.start_ms):.1f} ms", f"≤ {START_LIMIT_MS:.0f} ms",
             max(first.start_ms, again.start_ms) <= START_LIMIT_MS,
             f"catch-up done after {first.ready_s:.2f} s (first start) / {again.ready_s:.2f} s"),
        Goal("start-up", f"{STARTUP_CHATS:,} chats: longest event-loop block during start-up",
             f"{slowest:.1f} ms", f"≤ {BLOCK_LIMIT_MS:.0f} ms", slowest <= BLOCK_LIMIT_MS,
             f"old design: {old.build_s:.1f} s blocked rebuilding {old.jobs:,} jobs"),
        Goal("idle RSS", f"{STARTUP_CHATS:,} chats: memory the scheduler adds",
             f"{max(first.rss_added_mib, again.rss_added_mib):.1f} MiB", f"≤ {RSS_LIMIT_MIB:.0f} MiB",
             max(first.rss_added_mib, again.rss_added_mib) <= RSS_LIMIT_MIB,
             f"old design: {old.rss_added_mib:.1f} MiB of cron jobs here ({OLD_JOBS_MB:.0f} MB in "
             f"issue 9); idle RSS {rss_idle:.0f} MiB"),
    ]  # fmt: skip
    return goals, details


def goals(quick: bool = False) -> list[Goal]:
    """The goal rows of this benchmark (runs it)."""
    return _rows(quick)[0]


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m bench.schedule``."""
    parser = argparse.ArgumentParser(prog="python -m bench.schedule", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 cards per chat instead of 9")
    args = parser.parse_args(argv)
    hard_timeout(600)
    tally = LogTally.install()
    rows, details = _rows(args.quick)
    print_table(f"schedule: {machine()}", details)
    print_table("warnings logged during the run", tally.rows())
    print()
    print(HEADER)
    for goal in rows:
        print(goal.row())


if __name__ == "__main__":
    main()
