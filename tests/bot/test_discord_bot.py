"""The Discord bot end to end: the whole process (`bot.app.run`) with the real discord.py against
the Discord fake (REST + gateway) and the arXiv fake; assertions on what Discord users see."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import random
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import PlatformUnreachable, run
from bot.core.registry import COMMANDS
from bot.logs import reset_logging, setup_logging
from config.settings import (
    ArxivSettings,
    ChatSettings,
    ConfigError,
    DiscordSettings,
    GeminiSettings,
    Settings,
    StorageSettings,
    SummarizerSettings,
    TelegramSettings,
)
from storage.models import ChatRef
from storage.repository import Repository
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.discord_api import DiscordFake
from tests.fakes.discord_records import SentMessage
from tests.fakes.gemini_api import GeminiFake, good, slow
from tests.fakes.telegram_api import TelegramFake

TOKEN = "MTA5ODc2NTQzMjEwOTg3NjU0.GaBcDe.discordTokenThatMustNeverBeLogged01"
BOT_ID = 4242
GUILD, PAPERS, GENERAL = 100, 200, 201
MOD, READER = 7001, 7002
MESSAGE_CONTENT = 1 << 15
EPHEMERAL = 1 << 6


def make_settings(
    tmp_path: Path, dc: DiscordFake, arxiv: ArxivFake, *, message_content: bool = True, **chat: int
) -> Settings:
    return Settings(
        storage=StorageSettings(path=tmp_path / "bot.db"),
        arxiv=ArxivSettings(api_url=arxiv.api_url, html_url=arxiv.html_url, pdf_url=arxiv.pdf_url,
                            abs_url=arxiv.abs_url,
                            feed_url=arxiv.feed_url, min_interval_s=0.01,
                            timeout_s=2, retries=1),
        discord=DiscordSettings(
            token=SecretStr(TOKEN), api_base_url=dc.api_base_url, gateway_url=dc.gateway_url,
            message_content=message_content, per_channel_interval_s=0.0, guild_ready_timeout_s=0.05,
            ready_timeout_s=10,
        ),
        chat=ChatSettings(**chat),
    )


def with_gemini(settings: Settings, gemini: GeminiFake) -> Settings:
    return settings.model_copy(update={"gemini": GeminiSettings(
        api_key=SecretStr("k-test-1234"), base_url=gemini.base_url, max_attempts=1)})


@contextlib.asynccontextmanager
async def running(settings: Settings, dc: DiscordFake) -> AsyncIterator[Path]:
    """``paperboy run`` for one test, ready when the slash commands are synced and the gateway
    is up; stopped (as by SIGTERM) afterwards, whatever happens."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop=stop))
    try:
        ready = asyncio.create_task(dc.wait_until_ready(timeout=10))
        done, _ = await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()  # raises what stopped the process
        await ready
        await dc.wait_for_command("summarize")
        yield settings.storage.path
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def dc() -> AsyncIterator[DiscordFake]:
    async with DiscordFake(TOKEN, bot_id=BOT_ID) as fake:
        fake.add_guild(GUILD, "arXiv readers", channels={PAPERS: "papers", GENERAL: "general"})
        fake.add_member(GUILD, MOD, "mod", manage_channels=True)
        fake.add_member(GUILD, READER, "reader")
        yield fake


@pytest.fixture
async def bot(tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake) -> AsyncIterator[Path]:
    async with running(make_settings(tmp_path, dc, arxiv_server), dc) as db:
        yield db


async def answer(dc: DiscordFake, name: str, options: dict[str, object] | None = None, *,
                 user: int = MOD, channel: int = PAPERS) -> SentMessage:
    """Run a slash command and return the message its user finally sees."""
    iid = dc.slash(name, options or {}, channel_id=channel, user_id=user)
    return await dc.wait_for_response(iid, timeout=10)


def shown(message: SentMessage) -> str:
    """What Discord displays: backslash escapes of punctuation removed."""
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", message.text)


def subscriptions(db: Path, channel: int = PAPERS) -> list[str]:
    with Repository.open(db) as repo:
        return [s.query for s in repo.subscriptions_for(ChatRef("discord", str(channel)))]


# -- start-up ------------------------------------------------------------------------------------


