"""Fan-out benchmark: one digest to N Telegram chats through the real bot (python-telegram-bot,
AIORateLimiter, per-chat pacing) against a Bot API fake enforcing Telegram's limits.

    python -m bench.fanout                  # 2,000 chats, header + 1 card each, via Digests.run
    python -m bench.fanout --chats 200      # a quick run
    python -m bench.fanout --mode send      # one message per chat, straight through platform.send
    python -m bench.fanout --limiter smooth --concurrent 60   # what-if: see docs/benchmarks.md

The fake answers 429 with retry_after above 30 messages/s for the bot and 1 message/s in one
chat. Figures: wall time against the limit (messages / 30 s), messages delivered, lost,
duplicated, 429s, per-chat completion times, CPU and peak RSS. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import tempfile
from collections import Counter
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.goals import Goal
from bench.harness import (
    DUE,
    MAILING,
    TOKEN,
    Clock,
    LogTally,
    Stopwatch,
    bench_settings,
    cpu_s,
    cs_cv_chats,
    hard_timeout,
    machine,
    peak_rss_mib,
    percentile,
    print_table,
    rss_mib,
)
from bot.app import Services, open_services
from bot.core.digest import Outcome
from bot.core.lifecycle import ChatLifecycle
from bot.core.messages import Reply
from bot.platforms import telegram_bot
from bot.platforms.telegram_bot import TelegramPlatform
from bot.render.telegram_html import render_reply
from papers.ids import parse_arxiv_id
from storage.models import ChatRef
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import ListingEntry, feed_entry
from tests.fakes.gemini_api import GeminiFake
from tests.fakes.telegram_api import RecordedRequest, TelegramFake

OVERALL_PER_S = 30.0  # Telegram's bot-wide limit for messages to different chats
PER_CHAT_PER_S = 1.0  # Telegram's guidance for one chat (strict: no burst in the fake)
FIRST_CHAT_ID = 10_000_001  # positive ids: private chats, as most digest subscribers are


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the run produced, before it is turned into figures."""

    wall_s: float
    results: list[Outcome | BaseException | None]  # per chat (None: a plain send that worked)
    finished_s: list[float]  # per chat, seconds from the start until its last message went out
    timed_out: int  # chats still sending at the deadline (cancelled)
    expected: int  # messages each chat should get
    cpu_s: float
    rss_before_mib: float


def _papers(n: int) -> list[ListingEntry]:
    """``n`` cs.CV papers of the mailing, with abstracts of ordinary length."""
    themes = ["video diffusion", "depth estimation", "talking heads", "segmentation", "tracking"]
    return [
        feed_entry(
            f"2611.{10000 + i}", 1, f"Fast {themes[i % 5]} with sparse attention ({i})",
            [f"Author {i}", "B. Coauthor", "C. Third"],
            f"We study {themes[i % 5]}. " + "Our method improves accuracy and speed. " * 12,
            categories=("cs.CV",),
        )  # fmt: skip
        for i in range(1, n + 1)
    ]


def _chats(services: Services, n: int) -> list[ChatRef]:
    """``n`` private chats following cs.CV, all due at 08:00 Berlin time."""
    return cs_cv_chats(services.repo, n, FIRST_CHAT_ID)


@contextlib.contextmanager
def _limiter(kind: str) -> Iterator[None]:
    """``smooth``: what if TelegramPlatform built AIORateLimiter as 1 message per 1/30 s (no
    burst) instead of PTB's default 30 per second (a burst of 30)? Swapped for this run only."""
    if kind == "production":
        yield
        return
    original = telegram_bot.AIORateLimiter
    telegram_bot.AIORateLimiter = functools.partial(  # type: ignore[misc]
        original, overall_max_rate=1, overall_time_period=1 / OVERALL_PER_S
    )
    try:
        yield
    finally:
        telegram_bot.AIORateLimiter = original  # type: ignore[misc]


async def _bounded(job: Awaitable[Outcome | None], gate: asyncio.Semaphore | None) -> Outcome | None:
    """What if the scheduler let only ``--concurrent`` digests send at a time?"""
    if gate is None:
        return await job
    async with gate:
        return await job


async def _timed(job: Awaitable[Outcome | None], clock: Stopwatch) -> tuple[object, float]:
    try:
        return await job, clock()
    except Exception as exc:  # a failed chat is a figure, not a crash
        return exc, clock()


async def _deliver_all(jobs: list[Awaitable[Outcome | None]], timeout_s: float) -> tuple[
    float, list[tuple[object, float]], int
]:
    """Run every chat's job at once (as jobs due at the same minute do); cancel at the deadline."""
    clock = Stopwatch()
    tasks = [asyncio.ensure_future(_timed(job, clock)) for job in jobs]
    _, pending = await asyncio.wait(tasks, timeout=timeout_s)
    for task in pending:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    wall = clock()
    done = [
        task.result() if not task.cancelled() else (asyncio.CancelledError(), wall)
        for task in tasks
    ]
    return wall, done, len(pending)


