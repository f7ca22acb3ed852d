"""Cost benchmark: a day's digests for 1,000 chats × 3 topics over 300 new papers, through
``Digests.run`` with the real arXiv and Gemini clients against their loopback fakes.

    python -m bench.cost                        # 1,000 chats, 300 papers, arXiv pacing 3 s
    python -m bench.cost --chats 100 --arxiv-interval 0.1   # a quick run

Figures: arXiv requests (feed + API), model calls, distinct papers delivered, messages,
wall time, CPU, peak RSS; and what a naive design (every chat fetches and summarizes for itself)
would have cost. Sending is recorded, not timed (``RecordingPlatform``): bench.fanout times it.
Inputs are generated from a seed, so two runs see the same papers, topics and chats.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.goals import Goal
from bench.harness import (
    DUE,
    MAILING,
    SUBMITTED,
    Clock,
    LogTally,
    RecordingPlatform,
    Stopwatch,
    bench_settings,
    cpu_s,
    hard_timeout,
    machine,
    peak_rss_mib,
    percentile,
    print_table,
    rss_mib,
)
from bot.app import Services, open_services
from bot.core.digest import Outcome
from papers.query import Topic, parse_topic
from storage.models import ChatRef
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import ListingEntry, feed_entry
from tests.fakes.gemini_api import GeminiFake

# Category -> (share of the day's papers, themes its papers are about).
FIELDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "cs.CV": (80, ("diffusion models", "semantic segmentation", "talking head avatars",
                   "depth estimation", "3D reconstruction", "video generation")),
    "cs.LG": (70, ("reinforcement learning", "graph neural networks", "federated learning",
                   "transformers", "optimization", "diffusion models")),
    "cs.CL": (60, ("large language models", "machine translation", "retrieval-augmented generation",
                   "speech recognition", "reasoning")),
    "cs.AI": (40, ("agents", "planning", "reasoning", "knowledge graphs")),
    "cs.RO": (25, ("manipulation", "navigation", "legged locomotion")),
    "stat.ML": (25, ("causal inference", "Bayesian inference", "kernel methods")),
}  # fmt: skip
# What users typed, with how popular each is: categories, free text scoped by categories (both
# read the category feeds), free text without a category and raw queries (both need the API).
TOPICS: tuple[tuple[str, int], ...] = (
    ("cs.CV", 10), ("cs.LG", 10), ("cs.CL", 9), ("cs.AI", 6), ("cs.RO", 3), ("stat.ML", 3),
    ("cs.CV cs.LG", 2), ("cs.CV diffusion", 6), ("cs.CV segmentation", 3),
    ("cs.CV talking head", 2), ("cs.CV 3D reconstruction", 2), ("cs.LG reinforcement learning", 5),
    ("cs.LG graph neural networks", 3), ("cs.CL large language models", 8),
    ("cs.CL machine translation", 2), ("cs.CL cs.AI reasoning", 4), ("cs.AI agents", 5),
    ("cs.RO manipulation", 2), ("stat.ML causal inference", 2),
    ("retrieval-augmented generation", 3), ("federated learning", 2),
    ("cat:cs.CV AND abs:avatar", 1), ("ti:diffusion AND cat:cs.LG", 1), ("au:Lovelace", 1),
    ('abs:"causal inference" ANDNOT cat:stat.ML', 1),
)  # fmt: skip
SURNAMES = ("Chen", "Garcia", "Kim", "Müller", "Okafor", "Rossi", "Sato", "Singh", "Smith",
            "Wang", "Nowak", "Dubois", "Haddad", "Ivanova", "Silva", "Lovelace")  # fmt: skip
ZH_SHARE = 0.1  # chats reading Chinese summaries (a second language doubles a paper's cost)


@dataclass(frozen=True, slots=True)
class Day:
    """The generated inputs: the day's papers and every chat's topics and language."""

    papers: list[ListingEntry]
    chats: list[tuple[ChatRef, str, list[str]]]  # (chat, language, topics as typed)


def make_day(args: argparse.Namespace) -> Day:
    """Papers spread over the six categories (two in five cross-listed), chats with 3 topics."""
    rng = random.Random(args.seed)
    papers = _papers(rng, args.papers)
    chats = _chats(rng, args.chats, args.topics)
    for i, own in enumerate(_own_words(args.unique_queries)):
        _, _, topics = chats[i * len(chats) // args.unique_queries]
        topics[-1] = own  # this chat typed its own words instead of its last pool topic
    return Day(papers, chats)


def _own_words(n: int) -> list[str]:
    """``n`` distinct free-text topics without a category: each needs its own API search."""
    themes = sorted({theme for _, themes in FIELDS.values() for theme in themes})
    angles = ("robustness", "efficiency", "benchmarks", "theory", "datasets", "evaluation",
              "scaling", "privacy", "interpretability", "fairness")  # fmt: skip
    combos = [f"{theme} {angle}" for angle in angles for theme in themes]
    if n > len(combos):
        raise ValueError(f"at most {len(combos)} own-words topics")
    return combos[:n]


def _papers(rng: random.Random, n: int) -> list[ListingEntry]:
    cats = list(FIELDS)
    papers = []
    for i in range(n):
        primary = rng.choices(cats, weights=[FIELDS[c][0] for c in cats])[0]
        theme = rng.choice(FIELDS[primary][1])
        others = [c for c in cats if c != primary]
        cross = rng.sample(others, k=rng.choices((0, 1, 2), weights=(60, 30, 10))[0])
        authors = [f"{rng.choice('ABCDEHJKLMNPRSTWY')}. {rng.choice(SURNAMES)}" for _ in range(4)]
        adjective = rng.choice(("Scalable", "Robust", "Efficient", "Sparse"))
        device = rng.choice(("attention", "priors", "distillation", "curricula"))
        papers.append(feed_entry(
            f"2611.{10001 + i:05d}", 1, f"{adjective} {theme} with {device}", authors,
            _abstract(rng, theme), categories=(primary, *cross),
        ))  # fmt: skip
    return papers


def _chats(rng: random.Random, n: int, per_chat: int) -> list[tuple[ChatRef, str, list[str]]]:
    names, weights = zip(*TOPICS, strict=True)
    chats = []
    for i in range(n):
        topics: list[str] = []
        while len(topics) < per_chat:
            pick = rng.choices(names, weights=weights)[0]
            if pick not in topics:
                topics.append(pick)
        language = "zh" if rng.random() < ZH_SHARE else "en"
        chats.append((ChatRef("telegram", str(20_000_001 + i)), language, topics))
    return chats


def _abstract(rng: random.Random, theme: str) -> str:
    claims = ("improves accuracy on standard benchmarks", "halves the training cost",
              "generalizes to unseen domains", "runs in real time on one GPU",
              "comes with code and a new dataset", "matches larger models")  # fmt: skip
    extra = " Our avatar pipeline is fully controllable." if "avatar" in theme else ""
    body = " ".join(f"The method {c}." for c in rng.sample(claims, 3))
    return f"We study {theme}. We propose a simple approach to {theme}. {body}{extra}"


def serve_day(arxiv: ArxivFake, day: Day) -> None:
    """The feed lists each paper under its primary category (cross-lists follow, as on arXiv);
    the API serves the same papers, submitted inside the mailing's submission window."""
    for category in FIELDS:
        arxiv.set_listing(category, MAILING, [p for p in day.papers if p.categories[0] == category])
    # arXiv's other archive sets are never empty on an announcement day (an empty one would
    # look like a mailing that left the feed and be caught up in the API).
    for n, category in enumerate(("math.AG", "hep-th"), 1):
        arxiv.set_listing(category, MAILING, [feed_entry(
            f"2611.9{n:04d}", 1, f"A result in {category}", ["A. Author"],
            "We prove a statement about objects of this field.", categories=(category,))])
    for i, p in enumerate(day.papers):
        arxiv.add_paper(p.arxiv_id, 1, p.title, p.creator.split(", "), p.abstract,
                        categories=p.categories, published=SUBMITTED + timedelta(minutes=i))


