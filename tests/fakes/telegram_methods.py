"""The Bot API methods the fake serves, answering like Telegram (see ``telegram_api``)."""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any

from tests.fakes.telegram_entities import EntityParseError, ParsedText, parse_html, utf16_len
from tests.fakes.telegram_records import (
    ACTIONS,
    COUNTED,
    DELIVERY,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    NOT_MODIFIED,
    ApiError,
    RateBucket,
    SentMessage,
    Upload,
    flag,
    int_param,
    strip_parsed,
)
from tests.fakes.telegram_updates import (
    JSON,
    chat_json,
    default_chat_type,
    full_chat_json,
    member_json,
    now,
    user_json,
)


class BotApiMethods:
    """Chat state and one ``_m_<method>`` per Bot API method; TelegramFake adds HTTP and controls."""

    bot_user: JSON
    strict_ampersand: bool
    check_markup: bool
    sent: list[SentMessage]
    commands: dict[str, list[JSON]]
    _updates: list[JSON]
    _chats: dict[int, JSON]
    _next_message_id: dict[int, int]
    _bot_messages: dict[tuple[int, int], SentMessage]
    _user_messages: dict[tuple[int, int], JSON]
    _callbacks: set[str]
    _admins: dict[int, tuple[int | None, set[int]]]
    _blocked: set[int]
    _kicked: set[int]
    _left: set[int]
    _migrated: dict[int, int]
    _floods: dict[int, list[int]]
    _rates: tuple[float, float, float, float] | None
    _buckets: dict[int, RateBucket]

    def _notify(self) -> None:
        raise NotImplementedError

    def sent_to(self, chat_id: int, *, include_deleted: bool = False) -> list[SentMessage]:
        """Messages the bot delivered to one chat, in order."""
        return [m for m in self.sent if m.chat_id == chat_id and (include_deleted or not m.deleted)]

    def _check_chat(self, name: str, chat_id: int) -> None:
        """Refuse calls about a migrated, kicked, left or blocked chat, then apply flood control."""
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        kind = self._chat(chat_id)["type"]
        if chat_id in self._kicked:
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if chat_id in self._left:
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        if name in DELIVERY and chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if name in COUNTED:
            self._check_flood(chat_id, kind)

    def _check_flood(self, chat_id: int, kind: str) -> None:
        flood = self._floods.get(chat_id)
        wait = 0.0
        if flood and flood[0] > 0:
            flood[0] -= 1
            wait = flood[1]
        elif self._rates is not None:
            wait = self._bucket(chat_id, kind).take(time.monotonic())
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ApiError(
                429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
            )

    def _bucket(self, chat_id: int, kind: str) -> RateBucket:
        assert self._rates is not None
        private_rate, private_burst, group_rate, group_burst = self._rates
        if chat_id not in self._buckets:
            rate, burst = (private_rate, private_burst) if kind == "private" else (
                group_rate, group_burst)  # fmt: skip
            self._buckets[chat_id] = RateBucket(burst, rate, burst, time.monotonic())
        return self._buckets[chat_id]

    # -- chats and messages --------------------------------------------------------------------

    def _chat(self, chat_id: int) -> JSON:
        if chat_id not in self._chats:
            self._chats[chat_id] = chat_json(chat_id, default_chat_type(chat_id))
        return self._chats[chat_id]

    def _new_message_id(self, chat_id: int) -> int:
        self._next_message_id[chat_id] = self._next_message_id.get(chat_id, 0) + 1
        return self._next_message_id[chat_id]

    def _reply_target(self, chat_id: int) -> JSON:
        mine = self.sent_to(chat_id)
        if mine:
            return self._message_json(mine[-1])
        return {
            "message_id": self._new_message_id(chat_id),
            "date": now(),
            "chat": self._chat(chat_id),
            "from": self.bot_user,
            "text": "Hello",
        }

    def _parse(self, text: str, parse_mode: Any, entities: Any) -> ParsedText:
        if isinstance(parse_mode, str) and parse_mode.lower() == "html" and not self.check_markup:
            return ParsedText(re.sub(r"<[^>]*>", "", text), [])
        if isinstance(parse_mode, str) and parse_mode.lower() == "html":
            try:
                parsed = parse_html(text, strict_ampersand=self.strict_ampersand)
            except EntityParseError as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        else:
            parsed = ParsedText(text, list(entities or []))
        return strip_parsed(parsed)

    def _text(self, params: JSON) -> ParsedText:
        parsed = self._parse(str(params.get("text", "")), params.get("parse_mode"),
                             params.get("entities"))  # fmt: skip
        if not parsed.text:
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(parsed.text) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return parsed

    def _caption(self, caption: Any, parse_mode: Any, entities: Any) -> ParsedText:
        parsed = self._parse(str(caption or ""), parse_mode, entities)
        if utf16_len(parsed.text) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        return parsed

    def _reply_to(self, chat_id: int, params: JSON) -> int | None:
        reply = params.get("reply_parameters") or {}
        target = reply.get("message_id", params.get("reply_to_message_id"))
        if target is None:
            return None
        key = (int(reply.get("chat_id", chat_id)), int(target))
        exists = key in self._user_messages or (
            key in self._bot_messages and not self._bot_messages[key].deleted
        )
        allow = reply.get("allow_sending_without_reply", params.get("allow_sending_without_reply"))
        if not exists and not flag(allow):
            raise ApiError(400, "Bad Request: message to be replied not found")
        return int(target)

    def _deliver(self, message: SentMessage) -> SentMessage:
        message.message_id = self._new_message_id(message.chat_id)
        message.date = now()
        self._bot_messages[(message.chat_id, message.message_id)] = message
        self.sent.append(message)
        self._notify()
        return message

    def _message_json(self, m: SentMessage) -> JSON:
        out: JSON = {
            "message_id": m.message_id,
            "date": m.date,
            "chat": self._chat(m.chat_id),
            "from": self.bot_user,
        }
        if m.photo is not None:
            size = len(m.photo) if isinstance(m.photo, bytes) else 1000
            uid = f"{m.chat_id}_{m.message_id}"
            out["photo"] = [
                {"file_id": f"photo-{uid}", "file_unique_id": f"u{uid}", "width": 800,
                 "height": 600, "file_size": size}
            ]  # fmt: skip
            if m.visible:
                out["caption"] = m.visible
            if m.entities:
                out["caption_entities"] = m.entities
        else:
            out["text"] = m.visible
            if m.entities:
                out["entities"] = m.entities
        if m.reply_markup and "inline_keyboard" in m.reply_markup:
            out["reply_markup"] = m.reply_markup
        if m.media_group_id:
            out["media_group_id"] = m.media_group_id
        if m.edits:
            out["edit_date"] = now()
        target = m.reply_to and self._user_messages.get((m.chat_id, m.reply_to))
        if target:
            out["reply_to_message"] = target
        return out

    # -- methods -------------------------------------------------------------------------------

    async def _m_getMe(self, params: JSON) -> JSON:
        return self.bot_user

    async def _m_deleteWebhook(self, params: JSON) -> bool:
        if flag(params.get("drop_pending_updates")):
            self._updates.clear()
        return True

    async def _m_getWebhookInfo(self, params: JSON) -> JSON:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_setMyCommands(self, params: JSON) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name, description = str(command.get("command", "")), str(command.get("description", ""))
            valid = name.lstrip("/").replace("_", "a").isalnum() and name == name.lower()
            if not (1 <= len(name) <= 32 and valid):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        return self.commands.get(self._commands_key(params), [])

    async def _m_deleteMyCommands(self, params: JSON) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    @staticmethod
    def _commands_key(params: JSON) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    async def _m_sendMessage(self, params: JSON) -> JSON:
        chat_id = int_param(params, "chat_id")
        parsed = self._text(params)
        message = SentMessage(
            chat_id=chat_id,
            message_id=0,
            method="sendMessage",
            text=str(params["text"]),
            parse_mode=params.get("parse_mode"),
            visible=parsed.text,
            entities=parsed.entities,
            reply_markup=params.get("reply_markup"),
            reply_to=self._reply_to(chat_id, params),
        )
        return self._message_json(self._deliver(message))

    async def _m_sendPhoto(self, params: JSON) -> JSON:
        chat_id = int_param(params, "chat_id")
        photo = params.get("photo")
        if not photo:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        caption = params.get("caption")
        parsed = self._caption(caption, params.get("parse_mode"), params.get("caption_entities"))
        message = SentMessage(
            chat_id=chat_id,
            message_id=0,
            method="sendPhoto",
            text=None,
            parse_mode=params.get("parse_mode"),
            visible=parsed.text,
            entities=parsed.entities,
            reply_markup=params.get("reply_markup"),
            photo=photo.data if isinstance(photo, Upload) else str(photo),
            caption=caption,
            reply_to=self._reply_to(chat_id, params),
        )
        return self._message_json(self._deliver(message))

    async def _m_sendMediaGroup(self, params: JSON) -> list[JSON]:
        chat_id = int_param(params, "chat_id")
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media items: must be 2-10")
        reply_to = self._reply_to(chat_id, params)
        items = []
        for item in media:
            source = item.get("media", "")
            if isinstance(source, str) and source.startswith("attach://"):
                upload = params.get(source[len("attach://") :])
                if not isinstance(upload, Upload):
                    raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
                source = upload.data
            caption = item.get("caption")
            parsed = self._caption(caption, item.get("parse_mode"), item.get("caption_entities"))
            items.append((source, caption, item.get("parse_mode"), parsed))
        group_id = f"group-{time.monotonic_ns()}"
        delivered = [
            self._deliver(
                SentMessage(
                    chat_id=chat_id,
                    message_id=0,
                    method="sendMediaGroup",
                    text=None,
                    parse_mode=mode,
                    visible=parsed.text,
                    entities=parsed.entities,
                    photo=source,
                    caption=caption,
                    reply_to=reply_to,
                    media_group_id=group_id,
                )
            )
            for source, caption, mode, parsed in items
        ]
        return [self._message_json(m) for m in delivered]

    async def _m_editMessageText(self, params: JSON) -> JSON:
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        key = (int_param(params, "chat_id"), int_param(params, "message_id"))
        message = self._bot_messages.get(key)
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.photo is not None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        parsed = self._text(params)
        markup = params.get("reply_markup")
        if (parsed.text, parsed.entities, markup) == (
            message.visible, message.entities, message.reply_markup
        ):  # fmt: skip
            raise ApiError(400, NOT_MODIFIED)
        message.text, message.parse_mode = str(params["text"]), params.get("parse_mode")
        message.visible, message.entities, message.reply_markup = (
            parsed.text,
            parsed.entities,
            markup,
        )
        message.edits += 1
        self._notify()
        return self._message_json(message)

    async def _m_deleteMessage(self, params: JSON) -> bool:
        key = (int_param(params, "chat_id"), int_param(params, "message_id"))
        sent = self._bot_messages.get(key)
        if sent is not None and not sent.deleted:
            sent.deleted = True
        elif key in self._user_messages:
            del self._user_messages[key]
        else:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._notify()
        return True

    async def _m_sendChatAction(self, params: JSON) -> bool:
        if params.get("action") not in ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _m_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._callbacks:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._callbacks.discard(query_id)
        return True

    def _status(self, chat_id: int, user_id: int) -> str:
        owner, admins = self._admins.get(chat_id, (None, set()))
        if user_id == owner:
            return "creator"
        return "administrator" if user_id in admins else "member"

    async def _m_getChatMember(self, params: JSON) -> JSON:
        chat_id, user_id = int_param(params, "chat_id"), int_param(params, "user_id")
        user = self.bot_user if user_id == self.bot_user["id"] else user_json(user_id)
        return member_json(user, self._status(chat_id, user_id))

    async def _m_getChatAdministrators(self, params: JSON) -> list[JSON]:
        chat_id = int_param(params, "chat_id")
        if self._chat(chat_id)["type"] == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        owner, admins = self._admins.get(chat_id, (None, set()))
        ids = ([owner] if owner is not None else []) + sorted(admins - {owner})
        return [member_json(user_json(uid), self._status(chat_id, uid)) for uid in ids]

    async def _m_getChat(self, params: JSON) -> JSON:
        return full_chat_json(self._chat(int_param(params, "chat_id")))

    async def _m_leaveChat(self, params: JSON) -> bool:
        chat_id = int_param(params, "chat_id")
        if self._chat(chat_id)["type"] == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        self._left.add(chat_id)
        return True
