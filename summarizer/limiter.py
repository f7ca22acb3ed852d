"""ModelLimiter: one requests-per-minute budget for model calls, shared by two lanes.

The rule, in four parts (issue 9, "Scale"):

- **Smooth, a little under R.** One slot every ``period_s / (R × margin)`` seconds (margin 0.97),
  never a burst: a server that allows R requests per rolling minute sees at most
  ``floor(0.97 R) + 1 ≤ R`` in any window, from the very first request on. Slots sit on a grid
  (the next slot is the previous *slot* plus one interval, not the previous start plus one), so
  a timer that fires a millisecond late does not slow a long run down; a start later than a small
  tolerance (below what the margin leaves) restarts the grid, so an idle limiter never saves up.
- **Two lanes.** A waiting interactive request (``summarizer.lanes.interactive()``) takes the
  next slot before any waiting background one; within a lane it is first come, first served.
- **The server's word wins.** ``pause(seconds)`` (a 429 saying "retry in 17 s") stops every
  start until then, bounded by ``max_pause_s``.
- **Concurrency from R × latency.** Sustaining R/min needs about ``R/60 × latency`` requests in
  flight; at most ``ceil(R/60 × median latency × 1.5) + 1`` are (median of the last 32 calls;
  at least 1, at most ``max_in_flight``; ``max_in_flight`` until a call has finished), so a
  model that slows down does not pile up dozens of connections.

``per_minute=0`` means no pacing: only pauses and the ``max_in_flight`` bound apply.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
from collections import deque
from collections.abc import AsyncIterator, Callable

from summarizer.lanes import Lane, current_lane, current_promotion

# Of R: headroom for timer and network jitter (1.8 s a minute), yet 300 papers in ≤ 1.05 × 300/R.
MARGIN = 0.97
MAX_PAUSE_S = 120.0  # the longest pause a server's retry delay can impose on everyone
MAX_IN_FLIGHT = 16  # a sensible cap on connections to one model service
LATENCY_SAMPLES = 32
HEADROOM = 1.5  # in-flight bound over the bare R × latency estimate


class ModelLimiter:
    """Admits model requests one slot at a time; see the module docstring for the rule."""

    def __init__(
        self,
        per_minute: float,
        *,
        period_s: float = 60.0,
        margin: float = MARGIN,
        max_in_flight: int = MAX_IN_FLIGHT,
        max_pause_s: float = MAX_PAUSE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # period_s exists for tests and benchmarks: "60 per 6 s" behaves like "60 per minute",
        # ten times faster.
        self.per_minute = per_minute
        self.period_s = period_s
        self.interval_s = period_s / (per_minute * margin) if per_minute > 0 else 0.0
        # How late a start may be and still keep the grid: less than what the margin leaves
        # (R × (1 - margin) slots per window), so jitter never adds a request to a window.
        self._tolerance_s = self.interval_s * min(0.1, (1 - margin) * per_minute / 2)
        self.max_in_flight = max(1, max_in_flight)
        self.max_pause_s = max_pause_s
        self._clock = clock
        self._waiting: dict[Lane, deque[asyncio.Future[None]]] = {
            "interactive": deque(),
            "background": deque(),
        }
        self._next_slot = -math.inf
        self._paused_until = -math.inf
        self._in_flight = 0
        self._latencies: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    # --- public ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def slot(self, lane: Lane | None = None) -> AsyncIterator[None]:
        """Wait for a slot in ``lane`` (default: the task's lane), hold it for one request."""
        await self._acquire(lane or current_lane())
        started = self._clock()
        try:
            yield
        finally:
            self._latencies.append(self._clock() - started)
            self._in_flight -= 1
            self._wake()

    def pause(self, seconds: float) -> float:
        """No request starts for ``seconds`` (at most ``max_pause_s``); returns the pause used."""
        seconds = min(max(seconds, 0.0), self.max_pause_s)
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._wake()
        return seconds

    def in_flight_bound(self) -> int:
        """How many requests may be in flight now (the R × latency rule)."""
        if self.per_minute <= 0 or not self._latencies:
            return self.max_in_flight
        per_s = self.per_minute / self.period_s
        need = math.ceil(per_s * statistics.median(self._latencies) * HEADROOM) + 1
        return max(1, min(self.max_in_flight, need))

    def estimated_wait_s(self, lane: Lane = "interactive") -> float:
        """How long a request joining ``lane`` now would wait for its slot (0: at once)."""
        now = self._clock()
        ahead = len(self._waiting["interactive"])
        if lane == "background":
            ahead += len(self._waiting["background"])
        start = max(now, self._paused_until, self._next_slot) + ahead * self.interval_s
        if self._in_flight + ahead >= self.in_flight_bound() and self._latencies:
            # Full: roughly one typical call until a connection is free.
            start = max(start, now + statistics.median(self._latencies))
        return max(0.0, start - now)

    @property
    def waiting(self) -> int:
        """Requests waiting for a slot, both lanes."""
        return sum(len(q) for q in self._waiting.values())

    # --- the queue ------------------------------------------------------------------------

    async def _acquire(self, lane: Lane) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[lane].append(future)
        promotion = current_promotion() if lane == "background" else None

        def move_up() -> None:  # someone now waits for this very work: the reader's lane
            if not future.done() and future in self._waiting["background"]:
                self._waiting["background"].remove(future)
                self._waiting["interactive"].append(future)
                self._wake()

        if promotion is not None:
            promotion.on_promote(move_up)
        self._wake()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._in_flight -= 1  # admitted just as we were cancelled: give it back
            else:
                for queue in self._waiting.values():
                    with contextlib.suppress(ValueError):
                        queue.remove(future)
            self._wake()
            raise
        finally:
            if promotion is not None:
                promotion.forget(move_up)

    def _wake(self) -> None:
        """Admit waiters while the rule allows; else arm a timer for when it will."""
        while True:
            queue = self._waiting["interactive"] or self._waiting["background"]
            while queue and queue[0].done():  # cancelled while waiting
                queue.popleft()
            if not queue:
                if self._waiting["interactive"] or self._waiting["background"]:
                    continue
                return
            if self._in_flight >= self.in_flight_bound():
                return  # a finishing request calls _wake
            now = self._clock()
            ready_at = max(self._paused_until, self._next_slot)
            if now < ready_at:
                self._arm(ready_at)
                return
            late = now - self._next_slot
            grid = self._next_slot if 0 <= late <= self._tolerance_s else now
            self._next_slot = grid + self.interval_s
            self._in_flight += 1
            queue.popleft().set_result(None)

    def _arm(self, when: float) -> None:
        if self._timer is not None and self._timer_at <= when:
            return
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        # The loop's clock is time.monotonic, like ours by default; an injected clock only
        # changes what "now" is, the timer still fires after the right delay.
        delay = max(0.0, when - self._clock())
        self._timer_at = when
        self._timer = loop.call_later(delay, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = math.inf
        self._wake()