async def _card_messages(services: Services, listing: list[ListingEntry]) -> int:
    """Telegram messages of one chat's cards (read from the summary cache: no model call)."""
    total = 0
    for entry in listing:
        card = await services.summaries.card(parse_arxiv_id(f"{entry.arxiv_id}v1"), "en")
        total += len(render_reply(Reply((card,))))
    return total


async def _run(args: argparse.Namespace, tg: TelegramFake, gemini: GeminiFake,
               arxiv: ArxivFake, db: Path) -> Delivery:
    settings = bench_settings(
        db, arxiv_api_url=arxiv.api_url, arxiv_feed_url=arxiv.feed_url, gemini_url=gemini.base_url,
        telegram_url=tg.base_url, telegram_file_url=tg.base_file_url, arxiv_interval_s=0.0,
        per_chat_interval_s=args.per_chat_interval,
    )  # fmt: skip
    listing = _papers(args.papers)
    arxiv.set_listing("cs.CV", MAILING, listing)
    async with open_services(settings, clock=Clock(DUE)) as services, contextlib.AsyncExitStack() as stack:
        with _limiter(args.limiter):
            bot = TelegramPlatform(settings.telegram, services.commands, ChatLifecycle(services.repo))
            await stack.enter_async_context(bot)
        services.digests.platforms[bot.name] = bot
        refs = _chats(services, args.chats)
        rss_before, cpu_before = rss_mib(), cpu_s()
        if args.mode == "digest":
            jobs = [services.digests.run(r, trigger="schedule", due_at=DUE) for r in refs]
        else:
            jobs = [_notice(bot, r) for r in refs]
        gate = asyncio.Semaphore(args.concurrent) if args.concurrent else None
        wall, done, timed_out = await _deliver_all([_bounded(j, gate) for j in jobs], args.timeout)
        cpu = cpu_s() - cpu_before
        expected = 1 if args.mode == "send" else 1 + await _card_messages(services, listing)
    results = [r if isinstance(r, Outcome | BaseException) else None for r, _ in done]
    return Delivery(wall, results, [t for _, t in done], timed_out, expected, cpu, rss_before)


async def _notice(bot: TelegramPlatform, ref: ChatRef) -> None:
    text = f"📬 arXiv digest for Tue 17 Nov 2026: nothing new on cs.CV (chat {ref.chat_id})."
    await bot.send(ref.chat_id, Reply.notice(text))


def _figures(args: argparse.Namespace, tg: TelegramFake, run: Delivery) -> list[tuple[str, object]]:
    sends = tg.calls("sendMessage")
    ok = [r for r in sends if r.status == 200]
    texts = Counter((m.chat_id, m.visible) for m in tg.sent)
    distinct = Counter(chat_id for chat_id, _ in texts)  # different messages each chat got
    chat_ids = [FIRST_CHAT_ID + i for i in range(args.chats)]
    lost = sum(max(0, run.expected - distinct[cid]) for cid in chat_ids)
    expected_total = run.expected * args.chats
    limit_s = expected_total / OVERALL_PER_S
    statuses = Counter(
        r.status if isinstance(r, Outcome) else ("ok" if r is None else type(r).__name__)
        for r in run.results
    )
    span = (ok[-1].time - ok[0].time) if len(ok) > 1 else 0.0
    too_many = sum(r.status == 429 for r in sends)
    return [
        ("chats", args.chats),
        ("messages per chat", f"{run.expected} ({_shape(args)})"),
        ("messages expected", expected_total),
        ("wall time (s)", run.wall_s),
        ("limit: messages / 30 per s (s)", limit_s),
        ("wall time / limit", f"{run.wall_s / limit_s:.2f}x"),
        ("delivered (sendMessage 200)", len(ok)),
        ("lost (expected, never delivered)", lost),
        ("duplicated (same chat + text again)", sum(n - 1 for n in texts.values() if n > 1)),
        ("429 answered by the fake", too_many),
        ("  of them: 30/s bot-wide", tg.overall_429s),
        ("  of them: 1/s per chat", too_many - tg.overall_429s),
        ("other errors (non-200, non-429)", sum(r.status not in (200, 429) for r in sends)),
        ("delivery rate while sending (msg/s)", (len(ok) - 1) / span if span else 0.0),
        ("chats: outcome", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))),
        ("chats still sending at the deadline", run.timed_out),
        ("chat done after: p50 / p95 / max (s)",
         " / ".join(f"{percentile(run.finished_s, q):.1f}" for q in (50, 95, 100))),
        ("first → last message in a chat: p50 / max (s)", _spread(ok)),
        ("chats whose first message is not the header", _misordered(args, tg, chat_ids)),
        ("CPU during the run (user+sys s)", run.cpu_s),
        ("RSS before the run (MiB)", run.rss_before_mib),
        ("peak RSS (MiB, bot + in-process fakes)", peak_rss_mib()),
    ]  # fmt: skip


