"""The Telegram bot end to end: the real python-telegram-bot against the fake Bot API, the whole
process (`bot.app.run`) against the fake arXiv; assertions on what Telegram received."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import run
from bot.logs import reset_logging, setup_logging
from config.settings import (
    ArxivSettings,
    ChatSettings,
    GeminiSettings,
    Settings,
    StorageSettings,
    SummarizerSettings,
    TelegramSettings,
)
from storage.models import ChatRef
from storage.repository import Repository
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.gemini_api import GeminiFake, good, slow, status
from tests.fakes.telegram_api import TelegramFake

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "arxiv-api"
TOKEN = "123456:AAtestTokenThatMustNeverBeLogged0123456"
USER = 7001
GROUP = -100555


def make_settings(tmp_path: Path, tg: TelegramFake, arxiv: ArxivFake, **chat: int) -> Settings:
    return Settings(
        storage=StorageSettings(path=tmp_path / "bot.db"),
        arxiv=ArxivSettings(api_url=arxiv.api_url, html_url=arxiv.html_url, pdf_url=arxiv.pdf_url,
                            abs_url=arxiv.abs_url,
                            min_interval_s=0.01, timeout_s=2, retries=1),
        telegram=TelegramSettings(
            token=SecretStr(TOKEN), api_base_url=tg.base_url, api_file_url=tg.base_file_url,
            per_chat_interval_s=0.0, poll_timeout_s=1, send_retries=2,
        ),
        chat=ChatSettings(**chat),
    )


class Bot:
    """A running paperboy process aimed at the fakes; ``restart()`` stops and starts it again."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, tg: TelegramFake) -> None:
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(run(self.settings, stop=self._stop))
        await tg.wait_for_requests("getUpdates", 1 + len(tg.calls("getUpdates")))

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, 10)

    def repo(self) -> Repository:
        return Repository.open(self.settings.storage.path)


def with_gemini(settings: Settings, gemini: GeminiFake) -> Settings:
    """The same settings, with summaries written by the Gemini fake (one attempt per request,
    unpaced: at the default 10/min the smooth limiter spaces two requests 6 s apart)."""
    return settings.model_copy(update={
        "gemini": GeminiSettings(
            api_key=SecretStr("k-test-1234"), base_url=gemini.base_url, max_attempts=1),
        "summarizer": settings.summarizer.model_copy(update={"requests_per_minute": 0}),
    })


