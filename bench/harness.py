"""What both benchmarks share: a fixed clock, settings aimed at the loopback fakes, a recording
platform, a hard time limit, and the machine figures (RSS, CPU) they print."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import platform
import resource
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Self, TypeVar
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from bot.core.messages import ChatRef, Reply
from bot.render.telegram_html import render_reply
from config.settings import (
    ArxivSettings,
    DigestSettings,
    GeminiSettings,
    Settings,
    StorageSettings,
    SummarizerSettings,
    TelegramSettings,
)
from papers.query import parse_topic
from storage.repository import Repository

# A bot token for the fake only; it never leaves 127.0.0.1.
TOKEN = "123456:BENCHtokenForTheLoopbackFakeOnly0123456"
BERLIN = ZoneInfo("Europe/Berlin")
# Tuesday 17 Nov 2026, 08:00 in Berlin: the mailing announced Monday 20:00 ET (dated the 17th)
# is out, so every chat due at 08:00 gets it. Papers of that mailing were submitted between
# Friday 13 Nov 14:00 ET and Monday 16 Nov 14:00 ET (see bot.core.supply.submission_window).
DUE = datetime(2026, 11, 17, 8, 0, tzinfo=BERLIN)
MAILING = date(2026, 11, 17)
SUBMITTED = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
_T = TypeVar("_T")


class Clock:
    """The digests' clock, fixed at the delivery minute (sending still takes real time)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def bench_settings(
    db: Path,
    *,
    arxiv_api_url: str,
    arxiv_feed_url: str,
    gemini_url: str,
    telegram_url: str | None = None,
    telegram_file_url: str | None = None,
    arxiv_interval_s: float = 3.0,
    model_rpm: float = 0.0,
    per_chat_interval_s: float = 1.0,
) -> Settings:
    """Production settings except the endpoints (loopback fakes) and what the caller varies."""
    telegram = TelegramSettings()
    if telegram_url is not None:
        telegram = TelegramSettings(
            token=SecretStr(TOKEN), api_base_url=telegram_url,
            api_file_url=telegram_file_url or telegram_url, per_chat_interval_s=per_chat_interval_s,
        )  # fmt: skip
    return Settings(
        storage=StorageSettings(path=db),
        arxiv=ArxivSettings(
            api_url=arxiv_api_url, feed_url=arxiv_feed_url, min_interval_s=arxiv_interval_s,
            # Full text from the same fake (404 there: summaries read the abstract, as before).
            html_url=arxiv_api_url.split("/api/")[0] + "/html/",
            pdf_url=arxiv_api_url.split("/api/")[0] + "/pdf/",
            abs_url=arxiv_api_url.split("/api/")[0] + "/abs/",
        ),
        summarizer=SummarizerSettings(backend="gemini", requests_per_minute=model_rpm),
        gemini=GeminiSettings(api_key=SecretStr("bench-gemini-key"), base_url=gemini_url),
        telegram=telegram,
        digest=DigestSettings(),
    )


class RecordingPlatform:
    """A Platform that renders each reply as Telegram would and keeps the messages, sending none."""

    cards_per_send = 1  # one card per send, as on Telegram

    def __init__(self, name: str = "telegram") -> None:
        self.name = name
        self.sent: list[tuple[str, str]] = []  # (chat id, HTML of one Telegram message)
        self.sends = 0  # Platform.send calls (one per header, card or compact list)
        self._closed = asyncio.Event()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._closed.set()

    async def send(self, chat_id: str, reply: Reply, *, bulk: bool = False,
                   progress: object = None, skip: int = 0, parts: int | None = None) -> None:
        """Record the Telegram messages this reply would be."""
        self.sends += 1
        self.sent.extend((chat_id, m.html) for m in render_reply(reply))

    async def wait_closed(self) -> None:
        """Ends when the benchmark leaves the platform."""
        await self._closed.wait()


def hard_timeout(seconds: float) -> None:
    """Kill the process after ``seconds`` whatever it is doing (the asyncio deadline comes first)."""

    def expire(signum: int, frame: object) -> None:
        print(f"bench: hard timeout after {seconds:.0f} s; killed", file=sys.stderr, flush=True)
        os._exit(124)

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(max(1, int(seconds)))


def rss_mib() -> float:
    """Resident memory now (MiB), from /proc; 0 where /proc is missing."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (MiB; ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """User + system CPU seconds of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine() -> str:
    """The facts a figure needs to be compared: CPUs, Python, OS, date."""
    return (
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()} "
        f"{platform.release()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def print_table(title: str, rows: Iterable[tuple[str, object]]) -> None:
    """Two aligned columns under a title, as docs/benchmarks.md quotes them."""
    rows = list(rows)
    width = max(len(name) for name, _ in rows)
    print(f"\n{title}\n{'-' * len(title)}")
    for name, value in rows:
        shown = f"{value:,.1f}" if isinstance(value, float) else (
            f"{value:,}" if isinstance(value, int) else str(value))  # fmt: skip
        print(f"  {name.ljust(width)}  {shown}")


class Stopwatch:
    """Wall seconds since creation."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.started


class LogTally(logging.Handler):
    """Counts warnings and errors by logger and message pattern (the run stays quiet)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[tuple[str, str]] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[(record.name, str(record.msg)[:70])] += 1

    @classmethod
    def install(cls) -> LogTally:
        """Replace the root handlers with a tally (PTB/httpx INFO lines would flood the output)."""
        tally = cls()
        root = logging.getLogger()
        root.handlers[:] = [tally]
        root.setLevel(logging.WARNING)
        return tally

    def rows(self, limit: int = 6) -> list[tuple[str, object]]:
        """The most frequent warnings, for print_table."""
        if not self.counts:
            return [("(none)", 0)]
        return [(f"{name}: {msg}", n) for (name, msg), n in self.counts.most_common(limit)]


class LoopThread:
    """An event loop in a thread of its own, for a fake that must not share the bot's loop.

    With the Bot API fake on the bot's loop, a busy bot would also delay the fake's own
    timestamps (and the moment an update is injected), so latencies would come out short.
    Everything touching the fake then runs in this loop: ``run(coro)``, ``call(fn, *args)``.
    """

    def __init__(self, name: str = "bench-fake-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)

    def submit(self, coro: Coroutine[Any, Any, _T]) -> concurrent.futures.Future[_T]:
        """Start ``coro`` in the thread's loop; the caller awaits ``asyncio.wrap_future`` of it."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float | None = 60) -> _T:
        """Run ``coro`` in the thread's loop and wait for its result (blocks the caller)."""
        return self.submit(coro).result(timeout)

    def call(self, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(*args)`` in the thread's loop (the fake's state is only touched there)."""

        async def invoke() -> _T:
            return fn(*args)

        return self.run(invoke())


def cs_cv_chats(repo: Repository, n: int, first_id: int) -> list[ChatRef]:
    """``n`` private Telegram chats (ids from ``first_id``) following cs.CV, all due at 08:00
    Berlin time: the digest benchmarks' subscribers."""
    topic = parse_topic("cs.CV")
    refs = []
    for i in range(n):
        ref = ChatRef("telegram", str(first_id + i))
        repo.ensure_chat(ref)
        repo.update_chat(ref, timezone="Europe/Berlin", delivery_time="08:00")
        repo.add_subscription(ref, topic.kind, topic.query, topic.label)
        refs.append(ref)
    return refs
