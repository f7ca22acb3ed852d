"""Every command the bot knows, described once.

`/help`, Telegram's command menu and Discord's slash-command tree are all generated from
``COMMANDS``; who may run a command is decided here too (``refusal``), so no platform can
forget a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.core.messages import Incoming

__all__ = [
    "COMMANDS", "MANAGERS_ONLY", "Access", "ArgKind", "Argument", "CommandSpec", "find", "help_text",
    "refusal",
]  # fmt: skip


class Access(Enum):
    """Who may run a command in a group chat or a guild channel (private chats: everyone)."""

    ANYONE = "anyone"
    MANAGERS = "managers"  # only people who may manage the chat
    MANAGERS_TO_CHANGE = "managers to change"  # anyone may look (no argument); managers change


class ArgKind(Enum):
    """What an argument holds; platforms map it to their widgets (Discord: option types,
    choices and autocomplete)."""

    TEXT = "text"
    PAPER = "paper"  # an arXiv link or id
    TOPIC = "topic"  # free text, a category or an arXiv query
    SUBSCRIPTION = "subscription"  # one of this chat's topics (or its number, or "all")
    TIME = "time"
    TIMEZONE = "timezone"
    LANGUAGE = "language"
    INTEGER = "integer"
    CHOICE = "choice"
    NUMBERS = "numbers"  # subscription numbers from /list


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument, in the order the command reads its text."""

    name: str
    description: str
    kind: ArgKind = ArgKind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command: its name, a one-line description (≤ 100 characters: menus show it), its
    arguments, who may run it, and where /help lists it."""

    name: str
    description: str
    arguments: tuple[Argument, ...] = ()
    access: Access = Access.ANYONE
    section: str = ""  # the /help section; "" keeps it out of /help (e.g. /start)
    usage: str = ""  # how /help shows the arguments, e.g. "<topic>"
    # May take longer than a platform waits for an answer (a new summary, a digest): answer
    # "working on it" at once (Discord's deferral), the result when it is ready.
    slow: bool = False

    @property
    def manager_only(self) -> bool:
        """True when changing anything with it needs chat managers."""
        return self.access is not Access.ANYONE


_SWITCH = ("on", "off")
PAPERS = "Papers on demand"
DIGESTS = "Digests of new papers, after each arXiv announcement (five a week)"

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", "Welcome and how to begin"),
    CommandSpec("help", "What I can do", section=PAPERS),
    CommandSpec(
        "summarize", "A structured summary of one arXiv paper",
        (
            Argument("link", "An arXiv link or id, e.g. 2410.13726", ArgKind.PAPER, required=True),
            Argument("language", "Language of the summary, e.g. en, zh, ja", ArgKind.LANGUAGE),
        ),
        section=PAPERS, usage="<arXiv link or id> [language]", slow=True,
    ),
    CommandSpec(
        "subscribe", "Follow free text, a category (cs.CV) or an arXiv query",
        (Argument("topic", "e.g. talking head generation, cs.CV, cat:cs.CV AND abs:avatar",
                  ArgKind.TOPIC, required=True),),
        Access.MANAGERS_TO_CHANGE, DIGESTS, "<topic>",
    ),
    CommandSpec(
        "unsubscribe", "Stop following a topic",
        (Argument("topic", "The topic, its number in /list, or all", ArgKind.SUBSCRIPTION,
                  required=True),),
        Access.MANAGERS_TO_CHANGE, DIGESTS, "<topic or number>",
    ),
    CommandSpec("list", "This chat's subscriptions and settings", section=DIGESTS),
    CommandSpec("digest", "Send the next digest now", access=Access.MANAGERS, section=DIGESTS,
                slow=True),
    CommandSpec(
        "time", "Digest delivery time, e.g. 08:00",
        (Argument("time", "Time of day, e.g. 07:30 or 7pm", ArgKind.TIME),),
        Access.MANAGERS_TO_CHANGE, DIGESTS, "08:00",
    ),
    CommandSpec(
        "timezone", "Time zone of the delivery time, e.g. Europe/Berlin",
        (Argument("zone", "A time zone, e.g. Europe/Berlin or UTC+8", ArgKind.TIMEZONE),),
        Access.MANAGERS_TO_CHANGE, DIGESTS, "Europe/Berlin",
    ),
    CommandSpec(
        "lang", "Language of summaries and digests, e.g. zh",
        (Argument("language", "A language code or name, e.g. zh or Japanese", ArgKind.LANGUAGE),),
        Access.MANAGERS_TO_CHANGE, DIGESTS, "zh",
    ),
    CommandSpec(
        "max", "Papers per digest, e.g. 5",
        (Argument("papers", "How many papers a digest carries", ArgKind.INTEGER,
                  min_value=1, max_value=50),),
        Access.MANAGERS_TO_CHANGE, DIGESTS, "5",
    ),
    CommandSpec("pause", "Pause digests", access=Access.MANAGERS, section=DIGESTS),
    CommandSpec("resume", "Resume digests", access=Access.MANAGERS, section=DIGESTS),
    CommandSpec(
        "compact", "One short list instead of a card per paper",
        (Argument("state", "on or off", ArgKind.CHOICE, choices=_SWITCH),),
        Access.MANAGERS_TO_CHANGE, DIGESTS, "on|off",
    ),
    CommandSpec(
        "crosslists", "Include papers cross-listed into a subscription's categories",
        (
            Argument("topics", "Subscription numbers from /list (all when empty)", ArgKind.NUMBERS),
            Argument("state", "on or off", ArgKind.CHOICE, choices=_SWITCH),
        ),
        Access.MANAGERS_TO_CHANGE, DIGESTS, "[number] on|off",
    ),
    CommandSpec(
        "links", "Answer arXiv links posted here without being mentioned",
        (Argument("state", "on, off or default", ArgKind.CHOICE,
                  choices=("on", "off", "default")),),
        Access.MANAGERS_TO_CHANGE, DIGESTS, "on|off",
    ),
)
_BY_NAME = {spec.name: spec for spec in COMMANDS}

MANAGERS_ONLY = (
    "Only the chat's admins (on Discord: members who can manage the channel) can use /{name} "
    "here. Anyone can see this chat's subscriptions and settings with /list."
)
_INTRO = "paperboy reads arXiv papers for you."
_LINKS = (
    "Paste an arXiv link (abs, pdf, html, alphaxiv, Hugging Face papers, DOI) and I summarize it.\n"
    "    e.g. /summarize 2410.13726   or   /summarize https://arxiv.org/abs/2410.13726v2 zh"
)
_SUBSCRIBE_EXAMPLES = "    e.g. /subscribe cs.CV, /subscribe talking head generation -survey"
_GROUPS = (
    "In groups and servers only admins (on Discord: members who can manage the channel) change "
    "subscriptions and settings."
)


def find(name: str) -> CommandSpec | None:
    """The command called ``name`` (lower case), if the bot has one."""
    return _BY_NAME.get(name)


def help_text() -> str:
    """/help: every listed command with its usage and description, by section."""
    lines = [_INTRO]
    for section in (PAPERS, DIGESTS):
        lines += ["", section]
        for spec in COMMANDS:
            if spec.section != section or spec.name == "help":
                continue
            usage = f" {spec.usage}" if spec.usage else ""
            lines.append(f"/{spec.name}{usage} - {spec.description}")
            if spec.name == "summarize":
                lines.append(_LINKS)
            elif spec.name == "subscribe":
                lines.append(_SUBSCRIBE_EXAMPLES)
    lines += ["", "/help - this list", _GROUPS]
    return "\n".join(lines)


def refusal(spec: CommandSpec, args: str, incoming: Incoming) -> str | None:
    """Why this person may not run this command here, or None when they may."""
    if incoming.can_manage or spec.access is Access.ANYONE:
        return None
    if spec.access is Access.MANAGERS_TO_CHANGE and not args.strip():
        return None  # looking is allowed: /time without a time shows the time
    return MANAGERS_ONLY.format(name=spec.name)
