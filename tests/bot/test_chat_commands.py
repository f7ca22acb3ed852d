"""Per-chat commands against a real Repository: what the user reads, and what is stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.chat_commands import CHAT_COMMANDS, ChatCommands
from bot.core.messages import Incoming, Notice, Tone
from storage.models import Chat, ChatRef
from storage.repository import Repository

PRIVATE = Incoming(ChatRef("telegram", "1001"), "1001", "", can_manage=True, user_name="ada")
ADMIN = Incoming(ChatRef("telegram", "-4001"), "7", "", is_group=True, can_manage=True)
MEMBER = Incoming(ChatRef("telegram", "-4001"), "8", "", is_group=True, can_manage=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "paperboy.db"


@pytest.fixture
def repo(db_path: Path) -> Iterator[Repository]:
    with Repository.open(db_path) as repository:
        yield repository


@pytest.fixture
def commands(repo: Repository) -> ChatCommands:
    return ChatCommands(repo)


async def send(commands: ChatCommands, text: str, incoming: Incoming = PRIVATE) -> Notice:
    """Type one command, as ``/name args``; return the single notice the user sees."""
    name, _, args = text.removeprefix("/").partition(" ")
    reply = await commands.handle(name, args, incoming)
    assert len(reply.items) == 1 and isinstance(reply.items[0], Notice)
    return reply.items[0]


async def say(commands: ChatCommands, text: str, incoming: Incoming = PRIVATE) -> str:
    return (await send(commands, text, incoming)).text


def chat_of(repo: Repository, incoming: Incoming = PRIVATE) -> Chat:
    chat = repo.get_chat(incoming.chat)
    assert chat is not None
    return chat


def queries(repo: Repository, incoming: Incoming = PRIVATE) -> list[str]:
    return [sub.query for sub in repo.subscriptions_for(incoming.chat)]


NEW_CHAT_LIST = """\
This chat follows no topics yet. Start with /subscribe talking head generation or /subscribe cs.CV.

Settings:
Digest time: 08:00, UTC, on days with new arXiv papers (/time, /timezone)
Language: English, code en (/lang)
Papers per digest: up to 10 (/max)
Digests: on (/pause)
Link summaries: on, the default here (/links)
Compact digests: off (/compact)"""


async def test_list_in_a_new_chat_shows_how_to_start_and_the_defaults(
    commands: ChatCommands, repo: Repository
) -> None:
    """The first /list creates the chat and shows how to subscribe plus every default."""
    assert repo.get_chat(PRIVATE.chat) is None
    assert await say(commands, "/list") == NEW_CHAT_LIST
    assert chat_of(repo).language == "en"


async def test_the_chat_is_created_with_the_configured_language(repo: Repository) -> None:
    """A new chat starts in the bot's default language."""
    commands = ChatCommands(repo, default_language="zh")
    assert "Language: Simplified Chinese (简体中文), code zh (/lang)" in await say(
        commands, "/list"
    )
    assert chat_of(repo).language == "zh"


# subscribe ------------------------------------------------------------------------------------


async def test_subscribe_to_free_text(commands: ChatCommands, repo: Repository) -> None:
    """Free text is followed in titles and abstracts; the reply says when digests come."""
    text = await say(commands, "/subscribe Talking  Head generation")
    assert text == (
        "Subscribed to “Talking Head generation” (words in the title or abstract).\n"
        "Digests arrive at 08:00 UTC on days with new arXiv papers; change with /time and /timezone. "
        "/list shows everything this chat follows."
    )
    [sub] = repo.subscriptions_for(PRIVATE.chat)
    assert (sub.kind, sub.query, sub.label) == (
        "text",
        "talking head generation",
        "Talking Head generation",
    )


async def test_subscribe_to_categories(commands: ChatCommands, repo: Repository) -> None:
    """A category reply names the category; several are stored sorted in arXiv's spelling."""
    one = await say(commands, "/subscribe cs.cv")
    assert one.startswith(
        "Subscribed to “cs.cv” (category: Computer Vision and Pattern Recognition)."
    )
    two = await say(commands, "/subscribe cs.LG, stat.ML")
    assert two.startswith("Subscribed to “cs.LG, stat.ML” (categories: Machine Learning; ")
    assert queries(repo) == ["cs.CV", "cs.LG stat.ML"]
    assert [s.kind for s in repo.subscriptions_for(PRIVATE.chat)] == ["category", "category"]


