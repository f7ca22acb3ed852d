"""The Platform port: what the process needs from any chat network, and nothing more."""

from __future__ import annotations

from typing import Protocol, Self

from bot.core.messages import Reply


class ChatUnreachable(Exception):
    """The chat blocked the bot, removed it, or no longer exists: stop sending to it."""

    def __init__(self, chat_id: str, reason: str) -> None:
        super().__init__(f"chat {chat_id} unreachable: {reason}")
        self.chat_id = chat_id
        self.reason = reason


class Platform(Protocol):
    """A chat network the bot serves. Lives for the whole process (``async with``)."""

    name: str

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def send(self, chat_id: str, reply: Reply) -> None:
        """Render and deliver; raise ChatUnreachable if the chat blocked or removed the bot."""
        ...

    async def wait_closed(self) -> None:
        """Return when the platform ended by itself (console end of input); else never."""
        ...
