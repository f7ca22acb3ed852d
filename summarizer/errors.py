"""Errors of the summarizer package."""

from __future__ import annotations


class SummarizerError(Exception):
    """Base class: no summary could be produced by this backend."""


class InvalidOutput(SummarizerError):
    """The model answered, but the answer failed validation; ``reason`` says why (fed back once)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BackendUnavailable(SummarizerError):
    """The model service failed (network, 5xx, 429 after retries, timeout, bad key)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
