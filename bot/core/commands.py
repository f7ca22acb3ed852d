"""Commands: parse what a user typed, do it, and answer with a neutral Reply."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from bot.core.chat_settings import SettingError, resolve_language
from bot.core.cooldown import PressCooldown
from bot.core.figures import PaperFigures
from bot.core.lifecycle import ChatLifecycle
from bot.core.messages import (
    Action,
    ActionKind,
    ChatRef,
    FigureAlbum,
    Incoming,
    Notice,
    PaperCard,
    Reply,
    Tone,
)
from bot.core.quota import Reservation, SummaryQuota, describe_wait
from bot.core.registry import find, help_text, refusal
from bot.core.suggestions import Suggestion, suggest
from bot.core.summaries import PaperSummaries
from papers.errors import (
    ArxivBadRequest,
    ArxivUnavailable,
    MalformedId,
    NoArxivId,
    PaperNotFound,
    PapersError,
)
from papers.ids import find_arxiv_ids, parse_arxiv_id
from papers.models import ArxivId, Paper
from storage.repository import Repository
from summarizer.lanes import interactive

log = logging.getLogger(__name__)

HELP = help_text()

UNSAVED = ("Note: this bot's database needs a repair by whoever runs it, so changes made now "
           "are not kept after a restart. Summaries work as usual.")

START = "Hi! I'm paperboy. Send me an arXiv link, or try /summarize 2410.13726.\n\n" + HELP

_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]+)(?:@(?P<bot>\w+))?(?:\s+(?P<args>.*))?$", re.DOTALL)


class UsageError(Exception):
    """The user asked for something we cannot do as asked; the message is shown to them."""


class _NotForUs(Exception):
    """A message the bot should not answer at all."""


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command: ``/summarize@paperboy_bot 2410.13726 zh`` → ("summarize", "2410.13726 zh")."""

    name: str
    args: str


def parse_command(text: str) -> Command | None:
    """The command in ``text``, or None when it is not a command."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    return Command(match["name"].lower(), (match["args"] or "").strip())


class CommandGroup(Protocol):
    """A set of commands handled elsewhere (chat settings, digests), plugged into the dispatcher."""

    names: frozenset[str]

    async def handle(self, name: str, args: str, incoming: Incoming) -> Reply: ...


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one message may ask for (from config.ChatSettings)."""

    max_links_per_message: int = 3
    summaries_per_user_per_hour: int = 10
    summaries_per_chat_per_hour: int = 30


