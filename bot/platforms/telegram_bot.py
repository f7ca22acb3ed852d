"""Telegram: python-telegram-bot in our own event loop, updates to the core, replies rendered as HTML."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Self

import httpx
from cachetools import TTLCache
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatMemberStatus, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.core.commands import Commands, parse_command
from bot.core.lifecycle import ChatLifecycle
from bot.core.messages import Action, ChatRef, FigureAlbum, Incoming, PaperCard, Reply, Tone
from bot.core.ports import ChatUnreachable, MessageRejected, Progress, skip_parts
from bot.core.registry import COMMANDS
from bot.platforms.pacing import ChatPacer, SendSlots
from bot.render.telegram_html import TelegramMessage, render_reply, visible_text
from config.settings import ConfigError, TelegramSettings

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MENU = [(spec.name, spec.description) for spec in COMMANDS]
_ADMIN_TTL_S = 300.0
_ADMINS_KEPT = 20_000
# Telegram's budget for one bot: about 30 messages a second, spread evenly; up to REPLY_BURST
# replies to people may go out at once (kept in reserve while digests send), well under the
# bursts Telegram tolerates.
OVERALL_PER_S = 30.0
REPLY_BURST = 20
# Updates PTB hands over at once; each is handed on to a task of its own at once, so this only
# bounds how fast updates are taken in.
_CONCURRENT_UPDATES = 64
_TYPING_AFTER_S = 0.5
_TYPING_EVERY_S = 4.5
# 403 descriptions and 400s that mean "this chat is gone for us" (Telegram's own wording).
_GONE = ("chat not found", "bot was kicked", "user is deactivated", "bot is not a member",
         "group chat was deleted", "have no rights to send", "not enough rights",
         "chat_write_forbidden", "topic_closed", "need administrator rights")


class TelegramPlatform:
    """One Telegram bot: long polling, the core's commands, HTML replies within Telegram's limits."""

    name = PLATFORM
    cards_per_send = 1  # every card is its own message (or several)

    def __init__(
        self, settings: TelegramSettings, commands: Commands, lifecycle: ChatLifecycle
    ) -> None:
        if settings.token is None:
            raise ValueError("TelegramPlatform needs a token")
        self._settings = settings
        self._commands = commands
        self._lifecycle = lifecycle
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._bot_username = ""
        self._bot_id = 0
        self._admins: TTLCache[tuple[int, int], bool] = TTLCache(_ADMINS_KEPT, ttl=_ADMIN_TTL_S)
        # Replies to people take the next free slot of the bot's budget before digest messages.
        self._slots = SendSlots(OVERALL_PER_S, burst=REPLY_BURST + 1, reserve=REPLY_BURST)
        self._pacer = ChatPacer(settings.per_chat_interval_s, lambda bulk: self._slots.slot(bulk=bulk))
        # Answers being worked on, figures following cards, cards being upgraded in place.
        self._background: set[asyncio.Task[None]] = set()
        self._never = asyncio.Event()

    # -- lifecycle (PTB's manual mode: never run_polling, which owns the loop) -----------------

    async def __aenter__(self) -> Self:
        s = self._settings
        app = (
            ApplicationBuilder()
            .token(s.token.get_secret_value())  # type: ignore[union-attr]
            .base_url(s.api_base_url)
            .base_file_url(s.api_file_url)
            # The overall limit is ours (SendSlots: smooth, replies first); PTB's limiter keeps
            # groups at 20 per minute and retries a 429 after its retry_after.
            .rate_limiter(AIORateLimiter(overall_max_rate=0, max_retries=s.send_retries))
            .concurrent_updates(_CONCURRENT_UPDATES)
            .connect_timeout(s.request_timeout_s).read_timeout(s.request_timeout_s)
            .write_timeout(s.request_timeout_s).media_write_timeout(4 * s.request_timeout_s)
            .build()
        )
        app.add_handler(ChatMemberHandler(self._on_member_change, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(MessageHandler((filters.TEXT | filters.CAPTION) & ~filters.UpdateType.EDITED,
                                       self._on_message))
        app.add_error_handler(self._on_error)
        try:
            await app.initialize()
        except InvalidToken:
            raise ConfigError(
                "Telegram rejected the bot token (telegram.token, PAPERBOY_TELEGRAM__TOKEN): "
                "check it with @BotFather"
            ) from None
        self._bot_username = (app.bot.username or "").lower()
        self._bot_id = app.bot.id
        await self._register_menu(app)
        assert app.updater is not None
        await app.updater.start_polling(
            poll_interval=0.0, timeout=s.poll_timeout_s, drop_pending_updates=False,
            allowed_updates=["message", "my_chat_member", "callback_query"],
            error_callback=self._on_polling_error,
        )
        await app.start()
        self._app = app
        log.info("telegram bot @%s started", self._bot_username)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in list(self._background):
            task.cancel()
        app, self._app = self._app, None
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def wait_closed(self) -> None:
        """Telegram never ends by itself; the process stops it."""
        await self._never.wait()

    async def _register_menu(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        try:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in MENU])
        except TelegramError:
            log.warning("could not register the command menu", exc_info=True)

    # -- sending ---------------------------------------------------------------------------------

    async def send(
        self, chat_id: str, reply: Reply, *, reply_to: int | None = None, bulk: bool = False,
        progress: Progress | None = None, skip: int = 0, parts: int | None = None,
    ) -> None:
        """Deliver a reply as one or more HTML messages; ChatUnreachable when the chat is gone.

        ``bulk``: a digest message, sent after any reply waiting for the bot's budget;
        ``progress``/``skip``: see the Platform port (a digest resumes mid-card)."""
        target = int(chat_id)
        messages = render_reply(reply)
        skip = skip_parts(skip, parts, len(messages))
        for index, message in enumerate(messages):
            if index < skip:
                continue
            target, _ = await self._send_one(target, message, reply_to, bulk=bulk)
            if progress is not None:
                progress(index + 1, len(messages))
        for item in reply.items:  # figures follow the text, as photos
            if isinstance(item, FigureAlbum) and item.figures:
                await self._send_album(target, item, bulk=bulk)

    async def _send_answer(self, chat_id: str, reply: Reply, reply_to: int | None) -> None:
        """A reply to someone; a provisional card is sent on its own and edited in place
        when the model's card arrives."""
        if not any(card.provisional for card in reply.cards):
            await self.send(chat_id, reply, reply_to=reply_to)
            return
        target = int(chat_id)
        for item in reply.items:
            sent = []
            for message in render_reply(Reply((item,))):
                target, posted = await self._send_one(target, message, reply_to)
                sent.append(posted)
            if isinstance(item, PaperCard) and item.provisional:
                self._spawn(self._upgrade_in_place(target, item, sent))

    async def _upgrade_in_place(self, chat_id: int, card: PaperCard, sent: list[Message | None]) -> None:
        """Replace a provisional card's messages with the model's card: edit each message,
        send what no longer fits, delete what is left over."""
        better = await self._commands.upgrade(card)
        assert self._app is not None
        bot = self._app.bot
        fresh = render_reply(Reply((better,)))
        for index, message in enumerate(fresh):
            old = sent[index] if index < len(sent) else None
            if old is None:
                chat_id, _ = await self._send_one(chat_id, message, None)
                continue
            try:
                await self._paced(chat_id, lambda m=message, o=old: bot.edit_message_text(
                    m.html, chat_id=o.chat_id, message_id=o.message_id, parse_mode=ParseMode.HTML,
                    reply_markup=_keyboard(m), link_preview_options=LinkPreviewOptions(is_disabled=True)))
            except Forbidden as exc:  # blocked or removed while the model was writing
                raise self._unreachable(chat_id, str(exc)) from None
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    log.warning("could not update the card of %s in %s (%s)",
                                card.paper.versioned_id, chat_id, exc)
        for old in sent[len(fresh):]:
            if old is not None:
                with contextlib.suppress(TelegramError):
                    await self._paced(chat_id, lambda o=old: bot.delete_message(o.chat_id, o.message_id))
        await self._send_figures(str(chat_id), better)  # held back until the model's card came

    async def _send_album(self, chat_id: int, album: FigureAlbum, *, bulk: bool = False) -> None:
        """A paper's figures as one photo or an album (≤ 10), each with its caption; a photo
        Telegram refuses (dimensions, processing) costs only the photos, never the chat."""
        assert self._app is not None
        bot = self._app.bot
        captions = [f.caption or f.label for f in album.figures[:10]]
        if album.note:  # the credit and licence, once, on the first photo
            captions[0] = f"{album.note}\n{captions[0]}"
        media = [
            InputMediaPhoto(f.data, caption=_caption(c), filename=f.filename)
            for f, c in zip(album.figures[:10], captions, strict=True)
        ]
        try:
            if len(media) == 1:
                figure = album.figures[0]
                await self._paced(chat_id, lambda: bot.send_photo(
                    chat_id, figure.data, caption=_caption(captions[0]),
                    filename=figure.filename), bulk=bulk)
            else:
                await self._paced(chat_id, lambda: bot.send_media_group(chat_id, media), bulk=bulk)  # type: ignore[arg-type,return-value]
        except Forbidden as exc:
            raise self._unreachable(chat_id, str(exc)) from None
        except BadRequest as exc:
            log.warning("Telegram refused the figures of %s (%s); sending the link instead",
                        album.paper.versioned_id, exc)
            link = album.link or album.paper.abs_url
            await self._send_one(chat_id, TelegramMessage(f"Figures: {link}"), None, bulk=bulk)

    async def _send_one(
        self, chat_id: int, message: TelegramMessage, reply_to: int | None, *, bulk: bool = False
    ) -> tuple[int, Message | None]:
        """Send with pacing and retries; returns the chat id used (it changes on migration)
        and the message sent (None when it went out as plain text)."""
        attempts = self._settings.send_retries + 1
        for attempt in range(attempts):
            try:
                posted = await self._paced(
                    chat_id, lambda c=chat_id, r=reply_to, m=message: self._post(c, m, r), bulk=bulk)
                return chat_id, posted
            except ChatMigrated as exc:
                new_id = int(exc.new_chat_id)
                self._migrate(chat_id, new_id)
                chat_id = new_id
            except Forbidden as exc:
                raise self._unreachable(chat_id, str(exc)) from None
            except BadRequest as exc:
                text = str(exc).lower()
                if any(marker in text for marker in _GONE):
                    raise self._unreachable(chat_id, str(exc)) from None
                if "parse entities" in text or "too long" in text:
                    # Our renderer is meant to prevent this; never lose the message over it.
                    log.error("Telegram rejected our HTML (%s); resending as plain text", exc)
                    posted = await self._paced(
                        chat_id, lambda c=chat_id, m=message: self._post_plain(c, m), bulk=bulk)
                    return chat_id, posted
                if "message to be replied not found" in text and reply_to is not None:
                    reply_to = None
                    continue
                if message.buttons and "button" in text:
                    log.error("Telegram refused a button (%s); sending the message without them", exc)
                    message = TelegramMessage(message.html)
                    continue
                raise MessageRejected(str(exc)) from None
            except RetryAfter as exc:  # the limiter already waited send_retries times
                log.warning("flood control in chat %s persists (%s)", chat_id, exc)
                await asyncio.sleep(_retry_after_s(exc))
            except NetworkError as exc:
                if _maybe_delivered(exc):
                    # The request left: Telegram may have shown it. A repeat is worse than a
                    # gap (and a digest records it as sent), so it is not sent again.
                    log.warning("no answer from Telegram for a message to %s (%s); it may have "
                                "arrived, so it is not sent again", chat_id, exc)
                    return chat_id, None
                if attempt == attempts - 1:
                    raise
                delay = min(2.0**attempt, 30.0) * 0.5
                log.warning("network error sending to %s (%s); retry in %.1fs", chat_id, exc, delay)
                await asyncio.sleep(delay)
        raise NetworkError(f"could not deliver to chat {chat_id} after {attempts} attempts")

    async def _post(self, chat_id: int, message: TelegramMessage, reply_to: int | None) -> Message:
        assert self._app is not None
        return await self._app.bot.send_message(
            chat_id,
            message.html,
            parse_mode=ParseMode.HTML,
            reply_markup=_keyboard(message),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_parameters=(
                ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
            ),
        )

    async def _post_plain(self, chat_id: int, message: TelegramMessage) -> Message:
        assert self._app is not None
        return await self._app.bot.send_message(
            chat_id, visible_text(message.html)[:4096], reply_markup=_keyboard(message),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )

    async def _paced(
        self, chat_id: int, post: Callable[[], Awaitable[Any]], *, bulk: bool = False
    ) -> Any:
        """At most one message per ``per_chat_interval_s`` in a chat (Telegram's guidance),
        within the bot's overall budget (replies before ``bulk`` digest messages)."""
        return await self._pacer.run(chat_id, post, bulk=bulk)

    def _spawn(self, work: Coroutine[Any, Any, None], update: object = None) -> None:
        """Run ``work`` as a tracked background task: PTB's handler returns at once, so a slow
        answer (a new summary, /digest, figures) never holds up anyone else's."""
        task = asyncio.create_task(self._guarded(work, update))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _guarded(self, work: Coroutine[Any, Any, None], update: object) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except ChatUnreachable:
            pass
        except Exception as exc:  # noqa: BLE001 - reported to the log and the user, like PTB's
            await self._report(update, exc)

    def _unreachable(self, chat_id: int, reason: str) -> ChatUnreachable:
        self._lifecycle.unreachable(ChatRef(PLATFORM, str(chat_id)), reason)
        return ChatUnreachable(str(chat_id), reason)

    def _migrate(self, old: int, new: int) -> None:
        self._lifecycle.moved(ChatRef(PLATFORM, str(old)), ChatRef(PLATFORM, str(new)))

    # -- receiving -------------------------------------------------------------------------------

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self._spawn(self._answer_message(update), update)

    async def _answer_message(self, update: Update) -> None:
        message = update.effective_message
        chat = update.effective_chat
        if message is None or chat is None:
            return
        if message.from_user and message.from_user.is_bot and message.sender_chat is None:
            return  # other bots (anonymous admins post as @GroupAnonymousBot with sender_chat)
        text = message.text or message.caption or ""
        incoming = await self._incoming(message, text)
        if incoming is None:
            return
        typing = asyncio.create_task(self._keep_typing(chat.id))
        try:
            reply = await self._commands.handle(incoming)
        finally:
            typing.cancel()
        if reply is not None and reply.items:
            try:
                await self._send_answer(
                    str(chat.id), reply, message.message_id if incoming.is_group else None)
            except ChatUnreachable:
                return
            self._follow_with_figures(str(chat.id), reply)

    def _follow_with_figures(self, chat_id: str, reply: Reply) -> None:
        """After on-demand cards, their figures, when ready (the card never waits for them)."""
        for card in reply.cards:
            if not card.provisional:  # the upgraded card's figures come with the model's text
                self._spawn(self._send_figures(chat_id, card))

    async def _send_figures(self, chat_id: str, card: PaperCard) -> None:
        try:
            figures = await self._commands.figures_for(card)
            if figures is not None:
                await self.send(chat_id, figures)
        except ChatUnreachable:
            pass
        except Exception:
            log.exception("sending the figures of %s failed", card.paper.versioned_id)

    async def _incoming(self, message: Message, text: str) -> Incoming | None:
        chat = message.chat
        is_group = chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
        if chat.type == ChatType.CHANNEL:
            return None
        command = parse_command(text)
        target = ""
        if command is not None and is_group:
            target = (text.split(maxsplit=1)[0].partition("@")[2]).lower()
            if target and target != self._bot_username:
                return None  # a command for another bot in this group
        mentioned = bool(self._bot_username) and f"@{self._bot_username}" in text.lower()
        replied = bool(
            message.reply_to_message and message.reply_to_message.from_user
            and message.reply_to_message.from_user.id == self._bot_id
        )
        user = message.from_user
        can_manage = not is_group  # anyone manages a private chat
        if is_group and command is not None:
            can_manage = await self._is_admin(message)
        # Anonymous admins (@GroupAnonymousBot) and people posting as a channel share one user
        # id across Telegram: the chat they speak for is who they are (quotas, cooldowns).
        sender = f"chat:{message.sender_chat.id}" if message.sender_chat else None
        return Incoming(
            chat=ChatRef(PLATFORM, str(chat.id)),
            user_id=sender or (str(user.id) if user else str(chat.id)),
            text=text,
            is_group=is_group,
            # In a group, a bare /command may be meant for another bot: "addressed" says it
            # named us, so the core answers unknown commands only then.
            addressed=not is_group or mentioned or replied or bool(target),
            can_manage=can_manage,
            user_name=(user.username or user.first_name) if user else "",
        )

    async def _is_admin(self, message: Message) -> bool:
        """Group admins (and anonymous admins posting as the group) manage the chat's settings."""
        chat = message.chat
        if message.sender_chat is not None and message.sender_chat.id == chat.id:
            return True
        if message.from_user is None:
            return False
        key = (chat.id, message.from_user.id)
        cached = self._admins.get(key)
        if cached is not None:
            return cached
        try:
            member = await message.get_bot().get_chat_member(chat.id, message.from_user.id)
            admin = member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
        except TelegramError:
            log.warning("could not check admin rights in %s", chat.id, exc_info=True)
            return False
        self._admins[key] = admin
        return admin

    async def _keep_typing(self, chat_id: int) -> None:
        """Show "typing…" while a slow answer (a new summary) is being written."""
        with contextlib.suppress(TelegramError):
            await asyncio.sleep(_TYPING_AFTER_S)
            while self._app is not None:
                await self._app.bot.send_chat_action(chat_id, ChatAction.TYPING)
                await asyncio.sleep(_TYPING_EVERY_S)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button under a reply (a compact digest's numbers): a core action, answered in chat."""
        self._spawn(self._answer_button(update), update)

    async def _answer_button(self, update: Update) -> None:
        query = update.callback_query
        if query is None:
            return
        action = Action.parse(query.data or "")
        message = query.message
        if action is None or message is None:
            with contextlib.suppress(TelegramError):
                await query.answer()
            return
        chat = message.chat
        is_group = chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
        incoming = Incoming(
            chat=ChatRef(PLATFORM, str(chat.id)),
            user_id=str(query.from_user.id),
            text="",
            is_group=is_group,
            can_manage=not is_group,
            user_name=query.from_user.username or query.from_user.first_name,
            action=action,
        )
        refused = self._commands.press_refusal(incoming)
        with contextlib.suppress(TelegramError):
            await query.answer(refused)  # a toast on the button, for the presser only
        if refused is not None:
            return
        reply = await self._commands.handle(incoming)
        if reply is not None and reply.items:
            with contextlib.suppress(ChatUnreachable):
                await self._send_answer(str(chat.id), reply, message.message_id)

    async def _on_member_change(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None:
            return
        ref = ChatRef(PLATFORM, str(change.chat.id))
        status = change.new_chat_member.status
        if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
            self._lifecycle.unreachable(ref, f"bot {status} by the user or an admin")
        elif status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR):
            self._lifecycle.reachable(ref)

    async def _on_migrate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.migrate_to_chat_id:
            self._migrate(message.chat.id, int(message.migrate_to_chat_id))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB's error handler (errors inside PTB's own dispatch)."""
        await self._report(update, context.error)

    async def _report(self, update: object, error: BaseException | None) -> None:
        """The one error report: log with the traceback, and never leave the user in silence."""
        log.error("error while handling a Telegram update", exc_info=error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(TelegramError, ChatUnreachable):
                await self.send(
                    str(update.effective_chat.id),
                    Reply.notice("Something went wrong on our side; it has been logged. Please try again.",
                                 Tone.ERROR),
                )

    def _on_polling_error(self, exc: TelegramError) -> None:
        log.warning("Telegram polling error: %s", exc)


def _maybe_delivered(exc: NetworkError) -> bool:
    """Which side of "maybe delivered" a network error is on. Nothing or not all of the request
    left (refused, connect or pool timeout, a write that failed or timed out, a kept-alive
    connection the server had already closed: "disconnected without sending a response"):
    safe to send again. The request left and the answer did not come (a read timeout, a read
    error): Telegram may have shown it, so it is never sent again blindly."""
    cause = exc.__cause__
    if "pool timeout" in str(exc).lower():
        return False  # PTB's own message: "Request was *not* sent to Telegram"
    return isinstance(cause, httpx.ReadTimeout | httpx.ReadError)


def _keyboard(message: TelegramMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, url=b.url, callback_data=b.callback_data) for b in row]
         for row in message.buttons]
    )


def _caption(text: str) -> str:
    """A photo caption within Telegram's 1024 characters, counted as Telegram does (UTF-16
    units: math italics from PDFs count twice); plain text, no markup."""
    text = "\n".join(" ".join(line.split()) for line in text.splitlines())
    if len(text.encode("utf-16-le")) // 2 <= 1024:
        return text
    kept, units = [], 0
    for char in text:
        units += 2 if ord(char) > 0xFFFF else 1
        if units > 1023:
            break
        kept.append(char)
    return "".join(kept) + "…"


def _retry_after_s(exc: RetryAfter) -> float:
    value = exc._retry_after  # int seconds or timedelta, without PTB's deprecation warning
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value)
    return seconds + 0.1
