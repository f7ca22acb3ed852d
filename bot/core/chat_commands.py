"""Per-chat commands: follow topics (/subscribe, /unsubscribe, /list) and change chat settings.

Platform-neutral: the dispatcher (commands.py) hands in the command name, its arguments and
the Incoming, after checking who may run it (registry.py: in groups only chat managers change
anything; everyone may look).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.core.chat_settings import (
    TIME_EXAMPLES,
    ZONE_EXAMPLES,
    SettingError,
    language_label,
    parse_max_papers,
    parse_switch,
    parse_time,
    resolve_language,
    resolve_timezone,
    timezone_label,
)
from bot.core.messages import Incoming, Reply, Tone
from papers.categories import category_name
from papers.query import InvalidTopic, Topic, parse_topic
from storage.errors import InvalidSetting
from storage.models import MAX_PAPERS_LIMIT, Chat, Subscription
from storage.repository import Repository

__all__ = ["CHAT_COMMANDS", "MAX_SUBSCRIPTIONS", "ChatCommands", "describe"]

CHAT_COMMANDS = frozenset(
    {"subscribe", "unsubscribe", "list", "time", "timezone", "lang", "max", "pause", "resume",
     "links", "compact", "crosslists"}
)  # fmt: skip
MAX_SUBSCRIPTIONS = 20
EXAMPLES = (
    "For example:\n"
    "/subscribe talking head generation - papers with these words in the title or abstract\n"
    '/subscribe "diffusion models" video - an exact phrase plus a word\n'
    "/subscribe cs.CV - an arXiv category (several: cs.CV cs.LG)\n"
    "/subscribe cat:cs.CV AND abs:avatar - an arXiv query\n"
    "/subscribe cs.CV -survey - add -word to leave papers out"
)
_NUMBERS = re.compile(r"\d{1,4}(?:[\s,]+\d{1,4})*")

Handler = Callable[[Chat, str, Incoming], Reply]


class _Refusal(Exception):
    """Input we can't act on; the message goes back to the user as a warning."""


