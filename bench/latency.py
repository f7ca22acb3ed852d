"""Reply latency (issue 9, P4): how long a person waits for ``/help`` and a cached ``/summarize``,
at rest and while a large digest is being sent and hundreds of papers wait for the model.

    python -m bench.latency             # A: 20 chats at once; B: 2,000 chats, 300 papers, 20 s
    python -m bench.latency --quick     # 300 chats, 60 papers, 8 s (about 20 s in all)
    python -m bench.latency --help      # every option

The real bot (``bot.app.open_services`` + the Telegram platform of ``build_platforms``, i.e.
python-telegram-bot with its limiter and the per-chat pacer) talks to the loopback Bot API fake
with Telegram's limits on (30 messages/s for the bot, 1 message/s in a chat), to the arXiv fake
and to a Gemini fake that answers slowly. The Bot API fake runs in a process of its own (as
Telegram runs elsewhere; without parsing markup, which the tests check) and its own event
loop: it stamps the moment an update is queued for ``getUpdates`` and the moment the reply's
``sendMessage`` arrives, whatever the bot's loop is doing. Latency = arrival − queued.

A (at rest): 20 chats send ``/summarize <id>`` for already summarized papers at the same instant,
``--rounds`` times. B (under load): every chat's digest starts at once, as the scheduler fires
them (``Digests.run``), over ``--papers`` new papers none of which is summarized yet, with the
model answering in ``--model-latency`` s; meanwhile 20 other chats send ``/help`` and cached
``/summarize`` in turn, one every ``--interval`` s for ``--duration`` s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.fake_process import Send, TelegramFakeProcess
from bench.goals import HEADER, Goal
from bench.harness import (
    DUE,
    MAILING,
    TOKEN,
    Clock,
    LogTally,
    bench_settings,
    hard_timeout,
    machine,
    percentile,
)
from bot.app import Services, build_platforms, open_services
from bot.core.digest import Outcome
from config.settings import Settings
from papers.ids import parse_arxiv_id
from papers.query import parse_topic
from storage.models import ChatRef
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import ListingEntry, feed_entry
from tests.fakes.gemini_api import GeminiFake, good, slow

LIMIT_MS = 50.0  # the p95 for both commands, at rest and under load
OVERALL_PER_S = 30.0
PER_CHAT_PER_S = 1.0
ASKERS = 20  # chats asking at once (A) / in turn (B)
FIRST_DIGEST_CHAT = 10_000_001
FIRST_ASKER = 30_000_001  # scenario A
FIRST_OTHER_ASKER = 30_000_101  # scenario B: "20 other chats"
# One rare word per topic: a chat following "cs.CV <word>" matches that word's papers only, so
# the chats together want every paper of the mailing (each chat at most its 10 per digest).
WORDS = (
    "aurora", "basalt", "cobalt", "dolphin", "ember", "falcon", "glacier", "harbor", "iris",
    "jasmine", "kelp", "lantern", "meadow", "nebula", "orchid", "pebble", "quartz", "raven",
    "saffron", "tundra", "umber", "velvet", "willow", "xenon", "yarrow", "zephyr", "acorn",
    "birch", "cedar", "fjord", "geyser", "heron", "lagoon", "marble", "nectar", "opal", "prism",
    "reef", "sequoia", "thistle",
)  # fmt: skip
PER_DIGEST = 10  # DEFAULT_MAX_PAPERS: papers per digest
READY_WORD = "keystone"  # the topic of the papers summarized before B (their chats send at once)


@dataclass(frozen=True, slots=True)
class Ask:
    """One injected command and, when it came, the arrival of its reply."""

    chat_id: int
    kind: str  # "help" | "summarize"
    queued: float  # time.monotonic() in the fake's process when getUpdates could see it
    replied: float | None = None

    @property
    def ms(self) -> float:
        return math.inf if self.replied is None else (self.replied - self.queued) * 1000


@dataclass(frozen=True, slots=True)
class Load:
    """What the digests and the model did during scenario B's window."""

    window_s: float
    digest_messages: int  # sendMessage 200 to digest chats inside the window
    digest_429s: int
    model_calls: int  # generateContent requests that arrived inside the window
    model_calls_before: int
    digests_started: int
    outcomes: Counter[str]
    loop_lag_ms: list[float]  # how late a 50 ms sleep in the bot's loop woke, digests start → end