def _shape(args: argparse.Namespace) -> str:
    if args.mode == "send":
        return "one notice via platform.send"
    return f"header + {args.papers} card{'s' if args.papers != 1 else ''} via Digests.run"


def _spread(ok: list[RecordedRequest]) -> str:
    """How long a reader waits between a chat's first message (the header) and its last card."""
    times: dict[int, list[float]] = {}
    for request in ok:
        times.setdefault(int(request.form["chat_id"]), []).append(request.time)
    gaps = [max(t) - min(t) for t in times.values() if len(t) > 1]
    return " / ".join(f"{percentile(gaps, q):.1f}" for q in (50, 100)) if gaps else "n/a"


def _misordered(args: argparse.Namespace, tg: TelegramFake, chat_ids: list[int]) -> int:
    if args.mode == "send":
        return 0
    firsts = {}
    for message in tg.sent:
        firsts.setdefault(message.chat_id, message.visible)
    return sum(not firsts.get(cid, "📬").startswith("📬") for cid in chat_ids)


async def main_async(args: argparse.Namespace) -> None:
    """Start the fakes, run the fan-out, print the figures."""
    rows, tally = await measure(args)
    print_table(f"fan-out: {machine()}", rows)
    print_table("warnings logged during the run", tally.rows())


def goals(quick: bool = False) -> list[Goal]:
    """P1: one digest to 2,000 chats (quick: 300) within 1.05x the sending floor, nothing lost,
    nothing repeated, no 429."""
    args = parse_args(["--chats", "300" if quick else "2000"])
    hard_timeout(args.timeout + 120)
    rows = dict(asyncio.run(measure(args))[0])
    ratio = float(str(rows["wall time / limit"]).rstrip("x"))
    what = f"{args.chats} chats x {rows['messages per chat']}"
    return [
        Goal("P1", f"fan-out wall time / floor ({what})", f"{ratio:.2f}x "
             f"({float(rows['wall time (s)']):.1f} s)", "≤ 1.05x", ratio <= 1.05),
        Goal("P1", "lost / duplicated messages", f"{rows['lost (expected, never delivered)']} / "
             f"{rows['duplicated (same chat + text again)']}", "0 / 0",
             rows["lost (expected, never delivered)"] == 0
             and rows["duplicated (same chat + text again)"] == 0),
        Goal("P1", "429s from the Bot API fake", str(rows["429 answered by the fake"]), "0",
             rows["429 answered by the fake"] == 0),
    ]


async def measure(args: argparse.Namespace) -> tuple[list[tuple[str, object]], LogTally]:
    """Run the fan-out against the fakes; the figures and the warnings logged."""
    tally = LogTally.install()
    with tempfile.TemporaryDirectory(prefix="paperboy-bench-") as tmp, ArxivFake(
        fixtures=False, dawn=False, pdfs=False
    ) as arxiv:
        async with TelegramFake(token=TOKEN) as tg, GeminiFake() as gemini:
            tg.enable_rate_limits(
                private_per_second=PER_CHAT_PER_S, private_burst=1, overall_per_second=OVERALL_PER_S
            )
            run = await _run(args, tg, gemini, arxiv, Path(tmp) / "bench.db")
            rows = _figures(args, tg, run)
            rows += [("arXiv requests", len(arxiv.requests)), ("model calls", len(gemini.requests))]
    return rows, tally


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; the deadline defaults to three times the theoretical limit + 60 s."""
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=2000, help="chats due at the same minute")
    parser.add_argument("--mode", choices=("digest", "send"), default="digest",
                        help="digest: Digests.run (header + cards); send: one notice per chat")
    parser.add_argument("--papers", type=int, default=1, help="papers in the digest (digest mode)")
    parser.add_argument("--per-chat-interval", type=float, default=1.0,
                        help="TelegramSettings.per_chat_interval_s (production: 1.0)")
    parser.add_argument("--limiter", choices=("production", "smooth"), default="production",
                        help="smooth: what-if AIORateLimiter(1 per 1/30 s) instead of 30 per s")
    parser.add_argument("--concurrent", type=int, default=0,
                        help="what-if: at most this many chats' digests at a time (0: all)")
    parser.add_argument("--timeout", type=float, default=None, help="deadline in seconds")
    args = parser.parse_args(argv)
    if args.chats < 1 or args.papers < 1:
        parser.error("--chats and --papers must be at least 1")
    if args.timeout is None:
        per_chat = 1 if args.mode == "send" else 1 + args.papers
        args.timeout = 3 * args.chats * per_chat / OVERALL_PER_S + 60
    return args


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m bench.fanout``."""
    args = parse_args(argv)
    hard_timeout(args.timeout + 120)  # setup and teardown included
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
