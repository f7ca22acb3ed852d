"""Per-user and per-chat limits on new (uncached) summaries: the model costs money, the cache not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.core.messages import Incoming
from storage.repository import Repository

KIND = "summary"
WINDOW = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(UTC)


class SummaryQuota:
    """A sliding one-hour window of new summaries, per user and per chat, kept in storage."""

    def __init__(
        self,
        repo: Repository,
        *,
        per_user: int,
        per_chat: int,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._repo = repo
        self._per_user = per_user
        self._per_chat = per_chat
        self._clock = clock

    def wait_needed(self, incoming: Incoming) -> timedelta | None:
        """None when a new summary is allowed now; else how long until it is."""
        now = self._clock()
        since = now - WINDOW
        waits = []
        for key, limit in ((self._user_key(incoming), self._per_user), (incoming.chat, self._per_chat)):
            if self._repo.count_usage(key, KIND, since) >= limit:
                oldest = self._repo.oldest_usage(key, KIND, since) or now
                waits.append(oldest + WINDOW - now)
        return max(waits) if waits else None

    def spend(self, incoming: Incoming) -> None:
        """Count one new summary for the user and the chat."""
        at = self._clock()
        self._repo.record_usage(self._user_key(incoming), KIND, at)
        self._repo.record_usage(incoming.chat, KIND, at)
        self._repo.prune_usage(at - 2 * WINDOW)

    @staticmethod
    def _user_key(incoming: Incoming) -> str:
        return f"{incoming.chat.platform}:user:{incoming.user_id}"


def describe_wait(wait: timedelta) -> str:
    """"in 23 minutes" / "in about a minute": how users read a wait."""
    minutes = max(1, round(wait.total_seconds() / 60))
    return "in about a minute" if minutes == 1 else f"in {minutes} minutes"