# -- inputs ----------------------------------------------------------------------------------


def _topics(papers: int) -> int:
    """How many words (topics) the mailing is about: ten papers each, as far as WORDS go."""
    return max(1, min(len(WORDS), math.ceil(papers / PER_DIGEST)))


def _mailing(n: int) -> list[ListingEntry]:
    """``n`` cs.CV papers; paper i is about word i % topics."""
    words = [WORDS[i % _topics(n)] for i in range(n)]
    return [
        feed_entry(f"2611.{10001 + i:05d}", 1, f"Sparse {word} attention for video ({i})",
                   [f"A. Author{i}", "B. Coauthor"],
                   f"We study {word} scenes. " + "Our method improves accuracy. " * 10,
                   categories=("cs.CV",))
        for i, word in enumerate(words)
    ]  # fmt: skip


def _ready_papers() -> list[ListingEntry]:
    """Ten papers of the same mailing that were summarized before the digests started."""
    return [
        feed_entry(f"2611.{19001 + i}", 1, f"Dense {READY_WORD} matching at scale ({i})",
                   [f"R. Ready{i}", "S. Second"],
                   f"We study {READY_WORD} scenes. " + "Our method is simple. " * 10,
                   categories=("cs.CV",))
        for i in range(PER_DIGEST)
    ]  # fmt: skip


def _cached_ids() -> list[str]:
    return [f"2611.{20001 + i}" for i in range(ASKERS)]


def _page(title: str, abstract: str) -> str:
    """A small arXiv HTML page (LaTeXML's classes, no figures): the full text is found and
    final, so the summary is stored as production stores most of them."""
    paragraphs = "".join(
        f'<section class="ltx_section" id="S{n}"><h2 class="ltx_title ltx_title_section">'
        f'<span class="ltx_tag ltx_tag_section">{n} </span>{name}</h2><div class="ltx_para">'
        f'<p class="ltx_p">{abstract} {name} matters here. '
        + "We report what we measured. " * 30
        + "</p></div></section>"
        for n, name in enumerate(("Introduction", "Method", "Experiments", "Conclusion"), 1)
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><title>{title}</title></head><body>'
        f'<div class="ltx_page_content"><article class="ltx_document">'
        f'<h1 class="ltx_title ltx_title_document">{title}</h1>'
        f'<div class="ltx_abstract"><h6 class="ltx_title ltx_title_abstract">Abstract</h6>'
        f'<p class="ltx_p">{abstract}</p></div>{paragraphs}</article></div></body></html>'
    )


def _serve(arxiv: ArxivFake, papers: int) -> None:
    listing = _ready_papers() + _mailing(papers)
    arxiv.set_listing("cs.CV", MAILING, listing)
    for entry in listing:
        arxiv.add_html(f"{entry.arxiv_id}v1", _page(entry.title, entry.abstract))
    for entry in _ready_papers():  # summarized before B through /summarize's path
        arxiv.add_paper(
            entry.arxiv_id,
            1,
            entry.title,
            entry.creator.split(", "),
            entry.abstract,
            categories=entry.categories,
        )
    for i, arxiv_id in enumerate(_cached_ids()):
        title, abstract = f"Talking heads in real time ({i})", "We make talking heads fast. " * 8
        arxiv.add_paper(
            arxiv_id, 1, title, ["C. Asker", "D. Other"], abstract, categories=("cs.CV",)
        )
        arxiv.add_html(f"{arxiv_id}v1", _page(title, abstract))


