"""The values the storage package owns: chats, their settings, and subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

SubscriptionKind = Literal["text", "category", "query"]
SUBSCRIPTION_KINDS: tuple[str, ...] = ("text", "category", "query")

# What a chat gets before anyone changes a setting.
DEFAULT_LANGUAGE = "en"
DEFAULT_TIMEZONE = "UTC"
DEFAULT_DELIVERY_TIME = "08:00"
DEFAULT_MAX_PAPERS = 10
MAX_PAPERS_LIMIT = 50


@dataclass(frozen=True, slots=True)
class ChatRef:
    """A chat on some platform: ``("telegram", "-1001234")``, ``("console", "local")``."""

    platform: str
    chat_id: str


@dataclass(frozen=True, slots=True)
class Chat:
    """One chat the bot serves, with the settings its members chose (or the defaults)."""

    ref: ChatRef
    language: str = DEFAULT_LANGUAGE
    timezone: str = DEFAULT_TIMEZONE
    delivery_time: str = DEFAULT_DELIVERY_TIME  # "HH:MM" in ``timezone``
    max_papers: int = DEFAULT_MAX_PAPERS  # per digest
    paused: bool = False  # digests stop, on-demand summaries still work
    links_enabled: bool | None = None  # None: the platform's default
    compact: bool = False
    active: bool = True  # False once the bot was blocked/removed (see deactivated_reason)
    deactivated_reason: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Subscription:
    """A topic a chat follows: free text, an arXiv category, or a raw arXiv query."""

    id: int | None
    chat: ChatRef
    kind: SubscriptionKind
    query: str  # the normalized topic text (the uniqueness key within a chat)
    label: str  # what the user typed, for display
    active: bool = True
    created_at: datetime | None = None
    cross_lists: bool = True  # digests include papers cross-listed into its categories
    covered_cycle: str | None = None  # the latest cycle its matches were planned for (a date)


@dataclass(frozen=True, slots=True)
class DigestRecord:
    """A digest planned for a chat: which papers, for which arXiv cycle, and whether it was sent."""

    id: int
    chat: ChatRef
    cycle: str  # the newest announcement date (US Eastern, YYYY-MM-DD) the digest covers
    due_at: datetime  # the delivery time it served (the catch-up logic compares against it)
    created_at: datetime
    items: tuple[str, ...]  # versioned arXiv ids, in display order
    matched: int  # how many papers matched before the chat's max cut the list
    trigger: str  # "schedule" | "command" | "catch-up"
    header_sent: bool = False
    completed_at: datetime | None = None
    # The send in progress: its first paper (versioned id) and how many of its messages went
    # out. A card can be several messages; a resumed digest starts at the first part not sent.
    parts_of: str | None = None
    parts_sent: int = 0
    parts_total: int | None = None  # how many messages that send was rendered into
