"""Discord: discord.py in our own event loop; slash commands, buttons and links go to the core,
replies come back as embeds within Discord's limits.

A chat is a channel (a server channel or a DM). In servers, members with Manage Channels manage
the channel's subscriptions. Interactions are answered within Discord's 3 seconds: slow work is
deferred ("thinking…") at once and followed up; errors are ephemeral, results public.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Self

import discord
import yarl
from cachetools import TTLCache
from discord import app_commands

from bot.core.commands import Commands
from bot.core.lifecycle import ChatLifecycle
from bot.core.messages import Action, ChatRef, Incoming, Notice, PaperCard, Reply, Tone
from bot.core.ports import ChatUnreachable, MessageRejected, Progress, skip_parts
from bot.core.registry import find
from bot.platforms.discord_commands import command_text, slash_commands
from bot.platforms.pacing import ChatPacer, SendSlots
from bot.render.discord_embed import DiscordMessage, render_reply
from bot.render.split import PLAIN, split_blocks
from config.settings import ConfigError, DiscordSettings

log = logging.getLogger(__name__)

PLATFORM = "discord"
# Discord voids an interaction that is not answered within 3 seconds: whatever is not ready by
# then is deferred ("paperboy is thinking…") and followed up.
ANSWER_WITHIN_S = 2.0
_TYPING_AFTER_S = 0.5
_TYPING_EVERY_S = 8.0  # a typing indicator lasts about 10 seconds
# Error codes that mean "this channel is gone for us" (Discord's JSON error codes).
_GONE = {
    10003: "Unknown Channel",
    10004: "Unknown Guild",
    10013: "Unknown User",
    50001: "Missing Access",
    50007: "Cannot send messages to this user",
    50013: "Missing Permissions",
}
_DONE = "Done."
_SORRY = "Something went wrong on our side; it has been logged. Please try again."
_STALE_BUTTON = "That button no longer works; send /summarize with the paper's id."
_RESTARTING = "paperboy is restarting; please try again in a minute."
_STOP_GRACE_S = 3.0  # how long a stop waits for interactions to be answered


class _Client(discord.Client):
    """discord.py's client with its events routed to the platform (and failures contained)."""

    def __init__(self, platform: DiscordPlatform, **options: Any) -> None:
        super().__init__(**options)
        self._platform = platform

    async def on_message(self, message: discord.Message) -> None:
        await self._platform.on_message(message)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self._platform.on_interaction(interaction)

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        self._platform.channel_gone(channel.id, "the channel was deleted")

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        for channel in guild.channels:
            self._platform.channel_gone(channel.id, "the bot was removed from the server")

    async def on_resumed(self) -> None:
        log.info("discord gateway session resumed")

    async def on_error(self, event: str, *args: object, **kwargs: object) -> None:
        log.exception("error in Discord event %s", event)


