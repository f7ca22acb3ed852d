"""RateLimitedClient: every model request, retries included, goes through one ModelLimiter.

The SDKs' own retries are off (google-genai ``attempts=1``, openai ``max_retries=0``): a retry
they made would be a request the limiter never saw, and against a strict per-minute server that
is how 429s breed more 429s. Here a retryable failure (429, 5xx, connection refused) is retried
through the limiter, so each attempt takes a slot. When the server names a delay (RetryInfo,
Retry-After), the whole limiter pauses that long before anyone tries again; a 429 without one
pauses it for the backoff; a 5xx only makes its own request back off.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from summarizer.base import ModelClient
from summarizer.errors import BackendUnavailable
from summarizer.lanes import current_lane
from summarizer.limiter import ModelLimiter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often one request is tried, and the backoff between tries without a server delay."""

    attempts: int = 1  # total, first try included (gemini.max_attempts; openai.max_retries + 1)
    initial_backoff_s: float = 1.0
    max_backoff_s: float = 30.0

    def backoff_s(self, attempt: int) -> float:
        """The delay after failed try number ``attempt`` (1-based): doubling, capped."""
        return min(self.max_backoff_s, self.initial_backoff_s * 2 ** (attempt - 1))


class RateLimitedClient:
    """A ModelClient behind a ModelLimiter, retrying retryable failures through it."""

    def __init__(
        self, client: ModelClient, limiter: ModelLimiter, retry: RetryPolicy | None = None
    ) -> None:
        self._client = client
        self.limiter = limiter
        self._retry = retry or RetryPolicy()
        self.name = client.name
        self.model = client.model

    async def generate(self, system: str, user: str) -> str:
        """Wait for a slot, ask the model; retry a retryable failure, each try in a new slot."""
        attempts = max(1, self._retry.attempts)
        for attempt in range(1, attempts + 1):
            own_delay = 0.0
            async with self.limiter.slot():
                try:
                    return await self._client.generate(system, user)
                except BackendUnavailable as exc:
                    if not exc.retryable or attempt == attempts:
                        raise
                    if exc.retry_after is not None and exc.retry_after > self.limiter.max_pause_s:
                        raise  # a day's quota, not a minute's: do not hold everyone for it
                    backoff = self._retry.backoff_s(attempt)
                    if exc.retry_after is not None:
                        self.limiter.pause(exc.retry_after)
                    elif exc.rate_limited:
                        self.limiter.pause(backoff)
                    else:
                        own_delay = backoff
                    log.info("%s: try %d of %d failed (%s); retrying (%s lane)", self.name,
                             attempt, attempts, exc, current_lane())
            if own_delay:
                await asyncio.sleep(own_delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def estimated_wait_s(self) -> float:
        """How long a new interactive request would wait for a slot right now."""
        return self.limiter.estimated_wait_s("interactive")

    async def aclose(self) -> None:
        """Close the wrapped client."""
        await self._client.aclose()