@contextlib.asynccontextmanager
async def running(settings: Settings, tg: TelegramFake) -> AsyncIterator[Bot]:
    """A bot process started for one test and stopped after it, whatever happens."""
    bot = Bot(settings)
    await bot.start(tg)
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
async def tg() -> AsyncIterator[TelegramFake]:
    async with TelegramFake(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def bot(tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake) -> AsyncIterator[Bot]:
    async with running(make_settings(tmp_path, tg, arxiv_server), tg) as started:
        yield started


async def test_start_registers_menu_and_welcomes(bot: Bot, tg: TelegramFake) -> None:
    """/start: a welcome that says how to begin; the command menu is registered with setMyCommands."""
    tg.user_message(USER, "/start")
    [welcome] = await tg.wait_for_messages(1, chat_id=USER)
    assert welcome.visible.startswith("Hi! I'm paperboy. Send me an arXiv link")
    menu = [c["command"] for c in tg.calls("setMyCommands")[0].form["commands"]]
    assert {"start", "help", "summarize", "subscribe", "list", "digest"} <= set(menu)


async def test_summarize_sends_a_card_with_buttons(bot: Bot, tg: TelegramFake) -> None:
    """/summarize <id>: bold linked title, authors, summary, takeaways; PDF/abstract/code buttons."""
    tg.user_message(USER, "/summarize 2410.13726")
    messages = await tg.wait_for_messages(1, chat_id=USER)
    card = messages[0]
    assert card.parse_mode == "HTML"
    assert '<b><a href="https://arxiv.org/abs/2410.13726v2">DAWN: Dynamic Frame Avatar' in card.text
    assert "Hanbo Cheng" in card.visible and "Key takeaways" in card.visible
    buttons = {b["text"]: b.get("url") or b.get("callback_data")
               for row in messages[-1].buttons for b in row}
    assert buttons["PDF"] == "https://arxiv.org/pdf/2410.13726v2"
    assert buttons["Code"] == "https://github.com/Hanbo-Cheng/DAWN-pytorch"
    assert buttons["Figures"] == "figures:2410.13726v2"  # on demand, in a second row


async def test_pasted_link_in_private_chat_is_summarized(bot: Bot, tg: TelegramFake) -> None:
    """Any arXiv link in a private message gets a summary, no command needed."""
    tg.user_message(USER, "look at this https://www.alphaxiv.org/abs/2104.12255 !")
    [card] = await tg.wait_for_messages(1, chat_id=USER)
    assert "Quan Thoi Minh Nguyen" in card.visible


async def test_link_cap_per_message_is_announced(bot: Bot, tg: TelegramFake, arxiv_server: ArxivFake) -> None:
    """Four links in one message: three cards, the last one ending with a note naming the fourth."""
    tg.user_message(USER, "arXiv:2410.13726 arXiv:2104.12255 arXiv:1707.08567 arXiv:2401.00001")
    await tg.wait_for_messages(3, chat_id=USER, timeout=10)
    await asyncio.sleep(0.2)
    assert len(tg.sent_to(USER)) == 3
    last = tg.sent_to(USER)[-1].visible
    assert "I summarized the first 3" in last and "2401.00001" in last


async def test_group_links_need_a_mention(bot: Bot, tg: TelegramFake) -> None:
    """In a group, a link alone is ignored; the same link with @mention is answered as a reply."""
    tg.user_message(GROUP, "https://arxiv.org/abs/2104.12255", chat_type="supergroup", title="Lab")
    tg.user_message(GROUP, "@paperboy_test_bot https://arxiv.org/abs/2410.13726", chat_type="supergroup")
    messages = await tg.wait_for_messages(1, chat_id=GROUP)
    await asyncio.sleep(0.3)
    assert len(tg.sent_to(GROUP)) == len(messages)
    assert "DAWN" in messages[0].visible and "Quan Thoi" not in "".join(m.visible for m in tg.sent_to(GROUP))
    assert messages[0].reply_to is not None


async def test_unknown_command_gets_a_friendly_answer(bot: Bot, tg: TelegramFake) -> None:
    """An unknown command is answered, not ignored."""
    tg.user_message(USER, "/frobnicate now")
    [reply] = await tg.wait_for_messages(1, chat_id=USER)
    assert "I don't know the command /frobnicate" in reply.visible


async def test_bad_ids_get_friendly_answers(bot: Bot, tg: TelegramFake) -> None:
    """Malformed and unknown ids: short explanations in the chat."""
    tg.user_message(USER, "/summarize 2413.00001")
    tg.user_message(USER, "/summarize 2401.99999")
    await tg.wait_for_messages(2, chat_id=USER)
    texts = " ".join(m.visible for m in tg.sent_to(USER))
    assert '"2413.00001" is not a valid arXiv id' in texts
    assert "arXiv has no paper 2401.99999" in texts


async def test_title_full_of_html_characters(
    bot: Bot, tg: TelegramFake, arxiv_server: ArxivFake
) -> None:
    """A title with <, & and > reaches the user verbatim (and Telegram accepted the HTML)."""
    arxiv_server.add_paper("2402.01234", 1, "When x < y & y > z: <b>bold</b> claims & \"quotes\"",
                           ["A. Author"], "We study inequalities. We propose a method. It works well.")
    tg.user_message(USER, "/summarize 2402.01234")
    [card] = await tg.wait_for_messages(1, chat_id=USER)
    assert card.visible.startswith('When x < y & y > z: <b>bold</b> claims & "quotes"')


async def test_flood_control_then_success(bot: Bot, tg: TelegramFake) -> None:
    """A 429 with retry_after: the bot waits and the message still arrives, once."""
    tg.flood(USER, times=1, retry_after=1)
    tg.user_message(USER, "/help")
    [reply] = await tg.wait_for_messages(1, chat_id=USER, timeout=8)
    assert "/summarize" in reply.visible
    attempts = [r for r in tg.calls("sendMessage") if str(r.form.get("chat_id")) == str(USER)]
    assert [r.status for r in attempts] == [429, 200]


async def test_blocked_user_deactivates_the_chat(bot: Bot, tg: TelegramFake) -> None:
    """403 "bot was blocked by the user": the chat is deactivated in storage, not retried forever."""
    tg.user_message(USER, "/start")
    await tg.wait_for_messages(1, chat_id=USER)
    tg.block(USER)
    tg.user_message(USER, "/help")
    await tg.wait_for_requests("sendMessage", 2)
    await asyncio.sleep(0.2)
    attempts = [r for r in tg.calls("sendMessage") if str(r.form.get("chat_id")) == str(USER)]
    assert [r.status for r in attempts] == [200, 403]
    with bot.repo() as repo:
        chat = repo.get_chat(ChatRef("telegram", str(USER)))
    assert chat is not None and not chat.active and "blocked" in (chat.deactivated_reason or "")


async def test_removed_from_group_deactivates_it(bot: Bot, tg: TelegramFake) -> None:
    """A my_chat_member update saying the bot was removed deactivates the group."""
    tg.user_message(GROUP, "/help", chat_type="supergroup", title="Lab")
    await tg.wait_for_messages(1, chat_id=GROUP)
    tg.bot_removed(GROUP)
    await asyncio.sleep(0.5)
    with bot.repo() as repo:
        chat = repo.get_chat(ChatRef("telegram", str(GROUP)))
    assert chat is not None and not chat.active


async def test_token_never_logged(bot: Bot, tg: TelegramFake, caplog: pytest.LogCaptureFixture) -> None:
    """Even at DEBUG, with httpx logging every Bot API URL, no record carries the token."""
    setup_logging("DEBUG", bot.settings.secrets())
    try:
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("httpx").setLevel(logging.DEBUG)  # the worst case: URLs logged
            tg.user_message(USER, "/summarize 2410.13726")
            await tg.wait_for_messages(1, chat_id=USER)
    finally:
        reset_logging()
    assert "/getUpdates" in caplog.text  # the URLs were logged…
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text  # …without the token


ADMIN, MEMBER = 1001, 1002


async def test_only_group_admins_change_subscriptions(bot: Bot, tg: TelegramFake) -> None:
    """A member's /subscribe is politely refused; an admin's works; anyone may /list."""
    tg.set_admins(GROUP, [ADMIN])
    tg.user_message(GROUP, "/subscribe cs.CV", user_id=MEMBER, chat_type="supergroup", title="Lab")
    [refusal] = await tg.wait_for_messages(1, chat_id=GROUP)
    assert "Only the chat's admins" in refusal.visible
    tg.user_message(GROUP, "/subscribe@paperboy_test_bot cs.CV", user_id=ADMIN, chat_type="supergroup")
    await tg.wait_for_messages(2, chat_id=GROUP)
    assert "Subscribed to" in tg.sent_to(GROUP)[-1].visible
    tg.user_message(GROUP, "/list", user_id=MEMBER, chat_type="supergroup")
    await tg.wait_for_messages(3, chat_id=GROUP)
    assert "1. “cs.CV”" in tg.sent_to(GROUP)[-1].visible


async def test_commands_for_another_bot_are_ignored(bot: Bot, tg: TelegramFake) -> None:
    """/help@otherbot in a group is not for us."""
    tg.user_message(GROUP, "/help@some_other_bot", chat_type="supergroup", title="Lab")
    tg.user_message(GROUP, "/help@paperboy_test_bot", chat_type="supergroup")
    await tg.wait_for_messages(1, chat_id=GROUP)
    await asyncio.sleep(0.3)
    assert len(tg.sent_to(GROUP)) == 1


async def test_links_on_makes_the_group_answer_links(bot: Bot, tg: TelegramFake) -> None:
    """After an admin's /links on, a plain link in the group is answered without a mention."""
    tg.set_admins(GROUP, [ADMIN])
    tg.user_message(GROUP, "/links on", user_id=ADMIN, chat_type="supergroup", title="Lab")
    await tg.wait_for_messages(1, chat_id=GROUP)
    tg.user_message(GROUP, "new one: https://arxiv.org/abs/2104.12255v1", user_id=MEMBER, chat_type="supergroup")
    await tg.wait_for_messages(2, chat_id=GROUP)
    assert "Quan Thoi Minh Nguyen" in tg.sent_to(GROUP)[-1].visible


async def test_restart_keeps_subscriptions_and_settings(bot: Bot, tg: TelegramFake) -> None:
    """Subscriptions and settings survive a restart of the process."""
    tg.user_message(USER, "/subscribe talking head generation -survey")
    tg.user_message(USER, "/timezone Asia/Shanghai")
    await tg.wait_for_messages(2, chat_id=USER)
    await bot.stop()
    await bot.start(tg)
    tg.user_message(USER, "/list")
    await tg.wait_for_messages(3, chat_id=USER)
    listing = tg.sent_to(USER)[-1].visible
    assert "talking head generation -survey" in listing and "Asia/Shanghai" in listing


async def test_group_upgraded_to_supergroup_keeps_subscriptions(bot: Bot, tg: TelegramFake) -> None:
    """ChatMigrated on send: the reply goes to the new id and the subscriptions move with it."""
    old, new = -4001, -1004001
    tg.set_admins(old, [ADMIN])
    tg.user_message(old, "/subscribe cs.CL", user_id=ADMIN, chat_type="group", title="Old group")
    await tg.wait_for_messages(1, chat_id=old)
    tg.migrate(old, new)
    tg.user_message(old, "/list", user_id=ADMIN, chat_type="group")
    [listing] = await tg.wait_for_messages(1, chat_id=new)
    assert "cs.CL" in listing.visible
    with bot.repo() as repo:
        assert [s.query for s in repo.subscriptions_for(ChatRef("telegram", str(new)))] == ["cs.CL"]
        assert repo.subscriptions_for(ChatRef("telegram", str(old))) == []


def _long_draft() -> dict[str, object]:
    """A valid, varied English summary near every length cap (real abstracts as prose)."""
    feed = ET.parse(FIXTURES / "search-testing-10.xml").getroot()
    abstracts = [" ".join((e.text or "").split()) for e in feed.iter("{http://www.w3.org/2005/Atom}summary")]
    sentences = [s.strip().rstrip(".") + "." for a in abstracts for s in a.split(". ") if len(s) > 40]
    def take(n_chars: int) -> str:
        out = ""
        while sentences and len(out) + len(sentences[0]) + 1 <= n_chars:
            out += (" " if out else "") + sentences.pop(0)
        return out
    return {
        "tldr": take(280),
        "takeaways": [take(290) for _ in range(7)],
        "analysis": {
            "background": take(1190), "prior_work": take(1190), "method": take(1190),
            "results": take(1190),
            "conclusion": {"significance": take(1190), "strengths": take(1190), "limitations": take(1190)},
        },
        "keywords": ["testing", "software", "verification"],
    }


async def test_very_long_summary_is_split_into_valid_messages(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake
) -> None:
    """A model summary near every cap: several messages, each accepted by Telegram, none lost."""
    draft = _long_draft()
    async with GeminiFake() as gemini:
        gemini.default = good(draft)
        async with running(with_gemini(make_settings(tmp_path, tg, arxiv_server), gemini), tg):
            tg.user_message(USER, "/summarize 2410.13726")
            await tg.wait_for_messages(2, chat_id=USER, timeout=10)
            await asyncio.sleep(0.3)
    messages = tg.sent_to(USER)
    assert len(messages) >= 3
    assert all(len(m.visible.encode("utf-16-le")) // 2 <= 4096 for m in messages)
    assert [r.status for r in tg.calls("sendMessage")] == [200] * len(messages)
    text = " ".join(" ".join(m.visible.split()) for m in messages)
    for section in draft["analysis"].values():  # type: ignore[union-attr]
        for piece in (section.values() if isinstance(section, dict) else [section]):
            assert " ".join(piece.split())[-60:] in text
    assert messages[-1].buttons  # the keyboard sits under the last part


async def test_network_error_is_retried(bot: Bot, tg: TelegramFake) -> None:
    """A 502 from the Bot API on send: retried with backoff, the message arrives once."""
    tg.fail("sendMessage", 502, times=1)
    tg.user_message(USER, "/help")
    [reply] = await tg.wait_for_messages(1, chat_id=USER, timeout=8)
    assert "/summarize" in reply.visible
    assert [r.status for r in tg.calls("sendMessage")] == [502, 200]


async def test_unexpected_error_is_logged_and_answered(
    bot: Bot, tg: TelegramFake, caplog: pytest.LogCaptureFixture
) -> None:
    """When sending keeps failing, the error handler logs it and tells the user something went wrong."""
    tg.fail("sendMessage", 502, times=3)  # every attempt of the reply (send_retries=2)
    with caplog.at_level(logging.ERROR):
        tg.user_message(USER, "/help")
        [reply] = await tg.wait_for_messages(1, chat_id=USER, timeout=10)
    assert reply.visible == "⚠️ Something went wrong on our side; it has been logged. Please try again."
    assert "error while handling a Telegram update" in caplog.text


async def test_limits_on_new_summaries(tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake) -> None:
    """Past the hourly limit a new summary is refused with when to retry; cached ones still come."""
    async with running(make_settings(tmp_path, tg, arxiv_server, summaries_per_user_per_hour=1), tg):
        tg.user_message(USER, "/summarize 2410.13726")
        await tg.wait_for_messages(1, chat_id=USER)
        tg.user_message(USER, "/summarize 2104.12255")
        await tg.wait_for_messages(2, chat_id=USER)
        tg.user_message(USER, "/summarize 2410.13726v2")
        await tg.wait_for_messages(3, chat_id=USER)
    texts = [m.visible for m in tg.sent_to(USER)]
    assert "limit of new summaries" in texts[1] and "again in 60 minutes" in texts[1]
    assert texts[2].startswith("DAWN")


async def test_slow_summary_shows_typing(tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake) -> None:
    """While a slow model writes, the chat shows "typing…"."""
    async with GeminiFake() as gemini:
        gemini.script(slow(1.5, then=good()))
        async with running(with_gemini(make_settings(tmp_path, tg, arxiv_server), gemini), tg):
            tg.user_message(USER, "/summarize 2410.13726")
            await tg.wait_for_messages(1, chat_id=USER, timeout=10)
    actions = tg.calls("sendChatAction")
    assert actions and actions[0].form["action"] == "typing"
    assert actions[0].time < tg.calls("sendMessage")[-1].time


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/help", "/subscribe <topic>"),
        ("/subscribe", "For example:"),
        ("/subscribe cs.CV -survey", "Subscribed to “cs.CV -survey”"),
        ("/subscribe cat:cs.CV AND (abs:avatar", "never closed"),
        ("/unsubscribe 9", "nothing to remove"),
        ("/time 7:30pm", "19:30"),
        ("/time 25:99", "/time"),
        ("/timezone Europe/Berlin", "Europe/Berlin"),
        ("/timezone Mars/Olympus", "I don't know the time zone"),
        ("/lang zh", "Chinese"),
        ("/max 5", "5"),
        ("/max 0", "from 1 to 50"),
        ("/pause", "/resume"),
        ("/resume", "already on"),
        ("/links off", "off"),
        ("/compact on", "compact"),
        ("/list", "Settings:"),
        ("/digest", "no subscriptions yet"),
    ],
)
async def test_every_command_answers_in_telegram(bot: Bot, tg: TelegramFake, command: str, expected: str) -> None:
    """Each command of the menu, typed in a private chat, gets a reply that says what happened."""
    tg.user_message(USER, command)
    [reply] = await tg.wait_for_messages(1, chat_id=USER)
    assert expected.lower() in reply.visible.lower(), reply.visible


