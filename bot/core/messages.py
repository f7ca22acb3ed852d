"""The neutral documents: what arrives from any chat platform and what the core answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum

from papers.models import Paper
from storage.models import ChatRef
from summarizer.schema import Summary

__all__ = [
    "Action", "ActionKind", "ChatRef", "Figure", "FigureAlbum", "Incoming", "Notice", "PaperCard",
    "PaperList", "Reply", "Tone",
]  # fmt: skip


class ActionKind(StrEnum):
    """What a button under a reply does; every platform offers the same vocabulary."""

    EXPAND = "expand"  # the paper's card (from a compact list or a brief digest entry)
    ANALYSIS = "analysis"  # the paper's whole card, nothing shortened (where a platform had to)
    FIGURES = "figures"  # the paper's figures (or where to see them)


@dataclass(frozen=True, slots=True)
class Action:
    """A core action on one paper. ``token`` is what a platform stores in its button (≤ 64
    bytes, Telegram's callback_data limit) and hands back when the button is pressed."""

    kind: ActionKind
    paper_id: str  # versioned arXiv id, e.g. 2410.13726v2 or hep-th/9901001v1

    @property
    def token(self) -> str:
        """``expand:2410.13726v2``: short, readable, and stable across restarts."""
        return f"{self.kind.value}:{self.paper_id}"

    @classmethod
    def parse(cls, token: str) -> Action | None:
        """The action a button carried, or None for anything we did not make."""
        kind, sep, paper_id = token.partition(":")
        if not sep or not paper_id or len(token) > 64:
            return None
        try:
            return cls(ActionKind(kind), paper_id)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message a user sent, or one button a user pressed, stripped of platform details."""

    chat: ChatRef
    user_id: str
    text: str
    is_group: bool = False
    addressed: bool = True  # the bot was mentioned / replied to / it is a private chat
    # May change this chat's subscriptions and settings: group admins, members with Manage
    # Channels on Discord, anyone in a private chat. False unless the adapter says so, so an
    # adapter that forgets it grants nothing.
    can_manage: bool = False
    user_name: str = ""  # for logs and polite replies; never used as an identity
    action: Action | None = None  # a button press instead of a typed message


class Tone(Enum):
    """How a notice should look: plain info, a gentle warning, or an error."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Notice:
    """A short text for the user (help, confirmations, friendly errors). Plain text, no markup."""

    text: str
    tone: Tone = Tone.INFO


@dataclass(frozen=True, slots=True)
class PaperCard:
    """One paper with its summary: the unit of every reply and digest."""

    paper: Paper
    summary: Summary
    cached: bool = False
    # Part of a digest, read by skimming: a platform that cannot fold long text (Discord) may
    # show the short form and offer ActionKind.EXPAND.
    brief: bool = False
    # Asked for in full (ActionKind.ANALYSIS): show everything, over several messages if needed.
    full: bool = False
    # Further actions the bot offers under this card (ActionKind.FIGURES when figures are on).
    actions: tuple[Action, ...] = ()
    # A quick (extractive) stand-in sent because the model's summary was not ready within a few
    # seconds: the adapter edits it in place once ``Commands.upgrade`` returns the real card.
    provisional: bool = False

    @property
    def expand(self) -> Action:
        """The action that shows this paper's card."""
        return Action(ActionKind.EXPAND, self.paper.versioned_id)

    @property
    def analysis(self) -> Action:
        """The action that shows this paper's whole card, nothing shortened."""
        return Action(ActionKind.ANALYSIS, self.paper.versioned_id)

    @property
    def figures(self) -> Action:
        """The action that shows this paper's figures."""
        return Action(ActionKind.FIGURES, self.paper.versioned_id)


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure image of a paper, ready for chats (PNG or JPEG within their size rules)."""

    label: str  # "Figure 1"
    caption: str  # as printed, label included
    data: bytes = field(repr=False)
    mime: str  # "image/png" | "image/jpeg"
    filename: str  # ASCII: "figure-1.png"


@dataclass(frozen=True, slots=True)
class FigureAlbum:
    """A paper's figures, sent after its card; or, when they may not be reposted (licence) or
    could not be extracted, where to see them (``link``) and why (``note``)."""

    paper: Paper
    figures: tuple[Figure, ...] = ()
    link: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class PaperList:
    """A compact digest: one line per paper (title and one-line summary), each expandable."""

    cards: tuple[PaperCard, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """What the core answers to one Incoming: notices and paper cards, in order."""

    items: tuple[Notice | PaperCard | PaperList | FigureAlbum, ...] = field(default_factory=tuple)

    @classmethod
    def notice(cls, text: str, tone: Tone = Tone.INFO) -> Reply:
        """A reply made of one notice."""
        return cls((Notice(text, tone),))

    @property
    def cards(self) -> list[PaperCard]:
        """The paper cards in this reply."""
        return [i for i in self.items if isinstance(i, PaperCard)]