def add_chats(services: Services, day: Day) -> dict[ChatRef, list[Topic]]:
    """Store the chats and subscriptions as /subscribe, /lang and /time would leave them."""
    repo, topics = services.repo, {}
    for ref, language, typed in day.chats:
        repo.ensure_chat(ref)
        repo.update_chat(ref, timezone="Europe/Berlin", delivery_time="08:00", language=language)
        parsed = [parse_topic(text) for text in typed]
        for t in parsed:
            repo.add_subscription(ref, t.kind, t.query, t.label)
        topics[ref] = parsed
    return topics


@dataclass(frozen=True, slots=True)
class Run:
    """What the digests did, before it becomes figures."""

    wall_s: float
    outcomes: list[Outcome | BaseException]
    finished_s: list[float]
    cpu_s: float
    rss_before_mib: float
    delivered: dict[ChatRef, list[str]]  # papers each chat got (versioned ids)
    naive_fetches: int  # arXiv requests if every chat fetched its own topics' sources
    needed_sources: int = 0  # distinct sources (feed sets, raw queries) the topics read


async def run_digests(services: Services, topics: dict[ChatRef, list[Topic]], timeout_s: float) -> Run:
    """Every chat's digest at once, as the scheduler fires jobs due at the same minute."""
    clock = Stopwatch()
    rss_before, cpu_before = rss_mib(), cpu_s()

    async def one(ref: ChatRef) -> tuple[Outcome | BaseException, float]:
        try:
            return await services.digests.run(ref, trigger="schedule", due_at=DUE), clock()
        except Exception as exc:  # a failed chat is a figure, not a crash
            return exc, clock()

    async with asyncio.timeout(timeout_s):
        done = await asyncio.gather(*(one(ref) for ref in topics))
    wall, cpu = clock(), cpu_s() - cpu_before
    delivered = {
        ref: list(o.record.items) if isinstance(o, Outcome) and o.record and o.sent else []
        for ref, (o, _) in zip(topics, done, strict=True)
    }
    supply = services.digests._supply  # the digests' own rule for which sources a topic reads
    naive = sum(len(supply.sources_for(t)) for ts in topics.values() for t in ts)
    needed = len({key for ts in topics.values() for t in ts for key in supply.sources_for(t)})
    return Run(wall, [o for o, _ in done], [t for _, t in done], cpu, rss_before, delivered, naive,
               needed)


