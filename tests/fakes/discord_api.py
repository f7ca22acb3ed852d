"""A loopback fake of Discord (REST API v10 + gateway): the real discord.py client talks to it.

Start it with ``async with DiscordFake(token="...") as fake:`` and aim discord.py at it by
setting ``discord.http.Route.BASE = fake.api_base_url`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)``.

It is strict where Discord is, because those are the failures a bot meets in production:
message and embed limits (400/50035), empty messages (50006), the 3-second interaction
deadline (10062), double acknowledgement (40060), per-channel and global 429s with the headers
discord.py honours, deleted channels (10003), missing permissions/access (50013/50001). Users
act through injection helpers (``user_message``, ``slash``, ``press``, ``autocomplete``) that
dispatch gateway events, honouring the MESSAGE_CONTENT intent. Everything the bot does is
recorded (``messages``, ``interaction_responses``, ``requests``, ``rate_limited``) so tests
assert what users would see. Gateway details live in ``discord_gateway``; limits, errors and
record types in ``discord_records``.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Self

from aiohttp import web

from tests.fakes.discord_gateway import Events, Gateway
from tests.fakes.discord_records import (
    ADMINISTRATOR,
    ALREADY_ACKNOWLEDGED,
    ATTACH_FILES,
    CANNOT_DM,
    CANNOT_EDIT,
    DEFAULT_BOT,
    DEFAULT_EVERYONE,
    DM_APP_PERMISSIONS,
    EMPTY_MESSAGE,
    EPHEMERAL,
    FILE_SIZE_LIMIT,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_PRESENCES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    INVALID_JSON,
    JSON,
    LOADING,
    MANAGE_CHANNELS,
    MAX_FILES,
    MAX_REQUEST_SIZE,
    MISSING_ACCESS,
    MISSING_PERMISSIONS,
    NOT_FOUND,
    PRIVILEGED_INTENTS,
    RATE_LIMITED,
    SEND_MESSAGES,
    TOO_LARGE,
    TOO_MANY_ATTACHMENTS,
    UNAUTHORIZED,
    UNKNOWN_CHANNEL,
    UNKNOWN_INTERACTION,
    UNKNOWN_MESSAGE,
    UNKNOWN_USER,
    UNKNOWN_WEBHOOK,
    VIEW_CHANNEL,
    ApiError,
    ErrorKind,
    FakeGuild,
    FormErrors,
    InteractionRecord,
    InteractionResponse,
    RateLimitHit,
    RateWindow,
    RecordedRequest,
    SentFile,
    SentMessage,
    Snowflakes,
    channel_json,
    is_empty,
    member_json,
    now_iso,
    rate_limit_headers,
    rate_limited,
    role_json,
    snowflake_time,
    user_json,
    validate_choices,
    validate_commands,
    validate_message,
    validate_modal,
    walk_components,
)

__all__ = [
    "DiscordFake",
    "FakeGuild",
    "InteractionRecord",
    "InteractionResponse",
    "RateLimitHit",
    "RecordedRequest",
    "SentFile",
    "SentMessage",
]

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
DEFAULT_USER_ID = 5001
# Callback types Discord accepts per interaction type (receiving-and-responding.mdx).
CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}}
# Path parameters that are not part of a rate-limit bucket's identity.
MINOR_PARAMS = frozenset({"message_id"})


@dataclass(slots=True)
class _Call:
    """One decoded REST request as the endpoint handlers see it."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    now: float
    body: Any = None
    files: list[SentFile] = field(default_factory=list)


@dataclass(slots=True)
class _Failure:
    method: str
    pattern: str
    kind: ErrorKind
    retry_after: float | None
    times: int


Handler = Callable[[_Call], Awaitable[Any]]


