"""Tests for the Discord fake itself, driven by the real discord.py client (no paperboy code).

What the bot's tests rely on must be Discord's behaviour as discord.py experiences it: login,
READY and the guild cache, the MESSAGE_CONTENT intent, interaction responses and their
deadline, Discord's limits and error codes, 429 retries, and RESUME after a dropped gateway.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.http import Route

from tests.fakes.discord_api import DiscordFake
from tests.fakes.discord_records import MANAGE_CHANNELS

TOKEN = "fake.bot.token"
BOT_ID = 4242
GUILD, PAPERS, GENERAL = 100, 200, 201
MODERATOR, READER = 7001, 7002
LINK = "see https://arxiv.org/abs/2401.00001"

Start = Callable[["Client"], Awaitable[None]]


class Client(discord.Client):
    """A plain discord.Client with a command tree that syncs on login and records messages."""

    def __init__(self, *, message_content: bool = True, members: bool = False) -> None:
        intents = discord.Intents.default()
        intents.message_content, intents.members = message_content, members
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.seen: list[discord.Message] = []
        self.errors: list[discord.HTTPException] = []

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_message(self, message: discord.Message) -> None:
        if message.author != self.user:
            self.seen.append(message)


@pytest.fixture
async def fake(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[DiscordFake]:
    """A running fake with one guild (a moderator and a reader); discord.py aimed at it.

    Constructor arguments come from indirect parametrization: ``{"interaction_deadline_s": 0.2}``.
    """
    async with DiscordFake(TOKEN, bot_id=BOT_ID, **getattr(request, "param", {})) as running:
        running.add_guild(GUILD, "arXiv readers", channels={PAPERS: "papers", GENERAL: "general"})
        running.add_member(GUILD, MODERATOR, "mod", manage_channels=True)
        running.add_member(GUILD, READER, "reader")
        monkeypatch.setattr(Route, "BASE", running.api_base_url)
        gateway = yarl.URL(running.gateway_url)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", gateway)
        yield running


@pytest.fixture
async def start(fake: DiscordFake) -> AsyncIterator[Start]:
    """Run clients as tasks (never ``client.run``) until READY; close them afterwards."""
    running: list[tuple[Client, asyncio.Task[None]]] = []

    async def start_client(client: Client) -> None:
        task = asyncio.create_task(client.start(TOKEN))
        running.append((client, task))
        ready = asyncio.create_task(client.ready.wait())
        await asyncio.wait({task, ready}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        became_ready = ready.done()
        ready.cancel()
        if task.done():
            task.result()  # raises what start() raised
        assert became_ready, "the client did not become ready"
        await fake.wait_until_ready()

    yield start_client
    for client, task in running:
        await client.close()
        await asyncio.wait({task}, timeout=5)


async def eventually(check: Callable[[], bool], timeout: float = 3) -> None:
    """Poll until ``check()`` holds (client-side effects have no event to await)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def post_raw(client: discord.Client, payload: dict[str, Any], channel: int = PAPERS) -> Any:
    """POST a message body as is: discord.py refuses some invalid ones before sending."""
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel)
    return await client.http.request(route, json=payload)


def png(name: str, size: int) -> discord.File:
    return discord.File(
        io.BytesIO(b"\x89PNG" + bytes(size - 4)), filename=name, description="alt text"
    )


# -- login, READY, intents -------------------------------------------------------------------------