async def test_slash_commands_are_the_registry(bot: Path, dc: DiscordFake) -> None:
    """Every command /help lists is a slash command with its description and typed options."""
    synced = {c["name"]: c for c in dc.global_commands}
    assert set(synced) == {spec.name for spec in COMMANDS if spec.section}
    summarize = {o["name"]: o for o in synced["summarize"]["options"]}
    assert summarize["link"]["required"] is True and summarize["language"]["autocomplete"] is True
    assert synced["max"]["options"][0]["type"] == 4 and synced["max"]["options"][0]["max_value"] == 50
    assert [c["name"] for c in synced["links"]["options"][0]["choices"]] == ["on", "off", "default"]
    assert synced["digest"]["default_member_permissions"] == str(1 << 4)
    assert synced["list"].get("default_member_permissions") is None


async def test_guild_ids_sync_commands_to_those_servers_too(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake
) -> None:
    """PAPERBOY_DISCORD__GUILD_IDS: commands appear in those servers at once (development)."""
    settings = make_settings(tmp_path, dc, arxiv_server)
    settings = settings.model_copy(update={"discord": settings.discord.model_copy(
        update={"guild_ids": (GUILD,)})})
    async with running(settings, dc):
        await dc.wait_for_command("summarize", guild_id=GUILD)
    assert {c["name"] for c in dc.guild_commands[GUILD]} == {c["name"] for c in dc.global_commands}


async def test_a_rejected_token_is_a_clear_config_error(
    tmp_path: Path, arxiv_server: ArxivFake
) -> None:
    """A wrong token ends start-up with one line naming the setting, not a traceback."""
    async with DiscordFake("the.real.token", bot_id=BOT_ID) as fake:
        with pytest.raises(ConfigError, match=r"Discord rejected the bot token \(discord.token"):
            await run(make_settings(tmp_path, fake, arxiv_server), stop=asyncio.Event())


# -- commands ------------------------------------------------------------------------------------


async def test_summarize_is_deferred_then_answered_with_a_public_embed(
    bot: Path, dc: DiscordFake
) -> None:
    """/summarize may take a while: "thinking…" at once, then the card for everyone to see."""
    iid = dc.slash("summarize", {"link": "https://arxiv.org/abs/2410.13726"}, channel_id=PAPERS,
                   user_id=READER)
    card = await dc.wait_for_response(iid, timeout=10)
    assert dc.interaction_responses[iid].type == 5 and dc.interaction_responses[iid].delay < 1
    assert not card.ephemeral and dc.pending_thinking() == []
    [embed] = card.embeds
    assert embed["title"].startswith("DAWN: Dynamic Frame Avatar")
    assert embed["url"] == "https://arxiv.org/abs/2410.13726v2"
    fields = [f["name"] for f in embed["fields"]]
    assert fields[:3] == ["Authors", "Key takeaways", "Background"]
    assert embed["footer"]["text"].startswith("arXiv:2410.13726v2 · cs.CV")
    labels = [b.get("label") for b in card.buttons]
    assert labels[:2] == ["PDF", "Abstract"] and "Code" in labels


async def test_slow_model_leaves_nothing_thinking(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake
) -> None:
    """A model that needs longer than Discord's 3 seconds: deferred at once, answered later."""
    async with GeminiFake() as gemini:
        gemini.script(slow(3.5, then=good()))
        settings = with_gemini(make_settings(tmp_path, dc, arxiv_server), gemini)
        async with running(settings, dc):
            iid = dc.slash("summarize", {"link": "2410.13726"}, channel_id=PAPERS, user_id=READER)
            card = await dc.wait_for_response(iid, timeout=15)
    assert dc.interaction_responses[iid].type == 5
    assert card.embeds[0]["footer"]["text"].endswith(
        "Summarized by Gemini (gemini-2.5-flash). Check the paper before relying on it.")
    assert dc.pending_thinking() == []


