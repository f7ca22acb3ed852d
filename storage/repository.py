"""Everything paperboy keeps, in one SQLite file: the only module with table names and SQL.

The Repository is synchronous and is called directly from the event-loop thread: its queries
are small and local. It must never be used from another thread (no ``asyncio.to_thread``):
every method checks the calling thread and raises ``WrongThread``, as sqlite3's
``check_same_thread`` would. If the database ever blocks the loop, give it its own connection
and one worker thread without changing callers.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, ParamSpec, Self, TypeVar

from pydantic import ValidationError
from sqlite_utils import Database

from papers.models import Paper
from storage import rows
from storage.digests import DigestStore
from storage.errors import (
    ChatNotFound,
    DatabaseDamaged,
    InvalidSetting,
    RepositoryClosed,
    StorageError,
    WrongThread,
)
from storage.health import check_file, check_pages, is_damage
from storage.migrations import migrations
from storage.models import SUBSCRIPTION_KINDS, Chat, ChatRef, Subscription
from storage.retention import Retention
from storage.schedule import ScheduleStore
from summarizer.schema import Summary

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
_CHUNK = 500  # ids per IN (...) list: well under SQLite's limit of bound parameters
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _wrapped(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn sqlite3 failures (disk full, locked, corrupt) into StorageError for callers; a
    damaged page found later than ``open`` becomes DatabaseDamaged, with the repair steps."""

    @functools.wraps(method)
    def inner(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            if is_damage(exc):
                where = getattr(args[0], "path", None) if args else None
                raise DatabaseDamaged(where or "(in memory)", str(exc)) from exc
            raise StorageError(f"database error in {method.__name__}: {exc}") from exc

    return inner


class Repository:
    """Papers, summaries, chats, subscriptions, deliveries and usage, in one SQLite database."""

    def __init__(self, db: Database, *, path: Path | None = None, clock: Clock = _utcnow) -> None:
        """Wrap an open, migrated database; use ``open`` or ``memory`` instead."""
        self._database = db
        self._owner = threading.get_ident()
        self._closed = False
        self._clock = clock
        self.path = path
        self.digests = DigestStore(lambda: self._db, clock)
        self.schedule = ScheduleStore(lambda: self._db)
        self.retention = Retention(lambda: self._db)

    @classmethod
    def open(cls, path: str | Path, *, clock: Clock = _utcnow) -> Repository:
        """Open (or create) the database file, check it for damage, switch it to WAL and bring
        the schema up to date. Raises DatabaseDamaged (with the repair steps) for a damaged
        file, StorageError for any other reason it cannot be used."""
        path = Path(path).expanduser()
        check_file(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = Database(path, execute_plugins=False)
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(f"cannot open the database at {path}: {exc}") from exc
        try:
            check_pages(db.conn, path)
            db.enable_wal()
            # WAL stays consistent without an fsync per commit; a power cut may lose the last
            # commits, never the file (https://sqlite.org/pragma.html#pragma_synchronous).
            db.execute("PRAGMA synchronous=NORMAL")
            migrations.apply(db)
        except DatabaseDamaged:
            db.close()
            raise
        except sqlite3.Error as exc:
            db.close()
            detail = f"not a usable paperboy database ({exc})"
            if is_damage(exc):
                raise DatabaseDamaged(path, detail) from exc
            raise StorageError(f"{path} is {detail}") from exc
        return cls(db, path=path, clock=clock)

    @classmethod
    def open_or_memory(
        cls, path: str | Path, *, clock: Clock = _utcnow
    ) -> tuple[Repository, DatabaseDamaged | None]:
        """``open``, or, when the file is damaged, an in-memory database and the damage, so the
        bot still starts and serves what needs no stored state (``/summarize``). The damage is
        logged once, with the repair steps; other storage errors still raise."""
        try:
            return cls.open(path, clock=clock), None
        except DatabaseDamaged as damage:
            log.error(
                "%s. Until then paperboy runs on an in-memory database: nothing it stores "
                "(chats, subscriptions, digests) survives a restart.", damage,
            )  # fmt: skip
            return cls.memory(clock=clock), damage

    @classmethod
    def memory(cls, *, clock: Clock = _utcnow) -> Repository:
        """A throwaway in-memory database with the full schema (quick tests, dry runs)."""
        db = Database(memory=True, execute_plugins=False)
        migrations.apply(db)
        return cls(db, clock=clock)

    @property
    def _db(self) -> Database:
        if self._closed:
            raise RepositoryClosed("the repository was closed")
        if threading.get_ident() != self._owner:
            raise WrongThread("the repository may only be used from the thread that opened it")
        return self._database

    def close(self) -> None:
        """Close the connection; later calls raise RepositoryClosed. Closing twice is fine."""
        if not self._closed:
            self._db.close()
            self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Many writes in one transaction (one commit, not one per row); nests."""
        with self._db.atomic():
            yield

    @_wrapped
    def journal_mode(self) -> str:
        """The SQLite journal mode ("wal" for a file), for diagnostics and tests."""
        return self._db.journal_mode

    # papers ---------------------------------------------------------------------------------

    @_wrapped
    def save_paper(self, paper: Paper, fetched_at: datetime | None = None) -> None:
        """Store (or refresh) the metadata of one paper version."""
        row = rows.paper_row(paper, fetched_at or self._clock())
        self._db.table("papers").upsert(row, pk=("arxiv_id", "version"))

    @_wrapped
    def add_papers(self, papers: Iterable[Paper], fetched_at: datetime | None = None) -> None:
        """Store paper versions not stored yet, in one transaction (a feed's whole listing);
        versions already stored are kept as they are (an API look-up knows more than a feed)."""
        when = fetched_at or self._clock()
        rows_ = [rows.paper_row(paper, when) for paper in papers]
        if rows_:
            with self._db.atomic():
                self._db.table("papers").insert_all(rows_, ignore=True, batch_size=500)

    @_wrapped
    def get_papers(self, versioned_ids: Iterable[str]) -> dict[str, Paper]:
        """Many stored paper versions at once, keyed by versioned id; unknown ones are absent."""
        wanted: dict[tuple[str, int], str] = {}
        for vid in versioned_ids:
            base, version = rows.split_version(vid, None)
            if version is not None:
                wanted[(base, version)] = vid
        found: dict[str, Paper] = {}
        keys = list(wanted)
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            where = " OR ".join(["(arxiv_id = ? AND version = ?)"] * len(chunk))
            args = [value for key in chunk for value in key]
            for row in self._db.query(f"SELECT * FROM papers WHERE {where}", args):
                found[wanted[(row["arxiv_id"], int(row["version"]))]] = rows.paper_from_row(row)
        return found

    @_wrapped
    def get_paper(self, arxiv_id: str, version: int | None = None) -> tuple[Paper, datetime] | None:
        """A stored paper and when it was fetched; the latest stored version when none is given."""
        base, version = rows.split_version(arxiv_id, version)
        args: list[str | int] = [base]
        where = "arxiv_id = ?"
        if version is not None:
            where, args = "arxiv_id = ? AND version = ?", [base, version]
        found = list(
            self._db.table("papers").rows_where(where, args, order_by="version DESC", limit=1)
        )
        if not found:
            return None
        fetched_at = rows.from_ts(found[0]["fetched_at"])
        assert fetched_at is not None
        return rows.paper_from_row(found[0]), fetched_at

    # summaries ------------------------------------------------------------------------------

    @_wrapped
    def get_summary(
        self, arxiv_id: str, version: int, language: str, backend: str, prompt_version: str
    ) -> Summary | None:
        """The cached summary for exactly this paper version, language, backend and prompt."""
        found = list(
            self._db.table("summaries").rows_where(
                "arxiv_id = ? AND version = ? AND language = ? AND backend = ?"
                " AND prompt_version = ?",
                [arxiv_id, version, language, backend, prompt_version],
            )
        )
        if not found:
            return None
        try:
            return Summary.model_validate_json(found[0]["summary"])
        except ValidationError as exc:  # written by an older schema: treat as a cache miss
            log.warning("ignoring an unreadable cached summary of %s: %s", arxiv_id, exc)
            return None

    @_wrapped
    def save_summary(self, paper: Paper, summary: Summary, prompt_version: str) -> None:
        """Cache a summary; saving the same key again replaces it."""
        row = {
            "arxiv_id": paper.arxiv_id,
            "version": paper.version,
            "language": summary.language,
            "backend": summary.backend,
            "prompt_version": prompt_version,
            "summary": summary.model_dump_json(),
            "model": summary.model,
            "created_at": rows.to_ts(self._clock()),
        }
        self._db.table("summaries").upsert(
            row, pk=("arxiv_id", "version", "language", "backend", "prompt_version")
        )

    # chats ----------------------------------------------------------------------------------

    def _chat_row(self, ref: ChatRef) -> dict[str, Any] | None:
        found = list(
            self._db.table("chats").rows_where(
                "platform = ? AND chat_id = ?", [ref.platform, ref.chat_id]
            )
        )
        return found[0] if found else None

    @_wrapped
    def get_chat(self, ref: ChatRef) -> Chat | None:
        """The stored chat and its settings, or None if the bot never saw it."""
        row = self._chat_row(ref)
        return rows.chat_from_row(row) if row else None

    @_wrapped
    def ensure_chat(self, ref: ChatRef, **defaults: Any) -> Chat:
        """The chat, created with the defaults (plus ``defaults``) if new; never changes it."""
        row = self._chat_row(ref)
        if row is not None:
            return rows.chat_from_row(row)
        values = {name: rows.check_setting(name, v) for name, v in defaults.items()}
        template = Chat(ref)
        now = rows.to_ts(self._clock())
        new_row: dict[str, Any] = {
            "platform": ref.platform,
            "chat_id": ref.chat_id,
            **{name: getattr(template, name) for name in rows.CHAT_SETTINGS},
            "active": True,
            "deactivated_reason": None,
            "created_at": now,
            "updated_at": now,
            **values,
        }
        self._db.table("chats").insert(new_row, ignore=True)
        return self.get_chat(ref) or rows.chat_from_row(new_row)

    @_wrapped
    def update_chat(self, ref: ChatRef, **changes: Any) -> Chat:
        """Change chat settings (and ``active``); raises ChatNotFound or InvalidSetting."""
        values: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "active":
                if not isinstance(value, bool):
                    raise InvalidSetting(f"active must be true or false, not {value!r}")
                values.update(active=int(value))
                if value:
                    values["deactivated_reason"] = None
            else:
                values[name] = rows.check_setting(name, value)
        if self._chat_row(ref) is None:
            raise ChatNotFound(f"no stored chat {ref.platform}:{ref.chat_id}")
        if values:
            values["updated_at"] = rows.to_ts(self._clock())
            self._db.table("chats").update((ref.platform, ref.chat_id), values)
        chat = self.get_chat(ref)
        assert chat is not None
        return chat

    @_wrapped
    def deactivate_chat(self, ref: ChatRef, reason: str) -> bool:
        """Stop serving a chat that blocked or removed the bot; False if it was never stored."""
        cursor = self._db.execute(
            "UPDATE chats SET active = 0, deactivated_reason = ?, updated_at = ?"
            " WHERE platform = ? AND chat_id = ?",
            [reason, rows.to_ts(self._clock()), ref.platform, ref.chat_id],
        )
        return cursor.rowcount > 0

    @_wrapped
    def active_chats(self) -> list[Chat]:
        """Every chat still reachable (paused ones included: pausing is a setting)."""
        found = self._db.table("chats").rows_where("active = 1", order_by="platform, chat_id")
        return [rows.chat_from_row(row) for row in found]

    @_wrapped
    def migrate_chat(self, old: ChatRef, new: ChatRef) -> Chat | None:
        """Move settings, subscriptions and deliveries to a new chat id (group → supergroup).

        The old chat's settings replace any the new id already had; subscriptions present in
        both are merged (active if either was). Returns the chat under its new id.
        """
        db = self._db
        if old != new:
            with db.atomic():
                if self._chat_row(old) is not None:
                    db.execute("DELETE FROM chats WHERE platform = ? AND chat_id = ?", _key(new))
                    db.execute(
                        "UPDATE chats SET platform = ?, chat_id = ?, updated_at = ?"
                        " WHERE platform = ? AND chat_id = ?",
                        [*_key(new), rows.to_ts(self._clock()), *_key(old)],
                    )
                self._move_subscriptions(old, new)
                db.execute(
                    "UPDATE OR IGNORE deliveries SET platform = ?, chat_id = ?"
                    " WHERE platform = ? AND chat_id = ?",
                    [*_key(new), *_key(old)],
                )
                # What is left were deliveries both ids had: duplicates of moved rows.
                db.execute("DELETE FROM deliveries WHERE platform = ? AND chat_id = ?", _key(old))
                self.digests.move_chat(old, new)
        return self.get_chat(new)

    def _move_subscriptions(self, old: ChatRef, new: ChatRef) -> None:
        db = self._db
        moving = list(
            db.query(
                "SELECT id, query, active FROM subscriptions WHERE platform = ? AND chat_id = ?",
                _key(old),
            )
        )
        for sub in moving:
            twin = db.execute(
                "SELECT id FROM subscriptions WHERE platform = ? AND chat_id = ? AND query = ?",
                [*_key(new), sub["query"]],
            ).fetchone()
            if twin is None:
                db.execute(
                    "UPDATE subscriptions SET platform = ?, chat_id = ? WHERE id = ?",
                    [*_key(new), sub["id"]],
                )
                continue
            db.execute(
                "UPDATE subscriptions SET active = MAX(active, ?) WHERE id = ?",
                [sub["active"], twin[0]],
            )
            db.execute(
                "UPDATE deliveries SET subscription_id = ? WHERE subscription_id = ?",
                [twin[0], sub["id"]],
            )
            db.execute("DELETE FROM subscriptions WHERE id = ?", [sub["id"]])

    # subscriptions --------------------------------------------------------------------------

    @_wrapped
    def add_subscription(self, chat: ChatRef, kind: str, query: str, label: str) -> Subscription:
        """Follow a topic; re-adding one the chat had reactivates it instead of duplicating it.

        An active one is returned unchanged; a reactivated one takes the new label. The chat
        is created with default settings if it was not stored yet.
        """
        if kind not in SUBSCRIPTION_KINDS:
            raise InvalidSetting(f"unknown subscription kind {kind!r}")
        if not query.strip():
            raise InvalidSetting("a subscription needs a non-empty query")
        self.ensure_chat(chat)
        found = list(
            self._db.query(
                "INSERT INTO subscriptions (platform, chat_id, kind, query, label, active,"
                " created_at) VALUES (?, ?, ?, ?, ?, 1, ?)"
                " ON CONFLICT (platform, chat_id, query)"
                " DO UPDATE SET label = CASE WHEN active = 1 THEN label ELSE excluded.label END,"
                " kind = CASE WHEN active = 1 THEN kind ELSE excluded.kind END,"
                " covered_cycle = CASE WHEN active = 1 THEN covered_cycle ELSE NULL END, active = 1"
                " RETURNING *",
                [*_key(chat), kind, query, label or query, rows.to_ts(self._clock())],
            )
        )
        return rows.subscription_from_row(found[0])

    @_wrapped
    def mark_covered(self, subscription_ids: list[int], cycle: str) -> None:
        """These subscriptions' matches are planned up to ``cycle`` (one statement)."""
        if subscription_ids:
            marks = ",".join("?" * len(subscription_ids))
            self._db.execute(
                f"UPDATE subscriptions SET covered_cycle = ? WHERE id IN ({marks})",
                [cycle, *subscription_ids],
            )

    @_wrapped
    def subscriptions_for(self, chat: ChatRef, active_only: bool = True) -> list[Subscription]:
        """The chat's subscriptions in the order they were first added."""
        where = "platform = ? AND chat_id = ?" + (" AND active = 1" if active_only else "")
        found = self._db.table("subscriptions").rows_where(where, _key(chat), order_by="id")
        return [rows.subscription_from_row(row) for row in found]

    @_wrapped
    def get_subscription(self, sub_id: int) -> Subscription | None:
        """One subscription by id (active or not), e.g. for a scheduled job."""
        found = list(self._db.table("subscriptions").rows_where("id = ?", [sub_id]))
        return rows.subscription_from_row(found[0]) if found else None

    @_wrapped
    def remove_subscription(self, chat: ChatRef, sub_id: int) -> bool:
        """Stop following a topic; False if this chat has no such active subscription."""
        cursor = self._db.execute(
            "UPDATE subscriptions SET active = 0"
            " WHERE id = ? AND platform = ? AND chat_id = ? AND active = 1",
            [sub_id, *_key(chat)],
        )
        return cursor.rowcount > 0

    @_wrapped
    def set_cross_lists(self, chat: ChatRef, sub_id: int, on: bool) -> bool:
        """Whether a subscription's digests include cross-listed papers; False if no such one."""
        cursor = self._db.execute(
            "UPDATE subscriptions SET cross_lists = ?"
            " WHERE id = ? AND platform = ? AND chat_id = ? AND active = 1",
            [int(on), sub_id, *_key(chat)],
        )
        return cursor.rowcount > 0

    # deliveries -----------------------------------------------------------------------------

    @_wrapped
    def record_delivery(
        self, chat: ChatRef, arxiv_id: str, subscription_id: int | None = None
    ) -> bool:
        """Remember that a chat got a paper; False (and no change) if it already had it."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO deliveries (platform, chat_id, arxiv_id, subscription_id,"
            " delivered_at) VALUES (?, ?, ?, ?, ?)",
            [*_key(chat), arxiv_id, subscription_id, rows.to_ts(self._clock())],
        )
        return cursor.rowcount == 1

    @_wrapped
    def was_delivered(self, chat: ChatRef, arxiv_id: str) -> bool:
        """Whether the chat already got this paper (so a digest can skip it)."""
        row = self._db.execute(
            "SELECT 1 FROM deliveries WHERE platform = ? AND chat_id = ? AND arxiv_id = ?",
            [*_key(chat), arxiv_id],
        ).fetchone()
        return row is not None

    @_wrapped
    def delivered_among(self, chat: ChatRef, arxiv_ids: Iterable[str]) -> set[str]:
        """Which of these papers the chat already got, in one query (per 500 ids)."""
        wanted = list(dict.fromkeys(arxiv_ids))
        found: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            cursor = self._db.execute(
                "SELECT arxiv_id FROM deliveries WHERE platform = ? AND chat_id = ?"
                f" AND arxiv_id IN ({marks})",
                [*_key(chat), *chunk],
            )
            found.update(str(row[0]) for row in cursor.fetchall())
        return found

    # usage ----------------------------------------------------------------------------------

    @_wrapped
    def record_usage(self, key: str | ChatRef, kind: str, at: datetime | None = None) -> None:
        """Count one rate-limited action (``key`` is e.g. ``"telegram:12345"`` or a ChatRef)."""
        self._db.execute(
            "INSERT INTO usage (key, kind, at) VALUES (?, ?, ?)",
            [_usage_key(key), kind, rows.to_ts(at or self._clock())],
        )

    @_wrapped
    def count_usage(self, key: str | ChatRef, kind: str, since: datetime) -> int:
        """How many times ``key`` did ``kind`` at or after ``since``."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM usage WHERE key = ? AND kind = ? AND at >= ?",
            [_usage_key(key), kind, rows.to_ts(since)],
        ).fetchone()
        return int(row[0])

    @_wrapped
    def oldest_usage(self, key: str | ChatRef, kind: str, since: datetime) -> datetime | None:
        """When the oldest ``kind`` of ``key`` at or after ``since`` happened (to say "try at …")."""
        row = self._db.execute(
            "SELECT MIN(at) FROM usage WHERE key = ? AND kind = ? AND at >= ?",
            [_usage_key(key), kind, rows.to_ts(since)],
        ).fetchone()
        return rows.from_ts(row[0]) if row and row[0] else None

    @_wrapped
    def prune_usage(self, before: datetime) -> int:
        """Forget usage older than any rate-limit window; returns how many rows went."""
        cursor = self._db.execute("DELETE FROM usage WHERE at < ?", [rows.to_ts(before)])
        return cursor.rowcount


def _key(chat: ChatRef) -> list[str]:
    return [chat.platform, chat.chat_id]


def _usage_key(key: str | ChatRef) -> str:
    return f"{key.platform}:{key.chat_id}" if isinstance(key, ChatRef) else key
