"""A hostile daily feed through PaperSupply (issue 10): entries stored, the longest event-loop
block, wall time. Prints figures; asserts nothing.

    python -m bench.big_feed                      # 30,000 entries (about 10 s)
    python -m bench.big_feed --entries 100000     # the 56 MB feed of the issue
    python -m bench.big_feed --topic "quantum gravity"   # a topic that matches nothing
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bot.core.supply import PaperSupply, fetchable_announcement
from config.settings import ArxivSettings
from papers.announcements import latest_announcement
from papers.feed import ArxivFeed
from papers.query import parse_topic
from papers.source import ArxivSource
from storage.repository import Repository
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import feed_entry

from bench.harness import DUE, MAILING

_TICK_S = 0.005


async def _watch(longest: list[float], stop: asyncio.Event) -> None:
    """How late the loop comes back to a task that only sleeps: its longest block."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(_TICK_S)
        longest[0] = max(longest[0], time.perf_counter() - started - _TICK_S)


async def run(entries: int, max_entries: int, max_mb: float, topic: str) -> None:
    """One cycle of the ``cs`` feed served with ``entries`` papers, read by one topic."""
    abstract = "We study sparse attention for video diffusion models at scale. " * 12
    listing = [
        feed_entry(f"2611.{i:05d}", 1, f"Generated paper {i}", ["A. Author"], abstract, ("cs.CV",))
        for i in range(entries)
    ]
    now = DUE
    current = fetchable_announcement(now)
    previous = latest_announcement(current - timedelta(minutes=1))
    with ArxivFake() as fake, tempfile.TemporaryDirectory() as tmp:
        fake.set_listing("cs", MAILING, listing)
        settings = ArxivSettings(
            api_url=fake.api_url, feed_url=fake.feed_url, min_interval_s=0.0, timeout_s=30,
            retries=0, feed_archives=("cs",), max_feed_entries=max_entries, max_feed_mb=max_mb,
        )  # fmt: skip
        repo = Repository.open(Path(tmp) / "bench.db", clock=lambda: now)
        feed, source = ArxivFeed(settings), ArxivSource(settings)
        supply = PaperSupply(repo, feed, source, clock=lambda: now)
        longest, stop = [0.0], asyncio.Event()
        watcher = asyncio.create_task(_watch(longest, stop))
        started = time.perf_counter()
        matches = await supply.matched(parse_topic(topic), current, previous)
        elapsed = time.perf_counter() - started
        stop.set()
        await watcher
        stored = repo.digests.get_listing("feed:cs", MAILING.isoformat()) or []
        await feed.aclose()
        await source.aclose()
        repo.close()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"feed entries served       {entries:>10,}")
    print(f"entries stored            {len(stored):>10,}   (cap {max_entries:,}, {max_mb:g} MB)")
    print(f"topic matches             {len(matches):>10,}")
    print(f"wall time                 {elapsed:>10.2f} s")
    print(f"longest event-loop block  {longest[0] * 1000:>10.0f} ms")
    print(f"peak RSS                  {rss_mb:>10.0f} MB")


def main(argv: list[str] | None = None) -> None:
    """Parse the options and run once."""
    parser = argparse.ArgumentParser(prog="python -m bench.big_feed", description=__doc__)
    parser.add_argument("--entries", type=int, default=30_000)
    parser.add_argument("--max-entries", type=int, default=20_000)
    parser.add_argument("--max-mb", type=float, default=30.0)
    # Every generated paper matches the default topic: the worst case for scoring.
    parser.add_argument("--topic", default="sparse attention")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(run(args.entries, args.max_entries, args.max_mb, args.topic))


if __name__ == "__main__":
    main()
