"""When each chat's next digest is due: the SQL behind the scheduler's one tick a minute.

The due time is a column of ``chats`` (``next_due_at``, indexed with ``active``), so finding the
chats due now is one indexed range query, whatever the number of chats, and nothing per chat
is held in memory between ticks. Computing a due time (time zones, DST) is the scheduler's job;
this module only reads and writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from storage import rows
from storage.models import Chat, ChatRef

if TYPE_CHECKING:
    from storage.repository import Repository

# A chat row with what scheduling needs: whether it follows any topic, and (for chats not
# scheduled yet) the delivery time its last digest served.
_SELECT = """
SELECT c.*,
  EXISTS (SELECT 1 FROM subscriptions s
          WHERE s.platform = c.platform AND s.chat_id = c.chat_id AND s.active = 1) AS subscribed,
  CASE WHEN c.next_due_at IS NULL THEN
    (SELECT MAX(d.due_at) FROM digests d WHERE d.platform = c.platform AND d.chat_id = c.chat_id)
  END AS last_due_at
FROM chats c
"""


@dataclass(frozen=True, slots=True)
class ChatSchedule:
    """A chat's settings and its place in the schedule."""

    chat: Chat
    next_due_at: datetime | None  # when the tick runs it next; None: it wants no digest
    retry_due_at: datetime | None  # set while the next run is a retry of this delivery time
    subscribed: bool  # it follows at least one topic
    last_due_at: datetime | None = None  # its last digest's delivery time (unscheduled chats only)

    @property
    def due(self) -> datetime | None:
        """The delivery time the next run serves (a retry serves the original one)."""
        return self.retry_due_at or self.next_due_at


@dataclass(frozen=True, slots=True)
class DueChange:
    """A new place in the schedule for one chat (both None: no digest wanted)."""

    ref: ChatRef
    next_due_at: datetime | None
    retry_due_at: datetime | None = None


class ScheduleStore:
    """Reads and writes ``chats.next_due_at`` / ``retry_due_at``; loop thread only."""

    def __init__(self, db: Callable[[], Database]) -> None:
        self._db = db

    @classmethod
    def of(cls, repo: Repository) -> ScheduleStore:
        """The schedule of a Repository's database (same connection, same thread rule)."""
        return repo.schedule

    def due(
        self, now: datetime, *, limit: int, after: tuple[str, str, str] | None = None
    ) -> list[ChatSchedule]:
        """Active chats due at ``now``, oldest due first, one page after the key ``after``.

        ``after`` is the last row's ``page_key`` of the previous page.
        """
        where, args = "c.active = 1 AND c.next_due_at <= ?", [rows.to_ts(now)]
        if after is not None:
            where += " AND (c.next_due_at, c.platform, c.chat_id) > (?, ?, ?)"
            args += list(after)
        return self._select(where, args, "c.next_due_at, c.platform, c.chat_id", limit)

    def page(self, *, limit: int, after: ChatRef | None = None) -> list[ChatSchedule]:
        """Active chats in key order, one page after ``after`` (the start-up sweep)."""
        where, args = "c.active = 1", []
        if after is not None:
            where += " AND (c.platform, c.chat_id) > (?, ?)"
            args += [after.platform, after.chat_id]
        return self._select(where, args, "c.platform, c.chat_id", limit)

    def get(self, ref: ChatRef) -> ChatSchedule | None:
        """One chat's schedule (active or not), or None if it is not stored."""
        found = self._select("c.platform = ? AND c.chat_id = ?", [ref.platform, ref.chat_id], "", 1)
        return found[0] if found else None

    def count_scheduled(self) -> int:
        """How many active chats have a next digest time (diagnostics, benchmarks)."""
        row = self._db().execute(
            "SELECT COUNT(*) FROM chats WHERE active = 1 AND next_due_at IS NOT NULL"
        ).fetchone()
        return int(row[0])

    def set_due(self, changes: Iterable[DueChange]) -> int:
        """Store new due times, all in one transaction (one commit per page, not per chat)."""
        values = [
            (_ts(c.next_due_at), _ts(c.retry_due_at), c.ref.platform, c.ref.chat_id)
            for c in changes
        ]
        if not values:
            return 0
        db = self._db()
        with db.atomic():
            db.conn.executemany(
                "UPDATE chats SET next_due_at = ?, retry_due_at = ? WHERE platform = ? AND chat_id = ?",
                values,
            )
        return len(values)

    def _select(self, where: str, args: list[Any], order: str, limit: int) -> list[ChatSchedule]:
        sql = f"{_SELECT} WHERE {where}" + (f" ORDER BY {order}" if order else "") + " LIMIT ?"
        cursor = self._db().execute(sql, [*args, limit])
        names = [d[0] for d in cursor.description]
        return [_schedule(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def page_key(entry: ChatSchedule) -> tuple[str, str, str]:
    """The keyset position of a row returned by ``ScheduleStore.due``."""
    assert entry.next_due_at is not None
    return rows.to_ts(entry.next_due_at), entry.chat.ref.platform, entry.chat.ref.chat_id


def _ts(value: datetime | None) -> str | None:
    return rows.to_ts(value) if value is not None else None


def _schedule(row: dict[str, Any]) -> ChatSchedule:
    return ChatSchedule(
        chat=rows.chat_from_row(row),
        next_due_at=rows.from_ts(row["next_due_at"]),
        retry_due_at=rows.from_ts(row["retry_due_at"]),
        subscribed=bool(row["subscribed"]),
        last_due_at=rows.from_ts(row["last_due_at"]),
    )
