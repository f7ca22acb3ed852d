"""The Telegram Bot API fake in a process of its own, for latency figures.

Telegram runs on other machines: a fake in the bot's process (even in a thread of its own)
takes the bot's CPU and the interpreter lock, and a reply's latency then counts the fake's
parsing too. Here the fake has its own interpreter; the benchmark drives it over a pipe
(inject updates, read what was sent). ``time.monotonic`` is the system's monotonic clock on
Linux, so the two processes' timestamps compare directly.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from multiprocessing.connection import Connection
from typing import Any, Self

Send = tuple[int | None, int, float]  # (chat id, HTTP status, arrival time) of one sendMessage


class TelegramFakeProcess:
    """``async with TelegramFakeProcess(token) as tg``: the fake's URLs, then commands."""

    def __init__(self, token: str) -> None:
        self._token = token
        parent, child = multiprocessing.get_context("spawn").Pipe()
        self._conn: Connection = parent
        self._child_conn = child
        self._process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(child, token), name="telegram-fake", daemon=True)
        self._lock = threading.Lock()
        self.base_url = ""
        self.base_file_url = ""

    async def __aenter__(self) -> Self:
        self._process.start()
        self.base_url, self.base_file_url = await self._ask("urls")
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await asyncio.wait_for(self._ask("close"), 30)
        finally:
            self._process.join(10)
            if self._process.is_alive():
                self._process.kill()

    async def enable_rate_limits(self, **limits: Any) -> None:
        """TelegramFake.enable_rate_limits in the fake's process."""
        await self._ask("rate_limits", limits)

    async def wait_for_poll(self, timeout: float) -> None:
        """Until the bot's long poll is waiting."""
        await self._ask("wait_for_poll", timeout)

    async def inject_at_once(self, messages: list[tuple[int, str]]) -> list[float]:
        """Each (chat, text) as a user's message, all at once; the moment each was queued."""
        result: list[float] = await self._ask("inject_at_once", messages)
        return result

    async def inject_every(self, messages: list[tuple[int, str]], interval_s: float) -> list[float]:
        """One message every ``interval_s``; the moment each was queued."""
        result: list[float] = await self._ask("inject_every", (messages, interval_s))
        return result

    async def sends(self) -> list[Send]:
        """Every sendMessage the fake answered so far."""
        result: list[Send] = await self._ask("sends")
        return result

    async def _ask(self, command: str, argument: Any = None) -> Any:
        return await asyncio.to_thread(self._call, command, argument)

    def _call(self, command: str, argument: Any) -> Any:
        with self._lock:
            self._conn.send((command, argument))
            ok, value = self._conn.recv()
        if not ok:
            raise RuntimeError(f"the Telegram fake failed on {command}: {value}")
        return value


def _serve(conn: Connection, token: str) -> None:
    asyncio.run(_main(conn, token))


async def _main(conn: Connection, token: str) -> None:
    import time

    from tests.fakes.telegram_api import TelegramFake

    loop = asyncio.get_running_loop()
    # Markup is not parsed here: the fake's parsing of one message would hold up the arrival of
    # the next (the tests check the markup; this measures the bot's latency).
    async with TelegramFake(token=token, check_markup=False) as tg:
        while True:
            command, argument = await loop.run_in_executor(None, conn.recv)
            try:
                if command == "urls":
                    value: Any = (tg.base_url, tg.base_file_url)
                elif command == "rate_limits":
                    value = tg.enable_rate_limits(**argument)
                elif command == "wait_for_poll":
                    value = await tg.wait_for_poll(argument)
                elif command == "inject_at_once":
                    value = []
                    for chat_id, text in argument:
                        value.append(time.monotonic())
                        tg.user_message(chat_id, text)
                elif command == "inject_every":
                    messages, interval_s = argument
                    start, value = loop.time(), []
                    for k, (chat_id, text) in enumerate(messages):
                        await asyncio.sleep(max(0.0, start + k * interval_s - loop.time()))
                        value.append(time.monotonic())
                        tg.user_message(chat_id, text)
                elif command == "sends":
                    value = [(_chat(r.form), r.status, r.time) for r in tg.requests
                             if r.method.lower() == "sendmessage"]
                elif command == "close":
                    conn.send((True, None))
                    return
                else:
                    raise ValueError(command)
                conn.send((True, value))
            except Exception as exc:  # noqa: BLE001 - reported to the benchmark, which stops
                conn.send((False, repr(exc)))


def _chat(form: Any) -> int | None:
    try:
        return int(form["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None