async def test_subscribe_to_a_raw_query(commands: ChatCommands, repo: Repository) -> None:
    """A raw arXiv query is stored normalized and described as a query."""
    text = await say(commands, "/subscribe cat:cs.cv and abs:Avatar")
    assert text.startswith("Subscribed to “cat:cs.cv and abs:Avatar” (arXiv query).")
    assert queries(repo) == ["cat:cs.CV AND abs:avatar"]
    assert repo.subscriptions_for(PRIVATE.chat)[0].kind == "query"


async def test_subscribe_with_exclusions_says_what_is_left_out(
    commands: ChatCommands, repo: Repository
) -> None:
    """Exclusions are confirmed in plain words."""
    text = await say(commands, '/subscribe cs.CV -survey -"review paper"')
    assert "Papers that mention “review paper” or survey are left out." in text
    assert queries(repo) == ['cs.CV -"review paper" -survey']


async def test_the_same_topic_typed_differently_is_not_added_twice(
    commands: ChatCommands, repo: Repository
) -> None:
    """Normalization finds the duplicate and the reply points at its number."""
    await say(commands, "/subscribe cs.LG")
    await say(commands, "/subscribe Talking Head")
    notice = await send(commands, "/subscribe  talking   head ")
    assert notice.text == "This chat already follows “Talking Head” (number 2 in /list)."
    assert queries(repo) == ["cs.LG", "talking head"]


async def test_a_paused_chat_is_reminded_when_subscribing(commands: ChatCommands) -> None:
    """Subscribing while paused says digests will not come until /resume."""
    await say(commands, "/pause")
    assert "send /resume to get them" in await say(commands, "/subscribe cs.CV")


async def test_subscribe_without_a_topic_shows_every_form(commands: ChatCommands) -> None:
    """The usage lists free text, phrase, category, query and exclusion examples."""
    text = await say(commands, "/subscribe")
    for example in (
        "/subscribe talking head generation",
        '/subscribe "diffusion models" video',
        "/subscribe cs.CV",
        "/subscribe cat:cs.CV AND abs:avatar",
        "/subscribe cs.CV -survey",
    ):
        assert example in text


@pytest.mark.parametrize(
    ("topic", "problem"),
    [
        ("cat:cs.CV AND (abs:avatar", "A '(' is never closed"),
        ('talking "head', "A quote is not closed"),
        ("cs.XY", "cs.XY is not an arXiv category. Did you mean"),
        ("-survey", "The topic only leaves things out"),
        ("foo:bar", "foo: is not an arXiv search field"),
        ("x" * 250, "That topic is 250 characters long; keep free text under 200 characters"),
    ],
)
async def test_a_malformed_topic_gets_the_reason_and_an_example(
    commands: ChatCommands, repo: Repository, topic: str, problem: str
) -> None:
    """Nothing is stored; the reply says what is wrong and shows how it should look."""
    notice = await send(commands, f"/subscribe {topic}")
    assert notice.tone is Tone.WARNING
    assert notice.text.startswith(problem)
    assert "For example:\n/subscribe talking head generation" in notice.text
    assert queries(repo) == []


async def test_subscriptions_per_chat_are_capped(repo: Repository) -> None:
    """Past the cap the reply says how to make room; a duplicate is still recognized."""
    commands = ChatCommands(repo, max_subscriptions=2)
    await say(commands, "/subscribe cs.CV")
    await say(commands, "/subscribe cs.LG")
    notice = await send(commands, "/subscribe cs.CL")
    assert notice.tone is Tone.WARNING
    assert notice.text == (
        "This chat already follows 2 topics, the most I keep per chat. "
        "Remove one first with /unsubscribe <number> (see /list)."
    )
    assert "already follows “cs.CV”" in await say(commands, "/subscribe CS.CV")
    assert queries(repo) == ["cs.CV", "cs.LG"]


