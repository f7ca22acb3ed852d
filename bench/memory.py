"""Memory and start-up (issue 9, P5): import cost, ``paperboy --help``, idle RSS of ``paperboy run``
with N chats × 3 subscriptions, and its peak RSS during a 300-paper digest cycle.

    python -m bench.memory              # 10,000 chats (and 1,000 for the slope): about 5 min
    python -m bench.memory --quick      # 1,000 chats (and 100): under a minute
    python -m bench.memory --help       # every option

Every figure comes from a fresh interpreter (a subprocess), never from this one:

- import / --help: ``python -c "import bot.app"`` and ``paperboy --help``, each run under a tiny
  launcher that reports the wall time and ``RUSAGE_CHILDREN``'s max RSS (a launcher, so the
  child's max RSS cannot inherit this process's: Linux carries a parent's peak into a vfork'd
  child); the import child also names the SDKs it loaded.
- idle: ``python -m bot run --config <toml>`` itself (Telegram aimed at the loopback Bot API fake
  that this process serves, the extractive backend), on a database of N chats × 3 subscriptions
  whose delivery time is hours away; once ``getUpdates`` is polled and the process's CPU is
  quiet, VmRSS / VmHWM from ``/proc/<pid>/status``; then SIGTERM.
- cycle: ``python -m bench.memory --child`` composes the bot as ``bot.app.run`` does
  (``open_services``, ``build_platforms``, ``DigestScheduler``) on a fixed clock, then fires every
  chat's digest at once (``Digests.run``, as the scheduler's jobs due at one minute), over a
  300-paper mailing, and reports its VmHWM. The Bot API fake's limits are OFF and the bot's own
  30 messages/s limiter is lifted (a what-if, said in the table): this measures memory, not
  pacing (bench.fanout and bench.latency time the sending).

Inputs come from ``bench.cost`` (seeded papers over six categories, topics by popularity, one
chat in ten reading Chinese); each chat takes at most ``--max-papers`` papers and every other
chat reads its digest compact, so a chat gets 2–4 messages.
"""

from __future__ import annotations

# Only the standard library at the top: this process stays small while it times children.
import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.goals import HEADER, Goal  # a dataclass, nothing else

LIMIT_PEAK_MIB = 150.0  # the 150 MB, read as MiB as /proc reports
HELP_LIMIT_S = 0.3  # "fast": this benchmark's reading (interpreter start-up is ~0.02 s)
IDLE_MARGIN_MIB = 25.0  # idle above the imports a Telegram + extractive bot needs
# SDKs a Telegram bot with the extractive backend never needs (issue 9: import them only when
# their backend or platform is configured).
UNNEEDED = ("discord", "google.genai", "openai", "pypdfium2", "PIL")
# What such a bot cannot do without: the floor of "as low as the imports allow".
NEEDED = ("telegram.ext", "apscheduler.schedulers.asyncio", "sqlite_utils", "pydantic_settings",
          "arxiv", "httpx", "aiohttp")  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]
FIRST_CHAT = 20_000_001
DIGEST_GRACE_H = 6  # DigestSettings.grace_period_s default, for choosing a harmless time
RESULT = "BENCH-RESULT "

# Runs ``cmd`` (JSON in argv[1]) and prints its wall time and max RSS (KiB) as JSON.
_LAUNCHER = """
import json, resource, subprocess, sys, time
cmd = json.loads(sys.argv[1])
t = time.perf_counter()
code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode
wall = time.perf_counter() - t
kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "maxrss_kib": kib, "code": code}))
"""
# The import child: what importing bot.app loads.
_IMPORT = """
import sys
import bot.app
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print(",".join(heavy) or "-", file=sys.stderr)
sys.exit(0 if not heavy else 3)
"""
# ``python -m bot run`` under runpy, writing the unneeded SDKs it loaded when it exits.
_RUN = """
import atexit, runpy, sys
out, heavy = sys.argv[1], {heavy!r}
atexit.register(lambda: open(out, "w").write(",".join(m for m in heavy if m in sys.modules)))
sys.argv = ["paperboy", "--config", sys.argv[2], "run"]
runpy.run_module("bot", run_name="__main__", alter_sys=True)
"""


