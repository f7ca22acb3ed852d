"""The fake Bot API, driven by the real python-telegram-bot client: it must behave like Telegram."""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakes.telegram_api import TelegramFake, Upload

TOKEN = "123:ABC"


@pytest.fixture
async def fake() -> AsyncIterator[TelegramFake]:
    async with TelegramFake(token=TOKEN) as server:
        yield server


@pytest.fixture
async def bot(fake: TelegramFake) -> AsyncIterator[Bot]:
    """A plain client: errors surface at once (no rate limiter, no retries)."""
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as client:
        yield client


def build_app(fake: TelegramFake, token: str = TOKEN) -> Application:  # type: ignore[type-arg]
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=2))
        .build()
    )


async def start(app: Application) -> None:  # type: ignore[type-arg]
    """PTB's documented manual lifecycle (what TelegramPlatform does), polling fast."""
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    await app.start()


async def stop(app: Application) -> None:  # type: ignore[type-arg]
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def greet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_chat is not None
    where = html.escape(update.effective_chat.title or "private")
    await update.effective_message.reply_text(
        f"<b>Hello</b> &amp; welcome to {where}", parse_mode=ParseMode.HTML
    )


class TestLifecycle:
    async def test_startup_sequence_and_command_reply(self, fake: TelegramFake) -> None:
        """initialize/start_polling/start works; a /start update reaches its handler; the reply
        is recorded as the user sees it, and stopping confirms the update."""
        app = build_app(fake)
        app.add_handler(CommandHandler("start", greet))
        await start(app)
        try:
            update = fake.user_message(7, "/start")
            [reply] = await fake.wait_for_messages(1)
        finally:
            await stop(app)
        methods = [r.method for r in fake.requests]
        assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
        assert reply.chat_id == 7
        assert reply.visible == "Hello & welcome to private"
        assert reply.parse_mode == "HTML"
        assert reply.entities == [{"type": "bold", "offset": 0, "length": 5}]
        last_poll = fake.calls("getUpdates")[-1]
        assert last_poll.form["offset"] == update["update_id"] + 1
        assert await Bot(TOKEN, base_url=fake.base_url).get_updates() == ()

    async def test_group_command_addressed_to_the_bot(self, fake: TelegramFake) -> None:
        """``/start@botname`` in a supergroup reaches the handler, with the group's title, and
        the reply quotes the user's message as PTB does in groups."""
        app = build_app(fake)
        app.add_handler(CommandHandler("start", greet))
        await start(app)
        try:
            update = fake.user_message(
                -100123, "/start@paperboy_test_bot", title="Reading <club>", user_id=55
            )
            [reply] = await fake.wait_for_messages(1, chat_id=-100123)
        finally:
            await stop(app)
        assert reply.visible == "Hello & welcome to Reading <club>"
        assert reply.reply_to == update["message"]["message_id"]

    async def test_wrong_token_is_unauthorized(self, fake: TelegramFake) -> None:
        """A client with another token gets 401, which PTB raises as InvalidToken."""
        with pytest.raises(InvalidToken, match="rejected by the server"):
            async with Bot("999:WRONG", base_url=fake.base_url):
                pass
        assert (fake.requests[-1].status, fake.requests[-1].description) == (401, "Unauthorized")

    async def test_unknown_method_is_not_found(self, bot: Bot, fake: TelegramFake) -> None:
        """Methods the fake does not serve answer 404 like Telegram."""
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 7})
        assert (fake.requests[-1].status, fake.requests[-1].description) == (404, "Not Found")

    async def test_token_never_logged(
        self, fake: TelegramFake, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Neither the fake's own log nor aiohttp's server log carries the token."""
        caplog.set_level(logging.DEBUG)
        app = build_app(fake)
        app.add_handler(CommandHandler("start", greet))
        await start(app)
        try:
            fake.user_message(7, "/start")
            await fake.wait_for_messages(1)
            with pytest.raises(InvalidToken):
                await Bot("123:SECRETWRONG", base_url=fake.base_url).get_me()
        finally:
            await stop(app)
        server_records = [
            r for r in caplog.records if r.name.startswith(("tests.fakes", "aiohttp"))
        ]
        assert any("sendMessage" in r.getMessage() for r in server_records)
        for record in server_records:
            assert TOKEN not in record.getMessage()
            assert "SECRETWRONG" not in record.getMessage()
        assert TOKEN not in repr(fake)


class TestWire:
    async def test_get_json_and_error_bodies(self, fake: TelegramFake) -> None:
        """GET with a query string and POST with a JSON body work like forms; errors carry
        Telegram's exact JSON body."""
        api = f"{fake.base_url}{TOKEN}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{api}/getMe") as response:
                assert (await response.json())["result"]["username"] == "paperboy_test_bot"
            keyboard = {"inline_keyboard": [[{"text": "PDF", "url": "https://arxiv.org/pdf/1"}]]}
            body = {
                "chat_id": 7,
                "text": "<b>hi</b>",
                "parse_mode": "HTML",
                "reply_markup": keyboard,
            }
            async with http.post(f"{api}/sendMessage", json=body) as response:
                assert (await response.json())["result"]["text"] == "hi"
            async with http.get(
                f"{api}/sendMessage?chat_id=7&text=%3Cbr%3E&parse_mode=HTML"
            ) as bad:
                assert bad.status == 400
                assert await bad.json() == {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: can't parse entities: "
                    'Unsupported start tag "br" at byte offset 0',
                }
            async with http.post(f"{fake.base_url}1:WRONG/getMe") as denied:
                assert denied.status == 401
                assert await denied.json() == {
                    "ok": False,
                    "error_code": 401,
                    "description": "Unauthorized",
                }
            async with http.post(f"{api}/sendTelepathy") as missing:
                assert missing.status == 404
                assert (await missing.json())["description"] == "Not Found"
        [sent] = fake.sent_to(7)
        assert sent.buttons == keyboard["inline_keyboard"]
        assert fake.calls("sendMessage")[0].form["chat_id"] == 7


