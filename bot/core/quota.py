"""Per-user and per-chat limits on new (uncached) summaries: the model costs money, the cache not."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core.messages import Incoming
from storage.repository import Repository

KIND = "summary"
WINDOW = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Reservation:
    """One new summary held against a user's and a chat's quota while it is being written."""

    keys: tuple[str, ...]


class SummaryQuota:
    """A sliding one-hour window of new summaries, per user and per chat, kept in storage.

    A summary is reserved before the model is asked (``reserve``) and then spent or released:
    checking, writing and counting one after the other let concurrent messages slip past the
    limit. Reservations in flight are counted in memory (they last seconds).
    """

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
        self._reserved: Counter[str] = Counter()

    def reserve(self, incoming: Incoming) -> Reservation | timedelta:
        """Hold one new summary for this user and chat, or say how long until one is allowed
        (no await in between: nothing can slip in)."""
        wait = self.wait_needed(incoming)
        if wait is not None:
            return wait
        keys = (self._user_key(incoming), _chat_key(incoming))
        self._reserved.update(keys)
        return Reservation(keys)

    def settle(self, reservation: Reservation, incoming: Incoming, *, spent: bool) -> None:
        """The summary came (``spent``: it counts for the hour) or did not (a fallback, an
        error: the reservation is given back)."""
        self._reserved.subtract(reservation.keys)
        for key in reservation.keys:
            if self._reserved[key] <= 0:
                del self._reserved[key]
        if spent:
            self.spend(incoming)

    def budget(self, incoming: Incoming) -> Callable[[], bool]:
        """A yes/no per new summary for work done on someone's behalf (/digest): each yes is
        counted at once for the user and the chat."""

        def take() -> bool:
            if self.wait_needed(incoming) is not None:
                return False
            self.spend(incoming)
            return True

        return take

    def wait_needed(self, incoming: Incoming) -> timedelta | None:
        """None when a new summary is allowed now; else how long until it is."""
        now = self._clock()
        since = now - WINDOW
        waits = []
        for key, limit in ((self._user_key(incoming), self._per_user), (incoming.chat, self._per_chat)):
            held = self._reserved.get(key if isinstance(key, str) else _chat_key(incoming), 0)
            if self._repo.count_usage(key, KIND, since) + held >= limit:
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


def _chat_key(incoming: Incoming) -> str:
    return f"{incoming.chat.platform}:chat:{incoming.chat.chat_id}"


def describe_wait(wait: timedelta) -> str:
    """"in 23 minutes" / "in about a minute": how users read a wait."""
    minutes = max(1, round(wait.total_seconds() / 60))
    return "in about a minute" if minutes == 1 else f"in {minutes} minutes"