class DiscordFake:
    """Discord on 127.0.0.1: a guild model, injected user activity, every call recorded."""

    def __init__(
        self,
        token: str = "fake.bot.token",
        *,
        bot_id: int = 4242,
        bot_name: str = "paperboy",
        application_id: int | None = None,
        interaction_deadline_s: float = 3.0,
        channel_limit: int = 5,
        channel_window_s: float = 5.0,
        global_limit: int = 50,
        file_size_limit: int = FILE_SIZE_LIMIT,
        privileged_intents: int = PRIVILEGED_INTENTS,
    ) -> None:
        """``privileged_intents``: those enabled in the Developer Portal (others close 4014)."""
        self._token = token
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.application_id = bot_id if application_id is None else application_id
        self.bot_user = user_json(bot_id, bot_name, bot=True)
        self.interaction_deadline_s = interaction_deadline_s
        self.channel_limit, self.channel_window_s = channel_limit, channel_window_s
        self.global_limit = global_limit
        self.file_size_limit = file_size_limit
        self.port = 0
        self.guilds: dict[int, FakeGuild] = {}
        self.messages: list[SentMessage] = []
        """Every message of the bot in order of appearance (edited in place, deletions flagged)."""
        self.requests: list[RecordedRequest] = []
        self.rate_limited: list[RateLimitHit] = []
        self.interactions: dict[int, InteractionRecord] = {}
        self.global_commands: list[JSON] = []
        self.guild_commands: dict[int, list[JSON]] = {}
        self._mint = Snowflakes()
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self._users: dict[int, JSON] = {bot_id: self.bot_user}
        self._channel_guild: dict[int, int] = {}
        self._dms: dict[int, JSON] = {}  # DM channel id -> channel
        self._dm_users: dict[int, int] = {}  # DM channel id -> recipient
        self._deleted: set[int] = set()
        self._dm_blocked: set[int] = set()
        self._bot_messages: dict[int, SentMessage] = {}
        self._user_messages: dict[int, JSON] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self._failures: list[_Failure] = []
        self._windows: dict[tuple[str, tuple[str, ...]], RateWindow] = {}
        self._global = RateWindow(global_limit, 1.0)
        self._owner = user_json(self._mint(), "owner")
        self._gateway = Gateway(
            token,
            privileged_intents=privileged_intents,
            privileged_mask=PRIVILEGED_INTENTS,
            on_identify=self._ready_events,
            on_request_members=self._members_chunk,
        )

    def __repr__(self) -> str:  # never show the token
        return f"DiscordFake(port={self.port}, messages={len(self.messages)})"

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def api_base_url(self) -> str:
        """For ``discord.http.Route.BASE``."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """For ``DiscordWebSocket.DEFAULT_GATEWAY`` (as a ``yarl.URL``); also READY's resume URL."""
        return f"ws://127.0.0.1:{self.port}/gw/"

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gw/", self._gateway.handle)
        for method, path, handler, kind in self._endpoints():
            app.router.add_route(method, API_PREFIX + path, self._endpoint(method, path, handler, kind))  # fmt: skip
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._endpoint("*", "", self._unknown, "bot"))  # fmt: skip
        # access_log=None: requests carry the bot token (and interaction tokens in paths).
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.debug("fake Discord listening on port %s", self.port)

    async def close(self) -> None:
        """Close gateway sockets and stop listening."""
        await self._gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _endpoints(self) -> list[tuple[str, str, Handler, str]]:
        """(method, path, handler, kind): kind ``webhook`` is authenticated by the token in the
        path and not bound to the global limit; ``limited`` answers 429 when its bucket is
        exhausted (Discord's per-channel message limit)."""
        messages = "/channels/{channel_id}/messages/{message_id}"
        webhook_message = "/webhooks/{app_id}/{token}/messages/{message_id}"
        commands = "/applications/{app_id}/commands"
        guild_commands = "/applications/{app_id}/guilds/{guild_id}/commands"
        return [
            ("GET", "/users/@me", self._get_me, "bot"),
            ("GET", "/oauth2/applications/@me", self._get_application, "bot"),
            ("POST", "/users/@me/channels", self._create_dm, "bot"),
            ("GET", "/users/{user_id}", self._get_user, "bot"),
            ("GET", "/channels/{channel_id}", self._get_channel, "bot"),
            ("POST", "/channels/{channel_id}/messages", self._post_message, "limited"),
            ("GET", messages, self._get_message, "bot"),
            ("PATCH", messages, self._edit_message, "bot"),
            ("DELETE", messages, self._delete_message, "bot"),
            ("POST", "/channels/{channel_id}/typing", self._typing, "bot"),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback, "webhook"),
            ("POST", "/webhooks/{app_id}/{token}", self._followup, "webhook"),
            ("GET", webhook_message, self._get_webhook_message, "webhook"),
            ("PATCH", webhook_message, self._edit_webhook_message, "webhook"),
            ("DELETE", webhook_message, self._delete_webhook_message, "webhook"),
            ("GET", commands, self._get_commands, "bot"),
            ("PUT", commands, self._put_commands, "bot"),
            ("GET", guild_commands, self._get_commands, "bot"),
            ("PUT", guild_commands, self._put_commands, "bot"),
        ]

    # -- the guild model -----------------------------------------------------------------------

    def add_guild(
        self,
        guild_id: int,
        name: str = "Test Guild",
        *,
        channels: Mapping[int, str] | None = None,
        owner_id: int | None = None,
        everyone_permissions: int = DEFAULT_EVERYONE,
        bot_permissions: int = DEFAULT_BOT,
    ) -> FakeGuild:
        """A guild with the bot in it: text ``channels`` ({id: name}; default one "general"),
        an @everyone role, the bot's managed role and a "Moderators" role (Manage Channels)
        that ``add_member(manage_channels=True)`` hands out. The owner (a separate user unless
        ``owner_id`` says otherwise) has every permission, as on Discord.
        Dispatches GUILD_CREATE when the bot is already connected."""
        owner = self._owner if owner_id is None else self._user(owner_id)
        bot_role, moderators, joined = self._mint(), self._mint(), now_iso()
        roles = {
            guild_id: role_json(guild_id, "@everyone", everyone_permissions, 0),
            moderators: role_json(moderators, "Moderators", MANAGE_CHANNELS, 1),
            bot_role: role_json(bot_role, self.bot_name, bot_permissions, 2, managed=True,
                                tags={"bot_id": str(self.bot_id)}),
        }  # fmt: skip
        guild = FakeGuild(guild_id, name, int(owner["id"]), roles, {}, {}, joined, moderators)
        guild.members[self.bot_id] = member_json(self.bot_user, [bot_role], joined)
        guild.members[guild.owner_id] = member_json(owner, [], joined)
        for channel_id, channel_name in (channels or {self._mint(): "general"}).items():
            self._put_channel(guild, channel_id, channel_name, 0)
        self.guilds[guild_id] = guild
        self._dispatch_if_connected("GUILD_CREATE", self._guild_create(guild))
        return guild

    def add_channel(self, guild_id: int, channel_id: int, name: str, *, kind: int = 0) -> JSON:
        """Another channel (``kind`` 0 text, 5 announcement...); dispatches CHANNEL_CREATE."""
        channel = self._put_channel(self.guilds[guild_id], channel_id, name, kind)
        self._dispatch_if_connected("CHANNEL_CREATE", channel, INTENT_GUILDS)
        return channel

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        name: str | None = None,
        *,
        manage_channels: bool = False,
        permissions: int = 0,
    ) -> JSON:
        """Add (or re-add) a member: ``manage_channels`` gives the Moderators role, other
        ``permissions`` bits come with a role of their own. Dispatches the member and role
        events the bot's intents allow, so its caches agree with interaction payloads."""
        guild = self.guilds[guild_id]
        user = self._user(user_id, name)
        roles = [guild.moderator_role] if manage_channels else []
        if permissions:
            role_id = self._mint()
            role = role_json(role_id, f"{user['username']}'s role", permissions, 1)
            guild.roles[role_id] = role
            self._dispatch_if_connected(
                "GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role}, INTENT_GUILDS
            )
            roles.append(role_id)
        event = "GUILD_MEMBER_UPDATE" if user_id in guild.members else "GUILD_MEMBER_ADD"
        member = member_json(user, roles, now_iso())
        guild.members[user_id] = member
        payload = {**member, "guild_id": str(guild_id)}
        self._dispatch_if_connected(event, payload, INTENT_GUILD_MEMBERS)
        return member

    def dm_channel(self, user_id: int) -> int:
        """The id of the DM channel between the bot and a user (created on first use)."""
        for channel_id, recipient in self._dm_users.items():
            if recipient == user_id:
                return channel_id
        channel_id = self._mint()
        self._dms[channel_id] = {
            "id": str(channel_id), "type": 1, "last_message_id": None, "flags": 0,
            "recipients": [self._user(user_id)],
        }  # fmt: skip
        self._dm_users[channel_id] = user_id
        return channel_id

    def delete_channel(self, channel_id: int) -> None:
        """The channel is gone: requests answer 404 Unknown Channel; CHANNEL_DELETE dispatched."""
        channel, guild = self._find_channel(channel_id)
        if guild is not None:
            del guild.channels[channel_id]
        else:
            del self._dms[channel_id], self._dm_users[channel_id]
        self._deleted.add(channel_id)
        self._dispatch_if_connected("CHANNEL_DELETE", channel, INTENT_GUILDS)

    def revoke_permission(self, channel_id: int) -> None:
        """An overwrite denies the bot Send Messages: sends answer 403 Missing Permissions."""
        self._deny_bot(channel_id, SEND_MESSAGES)

    def remove_access(self, channel_id: int) -> None:
        """An overwrite denies the bot View Channel: requests answer 403 Missing Access."""
        self._deny_bot(channel_id, VIEW_CHANNEL)

    def kick_bot(self, guild_id: int) -> None:
        """The bot was removed: GUILD_DELETE dispatched, its channels answer 403 Missing Access."""
        guild = self.guilds[guild_id]
        self._dispatch_if_connected("GUILD_DELETE", {"id": str(guild_id)}, INTENT_GUILDS)
        guild.bot_present = False
        guild.members.pop(self.bot_id, None)

    def block_dms(self, user_id: int) -> None:
        """The user closed DMs (or blocked the bot): DMs answer 403 Cannot send messages."""
        self._dm_blocked.add(user_id)

    def _deny_bot(self, channel_id: int, bits: int) -> None:
        _, guild = self._find_channel(channel_id)
        if guild is None:
            raise ValueError(f"channel {channel_id} is not a guild channel")
        channel = guild.deny(channel_id, self.bot_id, bits)
        self._dispatch_if_connected("CHANNEL_UPDATE", channel, INTENT_GUILDS)

    def _put_channel(self, guild: FakeGuild, channel_id: int, name: str, kind: int) -> JSON:
        channel = channel_json(channel_id, guild.id, name, kind, len(guild.channels))
        guild.channels[channel_id] = channel
        self._channel_guild[channel_id] = guild.id
        self._deleted.discard(channel_id)
        return channel

    def _user(self, user_id: int, name: str | None = None) -> JSON:
        if user_id not in self._users or name is not None:
            self._users[user_id] = user_json(user_id, name or f"user{user_id}")
        return self._users[user_id]

    def _find_channel(self, channel_id: int) -> tuple[JSON, FakeGuild | None]:
        """For test helpers: a missing channel is a mistake in the test, not an API error."""
        try:
            return self._channel(channel_id)
        except ApiError:
            raise LookupError(
                f"no channel {channel_id} (add_guild/add_channel/dm_channel)"
            ) from None

    # -- failures and gateway control ----------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        status: int,
        code: int = 0,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` matching requests fail. ``path_pattern`` is a glob on the path after
        /api/v10 (``"/channels/*/messages"``). A 429 carries ``retry_after`` (default 0.05 s)
        and the rate-limit headers, so discord.py waits and retries it."""
        text = message or (RATE_LIMITED if status == 429 else f"{status}: {HTTPStatus(status).phrase}")  # fmt: skip
        kind = ErrorKind(status, code, text)
        self._failures.append(_Failure(method.upper(), path_pattern, kind, retry_after, times))

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's websocket from the server side; discord.py reconnects and RESUMEs.
        Events injected meanwhile are queued and replayed after the resume."""
        await self._gateway.drop(code)

    @property
    def intents(self) -> int | None:
        """The intents of the bot's IDENTIFY (None before it identified)."""
        return self._gateway.intents

    @property
    def identify_count(self) -> int:
        return self._gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self._gateway.resume_count

    @property
    def gateway_connects(self) -> int:
        return self._gateway.connects

    # -- injecting user activity ---------------------------------------------------------------

    def user_message(
        self,
        channel_id: int,
        content: str,
        *,
        user_id: int | None = None,
        mention_bot: bool = False,
    ) -> int:
        """A user posts ``content`` (MESSAGE_CREATE); returns the message id.

        As on Discord, without the MESSAGE_CONTENT intent a guild message that does not mention
        the bot arrives with empty content, embeds and attachments (DMs keep theirs), and
        without GUILD_MESSAGES/DIRECT_MESSAGES it does not arrive at all.
        """
        _, guild = self._find_channel(channel_id)
        user_id = self._invoker(guild, channel_id, user_id)
        author = self._users[user_id]
        message_id = self._mint()
        mentions: list[JSON] = []
        if mention_bot:
            content = f"<@{self.bot_id}> {content}"
            mention = dict(self.bot_user)
            if guild is not None:
                mention["member"] = _partial_member(guild.members[self.bot_id])
            mentions.append(mention)
        data: JSON = {
            "id": str(message_id), "channel_id": str(channel_id), "author": author,
            "content": content, "timestamp": snowflake_time(message_id), "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": mentions, "mention_roles": [],
            "attachments": [], "embeds": [], "components": [], "pinned": False, "type": 0,
            "flags": 0,
        }  # fmt: skip
        if guild is not None:
            data["guild_id"] = str(guild.id)
            data["member"] = _partial_member(guild.members[user_id])
        self._user_messages[message_id] = data
        delivered = data
        intents = self.intents or 0
        if guild is not None and not mention_bot and not intents & INTENT_MESSAGE_CONTENT:
            delivered = {**data, "content": "", "embeds": [], "attachments": [], "components": []}
        intent = INTENT_GUILD_MESSAGES if guild is not None else INTENT_DIRECT_MESSAGES
        self._dispatch("MESSAGE_CREATE", delivered, intent)
        return message_id

    def slash(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None = None,
        *,
        channel_id: int,
        user_id: int | None = None,
        guild_id: int | None = None,
        locale: str = "en-US",
    ) -> int:
        """A user runs ``/name`` (INTERACTION_CREATE type 2); returns the interaction id.

        The command must be registered (synced) and visible to the user, as in Discord's UI:
        options given as ``{"name": value}`` are checked against its schema (unknown names,
        wrong types, values outside ``choices``, missing required ones) and get the registered
        option ``type``; a subcommand is ``{"sub": {"opt": value}}``. A list is sent as is.
        """
        guild = self._guild_of(channel_id, guild_id)
        user_id = self._invoker(guild, channel_id, user_id)
        command = self._command(name, guild, channel_id, user_id)
        data: JSON = {"id": command["id"], "name": name, "type": 1}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        built = _build_options(command.get("options") or [], options or {}, None)
        if built:
            data["options"] = built
        return self._interaction(2, name, data, channel_id, guild, user_id, locale=locale)

    def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[JSON] | None = None,
        *,
        focused: str,
        channel_id: int,
        user_id: int | None = None,
        guild_id: int | None = None,
    ) -> int:
        """A user types into option ``focused`` of ``/name`` (type 4); returns the id. The focused
        value is the partial text typed so far (a string), flagged ``"focused": true``."""
        guild = self._guild_of(channel_id, guild_id)
        user_id = self._invoker(guild, channel_id, user_id)
        command = self._command(name, guild, channel_id, user_id)
        data: JSON = {"id": command["id"], "name": name, "type": 1}
        data["options"] = _build_options(command.get("options") or [], options or {}, focused)
        return self._interaction(4, name, data, channel_id, guild, user_id)

    def press(
        self,
        custom_id: str,
        *,
        message_id: int,
        channel_id: int | None = None,
        user_id: int | None = None,
    ) -> int:
        """A user clicks the enabled button ``custom_id`` under one of the bot's messages
        (INTERACTION_CREATE type 3 carrying that message); returns the interaction id."""
        message = self._bot_messages.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"no message {message_id} of the bot to press a button on")
        if channel_id is not None and channel_id != message.channel_id:
            raise ValueError(f"message {message_id} is in channel {message.channel_id}")
        found = [c for c in walk_components(message.components) if c.get("custom_id") == custom_id]
        if not found or found[0].get("type") != 2 or found[0].get("disabled"):
            present = [b.get("custom_id") for b in message.buttons if not b.get("disabled")]
            raise LookupError(f"no enabled button {custom_id!r} on message {message_id}: {present}")
        guild = self.guilds.get(message.guild_id) if message.guild_id else None
        user_id = self._invoker(guild, message.channel_id, user_id)
        if message.ephemeral and message.interaction_id is not None:
            viewer = self.interactions[message.interaction_id].user_id
            if user_id != viewer:
                raise ValueError(f"only user {viewer} sees ephemeral message {message_id}")
        data = {"custom_id": custom_id, "component_type": 2}
        return self._interaction(
            3, custom_id, data, message.channel_id, guild, user_id, message=message
        )

    def _guild_of(self, channel_id: int, guild_id: int | None) -> FakeGuild | None:
        _, guild = self._find_channel(channel_id)
        if guild_id is not None and (guild is None or guild.id != guild_id):
            raise ValueError(f"channel {channel_id} is not in guild {guild_id}")
        return guild

    def _invoker(self, guild: FakeGuild | None, channel_id: int, user_id: int | None) -> int:
        """The acting user: the DM's recipient, or a guild member (plain member if new)."""
        if guild is None:
            recipient = self._dm_users[channel_id]
            if user_id not in (None, recipient):
                raise ValueError(f"DM channel {channel_id} belongs to user {recipient}")
            return recipient
        user_id = DEFAULT_USER_ID if user_id is None else user_id
        if user_id not in guild.members:
            self.add_member(guild.id, user_id)
        return user_id

    def _command(self, name: str, guild: FakeGuild | None, channel_id: int, user_id: int) -> JSON:
        """The registered command a user can see here, or an error explaining why not."""
        candidates = (self.guild_commands.get(guild.id, []) if guild else []) + self.global_commands
        command = next((c for c in candidates if c["name"] == name and c["type"] == 1), None)
        if command is None:
            raise LookupError(
                f"/{name} is not registered (synced) for this channel; "
                f"await fake.wait_for_command({name!r}) after the bot syncs"
            )
        contexts = command.get("contexts")
        if guild is None and (command.get("dm_permission") is False or (contexts is not None and 1 not in contexts)):  # fmt: skip
            raise LookupError(f"/{name} is not available in DMs")
        if guild is not None and contexts is not None and 0 not in contexts:
            raise LookupError(f"/{name} is not available in guilds")
        needed = command.get("default_member_permissions")
        if guild is not None and needed is not None:
            perms, need = guild.permissions(user_id, channel_id), int(needed)
            if not perms & ADMINISTRATOR and (need == 0 or perms & need != need):
                raise PermissionError(f"Discord hides /{name} from user {user_id} (needs {need})")
        return command

    def _interaction(
        self,
        kind: int,
        name: str,
        data: JSON,
        channel_id: int,
        guild: FakeGuild | None,
        user_id: int,
        *,
        message: SentMessage | None = None,
        locale: str = "en-US",
    ) -> int:
        interaction_id, token = self._mint(), secrets.token_urlsafe(48)
        payload: JSON = {
            "id": str(interaction_id), "application_id": str(self.application_id), "type": kind,
            "data": data, "token": token, "version": 1, "channel_id": str(channel_id),
            "locale": locale, "entitlements": [], "attachment_size_limit": self.file_size_limit,
        }  # fmt: skip
        if guild is not None:
            perms = guild.permissions(user_id, channel_id)
            payload.update(
                guild_id=str(guild.id),
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member={**guild.members[user_id], "permissions": str(perms)},
                channel={**guild.channels[channel_id], "permissions": str(perms)},
                app_permissions=str(guild.permissions(self.bot_id, channel_id)),
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            payload.update(
                user=self._users[user_id],
                channel=self._dms[channel_id],
                app_permissions=str(DM_APP_PERMISSIONS),
                authorizing_integration_owners={"0": "0"},
                context=1,
            )
        if message is not None:
            payload["message"] = self._message_json(message)
        record = InteractionRecord(
            id=interaction_id, token=token, type=kind, name=name, channel_id=channel_id,
            guild_id=guild.id if guild else None, user_id=user_id, created=time.monotonic(),
            message_id=message.id if message else None,
        )  # fmt: skip
        self.interactions[interaction_id] = record
        self._by_token[token] = record
        self._dispatch("INTERACTION_CREATE", payload)
        return interaction_id

    # -- what tests read -----------------------------------------------------------------------

    @property
    def interaction_responses(self) -> dict[int, InteractionResponse]:
        """The accepted callback (type, data, delay) per interaction id."""
        return {i: r.response for i, r in self.interactions.items() if r.response is not None}

    def pending_thinking(self) -> list[int]:
        """Interactions deferred with "thinking..." (type 5) that were never edited, followed up
        or deleted: the user still sees the spinner."""
        return [i for i, r in self.interactions.items() if r.loading]

    def autocomplete_choices(self, interaction_id: int) -> list[JSON] | None:
        """The choices the bot offered for an autocomplete interaction (None: no answer)."""
        return self.interactions[interaction_id].choices

    def message(self, message_id: int) -> SentMessage:
        """One of the bot's messages by id."""
        return self._bot_messages[message_id]

    def visible_messages(self, channel_id: int | None = None) -> list[SentMessage]:
        """The bot's messages that were not deleted (in one channel, or all)."""
        return [
            m
            for m in self.messages
            if not m.deleted and (channel_id is None or m.channel_id == channel_id)
        ]

    def calls(self, method: str, path_pattern: str = "*") -> list[RecordedRequest]:
        """Recorded requests with this method whose path matches the glob."""
        method = method.upper()
        return [
            r
            for r in self.requests
            if r.method == method and fnmatch.fnmatchcase(r.path, path_pattern)
        ]

    async def wait_until_ready(self, timeout: float = 5) -> None:
        """Wait until the bot identified or resumed and every event so far was written to it."""
        await self._wait_until(self._gateway.ready, timeout, lambda: "the bot is not connected")

    async def wait_for_messages(
        self, n: int, channel_id: int | None = None, timeout: float = 5
    ) -> list[SentMessage]:
        """Wait until ``n`` messages of the bot are visible (in ``channel_id``, or anywhere)."""

        def why() -> str:
            return f"expected {n} messages, got {[m.text[:80] for m in self.visible_messages(channel_id)]}"  # fmt: skip

        await self._wait_until(lambda: len(self.visible_messages(channel_id)) >= n, timeout, why)
        return self.visible_messages(channel_id)

    async def wait_for_response(self, interaction_id: int, timeout: float = 5) -> SentMessage:
        """Wait for the interaction's visible answer and return the latest message it produced:
        the callback's message, or the edit/followup that resolved a deferral."""

        def answer() -> SentMessage | None:
            record = self.interactions[interaction_id]
            return None if record.answer_id is None else self._bot_messages[record.answer_id]

        def why() -> str:
            record = self.interactions[interaction_id]
            state = "still thinking" if record.loading else f"response {record.response}"
            return f"no visible answer to interaction {interaction_id} ({record.name}): {state}"

        await self._wait_until(lambda: answer() is not None, timeout, why)
        found = answer()
        assert found is not None
        return found

    async def wait_for_requests(
        self, method: str, path_pattern: str = "*", n: int = 1, timeout: float = 5
    ) -> list[RecordedRequest]:
        """Wait until ``n`` matching requests were answered."""

        def why() -> str:
            return f"expected {n} {method} {path_pattern}, got {len(self.calls(method, path_pattern))}"  # fmt: skip

        await self._wait_until(lambda: len(self.calls(method, path_pattern)) >= n, timeout, why)
        return self.calls(method, path_pattern)

    async def wait_for_command(
        self, name: str, guild_id: int | None = None, timeout: float = 5
    ) -> JSON:
        """Wait until the bot registered ``/name`` (globally, or in ``guild_id``)."""

        def find() -> JSON | None:
            pool = self.global_commands if guild_id is None else self.guild_commands.get(guild_id, [])  # fmt: skip
            return next((c for c in pool if c["name"] == name), None)

        await self._wait_until(lambda: find() is not None, timeout, lambda: f"/{name} never registered")  # fmt: skip
        found = find()
        assert found is not None
        return found

    async def _wait_until(
        self, ready: Callable[[], bool], timeout: float, why: Callable[[], str]
    ) -> None:
        """Re-check on every change (and every 20 ms, for socket progress); fail clearly."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not ready():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{why()} after {timeout}s")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.02))
            except TimeoutError:
                pass

    def _notify(self) -> None:
        self._changed.set()

    # -- gateway events ------------------------------------------------------------------------

    def _dispatch(self, event: str, data: JSON, intent: int = 0) -> None:
        """Send an event the bot subscribed to; injecting before the bot identified is an error."""
        intents = self.intents
        if intents is None:
            raise RuntimeError("the bot has not identified yet: await fake.wait_until_ready()")
        if intent and not intents & intent:
            log.debug("%s not delivered: intents %s lack %s", event, intents, intent)
            return
        self._gateway.dispatch(event, data)

    def _dispatch_if_connected(self, event: str, data: JSON, intent: int = 0) -> None:
        if self._gateway.has_session:
            self._dispatch(event, data, intent)

    def _ready_events(self, session_id: str, intents: int) -> Events:
        """READY (guilds as unavailable stubs) then one GUILD_CREATE per guild of the bot."""
        guilds = [g for g in self.guilds.values() if g.bot_present]
        ready = {
            "v": 10, "user": {**self.bot_user, "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session_id, "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [], "relationships": [], "presences": [],
            "geo_ordered_rtc_regions": [], "_trace": ["fake-discord"],
        }  # fmt: skip
        return [("READY", ready)] + [("GUILD_CREATE", self._guild_create(g)) for g in guilds]

    def _guild_create(self, guild: FakeGuild) -> JSON:
        """Like Discord, the member list is only complete with the GUILD_PRESENCES intent."""
        if (self.intents or 0) & INTENT_GUILD_PRESENCES:
            return guild.create_json(list(guild.members.values()))
        return guild.create_json([guild.members[self.bot_id]])

    def _members_chunk(self, request: JSON) -> Events:
        """Answer REQUEST_GUILD_MEMBERS (op 8) with a single GUILD_MEMBERS_CHUNK."""
        guild = self.guilds.get(int(request.get("guild_id") or 0))
        if guild is None:
            return []
        members = list(guild.members.values())
        if request.get("user_ids"):
            wanted = {str(u) for u in request["user_ids"]}
            members = [m for m in members if m["user"]["id"] in wanted]
        elif request.get("query"):
            query = str(request["query"]).lower()
            members = [m for m in members if m["user"]["username"].lower().startswith(query)]
        if request.get("limit"):
            members = members[: int(request["limit"])]
        chunk = {
            "guild_id": str(guild.id), "members": members, "chunk_index": 0, "chunk_count": 1,
            "not_found": [],
        }  # fmt: skip
        if request.get("nonce"):
            chunk["nonce"] = request["nonce"]
        return [("GUILD_MEMBERS_CHUNK", chunk)]

    # -- HTTP plumbing -------------------------------------------------------------------------

    def _endpoint(
        self, method: str, path: str, handler: Handler, kind: str
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        """Wrap a handler: auth, scripted failures, rate limits, errors, recording, headers."""
        bucket = hashlib.sha1(f"{method} {path}".encode()).hexdigest()[:16]

        async def serve(request: web.Request) -> web.Response:
            return await self._serve(request, handler, bucket, kind)

        return serve

    async def _serve(
        self, request: web.Request, handler: Handler, bucket: str, kind: str
    ) -> web.Response:
        call = _Call(
            request.method, request.path[len(API_PREFIX) :], dict(request.match_info),
            dict(request.query), time.monotonic(),
        )  # fmt: skip
        headers = {"Via": "1.1 google"}  # discord.py treats a 429 without Via as Cloudflare's
        result: Any
        try:
            if kind != "webhook":
                self._authorize(request)
            call.body, call.files = await self._read_body(request)
            self._scripted_failure(call)
            if kind != "webhook":
                self._check_global(call)
            headers.update(self._check_bucket(call, bucket, limited=kind == "limited"))
            result = await handler(call)
            status = 200 if result is not None else 204
        except ApiError as error:
            status, result = error.status, error.body()
            headers.update(error.headers)
        except Exception:
            log.exception("fake Discord failed on %s %s", call.method, call.path)
            status, result = 500, {"message": "500: Internal Server Error", "code": 0}
        code = result.get("code") if status >= 400 else None
        record = RecordedRequest(
            call.method, call.path, call.query, status, call.body, tuple(call.files), call.now, code
        )
        self.requests.append(record)
        self._notify()
        log.debug("%s %s -> %s", call.method, call.path, status)
        if status == 204:
            return web.Response(status=204, headers=headers)
        # Exactly application/json: discord.py ignores bodies with "; charset=utf-8".
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(result).encode(), headers=headers)

    def _authorize(self, request: web.Request) -> None:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bot {self._token}".encode()):
            raise ApiError(UNAUTHORIZED)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[SentFile]]:
        """A JSON body, or multipart ``payload_json`` plus ``files[n]`` parts."""
        if (request.content_length or 0) > MAX_REQUEST_SIZE:
            raise ApiError(TOO_LARGE)
        if request.content_type != "multipart/form-data":
            raw = await request.read()
            return (_json(raw) if raw else None), []
        form = await request.post()
        payload: Any = _json(form["payload_json"]) if "payload_json" in form else None
        attachments = payload.get("attachments") if isinstance(payload, dict) else None
        described = {str(a.get("id")): a.get("description") for a in attachments or []}
        files = []
        for key, part in form.items():
            if not isinstance(part, web.FileField):
                continue
            data = part.file.read()
            if len(data) > self.file_size_limit:
                raise ApiError(TOO_LARGE)
            index = key.removeprefix("files[").removesuffix("]")
            files.append(
                SentFile(self._mint(), part.filename, part.content_type, data, described.get(index))
            )
        return payload, files

    def _scripted_failure(self, call: _Call) -> None:
        for failure in self._failures:
            if failure.method != call.method or not fnmatch.fnmatchcase(call.path, failure.pattern):
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            if failure.kind.status != 429:
                raise ApiError(failure.kind)
            retry_after = 0.05 if failure.retry_after is None else failure.retry_after
            self.rate_limited.append(
                RateLimitHit(call.method, call.path, "forced", retry_after, call.now)
            )
            raise rate_limited(
                retry_after, limit=1, bucket="forced", scope="user",
                message=failure.kind.message, code=failure.kind.code,
            )  # fmt: skip

    def _check_global(self, call: _Call) -> None:
        wait = self._global.hit(call.now)
        if wait:
            self.rate_limited.append(RateLimitHit(call.method, call.path, "global", wait, call.now))
            raise rate_limited(wait, limit=self.global_limit, bucket="global", scope="global")

    def _check_bucket(self, call: _Call, bucket: str, *, limited: bool) -> dict[str, str]:
        """Count the request in its route bucket (per major parameter) and describe it in headers;
        only ``limited`` routes (channel messages) answer 429 when it is exhausted."""
        major = tuple(v for k, v in sorted(call.params.items()) if k not in MINOR_PARAMS)
        limit, period = (
            (self.channel_limit, self.channel_window_s) if limited else (self.global_limit, 1.0)
        )
        window = self._windows.setdefault((bucket, major), RateWindow(limit, period))
        wait = window.hit(call.now)
        if wait and limited:
            self.rate_limited.append(RateLimitHit(call.method, call.path, "user", wait, call.now))
            raise rate_limited(wait, limit=limit, bucket=bucket, scope="user")
        return rate_limit_headers(limit, window.remaining(), window.reset_after(call.now), bucket)

    # -- REST: users, channels, messages -------------------------------------------------------

    async def _unknown(self, call: _Call) -> None:
        log.warning("fake Discord has no endpoint %s %s", call.method, call.path)
        raise ApiError(NOT_FOUND)

    async def _get_me(self, call: _Call) -> JSON:
        return {**self.bot_user, "verified": True, "mfa_enabled": False, "flags": 0}

    async def _get_application(self, call: _Call) -> JSON:
        return {
            "id": str(self.application_id), "name": self.bot_name, "icon": None,
            "description": "", "summary": "", "bot_public": True, "bot_require_code_grant": False,
            "owner": self._owner, "verify_key": "0" * 64, "flags": 0, "team": None,
            "rpc_origins": [], "interactions_endpoint_url": None, "bot": self.bot_user,
        }  # fmt: skip

    async def _get_user(self, call: _Call) -> JSON:
        user = self._users.get(_snowflake(call.params["user_id"], UNKNOWN_USER))
        if user is None:
            raise ApiError(UNKNOWN_USER)
        return user

    async def _create_dm(self, call: _Call) -> JSON:
        body = _object(call.body)
        try:
            user_id = int(body["recipient_id"])
        except (KeyError, TypeError, ValueError):
            errors = FormErrors()
            errors.add(["recipient_id"], "BASE_TYPE_REQUIRED", "This field is required")
            errors.raise_if_any()
            raise
        return self._dms[self.dm_channel(user_id)]

    async def _get_channel(self, call: _Call) -> JSON:
        channel, _ = self._check_access(int(call.params["channel_id"]))
        return channel

    async def _post_message(self, call: _Call) -> JSON:
        channel_id = int(call.params["channel_id"])
        payload = _object(call.body)
        _, guild = self._check_access(channel_id, send=True, files=bool(call.files))
        validate_message(payload, call.files)
        reply_to = self._reply_target(payload, channel_id)
        message = self._add_message(
            channel_id, guild.id if guild else None, payload, call.files, "channel",
            flags=int(payload.get("flags") or 0) & ~EPHEMERAL, reply_to=reply_to,
        )  # fmt: skip
        return self._message_json(message)

    async def _get_message(self, call: _Call) -> JSON:
        channel_id = int(call.params["channel_id"])
        self._check_access(channel_id)
        message_id = _snowflake(call.params["message_id"], UNKNOWN_MESSAGE)
        user_message = self._user_messages.get(message_id)
        if user_message is not None and user_message["channel_id"] == str(channel_id):
            return user_message
        return self._message_json(self._own_message(channel_id, message_id))

    async def _edit_message(self, call: _Call) -> JSON:
        channel_id = int(call.params["channel_id"])
        self._check_access(channel_id)
        message_id = _snowflake(call.params["message_id"], UNKNOWN_MESSAGE)
        if message_id in self._user_messages:
            raise ApiError(CANNOT_EDIT)
        message = self._own_message(channel_id, message_id)
        self._apply_edit(message, _object(call.body), call.files)
        return self._message_json(message)

    async def _delete_message(self, call: _Call) -> None:
        channel_id = int(call.params["channel_id"])
        self._check_access(channel_id)
        message_id = _snowflake(call.params["message_id"], UNKNOWN_MESSAGE)
        if message_id in self._user_messages:
            raise ApiError(MISSING_PERMISSIONS)  # the bot has no Manage Messages
        self._delete(self._own_message(channel_id, message_id))

    async def _typing(self, call: _Call) -> None:
        self._check_access(int(call.params["channel_id"]), send=True)

    def _channel(self, channel_id: int) -> tuple[JSON, FakeGuild | None]:
        if channel_id in self._dms:
            return self._dms[channel_id], None
        guild = self.guilds.get(self._channel_guild.get(channel_id, 0))
        if guild is None or channel_id in self._deleted or channel_id not in guild.channels:
            raise ApiError(UNKNOWN_CHANNEL)
        return guild.channels[channel_id], guild

    def _check_access(
        self, channel_id: int, *, send: bool = False, files: bool = False
    ) -> tuple[JSON, FakeGuild | None]:
        """The bot's view of a channel: 404 if gone, 403 50001 without access, 50013 without
        the permission the request needs (Send Messages, Attach Files)."""
        channel, guild = self._channel(channel_id)
        if guild is None:
            if send and self._dm_users[channel_id] in self._dm_blocked:
                raise ApiError(CANNOT_DM)
            return channel, None
        if not guild.bot_present:
            raise ApiError(MISSING_ACCESS)
        perms = guild.permissions(self.bot_id, channel_id)
        if not perms & VIEW_CHANNEL:
            raise ApiError(MISSING_ACCESS)
        if (send and not perms & SEND_MESSAGES) or (files and not perms & ATTACH_FILES):
            raise ApiError(MISSING_PERMISSIONS)
        return channel, guild

    def _own_message(self, channel_id: int, message_id: int) -> SentMessage:
        message = self._bot_messages.get(message_id)
        if message is None or message.deleted or message.channel_id != channel_id:
            raise ApiError(UNKNOWN_MESSAGE)
        return message

    def _reply_target(self, payload: JSON, channel_id: int) -> int | None:
        reference = payload.get("message_reference")
        if not reference:
            return None
        target = int(reference.get("message_id") or 0)
        known = self._user_messages.get(target) or {}
        own = self._bot_messages.get(target)
        if known.get("channel_id") == str(channel_id) or (own and own.channel_id == channel_id):
            return target
        if reference.get("fail_if_not_exists", True):
            errors = FormErrors()
            errors.add(["message_reference"], "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")  # fmt: skip
            errors.raise_if_any()
        return None

    def _add_message(
        self,
        channel_id: int,
        guild_id: int | None,
        payload: JSON,
        files: Sequence[SentFile],
        source: str,
        record: InteractionRecord | None = None,
        *,
        message_id: int | None = None,
        flags: int | None = None,
        reply_to: int | None = None,
    ) -> SentMessage:
        message = SentMessage(
            id=message_id or self._mint(), channel_id=channel_id, guild_id=guild_id,
            content=payload.get("content") or "", embeds=list(payload.get("embeds") or []),
            components=list(payload.get("components") or []),
            flags=int(payload.get("flags") or 0) if flags is None else flags, source=source,
            interaction_id=record.id if record else None, files=list(files),
            time=time.monotonic(), reply_to=reply_to,
        )  # fmt: skip
        self.messages.append(message)
        self._bot_messages[message.id] = message
        if record is not None:
            record.message_ids.append(message.id)
            record.answer_id = message.id
        if not message.ephemeral:
            self._echo("MESSAGE_CREATE", self._message_json(message), message)
        self._notify()
        return message

    def _apply_edit(self, message: SentMessage, payload: JSON, files: Sequence[SentFile]) -> None:
        """A PATCH: given fields replace the old ones; ``attachments`` lists the files to keep."""
        validate_message(payload, files, partial=True)
        content = payload.get("content", message.content)
        embeds = payload.get("embeds", message.embeds)
        components = payload.get("components", message.components)
        kept = message.files
        if "attachments" in payload:
            keep = {str(a.get("id")) for a in payload["attachments"] or []}
            kept = [f for f in message.files if str(f.id) in keep]
        all_files = [*kept, *files]
        if is_empty(content, embeds, components, all_files):
            raise ApiError(EMPTY_MESSAGE)
        if len(all_files) > MAX_FILES:
            raise ApiError(TOO_MANY_ATTACHMENTS)
        message.content, message.files = content or "", all_files
        message.embeds, message.components = list(embeds or []), list(components or [])
        if "flags" in payload:  # ephemerality cannot change
            message.flags = (message.flags & EPHEMERAL) | (int(payload["flags"] or 0) & ~EPHEMERAL)
        message.edits += 1
        message.edited_at = now_iso()
        if not message.ephemeral:
            self._echo("MESSAGE_UPDATE", self._message_json(message), message)
        self._notify()

    def _delete(self, message: SentMessage) -> None:
        message.deleted = True
        if not message.ephemeral:
            data = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id:
                data["guild_id"] = str(message.guild_id)
            self._echo("MESSAGE_DELETE", data, message)
        self._notify()

    def _echo(self, event: str, data: JSON, message: SentMessage) -> None:
        """Discord also tells the bot about its own messages (with the message intents)."""
        intent = INTENT_GUILD_MESSAGES if message.guild_id else INTENT_DIRECT_MESSAGES
        self._dispatch_if_connected(event, data, intent)

    def _message_json(self, message: SentMessage, *, with_reference: bool = True) -> JSON:
        record = self.interactions.get(message.interaction_id or 0)
        kind = 20 if record and record.type == 2 else 19 if message.reply_to else 0
        referenced = [f for f in message.files if _is_referenced(f, message.embeds)]
        data: JSON = {
            "id": str(message.id), "channel_id": str(message.channel_id),
            "author": self.bot_user, "content": message.content,
            "timestamp": snowflake_time(message.id), "edited_timestamp": message.edited_at,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": [self._attachment_json(message, f) for f in message.files
                            if f not in referenced],
            "embeds": message.embeds, "components": message.components, "pinned": False,
            "type": kind, "flags": message.flags,
        }  # fmt: skip
        if message.guild_id:
            data["guild_id"] = str(message.guild_id)
        if record is not None:
            data["webhook_id"] = data["application_id"] = str(self.application_id)
        if message.reply_to and with_reference:
            data["message_reference"] = {
                "type": 0, "message_id": str(message.reply_to),
                "channel_id": str(message.channel_id),
            }  # fmt: skip
            target = self._bot_messages.get(message.reply_to)
            data["referenced_message"] = (
                self._message_json(target, with_reference=False)
                if target
                else self._user_messages.get(message.reply_to)
            )
        return data

    def _attachment_json(self, message: SentMessage, file: SentFile) -> JSON:
        url = f"http://127.0.0.1:{self.port}/attachments/{message.channel_id}/{file.id}/{file.filename}"  # fmt: skip
        return {
            "id": str(file.id), "filename": file.filename, "size": file.size, "url": url,
            "proxy_url": url, "content_type": file.content_type, "description": file.description,
        }  # fmt: skip

    # -- REST: interactions and followups ------------------------------------------------------

    async def _callback(self, call: _Call) -> JSON | None:
        """Create the interaction response: once, within the deadline, valid for its type."""
        record = self.interactions.get(_snowflake(call.params["interaction_id"], UNKNOWN_INTERACTION))  # fmt: skip
        if record is None or not hmac.compare_digest(record.token, call.params["token"]):
            raise ApiError(UNKNOWN_INTERACTION)
        if record.response is not None:
            raise ApiError(ALREADY_ACKNOWLEDGED)
        delay = call.now - record.created
        if delay > self.interaction_deadline_s:
            raise ApiError(UNKNOWN_INTERACTION)
        body = _object(call.body)
        kind, data = body.get("type"), body.get("data") or {}
        if kind not in CALLBACKS[record.type]:
            errors = FormErrors()
            errors.add(["type"], "INTERACTION_CALLBACK_TYPE_INVALID",
                       f"Callback type {kind} is invalid for interaction type {record.type}")  # fmt: skip
            errors.raise_if_any()
        message = self._perform_callback(record, kind, data, call.files)
        record.response = InteractionResponse(kind, data, delay)
        self._notify()
        if call.query.get("with_response", "").lower() not in ("true", "1"):
            return None
        resource: JSON = {"type": kind}
        if message is not None:
            resource["message"] = self._message_json(message)
        ephemeral = message.ephemeral if message else bool(record.loading_flags & EPHEMERAL)
        interaction: JSON = {"id": str(record.id), "type": record.type}
        if record.original_id is not None:
            interaction.update(
                response_message_id=str(record.original_id),
                response_message_loading=record.loading,
                response_message_ephemeral=ephemeral,
            )
        return {"interaction": interaction, "resource": resource}

    def _perform_callback(
        self, record: InteractionRecord, kind: int, data: JSON, files: Sequence[SentFile]
    ) -> SentMessage | None:
        """Validate and apply one callback; returns the message it created or updated."""
        if kind == 4:
            validate_message(data, files)
            message = self._add_message(
                record.channel_id, record.guild_id, data, files, "interaction", record
            )
            record.original_id = message.id
            return message
        if kind == 5:
            record.original_id, record.loading = self._mint(), True
            record.loading_flags = int(data.get("flags") or 0) & EPHEMERAL
        elif kind in (6, 7):
            assert record.message_id is not None
            record.original_id = record.message_id
            if kind == 7:
                message = self._bot_messages[record.message_id]
                if message.deleted:
                    raise ApiError(UNKNOWN_MESSAGE)
                self._apply_edit(message, data, files)
                record.answer_id = message.id
                return message
        elif kind == 8:
            validate_choices(data.get("choices"))
            record.choices = list(data["choices"])
        elif kind == 9:
            validate_modal(data)
        return None

    def _webhook(self, call: _Call) -> InteractionRecord:
        """The interaction behind a followup token; unusable until acknowledged with a message
        type (Discord has no webhook for it yet), and never for autocomplete or modals."""
        record = self._by_token.get(call.params["token"])
        if (
            record is None
            or call.params["app_id"] != str(self.application_id)
            or record.response is None
            or record.response.type not in (4, 5, 6, 7)
        ):
            raise ApiError(UNKNOWN_WEBHOOK)
        return record

    def _webhook_target(self, record: InteractionRecord, which: str) -> SentMessage | None:
        """``@original`` or a followup id; None while the original is still "thinking..."."""
        if which == "@original":
            if record.original_id is None:
                raise ApiError(UNKNOWN_MESSAGE)
            message_id = record.original_id
        else:
            message_id = _snowflake(which, UNKNOWN_MESSAGE)
            if message_id not in record.message_ids and message_id != record.original_id:
                raise ApiError(UNKNOWN_MESSAGE)
        if record.loading and message_id == record.original_id:
            return None
        message = self._bot_messages.get(message_id)
        if message is None or message.deleted:
            raise ApiError(UNKNOWN_MESSAGE)
        return message

    def _resolve_loading(
        self, record: InteractionRecord, payload: JSON, files: Sequence[SentFile], source: str
    ) -> SentMessage:
        """The "thinking..." message becomes the answer; the defer's ephemerality is kept."""
        validate_message(payload, files)
        record.loading = False
        flags = record.loading_flags | (int(payload.get("flags") or 0) & ~EPHEMERAL)
        return self._add_message(
            record.channel_id, record.guild_id, payload, files, source, record,
            message_id=record.original_id, flags=flags,
        )  # fmt: skip

    async def _followup(self, call: _Call) -> JSON:
        """After a type-5 deferral the first followup edits the loading message (deprecated
        Discord behaviour, which discord.py relies on); otherwise a new message."""
        record = self._webhook(call)
        payload = _object(call.body)
        if record.loading:
            message = self._resolve_loading(record, payload, call.files, "followup")
        else:
            validate_message(payload, call.files)
            message = self._add_message(
                record.channel_id, record.guild_id, payload, call.files, "followup", record
            )
        return self._message_json(message)

    async def _get_webhook_message(self, call: _Call) -> JSON:
        record = self._webhook(call)
        message = self._webhook_target(record, call.params["message_id"])
        if message is not None:
            return self._message_json(message)
        loading = SentMessage(
            id=record.original_id or 0, channel_id=record.channel_id, guild_id=record.guild_id,
            content="", embeds=[], components=[], flags=record.loading_flags | LOADING,
            source="interaction", interaction_id=record.id, files=[], time=record.created,
        )  # fmt: skip
        return self._message_json(loading)

    async def _edit_webhook_message(self, call: _Call) -> JSON:
        record = self._webhook(call)
        payload = _object(call.body)
        message = self._webhook_target(record, call.params["message_id"])
        if message is None:
            message = self._resolve_loading(record, payload, call.files, "edit")
        else:
            self._apply_edit(message, payload, call.files)
            record.answer_id = message.id
        return self._message_json(message)

    async def _delete_webhook_message(self, call: _Call) -> None:
        record = self._webhook(call)
        message = self._webhook_target(record, call.params["message_id"])
        if message is None:
            record.loading = False  # deleting the loading message ends "thinking..."
            self._notify()
        else:
            self._delete(message)

    # -- REST: application commands ------------------------------------------------------------

    def _command_scope(self, call: _Call) -> int | None:
        if call.params["app_id"] != str(self.application_id):
            raise ApiError(MISSING_ACCESS)
        if "guild_id" not in call.params:
            return None
        guild_id = _snowflake(call.params["guild_id"], MISSING_ACCESS)
        guild = self.guilds.get(guild_id)
        if guild is None or not guild.bot_present:
            raise ApiError(MISSING_ACCESS)
        return guild_id

    async def _get_commands(self, call: _Call) -> list[JSON]:
        guild_id = self._command_scope(call)
        return self.global_commands if guild_id is None else self.guild_commands.get(guild_id, [])

    async def _put_commands(self, call: _Call) -> list[JSON]:
        """Bulk overwrite: validated like Discord; a command keeps its id across syncs."""
        guild_id = self._command_scope(call)
        validate_commands(call.body)
        old = self.global_commands if guild_id is None else self.guild_commands.get(guild_id, [])
        ids = {(c["type"], c["name"]): c["id"] for c in old}
        stored = []
        for command in call.body:
            kind = command.get("type", 1)
            entry = {
                "description": "", "default_member_permissions": None, **command, "type": kind,
                "id": ids.get((kind, command["name"])) or str(self._mint()),
                "application_id": str(self.application_id), "version": str(self._mint()),
            }  # fmt: skip
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            stored.append(entry)
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        self._notify()
        return stored


# -- helpers ---------------------------------------------------------------------------------------


def _json(raw: bytes | bytearray | str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(INVALID_JSON) from None


def _object(body: Any) -> JSON:
    """The body must be a JSON object (Discord: DICT_TYPE_CONVERT)."""
    if isinstance(body, dict):
        return body
    errors = FormErrors()
    errors.add([], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    errors.raise_if_any()
    raise AssertionError("unreachable")


def _snowflake(value: str, error: ErrorKind) -> int:
    try:
        return int(value)
    except ValueError:
        raise ApiError(error) from None


def _partial_member(member: JSON) -> JSON:
    """A member without ``user``, as nested in messages and mentions."""
    return {k: v for k, v in member.items() if k != "user"}


def _is_referenced(file: SentFile, embeds: Sequence[JSON]) -> bool:
    """Files shown by an embed (``attachment://name``) are not listed again as attachments."""
    uri = f"attachment://{file.filename}"
    return any(
        (embed.get(key) or {}).get("url") == uri
        for embed in embeds
        for key in ("image", "thumbnail")
    )


def _build_options(
    schema: Sequence[JSON], given: Mapping[str, Any] | Sequence[JSON], focused: str | None
) -> list[JSON]:
    """Interaction options from ``{"name": value}`` checked against the registered schema.

    ``focused`` (autocomplete) marks that option, sends its value as the typed text and skips
    the required/choices checks, since Discord sends partial input there.
    """
    if not isinstance(given, Mapping):
        return list(given)
    if schema and schema[0].get("type") in (1, 2):
        if len(given) != 1:
            raise ValueError("name exactly one subcommand: {'sub': {'option': value}}")
        ((sub_name, sub_given),) = given.items()
        sub = next((o for o in schema if o["name"] == sub_name), None)
        if sub is None:
            raise ValueError(f"no subcommand {sub_name!r}: {[o['name'] for o in schema]}")
        options = _build_options(sub.get("options") or [], sub_given or {}, focused)
        return [{"name": sub_name, "type": sub["type"], "options": options}]
    by_name = {option["name"]: option for option in schema}
    built: list[JSON] = []
    for name, value in given.items():
        option = by_name.get(name)
        if option is None:
            raise ValueError(f"no option {name!r}: {list(by_name)}")
        if name == focused:
            if not option.get("autocomplete"):
                raise ValueError(f"option {name!r} has no autocomplete")
            built.append({"name": name, "type": option["type"], "value": str(value), "focused": True})  # fmt: skip
        else:
            built.append({"name": name, "type": option["type"], "value": _option_value(option, value)})  # fmt: skip
    if focused is not None and focused not in given:
        return _build_options(schema, {**given, focused: ""}, focused)
    missing = [o["name"] for o in schema if o.get("required") and o["name"] not in given]
    if missing and focused is None:
        raise ValueError(f"missing required options {missing}")
    return built


def _option_value(option: JSON, value: Any) -> Any:
    """What Discord's client lets a user enter for this option."""
    kind, name = option["type"], option["name"]
    if kind in (6, 7, 8, 9, 11):  # user, channel, role, mentionable, attachment: snowflakes
        return str(value)
    valid = {
        3: isinstance(value, str),
        4: isinstance(value, int) and not isinstance(value, bool),
        5: isinstance(value, bool),
        10: isinstance(value, int | float) and not isinstance(value, bool),
    }.get(kind, True)
    if not valid:
        raise TypeError(f"option {name!r} (type {kind}) cannot take {value!r}")
    choices = option.get("choices")
    if choices and value not in [choice["value"] for choice in choices]:
        raise ValueError(f"option {name!r} only offers {[c['value'] for c in choices]}")
    if kind == 3 and not option.get("min_length", 0) <= len(value) <= option.get("max_length", 6000):  # fmt: skip
        raise ValueError(f"option {name!r}: length of {value!r} out of range")
    if kind in (4, 10):
        low, high = option.get("min_value"), option.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"option {name!r}: {value!r} out of range")
    return value