async def test_other_bots_commands_in_groups_get_no_answer(bot: Bot, tg: TelegramFake) -> None:
    """/warn (a moderation bot's command) in a group: silence; /warn@paperboy_test_bot: an answer."""
    tg.user_message(GROUP, "/warn @spammer", chat_type="supergroup", title="Lab")
    tg.user_message(GROUP, "/warn@paperboy_test_bot", chat_type="supergroup")
    [reply] = await tg.wait_for_messages(1, chat_id=GROUP)
    await asyncio.sleep(0.3)
    assert len(tg.sent_to(GROUP)) == 1 and "I don't know the command /warn" in reply.visible


async def test_rejected_token_is_a_clear_error_without_the_token(tmp_path: Path, arxiv_server: ArxivFake) -> None:
    """Telegram answering 401 to getMe: one line naming the setting, exit 3 (configuration),
    the token nowhere."""
    async with TelegramFake(token="999:someOtherTokenTheServerKnows0000000000") as tg:
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "PAPERBOY_STORAGE__PATH": str(tmp_path / "t.db"),
               "PAPERBOY_ARXIV__API_URL": arxiv_server.api_url,
               "PAPERBOY_TELEGRAM__TOKEN": TOKEN,
               "PAPERBOY_TELEGRAM__API_BASE_URL": tg.base_url}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = (out + err).decode()
    assert proc.returncode == 3, text
    assert "Telegram rejected the bot token" in text and "PAPERBOY_TELEGRAM__TOKEN" in text
    assert TOKEN.split(":")[1] not in text


