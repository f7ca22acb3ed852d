"""Damage checks of the database file, made when it is opened (issue 10).

A corrupt page used to stop ``paperboy run`` at start-up; these checks turn damage into one
``DatabaseDamaged`` error that names the file and the repair, so the bot can start without it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storage.errors import DatabaseDamaged, StorageError

__all__ = ["check_file", "check_pages", "is_damage"]

# SQLITE_CORRUPT ("database disk image is malformed") and SQLITE_NOTADB ("file is not a
# database"); extended codes carry the primary code in their low byte.
_DAMAGE_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_BACKUP_MARKS = ("bak", "backup")


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether sqlite3 raised this because the file is damaged (not locked, full, or misused)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _DAMAGE_CODES
    text = str(exc)
    return "malformed" in text or "not a database" in text


def check_file(path: Path) -> None:
    """Before connecting: a zero-length file with a non-empty WAL or rollback journal, or a
    backup beside it, is a truncated database, never a new one (SQLite would start afresh)."""
    try:
        if not path.exists() or path.stat().st_size > 0:
            return
    except OSError:
        return  # connecting reports it
    for suffix in ("-wal", "-journal"):
        companion = path.with_name(path.name + suffix)
        if _size(companion) > 0:
            raise DatabaseDamaged(
                path, f"the file is empty but {companion.name} holds {_size(companion)} bytes"
            )
    backups = sorted(
        p.name
        for p in path.parent.iterdir()
        if p != path and p.name.startswith(path.stem) and _size(p) > 0
        and any(m in p.name.lower() for m in _BACKUP_MARKS)
    )
    if backups:
        raise DatabaseDamaged(path, f"the file is empty but a backup lies beside it ({backups[0]})")


def check_pages(conn: sqlite3.Connection, path: Path) -> None:
    """``PRAGMA quick_check``: every page read once, without the index cross-checks of
    ``integrity_check`` (0.15 s for a 210 MB file, warm cache: bench/storage_health.py)."""
    try:
        found = [str(row[0]) for row in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_NOTADB:
            # Not damage: some other file (a wrong storage.path). Starting without it would
            # hide the mistake; the operator is told instead.
            raise StorageError(f"{path} is not a usable paperboy database: it is not an SQLite "
                               f"database ({exc})") from exc
        if is_damage(exc):
            raise DatabaseDamaged(path, f"not a usable paperboy database ({exc})") from exc
        raise
    if found != ["ok"]:
        raise DatabaseDamaged(path, "quick_check found " + "; ".join(found))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