async def test_chats_have_separate_subscriptions(commands: ChatCommands, repo: Repository) -> None:
    """What one chat follows does not show up in another."""
    await say(commands, "/subscribe cs.CV")
    await say(commands, "/subscribe hep-th", ADMIN)
    assert queries(repo, PRIVATE) == ["cs.CV"]
    assert queries(repo, ADMIN) == ["hep-th"]


# unsubscribe ----------------------------------------------------------------------------------


@pytest.fixture
async def three(commands: ChatCommands) -> ChatCommands:
    for topic in ("talking head generation", "cs.CV", "cat:cs.CV AND abs:avatar"):
        await say(commands, f"/subscribe {topic}")
    return commands


async def test_unsubscribe_by_number(three: ChatCommands, repo: Repository) -> None:
    """The number is the one /list shows; the reply says what is left."""
    text = await say(three, "/unsubscribe 2")
    assert text == "Unsubscribed from “cs.CV”.\nThis chat still follows 2 topics; /list shows them."
    assert queries(repo) == ["talking head generation", "cat:cs.CV AND abs:avatar"]
    assert "2. “cat:cs.CV AND abs:avatar” (arXiv query)" in await say(three, "/list")


async def test_unsubscribe_several_numbers(three: ChatCommands, repo: Repository) -> None:
    """Several numbers at once, separated by spaces or commas."""
    text = await say(three, "/unsubscribe 1, 3")
    assert text.startswith(
        "Unsubscribed from “talking head generation”, “cat:cs.CV AND abs:avatar”."
    )
    assert queries(repo) == ["cs.CV"]


@pytest.mark.parametrize(
    "typed",
    ["Talking  HEAD generation", "talking head generation", "CS.cv", "cat:cs.CV abs:avatar"],
)
async def test_unsubscribe_by_topic_text(three: ChatCommands, repo: Repository, typed: str) -> None:
    """The topic can be typed again in any spelling that normalizes to the same query."""
    before = len(queries(repo))
    assert (await say(three, f"/unsubscribe {typed}")).startswith("Unsubscribed from “")
    assert len(queries(repo)) == before - 1


async def test_unsubscribe_unknown_number_or_topic(three: ChatCommands, repo: Repository) -> None:
    """Unknown numbers and topics change nothing and point at /list."""
    number = await send(three, "/unsubscribe 4")
    assert number.tone is Tone.WARNING
    assert number.text == (
        "There is no number 4: this chat has 3 subscriptions. Send /list to see their numbers."
    )
    topic = await send(three, "/unsubscribe quantum gravity")
    assert topic.text == (
        "This chat doesn't follow “quantum gravity”. Send /list to see what it follows, "
        "then /unsubscribe <number>."
    )
    assert len(queries(repo)) == 3


async def test_unsubscribe_all_confirms_what_went(three: ChatCommands, repo: Repository) -> None:
    """ "all" removes every topic and the reply lists them."""
    text = await say(three, "/unsubscribe all")
    assert text == (
        "Unsubscribed from all 3 topics: “talking head generation”, “cs.CV”, "
        "“cat:cs.CV AND abs:avatar”.\n"
        "This chat follows no topics now, so no digests will come; /subscribe adds one."
    )
    assert queries(repo) == []


async def test_unsubscribe_without_arguments_lists_the_numbers(three: ChatCommands) -> None:
    """Without an argument the user sees what to send and the numbered topics."""
    text = await say(three, "/unsubscribe")
    assert text.startswith(
        "Which one? Send /unsubscribe with its number, the topic itself, or all:"
    )
    assert "1. “talking head generation” (words in the title or abstract)" in text


async def test_unsubscribe_in_a_chat_without_topics(commands: ChatCommands) -> None:
    """Nothing to remove is said plainly, with the way to add one."""
    text = await say(commands, "/unsubscribe 1")
    assert text == (
        "This chat follows no topics, so there is nothing to remove. /subscribe adds one."
    )