def _digest_chats(services: Services, chats: int, papers: int, ready: int) -> list[ChatRef]:
    """Chats due at 08:00 Berlin (through the Repository): the first ``ready`` follow the
    papers summarized beforehand, the others one word each of the unsummarized ones."""
    topics = _topics(papers)
    refs = []
    for i in range(chats):
        ref = ChatRef("telegram", str(FIRST_DIGEST_CHAT + i))
        word = READY_WORD if i < ready else WORDS[(i - ready) % topics]
        topic = parse_topic(f"cs.CV {word}")
        services.repo.ensure_chat(ref, timezone="Europe/Berlin", delivery_time="08:00")
        services.repo.add_subscription(ref, topic.kind, topic.query, topic.label)
        refs.append(ref)
    return refs


# -- the fake's side (a process of its own: bench/fake_process.py) ---------------------------


def _text(kind: str, i: int) -> str:
    # Versioned ids: the digests' fixed clock would make stored unversioned metadata look stale.
    return "/help" if kind == "help" else f"/summarize {_cached_ids()[i % ASKERS]}v1"


async def _inject_at_once(tg: TelegramFakeProcess, asks: list[tuple[int, str, int]]) -> list[Ask]:
    queued = await tg.inject_at_once([(chat_id, _text(kind, i)) for chat_id, kind, i in asks])
    return [Ask(chat_id, kind, at) for (chat_id, kind, _), at in zip(asks, queued, strict=True)]


async def _inject_every(
    tg: TelegramFakeProcess, asks: list[tuple[int, str, int]], interval_s: float
) -> list[Ask]:
    queued = await tg.inject_every([(c, _text(kind, i)) for c, kind, i in asks], interval_s)
    return [Ask(chat_id, kind, at) for (chat_id, kind, _), at in zip(asks, queued, strict=True)]


def _match(asks: list[Ask], sends: list[Send]) -> list[Ask]:
    """Each ask's reply: the first delivered sendMessage to its chat after it was queued."""
    by_chat: dict[int, list[float]] = {}
    for chat_id, status, at in sends:
        if status == 200 and chat_id is not None:
            by_chat.setdefault(chat_id, []).append(at)
    matched = []
    for ask in asks:
        later = [t for t in by_chat.get(ask.chat_id, ()) if t >= ask.queued]
        replied = min(later) if later else None
        if replied is not None:
            by_chat[ask.chat_id].remove(replied)
        matched.append(Ask(ask.chat_id, ask.kind, ask.queued, replied))
    return matched


async def _wait_replies(tg: TelegramFakeProcess, asks: list[Ask], timeout_s: float) -> list[Ask]:
    """The asks with their replies, once all came or ``timeout_s`` passed."""
    deadline = time.monotonic() + timeout_s
    while True:
        matched = _match(asks, await tg.sends())
        if all(a.replied is not None for a in matched) or time.monotonic() > deadline:
            return matched
        await asyncio.sleep(0.1)


# -- scenarios -------------------------------------------------------------------------------


async def _at_rest(args: argparse.Namespace, tg: TelegramFakeProcess) -> list[Ask]:
    """A: 20 chats ask at the same instant; a pause between rounds (1 message/s per chat)."""
    asks: list[Ask] = []
    for _ in range(args.rounds):
        wave = [(FIRST_ASKER + i, "summarize", i) for i in range(ASKERS)]
        injected = await _inject_at_once(tg, wave)
        asks += await _wait_replies(tg, injected, args.reply_timeout)
        await asyncio.sleep(1.5)
    return asks