async def test_a_slow_model_gets_a_quick_card_edited_in_place(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake
) -> None:
    """Past ``summarizer.interactive_wait_s`` the reader sees a quick card, marked as such;
    the same answer then becomes the model's card."""
    async with GeminiFake() as gemini:
        gemini.script(slow(1.5, then=good()))
        settings = with_gemini(make_settings(tmp_path, dc, arxiv_server), gemini)
        settings = settings.model_copy(
            update={"summarizer": SummarizerSettings(interactive_wait_s=0.2)})
        async with running(settings, dc):
            iid = dc.slash("summarize", {"link": "2410.13726"}, channel_id=PAPERS, user_id=READER)
            quick = await dc.wait_for_response(iid, timeout=10)
            assert "⏳ A quick summary" in quick.embeds[0]["footer"]["text"]
            await dc.wait_for_requests("PATCH", "/webhooks/*", n=2, timeout=10)
            card = dc.message(quick.id)
    assert card.embeds[0]["title"].startswith("DAWN")
    footer = card.embeds[0]["footer"]["text"]
    assert "⏳" not in footer and footer.endswith("Check the paper before relying on it.")
    assert "Gemini" in footer and dc.pending_thinking() == []


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        ("help", {}, "/subscribe <topic> - Follow free text"),
        ("subscribe", {"topic": "cs.CV -survey"}, "Subscribed to “cs.CV -survey”"),
        ("list", {}, "This chat follows no topics yet."),
        ("time", {"time": "7:30pm"}, "digests now arrive at 19:30"),
        ("time", {}, "Digests arrive at 08:00"),
        ("timezone", {"zone": "europe/berlin"}, "Time zone set to Europe/Berlin"),
        ("lang", {"language": "Japanese"}, "Japanese (日本語)"),
        ("max", {"papers": 5}, "up to 5 papers"),
        ("pause", {}, "Paused: no digests will arrive here"),
        ("resume", {}, "Digests are already on"),
        ("compact", {"state": "on"}, "Compact digests on"),
        ("links", {"state": "on"}, "Link summaries are now on"),
        ("crosslists", {}, "This chat follows no topics yet"),
        ("digest", {}, "This chat has no subscriptions yet."),
    ],
)
async def test_every_command_answers_a_manager(
    bot: Path, dc: DiscordFake, name: str, options: dict[str, object], expected: str
) -> None:
    """Each slash command, run by a member with Manage Channels, gets its answer."""
    message = await answer(dc, name, options)
    assert expected in shown(message)
    assert dc.pending_thinking() == []


async def test_unsubscribe_and_crosslists_with_topics(bot: Path, dc: DiscordFake) -> None:
    """/unsubscribe by the number autocomplete offers; /crosslists per subscription."""
    await answer(dc, "subscribe", {"topic": "cs.CV"})
    await answer(dc, "subscribe", {"topic": "talking head generation"})
    crosslists = await answer(dc, "crosslists", {"topics": "1", "state": "off"})
    assert "Digests for “cs.CV” now leave out cross-listed papers." in crosslists.text
    removed = await answer(dc, "unsubscribe", {"topic": "2"})
    assert "Unsubscribed from “talking head generation”" in removed.text
    assert subscriptions(bot) == ["cs.CV"]


async def test_members_without_manage_channels_are_refused_privately(
    bot: Path, dc: DiscordFake
) -> None:
    """A reader may look but not change: the refusal is ephemeral, nothing is stored."""
    refusal = await answer(dc, "subscribe", {"topic": "cs.CV"}, user=READER)
    assert refusal.ephemeral
    assert refusal.text.startswith("*Only the chat's admins (on Discord: members who can manage")
    assert subscriptions(bot) == []
    looked = await answer(dc, "time", {}, user=READER)
    assert not looked.ephemeral and "Digests arrive at 08:00" in looked.text
    with pytest.raises(PermissionError):  # /digest is hidden from them, as Discord does
        dc.slash("digest", {}, channel_id=PAPERS, user_id=READER)


async def test_in_a_dm_everyone_manages_their_own_subscriptions(bot: Path, dc: DiscordFake) -> None:
    """A DM with the bot is the user's own chat: subscribing and /digest work."""
    dm = dc.dm_channel(READER)
    done = await answer(dc, "subscribe", {"topic": "cs.CV"}, user=READER, channel=dm)
    assert "Subscribed to “cs.CV”" in done.text and not done.ephemeral
    assert subscriptions(bot, dm) == ["cs.CV"]


