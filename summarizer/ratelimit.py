"""A client-side requests-per-minute cap for model APIs, so a free-tier key never hits 429."""

from __future__ import annotations

from aiolimiter import AsyncLimiter

from summarizer.base import ModelClient


class RateLimitedClient:
    """Wraps a ModelClient; at most ``per_minute`` requests start in any 60-second window.

    A leaky bucket (aiolimiter, already installed with python-telegram-bot's rate-limiter extra)
    shared by every caller in the process: /summarize, links in chat and digests alike.
    """

    def __init__(self, client: ModelClient, per_minute: float, *, period_s: float = 60.0) -> None:
        self._client = client
        # period_s exists for tests: "2 per 1 s" behaves like "2 per minute", only faster.
        # Below one request per period, spread it: "0.5 per minute" is one per two minutes.
        if per_minute >= 1:
            self._limiter = AsyncLimiter(per_minute, period_s)
        else:
            self._limiter = AsyncLimiter(1, period_s / max(per_minute, 1e-6))
        self.name = client.name
        self.model = client.model

    async def generate(self, system: str, user: str) -> str:
        """Wait for a slot, then ask the model."""
        async with self._limiter:
            return await self._client.generate(system, user)

    async def aclose(self) -> None:
        """Close the wrapped client."""
        await self._client.aclose()
