"""Listings and digests: what arXiv announced per cycle, and what each chat's digest holds.

A separate class from Repository (same database, same thread rule) so that neither module grows
past a readable size; ``Repository.digests`` hands it out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from storage import rows
from storage.models import ChatRef, DigestRecord


class DigestStore:
    """The digest tables: ``listings`` (per source and cycle) and ``digests`` (per chat)."""

    def __init__(self, db: Callable[[], Database], clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def save_listing(self, key: str, cycle: str, entries: list[tuple[str, str]]) -> None:
        """Remember what a source (``feed:cs.CV``, ``query:…``) listed for a cycle."""
        self._db().table("listings").upsert(
            {"key": key, "cycle": cycle, "fetched_at": rows.to_ts(self._clock()),
             "entries": json.dumps(entries)},
            pk=("key", "cycle"),
        )

    def get_listing(self, key: str, cycle: str) -> list[tuple[str, str]] | None:
        """The stored listing (versioned id, announce type), or None if never fetched."""
        found = list(self._db().table("listings").rows_where("key = ? AND cycle = ?", [key, cycle]))
        if not found:
            return None
        return [(str(i), str(t)) for i, t in json.loads(found[0]["entries"])]

    def start_digest(
        self, chat: ChatRef, *, cycle: str, due_at: datetime, items: list[str], matched: int,
        trigger: str,
    ) -> DigestRecord:
        """Record the plan before sending anything, so a crash mid-digest can resume it."""
        table = self._db().table("digests")
        table.insert({
            "platform": chat.platform, "chat_id": chat.chat_id, "cycle": cycle,
            "due_at": rows.to_ts(due_at), "created_at": rows.to_ts(self._clock()),
            "items": json.dumps(items), "matched": matched, "trigger": trigger,
            "header_sent_at": None, "completed_at": None, "attempts": 0,
        })
        record = self.get(int(table.last_pk))  # type: ignore[arg-type]
        assert record is not None
        return record

    def header_sent(self, digest_id: int) -> None:
        """The digest's header message went out (not repeated when a digest resumes)."""
        self._db().table("digests").update(digest_id, {"header_sent_at": rows.to_ts(self._clock())})

    def part_sent(self, digest_id: int, first_item: str, parts: int, total: int | None = None) -> None:
        """``parts`` of the ``total`` messages of the send that starts with ``first_item`` went
        out."""
        self._db().execute(
            "UPDATE digests SET parts_of = ?, parts_sent = ?, parts_total = ? WHERE id = ?",
            [first_item, parts, total, digest_id],
        )

    def failed_attempt(self, digest_id: int) -> int:
        """Count one failed attempt to send the digest; returns how many there were."""
        self._db().execute("UPDATE digests SET attempts = attempts + 1 WHERE id = ?", [digest_id])
        row = self._db().execute("SELECT attempts FROM digests WHERE id = ?", [digest_id]).fetchone()
        return int(row[0]) if row else 0

    def complete(self, digest_id: int) -> None:
        """Every item of the digest was delivered (or skipped for good)."""
        self._db().table("digests").update(digest_id, {"completed_at": rows.to_ts(self._clock())})

    def get(self, digest_id: int) -> DigestRecord | None:
        """One digest by id."""
        found = list(self._db().table("digests").rows_where("id = ?", [digest_id]))
        return _record(found[0]) if found else None

    def last(self, chat: ChatRef) -> DigestRecord | None:
        """The chat's most recent digest (by the delivery time it served)."""
        found = list(self._db().table("digests").rows_where(
            "platform = ? AND chat_id = ?", [chat.platform, chat.chat_id],
            order_by="due_at DESC, id DESC", limit=1,
        ))
        return _record(found[0]) if found else None

    def before(self, record: DigestRecord) -> DigestRecord | None:
        """The chat's digest just before ``record`` (by delivery time), if any."""
        found = list(self._db().table("digests").rows_where(
            "platform = ? AND chat_id = ? AND (due_at < ? OR (due_at = ? AND id < ?))",
            [record.chat.platform, record.chat.chat_id, rows.to_ts(record.due_at),
             rows.to_ts(record.due_at), record.id],
            order_by="due_at DESC, id DESC", limit=1,
        ))
        return _record(found[0]) if found else None

    def incomplete(self) -> list[DigestRecord]:
        """Digests whose sending was interrupted (a crash, a stop): resumed at start-up."""
        found = self._db().table("digests").rows_where("completed_at IS NULL", order_by="id")
        return [_record(row) for row in found]

    def move_chat(self, old: ChatRef, new: ChatRef) -> None:
        """A group became a supergroup: its digests follow it."""
        self._db().execute(
            "UPDATE digests SET platform = ?, chat_id = ? WHERE platform = ? AND chat_id = ?",
            [new.platform, new.chat_id, old.platform, old.chat_id],
        )


def _record(row: dict[str, Any]) -> DigestRecord:
    return DigestRecord(
        id=int(row["id"]),
        chat=ChatRef(row["platform"], row["chat_id"]),
        cycle=row["cycle"],
        due_at=rows.from_ts(row["due_at"]),  # type: ignore[arg-type]
        created_at=rows.from_ts(row["created_at"]),  # type: ignore[arg-type]
        items=tuple(json.loads(row["items"])),
        matched=int(row["matched"]),
        trigger=row["trigger"],
        header_sent=row["header_sent_at"] is not None,
        completed_at=rows.from_ts(row["completed_at"]),
        parts_of=row.get("parts_of"),
        parts_sent=int(row.get("parts_sent") or 0),
        parts_total=row.get("parts_total"),
    )