def figures(args: argparse.Namespace, day: Day, run: Run, arxiv: ArxivFake, gemini: GeminiFake,
            platform: RecordingPlatform, interval_s: float) -> list[tuple[str, object]]:
    """The measured figures, then the naive design's for contrast."""
    feeds, queries = len(arxiv.feed_requests), len(arxiv.query_requests)
    calls = len(gemini.requests)
    deliveries = sum(len(v) for v in run.delivered.values())
    languages = {ref: lang for ref, lang, _ in day.chats}
    pairs = {(vid, languages[ref]) for ref, vids in run.delivered.items() for vid in vids}
    statuses = Counter(o.status if isinstance(o, Outcome) else type(o).__name__ for o in run.outcomes)
    in_use = len(set(languages.values()))
    return [
        ("chats × topics", f"{args.chats:,} × {args.topics}"),
        ("new papers in the mailing", args.papers),
        ("distinct topics subscribed", len({t for _, _, ts in day.chats for t in ts})),
        ("arXiv requests: feed", feeds),
        ("arXiv requests: API search", queries),
        ("distinct sources the topics need (feed sets + raw queries)", run.needed_sources),
        ("arXiv pacing (s between requests)", interval_s),
        ("model calls (Gemini fake)", calls),
        ("distinct (paper, language) delivered", len(pairs)),
        ("distinct papers delivered", len({vid for vid, _ in pairs})),
        ("deliveries (chat, paper)", deliveries),
        ("Telegram messages (header + cards)", len(platform.sent)),
        ("chats: outcome", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))),
        ("wall time (s)", run.wall_s),
        ("chat done after: p50 / p95 / max (s)",
         " / ".join(f"{percentile(run.finished_s, q):.1f}" for q in (50, 95, 100))),
        ("CPU during the run (user+sys s)", run.cpu_s),
        ("RSS before the run (MiB)", run.rss_before_mib),
        ("peak RSS (MiB, bot + in-process fakes)", peak_rss_mib()),
        ("naive: arXiv requests (each chat fetches)", run.naive_fetches),
        ("naive: their pacing alone at 3 s (h)", run.naive_fetches * 3.0 / 3600),
        ("naive: model calls (each chat summarizes)", deliveries),
        ("naive: summarize every paper × language", args.papers * in_use),
        ("at 10 model requests/min (default cap), min", calls / 10),
    ]  # fmt: skip


