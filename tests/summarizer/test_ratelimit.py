"""The shared model budget (ModelLimiter + RateLimitedClient), judged by what the fakes received.

Times are scaled down (``period_s``/``window_s`` of about a second stand for a minute); the
assertions read the request times the fake recorded against its own window, never how long the
test took.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.settings import GeminiSettings, OpenAISettings, Settings, SummarizerSettings
from papers.models import Paper
from summarizer.extractive import ExtractiveSummarizer
from summarizer.factory import make_summarizer
from summarizer.gemini import GeminiClient
from summarizer.lanes import interactive
from summarizer.limiter import ModelLimiter
from summarizer.model import ModelSummarizer
from summarizer.openai_compat import OpenAICompatClient
from summarizer.ratelimit import RateLimitedClient, RetryPolicy
from tests.fakes.gemini_api import GeminiFake, max_in_window, status
from tests.fakes.openai_api import OpenAIFake
from tests.summarizer.conftest import BODY, GEMINI_KEY

ROOT = Path(__file__).resolve().parents[2]


def gemini(fake: GeminiFake) -> GeminiClient:
    """A real google-genai client aimed at the fake."""
    return GeminiClient(GeminiSettings(api_key=SecretStr(GEMINI_KEY), base_url=fake.base_url))


@pytest.fixture
async def strict() -> AsyncIterator[GeminiFake]:
    """A Gemini fake that allows 3 requests per rolling 1 s window ("3 per minute", scaled)."""
    async with GeminiFake(per_window=3, window_s=1.0) as fake:
        yield fake


async def until(condition: object) -> None:
    """Let other tasks run until ``condition()`` holds (no timing involved)."""
    for _ in range(10_000):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def test_a_strict_window_never_sees_more_than_r_including_at_start(
    strict: GeminiFake,
) -> None:
    """Five requests at once against "3 per window": no burst at start, no 429, all answered."""
    sdk = gemini(strict)
    # A fresh SDK client's first call spends ~40 ms setting up before its request arrives:
    # more than the 3 % margin of a 1 s window (31 ms; a real minute's is 1.8 s). Warm it up
    # directly, then start counting with a fresh limiter.
    await sdk.generate("s", "warm-up")
    strict.reset()
    client = RateLimitedClient(sdk, ModelLimiter(3, period_s=1.0), RetryPolicy(3))
    try:
        answers = await asyncio.gather(*(client.generate("s", f"paper {i}") for i in range(5)))
    finally:
        await client.aclose()
    assert len(answers) == 5 and strict.rejected == 0
    times = [r.time for r in strict.requests]
    assert len(times) == 5
    assert max_in_window(times, strict.window_s) <= 3
    assert max_in_window(times[:3], strict.window_s * 0.6) <= 2  # spread, not a burst of R


async def test_a_429_with_retry_delay_pauses_everyone_then_retries_once(paper: Paper) -> None:
    """429 + retryDelay: no request starts before the delay; the retry (one more HTTP request,
    none hidden in the SDK) brings the model's summary, not the fallback."""
    async with GeminiFake() as fake:
        fake.script(status(429, retry_after=0.4))
        limiter = ModelLimiter(600, period_s=60.0)  # one slot every ~0.1 s
        client = RateLimitedClient(gemini(fake), limiter, RetryPolicy(3, 0.01, 0.02))
        model = ModelSummarizer(client, ExtractiveSummarizer())
        try:
            first, second = await asyncio.gather(
                model.summarize(paper, BODY, "en"), model.summarize(paper, BODY, "en")
            )
        finally:
            await model.aclose()
    assert first.backend == second.backend == "gemini" and first.note is None is second.note
    assert len(fake.requests) == 3  # the refused one, its retry, the other paper
    refused = fake.requests[0].time
    assert all(r.time >= refused + 0.4 for r in fake.requests[1:])


async def test_openai_retry_after_ms_is_honoured_through_the_limiter(paper: Paper) -> None:
    """An OpenAI-compatible 429 with retry-after-ms: the retry waits for it and succeeds."""
    async with OpenAIFake() as fake:
        fake.script(status(429, retry_after=0.3))
        oa = OpenAICompatClient(OpenAISettings(base_url=fake.base_url, model="m", max_retries=0))
        client = RateLimitedClient(oa, ModelLimiter(0), RetryPolicy(2, 0.01, 0.02))
        try:
            text = await client.generate("s", "u")
        finally:
            await client.aclose()
    assert text and len(fake.requests) == 2
    assert fake.requests[1].time - fake.requests[0].time >= 0.3


