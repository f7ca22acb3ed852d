"""A loopback fake of the Telegram Bot API: the real python-telegram-bot client talks to it.

Start it with ``async with TelegramFake(token="123:ABC") as fake:`` and point PTB at it with
``ApplicationBuilder().token(...).base_url(fake.base_url).base_file_url(fake.base_file_url)``.
It answers like Telegram where our bot depends on it: form/multipart/JSON requests, long-polled
``getUpdates`` with offsets, HTML validation and length limits after entity parsing (see
``telegram_entities``), 429 flood control with ``retry_after``, 403 blocked/kicked, 400 chat
migrated. Everything is recorded (``requests``, ``sent``) so tests assert what users would see.
The methods themselves live in ``telegram_methods``; wire-level records in ``telegram_records``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, Self

from aiohttp import web

from tests.fakes.telegram_methods import BotApiMethods
from tests.fakes.telegram_records import (
    DEFAULT_ALLOWED,
    DELIVERY,
    ApiError,
    RateBucket,
    RecordedRequest,
    SentMessage,
    Upload,
    int_param,
    read_params,
)
from tests.fakes.telegram_updates import (
    JSON,
    chat_json,
    default_chat_type,
    my_chat_member,
    text_message,
    user_json,
)

__all__ = ["ApiError", "RecordedRequest", "SentMessage", "TelegramFake", "Upload"]

log = logging.getLogger(__name__)


def _kind(update: JSON) -> str:
    """``message``, ``callback_query``, ...: the one field besides ``update_id``."""
    return next((key for key in update if key != "update_id"), "")


class TelegramFake(BotApiMethods):
    """The Bot API on 127.0.0.1: scripted failures, injected updates, every call recorded."""

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        bot_id: int = 4242,
        bot_username: str = "paperboy_test_bot",
        strict_ampersand: bool = True,
        check_markup: bool = True,
    ) -> None:
        self._token = token
        # False: HTML is not parsed (the visible text is the source with its tags dropped),
        # for latency benchmarks, where the fake's own parsing would delay the next request's
        # arrival (Telegram's servers do not make one chat's message wait for another's).
        self.check_markup = check_markup
        self.bot_user: JSON = {
            "id": bot_id, "is_bot": True, "first_name": "Paperboy", "username": bot_username,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False,
        }  # fmt: skip
        self.strict_ampersand = strict_ampersand
        self.port = 0
        self.requests: list[RecordedRequest] = []
        self.sent: list[SentMessage] = []
        self.commands: dict[str, list[JSON]] = {}
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._changed = asyncio.Event()
        self._updates: list[JSON] = []
        self._next_update_id = 1000
        self._allowed = DEFAULT_ALLOWED
        self._pollers: dict[asyncio.Future[str], web.Request] = {}
        self._chats: dict[int, JSON] = {}
        self._next_message_id: dict[int, int] = {}
        self._bot_messages: dict[tuple[int, int], SentMessage] = {}
        self._user_messages: dict[tuple[int, int], JSON] = {}
        self._callbacks: set[str] = set()
        self._next_callback = 1
        self._admins: dict[int, tuple[int | None, set[int]]] = {}
        self._blocked: set[int] = set()
        self._kicked: set[int] = set()
        self._left: set[int] = set()
        self._migrated: dict[int, int] = {}
        self._floods: dict[int, list[int]] = {}
        self._failures: dict[str, list[tuple[int, str]]] = {}
        self._delays: dict[str, list[float]] = {}
        self._rates: tuple[float, float, float, float] | None = None
        self._buckets: dict[int, RateBucket] = {}
        self._overall: RateBucket | None = None
        self.overall_429s = 0
        """429s answered because of the bot-wide limit (``enable_rate_limits(overall_per_second=)``)."""
        self._methods: dict[str, Callable[[JSON], Awaitable[Any]]] = {
            name[len("_m_") :].lower(): getattr(self, name)
            for name in dir(self)
            if name.startswith("_m_")
        }

    def __repr__(self) -> str:  # never show the token
        return f"TelegramFake(port={self.port}, sent={len(self.sent)})"

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)
        # access_log=None: request paths contain the bot token.
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.debug("fake Telegram Bot API listening on port %s", self.port)

    async def close(self) -> None:
        """Answer pending long polls and stop listening."""
        self._closing = True
        self._wake("close")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- controls for tests --------------------------------------------------------------------

    def flood(self, chat_id: int, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` sends to this chat answer 429 with ``retry_after`` seconds."""
        self._floods[chat_id] = [times, retry_after]

    def enable_rate_limits(
        self,
        *,
        private_per_second: float = 1.0,
        private_burst: float = 3,
        group_per_minute: float = 20,
        group_burst: float | None = None,
        overall_per_second: float | None = None,
        overall_burst: float | None = None,
    ) -> None:
        """Answer 429 when sends to one chat exceed Telegram's sustained rates (token buckets).

        ``overall_per_second`` (e.g. 30) also limits the bot's sends to all chats together, with
        a burst of ``overall_burst`` (default: one second's worth); None leaves that unlimited.
        """
        burst = group_per_minute if group_burst is None else group_burst
        self._rates = (private_per_second, private_burst, group_per_minute / 60, burst)
        self._buckets.clear()
        self._overall = None
        if overall_per_second is not None:
            capacity = overall_per_second if overall_burst is None else overall_burst
            self._overall = RateBucket(capacity, overall_per_second, capacity, time.monotonic())

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: deliveries answer 403."""
        self._blocked.add(chat_id)

    def kick(self, chat_id: int) -> None:
        """The bot was removed from the group: every call about it answers 403."""
        self._kicked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo block/kick/leave: the chat accepts messages again."""
        for chats in (self._blocked, self._kicked, self._left):
            chats.discard(chat_id)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """The group became a supergroup: calls about the old id answer 400 with the new id."""
        self._migrated[chat_id] = new_chat_id
        old = self._chat(chat_id)
        self._chats[new_chat_id] = {**old, "id": new_chat_id, "type": "supergroup"}

    def set_admins(self, chat_id: int, user_ids: list[int], *, owner: int | None = None) -> None:
        """Who getChatMember/getChatAdministrators report as owner and administrators."""
        self._admins[chat_id] = (owner, set(user_ids))

    def fail(
        self, method: str, status: int = 500, description: str = "", times: int = 1, *,
        after: int = 0,
    ) -> None:
        """The next ``times`` calls of ``method`` answer with this HTTP error (after ``after``
        calls that succeed: "the second part of a card fails")."""
        text = description or {500: "Internal Server Error", 502: "Bad Gateway"}.get(status, "")
        queued = self._failures.setdefault(method.lower(), [])
        queued.extend([(0, "")] * after + [(status, text)] * times)

    def slow(self, method: str, seconds: float, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` take ``seconds`` before answering."""
        self._delays.setdefault(method.lower(), []).extend([seconds] * times)

    def _check_flood(self, chat_id: int, kind: str) -> None:
        """The bot-wide limit first (it spends no chat's budget), then the chat's own."""
        if self._overall is not None:
            wait = self._overall.take(time.monotonic())
            if wait > 0:
                self.overall_429s += 1
                seconds = max(1, math.ceil(wait))
                raise ApiError(
                    429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
                )
        super()._check_flood(chat_id, kind)

    # -- what tests read -----------------------------------------------------------------------

    def calls(self, method: str) -> list[RecordedRequest]:
        """Recorded requests of one method (case-insensitive)."""
        return [r for r in self.requests if r.method.lower() == method.lower()]

    async def wait_for_messages(
        self, n: int, timeout: float = 5, *, chat_id: int | None = None
    ) -> list[SentMessage]:
        """Wait until ``n`` messages are shown (in ``chat_id``, or anywhere); fail clearly."""

        def current() -> list[SentMessage]:
            if chat_id is not None:
                return self.sent_to(chat_id)
            return [m for m in self.sent if not m.deleted]

        await self._wait_until(lambda: len(current()) >= n, timeout)
        if len(current()) < n:
            texts = [m.visible[:80] for m in current()]
            raise AssertionError(f"expected {n} messages, got {len(texts)} in {timeout}s: {texts}")
        return current()

    async def wait_for_requests(
        self, method: str, n: int = 1, timeout: float = 5
    ) -> list[RecordedRequest]:
        """Wait until ``method`` was called ``n`` times; fail clearly."""
        await self._wait_until(lambda: len(self.calls(method)) >= n, timeout)
        if len(self.calls(method)) < n:
            got = len(self.calls(method))
            raise AssertionError(f"expected {n} {method} calls, got {got} in {timeout}s")
        return self.calls(method)

    async def wait_for_poll(self, timeout: float = 5) -> None:
        """Wait until a getUpdates long poll is waiting (the bot is listening); fail clearly."""
        await self._wait_until(self._polling, timeout)
        if not self._polling():
            raise AssertionError(f"no getUpdates long poll waiting after {timeout}s")

    def _polling(self) -> bool:
        return any(not waiter.done() for waiter in self._pollers)

    async def _wait_until(self, ready: Callable[[], bool], timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not ready() and loop.time() < deadline:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), deadline - loop.time())
            except TimeoutError:
                return

    def _notify(self) -> None:
        self._changed.set()

    # -- injecting updates ---------------------------------------------------------------------

    def push_update(self, update: JSON) -> JSON:
        """Queue a raw update for getUpdates (``update_id`` assigned when missing)."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"])) + 1
        message = update.get("message")
        if isinstance(message, dict) and "chat" in message:
            key = (int(message["chat"]["id"]), int(message["message_id"]))
            self._user_messages[key] = message
            self._chats.setdefault(key[0], message["chat"])
        self._updates.append(update)
        self._wake("update")
        return update

    def user_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        reply_to_bot: bool = False,
        username: str | None = None,
        first_name: str = "Ada",
        title: str | None = None,
        sender_chat: int | None = None,
    ) -> JSON:
        """A user writes ``text`` in a chat; entities (commands, mentions, URLs) are detected.

        ``sender_chat``: posted on behalf of a chat, as Telegram does it: the group's own id
        for an anonymous admin (``from`` is @GroupAnonymousBot, 1087968824, shared by every
        anonymous admin everywhere), a channel's id for a user posting as that channel
        (``from`` is @Channel_Bot, 136817688).
        """
        known = self._chats.get(chat_id)
        chat_type = chat_type or (known or {}).get("type") or default_chat_type(chat_id)
        if user_id is None:
            user_id = chat_id if chat_type == "private" else 1001
        sender = user_json(user_id, username=username, first_name=first_name)
        title = title or (known or {}).get("title")
        chat = chat_json(chat_id, chat_type, title=title, user=sender)
        self._chats[chat_id] = chat
        reply_to = self._reply_target(chat_id) if reply_to_bot else None
        if sender_chat is not None:
            anonymous = sender_chat == chat_id
            sender = {"id": 1087968824 if anonymous else 136817688, "is_bot": True,
                      "first_name": "Group" if anonymous else "Channel",
                      "username": "GroupAnonymousBot" if anonymous else "Channel_Bot"}
        message = text_message(self._new_message_id(chat_id), chat, sender, text, reply_to)
        if sender_chat is not None:
            message["sender_chat"] = (
                chat if sender_chat == chat_id
                else {"id": sender_chat, "type": "channel", "title": f"Channel {sender_chat}"})
        return self.push_update({"message": message})

    def callback_query(
        self, chat_id: int, message_id: int, data: str, user_id: int | None = None
    ) -> JSON:
        """A user presses an inline button with ``data`` under one of the bot's messages."""
        sent = self._bot_messages.get((chat_id, message_id))
        message = (
            self._message_json(sent)
            if sent is not None
            else {"message_id": message_id, "date": 0, "chat": self._chat(chat_id)}
        )
        query_id = str(self._next_callback)
        self._next_callback += 1
        self._callbacks.add(query_id)
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 1001)
        query = {
            "id": query_id,
            "from": user_json(uid),
            "message": message,
            "chat_instance": str(abs(chat_id)),
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def bot_removed(self, chat_id: int, *, user_id: int | None = None) -> JSON:
        """The user blocked the bot (private) or an admin removed it (group); sends then fail."""
        chat = self._chat(chat_id)
        uid = user_id if user_id is not None else (chat_id if chat_id > 0 else 1001)
        if chat["type"] == "private":
            new_status = "kicked"
            self._blocked.add(chat_id)
        else:
            new_status = "kicked" if chat["type"] == "supergroup" else "left"
            self._kicked.add(chat_id)
        change = my_chat_member(chat, user_json(uid), self.bot_user, "member", new_status)
        return self.push_update({"my_chat_member": change})

    def _wake(self, reason: str) -> None:
        for waiter in list(self._pollers):
            if not waiter.done():
                waiter.set_result(reason)

    # -- HTTP ----------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        arrived = time.monotonic()
        params: JSON = {}
        try:
            params = await read_params(request)
            if not hmac.compare_digest(request.match_info["token"], self._token):
                raise ApiError(401, "Unauthorized")
            payload: JSON = {"ok": True, "result": await self._dispatch(method, params, request)}
            status = 200
        except ApiError as error:
            status, payload = error.status, error.body()
        except Exception:
            log.exception("fake Telegram failed on %s", method)
            status = 500
            payload = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        self.requests.append(
            RecordedRequest(method, params, arrived, status, payload.get("description"))
        )
        self._notify()
        log.debug("%s %s -> %s", request.method, method, status)
        return web.json_response(payload, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": 404, "description": "Not Found"}
        return web.json_response(body, status=404)

    async def _dispatch(self, method: str, params: JSON, request: web.Request) -> Any:
        name = method.lower()
        handler = self._methods.get(name)
        if handler is None and name != "getupdates":
            raise ApiError(404, "Not Found")
        delays = self._delays.get(name)
        if delays:
            await asyncio.sleep(delays.pop(0))
        failures = self._failures.get(name)
        if failures:
            status, text = failures.pop(0)
            if status:  # 0: a call let through before the failures ("after")
                raise ApiError(status, text)
        if name == "getupdates":
            return await self._get_updates(params, request)
        if "chat_id" in params or name in DELIVERY:
            self._check_chat(name, int_param(params, "chat_id"))
        assert handler is not None
        return await handler(params)

    async def _get_updates(self, params: JSON, request: web.Request) -> list[JSON]:
        """Long poll: answer at once when updates are queued, else wait up to ``timeout``."""
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        if isinstance(params.get("allowed_updates"), list):
            self._allowed = frozenset(params["allowed_updates"]) or DEFAULT_ALLOWED
        for earlier, other in list(self._pollers.items()):  # only one poller per bot
            if not earlier.done():
                gone = other.transport is None or other.transport.is_closing()
                earlier.set_result("gone" if gone else "conflict")
        if offset > 0:  # confirms (forgets) every update before it
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            ready = [u for u in self._updates if _kind(u) in self._allowed]
            ready = ready[offset:] if offset < 0 else ready
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or self._closing:
                return ready[:limit]
            waiter: asyncio.Future[str] = loop.create_future()
            self._pollers[waiter] = request
            self._notify()
            try:
                reason = await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                reason = "timeout"
            finally:
                self._pollers.pop(waiter, None)
            if reason == "conflict":
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            if reason == "gone":
                return []