class TestUpdates:
    async def test_offset_confirms_and_long_poll_wakes(self, fake: TelegramFake, bot: Bot) -> None:
        """Updates stay until an offset confirms them; a waiting long poll returns as soon as an
        update arrives, not at its timeout."""
        first = fake.user_message(7, "one")["update_id"]
        fake.user_message(7, "two")
        assert [u.message.text for u in await bot.get_updates()] == ["one", "two"]  # type: ignore[union-attr]
        assert len(await bot.get_updates(offset=first + 1)) == 1
        assert await bot.get_updates(offset=first + 2) == ()
        poll = asyncio.create_task(bot.get_updates(offset=first + 2, timeout=5))
        await fake.wait_for_poll()
        started = time.monotonic()
        fake.user_message(7, "three")
        [update] = await asyncio.wait_for(poll, 2)
        assert update.message is not None and update.message.text == "three"
        assert time.monotonic() - started < 1

    async def test_long_poll_honours_timeout(self, fake: TelegramFake, bot: Bot) -> None:
        """With nothing queued, getUpdates waits ``timeout`` seconds and returns empty."""
        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()
        assert 0.9 < time.monotonic() - started < 3

    async def test_second_poller_conflicts(self, fake: TelegramFake, bot: Bot) -> None:
        """Two bot instances polling at once: the older request is terminated with 409."""
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await fake.wait_for_poll()
        other = Bot(TOKEN, base_url=fake.base_url)
        assert await other.get_updates() == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(poll, 2)

    async def test_user_message_entities(self, fake: TelegramFake, bot: Bot) -> None:
        """Injected text carries the entities Telegram computes (UTF-16 offsets), so PTB's
        parse_entities finds commands, mentions and links."""
        raw = fake.user_message(
            -100777,
            "/summarize@paperboy_test_bot 😀 https://arxiv.org/abs/2401.00001, @someone_else",
        )
        message = Update.de_json(raw, bot).message
        assert message is not None and message.chat.title
        found = {(e.type, text) for e, text in message.parse_entities().items()}
        assert found == {
            ("bot_command", "/summarize@paperboy_test_bot"),
            ("url", "https://arxiv.org/abs/2401.00001"),
            ("mention", "@someone_else"),
        }

    async def test_callback_query_answered(self, fake: TelegramFake) -> None:
        """A button press reaches CallbackQueryHandler with the message it was under; the answer
        is accepted once, and an unknown query id is refused like Telegram does."""
        seen: list[str] = []

        async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            query = update.callback_query
            assert query is not None and isinstance(query.message, Message)
            seen.append(f"{query.data}:{query.message.text}")
            await query.answer("ok")

        app = build_app(fake)
        app.add_handler(CallbackQueryHandler(on_button))
        await start(app)
        try:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more")]])
            sent = await app.bot.send_message(7, "Pick", reply_markup=markup)
            fake.callback_query(7, sent.message_id, "more")
            await fake.wait_for_requests("answerCallbackQuery")
            with pytest.raises(BadRequest, match="(?i)query is too old"):
                await app.bot.answer_callback_query("no-such-query")
        finally:
            await stop(app)
        assert seen == ["more:Pick"]
        assert fake.calls("answerCallbackQuery")[0].status == 200
        assert fake.sent_to(7)[0].buttons == [[{"text": "More", "callback_data": "more"}]]

    async def test_bot_removed(self, fake: TelegramFake) -> None:
        """Blocking the bot arrives as a my_chat_member update and later sends are Forbidden."""
        statuses: list[str] = []
        seen = asyncio.Event()

        async def on_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.my_chat_member is not None
            statuses.append(update.my_chat_member.new_chat_member.status)
            seen.set()

        app = build_app(fake)
        app.add_handler(ChatMemberHandler(on_member, ChatMemberHandler.MY_CHAT_MEMBER))
        await start(app)
        try:
            fake.bot_removed(7)
            await asyncio.wait_for(seen.wait(), 5)
            with pytest.raises(Forbidden, match="blocked by the user"):
                await app.bot.send_message(7, "still there?")
        finally:
            await stop(app)
        assert statuses == [ChatMemberStatus.BANNED]