def _env() -> dict[str, str]:
    """The children's environment: none of the caller's PAPERBOY_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    env["PYTHONPATH"] = str(ROOT) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    return env


def proc_status(pid: int | str = "self") -> dict[str, float]:
    """VmRSS, VmHWM … of a process, in MiB (empty when it is gone)."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name.startswith("Vm") and rest.strip().endswith("kB"):
                values[name] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return values


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (from /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- (a) imports, (b) --help -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timed:
    """A command run ``runs`` times after a warm-up: median wall time, highest max RSS."""

    label: str
    wall_s: float
    maxrss_mib: float
    codes: tuple[int, ...]
    detail: str = ""


def _launch(cmd: list[str], runs: int, label: str) -> Timed:
    walls, rss, codes, detail = [], [], [], ""
    for i in range(runs + 1):  # the first run writes .pyc files and warms the page cache
        done = subprocess.run([sys.executable, "-c", _LAUNCHER, json.dumps(cmd)], cwd=ROOT,
                              env=_env(), capture_output=True, text=True, timeout=120,
                              check=True)  # fmt: skip
        report = json.loads(done.stdout.strip().splitlines()[-1])
        if i:
            walls.append(report["wall"])
            rss.append(report["maxrss_kib"] / 1024)
            codes.append(report["code"])
    if label == "import bot.app":  # which unneeded SDKs it loaded (the child says on stderr)
        done = subprocess.run(
            cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120, check=False
        )  # exit 3: SDKs loaded
        detail = (done.stderr.strip().splitlines() or ["?"])[-1]
    return Timed(label, statistics.median(walls), max(rss), tuple(codes), detail)


def _help_cmd() -> tuple[list[str], str]:
    script = Path(sys.executable).parent / "paperboy"
    if script.exists():
        return [str(script), "--help"], "paperboy --help"
    return [sys.executable, "-m", "bot", "--help"], "python -m bot --help"


def measure_startup(runs: int) -> list[Timed]:
    """Interpreter alone, ``import bot.app``, the needed imports, and ``paperboy --help``."""
    help_cmd, help_label = _help_cmd()
    needed = "import " + ", ".join(NEEDED)
    return [
        _launch([sys.executable, "-c", "pass"], runs, "python -c pass"),
        _launch([sys.executable, "-c", _IMPORT.format(heavy=UNNEEDED)], runs, "import bot.app"),
        _launch([sys.executable, "-c", needed], runs, "needed imports only"),
        _launch(help_cmd, runs, help_label),
    ]


# -- the database ------------------------------------------------------------------------------


def harmless_time(now: datetime, due: datetime) -> str:
    """A daily delivery time (UTC) that neither the fixed clock's catch-up (``due``) nor the wall
    clock's (``now``) would send, and that no job reaches within the next hour."""
    for hour in range(24):
        for minute in (0, 30):
            ok = True
            for at in (now, due):
                last = at.replace(hour=hour, minute=minute, second=0, microsecond=0)
                if last > at:
                    last -= timedelta(days=1)
                ok &= at - last > timedelta(hours=DIGEST_GRACE_H + 1)
                ok &= last + timedelta(days=1) - at > timedelta(hours=1)
            if ok:
                return f"{hour:02d}:{minute:02d}"
    raise RuntimeError("no harmless delivery time")  # cannot happen: 24 h vs two 8 h windows


def build_db(path: Path, chats: int, args: argparse.Namespace, delivery: str) -> float:
    """N chats × 3 subscriptions through the Repository (as /subscribe, /max, /compact leave
    them); returns the seconds it took."""
    from bench.cost import make_day
    from bench.harness import DUE, Clock
    from papers.query import parse_topic
    from storage.repository import Repository

    started = time.perf_counter()
    day = make_day(argparse.Namespace(seed=args.seed, papers=args.papers, chats=chats, topics=3,
                                      unique_queries=0))  # fmt: skip
    repo = Repository.open(path, clock=Clock(DUE - timedelta(days=1)))
    try:
        for i, (ref, language, typed) in enumerate(day.chats):
            share = args.compact_share  # spread evenly: 0.5 → every other chat
            compact = int((i + 1) * share) > int(i * share)
            repo.ensure_chat(ref, timezone="UTC", delivery_time=delivery, language=language,
                             max_papers=args.max_papers, compact=compact)  # fmt: skip
            for text in typed:
                topic = parse_topic(text)
                repo.add_subscription(ref, topic.kind, topic.query, topic.label)
    finally:
        repo.close()
    return time.perf_counter() - started


# -- (c) idle: paperboy run ------------------------------------------------------------------


@dataclass(slots=True)
class Idle:
    """``paperboy run`` once it is idle."""

    rss_mib: float = 0.0
    hwm_mib: float = 0.0
    start_s: float = 0.0  # from spawn until idle
    loaded: str = "?"  # unneeded SDKs the process had loaded
    ok: bool = False
    detail: str = ""


def _toml(db: Path, tg: Any, arxiv: Any) -> str:
    from bench.harness import TOKEN

    return (
        f'[storage]\npath = "{db}"\n'
        f'[arxiv]\napi_url = "{arxiv.api_url}"\nfeed_url = "{arxiv.feed_url}"\n'
        f'html_url = "{arxiv.html_url}"\npdf_url = "{arxiv.pdf_url}"\nabs_url = "{arxiv.abs_url}"\n'
        "min_interval_s = 0.0\n"
        '[summarizer]\nbackend = "extractive"\n'
        f'[telegram]\ntoken = "{TOKEN}"\napi_base_url = "{tg.base_url}"\n'
        f'api_file_url = "{tg.base_file_url}"\n'
        '[logging]\nlevel = "WARNING"\n'
    )


async def _until_quiet(pid: int, timeout_s: float, still_s: float = 1.0) -> bool:
    """Wait until the process used under 2 % of a CPU for ``still_s``; False at the timeout."""
    deadline = time.monotonic() + timeout_s
    samples: list[tuple[float, float]] = []
    while time.monotonic() < deadline:
        samples.append((time.monotonic(), _cpu_s(pid)))
        window = [s for s in samples if s[0] >= samples[-1][0] - still_s]
        long_enough = window[0][0] <= samples[-1][0] - still_s * 0.9
        if long_enough and samples[-1][1] - window[0][1] <= 0.02 * still_s:
            return True
        await asyncio.sleep(0.1)
    return False


async def measure_idle(db: Path, tmp: Path, tg: Any, arxiv: Any, timeout_s: float) -> Idle:
    """Start ``python -m bot run`` on ``db``; read its memory once it is idle; SIGTERM it."""
    config, out = tmp / "paperboy.toml", tmp / "loaded.txt"
    config.write_text(_toml(db, tg, arxiv))
    idle = Idle()
    started = time.monotonic()
    with open(tmp / "idle.log", "wb") as log:  # noqa: ASYNC230 (a local file, once)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _RUN.format(heavy=UNNEEDED), str(out), str(config),
            cwd=ROOT, env=_env(), stdout=log, stderr=log,
        )  # fmt: skip
        try:
            polled = asyncio.ensure_future(tg.wait_for_poll(timeout_s))  # a long poll waits
            exited = asyncio.ensure_future(proc.wait())
            await asyncio.wait([polled, exited], return_when=asyncio.FIRST_COMPLETED)
            exited.cancel()
            if not polled.done():
                polled.cancel()
                raise AssertionError(f"paperboy run exited ({proc.returncode}) before polling")
            polled.result()
            idle.ok = await _until_quiet(proc.pid, timeout_s - (time.monotonic() - started))
            idle.start_s = time.monotonic() - started
            status = proc_status(proc.pid)
            idle.rss_mib, idle.hwm_mib = status.get("VmRSS", 0.0), status.get("VmHWM", 0.0)
        except AssertionError as exc:
            idle.detail = str(exc)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
    idle.loaded = out.read_text() if out.exists() else "? (no exit report)"
    if not idle.ok:
        reason = idle.detail or "not quiet before the timeout"
        idle.detail = f"{reason}: {(tmp / 'idle.log').read_text()[-300:]}"
    return idle


