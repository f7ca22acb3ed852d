"""The one retry loop of all arXiv traffic: bounded attempts, exponential backoff, clear errors."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

import requests

from papers.errors import ArxivUnavailable

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 30.0
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently one arXiv request is tried."""

    attempts: int  # 1 = no retry
    first_backoff_s: float
    attempt_timeout_s: float  # bound of one attempt once it runs (pacing and I/O; not queueing)
    # The longest Retry-After waited out; a longer one fails at once (a user is waiting).
    max_retry_after_s: float = 120.0


async def with_retries(
    what: str,
    attempt: Callable[[], Awaitable[_T]],
    policy: RetryPolicy,
    *,
    final: tuple[type[BaseException], ...],
    transient: Callable[[BaseException], bool],
    describe: Callable[[BaseException], str],
    logger: logging.Logger = log,
) -> _T:
    """Run ``attempt`` (which applies ``policy.attempt_timeout_s`` once it runs) until it succeeds; ``final`` errors pass through at once, transient ones
    are retried with backoff (honouring a ``retry_after_s`` the error carries), anything else and
    exhausted retries become ArxivUnavailable with a reason that names no URL."""
    backoff = policy.first_backoff_s
    reason = "no attempt made"
    attempts = policy.attempts
    unreachable = False
    for number in range(1, policy.attempts + 1):
        try:
            return await attempt()  # the attempt enforces attempt_timeout_s itself
        except final:
            raise
        except Exception as exc:  # sorted into transient or not just below
            reason = describe(exc)
            unreachable = cannot_connect(exc)
            if unreachable:  # this machine's network: one more try, not a long backoff
                attempts = min(attempts, 2)
            if not transient(exc):
                raise ArxivUnavailable(f"arXiv {what} failed: {reason}",
                                       unreachable=unreachable) from exc
            asked = getattr(exc, "retry_after_s", None) or 0.0
            if asked > policy.max_retry_after_s:
                raise ArxivUnavailable(
                    f"arXiv {what} failed: {reason}; arXiv asks to wait {asked:.0f} s, "
                    f"longer than the {policy.max_retry_after_s:g} s we wait"
                ) from exc
            wait = max(min(backoff, MAX_BACKOFF_S), asked)
        if number >= attempts:
            break
        logger.warning("arXiv %s failed (%s); retry %d of %d in %.2f s",
                    what, reason, number, attempts - 1, wait)
        await asyncio.sleep(wait)
        backoff = min(backoff * 2, MAX_BACKOFF_S)
    raise ArxivUnavailable(f"arXiv {what} is not answering: {reason} ({number} attempts)",
                           unreachable=unreachable)


def cannot_connect(exc: BaseException) -> bool:
    """The connection itself failed (refused, DNS, proxy, connect timeout): nothing reached
    arXiv. A read timeout or a reset after connecting is arXiv's side."""
    while exc is not None:
        if isinstance(exc, requests.ConnectTimeout):
            return True
        if isinstance(exc, requests.ConnectionError) and not isinstance(
            exc, requests.ReadTimeout | requests.exceptions.ChunkedEncodingError
        ):
            return "Read timed out" not in str(exc)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date (RFC 9110
    §10.2.3); None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
