"""A hands-on session against the loopback fakes, for people and closing notes.

    python -m tests.fakes.demo            # prints a transcript of each part below

1. ``paperboy summarize --format markdown`` (arXiv fake + Gemini fake),
2. a console chat session (arXiv fake, extractive summarizer),
3. a Telegram session: updates in, messages out (Telegram, arXiv and Gemini fakes).
Nothing here leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from bot.app import run
from bot.core.supply import fetchable_announcement
from config.settings import (
    ArxivSettings,
    GeminiSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
)
from papers.announcements import mailing_date
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import feed_entry
from tests.fakes.gemini_api import GeminiFake, good, status
from tests.fakes.telegram_api import TelegramFake

TOKEN = "123456:AAdemoTokenForTheLoopbackFakeOnly000000"


def _section(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


async def cli_markdown(arxiv: ArxivFake, workdir: Path) -> None:
    """paperboy summarize --format markdown, as a real subprocess."""
    async with GeminiFake() as gemini:
        env = {
            **os.environ,
            "PAPERBOY_STORAGE__PATH": str(workdir / "cli.db"),
            "PAPERBOY_ARXIV__API_URL": arxiv.api_url,
            "PAPERBOY_ARXIV__MIN_INTERVAL_S": "0.1",
            "PAPERBOY_GEMINI__API_KEY": "demo-key",
            "PAPERBOY_GEMINI__BASE_URL": gemini.base_url,
        }
        for lang in ("en", "zh"):
            cmd = [sys.executable, "-m", "bot", "summarize", "https://arxiv.org/abs/2410.13726",
                   "--lang", lang, "--format", "markdown"]
            _section("$ paperboy summarize https://arxiv.org/abs/2410.13726 --lang "
                     f"{lang} --format markdown")
            done = await asyncio.to_thread(subprocess.run, cmd, capture_output=True, text=True, env=env)
            print(done.stdout + done.stderr, end="")
            print(f"[exit {done.returncode}]")
        bad = [sys.executable, "-m", "bot", "summarize", "2413.00001"]
        _section("$ paperboy summarize 2413.00001")
        done = await asyncio.to_thread(subprocess.run, bad, capture_output=True, text=True, env=env)
        print(done.stderr, end="")
        print(f"[exit {done.returncode}]")


async def console_session(arxiv: ArxivFake, workdir: Path) -> None:
    """The console chat with typed lines echoed, as a user would see the exchange."""
    lines = ["/help", "/summarize 2410.13726", "https://huggingface.co/papers/2104.12255",
             "/summarize 2413.00001", "/subscribe cs.CV -survey", "/list", "/digest", "/digest"]
    mailing = mailing_date(fetchable_announcement(datetime.now(UTC)))
    arxiv.set_listing("cs.CV", mailing, [
        feed_entry("2611.30001", 1, "Streaming avatars with diffusion", ["A. Author", "B. Author"],
                   "We propose a streaming diffusion model for talking avatars. It runs in real "
                   "time. Experiments show lower latency than prior work.", categories=("cs.CV",)),
        feed_entry("2611.30002", 1, "A survey of talking heads", ["C. Author"],
                   "This survey reviews talking head generation.", categories=("cs.CV",)),
    ])
    settings = Settings(
        storage=StorageSettings(path=workdir / "console.db"),
        arxiv=ArxivSettings(api_url=arxiv.api_url, feed_url=arxiv.feed_url, min_interval_s=0.1),
    )
    _section("console chat (paperboy run, no token set)")
    for line in lines:
        out = io.StringIO()
        await run(settings, console=True, stdin=io.StringIO(line + "\n"), stdout=out)
        answer = out.getvalue().split("\n\n", 1)[1].rstrip()  # drop the welcome line
        print(f"you> {line}\n{answer}\n")


async def telegram_session(arxiv: ArxivFake, workdir: Path) -> None:
    """Updates injected into the fake Bot API; what the bot sent back."""
    async with TelegramFake(token=TOKEN) as tg, GeminiFake() as gemini:
        settings = Settings(
            storage=StorageSettings(path=workdir / "tg.db"),
            arxiv=ArxivSettings(api_url=arxiv.api_url, min_interval_s=0.1),
            gemini=GeminiSettings(api_key=SecretStr("demo-key"), base_url=gemini.base_url,
                                  max_attempts=2, initial_backoff_s=0.1, max_backoff_s=0.2),
            telegram=TelegramSettings(token=SecretStr(TOKEN), api_base_url=tg.base_url,
                                      api_file_url=tg.base_file_url, poll_timeout_s=1,
                                      per_chat_interval_s=0.2),
        )
        # Gemini answers the first paper; then it is "down" (503), to show the marked fallback.
        gemini.script(good())
        gemini.default = status(503)
        stop = asyncio.Event()
        task = asyncio.create_task(run(settings, stop=stop))
        await tg.wait_for_requests("getUpdates", 1)
        user, group, admin, member = 7001, -100777, 1001, 1002
        tg.set_admins(group, [admin])
        script = [
            (user, "/start", {}),
            (user, "/summarize https://arxiv.org/abs/2410.13726", {}),
            (user, "/summarize 2413.00001", {}),
            (group, "/subscribe cs.CV", {"user_id": member, "chat_type": "supergroup", "title": "Lab"}),
            (group, "/subscribe cs.CV", {"user_id": admin, "chat_type": "supergroup"}),
            (group, "look https://arxiv.org/abs/2104.12255", {"user_id": member, "chat_type": "supergroup"}),
            (group, "@paperboy_test_bot https://arxiv.org/abs/2104.12255",
             {"user_id": member, "chat_type": "supergroup"}),
        ]
        _section("Telegram session against the fake Bot API (updates in → messages out)")
        for chat, text, extra in script:
            before = len(tg.sent)
            tg.user_message(chat, text, **extra)
            who = f"user {extra.get('user_id', chat)}" + (" in group" if chat < 0 else "")
            print(f"\n>>> update: {who}: {text}")
            try:
                await tg.wait_for_messages(before + 1, timeout=6)
                await asyncio.sleep(0.6)
            except AssertionError:
                print("<<< (no reply: not addressed to the bot)")
                continue
            for message in tg.sent[before:]:
                buttons = [b["text"] for row in message.buttons for b in row]
                shown = message.visible if len(message.visible) < 2500 else message.visible[:2500] + " […]"
                print(f"<<< {message.method} to {message.chat_id}"
                      + (f" [buttons: {', '.join(buttons)}]" if buttons else "") + f"\n{shown}")
        stop.set()
        await task


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, ArxivFake() as arxiv:
        workdir = Path(tmp)
        await cli_markdown(arxiv, workdir)
        await console_session(arxiv, workdir)
        await telegram_session(arxiv, workdir)


if __name__ == "__main__":
    asyncio.run(main())
