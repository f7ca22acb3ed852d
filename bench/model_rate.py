"""P7: 300 new papers at R model requests per minute against a server that enforces R per rolling
minute, through the real ModelSummarizer, limiter and google-genai client.

    python -m bench.model_rate --quick     # R=60 per 6 s window (time ÷ 10), about 30 s
    python -m bench.model_rate             # R=60 per 20 s window (time ÷ 3), about 100 s
    python -m bench.model_rate --window 60 # real time: about 5 minutes

The Gemini fake answers after ``--latency`` (scaled like the window) and refuses, with 429,
RESOURCE_EXHAUSTED, RetryInfo and Retry-After, any request beyond R in its rolling window. The
digest's summaries (background lane) are all submitted at once; a handful of readers' requests
(interactive lane) arrive while that lane is saturated. Figures: wall time ÷ (300/R), 429s,
fallbacks to the extractive summary, the most requests the server saw in any window, and how
long a reader waited for a summary (its slot + the model's latency).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from dataclasses import dataclass

from pydantic import SecretStr

from bench.goals import HEADER, Goal
from bench.harness import hard_timeout, machine, percentile
from config.settings import GeminiSettings
from papers.models import Paper
from summarizer.extractive import ExtractiveSummarizer
from summarizer.gemini import GeminiClient
from summarizer.lanes import interactive
from summarizer.limiter import ModelLimiter
from summarizer.model import ModelSummarizer
from summarizer.ratelimit import RateLimitedClient, RetryPolicy
from tests.fakes.gemini_api import GeminiFake, max_in_window
from tests.summarizer.conftest import BODY, make_paper

KEY = "bench-key-for-the-loopback-fake-only"
PAPERS = 300
READERS = 6  # of the 300: requests made inside interactive(), spread over the run
LIMIT = 1.05  # wall time ÷ (300/R)


@dataclass(frozen=True, slots=True)
class Scale:
    """The run's time scale: ``window_s`` stands for a minute."""

    rate: int  # R: requests per window
    window_s: float
    latency_s: float  # the model's answer time, in the scaled clock

    @property
    def factor(self) -> float:
        """Real seconds per bench second."""
        return 60.0 / self.window_s


class Stamped:
    """The Gemini client, noting when each paper's request got its slot (was handed over)."""

    def __init__(self, client: GeminiClient) -> None:
        self._client = client
        self.name, self.model = client.name, client.model
        self.started: dict[str, float] = {}  # versioned id -> first slot

    async def generate(self, system: str, user: str) -> str:
        """Stamp, then ask the model."""
        vid = user.split("arXiv id: ", 1)[-1].split("\n", 1)[0]
        self.started.setdefault(vid, time.monotonic())
        return await self._client.generate(system, user)

    async def aclose(self) -> None:
        """Close the real client."""
        await self._client.aclose()


@dataclass(frozen=True, slots=True)
class Result:
    """What one run measured."""

    wall_s: float
    rejected: int
    fallbacks: int
    max_window: int
    reader_slot_waits: tuple[float, ...]  # asked → its slot
    reader_waits: tuple[float, ...]  # asked → summary in hand
    interval_s: float
    estimate_max_s: float


def papers(n: int) -> list[Paper]:
    """n distinct papers (ids differ; the fake's sample answer fits each)."""
    return [make_paper(arxiv_id=f"2611.{i:05d}", version=1) for i in range(n)]


