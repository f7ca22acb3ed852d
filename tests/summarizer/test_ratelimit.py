"""The client-side requests-per-minute cap, measured on the requests the Gemini fake received."""

from __future__ import annotations

import asyncio

from pydantic import SecretStr

from config.settings import GeminiSettings
from summarizer.gemini import GeminiClient
from summarizer.ratelimit import RateLimitedClient
from tests.fakes.gemini_api import GeminiFake


async def test_requests_beyond_the_cap_wait_for_the_window() -> None:
    """A cap of 2 per window: the third request starts only after the window has drained."""
    async with GeminiFake() as fake:
        client = RateLimitedClient(
            GeminiClient(GeminiSettings(api_key=SecretStr("k-1234"), base_url=fake.base_url)),
            2, period_s=1.0,
        )
        try:
            await asyncio.gather(*(client.generate("system", f"paper {i}") for i in range(3)))
        finally:
            await client.aclose()
        times = sorted(r.time for r in fake.requests)
    assert len(times) == 3
    assert times[1] - times[0] < 0.3  # a burst up to the cap is fine
    assert times[2] - times[0] >= 0.4  # the third waited for the bucket to leak


async def test_a_cap_below_one_per_window_spreads_requests() -> None:
    """0.5 per window means one request every two windows, not an error."""
    async with GeminiFake() as fake:
        client = RateLimitedClient(
            GeminiClient(GeminiSettings(api_key=SecretStr("k-1234"), base_url=fake.base_url)),
            0.5, period_s=0.2,
        )
        try:
            for i in range(2):
                await client.generate("system", f"paper {i}")
        finally:
            await client.aclose()
        times = [r.time for r in fake.requests]
    assert len(times) == 2 and times[1] - times[0] >= 0.3