class TestSending:
    @pytest.mark.parametrize(
        ("text", "error"),
        [
            ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
            ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
            ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
            (
                "<b><i>x</b></i>",
                'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"',
            ),
            ("Tom & Jerry", 'Character "&" must be escaped'),
            ("&nbsp;", 'Character "&" must be escaped'),
            ("<blockquote>a<blockquote>b</blockquote></blockquote>", "can't be nested"),
            ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
            ("é<p>", 'Unsupported start tag "p" at byte offset 2'),
        ],
    )
    async def test_bad_html_is_refused(
        self, bot: Bot, fake: TelegramFake, text: str, error: str
    ) -> None:
        """Invalid HTML fails with Telegram's "can't parse entities" wording, nothing delivered."""
        with pytest.raises(BadRequest, match="Can't parse entities") as caught:
            await bot.send_message(7, text, parse_mode=ParseMode.HTML)
        assert error.lower() in str(caught.value).lower()  # PTB lower-cases the description
        description = fake.calls("sendMessage")[-1].description
        assert description == f"Bad Request: can't parse entities: {error}" or (
            description is not None and error in description
        )
        assert fake.sent == []

    async def test_all_allowed_html(self, bot: Bot) -> None:
        """Every tag Telegram allows is accepted and comes back as entities PTB understands."""
        text = (
            "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><del>d</del>"
            '<tg-spoiler>p</tg-spoiler><span class="tg-spoiler">q</span>'
            '<a href="https://x.org/?a=1&amp;b=2">link</a><code>c</code>'
            '<pre><code class="language-python">x = 1</code></pre>'
            "<blockquote>quote</blockquote><blockquote expandable>more</blockquote>"
            "&lt;&gt;&amp;&quot;&#39;&#x1F600;"
        )
        message = await bot.send_message(7, text, parse_mode=ParseMode.HTML)
        assert message.text == "bsieunsdpqlinkcx = 1quotemore<>&\"'😀"
        kinds = [e.type for e in message.entities]
        assert kinds.count("bold") == 2 and "expandable_blockquote" in kinds
        link = next(e for e in message.entities if e.type == "text_link")
        assert link.url == "https://x.org/?a=1&b=2"
        pre = next(e for e in message.entities if e.type == "pre")
        assert pre.language == "python"

    async def test_length_is_measured_after_entity_parsing(self, bot: Bot) -> None:
        """4096 visible UTF-16 units pass however long the HTML is; one more fails."""
        await bot.send_message(7, "x" * 4096)
        await bot.send_message(7, "<b>" + "&amp;" * 4096 + "</b>", parse_mode=ParseMode.HTML)
        await bot.send_message(7, "😀" * 2048)
        for text in ("x" * 4097, "😀" * 2049):
            with pytest.raises(BadRequest, match="Message is too long"):
                await bot.send_message(7, text)

    async def test_empty_text_and_long_caption(self, bot: Bot) -> None:
        """Whitespace or empty tags are an empty message; captions stop at 1024."""
        for text in ("   \n", "<b></b>"):
            with pytest.raises(BadRequest, match="Message text is empty"):
                await bot.send_message(7, text, parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match="Message caption is too long"):
            await bot.send_photo(7, "https://x.org/a.png", caption="c" * 1025)

    async def test_photos_uploaded_as_multipart(self, bot: Bot, fake: TelegramFake) -> None:
        """Uploaded photos (multipart) and albums are recorded with their bytes and captions."""
        png = b"\x89PNG\r\n\x1a\nfake-image"
        message = await bot.send_photo(
            7, png, caption="<b>Figure 1</b> &amp; more", parse_mode=ParseMode.HTML
        )
        assert message.caption == "Figure 1 & more" and message.photo
        from telegram import InputMediaPhoto

        album = await bot.send_media_group(
            7, [InputMediaPhoto(png, caption="one"), InputMediaPhoto(b"second")]
        )
        assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
        photos = fake.sent_to(7)
        assert [p.photo for p in photos] == [png, png, b"second"]
        assert [p.visible for p in photos] == ["Figure 1 & more", "one", ""]
        assert isinstance(fake.calls("sendPhoto")[0].form["photo"], Upload)

    async def test_edit_and_delete(self, bot: Bot, fake: TelegramFake) -> None:
        """Edits replace the stored text; unchanged edits and double deletes fail like Telegram."""
        sent = await bot.send_message(7, "Working…")
        edited = await bot.edit_message_text("<i>Done</i>", 7, sent.message_id, parse_mode="HTML")
        assert isinstance(edited, Message) and edited.text == "Done"
        [stored] = fake.sent_to(7)
        assert (stored.visible, stored.edits) == ("Done", 1)
        with pytest.raises(BadRequest, match="Message is not modified"):
            await bot.edit_message_text("<i>Done</i>", 7, sent.message_id, parse_mode="HTML")
        assert await bot.delete_message(7, sent.message_id)
        assert fake.sent_to(7) == []
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(7, sent.message_id)
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("again", 7, sent.message_id)

    async def test_chat_action_and_commands(self, bot: Bot, fake: TelegramFake) -> None:
        """sendChatAction, setMyCommands/getMyCommands round-trip; bad commands are refused."""
        assert await bot.send_chat_action(7, "typing")
        assert await bot.set_my_commands([("summarize", "Summarize an arXiv paper")])
        [command] = await bot.get_my_commands()
        assert (command.command, command.description) == ("summarize", "Summarize an arXiv paper")
        with pytest.raises(BadRequest, match="Bot_command_invalid"):
            await bot.set_my_commands([("Bad-Name", "x")])

    async def test_chat_info_and_admins(self, bot: Bot, fake: TelegramFake) -> None:
        """getChat, getChatMember and getChatAdministrators report the configured roles."""
        fake.user_message(-100200, "hi", title="ML papers", user_id=5)
        fake.set_admins(-100200, [5], owner=1)
        chat = await bot.get_chat(-100200)
        assert (chat.title, chat.type) == ("ML papers", "supergroup")
        assert (await bot.get_chat_member(-100200, 5)).status == ChatMemberStatus.ADMINISTRATOR
        assert (await bot.get_chat_member(-100200, 9)).status == ChatMemberStatus.MEMBER
        admins = await bot.get_chat_administrators(-100200)
        assert [(a.user.id, a.status) for a in admins] == [
            (1, ChatMemberStatus.OWNER),
            (5, ChatMemberStatus.ADMINISTRATOR),
        ]
        assert await bot.leave_chat(-100200)
        with pytest.raises(Forbidden, match="not a member of the supergroup chat"):
            await bot.send_message(-100200, "hello?")