# -- (d) the cycle: parent side ---------------------------------------------------------------


@dataclass(slots=True)
class Cycle:
    """One child's digest cycle."""

    chats: int
    report: dict[str, Any] = field(default_factory=dict)
    sampled_peak_mib: float = 0.0  # this process's view: highest VmRSS sampled every 0.2 s
    detail: str = ""

    @property
    def peak_mib(self) -> float:
        return max(float(self.report.get("hwm_mib", 0.0)), self.sampled_peak_mib)


async def measure_cycle(
    db: Path, chats: int, tmp: Path, tg: Any, arxiv: Any, args: argparse.Namespace
) -> Cycle:
    """Run the child on ``db``; sample its RSS meanwhile; read its report."""
    cycle = Cycle(chats)
    urls = {"tg": tg.base_url, "tg_files": tg.base_file_url, "api": arxiv.api_url,
            "feed": arxiv.feed_url, "html": arxiv.html_url, "pdf": arxiv.pdf_url,
            "abs": arxiv.abs_url}  # fmt: skip
    opts = {"db": str(db), "urls": urls, "timeout": args.timeout, "paced": args.paced}
    log_path = tmp / f"cycle-{chats}.log"
    with open(log_path, "wb") as log:  # noqa: ASYNC230 (a local file, once)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.memory", "--child", json.dumps(opts),
            cwd=ROOT, env=_env(), stdout=asyncio.subprocess.PIPE, stderr=log,
        )  # fmt: skip
        assert proc.stdout is not None
        reader = asyncio.ensure_future(proc.stdout.read())
        try:
            while not reader.done():
                cycle.sampled_peak_mib = max(
                    cycle.sampled_peak_mib, proc_status(proc.pid).get("VmRSS", 0.0)
                )
                await asyncio.wait([reader], timeout=0.2)
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()
    lines = [ln for ln in (await reader).decode().splitlines() if ln.startswith(RESULT)]
    if lines:
        cycle.report = json.loads(lines[-1][len(RESULT) :])
    else:
        cycle.detail = "no report: " + log_path.read_text()[-400:]
    return cycle


