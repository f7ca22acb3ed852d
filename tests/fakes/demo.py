"""A hands-on session against the loopback fakes, for people and closing notes.

    python -m tests.fakes.demo            # prints a transcript of each part below
    python -m tests.fakes.demo discord    # only the named parts (cli, console, telegram, discord)

1. ``paperboy summarize --format markdown`` (arXiv fake + Gemini fake),
2. a console chat session (arXiv fake, extractive summarizer),
3. a Telegram session: updates in, messages out (Telegram, arXiv and Gemini fakes),
4. a Discord session: slash commands, a link and a digest (Discord, arXiv and Gemini fakes).
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
    DiscordSettings,
    GeminiSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
)
from papers.announcements import mailing_date
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import feed_entry
from tests.fakes.discord_api import DiscordFake
from tests.fakes.discord_records import SentMessage
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
            # Everything on 127.0.0.1: full text and abstract pages come from the fake too.
            "PAPERBOY_ARXIV__HTML_URL": arxiv.html_url,
            "PAPERBOY_ARXIV__PDF_URL": arxiv.pdf_url,
            "PAPERBOY_ARXIV__ABS_URL": arxiv.abs_url,
            "PAPERBOY_ARXIV__FEED_URL": arxiv.feed_url,
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
        arxiv=ArxivSettings(api_url=arxiv.api_url, html_url=arxiv.html_url, pdf_url=arxiv.pdf_url,
                            abs_url=arxiv.abs_url, feed_url=arxiv.feed_url, min_interval_s=0.1),
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
            arxiv=ArxivSettings(api_url=arxiv.api_url, html_url=arxiv.html_url, pdf_url=arxiv.pdf_url, abs_url=arxiv.abs_url, min_interval_s=0.1),
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


def _discord_message(message: SentMessage) -> str:
    """One Discord message as a reader sees it: text, embeds (title, fields), buttons."""
    lines = [f"<<< {message.source} message in channel {message.channel_id}"
             + (" (only visible to the user)" if message.ephemeral else "")]
    if message.content:
        lines.append(message.content if len(message.content) < 1500 else message.content[:1500] + " […]")
    for embed in message.embeds:
        lines.append(f"  [embed] {embed.get('title', '')}")
        description = (embed.get("description") or "").replace("\n", " ")
        if description:
            lines.append(f"    {description[:300]}{' […]' if len(description) > 300 else ''}")
        for field in embed.get("fields") or []:
            lines.append(f"    {field['name']}: {field['value'][:90]}{'…' if len(field['value']) > 90 else ''}")
        if embed.get("footer"):
            lines.append(f"    ({embed['footer']['text']})")
    if message.buttons:
        lines.append("  [buttons] " + " | ".join(b.get("label", "") for b in message.buttons))
    return "\n".join(lines)


async def discord_session(arxiv: ArxivFake, workdir: Path) -> None:
    """Slash commands and a link injected through the fake gateway; what the bot posted."""
    guild, channel, moderator, reader = 100, 200, 7001, 7002
    async with DiscordFake("demo.discord.token", channel_window_s=1.0) as dc, GeminiFake() as gemini:
        dc.add_guild(guild, "arXiv readers", channels={channel: "papers"})
        dc.add_member(guild, moderator, "mod", manage_channels=True)
        dc.add_member(guild, reader, "reader")
        mailing = mailing_date(fetchable_announcement(datetime.now(UTC)))
        arxiv.set_listing("cs.CV", mailing, [
            feed_entry(f"2611.4000{i}", 1, title, [f"{name} Author", "B. Coauthor"], abstract,
                       categories=("cs.CV",))
            for i, (title, name, abstract) in enumerate([
                ("Streaming avatars with diffusion", "Ada", "We propose a streaming diffusion "
                 "model for talking avatars. It runs in real time. Latency drops by half."),
                ("Depth from a single glance", "Bo", "We estimate depth from one image with a "
                 "small network. It beats larger models on two benchmarks."),
            ], 1)
        ])
        settings = Settings(
            storage=StorageSettings(path=workdir / "discord.db"),
            arxiv=ArxivSettings(api_url=arxiv.api_url, html_url=arxiv.html_url, pdf_url=arxiv.pdf_url,
                            abs_url=arxiv.abs_url, feed_url=arxiv.feed_url, min_interval_s=0.1),
            gemini=GeminiSettings(api_key=SecretStr("demo-key"), base_url=gemini.base_url,
                                  max_attempts=1),
            discord=DiscordSettings(token=SecretStr("demo.discord.token"),
                                    api_base_url=dc.api_base_url, gateway_url=dc.gateway_url,
                                    message_content=True, guild_ready_timeout_s=0.1),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(run(settings, stop=stop))
        await dc.wait_for_command("summarize", timeout=15)
        await dc.wait_until_ready()
        _section("Discord session against the fake (REST + gateway): interactions in → messages out")
        print(f"slash commands synced: {', '.join('/' + c['name'] for c in dc.global_commands)}")
        script: list[tuple[str, str, dict[str, object], int]] = [
            ("slash", "summarize", {"link": "https://arxiv.org/abs/2410.13726"}, reader),
            ("slash", "subscribe", {"topic": "cs.CV"}, reader),
            ("slash", "subscribe", {"topic": "cs.CV"}, moderator),
            ("message", "look https://arxiv.org/abs/2104.12255", {}, reader),
            ("mention", "what about arXiv:2104.12255 ?", {}, reader),
            ("slash", "digest", {}, moderator),
        ]
        for kind, what, options, user in script:
            who = "moderator" if user == moderator else "reader"
            before = {m.id for m in dc.messages}
            if kind == "slash":
                shown_options = " ".join(f"{k}:{v}" for k, v in options.items())
                print(f"\n>>> {who} runs /{what} {shown_options}".rstrip())
                iid = dc.slash(what, options, channel_id=channel, user_id=user)
                await dc.wait_for_response(iid, timeout=15)
                response = dc.interaction_responses[iid]
                how = "deferred (thinking…), then followed up" if response.type == 5 else "answered at once"
                print(f"    interaction {how}; acknowledged after {response.delay * 1000:.0f} ms")
            else:
                print(f"\n>>> {who} posts: {what}" + (" (mentioning the bot)" if kind == "mention" else ""))
                dc.user_message(channel, what, user_id=user, mention_bot=kind == "mention")
            await asyncio.sleep(2.5 if what == "digest" else 1.0)
            new = [m for m in dc.messages if m.id not in before and not m.deleted]
            if not new:
                print("<<< (no reply: links are answered here when the bot is mentioned or after /links on)")
            for message in new:
                print(_discord_message(message))
        print(f"\nleft thinking: {dc.pending_thinking() or 'none'}; 429s: {len(dc.rate_limited)}")
        stop.set()
        await task


PARTS = {"cli": cli_markdown, "console": console_session, "telegram": telegram_session,
         "discord": discord_session}


async def main(parts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp, ArxivFake() as arxiv:
        workdir = Path(tmp)
        for name in parts or list(PARTS):
            await PARTS[name](arxiv, workdir)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
