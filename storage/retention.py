"""Pruning what nothing reads any more: old listings, sent digests' plans, usage and deliveries.

Without it the database grows by every day's listings and every chat's digest plan forever.
Rows go a bounded batch at a time, so the caller can yield to the event loop between batches
(a first prune of a year's history must not freeze the bot).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlite_utils import Database

from storage import rows

if TYPE_CHECKING:
    from storage.repository import Repository

# What goes, per table. A chat's latest digest is always kept: it says which arXiv cycle the
# chat has covered and which delivery time it served (planning and "already sent" read it).
_RULES = {
    "listings": "fetched_at < :listings",
    "digests": (
        "completed_at IS NOT NULL AND created_at < :digests AND EXISTS ("
        "SELECT 1 FROM digests newer WHERE newer.platform = digests.platform"
        " AND newer.chat_id = digests.chat_id AND (newer.due_at > digests.due_at"
        " OR (newer.due_at = digests.due_at AND newer.id > digests.id)))"
    ),
    "usage": "at < :usage",
    "deliveries": "delivered_at < :deliveries",
}


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """Rows older than these instants may go."""

    listings: datetime  # fetched arXiv listings
    digests: datetime  # completed digest plans (each chat's latest is kept)
    usage: datetime  # rate-limit timestamps (quotas look back an hour)
    deliveries: datetime  # what a chat got (keeps digests from repeating a paper)


class Retention:
    """Deletes expired rows of ``listings``, ``digests``, ``usage`` and ``deliveries``."""

    def __init__(self, db: Callable[[], Database]) -> None:
        self._db = db

    @classmethod
    def of(cls, repo: Repository) -> Retention:
        """Retention over a Repository's database (same connection, same thread rule)."""
        return repo.retention

    def steps(self, cutoffs: Cutoffs, *, batch: int = 2000) -> Iterator[tuple[str, int]]:
        """Delete at most ``batch`` rows per step; yields (table, rows deleted) after each."""
        params = {name: rows.to_ts(getattr(cutoffs, name)) for name in _RULES}
        for table, rule in _RULES.items():
            while True:
                db = self._db()
                cursor = db.execute(
                    f"DELETE FROM {table} WHERE rowid IN"
                    f" (SELECT rowid FROM {table} WHERE {rule} LIMIT :batch)",
                    {**params, "batch": batch},
                )
                yield table, cursor.rowcount
                if cursor.rowcount < batch:
                    break

    def prune(self, cutoffs: Cutoffs, *, batch: int = 2000) -> dict[str, int]:
        """Delete everything expired at once; returns the rows deleted per table."""
        counts = dict.fromkeys(_RULES, 0)
        for table, deleted in self.steps(cutoffs, batch=batch):
            counts[table] += deleted
        return counts