async def test_errors_are_ephemeral_even_after_a_public_deferral(
    bot: Path, dc: DiscordFake
) -> None:
    """A malformed id: the public "thinking…" goes away, the user alone reads why."""
    iid = dc.slash("summarize", {"link": "2413.00001"}, channel_id=PAPERS, user_id=READER)
    warning = await dc.wait_for_response(iid, timeout=10)
    assert warning.ephemeral and '"2413.00001" is not a valid arXiv id' in warning.text
    assert [m for m in dc.visible_messages(PAPERS) if not m.ephemeral] == []
    assert dc.pending_thinking() == []


async def test_autocomplete_suggests_topics_zones_and_languages(bot: Path, dc: DiscordFake) -> None:
    """/unsubscribe offers this channel's topics; /timezone IANA names; /lang languages."""
    await answer(dc, "subscribe", {"topic": "cs.CV"})
    await answer(dc, "subscribe", {"topic": "talking head generation"})
    topics = dc.autocomplete("unsubscribe", {"topic": ""}, focused="topic", channel_id=PAPERS)
    zones = dc.autocomplete("timezone", {"zone": "berl"}, focused="zone", channel_id=PAPERS)
    languages = dc.autocomplete("lang", {"language": "jap"}, focused="language", channel_id=PAPERS)
    await dc.wait_for_requests("POST", "/interactions/*", n=5)
    assert [c["name"] for c in dc.autocomplete_choices(topics) or []] == [
        "1. cs.CV", "2. talking head generation", "all of them"]
    assert [c["value"] for c in dc.autocomplete_choices(zones) or []] == ["Europe/Berlin"]
    assert [c["value"] for c in dc.autocomplete_choices(languages) or []] == ["ja"]


# -- links in messages -----------------------------------------------------------------------------


async def test_links_in_servers_need_a_mention_until_links_on(bot: Path, dc: DiscordFake) -> None:
    """Message content intent on: a pasted link is ignored unless the bot is mentioned, until a
    manager turns /links on; then it is answered as a reply."""
    dc.user_message(PAPERS, "look https://arxiv.org/abs/2410.13726", user_id=READER)
    mentioned = dc.user_message(PAPERS, "what is arXiv:2410.13726 about?", user_id=READER,
                                mention_bot=True)
    [first] = await dc.wait_for_messages(1, channel_id=PAPERS, timeout=10)
    assert first.reply_to == mentioned and first.embeds[0]["title"].startswith("DAWN")
    await answer(dc, "links", {"state": "on"})
    pasted = dc.user_message(PAPERS, "https://arxiv.org/pdf/2410.13726v2", user_id=READER)
    messages = await dc.wait_for_messages(3, channel_id=PAPERS, timeout=10)
    assert messages[-1].reply_to == pasted and messages[-1].embeds[0]["title"].startswith("DAWN")
    assert len([m for m in dc.visible_messages(PAPERS) if m.embeds]) == 2


async def test_links_in_dms_are_always_answered(bot: Path, dc: DiscordFake) -> None:
    """In a DM every pasted arXiv link is summarized; chatter gets a hint."""
    dm = dc.dm_channel(READER)
    dc.user_message(dm, "https://huggingface.co/papers/2410.13726", user_id=READER)
    [card] = await dc.wait_for_messages(1, channel_id=dm, timeout=10)
    assert card.embeds[0]["title"].startswith("DAWN")
    dc.user_message(dm, "hello there", user_id=READER)
    messages = await dc.wait_for_messages(2, channel_id=dm)
    assert messages[-1].content.startswith("Send me an arXiv link")


async def test_without_the_message_content_intent(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake, caplog: pytest.LogCaptureFixture
) -> None:
    """Intent off: not requested; links answered when mentioned and in DMs; the log says so."""
    caplog.set_level(logging.INFO)
    settings = make_settings(tmp_path, dc, arxiv_server, message_content=False)
    async with running(settings, dc):
        assert dc.intents is not None and not dc.intents & MESSAGE_CONTENT
        await answer(dc, "links", {"state": "on"})
        dc.user_message(PAPERS, "https://arxiv.org/abs/2410.13726", user_id=READER)
        asked = dc.user_message(PAPERS, "arXiv:2410.13726 please", user_id=READER, mention_bot=True)
        messages = await dc.wait_for_messages(2, channel_id=PAPERS, timeout=10)
        dm = dc.dm_channel(READER)
        dc.user_message(dm, "https://arxiv.org/abs/2410.13726", user_id=READER)
        await dc.wait_for_messages(1, channel_id=dm, timeout=10)
    cards = [m for m in messages if m.embeds]
    assert len(cards) == 1 and cards[0].reply_to == asked
    assert "message content intent is off" in caplog.text


