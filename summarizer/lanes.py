"""Two lanes on one model budget: a person waiting in a chat goes ahead of digests.

The lane travels with the asyncio task (a context variable), so nothing between the command
and the rate limiter has to pass it along: ``with interactive(): await summaries.card(...)``.
Work started outside ``interactive()`` (digests, summarizing ahead) is in the background lane.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Literal

Lane = Literal["interactive", "background"]

_lane: ContextVar[Lane] = ContextVar("paperboy_model_lane", default="background")


def current_lane() -> Lane:
    """The lane of the running task ("background" unless inside ``interactive()``)."""
    return _lane.get()


@contextlib.contextmanager
def interactive() -> Iterator[None]:
    """Model requests made inside this block are someone's reply: they go first."""
    token = _lane.set("interactive")
    try:
        yield
    finally:
        _lane.reset(token)
