"""The Platform port: what the core needs from any chat network, and nothing more.

It lives in the core so that digests and commands depend on this description, never on an
adapter (``bot/platforms``) or a renderer (``bot/render``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, Self

from bot.core.messages import Reply

Progress = Callable[[int, int], None]  # (messages sent so far, messages in the reply)


def skip_parts(skip: int, parts: int | None, rendered: int) -> int:
    """How many messages of a resumed reply to leave out: ``skip`` if the reply still renders
    into the ``parts`` messages the skip was counted in; none if it changed since (a card
    written again differently): better one part twice than a part never sent."""
    if parts is not None and parts != rendered:
        return 0
    return min(skip, rendered)


class ChatUnreachable(Exception):
    """The chat blocked the bot, removed it, or no longer exists: stop sending to it."""

    def __init__(self, chat_id: str, reason: str) -> None:
        super().__init__(f"chat {chat_id} unreachable: {reason}")
        self.chat_id = chat_id
        self.reason = reason


class MessageRejected(Exception):
    """The platform refused this message for good (a 400: markup, a button, a size): sending
    it again cannot help. A digest skips that card and goes on with the others."""


class Platform(Protocol):
    """A chat network the bot serves. Lives for the whole process (``async with``)."""

    name: str
    # How many brief digest cards one send should carry: 1 where every card is its own message
    # (Telegram), 10 where a message holds up to ten embeds (Discord). The digest records
    # deliveries after each send, so a send is the unit that is either delivered or retried.
    cards_per_send: int

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def send(
        self, chat_id: str, reply: Reply, *, bulk: bool = False,
        progress: Progress | None = None, skip: int = 0, parts: int | None = None,
    ) -> None:
        """Render and deliver; raise ChatUnreachable if the chat blocked or removed the bot.

        ``bulk``: a digest message, which waits behind replies to people inside the bot's
        overall sending budget (a reply is someone waiting; a digest is not). A reply may be
        several messages: ``progress(n, total)`` is called after the n-th of ``total`` went
        out, and the first ``skip`` are not sent (they went out before a crash), as long as the
        reply still renders into ``parts`` messages; if it changed since, it is sent whole.
        """
        ...

    async def wait_closed(self) -> None:
        """Return when the platform ended by itself (console end of input); else never."""
        ...