async def test_fallback_summaries_do_not_use_up_the_quota(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake
) -> None:
    """With the model down, answers are extractive fallbacks: they do not count against the
    hourly limit of new summaries."""
    async with GeminiFake() as gemini:
        gemini.default = status(503)
        settings = make_settings(tmp_path, tg, arxiv_server, summaries_per_user_per_hour=1)
        async with running(with_gemini(settings, gemini), tg):
            tg.user_message(USER, "/summarize 2410.13726")
            await tg.wait_for_messages(1, chat_id=USER)
            tg.user_message(USER, "/summarize 2104.12255")
            await tg.wait_for_messages(2, chat_id=USER)
    first, second = (m.visible for m in tg.sent_to(USER))
    assert first.startswith("DAWN") and second.startswith("0\n")
    assert "extractive" in second


async def test_a_slow_model_gets_a_quick_card_edited_in_place(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake
) -> None:
    """The model takes longer than ``summarizer.interactive_wait_s``: the reader gets a quick
    card at once, marked as such, and that same message becomes the model's card."""
    async with GeminiFake() as gemini:
        gemini.script(slow(1.5, then=good()))
        settings = with_gemini(make_settings(tmp_path, tg, arxiv_server), gemini)
        settings = settings.model_copy(
            update={"summarizer": SummarizerSettings(interactive_wait_s=0.2)})
        async with running(settings, tg):
            tg.user_message(USER, "/summarize 2410.13726")
            (quick,) = await tg.wait_for_messages(1, chat_id=USER)
            assert "⏳ A quick summary" in quick.visible and "Extractive summary" in quick.visible
            await tg.wait_for_requests("editMessageText", 1, timeout=10)
    (card,) = tg.sent_to(USER)
    assert card.message_id == quick.message_id and card.edits == 1
    assert card.visible.startswith("DAWN") and "⏳" not in card.visible
    assert "Gemini" in card.visible and "extractive" not in card.visible


