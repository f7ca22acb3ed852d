"""Wire-level pieces of the fake Discord: errors, limits, records, the guild model, snowflakes.

Discord answers every failure with ``{"message", "code", "errors"?}`` and the right HTTP status;
discord.py turns those into ``HTTPException``/``Forbidden``/``NotFound`` carrying ``.code``, so
tests of the bot can assert on the exact failure a user would cause. The validation here follows
the documented limits (message.mdx "Embed Limits", application-commands.mdx) rather than
discord.py, which checks almost none of them itself.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

JSON = dict[str, Any]

# -- permission and intent bits (developers/topics/permissions.mdx, events/gateway.mdx) ----------

ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
ALL_PERMISSIONS = (1 << 51) - 1
DEFAULT_EVERYONE = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS | USE_APPLICATION_COMMANDS
)  # fmt: skip
DEFAULT_BOT = DEFAULT_EVERYONE
# What Discord reports as app_permissions in a DM with the bot (receiving-and-responding.mdx).
DM_APP_PERMISSIONS = DEFAULT_EVERYONE | MENTION_EVERYONE

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

# -- limits (resources/message.mdx, components/reference.mdx, section 9 of FACTS.md) --------------

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_FILES = 10
FILE_SIZE_LIMIT = 10 * 1024 * 1024
MAX_REQUEST_SIZE = 25 * 1024 * 1024
DISCORD_EPOCH_MS = 1_420_070_400_000


class ErrorKind(NamedTuple):
    """One of Discord's error answers: HTTP status, JSON error code, message."""

    status: int
    code: int
    message: str


UNAUTHORIZED = ErrorKind(401, 0, "401: Unauthorized")
NOT_FOUND = ErrorKind(404, 0, "404: Not Found")
UNKNOWN_CHANNEL = ErrorKind(404, 10003, "Unknown Channel")
UNKNOWN_MESSAGE = ErrorKind(404, 10008, "Unknown Message")
UNKNOWN_USER = ErrorKind(404, 10013, "Unknown User")
UNKNOWN_WEBHOOK = ErrorKind(404, 10015, "Unknown Webhook")
UNKNOWN_INTERACTION = ErrorKind(404, 10062, "Unknown interaction")
TOO_MANY_ATTACHMENTS = ErrorKind(
    400, 30015, "Maximum number of attachments in a message reached (10)"
)
TOO_LARGE = ErrorKind(413, 40005, "Request entity too large")
ALREADY_ACKNOWLEDGED = ErrorKind(400, 40060, "Interaction has already been acknowledged.")
MISSING_ACCESS = ErrorKind(403, 50001, "Missing Access")
CANNOT_EDIT = ErrorKind(403, 50005, "Cannot edit a message authored by another user")
EMPTY_MESSAGE = ErrorKind(400, 50006, "Cannot send an empty message")
CANNOT_DM = ErrorKind(403, 50007, "Cannot send messages to this user")
MISSING_PERMISSIONS = ErrorKind(403, 50013, "Missing Permissions")
INVALID_FORM_BODY = ErrorKind(400, 50035, "Invalid Form Body")
INVALID_JSON = ErrorKind(400, 50109, "The request body contains invalid JSON.")
RATE_LIMITED = "You are being rate limited."