# -- resilience -----------------------------------------------------------------------------------


async def test_a_gateway_drop_is_resumed_and_nothing_is_answered_twice(
    bot: Path, dc: DiscordFake
) -> None:
    """The gateway closes mid-session: discord.py resumes, the event sent meanwhile is answered
    once, and nothing that was answered before is answered again."""
    before = await answer(dc, "help", {})
    await dc.drop_gateway()
    dm = dc.dm_channel(READER)
    dc.user_message(dm, "https://arxiv.org/abs/2410.13726", user_id=READER)
    await dc.wait_for_messages(1, channel_id=dm, timeout=10)
    after = await answer(dc, "list", {})
    assert dc.resume_count == 1 and dc.identify_count == 1
    assert len(dc.visible_messages(dm)) == 1
    assert [m.id for m in dc.visible_messages(PAPERS)] == [before.id, after.id]


async def test_flood_control_is_waited_out(bot: Path, dc: DiscordFake) -> None:
    """A 429 with retry_after on a send: the reply still arrives, once."""
    dc.fail_next("POST", f"/channels/{PAPERS}/messages", 429, retry_after=0.05)
    asked = dc.user_message(PAPERS, "2410.13726", user_id=READER, mention_bot=True)
    [reply] = await dc.wait_for_messages(1, channel_id=PAPERS, timeout=10)
    assert reply.reply_to == asked and len(dc.rate_limited) == 1


