"""The neutral documents: what arrives from any chat platform and what the core answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from papers.models import Paper
from storage.models import ChatRef
from summarizer.schema import Summary

__all__ = ["ChatRef", "Incoming", "Notice", "PaperCard", "PaperList", "Reply", "Tone"]


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message a user sent to the bot, already stripped of platform details."""

    chat: ChatRef
    user_id: str
    text: str
    is_group: bool = False
    addressed: bool = True  # the bot was mentioned / replied to / it is a private chat
    can_manage: bool = True  # may change this chat's subscriptions (group admins; anyone in private)
    user_name: str = ""  # for logs and polite replies; never used as an identity


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


@dataclass(frozen=True, slots=True)
class PaperList:
    """A compact digest: one line per paper (title and one-line summary), each expandable."""

    cards: tuple[PaperCard, ...]


@dataclass(frozen=True, slots=True)
class Reply:
    """What the core answers to one Incoming: notices and paper cards, in order."""

    items: tuple[Notice | PaperCard | PaperList, ...] = field(default_factory=tuple)

    @classmethod
    def notice(cls, text: str, tone: Tone = Tone.INFO) -> Reply:
        """A reply made of one notice."""
        return cls((Notice(text, tone),))

    @property
    def cards(self) -> list[PaperCard]:
        """The paper cards in this reply."""
        return [i for i in self.items if isinstance(i, PaperCard)]