# -- (d) the cycle: the child ------------------------------------------------------------------


def _lift_limiter() -> str:
    """What-if: the bot's bot-wide 30 messages/s budget lifted (this measures memory)."""
    from bot.platforms import telegram_bot

    if hasattr(telegram_bot, "OVERALL_PER_S"):  # the bot's own smooth budget (SendSlots)
        telegram_bot.OVERALL_PER_S = 100_000.0  # type: ignore[attr-defined]
        return "lifted (the bot's send budget at 100,000/s)"
    original = getattr(telegram_bot, "AIORateLimiter", None)
    if original is None:
        return "not found: production pacing kept"

    def lifted(*args: Any, **kwargs: Any) -> Any:
        kwargs.update(overall_max_rate=100_000, overall_time_period=1)
        return original(*args, **kwargs)

    telegram_bot.AIORateLimiter = lifted  # type: ignore[attr-defined,assignment]
    return "lifted (AIORateLimiter at 100,000/s)"


async def _child(opts: dict[str, Any]) -> dict[str, Any]:
    import logging

    from pydantic import SecretStr

    from bench.harness import DUE, TOKEN, Clock
    from bot.app import build_platforms, open_services
    from config.settings import (
        ArxivSettings,
        DigestSettings,
        Settings,
        StorageSettings,
        SummarizerSettings,
        TelegramSettings,
    )

    logging.basicConfig(level=logging.WARNING)
    urls = opts["urls"]
    limiter = "production (--paced)" if opts["paced"] else _lift_limiter()
    settings = Settings(
        storage=StorageSettings(path=Path(opts["db"])),
        arxiv=ArxivSettings(api_url=urls["api"], feed_url=urls["feed"], html_url=urls["html"],
                            pdf_url=urls["pdf"], abs_url=urls["abs"], min_interval_s=0.0),
        summarizer=SummarizerSettings(backend="extractive"),
        telegram=TelegramSettings(token=SecretStr(TOKEN), api_base_url=urls["tg"],
                                  api_file_url=urls["tg_files"],
                                  per_chat_interval_s=1.0 if opts["paced"] else 0.0),
        digest=DigestSettings(),
    )  # fmt: skip
    clock = Clock(DUE)
    report: dict[str, Any] = {"limiter": limiter}
    started = time.monotonic()
    async with open_services(settings, clock=clock) as services:
        platforms = build_platforms(services, console=False)
        stack = [p for p in platforms]
        for platform in stack:
            services.digests.platforms[platform.name] = platform
            await platform.__aenter__()
        scheduler = None
        try:
            try:  # as bot.app.run: the jobs of every chat are built (none due now)
                from bot.core.scheduler import DigestScheduler

                scheduler = DigestScheduler(services.digests, services.repo, settings.digest,
                                            clock=clock)  # fmt: skip
                services.commands.on_settings_changed(scheduler.reconcile_chat)
                scheduler.start()
                report["scheduler"] = "built"
            except Exception as exc:  # noqa: BLE001 (its signature changed: measure without it)
                report["scheduler"] = f"not built ({type(exc).__name__}: {exc})"
            await _until_quiet(os.getpid(), 120)
            report["start_s"] = time.monotonic() - started
            report["idle_rss_mib"] = proc_status().get("VmRSS", 0.0)
            refs = [chat.ref for chat in services.repo.active_chats()]
            began, cpu = time.monotonic(), time.process_time()

            async def one(ref: Any) -> str:
                try:
                    outcome = await services.digests.run(ref, trigger="schedule", due_at=DUE)
                    return str(getattr(outcome, "status", outcome))
                except Exception as exc:  # noqa: BLE001 (a failed chat is a figure)
                    return type(exc).__name__

            tasks = [asyncio.ensure_future(one(ref)) for ref in refs]
            done, pending = await asyncio.wait(tasks, timeout=opts["timeout"])
            for task in pending:
                task.cancel()
            outcomes: dict[str, int] = {}
            for task in done:
                outcomes[task.result()] = outcomes.get(task.result(), 0) + 1
            if pending:
                outcomes["cut at the deadline"] = len(pending)
            report.update(chats=len(refs), outcomes=outcomes, cycle_s=time.monotonic() - began,
                          cpu_s=time.process_time() - cpu)  # fmt: skip
            report["hwm_mib"] = proc_status().get("VmHWM", 0.0)
            report["end_rss_mib"] = proc_status().get("VmRSS", 0.0)
        finally:
            if scheduler is not None:
                scheduler.shutdown()
            for platform in reversed(stack):
                await platform.__aexit__(None, None, None)
    return report


