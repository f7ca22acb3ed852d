"""Discord digests end to end: the real discord.py against the Discord fake, the real arXiv
clients against the arXiv fake, Gemini's fake counting model calls, and a clock moved by hand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import Services, open_services
from bot.core.lifecycle import ChatLifecycle
from bot.core.ports import Platform
from bot.core.scheduler import previous_due
from bot.platforms.discord_bot import DiscordPlatform
from bot.platforms.telegram_bot import TelegramPlatform
from config.settings import (
    ArxivSettings,
    DiscordSettings,
    GeminiSettings,
    Settings,
    StorageSettings,
    SummarizerSettings,
    TelegramSettings,
)
from storage.models import ChatRef
from tests.bot.test_digest import TUESDAY_8AM, Clock, cv_papers
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.discord_api import DiscordFake
from tests.fakes.gemini_api import GeminiFake
from tests.fakes.telegram_api import TelegramFake

TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.discordDigestTokenNeverLogged012"
TG_TOKEN = "123456:AAdiscordDigestTelegramToken0123456789"
GUILD, PAPERS, VISION, LEARNING = 100, 200, 201, 202
MOD = 7001
DIGEST_DAY = date(2026, 11, 17)


def make_settings(
    tmp_path: Path, dc: DiscordFake, arxiv: ArxivFake, gemini: GeminiFake,
    tg: TelegramFake | None = None, *, per_channel_interval_s: float = 0.0,
) -> Settings:
    telegram = TelegramSettings()
    if tg is not None:
        telegram = TelegramSettings(token=SecretStr(TG_TOKEN), api_base_url=tg.base_url,
                                    api_file_url=tg.base_file_url, per_chat_interval_s=0.0,
                                    poll_timeout_s=1, send_retries=1)
    return Settings(
        storage=StorageSettings(path=tmp_path / "digest.db"),
        arxiv=ArxivSettings(api_url=arxiv.api_url, html_url=arxiv.html_url, pdf_url=arxiv.pdf_url,
                            abs_url=arxiv.abs_url,
                            feed_url=arxiv.feed_url, min_interval_s=0.0,
                            timeout_s=2, retries=1),
        summarizer=SummarizerSettings(requests_per_minute=0, concurrency=4),
        gemini=GeminiSettings(api_key=SecretStr("gem-test-key"), base_url=gemini.base_url,
                              max_attempts=1),
        discord=DiscordSettings(
            token=SecretStr(TOKEN), api_base_url=dc.api_base_url, gateway_url=dc.gateway_url,
            per_channel_interval_s=per_channel_interval_s, guild_ready_timeout_s=0.05,
        ),
        telegram=telegram,
    )


class Process:
    """Services plus the Discord platform (and Telegram when configured) on a fake clock."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings, self.clock = settings, clock
        self.services: Services
        self.platforms: list[Platform] = []

    async def __aenter__(self) -> Process:
        self._services_cm = open_services(self.settings, clock=self.clock)
        self.services = await self._services_cm.__aenter__()
        lifecycle = ChatLifecycle(self.services.repo)
        self.platforms = [DiscordPlatform(self.settings.discord, self.services.commands, lifecycle)]
        if self.settings.telegram.token is not None:
            self.platforms.append(
                TelegramPlatform(self.settings.telegram, self.services.commands, lifecycle))
        for platform in self.platforms:
            await platform.__aenter__()
            self.services.digests.platforms[platform.name] = platform
        return self

    async def __aexit__(self, *exc: object) -> None:
        for platform in reversed(self.platforms):
            await platform.__aexit__(*exc)
        await self._services_cm.__aexit__(*exc)

    def chat(self, platform: str, chat_id: int, *topics: str, compact: bool = False,
             max_papers: int = 20) -> ChatRef:
        """A chat subscribed to ``topics``, as /subscribe and /max would leave it."""
        ref = ChatRef(platform, str(chat_id))
        repo = self.services.repo
        repo.ensure_chat(ref)
        repo.update_chat(ref, timezone="Europe/Berlin", delivery_time="08:00",
                         max_papers=max_papers, compact=compact)
        for topic in topics:
            repo.add_subscription(ref, "category", topic, topic)
        return ref

    async def run_due(self, ref: ChatRef):  # type: ignore[no-untyped-def]
        chat = self.services.repo.get_chat(ref)
        assert chat is not None
        return await self.services.digests.run(
            ref, trigger="schedule", due_at=previous_due(chat, self.clock()))


@pytest.fixture
async def dc() -> AsyncIterator[DiscordFake]:
    async with DiscordFake(TOKEN, channel_window_s=0.5) as fake:
        fake.add_guild(GUILD, "readers", channels={PAPERS: "papers", VISION: "vision",
                                                   LEARNING: "learning"})
        fake.add_member(GUILD, MOD, "mod", manage_channels=True)
        yield fake


@pytest.fixture
async def gemini() -> AsyncIterator[GeminiFake]:
    async with GeminiFake() as fake:
        yield fake