class TestFailures:
    async def test_flood_then_success_with_rate_limiter(self, fake: TelegramFake) -> None:
        """A 429 with retry_after is retried by AIORateLimiter(max_retries=2) and then delivered."""
        fake.flood(555, times=1, retry_after=1)
        app = build_app(fake)
        await app.initialize()
        try:
            await app.bot.send_message(555, "retry me")
        finally:
            await app.shutdown()
        statuses = [r.status for r in fake.calls("sendMessage")]
        assert statuses == [429, 200]
        assert fake.calls("sendMessage")[0].description == "Too Many Requests: retry after 1"
        assert [m.visible for m in fake.sent_to(555)] == ["retry me"]

    async def test_flood_without_retries_raises(self, bot: Bot, fake: TelegramFake) -> None:
        """Without a rate limiter the 429 surfaces as RetryAfter, then the chat works again."""
        fake.flood(555, times=1, retry_after=3)
        with pytest.raises(RetryAfter, match="Retry in 3"):
            await bot.send_message(555, "x")
        await bot.send_message(555, "y")

    async def test_automatic_rate_limits(self, bot: Bot, fake: TelegramFake) -> None:
        """With rate checks on, a burst beyond the private-chat allowance gets 429; other chats
        and groups within their budget are unaffected."""
        fake.enable_rate_limits(private_per_second=1, private_burst=2, group_per_minute=3)
        await bot.send_message(7, "1")
        await bot.send_message(7, "2")
        with pytest.raises(RetryAfter):
            await bot.send_message(7, "3")
        await bot.send_message(8, "other chat")
        for i in range(3):
            await bot.send_message(-100300, f"group {i}")
        with pytest.raises(RetryAfter, match="Retry in 20"):
            await bot.send_message(-100300, "too many")

    async def test_bot_wide_rate_limit(self, bot: Bot, fake: TelegramFake) -> None:
        """With an overall limit (the benchmark's 30/s), sends to *different* chats beyond it get
        429 and are counted; after a pause the bot may send again."""
        fake.enable_rate_limits(private_per_second=100, private_burst=100,
                                overall_per_second=2, overall_burst=2)
        await bot.send_message(1, "a")
        await bot.send_message(2, "b")
        with pytest.raises(RetryAfter):
            await bot.send_message(3, "c")
        assert fake.overall_429s == 1
        await asyncio.sleep(0.6)
        await bot.send_message(3, "c again")

    async def test_blocked_and_kicked(self, bot: Bot, fake: TelegramFake) -> None:
        """A blocked user and a group that removed the bot answer 403 Forbidden, distinguishable
        by their description."""
        fake.block(999)
        fake.kick(-4001)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(999, "x")
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_chat_action(999, "typing")
        with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
            await bot.send_message(-4001, "x")
        fake.unblock(999)
        await bot.send_message(999, "welcome back")

    async def test_migrated_group(self, bot: Bot, fake: TelegramFake) -> None:
        """A group upgraded to a supergroup raises ChatMigrated with the new id, which works."""
        fake.migrate(-42, -10042)
        with pytest.raises(ChatMigrated) as caught:
            await bot.send_message(-42, "x")
        assert caught.value.new_chat_id == -10042
        await bot.send_message(-10042, "moved")
        assert [m.visible for m in fake.sent_to(-10042)] == ["moved"]

    async def test_scripted_server_error_and_slowness(self, bot: Bot, fake: TelegramFake) -> None:
        """fake.fail and fake.slow script one bad or slow answer of a method."""
        fake.fail("sendMessage", 502)
        from telegram.error import NetworkError

        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(7, "x")
        fake.slow("getMe", 0.3)
        started = time.monotonic()
        await bot.get_me()
        assert time.monotonic() - started >= 0.3

    async def test_wait_for_messages_fails_clearly(self, fake: TelegramFake) -> None:
        """Waiting for messages that never come is an assertion error, not a hang."""
        with pytest.raises(AssertionError, match="expected 1 messages, got 0"):
            await fake.wait_for_messages(1, timeout=0.05)