async def test_login_ready_and_guild_cache(fake: DiscordFake, start: Start) -> None:
    """Login calls, IDENTIFY intents, READY + GUILD_CREATE fill discord.py's caches."""
    client = Client()
    await start(client)
    assert client.user is not None and (client.user.id, client.user.name) == (BOT_ID, "paperboy")
    assert client.application_id == BOT_ID
    assert [r.path for r in fake.requests[:3]] == [
        "/users/@me",
        "/oauth2/applications/@me",
        f"/applications/{BOT_ID}/commands",
    ]
    assert fake.intents == client.intents.value and fake.identify_count == 1
    guild = client.get_guild(GUILD)
    assert guild is not None and guild.name == "arXiv readers"
    assert {c.id: c.name for c in guild.text_channels} == {PAPERS: "papers", GENERAL: "general"}
    me = guild.me.guild_permissions
    assert me.send_messages and me.embed_links and not me.manage_channels
    assert all("Authorization" not in repr(r) and TOKEN not in repr(r) for r in fake.requests)
    fake.add_guild(300, "late guild", channels={301: "news"})
    fake.add_channel(GUILD, 202, "digests")
    await eventually(lambda: None not in (client.get_channel(301), client.get_channel(202)))


async def test_members_intent_chunks_the_guild(fake: DiscordFake, start: Start) -> None:
    """With GUILD_MEMBERS discord.py requests members (op 8) and waits for the chunk."""
    client = Client(members=True)
    await start(client)
    guild = client.get_guild(GUILD)
    assert guild is not None and guild.chunked
    moderator, reader = guild.get_member(MODERATOR), guild.get_member(READER)
    assert moderator is not None and moderator.guild_permissions.manage_channels
    assert reader is not None and not reader.guild_permissions.manage_channels


@pytest.mark.parametrize("message_content", [True, False])
async def test_message_content_intent(
    fake: DiscordFake, start: Start, message_content: bool
) -> None:
    """Without the intent guild messages arrive empty, unless they mention the bot or are DMs."""
    client = Client(message_content=message_content)
    await start(client)
    fake.user_message(PAPERS, LINK, user_id=READER)
    fake.user_message(PAPERS, "summarize this", user_id=READER, mention_bot=True)
    fake.user_message(fake.dm_channel(READER), "hello in private")
    await eventually(lambda: len(client.seen) == 3)
    plain, mention, direct = client.seen
    assert plain.content == (LINK if message_content else "")
    assert isinstance(plain.author, discord.Member) and plain.author.id == READER
    assert mention.content == f"<@{BOT_ID}> summarize this" and client.user in mention.mentions
    assert direct.content == "hello in private" and direct.guild is None


# -- interactions ----------------------------------------------------------------------------------


async def test_slash_command_answered_with_send_message(fake: DiscordFake, start: Start) -> None:
    """Options get their registered types; permissions reflect Manage Channels; type 4 answer."""
    client = Client()
    seen: list[tuple[str, int, bool, bool, bool]] = []

    @client.tree.command(name="summarize", description="Summarize an arXiv paper")
    async def summarize(
        interaction: discord.Interaction, paper: str, pages: int = 1, short: bool = False
    ) -> None:
        assert isinstance(interaction.user, discord.Member)
        cached = interaction.user.guild_permissions.manage_channels
        seen.append((paper, pages, short, interaction.permissions.manage_channels, cached))
        await interaction.response.send_message(f"Summary of {paper}")

    await start(client)
    options = (await fake.wait_for_command("summarize"))["options"]
    assert [(o["name"], o["type"], o.get("required", False)) for o in options] == [
        ("paper", 3, True),
        ("pages", 4, False),
        ("short", 5, False),
    ]
    given = {"paper": "2401.00001", "pages": 3, "short": True}
    asked = fake.slash("summarize", given, channel_id=PAPERS, user_id=MODERATOR)
    answer = await fake.wait_for_response(asked)
    assert (answer.content, answer.source) == ("Summary of 2401.00001", "interaction")
    assert answer.channel_id == PAPERS and answer.interaction_id == asked and not answer.ephemeral
    assert fake.interaction_responses[asked].type == 4
    assert fake.interaction_responses[asked].delay < fake.interaction_deadline_s
    fake.add_member(GUILD, 7003, "helper", permissions=MANAGE_CHANNELS)  # a new role, live
    for user in (READER, 7003):
        await fake.wait_for_response(fake.slash("summarize", {"paper": "x"}, channel_id=PAPERS, user_id=user))  # fmt: skip
    assert seen == [
        ("2401.00001", 3, True, True, True),
        ("x", 1, False, False, False),
        ("x", 1, False, True, True),
    ]
    with pytest.raises(LookupError, match="not registered"):
        fake.slash("unknown", channel_id=PAPERS)
    with pytest.raises(TypeError):
        fake.slash("summarize", {"paper": 5}, channel_id=PAPERS)
    with pytest.raises(ValueError, match="missing required"):
        fake.slash("summarize", {"pages": 2}, channel_id=PAPERS)