async def test_help_is_answered_while_a_summary_is_being_written(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake
) -> None:
    """Ten people wait for new summaries; /help from someone else is not queued behind them."""
    async with GeminiFake() as gemini:
        gemini.default = slow(3, then=good())
        async with running(with_gemini(make_settings(tmp_path, tg, arxiv_server), gemini), tg):
            for n in range(10):
                tg.user_message(USER + 1 + n, "/summarize 2410.13726")
            await tg.wait_for_requests("sendChatAction", 1)  # they are waiting for the model
            tg.user_message(USER, "/help")
            (answer,) = await tg.wait_for_messages(1, chat_id=USER, timeout=2.5)
            assert "/subscribe <topic>" in answer.visible
            assert not any(tg.sent_to(USER + 1 + n) for n in range(10))  # still being written


async def test_concurrent_requests_cannot_slip_past_the_quota(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake
) -> None:
    """Two new papers asked for at once with one summary left: one card, one limit notice,
    one model call (the quota is reserved before the model is asked)."""
    async with GeminiFake() as gemini:
        gemini.default = slow(1.0, then=good())
        settings = make_settings(tmp_path, tg, arxiv_server, summaries_per_user_per_hour=1)
        async with running(with_gemini(settings, gemini), tg):
            tg.user_message(USER, "/summarize 2410.13726")
            tg.user_message(USER, "/summarize 2104.12255")
            await tg.wait_for_messages(2, chat_id=USER, timeout=10)
        calls = len(gemini.requests)
    texts = [m.visible for m in tg.sent_to(USER)]
    assert sum("reached the limit of new summaries" in t for t in texts) == 1
    assert calls == 1