async def test_the_token_is_never_logged(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, through a whole session with a drop and a resume, the token never appears."""
    settings = make_settings(tmp_path, dc, arxiv_server)
    setup_logging("DEBUG", settings.secrets())
    try:
        caplog.set_level(logging.DEBUG)
        async with running(settings, dc):
            await answer(dc, "summarize", {"link": "2410.13726"})
            await dc.drop_gateway()
            await answer(dc, "list", {})
    finally:
        reset_logging()
    assert caplog.records and TOKEN not in caplog.text
    assert TOKEN.split(".")[2] not in caplog.text


async def test_one_process_serves_telegram_and_discord(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake
) -> None:
    """Both tokens: /help is answered on Telegram and on Discord by the same process."""
    tg_token = "123456:AAtelegramTokenForTheCombinedTest0123"
    async with TelegramFake(token=tg_token) as tg:
        settings = make_settings(tmp_path, dc, arxiv_server).model_copy(update={
            "telegram": TelegramSettings(token=SecretStr(tg_token), api_base_url=tg.base_url,
                                         api_file_url=tg.base_file_url, per_chat_interval_s=0.0,
                                         poll_timeout_s=1)})
        async with running(settings, dc):
            tg.user_message(9001, "/help")
            [telegram_help] = await tg.wait_for_messages(1, chat_id=9001)
            discord_help = await answer(dc, "help", {})
    assert telegram_help.visible.startswith("paperboy reads arXiv papers for you.")
    assert discord_help.text.startswith("paperboy reads arXiv papers for you.")


def _long_section(seed: int) -> str:
    """About 1,150 characters of varied prose (random sentences: nothing repeats, so the
    validator's rambling check passes as it does for a real model's long answer)."""
    rng = random.Random(seed)
    words = ["the", "model", "learns", "motion", "from", "speech", "while", "a", "renderer", "keeps", "identity", "stable", "across", "long", "clips", "and", "several", "datasets", "show", "clear", "gains", "over", "strong", "baselines", "because", "frames", "are", "generated", "together", "rather", "than", "one", "after", "another", "which", "avoids", "drift", "errors", "and", "reduces", "latency", "during", "inference", "on", "modest", "hardware", "for", "users", "who", "need", "quick", "results"]
    sentences, size = [], 0
    while size < 1100:
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(8, 14)))
        sentences.append(sentence.capitalize() + ".")
        size += len(sentence) + 2
    return " ".join(sentences)


async def test_full_analysis_button_shows_what_did_not_fit(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake
) -> None:
    """A model analysis longer than an embed holds: the card is shortened with a visible "…" and
    a Full analysis button; pressing it shows every section whole, to the presser alone."""
    from tests.fakes.model_api import sample_draft

    draft = copy.deepcopy(sample_draft("en"))  # the sample is shared: never change it
    sections = ("background", "prior_work", "method", "results")
    draft["analysis"] |= {name: _long_section(n) for n, name in enumerate(sections)}
    async with GeminiFake() as gemini:
        gemini.script(good(draft))
        settings = with_gemini(make_settings(tmp_path, dc, arxiv_server), gemini)
        async with running(settings, dc):
            card = await answer(dc, "summarize", {"link": "2410.13726"}, user=READER)
            [button] = [b for b in card.buttons if b.get("custom_id", "").startswith("analysis:")]
            pressed = dc.press(button["custom_id"], message_id=card.id, user_id=READER)
            whole = await dc.wait_for_response(pressed, timeout=10)
    assert button["label"] == "Full analysis" and button["custom_id"] == "analysis:2410.13726v2"
    assert "…" in card.text and "Gemini" in card.embeds[0]["footer"]["text"]
    assert whole.ephemeral
    seen = "\n".join(shown(m) for m in dc.messages if m.interaction_id == pressed)
    for name in sections:  # every sentence of every section, nothing cut
        assert all(sentence in seen for sentence in draft["analysis"][name].split(". "))
    assert "…" not in seen


async def test_an_extreme_paper_fits_discords_limits(
    bot: Path, dc: DiscordFake, arxiv_server: ArxivFake
) -> None:
    """200 authors, a 300-character title full of markup characters: Discord accepts the card
    (the fake answers 400 to anything over a limit) and shows the title literally."""
    title = ("*Bold* _claims_ ~~about~~ `code` | spoilers || > quotes and [links](x) @everyone "
             * 4)[:300]
    authors = [f"Author Number{i} Surname{i}" for i in range(200)]
    abstract = " ".join(f"Sentence {i} explains part {i} of the method in detail." for i in range(60))
    arxiv_server.add_paper("2411.00001", 1, title, authors, abstract, categories=("cs.CV",))
    card = await answer(dc, "summarize", {"link": "2411.00001"}, user=READER)
    [embed] = card.embeds
    assert len(embed["title"]) <= 256 and "\\*Bold\\* \\_claims\\_" in embed["title"]
    assert "@everyone" not in card.text.replace("@\u200beveryone", "")
    assert "et al. (200 authors)" in card.text
    assert dc.requests[-1].status == 200


# -- review findings -------------------------------------------------------------------------------


async def test_digest_where_the_bot_may_not_post_says_so_privately(
    bot: Path, dc: DiscordFake, arxiv_server: ArxivFake
) -> None:
    """/digest in a channel where the bot lost Send Messages: the manager learns why (the
    interaction still works), privately; the channel's digests stop."""
    from datetime import UTC, datetime

    from bot.core.supply import fetchable_announcement
    from papers.announcements import mailing_date
    from tests.bot.test_digest import cv_papers

    arxiv_server.set_listing("cs.CV", mailing_date(fetchable_announcement(datetime.now(UTC))),
                             cv_papers("2611.5", 2))
    await answer(dc, "subscribe", {"topic": "cs.CV"})
    dc.revoke_permission(PAPERS)
    told = await answer(dc, "digest", {})
    assert told.ephemeral
    assert "I could not post the digest here (Missing Permissions)" in shown(told)
    with Repository.open(bot) as repo:
        chat = repo.get_chat(ChatRef("discord", str(PAPERS)))
    assert chat is not None and not chat.active


async def test_a_long_rate_limit_on_the_command_sync_does_not_stop_start_up(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake
) -> None:
    """Discord's daily command quota: the sync is skipped (commands registered before still
    work) and the bot serves."""
    dc.fail_next("PUT", "/applications/*/commands", 429, retry_after=3600)
    settings = make_settings(tmp_path, dc, arxiv_server)
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop=stop))
    try:
        await dc.wait_until_ready(timeout=10)
        dm = dc.dm_channel(READER)
        dc.user_message(dm, "https://arxiv.org/abs/2410.13726", user_id=READER)
        [card] = await dc.wait_for_messages(1, channel_id=dm, timeout=10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert card.embeds[0]["title"].startswith("DAWN")


async def test_a_stop_during_a_deferred_answer_tells_the_user(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake
) -> None:
    """SIGTERM while a slow summary is being written: "thinking…" becomes "restarting"."""
    async with GeminiFake() as gemini:
        gemini.script(slow(8, then=good()))
        settings = with_gemini(make_settings(tmp_path, dc, arxiv_server), gemini)
        async with running(settings, dc):
            iid = dc.slash("summarize", {"link": "2410.13726"}, channel_id=PAPERS, user_id=READER)
            await dc.wait_for_requests("POST", "/interactions/*", n=1)
        told = await dc.wait_for_response(iid)
    assert "paperboy is restarting; please try again in a minute." in told.text
    assert dc.pending_thinking() == []


async def test_options_keep_their_meaning(bot: Path, dc: DiscordFake) -> None:
    """/crosslists topics:1 without a state asks on or off (it changed every subscription);
    /summarize language:Japanese is honoured like /lang Japanese."""
    await answer(dc, "subscribe", {"topic": "cs.CV"})
    await answer(dc, "subscribe", {"topic": "cs.LG"})
    asked = await answer(dc, "crosslists", {"topics": "1"})
    assert "On or off? Send /crosslists 1 on or /crosslists 1 off." in shown(asked)
    with Repository.open(bot) as repo:
        subs = repo.subscriptions_for(ChatRef("discord", str(PAPERS)))
    assert all(sub.cross_lists for sub in subs)
    card = await answer(dc, "summarize", {"link": "2410.13726", "language": "Japanese"})
    assert card.embeds[0]["fields"][0]["name"] == "著者"


async def test_an_apology_after_a_public_deferral_is_private(bot: Path, dc: DiscordFake) -> None:
    """Discord refuses the answer's edit: the user alone reads the apology; nothing public."""
    dc.fail_next("PATCH", "/webhooks/*/messages/@original", 400, 50035, "Invalid Form Body")
    iid = dc.slash("summarize", {"link": "2410.13726"}, channel_id=PAPERS, user_id=READER)
    sorry = await dc.wait_for_response(iid, timeout=10)
    assert sorry.ephemeral and sorry.text.startswith("Something went wrong on our side")
    assert [m for m in dc.visible_messages(PAPERS) if not m.ephemeral] == []


async def test_a_refused_message_is_resent_as_text_without_losing_anything(
    bot: Path, dc: DiscordFake
) -> None:
    """A 400 on a card (our renderer's bug): its whole text still arrives, as plain messages."""
    dc.fail_next("POST", f"/channels/{PAPERS}/messages", 400, 50035, "Invalid Form Body")
    dc.user_message(PAPERS, "arXiv:2410.13726", user_id=READER, mention_bot=True)
    messages = await dc.wait_for_messages(2, channel_id=PAPERS, timeout=10)
    text = "\n".join(m.content for m in messages)
    assert "DAWN: Dynamic Frame Avatar" in text and "Limitations" in text
    assert all(len(m.content) <= 2000 for m in messages)


async def test_a_gateway_that_cannot_be_reached_at_start_up_is_one_clear_failure(
    tmp_path: Path, dc: DiscordFake, arxiv_server: ArxivFake
) -> None:
    """REST answers but the gateway is not there: start-up fails with one line naming Discord,
    not a traceback (the CLI prints it and exits 1)."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = make_settings(tmp_path, dc, arxiv_server)
    settings = settings.model_copy(update={"discord": settings.discord.model_copy(
        update={"gateway_url": f"ws://127.0.0.1:{port}/", "ready_timeout_s": 3})})
    with pytest.raises(PlatformUnreachable) as caught:
        await run(settings, stop=asyncio.Event())
    message = str(caught.value)
    assert "Discord" in message and "\n" not in message and TOKEN not in message