async def test_a_removed_topic_can_be_followed_again(three: ChatCommands, repo: Repository) -> None:
    """Re-subscribing after /unsubscribe works and it appears in /list again."""
    await say(three, "/unsubscribe 2")
    assert (await say(three, "/subscribe cs.cv")).startswith("Subscribed to “cs.cv”")
    assert sorted(queries(repo)) == sorted(
        ["talking head generation", "cs.CV", "cat:cs.CV AND abs:avatar"]
    )


# settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("07:30", "07:30"),
        ("7:30", "07:30"),
        ("07.30", "07:30"),
        ("0730", "07:30"),
        ("7", "07:00"),
        ("7am", "07:00"),
        ("7:30pm", "19:30"),
        ("7:30 PM", "19:30"),
        ("7 p.m.", "19:00"),
        ("12am", "00:00"),
        ("12pm", "12:00"),
        ("19h30", "19:30"),
        ("23:59", "23:59"),
        ("noon", "12:00"),
    ],
)
async def test_time_accepts_common_ways_of_writing_it(
    commands: ChatCommands, repo: Repository, typed: str, stored: str
) -> None:
    """24-hour, dotted, compact and am/pm times all become HH:MM."""
    text = await say(commands, f"/time {typed}")
    assert text == (
        f"Done: digests now arrive at {stored} (UTC). Change the time zone with /timezone."
    )
    assert chat_of(repo).delivery_time == stored


@pytest.mark.parametrize("typed", ["25:00", "7:60", "13pm", "0am", "seven", "7:3", "-1", "24:00"])
async def test_time_rejects_what_is_not_a_time(
    commands: ChatCommands, repo: Repository, typed: str
) -> None:
    """A bad time changes nothing and the reply shows valid examples."""
    notice = await send(commands, f"/time {typed}")
    assert notice.tone is Tone.WARNING
    assert notice.text == (
        f"“{typed}” is not a time of day. Use 24-hour HH:MM, "
        "e.g. /time 07:30 or /time 19:00 (7am and 7:30pm work too)."
    )
    assert chat_of(repo).delivery_time == "08:00"


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("Europe/Berlin", "Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin", "Europe/Berlin"),
        ("america/new york", "America/New_York", "America/New_York"),
        ("utc", "UTC", "UTC"),
        ("GMT", "UTC", "UTC"),
        ("utc+8", "Etc/GMT-8", "UTC+08:00"),
        ("UTC-05:00", "Etc/GMT+5", "UTC-05:00"),
        ("+9", "Etc/GMT-9", "UTC+09:00"),
        ("tokyo", "Asia/Tokyo", "Asia/Tokyo"),
        ("Beijing", "Asia/Shanghai", "Asia/Shanghai"),
        ("japan", "Japan", "Japan"),
    ],
)
async def test_timezone_accepts_names_in_any_case_cities_and_offsets(
    commands: ChatCommands, repo: Repository, typed: str, stored: str, shown: str
) -> None:
    """IANA names in any case, lone cities and whole-hour offsets are understood."""
    text = await say(commands, f"/timezone {typed}")
    assert text == f"Time zone set to {shown}: digests arrive at 08:00 {shown} time."
    assert chat_of(repo).timezone == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Berln", "I don't know the time zone “Berln”. Did you mean Europe/Berlin?"),
        ("europe/londn", "Did you mean Europe/London, "),
        ("Mars/Olympus_Mons", "I don't know the time zone “Mars/Olympus_Mons”. Use a name like"),
        ("UTC+5:30", "for such places use a city name, e.g. Asia/Kolkata"),
        ("utc+15", "they run from UTC-12 to UTC+14"),
    ],
)
async def test_timezone_rejects_unknown_names_with_suggestions(
    commands: ChatCommands, repo: Repository, typed: str, message: str
) -> None:
    """Unknown zones change nothing; close names are suggested."""
    notice = await send(commands, f"/timezone {typed}")
    assert notice.tone is Tone.WARNING
    assert message in notice.text
    assert chat_of(repo).timezone == "UTC"


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("ja", "ja", "Japanese (日本語), code ja"),
        ("ZH", "zh", "Simplified Chinese (简体中文), code zh"),
        ("German", "de", "German (Deutsch), code de"),
        ("français", "fr", "French (français), code fr"),
        ("pt_BR", "pt-br", "Brazilian Portuguese (português do Brasil), code pt-br"),
        ("chinese", "zh", "Simplified Chinese (简体中文), code zh"),
    ],
)
async def test_lang_accepts_codes_and_names(
    commands: ChatCommands, repo: Repository, typed: str, stored: str, shown: str
) -> None:
    """A code or a language's name sets the language, and the reply names it."""
    text = await say(commands, f"/lang {typed}")
    assert text == f"Done: new summaries and digests for this chat will be in {shown}."
    assert chat_of(repo).language == stored


