"""Pacing shared by the adapters.

Chat networks ask for about one message a second in one chat (Telegram's guidance; Discord's 5
per 5 s per channel) and cap the whole bot (Telegram: about 30 messages a second). ``ChatPacer``
spaces the sends to each chat; ``SendSlots`` spaces the bot's sends evenly under its overall
budget and gives the next slot to a reply (someone is waiting) before any digest message.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import TypeVar

from cachetools import TTLCache

_T = TypeVar("_T")
# Chats that sent within the last interval are all that pacing needs to remember; this many
# is far above what any bot sends in one interval (Telegram: 30 a second).
_RECENT_CHATS = 100_000


class SendSlots:
    """The bot's overall send budget: a token bucket refilled at ``per_second`` that holds at
    most ``burst`` sends. Digest (bulk) sends only take a token while more than ``reserve`` are
    left, so they flow evenly at the budget's rate (no bursts: bursts at exactly Telegram's
    limit drew 429s, bench/fanout.py) and the reserve is always there for replies: twenty
    people asking at once are answered at once, even in the middle of a large digest. Waiting
    replies go before waiting bulk sends, first come first served within each kind."""

    def __init__(self, per_second: float, *, burst: int = 1, reserve: int = 0) -> None:
        self._rate = per_second
        self._capacity = max(1, burst)
        self._reserve = max(0, min(reserve, self._capacity - 1))
        self._tokens = float(self._capacity)
        self._stamp = time.monotonic()
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    @asynccontextmanager
    async def slot(self, *, bulk: bool = False) -> AsyncIterator[None]:
        """Wait for this send's turn (the send itself runs inside the block)."""
        kind = 1 if bulk else 0
        self._refill()
        ahead = any(k <= kind and not turn.done() for k, _, turn in self._waiting)
        if not ahead and self._tokens >= self._need(kind):
            self._tokens -= 1
        else:
            loop = asyncio.get_running_loop()
            turn: asyncio.Future[None] = loop.create_future()
            heapq.heappush(self._waiting, (kind, next(self._order), turn))
            self._refill()
            self._arm(loop)
            await turn  # a cancelled waiter is skipped when its turn comes
        yield

    @property
    def waiting(self) -> int:
        """Sends waiting for a slot (replies and bulk)."""
        return sum(1 for *_, turn in self._waiting if not turn.done())

    def _need(self, kind: int) -> float:
        return 1 + (self._reserve if kind else 0)

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wake up when the first waiter can go. A reply that arrives while the timer waits for
        a digest message (which needs the whole reserve back) moves the timer earlier."""
        if not self._waiting:
            return
        kind = self._waiting[0][0]
        delay = max(0.0, (self._need(kind) - self._tokens) / self._rate)
        when = loop.time() + delay
        if self._timer is not None:
            if self._timer.when() <= when:
                return
            self._timer.cancel()
        self._timer = loop.call_at(when, self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        self._refill()
        while self._waiting:
            kind, _, turn = self._waiting[0]
            if turn.done():  # cancelled while waiting
                heapq.heappop(self._waiting)
                continue
            if self._tokens + 1e-9 < self._need(kind):
                break
            heapq.heappop(self._waiting)
            self._tokens -= 1
            turn.set_result(None)
        self._arm(loop)


class ChatPacer:
    """Spaces the sends to each chat ``interval_s`` apart, one at a time; ``overall`` (entered
    around every send with its ``bulk`` flag) is the bot-wide budget."""

    def __init__(
        self,
        interval_s: float,
        overall: Callable[[bool], AbstractAsyncContextManager[object]] | None = None,
    ) -> None:
        self._interval_s = interval_s
        self._overall = overall or (lambda bulk: nullcontext())
        # Bounded: a chat's last send matters only for one interval; a lock only while a send
        # holds or awaits it (weak values: an idle chat costs nothing).
        self._last_send: TTLCache[int, float] = TTLCache(_RECENT_CHATS, ttl=max(interval_s, 0.001))
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def run(self, chat_id: int, post: Callable[[], Awaitable[_T]], *, bulk: bool = False) -> _T:
        """``post()`` once this chat's previous send is ``interval_s`` old."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        async with lock:
            delay = self._last_send.get(chat_id, 0.0) + self._interval_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            async with self._overall(bulk):
                try:
                    return await post()
                finally:
                    self._last_send[chat_id] = time.monotonic()

    @property
    def chats_tracked(self) -> int:
        """Per-chat entries held now (a figure for tests and benchmarks: stays small)."""
        return len(self._last_send) + len(self._locks)
