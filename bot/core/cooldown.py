"""Button presses, paced per chat: pressing one button twenty times posts its card once.

A press of the same button in the same chat within ``same_s`` is answered with a short notice
(Telegram: a toast on the button; Discord: a message only the presser sees), and a chat gets at
most ``per_minute`` pressed cards a minute. Everything is in bounded TTL caches.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cachetools import TTLCache

from bot.core.messages import Action, ChatRef

SAME_BUTTON_S = 30.0
PRESSES_PER_MINUTE = 10
_CHATS_KEPT = 10_000

ALREADY_SHOWN = "Already posted just above: scroll up a little."
SLOW_DOWN = "Many buttons pressed in this chat just now; try again in a minute."


class PressCooldown:
    """Decides, at the moment of the press, whether it is answered or only acknowledged."""

    def __init__(
        self,
        *,
        same_s: float = SAME_BUTTON_S,
        per_minute: int = PRESSES_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._recent: TTLCache[tuple[ChatRef, str], bool] = TTLCache(
            _CHATS_KEPT, ttl=same_s, timer=clock)
        self._counts: TTLCache[ChatRef, list[float]] = TTLCache(_CHATS_KEPT, ttl=60.0, timer=clock)

    def refusal(self, chat: ChatRef, action: Action) -> str | None:
        """None when this press should be answered (and it is counted); else the short notice
        for the presser. Synchronous on purpose: concurrent presses cannot both pass."""
        key = (chat, action.token)
        if key in self._recent:
            return ALREADY_SHOWN
        now = self._clock()
        times = [t for t in self._counts.get(chat, []) if now - t < 60.0]
        if len(times) >= self._per_minute:
            return SLOW_DOWN
        self._recent[key] = True
        self._counts[chat] = [*times, now]
        return None

    def forget(self, chat: ChatRef, action: Action) -> None:
        """The press brought only a problem (arXiv down): pressing again should try again."""
        self._recent.pop((chat, action.token), None)
