"""The due-time columns on a real SQLite file: the tick's query, its pages, and the sweep's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.models import ChatRef
from storage.repository import Repository
from storage.schedule import DueChange, ScheduleStore, page_key

NOW = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)


@pytest.fixture
def repo(tmp_path: Path):
    with Repository.open(tmp_path / "schedule.db") as repository:
        yield repository


def _chat(repo: Repository, n: int, *, subscribed: bool = True) -> ChatRef:
    ref = ChatRef("telegram", f"{n:05d}")
    repo.ensure_chat(ref)
    if subscribed:
        repo.add_subscription(ref, "category", "cs.CV", "cs.CV")
    return ref


def test_due_selects_active_chats_due_by_now_oldest_first(repo: Repository) -> None:
    """Due now or earlier and active: selected, oldest due first; later, unscheduled or
    deactivated chats are not."""
    store = ScheduleStore.of(repo)
    early, on_time, later, gone, unscheduled = (_chat(repo, n) for n in range(5))
    store.set_due([
        DueChange(early, NOW - timedelta(hours=1)), DueChange(on_time, NOW),
        DueChange(later, NOW + timedelta(seconds=1)), DueChange(gone, NOW - timedelta(hours=2)),
    ])
    repo.deactivate_chat(gone, "blocked")
    due = store.due(NOW, limit=10)
    assert [e.chat.ref for e in due] == [early, on_time]
    assert due[0].subscribed and due[0].due == NOW - timedelta(hours=1)
    assert store.get(unscheduled).next_due_at is None  # type: ignore[union-attr]
    assert store.count_scheduled() == 3


def test_due_pages_by_key_without_repeating_a_chat(repo: Repository) -> None:
    """Seven chats due at the same minute, pages of three: every chat exactly once."""
    store = ScheduleStore.of(repo)
    refs = [_chat(repo, n) for n in range(7)]
    store.set_due(DueChange(ref, NOW) for ref in refs)
    seen, after = [], None
    while page := store.due(NOW, limit=3, after=after):
        seen += [e.chat.ref for e in page]
        after = page_key(page[-1])
    assert seen == refs


def test_a_retry_serves_its_original_delivery_time(repo: Repository) -> None:
    """A retry's next run is at the retry time but serves the missed delivery time."""
    store = ScheduleStore.of(repo)
    ref = _chat(repo, 1)
    store.set_due([DueChange(ref, NOW + timedelta(minutes=30), retry_due_at=NOW)])
    entry = store.get(ref)
    assert entry is not None and entry.due == NOW and entry.next_due_at == NOW + timedelta(minutes=30)
    store.set_due([DueChange(ref, None)])
    entry = store.get(ref)
    assert entry is not None and entry.due is None and entry.retry_due_at is None


def test_the_sweep_pages_every_active_chat_with_its_last_digest(repo: Repository) -> None:
    """The start-up sweep sees each active chat once, whether it follows anything, and the
    delivery time its last digest served (for chats never scheduled)."""
    store = ScheduleStore.of(repo)
    refs = [_chat(repo, n, subscribed=n != 2) for n in range(5)]
    repo.digests.start_digest(refs[0], cycle="2026-11-16", due_at=NOW - timedelta(days=1), items=[],
                              matched=0, trigger="schedule")
    seen, after = [], None
    while page := store.page(limit=2, after=after):
        seen += page
        after = page[-1].chat.ref
    assert [e.chat.ref for e in seen] == refs
    assert [e.subscribed for e in seen] == [True, True, False, True, True]
    assert seen[0].last_due_at == NOW - timedelta(days=1) and seen[1].last_due_at is None
