"""Free-text scaling benchmark (issue 9): arXiv requests and planning CPU for 100 → 10,000 chats,
each following its own free-text topic (no category), over one cycle of ~320 papers.

    python -m bench.freetext                  # N = 100, 1,000, 10,000 (arXiv pacing 3 s)
    python -m bench.freetext --quick          # N = 100, 1,000
    python -m bench.freetext --sizes 500 --arxiv-interval 0.1

Every chat's digest is planned (``Digests.plan``: sources, matching, ranking, the stored plan)
through the real ``Digests`` and ``PaperSupply`` with the real feed and API clients against the
loopback arXiv fake, all chats at once as the scheduler fires them at the same minute. Nothing
is sent or summarized (bench.cost and bench.fanout measure that). A few chats follow raw
queries, which still search the API. Inputs come from a seed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.goals import HEADER, Goal
from bench.harness import (
    DUE,
    MAILING,
    SUBMITTED,
    Clock,
    LogTally,
    bench_settings,
    cpu_s,
    hard_timeout,
    machine,
    peak_rss_mib,
)
from bot.app import open_services
from bot.core.digest import Outcome
from bot.core.supply import fetchable_announcement
from config.settings import ArxivSettings
from papers.announcements import latest_announcement
from papers.query import parse_topic
from storage.models import ChatRef
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import ListingEntry, feed_entry

FULL_SIZES = (100, 1_000, 10_000)
QUICK_SIZES = (100, 1_000)
PAPERS = 320
# Raw queries some chats follow: the only topics that still search the API.
RAW_QUERIES = ("cat:cs.CV AND abs:avatar", "au:Lovelace", 'abs:"sparse attention" ANDNOT cat:stat.ML')
WALL_LIMIT_S = 30.0  # "seconds, not hours": the whole cycle's planning at 10,000 chats
CPU_LIMIT_S = 30.0
# Words papers are written from and topics are typed from (a topic is two or three of them).
VOCABULARY = tuple(
    "adversarial agents alignment attention audio avatar benchmark calibration captioning causal "
    "compression contrastive curriculum dataset denoising depth detection diffusion distillation "
    "editing embedding energy equivariant evaluation fairness federated few-shot flow fusion "
    "generalization generation geometry gradient graph grounding hallucination hashing imitation "
    "inpainting instruction interpretability kernel keypoint language latent lidar locomotion "
    "manipulation matching memory merging meshes metric mixture molecules motion multimodal "
    "navigation neural noise occupancy odometry optimization panoptic parsing physics planning "
    "point pose privacy probing pruning quantization radiance ranking reasoning reconstruction "
    "recurrent registration reinforcement relighting rendering retrieval reward robustness "
    "routing sampling scaling scene segmentation semantic simulation sketch sparse speech "
    "stereo streaming style super-resolution surgery synthesis tabular talking texture tokens "
    "tracking transformers translation uncertainty unlearning video vision volumetric watermark "
    "weather".split()
)
CATEGORIES = ("cs.CV", "cs.LG", "cs.CL", "cs.RO", "stat.ML", "math.OC", "quant-ph", "eess.IV")
SURNAMES = ("Chen", "Garcia", "Kim", "Okafor", "Rossi", "Sato", "Singh", "Lovelace")


@dataclass(frozen=True, slots=True)
class Row:
    """What one size measured."""

    chats: int
    feed_requests: int
    api_requests: int
    limit: int  # archive feeds needed + distinct raw queries
    old_requests: int  # one API search per distinct free-text topic, as before issue 9
    wall_s: float
    cpu_s: float
    scored: int  # papers.query.matches calls
    naive_scored: int  # every chat scoring every listed paper of its sources
    planned: int  # chats with a stored plan holding at least one paper
    statuses: str
    max_stall_ms: float  # longest the event loop went without serving a 10 ms ticker


def make_papers(rng: random.Random, n: int) -> list[ListingEntry]:
    """``n`` papers of the mailing, titles and abstracts written from VOCABULARY."""
    papers = []
    for i in range(n):
        words = rng.sample(VOCABULARY, 9)
        cats = (CATEGORIES[i % len(CATEGORIES)], *rng.sample(CATEGORIES, k=rng.choice((0, 0, 1))))
        authors = [f"{rng.choice('ABCDEHKLMNPRS')}. {rng.choice(SURNAMES)}" for _ in range(3)]
        title = f"{words[0].capitalize()} {words[1]} with {words[2]} {words[3]}"
        abstract = (
            f"We study {words[4]} and {words[5]} for {words[6]}. Our {words[7]} method improves "
            f"{words[8]} on standard benchmarks with sparse attention."
        )
        papers.append(feed_entry(
            f"2611.{10001 + i:05d}", 1, title, authors, abstract,
            categories=tuple(dict.fromkeys(cats)),
        ))  # fmt: skip
    return papers


def make_topics(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct free-text topics without a category, and the raw queries in their place."""
    topics: dict[str, None] = {}
    while len(topics) < n - len(RAW_QUERIES):
        size = rng.choice((2, 2, 3))
        text = " ".join(rng.sample(VOCABULARY, size))
        if rng.random() < 0.1:
            text += " -" + rng.choice(VOCABULARY)
        if text.split()[-1].lstrip("-") not in text.split()[:-1]:
            topics[text] = None
    return [*RAW_QUERIES, *topics][:n]