async def test_fifteen_papers_are_a_header_and_two_messages(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """A 15-paper digest: the header, then ten embeds and five embeds, each with an open button;
    pressing one shows that paper's whole card to the presser alone."""
    arxiv_server.set_listing("cs.CV", DIGEST_DAY, cv_papers("2611.1", 15))
    async with Process(make_settings(tmp_path, dc, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat("discord", PAPERS, "cs.CV")
        outcome = await p.run_due(ref)
        assert outcome.status == "sent" and outcome.sent == 15
        header, first, second = dc.visible_messages(PAPERS)
        opened = dc.press(first.buttons[0]["custom_id"], message_id=first.id, user_id=MOD)
        card = await dc.wait_for_response(opened, timeout=10)
    assert header.content.startswith("📬 arXiv digest for Tue 17 Nov 2026: 15 new papers on cs.CV")
    assert (len(first.embeds), len(second.embeds)) == (10, 5)
    titles = [e["title"] for e in first.embeds + second.embeds]
    assert len(set(titles)) == 15 and all(t.startswith("Paper 2611.1-") for t in titles)
    assert all(b["label"].startswith("▸ Paper 2611.1-") for b in first.buttons + second.buttons)
    assert card.ephemeral and card.embeds[0]["title"] == first.embeds[0]["title"]
    assert [f["name"] for f in card.embeds[0]["fields"]][:3] == [
        "Authors", "Key takeaways", "Background"]


async def test_compact_digest_is_one_list_with_numbered_buttons(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """/compact on: one numbered list, one button per paper that opens its card."""
    arxiv_server.set_listing("cs.CV", DIGEST_DAY, cv_papers("2611.1", 4))
    async with Process(make_settings(tmp_path, dc, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat("discord", PAPERS, "cs.CV", compact=True)
        assert (await p.run_due(ref)).sent == 4
        header, listing = dc.visible_messages(PAPERS)
        opened = dc.press(listing.buttons[1]["custom_id"], message_id=listing.id, user_id=MOD)
        card = await dc.wait_for_response(opened, timeout=10)
    assert [b["label"] for b in listing.buttons] == ["1", "2", "3", "4"]
    assert listing.embeds[0]["description"].startswith("**1.** [Paper 2611.1-")
    assert card.ephemeral and card.embeds[0]["title"] in listing.embeds[0]["description"]


async def test_a_channel_deleted_mid_digest_is_deactivated_and_others_go_on(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """The channel disappears after the header: its subscriptions stop (Unknown Channel) while
    another channel's digest is delivered in full."""
    arxiv_server.set_listing("cs.CV", DIGEST_DAY, cv_papers("2611.1", 12))
    settings = make_settings(tmp_path, dc, arxiv_server, gemini, per_channel_interval_s=0.3)
    async with Process(settings, Clock(TUESDAY_8AM)) as p:
        gone, kept = p.chat("discord", VISION, "cs.CV"), p.chat("discord", LEARNING, "cs.CV")
        running = asyncio.gather(p.run_due(gone), p.run_due(kept))
        await dc.wait_for_messages(1, channel_id=VISION)  # the header is out
        dc.delete_channel(VISION)
        gone_outcome, kept_outcome = await running
        chat = p.services.repo.get_chat(gone)
    assert gone_outcome.status == "unreachable" and gone_outcome.detail == "Unknown Channel"
    assert chat is not None and not chat.active
    assert kept_outcome.status == "sent" and kept_outcome.sent == 12
    assert [len(m.embeds) for m in dc.visible_messages(LEARNING)] == [0, 10, 2]


async def test_missing_permissions_deactivate_the_channel(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """The bot lost Send Messages in a channel (403, code 50013): no retries, no more digests."""
    arxiv_server.set_listing("cs.CV", DIGEST_DAY, cv_papers("2611.1", 2))
    async with Process(make_settings(tmp_path, dc, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat("discord", PAPERS, "cs.CV")
        dc.revoke_permission(PAPERS)
        outcome = await p.run_due(ref)
        chat = p.services.repo.get_chat(ref)
    assert outcome.status == "unreachable" and outcome.detail == "Missing Permissions"
    assert chat is not None and not chat.active
    assert len(dc.calls("POST", f"/channels/{PAPERS}/messages")) == 1


async def test_telegram_and_discord_share_one_fetch_and_one_model_call_per_paper(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Subscribers of one topic on both networks: one feed request, one model call per paper."""
    arxiv_server.set_listing("cs.CV", DIGEST_DAY, cv_papers("2611.1", 3))
    async with TelegramFake(token=TG_TOKEN) as tg:
        settings = make_settings(tmp_path, dc, arxiv_server, gemini, tg)
        async with Process(settings, Clock(TUESDAY_8AM)) as p:
            refs = [p.chat("discord", PAPERS, "cs.CV"), p.chat("telegram", 9001, "cs.CV")]
            arxiv_server.clear_requests()
            outcomes = await asyncio.gather(*(p.run_due(r) for r in refs))
        telegram_texts = [m.visible for m in tg.sent_to(9001)]
    assert [o.sent for o in outcomes] == [3, 3]
    assert [r.path for r in arxiv_server.feed_requests] == ["/atom/cs"]  # the whole archive
    assert len(gemini.requests) == 3
    assert len(telegram_texts) == 1 + 3
    assert [len(m.embeds) for m in dc.visible_messages(PAPERS)] == [0, 3]