@pytest.mark.parametrize("finish", ["followup", "edit"])
async def test_defer_then_answer(fake: DiscordFake, start: Start, finish: str) -> None:
    """A "thinking..." deferral is pending until a followup or an @original edit resolves it."""
    client = Client()
    release = asyncio.Event()

    loading: list[bool] = []

    @client.tree.command(name="digest", description="Today's digest")
    async def digest(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        loading.append((await interaction.original_response()).flags.loading)
        await release.wait()
        if finish == "followup":
            await interaction.followup.send("Your digest")
        else:
            await interaction.edit_original_response(content="Your digest")
        await interaction.followup.send("One more thing")

    await start(client)
    asked = fake.slash("digest", channel_id=PAPERS, user_id=READER)
    await fake.wait_for_requests("POST", f"/interactions/{asked}/*/callback")
    assert fake.interaction_responses[asked].type == 5 and fake.pending_thinking() == [asked]
    release.set()
    await fake.wait_for_messages(2)
    resolved, extra = fake.messages
    assert (resolved.content, resolved.source, resolved.ephemeral) == ("Your digest", finish, True)
    assert (extra.content, extra.source, extra.ephemeral) == ("One more thing", "followup", False)
    assert fake.pending_thinking() == [] and (await fake.wait_for_response(asked)) is extra
    assert loading == [True]


@pytest.mark.parametrize("fake", [{"interaction_deadline_s": 0.2}], indirect=True)
async def test_late_callback_is_unknown_interaction(fake: DiscordFake, start: Start) -> None:
    """Past the deadline the callback is 404/10062 and, never acknowledged, followups 10015."""
    client = Client()

    @client.tree.command(name="slow", description="Too slow to answer")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.25)
        for attempt in (interaction.response.send_message, interaction.followup.send):
            try:
                await attempt("too late")
            except discord.NotFound as error:
                client.errors.append(error)

    await start(client)
    asked = fake.slash("slow", channel_id=PAPERS)
    await eventually(lambda: len(client.errors) == 2)
    assert [(e.status, e.code) for e in client.errors] == [(404, 10062), (404, 10015)]
    assert asked not in fake.interaction_responses and fake.messages == []