def serve_cycle(arxiv: ArxivFake, papers: list[ListingEntry]) -> None:
    """The feed lists each paper under its primary category; the API serves the same papers,
    submitted inside the mailing's submission window (for the raw queries)."""
    for category in CATEGORIES:
        arxiv.set_listing(category, MAILING, [p for p in papers if p.categories[0] == category])
    for i, p in enumerate(papers):
        arxiv.add_paper(p.arxiv_id, 1, p.title, p.creator.split(", "), p.abstract,
                        categories=p.categories, published=SUBMITTED + timedelta(seconds=i))


async def _ticker(stalls: list[float]) -> None:
    """Records the longest gap between 10 ms ticks: how long planning ever held the loop."""
    last = time.perf_counter()
    while True:
        await asyncio.sleep(0.01)
        now = time.perf_counter()
        stalls[0] = max(stalls[0], now - last - 0.01)
        last = now


async def measure(chats: int, *, interval_s: float, seed: int) -> Row:
    """Plan ``chats`` digests (one distinct topic each) against a fresh fake and database."""
    rng = random.Random(seed)
    papers = make_papers(rng, PAPERS)
    topics = make_topics(rng, chats)
    with tempfile.TemporaryDirectory(prefix="paperboy-bench-") as tmp, ArxivFake(
        fixtures=False, dawn=False, pdfs=False
    ) as arxiv:
        serve_cycle(arxiv, papers)
        settings = bench_settings(
            Path(tmp) / "bench.db", arxiv_api_url=arxiv.api_url, arxiv_feed_url=arxiv.feed_url,
            gemini_url="http://127.0.0.1:9/", arxiv_interval_s=interval_s,
        )  # fmt: skip
        async with open_services(settings, clock=Clock(DUE)) as services:
            repo = services.repo
            refs = [ChatRef("telegram", str(30_000_001 + i)) for i in range(chats)]
            with repo.batch():
                for ref, text in zip(refs, topics, strict=True):
                    repo.ensure_chat(ref)
                    repo.update_chat(ref, timezone="Europe/Berlin", delivery_time="08:00")
                    repo.add_subscription(ref, "query" if ":" in text else "text", text, text)
            arxiv.clear_requests()
            stalls = [0.0]
            ticker = asyncio.create_task(_ticker(stalls))
            started, cpu_before = time.perf_counter(), cpu_s()
            outcomes: list[Outcome] = await asyncio.gather(
                *(services.digests.plan(ref, due_at=DUE) for ref in refs)
            )
            wall, cpu = time.perf_counter() - started, cpu_s() - cpu_before
            ticker.cancel()
            supply = services.supply
            current = fetchable_announcement(DUE)
            previous = latest_announcement(current - timedelta(minutes=1))
            sizes = {}
            for text in topics:  # every chat scoring every paper its sources list: the old way
                for key in supply.sources_for(parse_topic(text)):
                    if key not in sizes:
                        sizes[key] = len(await supply.listed(key, current, previous))
            naive = sum(
                sizes[key] for text in topics for key in supply.sources_for(parse_topic(text))
            )
    raw = len(set(RAW_QUERIES) & set(topics))
    feeds = len(arxiv.feed_requests)
    return Row(
        chats=chats,
        feed_requests=feeds,
        api_requests=len(arxiv.query_requests),
        limit=len(ArxivSettings().feed_archives) + raw,
        old_requests=len(topics),
        wall_s=wall,
        cpu_s=cpu,
        scored=supply.scored,
        naive_scored=naive,
        planned=sum(1 for o in outcomes if o.record is not None and o.record.items),
        statuses=", ".join(f"{k} {v}" for k, v in sorted(Counter(o.status for o in outcomes).items())),
        max_stall_ms=stalls[0] * 1000,
    )


