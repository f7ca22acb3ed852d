"""A damaged database (issue 10): found when opened, named with its repair, and the bot can
still start on an in-memory database. Real SQLite files damaged on purpose."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from storage.errors import DatabaseDamaged
from storage.models import ChatRef
from storage.repository import Repository
from tests.storage.test_repository import make_paper

GROUP = ChatRef("telegram", "-4001")


def _filled(path: Path, papers: int = 400) -> Path:
    """A real database with enough rows to span many pages, closed (WAL checkpointed)."""
    with Repository.open(path) as repo:
        repo.ensure_chat(GROUP)
        base = make_paper()
        repo.add_papers(
            replace(base, arxiv_id=f"2611.{i:05d}", abstract=base.abstract * 8)
            for i in range(papers)
        )
    assert not path.with_name(path.name + "-wal").exists()
    return path


def _damage_a_middle_page(path: Path) -> None:
    """Overwrite one page in the middle of the file with garbage, as a bad disk sector would."""
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    pages = path.stat().st_size // page_size
    assert pages > 20
    with path.open("r+b") as f:
        f.seek((pages // 2) * page_size)
        f.write(bytes(range(256)) * (page_size // 256))


def test_a_corrupt_page_is_reported_when_opening_with_the_repair(tmp_path: Path) -> None:
    """A damaged page in the papers table: open raises DatabaseDamaged naming the file and the
    repair (sqlite3 .recover, or a backup), instead of failing later on some query."""
    path = _filled(tmp_path / "paperboy.db")
    _damage_a_middle_page(path)
    with pytest.raises(DatabaseDamaged) as info:
        Repository.open(path)
    message = str(info.value)
    assert str(path) in message
    assert f"sqlite3 '{path}' \".recover\" | sqlite3 '{path}.recovered'" in message
    assert "backup" in message
    assert info.value.path == path


def test_an_intact_database_opens_as_before(tmp_path: Path) -> None:
    """The check finds nothing in a healthy file; its rows are all there."""
    path = _filled(tmp_path / "paperboy.db", papers=50)
    with Repository.open(path) as repo:
        assert len(repo.get_papers(f"2611.{i:05d}v2" for i in range(50))) == 50


@pytest.mark.parametrize("companion", ["paperboy.db-wal", "paperboy.db-journal"])
def test_an_empty_file_beside_a_wal_is_damage_not_a_new_database(
    tmp_path: Path, companion: str
) -> None:
    """A truncated database file whose WAL (or journal) still holds data is not silently taken
    for a new empty database, and the WAL is left untouched for the repair."""
    path = tmp_path / "paperboy.db"
    path.write_bytes(b"")
    wal = tmp_path / companion
    wal.write_bytes(b"\x37\x7f\x06\x82" + b"\0" * 4092)
    with pytest.raises(DatabaseDamaged, match=f"holds 4096 bytes.*{companion}|{companion}"):
        Repository.open(path)
    assert path.stat().st_size == 0
    assert wal.read_bytes()[:4] == b"\x37\x7f\x06\x82" and wal.stat().st_size == 4096


def test_an_empty_file_beside_a_backup_is_damage(tmp_path: Path) -> None:
    """paperboy.db empty, paperboy.db.bak full: the backup is named, nothing is created."""
    path = tmp_path / "paperboy.db"
    path.write_bytes(b"")
    _filled(tmp_path / "paperboy.db.bak", papers=5)
    with pytest.raises(DatabaseDamaged, match=r"backup lies beside it \(paperboy\.db\.bak\)"):
        Repository.open(path)
    assert path.stat().st_size == 0


def test_an_empty_file_alone_is_a_new_database(tmp_path: Path) -> None:
    """Nothing beside it: an empty file is simply a database not written yet."""
    path = tmp_path / "paperboy.db"
    path.write_bytes(b"")
    with Repository.open(path) as repo:
        repo.ensure_chat(GROUP)
        assert repo.get_chat(GROUP) is not None


def test_open_or_memory_starts_on_a_usable_memory_database_and_logs_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot can start: an in-memory repository that works, the damage to report, and one
    error line (no traceback) with the file and the repair steps."""
    path = _filled(tmp_path / "paperboy.db")
    _damage_a_middle_page(path)
    damaged = path.read_bytes()
    with caplog.at_level(logging.ERROR):
        repo, damage = Repository.open_or_memory(path)
    with repo:
        assert repo.path is None and repo.journal_mode() == "memory"
        repo.save_paper(make_paper())
        found = repo.get_paper("2410.13726", 2)
        assert found is not None and found[0] == make_paper()
    assert isinstance(damage, DatabaseDamaged) and damage.path == path
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is None
    assert str(path) in record.getMessage() and ".recover" in record.getMessage()
    assert "in-memory" in record.getMessage()
    assert path.read_bytes() == damaged  # nothing written to the damaged file


def test_open_or_memory_opens_a_healthy_file(tmp_path: Path) -> None:
    """No damage: the file itself, and None."""
    path = _filled(tmp_path / "paperboy.db", papers=5)
    repo, damage = Repository.open_or_memory(path)
    with repo:
        assert damage is None and repo.path == path and repo.get_chat(GROUP) is not None


def test_damage_met_after_opening_is_database_damaged_too(tmp_path: Path) -> None:
    """A page that goes bad while the bot runs: the failing call raises DatabaseDamaged (a
    StorageError, so callers' handling is unchanged) with the repair steps."""
    path = _filled(tmp_path / "paperboy.db", papers=2000)  # larger than SQLite's page cache
    with Repository.open(path) as repo:
        _damage_a_middle_page(path)
        with pytest.raises(DatabaseDamaged, match=r"malformed.*\.recover"):
            repo.get_papers(f"2611.{i:05d}v2" for i in range(2000))
