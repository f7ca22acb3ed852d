"""Wire-level pieces of the fake Bot API: error answers, recorded calls, request decoding."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.telegram_entities import ParsedText, utf16_len
from tests.fakes.telegram_updates import JSON

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
# Parameters PTB sends JSON-encoded inside a form (non-string values).
JSON_PARAMS = frozenset(
    {"reply_markup", "entities", "caption_entities", "media", "allowed_updates", "commands",
     "scope", "link_preview_options", "reply_parameters"}
)  # fmt: skip
# Scalar parameters recorded as int / bool instead of the form's strings.
INT_PARAMS = frozenset(
    {"chat_id", "message_id", "user_id", "offset", "limit", "timeout", "reply_to_message_id",
     "cache_time", "message_thread_id"}
)  # fmt: skip
BOOL_PARAMS = frozenset(
    {"disable_notification", "protect_content", "drop_pending_updates", "show_alert",
     "allow_sending_without_reply", "has_spoiler", "show_caption_above_media"}
)  # fmt: skip
# Methods that deliver something to the chat (a blocked user refuses all of them).
DELIVERY = frozenset(
    {"sendmessage", "sendphoto", "sendmediagroup", "editmessagetext", "deletemessage",
     "sendchataction"}
)  # fmt: skip
# Methods that count against flood control (fake.flood and the automatic rate check).
COUNTED = frozenset({"sendmessage", "sendphoto", "sendmediagroup", "editmessagetext"})
DEFAULT_ALLOWED = frozenset(
    {"message", "edited_message", "channel_post", "edited_channel_post", "inline_query",
     "chosen_inline_result", "callback_query", "my_chat_member", "chat_join_request"}
)  # fmt: skip
ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
     "upload_document", "choose_sticker", "find_location", "record_video_note",
     "upload_video_note"}
)  # fmt: skip
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description and optional parameters."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass(frozen=True, slots=True)
class Upload:
    """A file the client uploaded in a multipart request."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One call the client made: method name as sent, decoded parameters, when, and the answer."""

    method: str
    form: dict[str, Any]
    time: float  # time.monotonic() when it arrived
    status: int
    description: str | None = None


@dataclass(slots=True)
class SentMessage:
    """A message the bot delivered to a chat; edits and deletion apply to it."""

    chat_id: int
    message_id: int
    method: str
    text: str | None  # as sent (HTML source when parse_mode is HTML); None for photos
    parse_mode: str | None
    visible: str  # text or caption after entity parsing: what the user reads
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    photo: str | bytes | None = None  # URL / file_id, or the uploaded bytes
    caption: str | None = None
    reply_to: int | None = None
    media_group_id: str | None = None
    date: int = 0
    edits: int = 0
    deleted: bool = False

    @property
    def buttons(self) -> list[list[JSON]]:
        """The inline keyboard rows, or an empty list."""
        return list((self.reply_markup or {}).get("inline_keyboard", []))


@dataclass(slots=True)
class RateBucket:
    capacity: float
    per_second: float
    tokens: float
    stamp: float

    def take(self, at: float) -> float:
        """Consume one token; return 0 or the seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (at - self.stamp) * self.per_second)
        self.stamp = at
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


def int_param(params: JSON, key: str) -> int:
    value = params.get(key)
    if value is None or value == "":
        raise ApiError(400, f"Bad Request: {key} is empty")
    try:
        return int(value)
    except (TypeError, ValueError):
        if key == "chat_id":
            raise ApiError(400, "Bad Request: chat not found") from None
        raise ApiError(400, f"Bad Request: invalid {key} specified") from None


def flag(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")


def strip_parsed(parsed: ParsedText) -> ParsedText:
    """Telegram trims surrounding whitespace and moves the entities with the text."""
    text = parsed.text.strip()
    if text == parsed.text:
        return parsed
    lead = utf16_len(parsed.text[: len(parsed.text) - len(parsed.text.lstrip())])
    size = utf16_len(text)
    entities = []
    for entity in parsed.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(text, entities)


async def read_params(request: web.Request) -> JSON:
    """Query string plus form, multipart or JSON body; JSON-encoded values decoded."""
    params: JSON = dict(request.query)
    if request.body_exists:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    params[key] = Upload(value.filename, value.content_type, value.file.read())
                else:
                    params[key] = value
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        if key in JSON_PARAMS:
            try:
                params[key] = json.loads(value)
            except ValueError:
                raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
        elif key in INT_PARAMS and value.lstrip("-").isdigit():
            params[key] = int(value)
        elif key in BOOL_PARAMS and value in ("true", "false"):
            params[key] = value == "true"
    return params
