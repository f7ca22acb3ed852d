"""Errors of the summarizer package."""

from __future__ import annotations


class SummarizerError(Exception):
    """Base class: no summary could be produced by this backend."""


class InvalidOutput(SummarizerError):
    """The model answered, but the answer failed validation; ``reason`` says why (fed back once)."""

    def __init__(self, reason: str) -> None:
        reason = " ".join(reason.split())  # one line: it may quote the model's own text
        super().__init__(reason)
        self.reason = reason


class BackendUnavailable(SummarizerError):
    """The model service failed (network, 5xx, 429, timeout, bad key).

    ``retryable``: trying again later may work (429, 5xx, connection refused), so
    RateLimitedClient retries it through the limiter; ``rate_limited``: it was a 429;
    ``retry_after``: the delay the server asked for, in seconds, if it named one.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        retryable: bool = False,
        rate_limited: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.retryable = retryable
        self.rate_limited = rate_limited
