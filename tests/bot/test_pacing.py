"""The bot's send budget (SendSlots): replies first, a reserve for bursts of replies, and
digest messages evenly spaced. Timing is read from the event loop's own clock, not asserted
on wall time of the test."""

from __future__ import annotations

import asyncio

from bot.platforms.pacing import SendSlots


async def _sends(slots: SendSlots, kinds: list[bool], log: list[tuple[bool, float]]) -> None:
    loop = asyncio.get_running_loop()

    async def one(bulk: bool) -> None:
        async with slots.slot(bulk=bulk):
            log.append((bulk, loop.time()))

    await asyncio.gather(*(one(bulk) for bulk in kinds))


async def test_a_reply_goes_out_before_waiting_digest_messages_when_the_reserve_is_spent() -> None:
    """The reserve is used up and a digest message waits for it to refill: a new reply still
    takes the next single token (about 1/30 s), not the digest message's long wait."""
    slots = SendSlots(30, burst=5, reserve=4)
    loop = asyncio.get_running_loop()
    log: list[tuple[bool, float]] = []
    await _sends(slots, [False] * 5, log)  # the whole bucket goes to replies
    bulk = asyncio.ensure_future(_sends(slots, [True], log))
    await asyncio.sleep(0)  # the digest message now waits for 5 tokens (about 0.17 s)
    start = loop.time()
    await _sends(slots, [False], log)
    waited = log[-1][1] - start
    await bulk
    assert waited < 0.1  # one token: 1/30 s, not the 5 the digest message needs
    assert log[-1][0] is True  # and the digest message came after it


async def test_replies_take_the_reserve_at_once_and_digest_messages_stay_even() -> None:
    slots = SendSlots(100, burst=11, reserve=10)
    loop = asyncio.get_running_loop()
    log: list[tuple[bool, float]] = []
    digest = asyncio.ensure_future(_sends(slots, [True] * 20, log))
    await asyncio.sleep(0.05)
    start = loop.time()
    await _sends(slots, [False] * 10, log)
    replies = [t for bulk, t in log if not bulk]
    assert max(replies) - start < 0.02  # ten replies out at once, digest or not
    await digest
    bulk_times = [t for bulk, t in log if bulk]
    gaps = [b - a for a, b in zip(bulk_times, bulk_times[1:], strict=False)]
    assert min(gaps) > 0.005  # no burst of digest messages