def table(rows: list[Row], interval_s: float) -> str:
    """The per-size figures as a Markdown table."""
    lines = [
        f"free-text scaling: {PAPERS} papers in the cycle, arXiv pacing {interval_s:g} s, "
        f"{machine()}",
        "",
        "| chats (= distinct topics) | arXiv feed / API requests | limit: archive feeds + raw "
        "queries | before issue 9 (API searches) | planning wall s | planning CPU s | `matches` "
        "calls | naive `matches` calls | chats with papers | longest loop stall ms | outcomes |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.chats:,} | {r.feed_requests} / {r.api_requests} | ≤ {r.limit} | "
            f"{r.old_requests:,} | {r.wall_s:.1f} | {r.cpu_s:.1f} | {r.scored:,} | "
            f"{r.naive_scored:,} | {r.planned:,} | {r.max_stall_ms:.0f} | {r.statuses} |"
        )
    lines.append(f"\npeak RSS {peak_rss_mib():.0f} MiB (bot + in-process fake)")
    return "\n".join(lines)


def goal_rows(rows: list[Row]) -> list[Goal]:
    """The goals table rows: requests against their limit, planning time at the largest size."""
    goals = []
    for r in rows:
        goals.append(Goal(
            "free-text", f"arXiv requests per cycle, {r.chats:,} chats with distinct free text",
            f"{r.feed_requests + r.api_requests} ({r.feed_requests} feed + {r.api_requests} API)",
            f"≤ {r.limit} (archive feeds + distinct raw queries)",
            r.feed_requests + r.api_requests <= r.limit,
            f"before: {r.old_requests:,} API searches",
        ))  # fmt: skip
    big = rows[-1]
    goals.append(Goal(
        "free-text", f"planning wall time, {big.chats:,} chats", f"{big.wall_s:.1f} s",
        f"≤ {WALL_LIMIT_S:g} s (seconds, not hours)", big.wall_s <= WALL_LIMIT_S,
        "includes arXiv pacing of the feed and API requests",
    ))  # fmt: skip
    goals.append(Goal(
        "free-text", f"planning CPU, {big.chats:,} chats", f"{big.cpu_s:.1f} s",
        f"≤ {CPU_LIMIT_S:g} s", big.cpu_s <= CPU_LIMIT_S,
        f"{big.scored:,} `matches` calls (naive: {big.naive_scored:,})",
    ))  # fmt: skip
    return goals


async def run_all(sizes: tuple[int, ...], interval_s: float, seed: int) -> list[Row]:
    """Measure each size in turn, each with its own fake and database."""
    return [await measure(n, interval_s=interval_s, seed=seed) for n in sizes]


def goals(quick: bool = False) -> list[Goal]:
    """Run the benchmark (production pacing) and return its goal rows."""
    LogTally.install()
    rows = asyncio.run(run_all(QUICK_SIZES if quick else FULL_SIZES, 3.0, 20261117))
    return goal_rows(rows)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m bench.freetext``."""
    parser = argparse.ArgumentParser(prog="python -m bench.freetext", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 and 1,000 only")
    parser.add_argument("--sizes", type=int, nargs="+", help="chat counts instead of the defaults")
    parser.add_argument("--arxiv-interval", type=float, default=3.0,
                        help="ArxivSettings.min_interval_s (production: 3.0)")
    parser.add_argument("--seed", type=int, default=20261117)
    parser.add_argument("--timeout", type=float, default=900.0, help="hard kill after this many s")
    args = parser.parse_args(argv)
    sizes = tuple(args.sizes) if args.sizes else QUICK_SIZES if args.quick else FULL_SIZES
    if min(sizes) <= len(RAW_QUERIES) or max(sizes) > 12_000:
        parser.error(f"sizes must be between {len(RAW_QUERIES) + 1} and 12,000")
    hard_timeout(args.timeout)
    tally = LogTally.install()
    rows = asyncio.run(run_all(sizes, args.arxiv_interval, args.seed))
    print(table(rows, args.arxiv_interval))
    print("\n" + HEADER)
    for goal in goal_rows(rows):
        print(goal.row())
    warnings = tally.rows()
    print("\nwarnings logged: " + "; ".join(f"{name} ×{n}" for name, n in warnings))


if __name__ == "__main__":
    main()