def child_main(raw: str) -> None:
    """``python -m bench.memory --child '<json>'``: the cycle, one JSON line on stdout."""
    opts = json.loads(raw)
    report = asyncio.run(_child(opts))
    print(RESULT + json.dumps(report), flush=True)


# -- the run -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    """Everything the tables and goals need."""

    args: argparse.Namespace
    startup: list[Timed]
    idle: Idle
    cycle: Cycle
    base: Cycle | None
    db_s: float
    delivery: str
    messages: int = 0
    fake_errors: int = 0


async def _with_fakes(args: argparse.Namespace, startup: list[Timed]) -> Result:
    from bench.cost import make_day, serve_day
    from bench.harness import DUE, TOKEN
    from tests.fakes.arxiv_api import ArxivFake
    from tests.fakes.telegram_api import TelegramFake

    delivery = harmless_time(datetime.now(UTC), DUE.astimezone(UTC))
    base_chats = max(1, args.chats // 10) if args.slope else 0
    with (
        tempfile.TemporaryDirectory(prefix="paperboy-bench-") as name,
        ArxivFake(fixtures=False, dawn=False, pdfs=False) as arxiv,
    ):
        tmp = Path(name)
        day = make_day(argparse.Namespace(seed=args.seed, papers=args.papers, chats=1, topics=3,
                                          unique_queries=0))  # fmt: skip
        serve_day(arxiv, day)
        db = tmp / "big" / "paperboy.db"
        db.parent.mkdir()
        db_s = build_db(db, args.chats, args, delivery)
        async with TelegramFake(token=TOKEN) as tg:  # limits off: memory, not pacing
            idle = await measure_idle(db, tmp, tg, arxiv, timeout_s=180)
            cycle = await measure_cycle(db, args.chats, tmp, tg, arxiv, args)
            base = None
            if base_chats:
                small = tmp / "small" / "paperboy.db"
                small.parent.mkdir()
                build_db(small, base_chats, args, delivery)
                base = await measure_cycle(small, base_chats, tmp, tg, arxiv, args)
            sends = tg.calls("sendMessage")
            ok = sum(r.status == 200 for r in sends)
            errors = sum(r.status != 200 for r in sends)
    return Result(args, startup, idle, cycle, base, db_s, delivery, ok, errors)


def measure(args: argparse.Namespace) -> Result:
    """(a) and (b) first, while this process is small; then the fakes, (c) and (d)."""
    startup = measure_startup(args.runs)
    return asyncio.run(_with_fakes(args, startup))


# -- figures -----------------------------------------------------------------------------------


def _slope(result: Result) -> float | None:
    base, big = result.base, result.cycle
    if base is None or not base.report or not big.report or big.chats == base.chats:
        return None
    return (big.peak_mib - base.peak_mib) / (big.chats - base.chats) * 1000


def goal_rows(result: Result) -> list[Goal]:
    """The Goal rows (P5): peak, idle, the SDKs loaded, ``--help``."""
    args, cycle, idle = result.args, result.cycle, result.idle
    timed = {t.label: t for t in result.startup}
    imp, needed = timed["import bot.app"], timed["needed imports only"]
    help_t = next(t for t in result.startup if "--help" in t.label)
    outcomes = cycle.report.get("outcomes", {})
    complete = bool(cycle.report) and "cut at the deadline" not in outcomes
    slope = _slope(result)
    limiter = cycle.report.get("limiter", "?")
    note = (f"{args.chats:,} chats × 3, {args.papers} papers, limiter {limiter}"
            + (f"; slope {slope:.1f} MiB per 1,000 chats" if slope is not None else "")
            + ("" if complete else f"; INCOMPLETE: {cycle.detail or outcomes}"))  # fmt: skip
    floor = needed.maxrss_mib + IDLE_MARGIN_MIB
    return [
        Goal("P5", f"peak RSS of a {args.papers}-paper cycle, {args.chats:,} chats × 3",
             f"{cycle.peak_mib:.0f} MiB", f"≤ {LIMIT_PEAK_MIB:.0f} MB",
             complete and cycle.peak_mib <= LIMIT_PEAK_MIB, note),
        Goal("P5", f"idle RSS of paperboy run, {args.chats:,} chats × 3",
             f"{idle.rss_mib:.0f} MiB", f"≤ imports + {IDLE_MARGIN_MIB:.0f} = {floor:.0f} MiB",
             idle.ok and idle.rss_mib <= floor,
             f"needed imports alone {needed.maxrss_mib:.0f} MiB; started in {idle.start_s:.1f} s"
             + ("" if idle.ok else f"; {idle.detail[:80]}")),
        Goal("P5", "unneeded SDKs loaded by idle paperboy run (Telegram, extractive)",
             idle.loaded or "none", "none", idle.loaded == "", ", ".join(UNNEEDED) + " checked"),
        Goal("P5", "import bot.app: SDKs of unconfigured backends/platforms",
             imp.detail if imp.detail != "-" else "none", "none", imp.detail == "-",
             f"{imp.wall_s:.2f} s, {imp.maxrss_mib:.0f} MiB (before: 1.3 s, 112 MB)"),
        Goal("P5", f"{help_t.label}: wall time", f"{help_t.wall_s:.2f} s", f"≤ {HELP_LIMIT_S} s",
             help_t.wall_s <= HELP_LIMIT_S,
             f"'fast' read as {HELP_LIMIT_S} s; {help_t.maxrss_mib:.0f} MiB (before: 1.6 s)"),
    ]  # fmt: skip


def print_report(result: Result) -> None:
    """The Markdown tables: start-up, idle, cycle, goals."""
    from bench.harness import machine

    args = result.args
    print(f"\n### P5 memory and start-up ({machine()})\n")
    print(f"Runs of each command: {args.runs} (after one warm-up); median wall, highest max RSS.\n")
    print(
        "| command (fresh interpreter) | wall (s) | max RSS (MiB) | exit | unneeded SDKs loaded |"
    )
    print("|---|---:|---:|---:|---|")
    for t in result.startup:
        print(
            f"| `{t.label}` | {t.wall_s:.2f} | {t.maxrss_mib:.0f} | {','.join(map(str, set(t.codes)))} "
            f"| {(t.detail if t.detail != '-' else 'none') if t.detail else ''} |"
        )
    idle, cycle, base = result.idle, result.cycle, result.base
    print(
        f"\nDatabase: {args.chats:,} chats × 3 subscriptions built through the Repository in "
        f"{result.db_s:.0f} s; delivery {result.delivery} UTC (hours away: nothing due).\n"
    )
    print("| figure | value | limit |\n|---|---:|---:|")
    print(
        f"| idle `paperboy run`: VmRSS / VmHWM (MiB) | {idle.rss_mib:.0f} / {idle.hwm_mib:.0f} | "
        f"as low as the imports allow |"
    )
    print(f"| idle: start-up until quiet (s) | {idle.start_s:.1f} | |")
    print(f"| idle: unneeded SDKs loaded | {idle.loaded or 'none'} | none |")
    for c in [x for x in (cycle, base) if x is not None]:
        r = c.report
        if not r:
            print(f"| cycle, {c.chats:,} chats | failed: {c.detail[:200]} | |")
            continue
        print(
            f"| cycle, {c.chats:,} chats: idle before it (child's VmRSS, MiB) | {r['idle_rss_mib']:.0f} | |"
        )
        print(
            f"| cycle, {c.chats:,} chats: **peak RSS** (VmHWM; sampled max) (MiB) | "
            f"**{r['hwm_mib']:.0f}** ({c.sampled_peak_mib:.0f}) | ≤ {LIMIT_PEAK_MIB:.0f} MB |"
        )
        print(f"| cycle, {c.chats:,} chats: RSS after it (MiB) | {r['end_rss_mib']:.0f} | |")
        print(
            f"| cycle, {c.chats:,} chats: wall / CPU (s) | {r['cycle_s']:.1f} / {r['cpu_s']:.1f} | |"
        )
        outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(r["outcomes"].items()))
        print(f"| cycle, {c.chats:,} chats: digests | {outcomes} | |")
        print(
            f"| cycle, {c.chats:,} chats: scheduler / bot's 30 msg/s limiter | {r['scheduler']} / "
            f"{r['limiter']} | |"
        )
    slope = _slope(result)
    if slope is not None:
        print(
            f"| peak RSS per 1,000 chats (slope {base.chats:,} → {cycle.chats:,}) (MiB) | {slope:.1f} | |"
        )
    print(
        f"| messages delivered / refused by the Bot API fake (all cycles) | {result.messages:,} / "
        f"{result.fake_errors:,} | |"
    )
    print(f"\n{HEADER}")
    for goal in goal_rows(result):
        print(goal.row())