class DiscordPlatform:
    """One Discord bot: gateway events and slash commands to the core, embeds back."""

    name = PLATFORM
    cards_per_send = 10  # a message holds up to ten embeds: a digest batch is one message

    def __init__(
        self, settings: DiscordSettings, commands: Commands, lifecycle: ChatLifecycle
    ) -> None:
        if settings.token is None:
            raise ValueError("DiscordPlatform needs a token")
        self._settings = settings
        self._commands = commands
        self._lifecycle = lifecycle
        self._client: _Client | None = None
        self._connection: asyncio.Task[None] | None = None
        # The bot-wide request budget, spread evenly; replies go before digest (bulk) messages.
        slots = SendSlots(settings.requests_per_second, burst=11, reserve=10)
        self._pacer = ChatPacer(settings.per_channel_interval_s, lambda bulk: slots.slot(bulk=bulk))
        # Events seen lately: a resumed gateway may replay some; none is answered twice.
        self._seen: TTLCache[int, bool] = TTLCache(maxsize=10_000, ttl=3600)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._responders: set[asyncio.Task[Any]] = set()  # interactions being answered
        self._thinking: set[int] = set()  # interactions deferred and not answered yet
        self._never = asyncio.Event()
        self._endpoints: tuple[str, yarl.URL] | None = None

    # -- lifecycle (discord.py's login/connect, never client.run, which owns the loop) ----------

    async def __aenter__(self) -> Self:
        s = self._settings
        # discord.py keeps its endpoints in class attributes: set for this process, restored
        # on exit.
        self._endpoints = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        discord.http.Route.BASE = s.api_base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(s.gateway_url)
        # paperboy has no voice: discord.py's warnings about voice libraries would only confuse.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.dm_messages = True
        intents.message_content = s.message_content
        client = _Client(
            self, intents=intents, max_ratelimit_timeout=60.0,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=s.guild_ready_timeout_s,
        )
        self._client = client
        try:
            await self._start(client)
        except BaseException:
            await self.__aexit__()
            raise
        user = client.user
        log.info("discord bot %s started in %d servers", user.name if user else "?", len(client.guilds))
        if not s.message_content:
            log.info(
                "discord message content intent is off: in server channels links are answered "
                "when the bot is mentioned; slash commands and DMs work "
                "(PAPERBOY_DISCORD__MESSAGE_CONTENT=true reads every link)"
            )
        return self

    async def _start(self, client: _Client) -> None:
        """Log in, publish the slash commands, connect the gateway and wait until it is ready."""
        try:
            await client.login(self._settings.token.get_secret_value())  # type: ignore[union-attr]
        except discord.LoginFailure:
            raise ConfigError(
                "Discord rejected the bot token (discord.token, PAPERBOY_DISCORD__TOKEN): "
                "copy it again from the Developer Portal (Bot → Reset Token)"
            ) from None
        await self._sync_commands(client)
        self._connection = asyncio.create_task(client.connect(reconnect=True), name="discord")
        await self._wait_ready(client, self._connection)

    async def _wait_ready(self, client: _Client, connection: asyncio.Task[None]) -> None:
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, connection}, timeout=self._settings.ready_timeout_s,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if ready in done:
            return
        ready.cancel()
        if connection in done:
            exc = connection.exception()
            if isinstance(exc, discord.PrivilegedIntentsRequired):
                raise ConfigError(
                    "Discord refused the message content intent (discord.message_content): switch "
                    "on 'Message Content Intent' in the Developer Portal, or set it to false"
                ) from None
            if isinstance(exc, discord.LoginFailure):
                raise ConfigError("Discord rejected the bot token (discord.token)") from None
            raise RuntimeError(f"the Discord gateway closed during start-up: {exc}")
        raise TimeoutError(
            f"the Discord gateway was not ready within {self._settings.ready_timeout_s:.0f} s"
        )

    async def _sync_commands(self, client: _Client) -> None:
        """Publish the slash commands: globally, and instantly in the configured servers."""
        payload = slash_commands()
        app_id = client.application_id
        try:
            await client.http.bulk_upsert_global_commands(app_id, payload)  # type: ignore[arg-type]
            for guild_id in self._settings.guild_ids:
                await client.http.bulk_upsert_guild_commands(app_id, guild_id, payload)  # type: ignore[arg-type]
        except (discord.HTTPException, discord.RateLimited) as exc:
            log.warning("could not register the slash commands (the ones registered before "
                        "still work): %s", exc)

    async def __aexit__(self, *exc: object) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._responders:  # let them tell their users, before the connection goes
            await asyncio.wait(set(self._responders), timeout=_STOP_GRACE_S)
        client, self._client = self._client, None
        if client is not None:
            await client.close()  # closes the gateway cleanly (SIGTERM lands here)
        if self._connection is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._connection, 5)
            self._connection = None
        if self._endpoints is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._endpoints
            self._endpoints = None

    async def wait_closed(self) -> None:
        """Discord never ends by itself; the process stops it."""
        await self._never.wait()

    # -- sending ---------------------------------------------------------------------------------

    async def send(
        self, chat_id: str, reply: Reply, *, reference: discord.Message | None = None,
        bulk: bool = False, progress: Progress | None = None, skip: int = 0,
        parts: int | None = None,
    ) -> None:
        """Deliver a reply as one or more messages; ChatUnreachable when the channel is gone.

        ``bulk``: a digest message, sent after any reply waiting for the bot's budget;
        ``progress``/``skip``: see the Platform port (a digest resumes mid-message-group)."""
        channel = self._channel(chat_id)
        messages = render_reply(reply)
        skip = skip_parts(skip, parts, len(messages))
        for index, message in enumerate(messages):
            if index < skip:
                continue
            await self._post(channel, message, reference, bulk=bulk)
            reference = None  # only the first message answers the user's
            if progress is not None:
                progress(index + 1, len(messages))

    def _channel(self, chat_id: str) -> discord.PartialMessageable:
        client = self._client
        if client is None:
            raise ConnectionError("the Discord platform is not running")
        return client.get_partial_messageable(int(chat_id))

    async def _send_answer(self, chat_id: str, reply: Reply, reference: discord.Message) -> None:
        """A reply to a message; a provisional card is sent on its own and edited in place
        when the model's card arrives."""
        if not any(card.provisional for card in reply.cards):
            await self.send(chat_id, reply, reference=reference)
            return
        channel = self._channel(chat_id)
        first: discord.Message | None = reference
        for item in reply.items:
            posted = [await self._post(channel, m, first) for m in render_reply(Reply((item,)))]
            first = None
            if isinstance(item, PaperCard) and item.provisional:
                self._background(self._upgrade_in_place(channel, item, posted))

    async def _upgrade_in_place(
        self, channel: discord.PartialMessageable, card: PaperCard, posted: list[discord.Message | None]
    ) -> None:
        """Replace a provisional card's messages with the model's card (what no longer fits is
        sent, what is left over deleted), then its figures."""
        better = await self._commands.upgrade(card)
        fresh = render_reply(Reply((better,)))
        try:
            for index, message in enumerate(fresh):
                old = posted[index] if index < len(posted) else None
                if old is None:
                    await self._post(channel, message, None)
                else:
                    await self._paced(channel.id, lambda m=message, o=old: o.edit(
                        content=m.content or None, embeds=list(m.embeds), view=_view(m),
                        attachments=_files(m)))
            for old in posted[len(fresh):]:
                if old is not None:
                    await self._paced(channel.id, old.delete)
        except (discord.HTTPException, ChatUnreachable) as exc:
            log.warning("could not update the card of %s (%s)", card.paper.versioned_id, exc)
            return
        await self._figures_to_channel(str(channel.id), Reply((better,)))

    async def _post(
        self,
        channel: discord.PartialMessageable,
        message: DiscordMessage,
        reference: discord.Message | None,
        *,
        bulk: bool = False,
    ) -> discord.Message | None:
        """Post one message; returns it (None when it had to go out as plain text)."""
        ref = reference.to_reference(fail_if_not_exists=False) if reference else None
        try:
            return await self._paced(channel.id, lambda: channel.send(  # type: ignore[no-any-return]
                content=message.content or None, embeds=list(message.embeds),
                view=_view(message), reference=ref, files=_files(message),  # type: ignore[arg-type]
            ), bulk=bulk)
        except discord.HTTPException as exc:
            if ref is not None and exc.code == 50013:
                # Replying needs Read Message History; posting without the reply may still work.
                return await self._post(channel, message, None, bulk=bulk)
            if exc.code in _GONE or exc.status == 404:
                raise self._unreachable(channel.id, _reason(exc)) from None
            if exc.status == 400:  # our renderer is meant to prevent this; never lose the text
                log.error("Discord rejected our message (%s); resending it as plain text", exc)
                try:
                    for chunk in _plain(message):
                        await self._paced(channel.id, lambda c=chunk: channel.send(content=c), bulk=bulk)
                except discord.HTTPException as again:
                    if again.status == 400:
                        raise MessageRejected(str(again)) from None
                    raise
                return None
            raise

    async def _paced(
        self, channel_id: int, post: Callable[[], Awaitable[Any]], *, bulk: bool = False
    ) -> Any:
        """At most one message per ``per_channel_interval_s`` in a channel, within the bot-wide
        request budget, so discord.py rarely has to wait out a 429."""
        return await self._pacer.run(channel_id, post, bulk=bulk)

    def _unreachable(self, channel_id: int, reason: str) -> ChatUnreachable:
        self._lifecycle.unreachable(ChatRef(PLATFORM, str(channel_id)), reason)
        return ChatUnreachable(str(channel_id), reason)

    def channel_gone(self, channel_id: int, reason: str) -> None:
        """A channel was deleted or the bot left its server: stop serving it."""
        self._lifecycle.unreachable(ChatRef(PLATFORM, str(channel_id)), reason)

    # -- messages (links, mentions, DMs) ---------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        """A message in a channel the bot can see: links and typed commands go to the core."""
        client = self._client
        if client is None or client.user is None or message.author.bot or message.webhook_id:
            return
        if not self._first_time(message.id):
            return
        try:
            await self._answer_message(message, client.user)
        except Exception:
            log.exception("error while handling a Discord message")
            with contextlib.suppress(discord.HTTPException, ChatUnreachable):
                await self.send(str(message.channel.id), Reply.notice(_SORRY, Tone.ERROR),
                                reference=message)

    async def _answer_message(self, message: discord.Message, me: discord.ClientUser) -> None:
        in_dm = message.guild is None
        mentioned = any(user.id == me.id for user in message.mentions)
        text = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        if not text:
            return  # no content (intent off), or a bare mention
        can_manage = in_dm
        if not in_dm and text.startswith("/") and isinstance(message.author, discord.Member):
            channel = message.channel
            if isinstance(channel, discord.abc.GuildChannel | discord.Thread):
                can_manage = channel.permissions_for(message.author).manage_channels
        incoming = Incoming(
            chat=ChatRef(PLATFORM, str(message.channel.id)),
            user_id=str(message.author.id),
            text=text,
            is_group=not in_dm,
            addressed=in_dm or mentioned,
            can_manage=can_manage,
            user_name=message.author.name,
        )
        typing = asyncio.create_task(self._keep_typing(message.channel))
        try:
            reply = await self._commands.handle(incoming)
        finally:
            typing.cancel()
        if reply is not None and reply.items:
            try:
                await self._send_answer(str(message.channel.id), reply, message)
            except ChatUnreachable:
                return
            self._background(self._figures_to_channel(str(message.channel.id), reply))

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run follow-up work (figures after a card) without holding up the answer."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _figures_to_channel(self, chat_id: str, reply: Reply) -> None:
        """After on-demand cards, their figures, when ready (the card never waits for them)."""
        for card in reply.cards:
            if card.provisional:
                continue  # its figures come with the model's card
            try:
                figures = await self._commands.figures_for(card)
                if figures is not None:
                    await self.send(chat_id, figures)
            except ChatUnreachable:
                return
            except Exception:
                log.exception("sending the figures of %s failed", card.paper.versioned_id)

    async def _figures_as_followup(self, interaction: discord.Interaction, reply: Reply) -> None:
        """A public slash answer's cards, then their figures as follow-ups of that answer (a
        provisional card's come once the model's card replaced it)."""
        for card in reply.cards:
            if card.provisional:
                continue
            try:
                figures = await self._commands.figures_for(card)
                if figures is None:
                    continue
                for message in render_reply(figures):
                    await interaction.followup.send(
                        content=message.content or discord.utils.MISSING, files=_files(message),
                        wait=True,
                    )
            except Exception:
                log.exception("sending the figures of %s failed", card.paper.versioned_id)
    async def _keep_typing(self, channel: discord.abc.Messageable) -> None:
        """Show "paperboy is typing…" while a slow answer (a new summary) is written."""
        with contextlib.suppress(discord.HTTPException):
            await asyncio.sleep(_TYPING_AFTER_S)
            while True:
                await channel.typing()
                await asyncio.sleep(_TYPING_EVERY_S)

    # -- interactions (slash commands, buttons, autocomplete) -----------------------------------

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every interaction is answered (or deferred) within Discord's 3 seconds."""
        if not self._first_time(interaction.id):
            return
        try:
            if interaction.type is discord.InteractionType.application_command:
                await self._on_slash(interaction)
            elif interaction.type is discord.InteractionType.component:
                await self._on_press(interaction)
            elif interaction.type is discord.InteractionType.autocomplete:
                await self._on_autocomplete(interaction)
        except Exception:
            log.exception("error while handling a Discord interaction")
            await self._apologise(interaction)
        finally:
            self._thinking.discard(interaction.id)

    async def _on_slash(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        name = str(data.get("name", ""))
        spec = find(name)
        incoming = self._incoming(interaction, text=command_text(name, data.get("options", [])))
        slow = spec is not None and spec.slow
        await self._respond(interaction, self._commands.handle(incoming), defer_now=slow)

    async def _on_press(self, interaction: discord.Interaction) -> None:
        custom_id = str((interaction.data or {}).get("custom_id", ""))
        action = Action.parse(custom_id)
        if action is None:
            await interaction.response.send_message(_STALE_BUTTON, ephemeral=True)
            return
        incoming = self._incoming(interaction, action=action)
        refused = self._commands.press_refusal(incoming)
        if refused is not None:
            await interaction.response.send_message(refused, ephemeral=True)
            return
        # The card a button opens is for the person who pressed it: shown to them alone, so
        # busy channels are not flooded by expanded cards.
        await self._respond(interaction, self._commands.handle(incoming), private=True)

    async def _on_autocomplete(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        focused = next((o for o in data.get("options", []) if o.get("focused")), None)
        choices: list[app_commands.Choice[str]] = []
        if focused is not None:
            chat = ChatRef(PLATFORM, str(interaction.channel_id))
            found = self._commands.suggest(
                chat, str(data.get("name", "")), str(focused.get("name", "")),
                str(focused.get("value", "")),
            )
            choices = [app_commands.Choice(name=s.name, value=s.value) for s in found]
        await interaction.response.autocomplete(choices)

    def _incoming(
        self, interaction: discord.Interaction, *, text: str = "", action: Action | None = None
    ) -> Incoming:
        in_dm = interaction.guild_id is None
        user = interaction.user
        return Incoming(
            chat=ChatRef(PLATFORM, str(interaction.channel_id)),
            user_id=str(user.id),
            text=text,
            is_group=not in_dm,
            addressed=True,
            # Discord computes the member's permissions in this channel for the interaction.
            can_manage=in_dm or interaction.permissions.manage_channels,
            user_name=user.name,
            action=action,
        )

    async def _respond(
        self,
        interaction: discord.Interaction,
        work: Coroutine[Any, Any, Reply | None],
        *,
        defer_now: bool = False,
        private: bool = False,
    ) -> None:
        """Answer within 3 s: at once when the reply is ready, else defer and follow up.

        Errors (only warning/error notices) are shown to the user alone; results to everyone,
        except for ``private`` answers.
        """
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        responder = asyncio.current_task()
        if responder is not None:
            self._responders.add(responder)
            responder.add_done_callback(self._responders.discard)
        deferred = False
        if not defer_now:
            await asyncio.wait({task}, timeout=ANSWER_WITHIN_S)
        if defer_now or not task.done():
            await interaction.response.defer(thinking=True, ephemeral=private)
            self._thinking.add(interaction.id)
            deferred = True
        try:
            reply = await task
        except asyncio.CancelledError:
            if not task.cancelled():
                raise  # this responder itself is being cancelled
            reply = Reply.notice(_RESTARTING, Tone.ERROR)  # the bot is stopping
        except Exception:
            log.exception("error while answering a Discord interaction")
            reply = Reply.notice(_SORRY, Tone.ERROR)
        if reply is None or not reply.items:
            reply = Reply.notice(_DONE)  # e.g. /digest, whose messages went to the channel
        ephemeral = private or _only_problems(reply)
        messages = render_reply(reply)
        try:
            await self._deliver(interaction, messages, deferred=deferred, ephemeral=ephemeral,
                                deferred_publicly=deferred and not private)
            provisional = [card for card in reply.cards if card.provisional]
            if provisional and len(reply.items) == 1:
                self._background(self._upgrade_answer(interaction, provisional[0]))
            if not ephemeral and reply.cards:
                self._background(self._figures_as_followup(interaction, reply))
        except discord.NotFound as exc:  # 10062: the interaction expired (a slow start-up?)
            log.warning("interaction answer failed (%s); posting in the channel instead", exc)
            if not ephemeral and interaction.channel_id is not None:
                with contextlib.suppress(ChatUnreachable, discord.HTTPException):
                    await self.send(str(interaction.channel_id), reply)

    async def _upgrade_answer(self, interaction: discord.Interaction, card: PaperCard) -> None:
        """Replace a provisional card answering a slash command with the model's card (the
        interaction's token stays valid for 15 minutes)."""
        better = await self._commands.upgrade(card)
        first, *rest = render_reply(Reply((better,)))
        try:
            await interaction.edit_original_response(
                content=first.content or None, embeds=list(first.embeds), view=_view(first),
                attachments=_files(first))
            for message in rest:
                await interaction.followup.send(
                    content=message.content or discord.utils.MISSING, embeds=list(message.embeds),
                    view=_view(message) or discord.utils.MISSING, wait=True, files=_files(message))
        except discord.HTTPException as exc:
            log.warning("could not update the card of %s (%s)", card.paper.versioned_id, exc)
            return
        await self._figures_as_followup(interaction, Reply((better,)))

    async def _deliver(
        self,
        interaction: discord.Interaction,
        messages: list[DiscordMessage],
        *,
        deferred: bool,
        ephemeral: bool,
        deferred_publicly: bool,
    ) -> None:
        first, rest = messages[0], messages[1:]
        if deferred and ephemeral and deferred_publicly:
            # "thinking…" was public but the answer is an error: only the user should see it.
            await interaction.delete_original_response()
            self._thinking.discard(interaction.id)
            rest = messages
        elif deferred:
            await interaction.edit_original_response(
                content=first.content or None, embeds=list(first.embeds), view=_view(first),
                attachments=_files(first),
            )
            self._thinking.discard(interaction.id)
        else:
            await interaction.response.send_message(
                content=first.content or None, embeds=list(first.embeds),
                view=_view(first) or discord.utils.MISSING, ephemeral=ephemeral,
                files=_files(first),
            )
        for message in rest:
            await interaction.followup.send(
                content=message.content or discord.utils.MISSING, embeds=list(message.embeds),
                view=_view(message) or discord.utils.MISSING, ephemeral=ephemeral, wait=True,
                files=_files(message),
            )

    async def _apologise(self, interaction: discord.Interaction) -> None:
        """Tell the user something went wrong, privately; an autocomplete gets no choices."""
        with contextlib.suppress(discord.HTTPException):
            if interaction.type is discord.InteractionType.autocomplete:
                if not interaction.response.is_done():
                    await interaction.response.autocomplete([])
            elif interaction.response.is_done():
                if interaction.id in self._thinking:
                    # The first follow-up would replace a public "thinking…", publicly.
                    self._thinking.discard(interaction.id)
                    with contextlib.suppress(discord.HTTPException):
                        await interaction.delete_original_response()
                await interaction.followup.send(_SORRY, ephemeral=True)
            else:
                await interaction.response.send_message(_SORRY, ephemeral=True)

    def _first_time(self, event_id: int) -> bool:
        """False for an event handled already (replayed after a gateway resume)."""
        if event_id in self._seen:
            return False
        self._seen[event_id] = True
        return True


def _view(message: DiscordMessage) -> discord.ui.View | None:
    """The message's buttons as a View that discord.py does not keep: presses reach
    ``on_interaction`` and the core, not a per-message callback held in memory."""
    if not message.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for row, buttons in enumerate(message.buttons):
        for button in buttons:
            if button.url:
                view.add_item(discord.ui.Button(label=button.label, url=button.url, row=row))
            else:
                view.add_item(discord.ui.Button(
                    label=button.label, custom_id=button.action,
                    style=discord.ButtonStyle.secondary, row=row,
                ))
    view.stop()  # a finished view is sent but never stored in discord.py's view store
    return view


def _files(message: DiscordMessage) -> list[discord.File]:
    """The message's images as upload parts (a discord.File is single use: made per send)."""
    return [
        discord.File(io.BytesIO(f.data), filename=f.filename, description=f.label[:1024])
        for f in message.files
    ]


def _only_problems(reply: Reply) -> bool:
    """A reply of warnings and errors only (shown to the user alone on Discord)."""
    return all(isinstance(i, Notice) and i.tone is not Tone.INFO for i in reply.items)


def _reason(exc: discord.HTTPException) -> str:
    return _GONE.get(exc.code) or f"HTTP {exc.status}: {exc.text[:100]}"


def _plain(message: DiscordMessage) -> list[str]:
    """All the text of a message Discord refused, as plain messages of at most 2000 characters
    (every embed's title, link, description and fields: nothing is dropped)."""
    parts = [message.content]
    for embed in message.embeds:
        parts.append("\n".join(filter(None, [embed.title, embed.url, embed.description])))
        parts += [f"{field.name}\n{field.value}" for field in embed.fields]
        parts.append(embed.footer.text or "")
    blocks = [p for p in parts if p and p.strip()] or ["…"]
    return split_blocks(blocks, 2000, len, syntax=PLAIN)
