"""The local console chat: type what a Telegram user would type, read the answers in the terminal."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import Self, TextIO

from bot.core.commands import Commands
from bot.core.messages import ChatRef, Incoming, Reply, Tone
from bot.core.ports import Progress
from bot.render.plain import render_reply

log = logging.getLogger(__name__)

CONSOLE_CHAT = ChatRef("console", "local")
WELCOME = (
    "paperboy console. Type /help, /summarize <arXiv link or id>, or paste an arXiv link. "
    "Ctrl-D (or /quit) leaves."
)


class ConsolePlatform:
    """stdin/stdout as one private chat; used when no chat token is configured (or with --console)."""

    name = "console"
    cards_per_send = 1

    def __init__(
        self, commands: Commands, stdin: TextIO | None = None, stdout: TextIO | None = None
    ) -> None:
        self._commands = commands
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._interactive = self._stdin.isatty()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._closed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        loop = asyncio.get_running_loop()
        # A daemon thread, not the default executor: a blocked readline must not delay exit.
        threading.Thread(target=self._read_stdin, args=(loop,), daemon=True).start()
        self._write(WELCOME)
        self._task = asyncio.create_task(self._serve(), name="console")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def send(
        self, chat_id: str, reply: Reply, *, bulk: bool = False,
        progress: Progress | None = None, skip: int = 0,
    ) -> None:
        """Print a reply (digests pushed to the console chat arrive here): one part."""
        if skip < 1:
            self._write(render_reply(reply))
        if progress is not None:
            progress(1)

    async def wait_closed(self) -> None:
        """Return at end of input or /quit."""
        await self._closed.wait()

    def _read_stdin(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            for line in self._stdin:
                loop.call_soon_threadsafe(self._lines.put_nowait, line.rstrip("\r\n"))
        except (OSError, ValueError):  # stdin closed under us
            pass
        finally:
            try:
                loop.call_soon_threadsafe(self._lines.put_nowait, None)
            except RuntimeError:  # the loop is already closed
                pass

    async def _serve(self) -> None:
        try:
            while True:
                self._prompt()
                line = await self._lines.get()
                if line is None or line.strip() in ("/quit", "/exit"):
                    break
                if not line.strip():
                    continue
                await self._answer(line)
        finally:
            self._closed.set()

    async def _answer(self, text: str) -> None:
        incoming = Incoming(CONSOLE_CHAT, user_id="local", text=text, can_manage=True)
        try:
            reply = await self._commands.handle(incoming)
        except Exception:
            log.exception("console command failed: %r", text[:200])
            reply = Reply.notice("Something went wrong on our side; it has been logged.", Tone.ERROR)
        if reply is not None:
            self._write(render_reply(reply))
            for card in reply.cards:
                if card.provisional:  # one person at a terminal: wait here for the real one
                    self._write(render_reply(Reply((await self._commands.upgrade(card),))))

    def _prompt(self) -> None:
        if self._interactive:
            self._stdout.write("you> ")
            self._stdout.flush()

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n\n")
        self._stdout.flush()