# -- entry points ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; ``--quick`` shrinks the defaults."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="1,000 chats (and 100 for the slope)")
    parser.add_argument("--chats", type=int, default=None, help="chats × 3 subscriptions (10,000)")
    parser.add_argument("--papers", type=int, default=300, help="new papers in the mailing")
    parser.add_argument("--max-papers", type=int, default=3, help="papers per digest (/max)")
    parser.add_argument(
        "--compact-share",
        type=float,
        default=0.5,
        help="share of chats reading compact digests (0.5: every other chat)",
    )
    parser.add_argument("--runs", type=int, default=None, help="runs per start-up command (3)")
    parser.add_argument(
        "--no-slope",
        dest="slope",
        action="store_false",
        help="skip the second cycle at a tenth of the chats",
    )
    parser.add_argument(
        "--paced",
        action="store_true",
        help="keep the bot's 30 msg/s and 1 msg/s per chat (a 10,000-chat cycle "
        "then takes over 15 minutes: raise --timeout)",
    )
    parser.add_argument("--seed", type=int, default=20261117)
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="deadline of one cycle in s (default 420; quick 60)",
    )
    parser.add_argument("--child", metavar="JSON", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.chats = args.chats or (1000 if args.quick else 10_000)
    args.runs = args.runs or (2 if args.quick else 3)
    args.timeout = args.timeout or (60.0 if args.quick else 420.0)
    if args.chats < 1 or args.papers < 1 or args.max_papers < 1 or not 0 <= args.compact_share <= 1:
        parser.error("sizes must be positive and --compact-share between 0 and 1")
    return args


def _hard_timeout(seconds: float) -> None:
    """bench.harness.hard_timeout, without importing the bot into this (measuring) process."""

    def expire(signum: int, frame: object) -> None:
        print(f"bench: hard timeout after {seconds:.0f} s; killed", file=sys.stderr, flush=True)
        os._exit(124)

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(max(1, int(seconds)))


def _deadline(args: argparse.Namespace) -> float:
    """Start-up runs + database + idle + two cycles, generously."""
    return 60 + args.runs * 20 + args.chats * 0.004 + 180 + 2 * (args.timeout + 60)


def goals(quick: bool = False) -> list[Goal]:
    """Run the benchmark (quick: smaller) and return its Goal rows."""
    return goal_rows(measure(parse_args(["--quick"] if quick else [])))


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m bench.memory``."""
    args = parse_args(argv)
    if args.child:
        child_main(args.child)
        return
    _hard_timeout(_deadline(args) + 120)
    print_report(measure(args))


if __name__ == "__main__":
    main()
