"""Two lanes on one model budget: a person waiting in a chat goes ahead of digests.

The lane travels with the asyncio task (a context variable), so nothing between the command
and the rate limiter has to pass it along: ``with interactive(): await summaries.card(...)``.
Work started outside ``interactive()`` (digests, summarizing ahead) is in the background lane.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Literal

from papers.source import urgent_arxiv

Lane = Literal["interactive", "background"]

_lane: ContextVar[Lane] = ContextVar("paperboy_model_lane", default="background")


class Promotion:
    """Moves background work to the interactive lane while it waits: a digest is writing a
    paper's summary and now someone asks for the same paper. Whoever waits in a queue for
    that work registers a hook; ``promote()`` runs them (at most once)."""

    def __init__(self) -> None:
        self.promoted = False
        self._hooks: list[Callable[[], None]] = []

    def on_promote(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` when promoted (at once if already)."""
        if self.promoted:
            hook()
        else:
            self._hooks.append(hook)

    def forget(self, hook: Callable[[], None]) -> None:
        """The waiter left the queue: its hook is not needed any more."""
        if hook in self._hooks:
            self._hooks.remove(hook)

    def promote(self) -> None:
        """From now on this work is someone's reply."""
        if not self.promoted:
            self.promoted = True
            hooks, self._hooks = self._hooks, []
            for hook in hooks:
                hook()


_promotion: ContextVar[Promotion | None] = ContextVar("paperboy_model_promotion", default=None)


def current_lane() -> Lane:
    """The lane of the running task ("background" unless inside ``interactive()``, or unless its
    work was promoted since)."""
    promotion = _promotion.get()
    if promotion is not None and promotion.promoted:
        return "interactive"
    return _lane.get()


def current_promotion() -> Promotion | None:
    """The promotion the running task's work can receive, if any."""
    return _promotion.get()


@contextlib.contextmanager
def promotable(promotion: Promotion) -> Iterator[None]:
    """Work done inside this block moves to the interactive lane when ``promotion`` fires."""
    token = _promotion.set(promotion)
    try:
        yield
    finally:
        _promotion.reset(token)


@contextlib.contextmanager
def interactive() -> Iterator[None]:
    """Model requests made inside this block are someone's reply: they go first, and so do
    its arXiv requests (metadata, full text) in the process's arXiv queue."""
    token = _lane.set("interactive")
    try:
        with urgent_arxiv():
            yield
    finally:
        _lane.reset(token)