async def test_anonymous_admins_do_not_share_one_quota_across_groups(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake
) -> None:
    """Every anonymous admin on Telegram is @GroupAnonymousBot: their quota is their group's,
    so one group's use leaves another's untouched (and a channel's posts count for it)."""
    settings = make_settings(tmp_path, tg, arxiv_server, summaries_per_user_per_hour=1)
    other = GROUP - 1
    async with GeminiFake() as gemini, running(with_gemini(settings, gemini), tg):
        tg.user_message(GROUP, "/summarize@paperboy_test_bot 2410.13726", sender_chat=GROUP)
        await tg.wait_for_messages(1, chat_id=GROUP, timeout=10)
        tg.user_message(other, "/summarize@paperboy_test_bot 2104.12255", sender_chat=other)
        await tg.wait_for_messages(1, chat_id=other, timeout=10)
        tg.user_message(GROUP, "/summarize@paperboy_test_bot 2104.12255", sender_chat=-1007)
        await tg.wait_for_messages(2, chat_id=GROUP, timeout=10)
    assert not any("reached the limit" in m.visible for m in tg.sent_to(other))
    assert not any("reached the limit" in m.visible for m in tg.sent_to(GROUP))


async def test_pressing_one_button_twenty_times_answers_once(bot: Bot, tg: TelegramFake) -> None:
    """The same button pressed again and again: one answer in the chat; every other press
    gets a short notice on the button itself."""
    tg.user_message(USER, "/summarize 2410.13726")
    (card,) = await tg.wait_for_messages(1, chat_id=USER, timeout=10)
    [figures] = [b for row in card.buttons for b in row if b.get("callback_data", "").startswith("figures:")]
    for _ in range(20):
        tg.callback_query(USER, card.message_id, figures["callback_data"], user_id=USER)
    answers = await tg.wait_for_requests("answerCallbackQuery", 20, timeout=10)
    await tg.wait_for_messages(2, chat_id=USER, timeout=10)
    toasts = [a.form.get("text") for a in answers]
    assert toasts.count("Already posted just above: scroll up a little.") == 19
    assert len(tg.sent_to(USER)) == 2


