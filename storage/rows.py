"""Conversions between our values and database rows: timestamps, JSON, booleans, validation."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from papers.models import Paper
from storage.errors import InvalidSetting
from storage.models import MAX_PAPERS_LIMIT, Chat, ChatRef, Subscription

# The chat fields a user may change through ``Repository.update_chat``.
CHAT_SETTINGS = frozenset(
    {"language", "timezone", "delivery_time", "max_papers", "paused", "links_enabled", "compact"}
)
_HHMM = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
_VERSIONED = re.compile(r"(?P<base>.*\d)v(?P<version>\d+)")


def to_ts(value: datetime) -> str:
    """ISO 8601 in UTC with microseconds, so stored strings sort in time order (naive = UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_ts(value: str | None) -> datetime | None:
    """The tz-aware (UTC) datetime of a stored timestamp."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def split_version(arxiv_id: str, version: int | None) -> tuple[str, int | None]:
    """Accept ``2410.13726v2`` as well as ``("2410.13726", 2)``; an explicit version wins."""
    match = _VERSIONED.fullmatch(arxiv_id.strip())
    if match is None:
        return arxiv_id.strip(), version
    return match["base"], version if version is not None else int(match["version"])


def paper_row(paper: Paper, fetched_at: datetime) -> dict[str, Any]:
    """The ``papers`` row of one paper version."""
    return {
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "authors": json.dumps(list(paper.authors), ensure_ascii=False),
        "abstract": paper.abstract,
        "published": to_ts(paper.published),
        "updated": to_ts(paper.updated),
        "primary_category": paper.primary_category,
        "categories": json.dumps(list(paper.categories), ensure_ascii=False),
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "code_url": paper.code_url,
        "license": paper.license,
        "fetched_at": to_ts(fetched_at),
    }


def paper_from_row(row: dict[str, Any]) -> Paper:
    """The Paper a ``papers`` row holds."""
    published = from_ts(row["published"])
    updated = from_ts(row["updated"])
    assert published is not None and updated is not None  # NOT NULL columns
    return Paper(
        arxiv_id=row["arxiv_id"],
        version=row["version"],
        title=row["title"],
        authors=tuple(json.loads(row["authors"])),
        abstract=row["abstract"],
        published=published,
        updated=updated,
        primary_category=row["primary_category"],
        categories=tuple(json.loads(row["categories"] or "[]")),
        comment=row["comment"],
        journal_ref=row["journal_ref"],
        doi=row["doi"],
        code_url=row["code_url"],
        license=row["license"],
    )


def chat_from_row(row: dict[str, Any]) -> Chat:
    """The Chat a ``chats`` row holds."""
    links = row["links_enabled"]
    return Chat(
        ref=ChatRef(row["platform"], row["chat_id"]),
        language=row["language"],
        timezone=row["timezone"],
        delivery_time=row["delivery_time"],
        max_papers=row["max_papers"],
        paused=bool(row["paused"]),
        links_enabled=None if links is None else bool(links),
        compact=bool(row["compact"]),
        active=bool(row["active"]),
        deactivated_reason=row["deactivated_reason"],
        created_at=from_ts(row["created_at"]),
        updated_at=from_ts(row["updated_at"]),
    )


def subscription_from_row(row: dict[str, Any]) -> Subscription:
    """The Subscription a ``subscriptions`` row holds."""
    return Subscription(
        id=row["id"],
        chat=ChatRef(row["platform"], row["chat_id"]),
        kind=row["kind"],
        query=row["query"],
        label=row["label"],
        active=bool(row["active"]),
        created_at=from_ts(row["created_at"]),
        cross_lists=bool(row.get("cross_lists", 1)),
        covered_cycle=row.get("covered_cycle"),
    )


def check_setting(name: str, value: object) -> object:
    """Return the value to store for one chat setting, or raise InvalidSetting saying why."""
    if name not in CHAT_SETTINGS:
        raise InvalidSetting(f"unknown chat setting {name!r}")
    if name == "language":
        code = value.strip().lower().replace("_", "-") if isinstance(value, str) else ""
        if not code or len(code) > 12 or not all(p.isalnum() for p in code.split("-")):
            raise InvalidSetting(f"{value!r} is not a language code such as en, zh or pt-br")
        return code
    if name == "timezone":
        return _check_timezone(value)
    if name == "delivery_time":
        if not isinstance(value, str) or not _HHMM.fullmatch(value):
            raise InvalidSetting(f"{value!r} is not a time of day as HH:MM (00:00 to 23:59)")
        return value
    if name == "max_papers":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidSetting(f"max_papers must be a whole number, not {value!r}")
        if not 1 <= value <= MAX_PAPERS_LIMIT:
            raise InvalidSetting(f"max_papers must be between 1 and {MAX_PAPERS_LIMIT}")
        return value
    if name == "links_enabled" and value is None:
        return None
    if not isinstance(value, bool):
        raise InvalidSetting(f"{name} must be true or false, not {value!r}")
    return int(value)


def _check_timezone(value: object) -> str:
    if isinstance(value, str) and value.strip():
        try:
            ZoneInfo(value.strip())
        except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            pass
        else:
            return value.strip()
    raise InvalidSetting(f"{value!r} is not a known time zone such as UTC or Europe/Berlin")