async def main_async(args: argparse.Namespace) -> None:
    """Generate the day, start the fakes, run every digest, print the figures."""
    rows, tally = await measure(args)
    print_table(f"cost: {machine()}", rows)
    print_table("warnings logged during the run", tally.rows())


def goals(quick: bool = False) -> list[Goal]:
    """P2: one model call per (paper, language) delivered; P3: one arXiv request per source the
    topics need, per cycle (1,000 chats × 3 topics, 300 papers; quick: 200 chats)."""
    args = parse_args(["--chats", "200" if quick else "1000", "--arxiv-interval", "0.1"])
    hard_timeout(args.timeout + 120)
    rows = dict(asyncio.run(measure(args))[0])
    calls, pairs = int(rows["model calls (Gemini fake)"]), int(rows["distinct (paper, language) delivered"])
    requests = int(rows["arXiv requests: feed"]) + int(rows["arXiv requests: API search"])
    needed = int(rows["distinct sources the topics need (feed sets + raw queries)"])
    what = f"{args.chats:,} chats × {args.topics} topics, {args.papers} papers"
    return [
        Goal("P2", f"model calls ÷ (paper, language) delivered ({what})",
             f"{calls / max(pairs, 1):.2f} ({calls} / {pairs})", "1.00", calls == pairs),
        Goal("P3", "arXiv requests ÷ sources the topics need, per cycle",
             f"{requests / max(needed, 1):.2f} ({requests} / {needed})", "1.00", requests == needed),
    ]


async def measure(args: argparse.Namespace) -> tuple[list[tuple[str, object]], LogTally]:
    """Run every chat's digest against the fakes; the figures and the warnings logged."""
    tally = LogTally.install()
    day = make_day(args)
    with tempfile.TemporaryDirectory(prefix="paperboy-bench-") as tmp, ArxivFake(
        fixtures=False, dawn=False, pdfs=False
    ) as arxiv:
        serve_day(arxiv, day)
        async with GeminiFake() as gemini:
            settings = bench_settings(
                Path(tmp) / "bench.db", arxiv_api_url=arxiv.api_url, arxiv_feed_url=arxiv.feed_url,
                gemini_url=gemini.base_url, arxiv_interval_s=args.arxiv_interval,
                model_rpm=args.model_rpm,
            )  # fmt: skip
            async with open_services(settings, clock=Clock(DUE)) as services:
                platform = RecordingPlatform()
                services.digests.platforms[platform.name] = platform
                topics = add_chats(services, day)
                run = await run_digests(services, topics, args.timeout)
            rows = figures(args, day, run, arxiv, gemini, platform, args.arxiv_interval)
    return rows, tally


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (defaults: the issue's scenario with production arXiv pacing)."""
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--topics", type=int, default=3, help="subscriptions per chat")
    parser.add_argument("--papers", type=int, default=300, help="new papers in the mailing")
    parser.add_argument("--seed", type=int, default=20261117)
    parser.add_argument("--unique-queries", type=int, default=0,
                        help="chats whose third topic is their own free text (one API search each)")
    parser.add_argument("--arxiv-interval", type=float, default=3.0,
                        help="ArxivSettings.min_interval_s (production: 3.0)")
    parser.add_argument("--model-rpm", type=float, default=0.0,
                        help="SummarizerSettings.requests_per_minute (production: 10; 0 = no cap)")
    parser.add_argument("--timeout", type=float, default=600.0, help="deadline in seconds")
    args = parser.parse_args(argv)
    if args.chats < 1 or args.papers < 1 or not 1 <= args.topics <= len(TOPICS):
        parser.error(f"--chats and --papers must be ≥ 1, --topics between 1 and {len(TOPICS)}")
    if not 0 <= args.unique_queries <= min(args.chats, 250):
        parser.error("--unique-queries must be between 0 and min(--chats, 250)")
    return args


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m bench.cost``."""
    args = parse_args(argv)
    hard_timeout(args.timeout + 120)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
