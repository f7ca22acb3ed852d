"""Read-only figures about a paperboy database, for the start-up line and ``paperboy status``,
and its online backup.

Everything here opens its own connection (read-only for the figures), so a running bot is
neither blocked nor written to: WAL lets readers and one writer work at the same time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from storage import rows
from storage.errors import StorageError


@dataclass(frozen=True, slots=True)
class Counts:
    """What the start-up line says about the data: chats, subscriptions, the next digest."""

    chats: int  # active chats
    deactivated_chats: int  # chats that blocked or removed the bot
    subscriptions: int  # active subscriptions of active chats
    next_due_at: datetime | None  # the earliest digest due (UTC); None: no chat wants one


@dataclass(frozen=True, slots=True)
class Activity:
    """What happened over a recent window (``paperboy status``)."""

    last_cycle: str | None  # the latest announcement cycle fetched (a mailing date)
    last_fetched_at: datetime | None
    digests_sent: int  # finished digests created in the window
    digests_failed: int  # digests in the window with a failed send (retried or given up)
    digests_pending: int  # digests in the window not finished yet
    model_summaries: dict[str, int] = field(default_factory=dict)  # "backend model" -> count
    requested_last_hour: int = 0  # new summaries people asked for (what the hourly quota counts)


@contextmanager
def read_only(path: str | Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the database file (``mode=ro``); StorageError when it is
    missing or not a paperboy database."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise StorageError(f"no database at {path}")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the database at {path}: {exc}") from exc
    with closing(conn):
        try:
            conn.execute("SELECT 1 FROM chats LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"{path} is not a usable paperboy database: {exc}") from exc
        try:
            yield conn
        except sqlite3.Error as exc:  # busy, or damaged past the first page
            raise StorageError(f"cannot read the database at {path}: {exc}") from exc


def counts(conn: sqlite3.Connection) -> Counts:
    """Chats, subscriptions and the next digest due."""
    active, inactive, due = conn.execute(
        "SELECT COALESCE(SUM(active = 1), 0), COALESCE(SUM(active = 0), 0), "
        "MIN(CASE WHEN active = 1 THEN next_due_at END) FROM chats"
    ).fetchone()
    (subs,) = conn.execute(
        "SELECT COUNT(*) FROM subscriptions s JOIN chats c "
        "ON c.platform = s.platform AND c.chat_id = s.chat_id WHERE s.active = 1 AND c.active = 1"
    ).fetchone()
    return Counts(active, inactive, subs, rows.from_ts(due))


def activity(conn: sqlite3.Connection, now: datetime, window: timedelta) -> Activity:
    """The last cycle fetched, and digests and summaries since ``now - window``."""
    since = rows.to_ts(now - window)
    cycle, fetched = conn.execute(
        "SELECT cycle, fetched_at FROM listings ORDER BY cycle DESC, fetched_at DESC LIMIT 1"
    ).fetchone() or (None, None)
    sent, failed, pending = conn.execute(
        "SELECT COALESCE(SUM(completed_at IS NOT NULL AND attempts = 0), 0), "
        "COALESCE(SUM(attempts > 0), 0), COALESCE(SUM(completed_at IS NULL), 0) "
        "FROM digests WHERE created_at >= ?", [since]
    ).fetchone()
    models = {
        f"{backend} {model}".strip(): n
        for backend, model, n in conn.execute(
            "SELECT backend, COALESCE(model, ''), COUNT(*) FROM summaries "
            "WHERE created_at >= ? AND backend != 'extractive' GROUP BY backend, model "
            "ORDER BY backend, model", [since])
    }
    # The quota's own rows are kept for two hours only: the last hour is what they can tell.
    (requested,) = conn.execute(
        "SELECT COUNT(*) FROM usage WHERE kind = 'summary' AND key LIKE '%:user:%' AND at >= ?",
        [rows.to_ts(now - timedelta(hours=1))],
    ).fetchone()
    return Activity(cycle, rows.from_ts(fetched), sent, failed, pending, models, requested)


def backup(source: str | Path, target: str | Path) -> int:
    """A consistent copy of the database at ``target`` (SQLite's online backup API: pages are
    copied while the bot keeps writing); returns its size in bytes."""
    source, target = Path(source).expanduser(), Path(target).expanduser()
    if not source.is_file():
        raise StorageError(f"no database at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise StorageError("the backup must go to another file than the database")
    if target.resolve().parent == source.resolve().parent and target.name.startswith(source.name):
        raise StorageError(f"{target} is one of the database's own files ({source.name}-wal, "
                           "-shm, -journal): choose another name")
    if target.is_dir():
        raise StorageError(f"{target} is a directory: give the backup's file name")
    if not target.parent.is_dir():
        raise StorageError(f"cannot back up to {target}: the directory {target.parent} does not "
                           "exist")
    partial = target.with_name(target.name + ".partial")
    try:
        with closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        partial.replace(target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"cannot back up {source} to {target}: {exc}") from exc
    return target.stat().st_size