@pytest.mark.parametrize("typed", ["xx", "klingon", "e n"])
async def test_lang_rejects_unknown_languages(
    commands: ChatCommands, repo: Repository, typed: str
) -> None:
    """An unknown language lists the ones that work."""
    notice = await send(commands, f"/lang {typed}")
    assert notice.tone is Tone.WARNING
    assert notice.text.startswith(f"I can't write in “{typed}” yet. Choose one of: en, zh, ja,")
    assert chat_of(repo).language == "en"


async def test_max_sets_the_digest_size(commands: ChatCommands, repo: Repository) -> None:
    """A number in range is stored; singular and plural read right."""
    assert await say(commands, "/max 5") == "Done: digests will carry up to 5 papers."
    assert await say(commands, "/max 1") == "Done: digests will carry up to 1 paper."
    assert chat_of(repo).max_papers == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "Pick a number from 1 to 50 (you sent 0)."),
        ("51", "Pick a number from 1 to 50 (you sent 51)."),
        (
            "five",
            "“five” is not a number. Send /max followed by a number from 1 to 50, e.g. /max 5.",
        ),
        ("5.5", "“5.5” is not a number."),
        ("1_0", "“1_0” is not a number."),
    ],
)
async def test_max_rejects_bad_numbers(
    commands: ChatCommands, repo: Repository, typed: str, message: str
) -> None:
    """Out of range or not a number: nothing changes."""
    notice = await send(commands, f"/max {typed}")
    assert notice.tone is Tone.WARNING
    assert notice.text.startswith(message)
    assert chat_of(repo).max_papers == 10


async def test_pause_and_resume(commands: ChatCommands, repo: Repository) -> None:
    """Pause and resume flip the setting and say so, also when there is nothing to do."""
    await say(commands, "/subscribe cs.CV")
    assert (await say(commands, "/pause")).startswith("Paused: no digests will arrive here")
    assert chat_of(repo).paused
    assert await say(commands, "/pause") == (
        "Digests are already paused here. Send /resume to get them again."
    )
    assert await say(commands, "/resume") == "Resumed: digests arrive at 08:00 (UTC)."
    assert not chat_of(repo).paused
    assert await say(commands, "/resume") == (
        "Digests are already on: they arrive at 08:00 (UTC)."
    )


async def test_resume_without_topics_says_how_to_add_one(commands: ChatCommands) -> None:
    """Resuming a chat that follows nothing hints at /subscribe."""
    assert (await say(commands, "/resume")).endswith(
        "This chat follows no topics yet; /subscribe adds one."
    )


async def test_links_default_depends_on_the_chat(repo: Repository) -> None:
    """Without a choice, links are on in private chats and off in groups."""
    commands = ChatCommands(repo)
    assert (await say(commands, "/links")).startswith(
        "Link summaries are on in this chat, the default here."
    )
    assert (await say(commands, "/links", MEMBER)).startswith(
        "Link summaries are off in this chat, the default here. I answer arXiv links only when"
    )


async def test_links_default_can_come_from_the_platform(repo: Repository) -> None:
    """The platform decides the default when the chat has not chosen."""
    commands = ChatCommands(repo, platform_links_default=lambda incoming: True)
    assert "Link summaries: on, the default here" in await say(commands, "/list", MEMBER)