async def test_an_interactive_request_gets_the_next_slot() -> None:
    """Queued behind waiting digest requests, a reader's request is the next one sent."""
    async with GeminiFake() as fake:
        limiter = ModelLimiter(300, period_s=60.0)  # one slot every ~0.2 s
        client = RateLimitedClient(gemini(fake), limiter)
        try:
            background = [asyncio.create_task(client.generate("s", f"digest {i}"))
                          for i in range(4)]
            await until(lambda: limiter.waiting == 3)  # one started, three wait
            with interactive():
                reader = asyncio.create_task(client.generate("s", "reader"))
            await asyncio.gather(reader, *background)
        finally:
            await client.aclose()
    order = [r.user for r in fake.requests]
    assert order == ["digest 0", "reader", "digest 1", "digest 2", "digest 3"]


async def test_in_flight_requests_follow_r_times_latency() -> None:
    """10/s with ~0.1 s answers needs 1-2 in flight, so about 3-4 are allowed; when the model
    slows to 0.5 s (5 would be in flight at 10/s), no more than that bound are."""
    async with GeminiFake(latency_s=0.1) as fake:
        limiter = ModelLimiter(600, period_s=60.0, margin=1.0, max_in_flight=16)
        client = RateLimitedClient(gemini(fake), limiter)
        try:
            assert limiter.in_flight_bound() == 16  # nothing measured yet
            for i in range(5):
                await client.generate("s", f"warm-up {i}")
            bound = limiter.in_flight_bound()
            assert 3 <= bound <= 4  # ceil(10/s × 0.10-0.13 s × 1.5) + 1
            fake.latency_s = 0.5
            await asyncio.gather(*(client.generate("s", f"p{i}") for i in range(8)))
        finally:
            await client.aclose()
    assert fake.max_in_flight <= bound


async def test_estimated_wait_grows_with_queued_interactive_requests(paper: Paper) -> None:
    """One slot a minute: each waiting reader adds a slot interval; digests queue behind them
    and add nothing; the extractive summarizer never waits."""
    async with GeminiFake() as fake:
        limiter = ModelLimiter(1, period_s=60.0)
        model = ModelSummarizer(RateLimitedClient(gemini(fake), limiter), ExtractiveSummarizer())
        assert model.estimated_wait_s() == 0.0  # idle: at once
        await model.summarize(paper, BODY, "en")  # takes the slot
        one = model.estimated_wait_s()
        assert 55 < one <= limiter.interval_s
        digests = [asyncio.create_task(model.summarize(paper, BODY, "en")) for _ in range(3)]
        await until(lambda: limiter.waiting == 3)
        assert model.estimated_wait_s() == pytest.approx(one, abs=1)
        with interactive():
            readers = [asyncio.create_task(model.summarize(paper, BODY, "en")) for _ in range(2)]
        await until(lambda: limiter.waiting == 5)
        assert model.estimated_wait_s() == pytest.approx(one + 2 * limiter.interval_s, abs=1)
        for task in digests + readers:
            task.cancel()
        await asyncio.gather(*digests, *readers, return_exceptions=True)
        assert limiter.waiting == 0
        await model.aclose()
    assert len(fake.requests) == 1
    assert ExtractiveSummarizer().estimated_wait_s() == 0.0
    unlimited = ModelSummarizer(gemini(fake), ExtractiveSummarizer())
    assert unlimited.estimated_wait_s() == 0.0
    await unlimited.aclose()


def test_the_extractive_path_imports_no_model_sdk() -> None:
    """make_summarizer(extractive) leaves google.genai and openai unimported."""
    code = (
        "import sys\n"
        "from config.settings import Settings, SummarizerSettings\n"
        "import summarizer.factory as f\n"
        "s = f.make_summarizer(Settings(summarizer=SummarizerSettings(backend='extractive')))\n"
        "assert s.name == 'extractive', s\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openai', 'google')))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=60).stdout
    loaded = [m for m in eval(out) if m == "openai" or m.startswith(("google.genai", "openai."))]
    assert loaded == []


async def test_make_summarizer_wires_the_budget_and_the_retries(
    gemini_fake: GeminiFake, paper: Paper
) -> None:
    """Settings reach the limiter (R, in-flight cap) and the retries (gemini.max_attempts)."""
    s = Settings(
        summarizer=SummarizerSettings(backend="gemini", requests_per_minute=600, max_in_flight=5),
        gemini=GeminiSettings(api_key=SecretStr(GEMINI_KEY), base_url=gemini_fake.base_url,
                              max_attempts=2, initial_backoff_s=0.01, max_backoff_s=0.01),
    )
    model = make_summarizer(s)
    await model.summarize(paper, BODY, "en")  # opens the connection: its setup time would
    gemini_fake.reset()  # otherwise shorten the gap the server sees between the next two
    gemini_fake.script(status(503))
    summary = await model.summarize(paper, BODY, "en")
    await model.aclose()
    assert summary.backend == "gemini" and len(gemini_fake.requests) == 2
    # The retry waited for a new slot (60/(0.97 × 600) ≈ 0.103 s after the first one's), not
    # at once; the server sees arrivals, which scheduling jitter moves by a few milliseconds.
    assert gemini_fake.requests[1].time - gemini_fake.requests[0].time >= 0.8 * 60 / 600
    assert model.estimated_wait_s() >= 0.0