class Commands:
    """The platform-neutral bot: one Incoming in, one Reply (or nothing) out."""

    def __init__(
        self,
        summaries: PaperSummaries,
        repo: Repository,
        *,
        default_language: str = "en",
        limits: Limits = Limits(),
        groups: tuple[CommandGroup, ...] = (),
        figures: PaperFigures | None = None,
        quick_after_s: float = 4.0,
        quota: SummaryQuota | None = None,
        unsaved: bool = False,
    ) -> None:
        # The database is damaged and the bot runs on a temporary one: settings and
        # subscriptions answer, and say they will not be kept.
        self._unsaved = unsaved
        self._quick_after_s = quick_after_s
        # Model summaries still being written for a provisional card someone already got.
        self._upgrades: dict[tuple[str, str], asyncio.Task[PaperCard]] = {}
        self._figures = figures if figures is not None and figures.enabled else None
        self._summaries = summaries
        self._repo = repo
        self._default_language = default_language
        self._limits = limits
        self._quota = quota or SummaryQuota(
            repo,
            per_user=limits.summaries_per_user_per_hour,
            per_chat=limits.summaries_per_chat_per_hour,
        )
        self._groups = groups
        self._lifecycle = ChatLifecycle(repo)
        self._listeners: list[Callable[[ChatRef], object]] = []
        self._presses = PressCooldown()

    def press_refusal(self, incoming: Incoming) -> str | None:
        """For a button press: None when it is answered, else a short notice for the presser
        alone (the same button again within seconds, or too many presses in the chat). Adapters
        ask before ``handle`` and show the notice where the press happened."""
        if incoming.action is None:
            return None
        return self._presses.refusal(incoming.chat, incoming.action)

    def on_settings_changed(self, listener: Callable[[ChatRef], object]) -> None:
        """Call ``listener(chat)`` after any command that may change a chat's subscriptions or
        settings (the scheduler rebuilds that chat's job)."""
        self._listeners.append(listener)

    async def handle(self, incoming: Incoming) -> Reply | None:
        """Answer a message or a button press; None when it needs no answer (group chatter
        not meant for us)."""
        self._repo.ensure_chat(incoming.chat, language=self._default_language)
        self._lifecycle.reachable(incoming.chat)  # a chat that writes to us can be written to
        try:
            if incoming.action is not None:
                reply = await self._press(incoming.action, incoming)
                if not reply.cards and not any(isinstance(i, FigureAlbum) for i in reply.items):
                    self._presses.forget(incoming.chat, incoming.action)  # a retry may work
                return reply
            command = parse_command(incoming.text)
            if command is not None:
                return await self._dispatch(command, incoming)
            return await self._links(incoming)
        except UsageError as exc:
            return Reply.notice(str(exc), Tone.WARNING)
        except _NotForUs:
            return None

    def suggest(self, chat: ChatRef, command: str, argument: str, typed: str) -> list[Suggestion]:
        """Choices for an argument being typed (Discord autocomplete); [] when there are none."""
        spec = find(command)
        kinds = [a.kind for a in spec.arguments if a.name == argument] if spec else []
        return suggest(self._repo, chat, kinds[0], typed) if kinds else []

    def language_of(self, incoming: Incoming) -> str:
        """The chat's chosen summary language, or the configured default."""
        chat = self._repo.get_chat(incoming.chat)
        return chat.language if chat is not None else self._default_language

    async def _dispatch(self, command: Command, incoming: Incoming) -> Reply:
        spec = find(command.name)
        if spec is None:
            if incoming.is_group and not incoming.addressed:
                raise _NotForUs  # another bot's command in a shared group: stay quiet
            raise UsageError(
                f"I don't know the command /{command.name}. Send /help to see what I can do."
            )
        refused = refusal(spec, command.args, incoming)
        if refused is not None:
            return Reply.notice(refused, Tone.WARNING)
        if command.name == "start":
            return Reply.notice(START)
        if command.name == "help":
            return Reply.notice(HELP)
        if command.name == "summarize":
            return await self._summarize_command(command.args, incoming)
        for group in self._groups:
            if command.name in group.names:
                reply = await group.handle(command.name, command.args, incoming)
                for listener in self._listeners:
                    listener(incoming.chat)
                if self._unsaved:
                    reply = Reply((*reply.items, Notice(UNSAVED, Tone.WARNING)))
                return reply
        raise UsageError(f"/{command.name} is not available here.")

    async def figures_for(self, card: PaperCard) -> Reply | None:
        """The figures to send after an on-demand card (None: figures are off, or a digest's
        brief card, whose figures come with its Figures button)."""
        if self._figures is None or card.brief or card.summary.source_note:
            return None  # off, a digest entry, or the paper's text could not be had just now
        album = await self._figures.album(card.paper)
        return Reply((album,)) if album.figures else None

    async def _press(self, action: Action, incoming: Incoming) -> Reply:
        """A button under an earlier reply: the paper's card, its whole card, or its figures."""
        try:
            ref = parse_arxiv_id(action.paper_id)
        except (NoArxivId, MalformedId):
            log.warning("button with an unusable paper id %r", action.paper_id[:80])
            return Reply.notice("That button no longer works; send /summarize with the paper's id.",
                                Tone.WARNING)
        if action.kind is ActionKind.FIGURES:
            return await self._figures_reply(ref)
        item = await self._card_or_notice(ref, self.language_of(incoming), incoming)
        if isinstance(item, PaperCard) and action.kind is ActionKind.ANALYSIS:
            item = replace(item, full=True)
        return Reply((item,))

    async def _summarize_command(self, args: str, incoming: Incoming) -> Reply:
        if not args:
            raise UsageError(
                "Which paper? Send /summarize followed by an arXiv link or id, e.g. /summarize 2410.13726"
            )
        ref_text, _, language = args.rpartition(" ")
        if not ref_text or _looks_like_id(language):
            ref_text, language = args, ""
        else:  # a language code or name ("ja", "Japanese", "日本語"): the rule of /lang
            try:
                language = resolve_language(language)
            except SettingError as exc:
                if _looks_like_id(ref_text):
                    raise UsageError(str(exc)) from None  # "/summarize 2410.13726 zz"
                ref_text, language = args, ""  # part of the link text
        language = language or self.language_of(incoming)
        try:
            ref = parse_arxiv_id(ref_text)
        except NoArxivId:
            raise UsageError(
                f"I couldn't find an arXiv link or id in \"{_clip(ref_text)}\". "
                "Try /summarize 2410.13726 or paste a link like https://arxiv.org/abs/2410.13726"
            ) from None
        except MalformedId as exc:
            raise UsageError(_malformed(exc.text)) from None
        return Reply((await self._card_or_notice(ref, language, incoming),))

    async def _figures_reply(self, ref: ArxivId) -> Reply:
        """A paper's figures for its Figures button (or where to see them, and why)."""
        if self._figures is None:
            return Reply.notice("Figures are switched off on this bot.", Tone.WARNING)
        try:
            with interactive():
                paper = await self._summaries.paper(ref)
        except PapersError:
            return Reply.notice("arXiv is not answering right now. Please try again in a few "
                                "minutes.", Tone.ERROR)
        return Reply((await self._figures.album(paper),))

    def _links_wanted(self, incoming: Incoming) -> bool:
        """Private chats: on unless turned off. Groups: when mentioned, or turned on with /links."""
        chat = self._repo.get_chat(incoming.chat)
        enabled = chat.links_enabled if chat is not None else None
        if incoming.is_group:
            return incoming.addressed or enabled is True
        return enabled is not False

    async def _links(self, incoming: Incoming) -> Reply | None:
        refs = find_arxiv_ids(incoming.text)
        if not refs:
            if incoming.is_group:
                return None
            return Reply.notice(
                "Send me an arXiv link (or /summarize <id>) and I'll summarize the paper. /help lists everything."
            )
        if not self._links_wanted(incoming):
            return None
        language = self.language_of(incoming)
        cap = self._limits.max_links_per_message
        items: list[Notice | PaperCard] = []
        for ref in refs[:cap]:
            items.append(await self._card_or_notice(ref, language, incoming))
        if len(refs) > cap:
            rest = ", ".join(str(r) for r in refs[cap:])
            items.append(Notice(
                f"That message has {len(refs)} arXiv links; I summarized the first {cap}. "
                f"Send the others separately: {rest}",
                Tone.WARNING,
            ))
        return Reply(tuple(items))

    async def _card_or_notice(self, ref: ArxivId, language: str, incoming: Incoming) -> Notice | PaperCard:
        """A card, or a friendly notice saying why there is none (never an exception). Someone
        is waiting: their arXiv and model requests go ahead of digests (summarizer.lanes)."""
        with interactive():
            return await self._card_or_notice_now(ref, language, incoming)

    async def _card_or_notice_now(
        self, ref: ArxivId, language: str, incoming: Incoming
    ) -> Notice | PaperCard:
        try:
            paper = await self._summaries.paper(ref)
            cached = self._summaries.cached_card(paper, language)
            if cached is not None:
                return cached
            if self._summaries.in_flight(paper, language):  # someone's request is writing it
                return await self._model_card(ref, paper, language)  # no new model call: free
            held = self._quota.reserve(incoming)
            if not isinstance(held, Reservation):
                return Notice(
                    f"You've reached the limit of new summaries for now; try {ref} again "
                    f"{describe_wait(held)}. Papers someone already asked for are always available.",
                    Tone.WARNING,
                )
            spent, later = False, None
            try:
                card = await self._model_card(ref, paper, language)
                if card.provisional:  # settled when the model's card comes (or does not)
                    later = self._upgrades.get((paper.versioned_id, card.summary.language))
                spent = card.summary.backend == self._summaries.backend  # a fallback is free
                return card
            finally:
                if later is None:
                    self._quota.settle(held, incoming, spent=spent)
                else:
                    later.add_done_callback(lambda task: self._quota.settle(
                        held, incoming, spent=self._made_by_model(task)))
        except PaperNotFound:
            return Notice(f"arXiv has no paper {ref}. Check the id and try again.", Tone.WARNING)
        except ArxivBadRequest as exc:
            log.warning("arXiv rejected %s: %s", ref, exc.detail)
            return Notice(_malformed(str(ref)), Tone.WARNING)
        except ArxivUnavailable as exc:
            log.warning("arXiv unavailable while fetching %s: %s", ref, exc)
            if exc.unreachable:  # the bot's own network, not arXiv
                return Notice("I can't reach arXiv from here right now (a network problem on my "
                              "side). Please try again in a few minutes.", Tone.ERROR)
            return Notice("arXiv is not answering right now. Please try again in a few minutes.", Tone.ERROR)
        except PapersError:
            log.exception("could not fetch %s", ref)
            return Notice(f"I could not fetch {ref} from arXiv. Please try again later.", Tone.ERROR)


    async def _model_card(self, ref: ArxivId, paper: Paper, language: str) -> PaperCard:
        """The model's card when it comes within ``quick_after_s`` (at once when the model's
        queue is known to be longer); else a provisional extractive card now, and the model's
        card later through ``upgrade``. Someone in a chat never stares at nothing."""
        with interactive():  # the task copies this context: its model request goes first
            task = asyncio.ensure_future(self._summaries.card(ref, language))
        if self._summaries.backend == "extractive":
            return await task
        wait = 0.0 if self._summaries.model_wait_s() > self._quick_after_s else self._quick_after_s
        await asyncio.wait({task}, timeout=wait)
        if task.done():
            return task.result()
        quick = await self._summaries.quick_card(paper, language)
        key = (paper.versioned_id, quick.summary.language)
        self._upgrades[key] = task
        task.add_done_callback(lambda done: self._upgrade_finished(key, done))
        log.info("%s: provisional card sent; the model's follows", paper.versioned_id)
        return quick

    def _made_by_model(self, task: asyncio.Task[PaperCard]) -> bool:
        """Whether a finished summary task brought the model's card (not a fallback)."""
        if task.cancelled() or task.exception() is not None:
            return False
        return task.result().summary.backend == self._summaries.backend

    def _upgrade_finished(self, key: tuple[str, str], task: asyncio.Task[PaperCard]) -> None:
        if self._upgrades.get(key) is task:
            del self._upgrades[key]
        if not task.cancelled():
            task.exception()  # retrieved here; ``upgrade`` reports it to whoever waits

    async def upgrade(self, card: PaperCard) -> PaperCard:
        """The card that replaces a provisional one in place: the model's card, or the same
        card no longer marked provisional when the model or arXiv failed meanwhile."""
        key = (card.paper.versioned_id, card.summary.language)
        task = self._upgrades.get(key)
        try:
            if task is not None:
                better = await asyncio.shield(task)
            else:  # finished already: the cache has it (or a fallback)
                with interactive():
                    better = await self._summaries.card(parse_arxiv_id(card.paper.versioned_id),
                                                        card.summary.language)
        except PapersError as exc:
            log.warning("%s: the model's card could not be made (%s)", card.paper.versioned_id, exc)
            return replace(card, provisional=False)
        return replace(better, brief=card.brief, full=card.full, cached=False)


def _looks_like_id(text: str) -> bool:
    try:
        parse_arxiv_id(text)
    except (NoArxivId, MalformedId):
        return False
    return True


def _malformed(text: str) -> str:
    return (
        f"\"{_clip(text)}\" is not a valid arXiv id. "
        "arXiv ids look like 2410.13726, 2410.13726v2 or hep-th/9901001."
    )


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