async def _under_load(
    args: argparse.Namespace, services: Services, tg: TelegramFakeProcess,
    gemini: GeminiFake, refs: list[ChatRef],
) -> tuple[list[Ask], Load]:  # fmt: skip
    """B: every digest at once, then commands from 20 other chats in turn during the window."""
    gemini.default = slow(args.model_latency, good())
    calls_before = len(gemini.requests)

    async def one(ref: ChatRef) -> str:
        try:
            outcome = await services.digests.run(ref, trigger="schedule", due_at=DUE)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 (a failed chat is a figure, not a crash)
            return type(exc).__name__
        return outcome.status if isinstance(outcome, Outcome) else "?"

    tasks = [asyncio.ensure_future(one(ref)) for ref in refs]
    lags: list[float] = []
    watch = asyncio.ensure_future(_watch_loop(lags))
    await asyncio.sleep(args.warmup)  # planning is under way, the model queue fills
    n = max(1, round(args.duration / args.interval))
    # Chat k % 20 asks; the kind alternates per round, so each chat asks both in turn.
    plan = [(FIRST_OTHER_ASKER + k % ASKERS, ("help", "summarize")[(k + k // ASKERS) % 2], k)
            for k in range(n)]  # fmt: skip
    window_start = time.monotonic()
    injected = await _inject_every(tg, plan, args.interval)
    asks = await _wait_replies(tg, injected, args.reply_timeout)
    window_end = time.monotonic()
    watch.cancel()
    done = [t for t in tasks if t.done()]
    outcomes = Counter(t.result() for t in done if not t.cancelled())
    outcomes["still running at the end"] = len(tasks) - len(done)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    digest_ids = {int(r.chat_id) for r in refs}
    sends = [r for r in await tg.sends() if window_start <= r[2] <= window_end
             and r[0] in digest_ids]  # fmt: skip
    calls = [r for r in gemini.requests if window_start <= r.time <= window_end]
    load = Load(
        window_s=window_end - window_start,
        digest_messages=sum(r[1] == 200 for r in sends),
        digest_429s=sum(r[1] == 429 for r in sends),
        model_calls=len(calls),
        model_calls_before=sum(r.time < window_start for r in gemini.requests) - calls_before,
        digests_started=len(refs),
        outcomes=outcomes,
        loop_lag_ms=lags,
    )
    return asks, load


async def _watch_loop(lags: list[float], period_s: float = 0.05) -> None:
    """Record how late the bot's event loop wakes a short sleep (a blocked loop answers no one)."""
    while True:
        before = time.monotonic()
        await asyncio.sleep(period_s)
        lags.append((time.monotonic() - before - period_s) * 1000)


# -- the run ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    rest: list[Ask]
    load_asks: list[Ask]
    load: Load
    tally: LogTally
    stored: int  # of the 20 papers asked about, summaries found in the cache


async def measure(args: argparse.Namespace) -> Result:
    """Start the fakes and the bot; run A then B; return the raw figures."""
    tally = LogTally.install()
    with contextlib.ExitStack() as sync_stack:
        tmp = sync_stack.enter_context(tempfile.TemporaryDirectory(prefix="paperboy-bench-"))
        arxiv = sync_stack.enter_context(ArxivFake(fixtures=False, dawn=False, pdfs=False))
        async with TelegramFakeProcess(TOKEN) as tg:
            await tg.enable_rate_limits(
                private_per_second=PER_CHAT_PER_S, private_burst=1,
                overall_per_second=OVERALL_PER_S,
            )
            _serve(arxiv, args.papers)
            async with GeminiFake() as gemini:
                settings = bench_settings(
                    Path(tmp) / "bench.db", arxiv_api_url=arxiv.api_url,
                    arxiv_feed_url=arxiv.feed_url, gemini_url=gemini.base_url,
                    telegram_url=tg.base_url, telegram_file_url=tg.base_file_url,
                    arxiv_interval_s=0.0, model_rpm=args.model_rpm, per_chat_interval_s=1.0,
                )  # fmt: skip
                return await _with_bot(args, settings, tg, gemini, tally)


async def _with_bot(
    args: argparse.Namespace, settings: Settings, tg: TelegramFakeProcess,
    gemini: GeminiFake, tally: LogTally,
) -> Result:  # fmt: skip
    """The bot as production composes it (``build_platforms``), on the digests' fixed clock."""
    services: Services
    async with (
        open_services(settings, clock=Clock(DUE)) as services,
        contextlib.AsyncExitStack() as stack,
    ):
        for platform in build_platforms(services, console=False):
            services.digests.platforms[platform.name] = platform
            await stack.enter_async_context(platform)
        await tg.wait_for_poll(30)
        stored = 0
        for arxiv_id in _cached_ids():  # the cache, filled through the real path
            ref = parse_arxiv_id(f"{arxiv_id}v1")
            await services.summaries.card(ref, "en")
            paper = await services.summaries.paper(ref)
            stored += services.summaries.cached_card(paper, "en") is not None
        rest = await _at_rest(args, tg)
        for entry in _ready_papers():  # what the "ready" chats' digests will show
            await services.summaries.card(parse_arxiv_id(f"{entry.arxiv_id}v1"), "en")
        refs = _digest_chats(services, args.chats, args.papers, _ready(args))
        load_asks, load = await _under_load(args, services, tg, gemini, refs)
    return Result(rest, load_asks, load, tally, stored)


# -- figures ---------------------------------------------------------------------------------


def _stats(asks: list[Ask]) -> tuple[float, float, float, int]:
    answered = [a.ms for a in asks if a.replied is not None]
    missing = len(asks) - len(answered)
    values = answered + [math.inf] * missing  # a missing reply counts as the slowest
    return percentile(values, 50), percentile(values, 95), max(values, default=0.0), missing


def _ms(value: float) -> str:
    return "no reply" if math.isinf(value) else f"{value:,.0f} ms"


def _kind(result: Result, kind: str) -> list[Ask]:
    return [a for a in result.load_asks if a.kind == kind]


def goal_rows(result: Result) -> list[Goal]:
    """The Goal rows: p95 of each measured series against ≤ 50 ms."""
    series = [
        ("cached /summarize p95, 20 chats at once (at rest)", result.rest),
        ("/help p95 during a digest + model backlog", _kind(result, "help")),
        ("cached /summarize p95 during a digest + model backlog", _kind(result, "summarize")),
    ]
    rows = []
    for what, asks in series:
        p50, p95, top, missing = _stats(asks)
        note = f"p50 {_ms(p50)}, max {_ms(top)}, n={len(asks)}"
        note += f", {missing} unanswered" if missing else ""
        rows.append(Goal("P4", what, _ms(p95), f"≤ {LIMIT_MS:.0f} ms", p95 <= LIMIT_MS, note))
    return rows


def print_report(args: argparse.Namespace, result: Result) -> None:
    """The Markdown tables: latencies beside the limit, then what the load was."""
    print(f"\n### P4 reply latency ({machine()})\n")
    print(
        f"Bot API fake: 30 msg/s per bot, 1 msg/s per chat. B: {args.chats:,} digest chats "
        f"({_ready(args):,} with papers summarized before, sending at once; the others "
        f"waiting for {args.papers} unsummarized papers), model {args.model_latency:g} s per call"
        f"{f', {args.model_rpm:g}/min cap' if args.model_rpm else ''}, a command every "
        f"{args.interval:g} s for {args.duration:g} s.\n"
    )
    print("| scenario | command | n | p50 | p95 | max | unanswered | limit (p95) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    rows = [("A: at rest, 20 chats at once", "cached /summarize", result.rest)]
    for kind, label in (("help", "/help"), ("summarize", "cached /summarize")):
        rows.append(("B: during digest + model backlog", label, _kind(result, kind)))
    for scenario, label, asks in rows:
        p50, p95, top, missing = _stats(asks)
        print(
            f"| {scenario} | {label} | {len(asks)} | {_ms(p50)} | **{_ms(p95)}** | {_ms(top)} "
            f"| {missing} | ≤ {LIMIT_MS:.0f} ms |"
        )
    load = result.load
    print("\n| load during B's window | value |\n|---|---:|")
    print(f"| asked-about papers cached beforehand | {result.stored} of {ASKERS} |")
    print(f"| window: first command → last reply (s) | {load.window_s:.1f} |")
    print(
        f"| digest messages delivered in the window (msg/s) | {load.digest_messages:,} "
        f"({load.digest_messages / max(load.window_s, 1e-9):.1f}/s) |"
    )
    print(f"| 429s to digest sends in the window | {load.digest_429s:,} |")
    lag = load.loop_lag_ms
    print(
        f"| bot's loop, digests start → window end: lateness of a 50 ms sleep, p50 / p95 / max (ms) | "
        f"{percentile(lag, 50):,.0f} / {percentile(lag, 95):,.0f} / {max(lag, default=0):,.0f} |"
    )
    print(
        f"| model calls before the window / in it (of {args.papers} papers) | "
        f"{load.model_calls_before} / {load.model_calls} |"
    )
    print(
        f"| digests at the end of the window | "
        f"{', '.join(f'{k} {v:,}' for k, v in sorted(load.outcomes.items()))} |"
    )
    print(f"\n{HEADER}")
    for goal in goal_rows(result):
        print(goal.row())
    warnings = result.tally.rows(4)
    print("\nwarnings logged: " + "; ".join(f"{name} ×{n}" for name, n in warnings))


# -- entry points ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; ``--quick`` shrinks the defaults."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.latency", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="300 chats, 60 papers, 8 s, 3 rounds")
    parser.add_argument("--chats", type=int, default=None, help="digest chats in B (default 2,000)")
    parser.add_argument(
        "--papers",
        type=int,
        default=None,
        help="new, unsummarized papers in the mailing (default 300)",
    )
    parser.add_argument("--duration", type=float, default=None, help="B's window in s (default 20)")
    parser.add_argument("--interval", type=float, default=0.5, help="s between commands in B")
    parser.add_argument("--rounds", type=int, default=None, help="A's rounds of 20 (default 5)")
    parser.add_argument(
        "--warmup",
        type=float,
        default=1.0,
        help="s between starting the digests and the first command in B",
    )
    parser.add_argument(
        "--model-latency", type=float, default=0.5, help="s the Gemini fake takes per summary in B"
    )
    parser.add_argument(
        "--model-rpm",
        type=float,
        default=0.0,
        help="SummarizerSettings.requests_per_minute (production 10; 0 = no cap)",
    )
    parser.add_argument(
        "--ready-share",
        type=float,
        default=0.5,
        help="share of B's chats whose 10 papers were summarized before: their "
        "digests send at once, the others wait for the model",
    )
    parser.add_argument(
        "--reply-timeout",
        type=float,
        default=30.0,
        help="s to wait for the last replies after the last command",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.chats = args.chats or (300 if quick else 2000)
    args.papers = args.papers or (60 if quick else 300)
    args.duration = args.duration or (8.0 if quick else 20.0)
    args.rounds = args.rounds or (3 if quick else 5)
    if not 0 <= args.ready_share <= 1:
        parser.error("--ready-share is a share between 0 and 1")
    if min(args.chats, args.papers, args.rounds) < 1 or args.duration <= 0 or args.interval <= 0:
        parser.error("sizes must be positive")
    return args


def _ready(args: argparse.Namespace) -> int:
    return round(args.chats * args.ready_share)


def _deadline(args: argparse.Namespace) -> float:
    """Setup + A + B + waiting for replies, generously; the hard kill comes after it."""
    rounds = args.rounds * (args.reply_timeout + 2)
    return 60 + rounds + args.warmup + args.duration + args.reply_timeout + 60


async def _bounded(args: argparse.Namespace) -> Result:
    async with asyncio.timeout(_deadline(args)):
        return await measure(args)


def goals(quick: bool = False) -> list[Goal]:
    """Run the benchmark (quick: smaller) and return its Goal rows."""
    args = parse_args(["--quick"] if quick else [])
    return goal_rows(asyncio.run(_bounded(args)))


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m bench.latency``."""
    args = parse_args(argv)
    hard_timeout(_deadline(args) + 120)
    result = asyncio.run(_bounded(args))
    print_report(args, result)


if __name__ == "__main__":
    main()