class ChatCommands:
    """Subscriptions and settings of one chat, kept in the Repository (a ``CommandGroup``)."""

    names: frozenset[str] = CHAT_COMMANDS

    def __init__(
        self,
        repo: Repository,
        *,
        platform_links_default: Callable[[Incoming], bool] | None = None,
        default_language: str = "en",
        max_subscriptions: int = MAX_SUBSCRIPTIONS,
    ) -> None:
        self._repo = repo
        self._links_default = platform_links_default or (lambda incoming: not incoming.is_group)
        self._default_language = default_language
        self._max_subscriptions = max_subscriptions
        self._handlers: dict[str, Handler] = {
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "list": self._list,
            "time": self._time,
            "timezone": self._timezone,
            "lang": self._lang,
            "max": self._max,
            "pause": self._pause,
            "resume": self._resume,
            "links": self._links,
            "compact": self._compact,
            "crosslists": self._crosslists,
        }

    async def handle(self, name: str, args: str, incoming: Incoming) -> Reply:
        """Run one of CHAT_COMMANDS for the chat the message came from."""
        handler = self._handlers.get(name)
        if handler is None:
            return Reply.notice(f"I don't know the command /{name}.", Tone.WARNING)
        args = " ".join(args.split())
        chat = self._chat(incoming)
        try:
            return handler(chat, args, incoming)
        except (_Refusal, SettingError, InvalidSetting) as exc:
            return Reply.notice(str(exc), Tone.WARNING)

    def _chat(self, incoming: Incoming) -> Chat:
        """The chat's row, created on first use."""
        return self._repo.ensure_chat(incoming.chat, language=self._default_language)

    # subscriptions ----------------------------------------------------------------------------

    def _subscribe(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        if not args:
            return Reply.notice("What should I follow for this chat?\n" + EXAMPLES)
        try:
            topic = parse_topic(args)
        except InvalidTopic as exc:
            raise _Refusal(f"{exc}\n\n{EXAMPLES}") from None
        subs = self._repo.subscriptions_for(chat.ref)
        for number, sub in enumerate(subs, 1):
            if sub.query == topic.query:
                return Reply.notice(
                    f"This chat already follows “{sub.label}” (number {number} in /list)."
                )
        if len(subs) >= self._max_subscriptions:
            raise _Refusal(
                f"This chat already follows {len(subs)} topics, the most I keep per chat. "
                "Remove one first with /unsubscribe <number> (see /list)."
            )
        self._repo.add_subscription(chat.ref, topic.kind, topic.query, topic.label)
        lines = [f"Subscribed to “{topic.label}” ({describe(topic)})."]
        if topic.exclude:
            lines.append(f"Papers that mention {_either(topic.exclude)} are left out.")
        lines.append(
            f"Digests arrive at {chat.delivery_time} {timezone_label(chat.timezone)} on days with new arXiv papers; "
            "change with /time and /timezone. /list shows everything this chat follows."
        )
        if chat.paused:
            lines.append("Digests are paused in this chat: send /resume to get them.")
        return Reply.notice("\n".join(lines))

    def _unsubscribe(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        subs = self._repo.subscriptions_for(chat.ref)
        if not subs:
            return Reply.notice(
                "This chat follows no topics, so there is nothing to remove. /subscribe adds one."
            )
        if not args:
            return Reply.notice(
                "Which one? Send /unsubscribe with its number, the topic itself, or all:\n"
                + _numbered(subs)
            )
        if args.lower() == "all":
            targets = subs
        elif _NUMBERS.fullmatch(args):
            targets = _by_numbers(subs, args)
        else:
            found = _find(subs, args)
            if found is None:
                raise _Refusal(
                    f"This chat doesn't follow “{args}”. Send /list to see what it follows, "
                    "then /unsubscribe <number>."
                )
            targets = [found]
        for sub in targets:
            self._repo.remove_subscription(chat.ref, sub.id or 0)
        removed = ", ".join(f"“{sub.label}”" for sub in targets)
        left = len(subs) - len(targets)
        if left:
            rest = f"This chat still follows {_count(left, 'topic')}; /list shows them."
        else:
            rest = "This chat follows no topics now, so no digests will come; /subscribe adds one."
        every = args.lower() == "all" and len(targets) > 1
        prefix = f"all {len(targets)} topics: " if every else ""
        return Reply.notice(f"Unsubscribed from {prefix}{removed}.\n{rest}")

    def _list(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        subs = self._repo.subscriptions_for(chat.ref)
        if subs:
            head = f"This chat follows {_count(len(subs), 'topic')}:\n{_numbered(subs)}"
        else:
            head = (
                "This chat follows no topics yet. Start with /subscribe talking head generation "
                "or /subscribe cs.CV."
            )
        links = self._links_on(chat, incoming)
        zone = timezone_label(chat.timezone)
        settings = [
            "Settings:",
            f"Digest time: {chat.delivery_time}, {zone}, on days with new arXiv papers (/time, /timezone)",
            f"Language: {language_label(chat.language)} (/lang)",
            f"Papers per digest: up to {chat.max_papers} (/max)",
            "Digests: paused (/resume)" if chat.paused else "Digests: on (/pause)",
            f"Link summaries: {_on(links)}{_default_note(chat)} (/links)",
            f"Compact digests: {_on(chat.compact)} (/compact)",
        ]
        return Reply.notice(head + "\n\n" + "\n".join(settings))

    # settings ---------------------------------------------------------------------------------

    def _time(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        zone = timezone_label(chat.timezone)
        if not args:
            return Reply.notice(
                f"Digests arrive at {chat.delivery_time} ({zone}). "
                f"To change it, send /time HH:MM, {TIME_EXAMPLES}."
            )
        chat = self._repo.update_chat(chat.ref, delivery_time=parse_time(args))
        return Reply.notice(
            f"Done: digests now arrive at {chat.delivery_time} ({zone}). "
            "Change the time zone with /timezone." + _paused_note(chat)
        )

    def _timezone(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        if not args:
            return Reply.notice(
                f"This chat's time zone is {timezone_label(chat.timezone)}. "
                f"To change it, send /timezone with {ZONE_EXAMPLES}."
            )
        chat = self._repo.update_chat(chat.ref, timezone=resolve_timezone(args))
        zone = timezone_label(chat.timezone)
        return Reply.notice(
            f"Time zone set to {zone}: digests arrive at {chat.delivery_time} {zone} time."
            + _paused_note(chat)
        )

    def _lang(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        if not args:
            return Reply.notice(
                f"Summaries for this chat are written in {language_label(chat.language)}. "
                "To change it, send /lang with a language code, e.g. /lang zh or /lang ja."
            )
        chat = self._repo.update_chat(chat.ref, language=resolve_language(args))
        return Reply.notice(
            f"Done: new summaries and digests for this chat will be in "
            f"{language_label(chat.language)}."
        )

    def _max(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        if not args:
            return Reply.notice(
                f"Digests here carry up to {_count(chat.max_papers, 'paper')}. To change it, "
                f"send /max with a number from 1 to {MAX_PAPERS_LIMIT}, e.g. /max 5."
            )
        chat = self._repo.update_chat(chat.ref, max_papers=parse_max_papers(args))
        return Reply.notice(f"Done: digests will carry up to {_count(chat.max_papers, 'paper')}.")

    def _pause(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        if chat.paused:
            return Reply.notice("Digests are already paused here. Send /resume to get them again.")
        self._repo.update_chat(chat.ref, paused=True)
        return Reply.notice(
            "Paused: no digests will arrive here until you send /resume. "
            "Your subscriptions are kept, and links and /summarize still work."
        )

    def _resume(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        when = f"{chat.delivery_time} ({timezone_label(chat.timezone)})"
        if chat.paused:
            self._repo.update_chat(chat.ref, paused=False)
            text = f"Resumed: digests arrive at {when}."
        else:
            text = f"Digests are already on: they arrive at {when}."
        if not self._repo.subscriptions_for(chat.ref):
            text += " This chat follows no topics yet; /subscribe adds one."
        return Reply.notice(text)

    def _links(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        if not args:
            on = self._links_on(chat, incoming)
            return Reply.notice(
                f"Link summaries are {_on(on)} in this chat{_default_note(chat)}. "
                f"{_links_meaning(on)} Change with /links on, /links off or /links default."
            )
        value = None if args.lower() in ("default", "reset", "auto") else _switch(args, "links")
        chat = self._repo.update_chat(chat.ref, links_enabled=value)
        on = self._links_on(chat, incoming)
        note = ", the default here" if value is None else ""
        return Reply.notice(f"Link summaries are now {_on(on)}{note}: {_links_meaning(on)}")

    def _compact(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        if not args:
            return Reply.notice(
                f"Compact digests are {_on(chat.compact)} in this chat. "
                "Change with /compact on or /compact off."
            )
        chat = self._repo.update_chat(chat.ref, compact=_switch(args, "compact"))
        if chat.compact:
            return Reply.notice(
                "Compact digests on: each paper gets a short entry. /compact off brings back "
                "the full cards."
            )
        return Reply.notice("Compact digests off: each paper gets its full card again.")

    def _crosslists(self, chat: Chat, args: str, incoming: Incoming) -> Reply:
        """/crosslists [numbers] on|off: papers cross-listed into a subscription's categories."""
        subs = self._repo.subscriptions_for(chat.ref)
        if not subs:
            return Reply.notice("This chat follows no topics yet; /subscribe adds one.")
        if not args:
            return Reply.notice(
                "Cross-listed papers (primary category elsewhere) per subscription:\n"
                + _numbered(subs) + "\nChange with /crosslists 2 off, or /crosslists on for all."
            )
        *numbers, switch = args.split()
        if switch.isdigit():  # "/crosslists 1": which subscription is clear, on or off is not
            raise _Refusal(f"On or off? Send /crosslists {args} on or /crosslists {args} off.")
        on = _switch(switch, "crosslists")
        chosen = _by_numbers(subs, " ".join(numbers)) if numbers else subs
        for sub in chosen:
            assert sub.id is not None
            self._repo.set_cross_lists(chat.ref, sub.id, on)
        which = ", ".join(f"“{s.label}”" for s in chosen)
        state = "include" if on else "leave out"
        return Reply.notice(f"Digests for {which} now {state} cross-listed papers.")

    def _links_on(self, chat: Chat, incoming: Incoming) -> bool:
        if chat.links_enabled is not None:
            return chat.links_enabled
        return self._links_default(incoming)


def describe(topic: Topic) -> str:
    """What kind of topic this is, in a few words: "category: Machine Learning"."""
    if topic.kind == "query":
        return "arXiv query"
    names = [category_name(code) or code for code in topic.categories]
    if topic.kind == "category":
        return ("categories: " if len(names) > 1 else "category: ") + "; ".join(names)
    where = f", in {' or '.join(topic.categories)}" if topic.categories else ""
    return f"words in the title or abstract{where}"


def _numbered(subs: list[Subscription]) -> str:
    lines = []
    for number, sub in enumerate(subs, 1):
        try:
            what = describe(parse_topic(sub.query))
        except InvalidTopic:  # stored by an older version with other rules: show it as is
            what = sub.kind
        cross = "" if sub.cross_lists else ", without cross-lists"
        lines.append(f"{number}. “{sub.label}” ({what}{cross})")
    return "\n".join(lines)


def _by_numbers(subs: list[Subscription], args: str) -> list[Subscription]:
    if not _NUMBERS.fullmatch(args.strip()):
        raise _Refusal(
            f"“{args.strip()[:40]}” is not a subscription number. Send /list to see the numbers, "
            "then e.g. /crosslists 2 off."
        )
    numbers = [int(n) for n in re.split(r"[\s,]+", args.strip())]
    for number in numbers:
        if not 1 <= number <= len(subs):
            raise _Refusal(
                f"There is no number {number}: this chat has {_count(len(subs), 'subscription')}"
                ". Send /list to see their numbers."
            )
    return [subs[n - 1] for n in dict.fromkeys(numbers)]


def _find(subs: list[Subscription], text: str) -> Subscription | None:
    """The subscription the user means: same normalized topic, else the same label."""
    try:
        query = parse_topic(text).query
    except InvalidTopic:
        query = None
    wanted = text.casefold()
    for sub in subs:
        if sub.query == query or " ".join(sub.label.split()).casefold() == wanted:
            return sub
    return None


def _switch(args: str, command: str) -> bool:
    try:
        return parse_switch(args)
    except SettingError as exc:
        raise _Refusal(f"{exc} Send /{command} on or /{command} off.") from None


def _links_meaning(on: bool) -> str:
    if on:
        return "I reply to arXiv links posted here with a summary."
    return (
        "I answer arXiv links only when someone mentions me or replies to me; "
        "/summarize always works."
    )


def _default_note(chat: Chat) -> str:
    return ", the default here" if chat.links_enabled is None else ""


def _paused_note(chat: Chat) -> str:
    return " Digests are paused here; send /resume to get them." if chat.paused else ""


def _on(value: bool) -> str:
    return "on" if value else "off"


def _either(words: tuple[str, ...]) -> str:
    quoted = [f"“{w}”" if " " in w else w for w in words]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