async def test_a_send_that_timed_out_after_it_left_is_not_repeated(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake
) -> None:
    """Telegram answers too late (it delivered the message meanwhile): the bot does not send
    it again, so the reader sees it once."""
    settings = make_settings(tmp_path, tg, arxiv_server)
    settings = settings.model_copy(update={"telegram": settings.telegram.model_copy(
        update={"request_timeout_s": 0.5})})
    async with running(settings, tg):
        tg.slow("sendMessage", 1.2)
        tg.user_message(USER, "/help")
        await tg.wait_for_messages(1, chat_id=USER, timeout=5)
        await tg.wait_for_requests("getUpdates", len(tg.calls("getUpdates")) + 2, timeout=5)
    assert len(tg.sent_to(USER)) == 1 and len(tg.calls("sendMessage")) == 1


async def test_a_press_that_only_brought_a_problem_can_be_tried_again(
    bot: Bot, tg: TelegramFake, arxiv_server: ArxivFake
) -> None:
    """arXiv was down for the first press: pressing again at once tries again (no "already
    posted" toast, since nothing was)."""
    tg.user_message(USER, "/help")
    (message,) = await tg.wait_for_messages(1, chat_id=USER, timeout=10)
    arxiv_server.fail_next(20, status=503)
    tg.callback_query(USER, message.message_id, "expand:2410.13726v2", user_id=USER)
    (_, sorry) = await tg.wait_for_messages(2, chat_id=USER, timeout=15)
    assert "arXiv is not answering" in sorry.visible
    tg.callback_query(USER, message.message_id, "expand:2410.13726v2", user_id=USER)
    answers = await tg.wait_for_requests("answerCallbackQuery", 2, timeout=10)
    assert answers[-1].form.get("text") is None  # answered, not refused as "already posted"


async def test_a_reader_joining_a_summary_already_being_written_is_not_charged(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake
) -> None:
    """Two readers ask for the same new paper at once: one model call, charged once; the one
    who joined still has this hour's new summary."""
    async with GeminiFake() as gemini:
        gemini.default = slow(0.8, then=good())
        settings = make_settings(tmp_path, tg, arxiv_server, summaries_per_user_per_hour=1)
        async with running(with_gemini(settings, gemini), tg):
            tg.user_message(USER, "/summarize 2410.13726")
            await tg.wait_for_requests("sendChatAction", 1, timeout=5)
            tg.user_message(USER + 1, "/summarize 2410.13726")
            await tg.wait_for_messages(1, chat_id=USER + 1, timeout=10)
            tg.user_message(USER + 1, "/summarize 2104.12255")
            await tg.wait_for_messages(2, chat_id=USER + 1, timeout=10)
    assert not any("reached the limit" in m.visible for m in tg.sent_to(USER + 1))
