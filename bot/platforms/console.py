"""The local console chat: type what a Telegram user would type, read the answers in the terminal.

On a terminal it behaves like one: line editing and history (readline), answers wrapped to the
window's width with East Asian wide characters counted as two columns. Piped, it reads lines
and writes the answers unchanged.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
import threading
import unicodedata
from typing import Self, TextIO

from bot.core.commands import Commands
from bot.core.messages import ChatRef, Incoming, Reply, Tone
from bot.core.ports import Progress
from bot.render.plain import render_reply
from papers.errors import PapersError
from papers.ids import find_arxiv_ids, parse_arxiv_id

log = logging.getLogger(__name__)

CONSOLE_CHAT = ChatRef("console", "local")
WELCOME = (
    "paperboy console. Type /help, /summarize <arXiv link or id>, or paste an arXiv link. "
    "Ctrl-D (or /quit) leaves."
)
QUIT_HELP = "/quit - leave the console (Ctrl-D does too)"
FETCHING = "fetching the paper from arXiv…"
PROMPT = "you> "


class ConsolePlatform:
    """stdin/stdout as one private chat; used when no chat token is configured (or with --console)."""

    name = "console"
    cards_per_send = 1

    def __init__(
        self, commands: Commands, stdin: TextIO | None = None, stdout: TextIO | None = None,
        *, width: int | None = None,
    ) -> None:
        """``width``: wrap answers to this many columns (default: the terminal's, when stdout
        is one; piped output is not re-wrapped)."""
        self._commands = commands
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._interactive = self._stdin.isatty()
        if width is None and self._stdout.isatty():
            width = shutil.get_terminal_size((100, 24)).columns
        self._width = width
        self._want_line = threading.Event()  # the reader prompts only when an answer is done
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
        progress: Progress | None = None, skip: int = 0, parts: int | None = None,
    ) -> None:
        """Print a reply (digests pushed to the console chat arrive here): one part."""
        if skip < 1:
            self._write(render_reply(reply))
        if progress is not None:
            progress(1, 1)

    async def wait_closed(self) -> None:
        """Return at end of input or /quit."""
        await self._closed.wait()

    def _read_stdin(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            if self._interactive and self._stdin is sys.stdin:
                self._read_terminal(loop)
                return
            for line in self._stdin:
                loop.call_soon_threadsafe(self._lines.put_nowait, line.rstrip("\r\n"))
        except (OSError, ValueError):  # stdin closed under us
            pass
        finally:
            try:
                loop.call_soon_threadsafe(self._lines.put_nowait, None)
            except RuntimeError:  # the loop is already closed
                pass

    def _read_terminal(self, loop: asyncio.AbstractEventLoop) -> None:
        """input() with readline: arrows, editing, Ctrl-R and the session's history."""
        try:
            import readline  # noqa: F401  (imported for its side effect on input())
        except ImportError:  # Windows without pyreadline: plain input() still works
            pass
        while True:
            self._want_line.wait()
            self._want_line.clear()
            try:
                line = input(PROMPT)
            except EOFError:
                self._stdout.write("\n")
                return
            except KeyboardInterrupt:  # Ctrl-C at the prompt drops the line, as a shell does
                self._stdout.write("\n")
                line = ""
            loop.call_soon_threadsafe(self._lines.put_nowait, line)

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
        if _mentions_paper(text):  # said before the wait: arXiv can take a while, or fail
            self._stdout.write(FETCHING + "\n")
            self._stdout.flush()
        try:
            reply = await self._commands.handle(incoming)
        except Exception:
            log.exception("console command failed: %r", text[:200])
            reply = Reply.notice("Something went wrong on our side; it has been logged.", Tone.ERROR)
        if reply is not None:
            rendered = render_reply(reply)
            if _command(text) == "/help":
                rendered += "\n" + QUIT_HELP
            self._write(rendered)
            for card in reply.cards:
                if card.provisional:  # one person at a terminal: wait here for the real one
                    self._write(render_reply(Reply((await self._commands.upgrade(card),))))

    def _prompt(self) -> None:
        if not self._interactive:
            return
        if self._stdin is sys.stdin:
            self._want_line.set()  # the reader thread prompts through input()
        else:
            self._stdout.write(PROMPT)
            self._stdout.flush()

    def _write(self, text: str) -> None:
        if self._width is not None:
            text = fit(text, self._width)
        self._stdout.write(text + "\n\n")
        self._stdout.flush()


def _command(text: str) -> str:
    words = text.split(maxsplit=1)
    return words[0].lower() if words and words[0].startswith("/") else ""


def _mentions_paper(text: str) -> bool:
    """The message asks for a paper: /summarize <id>, or an arXiv link or id in the text."""
    if _command(text) == "/summarize":
        words = text.split()
        try:
            return len(words) > 1 and parse_arxiv_id(words[1]) is not None
        except PapersError:
            return False
    return not _command(text) and bool(find_arxiv_ids(text))


def columns(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide and full-width characters take two,
    combining marks none."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def fit(text: str, width: int) -> str:
    """Each line wrapped to ``width`` columns, at spaces where it has them (English), between
    characters where it has none (Chinese, Japanese); continuation lines keep the indent."""
    out: list[str] = []
    for line in text.split("\n"):
        if columns(line) <= width:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip(" "))]
        room = max(width - len(indent), 10)
        rest = line[len(indent):]
        while columns(rest) > room:
            cut = _cut(rest, room)
            out.append(indent + rest[:cut].rstrip())
            rest = rest[cut:].lstrip(" ")
        out.append(indent + rest)
    return "\n".join(out)


def _cut(text: str, room: int) -> int:
    """Where to break ``text`` so the first piece fits ``room`` columns: after the last space
    that fits, else after the last character that fits."""
    used, last_fit, last_space = 0, 0, 0
    for i, ch in enumerate(text):
        used += columns(ch)
        if used > room:
            break
        last_fit = i + 1
        if ch == " ":
            last_space = i + 1
    if last_space > room // 2 or (last_space and not _is_wide(text[last_fit - 1: last_fit])):
        return last_space
    return max(last_fit, 1)


def _is_wide(ch: str) -> bool:
    return bool(ch) and unicodedata.east_asian_width(ch) in ("W", "F")