async def run(scale: Scale) -> Result:
    """Summarize PAPERS papers, READERS of them as readers' requests, and measure."""
    async with GeminiFake(
        per_window=scale.rate, window_s=scale.window_s, latency_s=scale.latency_s
    ) as fake:
        settings = GeminiSettings(api_key=SecretStr(KEY), base_url=fake.base_url,
                                  timeout_s=30 * scale.latency_s + 5)
        sdk = GeminiClient(settings)
        # A fresh SDK client's first request spends tens of ms setting up; warm it up the way
        # a running bot's is, then start the server's count from zero.
        await sdk.generate("warm-up", "warm-up")
        fake.reset()
        limiter = ModelLimiter(scale.rate, period_s=scale.window_s)
        # gemini.max_attempts and its backoff, on the bench's clock.
        retry = RetryPolicy(4, 2.0 / scale.factor, 30.0 / scale.factor)
        stamped = Stamped(sdk)
        model = ModelSummarizer(
            RateLimitedClient(stamped, limiter, retry), ExtractiveSummarizer()
        )
        todo = papers(PAPERS)
        readers = set(range(PAPERS // (READERS + 1), PAPERS, PAPERS // (READERS + 1)))
        readers = set(sorted(readers)[:READERS])
        waits: list[float] = []
        asked_at: dict[str, float] = {}
        estimates: list[float] = []
        start = time.monotonic()
        expected = PAPERS * scale.window_s / scale.rate

        async def reader(i: int, paper: Paper) -> object:
            # Arrives i/PAPERS of the way through the run, while the digest lane is full.
            await asyncio.sleep(expected * i / PAPERS)
            with interactive():
                estimates.append(model.estimated_wait_s())
                asked = asked_at[paper.versioned_id] = time.monotonic()
                summary = await model.summarize(paper, BODY, "en")
                waits.append(time.monotonic() - asked)
            return summary

        tasks = [
            reader(i, p) if i in readers else model.summarize(p, BODY, "en")
            for i, p in enumerate(todo)
        ]
        summaries = await asyncio.gather(*tasks)
        wall = time.monotonic() - start
        await model.aclose()
    return Result(
        wall_s=wall,
        rejected=fake.rejected,
        fallbacks=sum(1 for s in summaries if getattr(s, "note", None)),
        max_window=max_in_window([r.time for r in fake.requests], scale.window_s),
        reader_slot_waits=tuple(stamped.started[v] - asked_at[v] for v in asked_at),
        reader_waits=tuple(waits),
        interval_s=limiter.interval_s,
        estimate_max_s=max(estimates, default=0.0),
    )


def scale_for(quick: bool, window_s: float | None = None) -> Scale:
    """R=60 with a 3 s model (real scale), on a window of 6 s (quick) or 20 s."""
    window = window_s or (6.0 if quick else 20.0)
    return Scale(rate=60, window_s=window, latency_s=3.0 * window / 60.0)


def rows(scale: Scale, result: Result) -> list[Goal]:
    """The goal rows of one run."""
    ratio = result.wall_s / (PAPERS * scale.window_s / scale.rate)
    slot_p95 = percentile(list(result.reader_slot_waits), 95)
    slot_limit = result.interval_s * 1.02
    total_p95 = percentile(list(result.reader_waits), 95)
    real = scale.factor
    note = f"R={scale.rate} per {scale.window_s:g} s window (time ÷ {real:g})"
    return [
        Goal("P7", "wall time ÷ (300/R)", f"{ratio:.3f}", f"≤ {LIMIT}", ratio <= LIMIT, note),
        Goal("P7", "429s from the server", str(result.rejected), "0", result.rejected == 0),
        Goal("P7", "fallbacks to extractive", str(result.fallbacks), "0", result.fallbacks == 0),
        Goal("P7", "most requests in any window", str(result.max_window), f"≤ {scale.rate}",
             result.max_window <= scale.rate),
        Goal("P7", f"reader's wait for the model p95 ({READERS} readers, digest lane full)",
             f"{slot_p95 * real:.2f} s", f"≤ {slot_limit * real:.2f} s", slot_p95 <= slot_limit,
             f"asked → its slot, real-time s: one slot + 2 % for the loop's timer; summary in "
             f"hand p95 "
             f"{total_p95 * real:.2f} s with the model's {scale.latency_s * real:g} s; largest "
             f"estimated_wait_s {result.estimate_max_s * real:.2f} s"),
    ]


def goals(quick: bool = False) -> list[Goal]:
    """Run P7 once and return its rows."""
    scale = scale_for(quick)
    return rows(scale, asyncio.run(run(scale)))


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m bench.model_rate``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 6 s window (about 30 s)")
    parser.add_argument("--window", type=float, default=None,
                        help="seconds that stand for a minute (60: real time)")
    args = parser.parse_args(argv)
    scale = scale_for(args.quick, args.window)
    hard_timeout(PAPERS * scale.window_s / scale.rate * 2 + 120)
    result = asyncio.run(run(scale))
    print(f"P7 model rate: {machine()}\n")
    print(HEADER)
    for goal in rows(scale, result):
        print(goal.row())


if __name__ == "__main__":
    main()