async def test_links_on_off_and_default(commands: ChatCommands, repo: Repository) -> None:
    """on/off are stored; default goes back to the platform's choice."""
    assert (await say(commands, "/links on", ADMIN)).startswith(
        "Link summaries are now on: I reply to arXiv links posted here with a summary."
    )
    assert chat_of(repo, ADMIN).links_enabled is True
    assert (await say(commands, "/links OFF", ADMIN)).startswith("Link summaries are now off:")
    assert chat_of(repo, ADMIN).links_enabled is False
    text = await say(commands, "/links default", ADMIN)
    assert text.startswith("Link summaries are now off, the default here:")
    assert chat_of(repo, ADMIN).links_enabled is None
    notice = await send(commands, "/links maybe", ADMIN)
    assert notice.text == "“maybe” is neither on nor off. Send /links on or /links off."
    assert chat_of(repo, ADMIN).links_enabled is None


async def test_compact_on_and_off(commands: ChatCommands, repo: Repository) -> None:
    """Compact mode is a switch with its own confirmation."""
    assert (await say(commands, "/compact yes")).startswith("Compact digests on:")
    assert chat_of(repo).compact is True
    assert (await say(commands, "/compact off")).startswith("Compact digests off:")
    assert chat_of(repo).compact is False
    bad = await send(commands, "/compact sometimes")
    assert bad.tone is Tone.WARNING
    assert bad.text == "“sometimes” is neither on nor off. Send /compact on or /compact off."


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("/time", "Digests arrive at 08:00 (UTC). To change it, send /time HH:MM"),
        ("/timezone", "This chat's time zone is UTC. To change it, send /timezone with a name"),
        ("/lang", "Summaries for this chat are written in English, code en. To change it"),
        ("/max", "Digests here carry up to 10 papers. To change it, send /max with a number"),
        ("/links", "Link summaries are on in this chat"),
        ("/compact", "Compact digests are off in this chat. Change with /compact on"),
    ],
)
async def test_settings_without_argument_show_the_current_value(
    commands: ChatCommands, command: str, shown: str
) -> None:
    """Each setting command alone shows its value and how to change it."""
    assert (await say(commands, command)).startswith(shown)


# persistence ----------------------------------------------------------------------------------

CONFIGURED_LIST = """\
This chat follows 3 topics:
1. “Talking head generation -survey” (words in the title or abstract)
2. “cs.CV cs.LG” (categories: Computer Vision and Pattern Recognition; Machine Learning)
3. “cat:cs.CV AND abs:avatar” (arXiv query)

Settings:
Digest time: 19:30, Europe/Berlin, on days with new arXiv papers (/time, /timezone)
Language: Japanese (日本語), code ja (/lang)
Papers per digest: up to 5 (/max)
Digests: paused (/resume)
Link summaries: off (/links)
Compact digests: on (/compact)"""


async def test_settings_and_subscriptions_survive_a_restart(db_path: Path) -> None:
    """Reopening the database gives the same /list, word for word."""
    with Repository.open(db_path) as repo:
        commands = ChatCommands(repo)
        for command in (
            "/subscribe Talking head generation -survey",
            "/subscribe cs.CV cs.LG",
            "/subscribe cat:cs.CV AND abs:avatar",
            "/time 7:30pm",
            "/timezone europe/berlin",
            "/lang ja",
            "/max 5",
            "/pause",
            "/links off",
            "/compact on",
        ):
            await say(commands, command)
        assert await say(commands, "/list") == CONFIGURED_LIST
    with Repository.open(db_path) as reopened:
        assert await say(ChatCommands(reopened), "/list") == CONFIGURED_LIST


async def test_unknown_command_names_are_answered(commands: ChatCommands) -> None:
    """A name outside CHAT_COMMANDS gets a warning instead of an exception."""
    assert "nonsense" not in CHAT_COMMANDS
    notice = await send(commands, "/nonsense")
    assert notice.tone is Tone.WARNING
    assert notice.text == "I don't know the command /nonsense."


@pytest.mark.parametrize("args", ["foo off", "1 foo on", "2,x off", "-1 on"])
async def test_crosslists_with_something_that_is_not_a_number(commands: ChatCommands, args: str) -> None:
    """A word where a subscription number belongs is answered, not raised."""
    await say(commands, "/subscribe cs.CV")
    answer = await send(commands, f"/crosslists {args}")
    assert answer.tone is Tone.WARNING and "is not a subscription number" in answer.text
