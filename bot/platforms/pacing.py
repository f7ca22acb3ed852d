"""Per-chat pacing shared by the adapters: chat networks ask for about one message a second in
one chat (Telegram's guidance; Discord's 5 per 5 s per channel), one send at a time per chat."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import TypeVar

_T = TypeVar("_T")


class ChatPacer:
    """Spaces the sends to each chat ``interval_s`` apart; ``overall`` (an aiolimiter, say) is
    entered around every send for a bot-wide budget."""

    def __init__(
        self,
        interval_s: float,
        overall: Callable[[], AbstractAsyncContextManager[object]] | None = None,
    ) -> None:
        self._interval_s = interval_s
        self._overall = overall or nullcontext
        self._last_send: dict[int, float] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    async def run(self, chat_id: int, post: Callable[[], Awaitable[_T]]) -> _T:
        """``post()`` once this chat's previous send is ``interval_s`` old."""
        async with self._locks.setdefault(chat_id, asyncio.Lock()):
            delay = self._last_send.get(chat_id, 0.0) + self._interval_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            async with self._overall():
                try:
                    return await post()
                finally:
                    self._last_send[chat_id] = time.monotonic()