async def test_second_acknowledgement_is_rejected(fake: DiscordFake, start: Start) -> None:
    """discord.py guards ``interaction.response``; a fresh InteractionResponse gets 40060."""
    client = Client()

    @client.tree.command(name="twice", description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("first")
        try:
            await discord.InteractionResponse(interaction).send_message("second")
        except discord.HTTPException as error:
            client.errors.append(error)

    await start(client)
    fake.slash("twice", channel_id=PAPERS)
    await eventually(lambda: len(client.errors) == 1)
    assert (client.errors[0].status, client.errors[0].code) == (400, 40060)
    assert [m.content for m in fake.messages] == ["first"]


async def test_button_press_and_autocomplete(fake: DiscordFake, start: Start) -> None:
    """A button press edits its message (type 7); autocomplete choices are recorded (type 8)."""
    client = Client()

    class Paging(discord.ui.View):
        @discord.ui.button(label="Next", custom_id="page:next")
        async def next_page(self, interaction: discord.Interaction, _: discord.ui.Button) -> None:
            await interaction.response.edit_message(content="page 2", view=None)

    @client.tree.command(name="papers", description="Papers on a topic")
    async def papers(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(f"{topic}: page 1", view=Paging())

    @papers.autocomplete("topic")
    async def topics(_: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = ["llm", "lattice", "quantum"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    await start(client)
    shown = await fake.wait_for_response(fake.slash("papers", {"topic": "llm"}, channel_id=PAPERS))
    assert [b["custom_id"] for b in shown.buttons] == ["page:next"]
    pressed = fake.press("page:next", message_id=shown.id)
    updated = await fake.wait_for_response(pressed)
    assert updated is shown is fake.message(shown.id)
    assert (shown.content, shown.components, shown.edits) == ("page 2", [], 1)
    assert fake.interaction_responses[pressed].type == 7
    typed = fake.autocomplete("papers", {"topic": "l"}, focused="topic", channel_id=PAPERS)
    await eventually(lambda: fake.autocomplete_choices(typed) is not None)
    assert [c["name"] for c in fake.autocomplete_choices(typed) or []] == ["llm", "lattice"]


async def test_direct_messages(fake: DiscordFake, start: Start) -> None:
    """DMs: created over REST, slash commands carry ``user``, closed DMs answer 403/50007."""
    client = Client()

    @client.tree.command(name="ping", description="Ping")
    async def ping(interaction: discord.Interaction) -> None:
        assert interaction.guild is None and interaction.user.id == READER
        await interaction.response.send_message("pong")

    await start(client)
    user = await client.fetch_user(READER)
    sent = await user.send("your digest")
    dm = fake.dm_channel(READER)
    assert sent.channel.id == dm and fake.messages[0].guild_id is None
    answer = await fake.wait_for_response(fake.slash("ping", channel_id=dm))
    assert answer.channel_id == dm and answer.content == "pong"
    fake.block_dms(READER)
    with pytest.raises(discord.Forbidden) as refused:
        await user.send("again")
    assert refused.value.code == 50007


@pytest.mark.parametrize("fake", [{"file_size_limit": 1000}], indirect=True)
async def test_files_edits_typing_and_deletes(fake: DiscordFake, start: Start) -> None:
    """Multipart uploads are recorded (an embed's ``attachment://`` file is not listed again),
    edits apply in place, typing is 204, deletion is flagged; big files are 413/40005."""
    client = Client()

    @client.tree.command(name="figure", description="A figure")
    async def figure(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(file=png("fig2.png", 50))

    await start(client)
    channel = client.get_channel(PAPERS)
    assert isinstance(channel, discord.TextChannel)
    async with channel.typing():
        embed = discord.Embed(title="Figure 1").set_image(url="attachment://fig1.png")
        sent = await channel.send("figure", file=png("fig1.png", 100), embed=embed)
    assert sent.attachments == [] and sent.embeds[0].image.url == "attachment://fig1.png"
    recorded = fake.messages[0]
    assert [(f.filename, f.size, f.description) for f in recorded.files] == [
        ("fig1.png", 100, "alt text")
    ]
    await sent.edit(content="figure (edited)")
    assert (recorded.content, recorded.edits, len(recorded.files)) == ("figure (edited)", 1, 1)
    await sent.delete()
    assert recorded.deleted and fake.visible_messages() == []
    assert [r.status for r in fake.calls("POST", "/channels/*/typing")] == [204]
    with pytest.raises(discord.HTTPException) as too_large:
        await channel.send(file=png("big.png", 1001))
    assert (too_large.value.status, too_large.value.code) == (413, 40005)
    answer = await fake.wait_for_response(fake.slash("figure", channel_id=PAPERS))
    assert [f.filename for f in answer.files] == ["fig2.png"]


async def test_raw_gateway_and_callback_without_with_response(fake: DiscordFake) -> None:
    """The wire shapes without discord.py: READY, GUILD_CREATE, INTERACTION_CREATE, and a
    callback without ``with_response`` answered 204 like Discord."""
    command = {"name": "ping", "description": "Ping", "type": 1}
    auth = {"Authorization": f"Bot {TOKEN}"}
    async with aiohttp.ClientSession() as http:
        url = f"{fake.api_base_url}/applications/{BOT_ID}/commands"
        async with http.put(url, json=[command], headers=auth) as reply:
            assert reply.status == 200
        async with http.ws_connect(fake.gateway_url) as ws:
            assert (await ws.receive_json())["d"]["heartbeat_interval"] == 45000
            await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 513, "properties": {}}})
            ready, guild = await ws.receive_json(), await ws.receive_json()
            assert (ready["t"], ready["s"], guild["t"], guild["s"]) == (
                "READY",
                1,
                "GUILD_CREATE",
                2,
            )
            assert ready["d"]["resume_gateway_url"] == fake.gateway_url
            assert {m["user"]["id"] for m in guild["d"]["members"]} == {str(BOT_ID)}
            asked = fake.slash("ping", channel_id=PAPERS, user_id=MODERATOR)
            event = (await ws.receive_json())["d"]
            assert event["member"]["permissions"] == str(
                fake.guilds[GUILD].permissions(MODERATOR, PAPERS)
            )
            callback = f"{fake.api_base_url}/interactions/{asked}/{event['token']}/callback"
            async with http.post(callback, json={"type": 4, "data": {"content": "pong"}}) as reply:
                assert reply.status == 204
            followup = f"{fake.api_base_url}/webhooks/{BOT_ID}/{event['token']}?wait=true"
            async with http.post(followup, json={"content": "again"}) as reply:
                assert reply.status == 200 and (await reply.json())["content"] == "again"
    assert [m.source for m in fake.messages] == ["interaction", "followup"]


# -- limits and errors ----------------------------------------------------------------------------


def buttons(*custom_ids: str) -> dict[str, Any]:
    """A message whose one action row holds these buttons."""
    row = [{"type": 2, "style": 1, "label": c, "custom_id": c} for c in custom_ids]
    return {"content": "x", "components": [{"type": 1, "components": row}]}


FIELD = {"name": "abstract", "value": "v" * 1025}
TOO_LONG = [
    pytest.param({"content": "x" * 2001}, "In content", id="content-2001"),
    pytest.param({"embeds": [{"description": "d"}] * 11}, "In embeds", id="11-embeds"),
    pytest.param({"embeds": [{"fields": [FIELD]}]}, "In embeds.0.fields.0.value", id="field-1025"),
    pytest.param(
        {"embeds": [{"description": "a" * 4000}, {"description": "b" * 2001}]},
        "Embed size exceeds maximum size of 6000",
        id="total-6001",
    ),
    pytest.param(buttons(*"abcdef"), "In components.0.components", id="six-buttons"),
    pytest.param(buttons("same", "same"), "custom id cannot be duplicated", id="duplicate-ids"),
]


@pytest.mark.parametrize(("payload", "explained"), TOO_LONG)
async def test_message_limits_are_400_50035(
    fake: DiscordFake, start: Start, payload: dict[str, Any], explained: str
) -> None:
    client = Client()
    await start(client)
    with pytest.raises(discord.HTTPException) as rejected:
        await post_raw(client, payload)
    assert (rejected.value.status, rejected.value.code) == (400, 50035)
    assert explained in rejected.value.text
    assert fake.messages == []


async def test_empty_message_and_embed_objects(fake: DiscordFake, start: Start) -> None:
    """Whitespace is an empty message (50006); discord.py's own Embed objects hit the limits too."""
    client = Client()
    await start(client)
    with pytest.raises(discord.HTTPException) as empty:
        await post_raw(client, {"content": "   "})
    assert empty.value.code == 50006
    channel = client.get_channel(PAPERS)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as long_field:
        await channel.send(embed=discord.Embed(title="t").add_field(name="n", value="v" * 1025))
    assert long_field.value.code == 50035
    sent = await channel.send("ok", embed=discord.Embed(title="2401.00001", description="LLMs"))
    assert fake.messages[0].text == "ok\n2401.00001\nLLMs" and sent.embeds[0].title == "2401.00001"


async def test_forced_429_is_retried(fake: DiscordFake, start: Start) -> None:
    """discord.py honours retry_after and retries; the 429 is counted."""
    client = Client()
    await start(client)
    fake.fail_next("POST", "/channels/*/messages", 429, retry_after=0.05)
    channel = client.get_channel(PAPERS)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("hello")
    assert [r.status for r in fake.calls("POST", "/channels/*/messages")] == [429, 200]
    assert len(fake.rate_limited) == 1 and fake.rate_limited[0].retry_after == 0.05
    assert [m.content for m in fake.messages] == ["hello"]


@pytest.mark.parametrize("fake", [{"channel_limit": 2, "channel_window_s": 0.15}], indirect=True)
async def test_discord_py_waits_for_exhausted_channel_bucket(
    fake: DiscordFake, start: Start
) -> None:
    """The headers on successful answers make discord.py pause instead of hitting the 429."""
    client = Client()
    await start(client)
    channel = client.get_channel(PAPERS)
    assert isinstance(channel, discord.TextChannel)
    for n in range(3):
        await channel.send(f"message {n}")
    sends = fake.calls("POST", "/channels/*/messages")
    assert [r.status for r in sends] == [200, 200, 200] and fake.rate_limited == []
    assert sends[2].time - sends[0].time >= 0.1


@pytest.mark.parametrize("fake", [{"channel_limit": 2, "global_limit": 3}], indirect=True)
async def test_rate_limit_answers_on_the_wire(fake: DiscordFake) -> None:
    """Raw HTTP: exact JSON content type, bucket headers, per-channel and global 429 shapes."""
    headers = {"Authorization": f"Bot {TOKEN}"}
    url = f"{fake.api_base_url}/channels/{PAPERS}/messages"
    async with aiohttp.ClientSession(headers=headers) as http:
        replies = []
        for n in range(3):
            async with http.post(url, json={"content": f"m{n}"}) as reply:
                replies.append((reply.status, dict(reply.headers), await reply.json()))
        (ok, ok_headers, _), _, (limited, limited_headers, body) = replies
        assert ok == 200 and ok_headers["Content-Type"] == "application/json"
        assert ok_headers["X-RateLimit-Limit"] == "2" and ok_headers["X-RateLimit-Remaining"] == "1"
        assert limited == 429 and body["global"] is False and 0 < body["retry_after"] <= 5
        assert limited_headers["X-RateLimit-Scope"] == "user"
        assert limited_headers["X-RateLimit-Bucket"] == ok_headers["X-RateLimit-Bucket"]
        async with http.get(f"{fake.api_base_url}/users/@me") as reply:
            assert reply.status == 429 and (await reply.json())["global"] is True
            assert reply.headers["X-RateLimit-Global"] == "true"
            assert reply.headers["X-RateLimit-Scope"] == "global"
    assert [hit.scope for hit in fake.rate_limited] == ["user", "global"]


def bot_permissions(client: discord.Client) -> discord.Permissions:
    """The bot's permissions in PAPERS as discord.py's cache computes them."""
    channel, guild = client.get_channel(PAPERS), client.get_guild(GUILD)
    assert isinstance(channel, discord.TextChannel) and guild is not None
    return channel.permissions_for(guild.me)


Cached = Callable[[discord.Client], bool]
DENIALS = [
    pytest.param(
        DiscordFake.delete_channel, discord.NotFound, 10003,
        lambda client: client.get_channel(PAPERS) is None, id="deleted",
    ),
    pytest.param(
        DiscordFake.revoke_permission, discord.Forbidden, 50013,
        lambda client: not bot_permissions(client).send_messages, id="revoked",
    ),
    pytest.param(
        DiscordFake.remove_access, discord.Forbidden, 50001,
        lambda client: not bot_permissions(client).read_messages, id="no-access",
    ),
    pytest.param(
        lambda fake, _: fake.kick_bot(GUILD), discord.Forbidden, 50001,
        lambda client: client.get_guild(GUILD) is None, id="kicked",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("act", "error", "code", "cached"), DENIALS)
async def test_lost_channels(
    fake: DiscordFake,
    start: Start,
    act: Callable[[DiscordFake, int], None],
    error: type[discord.HTTPException],
    code: int,
    cached: Cached,
) -> None:
    """Sends to a channel the bot lost fail with Discord's codes; the gateway told the cache."""
    client = Client()
    await start(client)
    channel = client.get_channel(PAPERS)
    assert isinstance(channel, discord.TextChannel)
    act(fake, PAPERS)
    with pytest.raises(error) as failed:
        await channel.send("hello")
    assert failed.value.code == code
    await eventually(lambda: cached(client))


async def test_wrong_token_fails_login(fake: DiscordFake) -> None:
    """401 on GET /users/@me is LoginFailure; a wrong token in IDENTIFY closes with 4004; a
    RESUME of an unknown session gets INVALID_SESSION (op 9, not resumable)."""
    client = Client()
    try:
        with pytest.raises(discord.LoginFailure):
            await client.start("wrong.token")
    finally:
        await client.close()
    assert [(r.path, r.status) for r in fake.requests] == [("/users/@me", 401)]
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url) as ws:
        assert (await ws.receive_json())["op"] == 10
        await ws.send_json({"op": 2, "d": {"token": "wrong", "intents": 0, "properties": {}}})
        assert (await ws.receive()).type == aiohttp.WSMsgType.CLOSE and ws.close_code == 4004
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url) as ws:
        await ws.receive_json()
        await ws.send_json({"op": 6, "d": {"token": TOKEN, "session_id": "gone", "seq": 3}})
        assert await ws.receive_json() == {"op": 9, "d": False, "s": None, "t": None}


@pytest.mark.parametrize("fake", [{"privileged_intents": 0}], indirect=True)
async def test_disallowed_privileged_intent(fake: DiscordFake) -> None:
    """Asking for MESSAGE_CONTENT the portal does not grant closes with 4014."""
    client = Client(message_content=True)
    try:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(client.start(TOKEN), 5)
    finally:
        await client.close()


async def test_invalid_commands_are_400_50035(fake: DiscordFake, start: Start) -> None:
    client = Client()
    await start(client)
    option = {"type": 3, "name": "topic", "description": "Topic"}
    required = {**option, "name": "x", "required": True}
    choices = [{"name": str(n), "value": str(n)} for n in range(26)]
    bad = [
        {"name": "Summarize", "description": "Upper case"},
        {"name": "digest", "description": "d" * 101},
        {"name": "digest", "description": "Order", "options": [option, required]},
        {"name": "digest", "description": "Choices", "options": [{**option, "choices": choices}]},
    ]
    for command in bad:
        with pytest.raises(discord.HTTPException) as rejected:
            await client.http.bulk_upsert_global_commands(BOT_ID, [command])
        assert rejected.value.code == 50035, command
    synced = await client.http.bulk_upsert_guild_commands(BOT_ID, GUILD, [option | {"type": 1}])
    assert synced[0]["guild_id"] == str(GUILD) and fake.guild_commands[GUILD] == synced


# -- gateway resume --------------------------------------------------------------------------------


async def test_dropped_gateway_resumes_and_delivers_once(fake: DiscordFake, start: Start) -> None:
    """A message injected while the socket is down arrives exactly once after the RESUME."""
    client = Client()
    await start(client)
    fake.user_message(PAPERS, "before", user_id=READER)
    await eventually(lambda: len(client.seen) == 1)
    await fake.drop_gateway()
    fake.user_message(PAPERS, "during", user_id=READER)
    await fake.wait_until_ready()
    fake.user_message(PAPERS, "after", user_id=READER)
    await eventually(lambda: len(client.seen) >= 3)
    assert [m.content for m in client.seen] == ["before", "during", "after"]
    assert (fake.identify_count, fake.resume_count, fake.gateway_connects) == (1, 1, 2)
