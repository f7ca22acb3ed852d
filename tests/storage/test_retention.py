"""Retention on a real SQLite file: old rows go, recent ones and each chat's latest digest stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.models import ChatRef
from storage.repository import Repository
from storage.retention import Cutoffs, Retention

NOW = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)
ALICE = ChatRef("telegram", "101")
BOB = ChatRef("telegram", "102")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def days_ago(self, days: float) -> None:
        self.now = NOW - timedelta(days=days)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repo(tmp_path: Path, clock: Clock):
    with Repository.open(tmp_path / "retention.db", clock=clock) as repository:
        yield repository


def _digest(repo: Repository, clock: Clock, chat: ChatRef, days: float, *, complete: bool = True) -> int:
    clock.days_ago(days)
    record = repo.digests.start_digest(
        chat, cycle=(NOW - timedelta(days=days)).date().isoformat(), due_at=clock(), items=[],
        matched=0, trigger="schedule",
    )
    if complete:
        repo.digests.complete(record.id)
    return record.id


CUTOFFS = Cutoffs(
    listings=NOW - timedelta(days=30), digests=NOW - timedelta(days=30),
    usage=NOW - timedelta(days=1), deliveries=NOW - timedelta(days=120),
)


@pytest.mark.parametrize("batch", [1, 2000])
def test_old_rows_go_and_recent_ones_stay(repo: Repository, clock: Clock, batch: int) -> None:
    """Listings and sent digest plans older than 30 days go (each chat's latest digest and any
    unfinished one stay); usage older than a day goes; deliveries stay for 120 days."""
    for days, key in ((40, "feed:cs.CV"), (5, "feed:cs.LG")):
        clock.days_ago(days)
        repo.digests.save_listing(key, f"cycle-{days}", [("2611.00001v1", "new")])
    alice_old = [_digest(repo, clock, ALICE, d) for d in (60, 40)]
    alice_latest = _digest(repo, clock, ALICE, 2)
    bob_only = _digest(repo, clock, BOB, 50)  # a paused chat's last digest: still its latest
    bob_unfinished = _digest(repo, clock, ChatRef("telegram", "103"), 45, complete=False)
    for days, paper in ((130, "2607.00001"), (60, "2609.00001"), (1, "2611.00001")):
        clock.days_ago(days)
        repo.record_delivery(ALICE, paper)
    for days in (2, 1 / 24):
        repo.record_usage(ALICE, "summary", NOW - timedelta(days=days))
    clock.now = NOW

    counts = Retention.of(repo).prune(CUTOFFS, batch=batch)

    assert counts == {"listings": 1, "digests": 2, "usage": 1, "deliveries": 1}
    assert repo.digests.get_listing("feed:cs.CV", "cycle-40") is None
    assert repo.digests.get_listing("feed:cs.LG", "cycle-5") is not None
    assert [repo.digests.get(i) for i in alice_old] == [None, None]
    assert repo.digests.get(alice_latest) is not None and repo.digests.get(bob_unfinished) is not None
    assert repo.digests.last(BOB) is not None and repo.digests.last(BOB).id == bob_only  # type: ignore[union-attr]
    assert not repo.was_delivered(ALICE, "2607.00001")
    assert repo.was_delivered(ALICE, "2609.00001") and repo.was_delivered(ALICE, "2611.00001")
    assert repo.count_usage(ALICE, "summary", NOW - timedelta(days=30)) == 1


def test_pruning_twice_deletes_nothing_more(repo: Repository, clock: Clock) -> None:
    """A second pass finds nothing: the counts it logs are zeros."""
    clock.days_ago(40)
    repo.digests.save_listing("feed:cs.CV", "old", [])
    clock.now = NOW
    retention = Retention.of(repo)
    assert retention.prune(CUTOFFS)["listings"] == 1
    assert retention.prune(CUTOFFS) == {"listings": 0, "digests": 0, "usage": 0, "deliveries": 0}


def test_steps_are_bounded_batches(repo: Repository, clock: Clock) -> None:
    """Five expired listings with a batch of two: three steps for that table, so the caller can
    yield to the event loop in between."""
    clock.days_ago(40)
    for i in range(5):
        repo.digests.save_listing(f"feed:{i}", "old", [])
    clock.now = NOW
    steps = [(table, n) for table, n in Retention.of(repo).steps(CUTOFFS, batch=2) if table == "listings"]
    assert steps == [("listings", 2), ("listings", 2), ("listings", 1)]