class ApiError(Exception):
    """An error answer; 429s carry ``retry_after``/``global`` and their rate-limit headers."""

    def __init__(
        self,
        kind: ErrorKind,
        errors: JSON | None = None,
        *,
        retry_after: float | None = None,
        is_global: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(kind.message)
        self.kind, self.errors = kind, errors
        self.retry_after, self.is_global = retry_after, is_global
        self.headers = dict(headers or {})

    @property
    def status(self) -> int:
        return self.kind.status

    def body(self) -> JSON:
        if self.kind.status == 429:
            body: JSON = {"message": self.kind.message, "retry_after": self.retry_after}
            body["global"] = self.is_global
            if self.kind.code:
                body["code"] = self.kind.code
            return body
        body = {"message": self.kind.message, "code": self.kind.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def rate_limit_headers(
    limit: int, remaining: int, reset_after: float, bucket: str, scope: str | None = None
) -> dict[str, str]:
    """The ``X-RateLimit-*`` headers discord.py reads (``Via`` marks it as not Cloudflare)."""
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }
    if scope is not None:  # only on 429s
        headers["X-RateLimit-Scope"] = scope
        headers["Retry-After"] = str(max(1, math.ceil(reset_after)))
        if scope == "global":
            headers["X-RateLimit-Global"] = "true"
    return headers


def rate_limited(
    retry_after: float,
    *,
    limit: int,
    bucket: str,
    scope: str,
    message: str = RATE_LIMITED,
    code: int = 0,
) -> ApiError:
    """A 429 like Discord's: JSON ``retry_after`` in seconds plus the headers."""
    return ApiError(
        ErrorKind(429, code, message),
        retry_after=round(retry_after, 3),
        is_global=scope == "global",
        headers=rate_limit_headers(limit, 0, retry_after, bucket, scope),
    )


@dataclass(slots=True)
class RateWindow:
    """A fixed window of ``limit`` requests per ``period`` seconds (one Discord bucket)."""

    limit: int
    period: float
    start: float = -math.inf
    count: int = 0

    def hit(self, now: float) -> float:
        """Count one request; 0 if allowed, else the seconds until the window resets."""
        if now - self.start >= self.period:
            self.start, self.count = now, 0
        if self.count >= self.limit:
            return self.reset_after(now)
        self.count += 1
        return 0.0

    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    def reset_after(self, now: float) -> float:
        return max(0.0, self.start + self.period - now)


# -- snowflakes ----------------------------------------------------------------------------------


class Snowflakes:
    """Increasing ids that encode the current time, so discord.py's ``created_at`` is right."""

    def __init__(self) -> None:
        self._last = 0

    def __call__(self) -> int:
        now = ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | 1
        self._last = max(now, self._last + 1)
        return self._last


def snowflake_time(snowflake: int) -> str:
    """ISO timestamp encoded in an id (Discord's message ``timestamp`` is exactly this)."""
    millis = (snowflake >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, UTC).isoformat()


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


# -- records -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentFile:
    """A file the bot uploaded (multipart ``files[n]``)."""

    id: int
    filename: str
    content_type: str
    data: bytes
    description: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(slots=True)
class SentMessage:
    """A message of the bot as users see it now; edits and deletion apply in place.

    ``source`` says how it appeared: ``channel`` (POST channel messages), ``interaction`` (the
    callback's own message), ``followup`` (webhook POST, including the one that resolves a
    "thinking..." deferral) or ``edit`` (a deferral resolved by editing ``@original``).
    """

    id: int
    channel_id: int
    guild_id: int | None
    content: str
    embeds: list[JSON]
    components: list[JSON]
    flags: int
    source: str
    interaction_id: int | None
    files: list[SentFile]
    time: float  # time.monotonic() when it appeared
    reply_to: int | None = None
    edits: int = 0
    edited_at: str | None = None
    deleted: bool = False

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def text(self) -> str:
        """Everything a user reads: content, then each embed's title, description, fields..."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title"), embed.get("description")]
            parts += [f"{f.get('name')}\n{f.get('value')}" for f in embed.get("fields") or []]
            parts += [(embed.get("footer") or {}).get("text")]
        return "\n".join(part for part in parts if part)

    @property
    def buttons(self) -> list[JSON]:
        """Every button in the message's components, in order."""
        return [c for c in walk_components(self.components) if c.get("type") == 2]


@dataclass(frozen=True, slots=True)
class InteractionResponse:
    """The accepted callback of an interaction and how long after its creation it arrived."""

    type: int
    data: JSON
    delay: float


@dataclass(slots=True)
class InteractionRecord:
    """An injected interaction and what the bot did with its token."""

    id: int
    token: str
    type: int  # 2 command, 3 component, 4 autocomplete
    name: str  # command name or custom_id
    channel_id: int
    guild_id: int | None
    user_id: int
    created: float  # time.monotonic()
    message_id: int | None = None  # the message whose component was used
    response: InteractionResponse | None = None
    original_id: int | None = None  # what @original refers to
    loading: bool = False  # deferred with type 5 and not yet edited or followed up
    loading_flags: int = 0
    message_ids: list[int] = field(default_factory=list)  # messages created with the token
    answer_id: int | None = None  # latest message it created or changed
    choices: list[JSON] | None = None  # autocomplete result


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One REST call (the Authorization header is never kept)."""

    method: str
    path: str  # after /api/v10
    query: dict[str, str]
    status: int
    body: Any
    files: tuple[SentFile, ...]
    time: float  # time.monotonic()
    code: int | None = None  # JSON error code of an error answer


@dataclass(frozen=True, slots=True)
class RateLimitHit:
    """A 429 the fake answered."""

    method: str
    path: str
    scope: str  # "user" (per-route bucket), "global", or "forced" (fail_next)
    retry_after: float
    time: float


# -- the guild model -----------------------------------------------------------------------------


def user_json(user_id: int, name: str, *, bot: bool = False) -> JSON:
    user: JSON = {
        "id": str(user_id), "username": name, "discriminator": "0", "global_name": name,
        "avatar": None, "public_flags": 0,
    }  # fmt: skip
    if bot:
        user["bot"] = True
    return user


def role_json(role_id: int, name: str, permissions: int, position: int, **extra: Any) -> JSON:
    return {
        "id": str(role_id), "name": name, "permissions": str(permissions), "position": position,
        "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0,
        "icon": None, "unicode_emoji": None, **extra,
    }  # fmt: skip


def channel_json(channel_id: int, guild_id: int, name: str, kind: int, position: int) -> JSON:
    return {
        "id": str(channel_id), "type": kind, "guild_id": str(guild_id), "name": name,
        "position": position, "permission_overwrites": [], "parent_id": None, "topic": None,
        "nsfw": False, "last_message_id": None, "rate_limit_per_user": 0, "flags": 0,
    }  # fmt: skip


def member_json(user: JSON, roles: Sequence[int], joined_at: str) -> JSON:
    return {
        "user": user, "nick": None, "avatar": None, "roles": [str(r) for r in roles],
        "joined_at": joined_at, "premium_since": None, "deaf": False, "mute": False, "flags": 0,
        "pending": False, "communication_disabled_until": None,
    }  # fmt: skip


@dataclass(slots=True)
class FakeGuild:
    """A guild: roles, channels and members, enough for Discord's permission computation."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, JSON]
    channels: dict[int, JSON]
    members: dict[int, JSON]
    joined_at: str
    moderator_role: int
    bot_present: bool = True

    def permissions(self, user_id: int, channel_id: int | None = None) -> int:
        """Discord's algorithm: @everyone | roles, admin/owner = all, then channel overwrites."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        member = self.members.get(user_id)
        role_ids = [int(r) for r in member["roles"]] if member else []
        perms = int(self.roles[self.id]["permissions"])
        for role_id in role_ids:
            perms |= int(self.roles[role_id]["permissions"])
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        if channel_id is None:
            return perms
        overwrites = {int(o["id"]): o for o in self.channels[channel_id]["permission_overwrites"]}
        if (everyone := overwrites.get(self.id)) is not None:
            perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for role_id in role_ids:
            if (role := overwrites.get(role_id)) is not None and role["type"] == 0:
                allow, deny = allow | int(role["allow"]), deny | int(role["deny"])
        perms = (perms & ~deny) | allow
        if (own := overwrites.get(user_id)) is not None and own["type"] == 1:
            perms = (perms & ~int(own["deny"])) | int(own["allow"])
        return perms

    def deny(self, channel_id: int, user_id: int, bits: int) -> JSON:
        """Add ``bits`` to the member's deny overwrite in a channel; returns the channel."""
        channel = self.channels[channel_id]
        overwrites = channel["permission_overwrites"]
        own = next((o for o in overwrites if o["id"] == str(user_id)), None)
        if own is None:
            own = {"id": str(user_id), "type": 1, "allow": "0", "deny": "0"}
            overwrites.append(own)
        own["deny"] = str(int(own["deny"]) | bits)
        return channel

    def create_json(self, members: Sequence[JSON]) -> JSON:
        """The GUILD_CREATE payload."""
        return {
            "id": str(self.id), "name": self.name, "unavailable": False, "owner_id":
            str(self.owner_id), "member_count": len(self.members), "large": False,
            "joined_at": self.joined_at, "roles": list(self.roles.values()),
            "channels": list(self.channels.values()), "members": list(members),
            "emojis": [], "stickers": [], "features": [], "threads": [], "presences": [],
            "voice_states": [], "stage_instances": [], "guild_scheduled_events": [],
            "soundboard_sounds": [], "icon": None, "banner": None, "description": None,
            "preferred_locale": "en-US", "premium_tier": 0, "system_channel_id": None,
            "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0,
            "nsfw_level": 0, "application_id": None, "vanity_url_code": None,
        }  # fmt: skip


# -- validation ----------------------------------------------------------------------------------


class FormErrors:
    """Collects errors in Discord's nested ``{"field": {"0": {"_errors": [...]}}}`` shape."""

    def __init__(self) -> None:
        self.tree: JSON = {}

    def add(self, path: Sequence[str | int], code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def length(
        self, path: Sequence[str | int], value: Any, maximum: int, *, minimum: int = 0
    ) -> None:
        """A string field: required when ``minimum`` > 0, at most ``maximum`` characters."""
        if value is None or value == "":
            if minimum:
                self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return
        size = len(str(value))
        if size > maximum or size < minimum:
            if minimum:
                text = f"Must be between {minimum} and {maximum} in length."
                self.add(path, "BASE_TYPE_BAD_LENGTH", text)
            else:
                self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {maximum} or fewer in length.")

    def count(self, path: Sequence[str | int], items: Sequence[Any], maximum: int) -> None:
        if len(items) > maximum:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {maximum} or fewer in length.")

    def raise_if_any(self) -> None:
        if self.tree:
            raise ApiError(INVALID_FORM_BODY, self.tree)


def walk_components(components: Sequence[JSON]) -> Iterator[JSON]:
    """Every component, depth first (action rows, containers, sections and their children)."""
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        if isinstance(component.get("accessory"), dict):
            yield component["accessory"]


def is_empty(content: str | None, embeds: Any, components: Any, files: Sequence[Any]) -> bool:
    return not (content or "").strip() and not embeds and not components and not files


def validate_message(payload: JSON, files: Sequence[SentFile], *, partial: bool = False) -> None:
    """Discord's checks of a message body; ``partial`` for edits (no emptiness check here)."""
    errors = FormErrors()
    errors.length(["content"], payload.get("content"), MAX_CONTENT)
    flags = int(payload.get("flags") or 0)
    embeds = payload.get("embeds") or []
    errors.count(["embeds"], embeds, MAX_EMBEDS)
    total = sum(_check_embed(errors, index, embed) for index, embed in enumerate(embeds))
    if total > MAX_EMBED_TOTAL:
        text = f"Embed size exceeds maximum size of {MAX_EMBED_TOTAL}"
        errors.add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", text)
    components = payload.get("components") or []
    if flags & IS_COMPONENTS_V2:
        for key in ("content", "embeds"):
            if payload.get(key):
                errors.add([key], "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                           "The 'content' and 'embeds' fields cannot be used with components v2.")  # fmt: skip
    else:
        _check_action_rows(errors, components)
    _check_custom_ids(errors, components)
    errors.raise_if_any()
    if len(files) > MAX_FILES:
        raise ApiError(TOO_MANY_ATTACHMENTS)
    stickers_or_poll = payload.get("sticker_ids") or payload.get("poll")
    if not partial and not stickers_or_poll and is_empty(payload.get("content"), embeds, components, files):  # fmt: skip
        raise ApiError(EMPTY_MESSAGE)


def _check_embed(errors: FormErrors, index: int, embed: JSON) -> int:
    """Check one embed; return its size towards the 6000-character message total."""
    path: list[str | int] = ["embeds", index]
    errors.length([*path, "title"], embed.get("title"), 256)
    errors.length([*path, "description"], embed.get("description"), 4096)
    fields = embed.get("fields") or []
    errors.count([*path, "fields"], fields, 25)
    for number, item in enumerate(fields):
        errors.length([*path, "fields", number, "name"], item.get("name"), 256, minimum=1)
        errors.length([*path, "fields", number, "value"], item.get("value"), 1024, minimum=1)
    footer, author = embed.get("footer") or {}, embed.get("author") or {}
    errors.length([*path, "footer", "text"], footer.get("text"), 2048)
    errors.length([*path, "author", "name"], author.get("name"), 256)
    _check_url(errors, [*path, "url"], embed.get("url"), attachment=False)
    _check_url(errors, [*path, "author", "url"], author.get("url"), attachment=False)
    _check_url(errors, [*path, "author", "icon_url"], author.get("icon_url"))
    _check_url(errors, [*path, "footer", "icon_url"], footer.get("icon_url"))
    for key in ("image", "thumbnail"):
        _check_url(errors, [*path, key, "url"], (embed.get(key) or {}).get("url"))
    texts = [embed.get("title"), embed.get("description"), footer.get("text"), author.get("name")]
    texts += [text for item in fields for text in (item.get("name"), item.get("value"))]
    return sum(len(str(text)) for text in texts if text)


def _check_url(
    errors: FormErrors, path: list[str | int], url: Any, *, attachment: bool = True
) -> None:
    """Embed URLs must be http(s); images may also be ``attachment://name``."""
    if not url:
        return
    parts = urlsplit(str(url))
    schemes = ("http", "https", "attachment") if attachment else ("http", "https")
    if parts.scheme not in schemes:
        allowed = ", ".join(f"'{scheme}'" for scheme in schemes)
        text = f'Scheme "{parts.scheme}" is not supported. Scheme must be one of ({allowed}).'
        errors.add(path, "URL_TYPE_INVALID_SCHEME", text)
    elif not parts.netloc:
        errors.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")


def _check_action_rows(errors: FormErrors, rows: Sequence[JSON]) -> None:
    """Classic layout: at most 5 action rows of at most 5 buttons, or one select each."""
    errors.count(["components"], rows, 5)
    for index, row in enumerate(rows):
        path: list[str | int] = ["components", index]
        if row.get("type") != 1:
            errors.add([*path, "type"], "UNION_TYPE_CHOICES", "Top-level components must be action rows.")  # fmt: skip
            continue
        children = row.get("components") or []
        if not children:
            errors.add([*path, "components"], "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")  # fmt: skip
        errors.count([*path, "components"], children, 5)
        if len(children) > 1 and any(child.get("type") != 2 for child in children):
            errors.add([*path, "components"], "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                       "The specified component exceeds the maximum width")  # fmt: skip
        for number, child in enumerate(children):
            _check_component(errors, [*path, "components", number], child)


def _check_component(errors: FormErrors, path: list[str | int], component: JSON) -> None:
    kind = component.get("type")
    if kind == 2:
        errors.length([*path, "label"], component.get("label"), 80)
        if not component.get("label") and not component.get("emoji"):
            errors.add(path, "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or emoji is required")  # fmt: skip
        if component.get("style") == 5:
            if not component.get("url"):
                errors.add([*path, "url"], "BASE_TYPE_REQUIRED", "This field is required")
            if component.get("custom_id"):
                errors.add([*path, "custom_id"], "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                           "A link button cannot have a custom_id")  # fmt: skip
            return
        if component.get("url"):
            errors.add([*path, "url"], "BUTTON_COMPONENT_URL_NOT_ALLOWED", "Only link buttons have a url")  # fmt: skip
    elif kind not in (3, 5, 6, 7, 8):
        errors.add([*path, "type"], "UNION_TYPE_CHOICES", f"Component type {kind} is not allowed in an action row.")  # fmt: skip
        return
    errors.length([*path, "custom_id"], component.get("custom_id"), 100, minimum=1)
    if kind == 3:
        options = component.get("options") or []
        if not options:
            errors.add([*path, "options"], "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")  # fmt: skip
        errors.count([*path, "options"], options, 25)
        for number, option in enumerate(options):
            errors.length([*path, "options", number, "label"], option.get("label"), 100, minimum=1)  # fmt: skip
            errors.length([*path, "options", number, "value"], option.get("value"), 100, minimum=1)  # fmt: skip
    if kind != 2:
        errors.length([*path, "placeholder"], component.get("placeholder"), 150)


def _check_custom_ids(errors: FormErrors, components: Sequence[JSON]) -> None:
    seen: set[str] = set()
    for component in walk_components(components):
        custom_id = component.get("custom_id")
        if custom_id is None:
            continue
        if custom_id in seen:
            errors.add(["components"], "COMPONENT_CUSTOM_ID_DUPLICATED",
                       "Component custom id cannot be duplicated")  # fmt: skip
        seen.add(custom_id)


COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")


def validate_commands(commands: Any) -> None:
    """Bulk overwrite checks: names, descriptions, option order, option and choice counts."""
    errors = FormErrors()
    if not isinstance(commands, list):
        errors.add([], "BASE_TYPE_ARRAY", "Must be an array.")
        errors.raise_if_any()
    errors.count([], [c for c in commands if c.get("type", 1) == 1], 100)
    seen: set[tuple[int, str]] = set()
    for index, command in enumerate(commands):
        kind = command.get("type", 1)
        if kind == 1:
            _check_name(errors, [index, "name"], command.get("name"))
            errors.length([index, "description"], command.get("description"), 100, minimum=1)
        else:
            errors.length([index, "name"], command.get("name"), 32, minimum=1)
        key = (kind, str(command.get("name")))
        if key in seen:
            errors.add([index, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME",
                       "Application command names must be unique")  # fmt: skip
        seen.add(key)
        _check_options(errors, [index, "options"], command.get("options") or [])
    errors.raise_if_any()


def _check_name(errors: FormErrors, path: list[str | int], name: Any) -> None:
    if not isinstance(name, str) or not COMMAND_NAME.match(name) or name != name.lower():
        errors.add(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")


def _check_options(errors: FormErrors, path: list[str | int], options: Sequence[JSON]) -> None:
    errors.count(path, options, 25)
    optional_seen = False
    names: set[str] = set()
    for index, option in enumerate(options):
        here = [*path, index]
        kind = option.get("type")
        if kind not in range(1, 12):
            errors.add([*here, "type"], "BASE_TYPE_CHOICES", "Value must be one of 1..11.")
        _check_name(errors, [*here, "name"], option.get("name"))
        errors.length([*here, "description"], option.get("description"), 100, minimum=1)
        if option.get("name") in names:
            errors.add([*here, "name"], "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                       "Option names must be unique")  # fmt: skip
        names.add(option.get("name"))
        if kind in (1, 2):
            _check_options(errors, [*here, "options"], option.get("options") or [])
            continue
        if option.get("required") and optional_seen:
            errors.add(path, "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                       "Required options must be placed before non-required options")  # fmt: skip
        optional_seen = optional_seen or not option.get("required")
        choices = option.get("choices") or []
        errors.count([*here, "choices"], choices, 25)
        if choices and option.get("autocomplete"):
            errors.add([*here, "autocomplete"], "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
                       "Autocomplete cannot be used with choices")  # fmt: skip
        for number, choice in enumerate(choices):
            _check_choice(errors, [*here, "choices", number], choice)


def _check_choice(errors: FormErrors, path: list[str | int], choice: JSON) -> None:
    errors.length([*path, "name"], choice.get("name"), 100, minimum=1)
    if isinstance(choice.get("value"), str):
        errors.length([*path, "value"], choice.get("value"), 100, minimum=1)


def validate_choices(choices: Any) -> None:
    """An autocomplete result: at most 25 choices, names 1-100, string values up to 100."""
    errors = FormErrors()
    if not isinstance(choices, list):
        errors.add(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required")
        errors.raise_if_any()
    errors.count(["data", "choices"], choices, 25)
    for index, choice in enumerate(choices):
        _check_choice(errors, ["data", "choices", index], choice)
    errors.raise_if_any()


def validate_modal(data: JSON) -> None:
    errors = FormErrors()
    errors.length(["data", "custom_id"], data.get("custom_id"), 100, minimum=1)
    errors.length(["data", "title"], data.get("title"), 45, minimum=1)
    components = data.get("components") or []
    if not components:
        errors.add(["data", "components"], "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")  # fmt: skip
    errors.count(["data", "components"], components, 5)
    errors.raise_if_any()
