"""The schema steps: idempotent, append-only, and an old database upgrades without data loss."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from storage.migrations import migrations
from storage.models import ChatRef
from storage.repository import Repository

# Applied steps are recorded by name: renaming or reordering one would re-run it on every
# existing database. New steps go at the end of this list.
RELEASED_STEPS = [
    "m001_papers",
    "m002_summaries",
    "m003_chats",
    "m004_subscriptions",
    "m005_deliveries",
    "m006_usage",
    "m007_listings_and_digests",
    "m008_subscription_cross_lists",
    "m009_chat_due_times",
    "m010_subscription_coverage",
    "m011_digest_parts",
    "m012_digest_parts_total",
]


def _schema(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
    return [(name, sql) for name, sql in rows.fetchall()]


def test_released_steps_keep_their_names_and_order(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "empty.db")
    names = [m.name for m in migrations.pending(db)]
    assert names[: len(RELEASED_STEPS)] == RELEASED_STEPS


def test_applying_twice_is_a_no_op(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "twice.db")
    migrations.apply(db)
    schema, applied = _schema(db), [m.name for m in migrations.applied(db)]
    migrations.apply(db)
    assert _schema(db) == schema
    assert [m.name for m in migrations.applied(db)] == applied == RELEASED_STEPS
    assert migrations.pending(db) == []


def test_reopening_with_the_repository_applies_nothing_new(tmp_path: Path) -> None:
    path = tmp_path / "reopen.db"
    Repository.open(path).close()
    with sqlite_utils.Database(path) as db:
        first = [(m.name, m.applied_at) for m in migrations.applied(db)]
    Repository.open(path).close()
    with sqlite_utils.Database(path) as db:
        assert [(m.name, m.applied_at) for m in migrations.applied(db)] == first


def test_uniqueness_is_enforced_by_the_schema(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "unique.db")
    migrations.apply(db)
    unique = {
        table: {tuple(ix.columns) for ix in db.table(table).indexes if ix.unique}
        for table in ("subscriptions", "deliveries")
    }
    assert ("platform", "chat_id", "query") in unique["subscriptions"]
    assert ("platform", "chat_id", "arxiv_id") in unique["deliveries"]
    assert db.table("summaries").pks == [
        "arxiv_id",
        "version",
        "language",
        "backend",
        "prompt_version",
    ]
    assert db.table("chats").pks == ["platform", "chat_id"]
    assert db.table("papers").pks == ["arxiv_id", "version"]


def test_an_older_database_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite_utils.Database(path) as db:
        migrations.apply(db, stop_before="m004_subscriptions")
        assert not db.table("subscriptions").exists()
        db.table("chats").insert(
            {
                "platform": "telegram",
                "chat_id": "7",
                "language": "fr",
                "timezone": "UTC",
                "delivery_time": "09:00",
                "max_papers": 5,
                "paused": 0,
                "links_enabled": None,
                "compact": 0,
                "created_at": "2026-01-01T00:00:00.000000+00:00",
                "updated_at": "2026-01-01T00:00:00.000000+00:00",
                "active": 1,
                "deactivated_reason": None,
            }
        )
    with Repository.open(path) as repo:
        chat = repo.get_chat(ChatRef("telegram", "7"))
        assert chat is not None and (chat.language, chat.max_papers) == ("fr", 5)
        assert repo.add_subscription(chat.ref, "text", "llm", "LLM").id == 1
