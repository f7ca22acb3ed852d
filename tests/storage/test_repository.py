"""Repository behaviour on a real SQLite file: what callers store is what they get back."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from papers.models import Paper
from storage.errors import ChatNotFound, InvalidSetting, RepositoryClosed, StorageError, WrongThread
from storage.models import Chat, ChatRef
from storage.repository import Repository
from summarizer.schema import Analysis, Conclusion, Summary

T0 = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
GROUP = ChatRef("telegram", "-4001")
OTHER = ChatRef("discord", "998877")


def make_paper(version: int = 2, title: str = "DAWN: Dynamic Frame Avatar") -> Paper:
    return Paper(
        arxiv_id="2410.13726",
        version=version,
        title=title,
        authors=("Hanbo Cheng", "Limin Lin", "Jürgen Müller", "李明"),
        abstract="Talking head generation intends to produce vivid videos. We present DAWN.",
        published=datetime(2024, 10, 17, 17, 59, 4, tzinfo=UTC),
        updated=datetime(2024, 10, 21, 3, 2, 1, tzinfo=UTC),
        primary_category="cs.CV",
        categories=("cs.CV", "cs.AI"),
        comment="12 pages, 8 figures",
        journal_ref=None,
        doi="10.1000/xyz",
        code_url="https://github.com/Hanbo-Cheng/DAWN-pytorch",
        license="http://creativecommons.org/licenses/by/4.0/",
    )


def make_summary(language: str = "zh", backend: str = "gemini") -> Summary:
    return Summary(
        tldr="DAWN框架通过非自回归扩散实现单图语音驱动动态头像生成。",
        takeaways=("DAWN一次性生成动态长度的视频。", "现有方法依赖自回归策略。", "代码将公开。"),
        analysis=Analysis(
            background="说话人头部视频生成。",
            prior_work="自回归方法存在误差累积。",
            method="两个组件：面部动态与头部姿态。",
            results="唇部动作精确，姿态自然。",
            conclusion=Conclusion(
                significance="前景广阔。", strengths="速度快。", limitations="未说明。"
            ),
        ),
        keywords=("DAWN", "talking head", "扩散模型"),
        language=language,
        backend=backend,
        model="gemini-2.5-flash",
    )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "nested" / "paperboy.db"


@pytest.fixture
def repo(db_path: Path):
    with Repository.open(db_path) as repository:
        yield repository


def test_open_creates_parent_directories_and_switches_to_wal(db_path: Path) -> None:
    with Repository.open(db_path) as repo:
        assert repo.journal_mode() == "wal"
    assert db_path.is_file()
    # WAL is a property of the file: a fresh connection sees it too.
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_everything_survives_a_restart(db_path: Path) -> None:
    paper, summary = make_paper(), make_summary()
    with Repository.open(db_path) as repo:
        repo.save_paper(paper, fetched_at=T0)
        repo.save_summary(paper, summary, "p1")
        repo.ensure_chat(GROUP, language="zh", timezone="Asia/Shanghai")
        sub = repo.add_subscription(GROUP, "text", "talking head", "Talking Head")
        assert repo.record_delivery(GROUP, "2410.13726", sub.id)
        repo.record_usage("telegram:42", "summary", T0)

    with Repository.open(db_path) as repo:
        assert repo.get_paper("2410.13726") == (paper, T0)
        assert repo.get_summary("2410.13726", 2, "zh", "gemini", "p1") == summary
        chat = repo.get_chat(GROUP)
        assert chat is not None and (chat.language, chat.timezone) == ("zh", "Asia/Shanghai")
        assert repo.subscriptions_for(GROUP) == [sub]
        assert not repo.record_delivery(GROUP, "2410.13726", sub.id)
        assert repo.count_usage("telegram:42", "summary", T0 - timedelta(minutes=1)) == 1


def test_paper_round_trips_exactly_with_non_ascii_text(repo: Repository) -> None:
    paper = make_paper(title="Ünïcödé: 说话人头部视频生成 — “quotes” & <tags>")
    repo.save_paper(paper, fetched_at=T0)
    stored, fetched_at = repo.get_paper("2410.13726", 2) or (None, None)
    assert stored == paper
    assert stored.authors == ("Hanbo Cheng", "Limin Lin", "Jürgen Müller", "李明")
    assert fetched_at == T0 and fetched_at.tzinfo is not None


def test_paper_without_optional_fields_round_trips(repo: Repository) -> None:
    t = datetime(2021, 4, 26, 0, 0, tzinfo=UTC)
    paper = Paper("hep-th/9901001", 1, "Old style", (), "", t, t, "hep-th")
    repo.save_paper(paper)
    assert repo.get_paper("hep-th/9901001")[0] == paper  # type: ignore[index]
    assert repo.get_paper("hep-th/9901001v1")[0] == paper  # type: ignore[index]


def test_get_paper_returns_the_latest_version_unless_one_is_named(repo: Repository) -> None:
    repo.save_paper(make_paper(version=1, title="v1 title"), fetched_at=T0)
    repo.save_paper(make_paper(version=3, title="v3 title"), fetched_at=T0)
    assert repo.get_paper("2410.13726")[0].title == "v3 title"  # type: ignore[index]
    assert repo.get_paper("2410.13726", 1)[0].title == "v1 title"  # type: ignore[index]
    assert repo.get_paper("2410.13726v1")[0].title == "v1 title"  # type: ignore[index]
    assert repo.get_paper("2410.13726", 2) is None
    assert repo.get_paper("2501.00001") is None


def test_saving_a_paper_again_refreshes_it(repo: Repository) -> None:
    repo.save_paper(make_paper(title="Old"), fetched_at=T0)
    later = T0 + timedelta(hours=7)
    repo.save_paper(make_paper(title="New"), fetched_at=later)
    paper, fetched_at = repo.get_paper("2410.13726") or (None, None)
    assert (paper.title, fetched_at) == ("New", later)


def test_fetched_at_defaults_to_the_clock_and_naive_times_mean_utc(db_path: Path) -> None:
    with Repository.open(db_path, clock=lambda: T0) as repo:
        repo.save_paper(make_paper())
        assert repo.get_paper("2410.13726")[1] == T0  # type: ignore[index]
        repo.save_paper(make_paper(version=5), fetched_at=datetime(2026, 1, 1, 12, 0))
        assert repo.get_paper("2410.13726")[1] == datetime(2026, 1, 1, 12, tzinfo=UTC)  # type: ignore[index]


def test_summary_round_trips_exactly(repo: Repository) -> None:
    paper, summary = make_paper(), make_summary()
    repo.save_summary(paper, summary, "2026-11.1")
    got = repo.get_summary("2410.13726", 2, "zh", "gemini", "2026-11.1")
    assert got == summary
    assert got.analysis.conclusion.significance == "前景广阔。"


@pytest.mark.parametrize(
    "key",
    [
        ("2410.13726", 1, "zh", "gemini", "p1"),  # another version
        ("2410.13726", 2, "en", "gemini", "p1"),  # another language
        ("2410.13726", 2, "zh", "extractive", "p1"),  # another backend
        ("2410.13726", 2, "zh", "gemini", "p2"),  # another prompt version
        ("2410.99999", 2, "zh", "gemini", "p1"),  # another paper
    ],
)
def test_summary_cache_key_separates_every_part(repo: Repository, key: tuple) -> None:
    repo.save_summary(make_paper(), make_summary(), "p1")
    assert repo.get_summary(*key) is None
    assert repo.get_summary("2410.13726", 2, "zh", "gemini", "p1") is not None


def test_saving_the_same_summary_key_twice_replaces_it(repo: Repository) -> None:
    paper = make_paper()
    repo.save_summary(paper, make_summary(), "p1")
    better = make_summary().model_copy(update={"tldr": "更好的一句话总结。"})
    repo.save_summary(paper, better, "p1")
    assert repo.get_summary("2410.13726", 2, "zh", "gemini", "p1") == better


def test_a_new_chat_gets_the_defaults(repo: Repository) -> None:
    assert repo.get_chat(GROUP) is None
    chat = repo.ensure_chat(GROUP)
    assert chat == Chat(GROUP, created_at=chat.created_at, updated_at=chat.updated_at)
    assert (chat.language, chat.timezone, chat.delivery_time, chat.max_papers) == (
        "en",
        "UTC",
        "08:00",
        10,
    )
    assert (chat.paused, chat.links_enabled, chat.compact, chat.active) == (
        False,
        None,
        False,
        True,
    )
    assert chat.created_at is not None and chat.created_at.tzinfo is not None


def test_ensure_chat_never_overwrites_an_existing_chat(repo: Repository) -> None:
    repo.ensure_chat(GROUP, language="de")
    assert repo.ensure_chat(GROUP, language="fr").language == "de"


def test_update_chat_changes_settings_and_keeps_the_rest(repo: Repository) -> None:
    repo.ensure_chat(GROUP)
    chat = repo.update_chat(
        GROUP, delivery_time="21:45", timezone="Europe/Berlin", max_papers=3, links_enabled=False
    )
    assert (chat.delivery_time, chat.timezone, chat.max_papers) == ("21:45", "Europe/Berlin", 3)
    assert chat.links_enabled is False and chat.language == "en"
    assert repo.update_chat(GROUP, links_enabled=None).links_enabled is None
    assert repo.update_chat(GROUP, paused=True, compact=True).paused is True


@pytest.mark.parametrize(
    "change",
    [
        {"delivery_time": "25:00"},
        {"delivery_time": "8am"},
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "../../etc/passwd"},
        {"max_papers": 0},
        {"max_papers": "ten"},
        {"paused": "yes"},
        {"language": "not a language!"},
        {"favourite_colour": "blue"},
    ],
)
def test_update_chat_rejects_bad_values_and_changes_nothing(repo: Repository, change: dict) -> None:
    before = repo.ensure_chat(GROUP)
    with pytest.raises(InvalidSetting):
        repo.update_chat(GROUP, **change)
    assert repo.get_chat(GROUP) == before


def test_update_chat_of_an_unknown_chat_raises(repo: Repository) -> None:
    with pytest.raises(ChatNotFound):
        repo.update_chat(GROUP, language="de")


def test_deactivated_chats_leave_active_chats_until_reactivated(repo: Repository) -> None:
    repo.ensure_chat(GROUP)
    repo.ensure_chat(OTHER)
    assert repo.deactivate_chat(GROUP, "bot was blocked by the user")
    assert [c.ref for c in repo.active_chats()] == [OTHER]
    chat = repo.get_chat(GROUP)
    assert chat is not None and not chat.active
    assert chat.deactivated_reason == "bot was blocked by the user"
    back = repo.update_chat(GROUP, active=True)
    assert back.active and back.deactivated_reason is None
    assert {c.ref for c in repo.active_chats()} == {GROUP, OTHER}
    assert not repo.deactivate_chat(ChatRef("telegram", "never-seen"), "gone")


def test_adding_a_subscription_twice_returns_the_same_one(repo: Repository) -> None:
    first = repo.add_subscription(GROUP, "text", "talking head", "Talking Head")
    again = repo.add_subscription(GROUP, "text", "talking head", "talking   head")
    assert again == first
    assert repo.subscriptions_for(GROUP) == [first]
    assert repo.get_chat(GROUP) is not None  # the chat was created on the way


def test_removed_subscription_is_reactivated_not_duplicated(repo: Repository) -> None:
    sub = repo.add_subscription(GROUP, "category", "cs.CV", "cs.CV")
    assert repo.remove_subscription(GROUP, sub.id)
    assert not repo.remove_subscription(GROUP, sub.id)  # already removed
    assert repo.subscriptions_for(GROUP) == []
    assert [s.active for s in repo.subscriptions_for(GROUP, active_only=False)] == [False]
    back = repo.add_subscription(GROUP, "category", "cs.CV", "CS.CV")
    assert (back.id, back.active, back.label) == (sub.id, True, "CS.CV")
    assert repo.get_subscription(sub.id) == back


def test_subscriptions_are_per_chat_and_in_stable_order(repo: Repository) -> None:
    a = repo.add_subscription(GROUP, "text", "llm agents", "LLM agents")
    b = repo.add_subscription(OTHER, "text", "llm agents", "LLM agents")
    c = repo.add_subscription(GROUP, "query", "ti:diffusion AND cat:cs.CV", "ti:diffusion")
    assert a.id != b.id
    assert [s.id for s in repo.subscriptions_for(GROUP)] == [a.id, c.id]
    assert not repo.remove_subscription(OTHER, a.id)  # not that chat's subscription
    assert repo.subscriptions_for(GROUP)[0].active


@pytest.mark.parametrize("kind, query", [("feed", "x"), ("text", "   ")])
def test_add_subscription_rejects_bad_input(repo: Repository, kind: str, query: str) -> None:
    with pytest.raises(InvalidSetting):
        repo.add_subscription(GROUP, kind, query, query)


def test_record_delivery_is_true_once_per_chat_and_paper(repo: Repository) -> None:
    assert not repo.was_delivered(GROUP, "2410.13726")
    assert repo.record_delivery(GROUP, "2410.13726")
    assert not repo.record_delivery(GROUP, "2410.13726")
    assert repo.was_delivered(GROUP, "2410.13726")
    assert not repo.was_delivered(OTHER, "2410.13726")
    assert repo.record_delivery(OTHER, "2410.13726")


def test_migrate_chat_moves_settings_subscriptions_and_deliveries(repo: Repository) -> None:
    old, new = ChatRef("telegram", "-4001"), ChatRef("telegram", "-1004001")
    repo.ensure_chat(old, language="ja", delivery_time="07:15")
    sub = repo.add_subscription(old, "text", "diffusion", "Diffusion")
    repo.record_delivery(old, "2410.13726", sub.id)

    chat = repo.migrate_chat(old, new)

    assert chat is not None and chat.ref == new
    assert (chat.language, chat.delivery_time) == ("ja", "07:15")
    assert repo.get_chat(old) is None
    assert repo.subscriptions_for(old, active_only=False) == []
    assert [(s.id, s.query, s.chat) for s in repo.subscriptions_for(new)] == [
        (sub.id, "diffusion", new)
    ]
    assert repo.was_delivered(new, "2410.13726") and not repo.was_delivered(old, "2410.13726")
    assert [c.ref for c in repo.active_chats()] == [new]


def test_migrate_chat_merges_into_a_chat_that_already_exists(repo: Repository) -> None:
    old, new = ChatRef("telegram", "-4001"), ChatRef("telegram", "-1004001")
    repo.ensure_chat(old, language="ja")
    kept = repo.add_subscription(old, "text", "diffusion", "Diffusion")
    moved = repo.add_subscription(old, "text", "robotics", "Robotics")
    twin = repo.add_subscription(new, "text", "diffusion", "diffusion")
    repo.remove_subscription(new, twin.id)
    repo.record_delivery(old, "A", kept.id)
    repo.record_delivery(old, "B", moved.id)
    repo.record_delivery(new, "A")

    repo.migrate_chat(old, new)

    subs = repo.subscriptions_for(new)
    assert [(s.id, s.query) for s in subs] == [(moved.id, "robotics"), (twin.id, "diffusion")]
    assert repo.get_chat(new).language == "ja"  # type: ignore[union-attr]
    assert repo.was_delivered(new, "A") and repo.was_delivered(new, "B")
    assert not repo.record_delivery(new, "A")
    assert repo.subscriptions_for(old, active_only=False) == []


def test_usage_counts_a_sliding_window_and_prunes(repo: Repository) -> None:
    for minutes in (0, 10, 50, 59):
        repo.record_usage("telegram:42", "summary", T0 + timedelta(minutes=minutes))
    repo.record_usage("telegram:42", "search", T0)
    repo.record_usage(GROUP, "summary", T0)
    assert repo.count_usage("telegram:42", "summary", T0) == 4
    assert repo.count_usage("telegram:42", "summary", T0 + timedelta(minutes=30)) == 2
    assert repo.count_usage("telegram:42", "search", T0) == 1
    assert repo.count_usage(GROUP, "summary", T0) == 1
    assert repo.count_usage("telegram:-4001", "summary", T0) == 1  # a ChatRef key
    assert repo.prune_usage(T0 + timedelta(minutes=30)) == 4
    assert repo.count_usage("telegram:42", "summary", T0) == 2


def test_usage_times_in_other_zones_compare_as_instants(repo: Repository) -> None:
    berlin = timezone(timedelta(hours=2))
    repo.record_usage("k", "summary", datetime(2026, 6, 1, 10, 0, tzinfo=berlin))  # 08:00 UTC
    assert repo.count_usage("k", "summary", datetime(2026, 6, 1, 8, 30, tzinfo=UTC)) == 0
    assert repo.count_usage("k", "summary", datetime(2026, 6, 1, 7, 59, tzinfo=UTC)) == 1


def test_using_the_repository_from_another_thread_raises(repo: Repository) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            repo.get_chat(GROUP)
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion below
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert len(errors) == 1 and isinstance(errors[0], WrongThread)
    assert repo.get_chat(GROUP) is None  # still fine on the owning thread


def test_a_closed_repository_refuses_work(db_path: Path) -> None:
    repo = Repository.open(db_path)
    repo.close()
    repo.close()  # twice is fine
    with pytest.raises(RepositoryClosed):
        repo.get_chat(GROUP)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database " * 100)
    with pytest.raises(StorageError, match="not a usable paperboy database"):
        Repository.open(bogus)


def test_an_unusable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot open the database"):
        Repository.open(blocker / "sub" / "paperboy.db")


def test_memory_repository_has_the_full_schema() -> None:
    with Repository.memory() as repo:
        sub = repo.add_subscription(GROUP, "text", "x", "x")
        assert repo.record_delivery(GROUP, "1", sub.id)
        assert repo.journal_mode() == "memory"


def test_timestamps_are_stored_as_iso_8601_utc_text(db_path: Path) -> None:
    berlin = timezone(timedelta(hours=1))
    with Repository.open(db_path) as repo:
        repo.save_paper(make_paper(), fetched_at=datetime(2026, 1, 5, 9, 0, tzinfo=berlin))
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute("SELECT fetched_at, published FROM papers").fetchone()
    assert stored == ("2026-01-05T08:00:00.000000+00:00", "2024-10-17T17:59:04.000000+00:00")


def test_wal_commits_without_an_fsync_each(repo: Repository) -> None:
    """synchronous=NORMAL: WAL's safe setting, one fsync per checkpoint instead of per commit."""
    assert repo._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_add_papers_stores_a_listing_at_once_and_keeps_richer_rows(repo: Repository) -> None:
    """A feed's papers are added in one go; a version the API already stored is left alone."""
    stored = make_paper(version=2)
    repo.save_paper(stored)
    repo.add_papers([make_paper(version=2, title="Feed title"), make_paper(version=1)])
    found = repo.get_papers(["2410.13726v2", "2410.13726v1", "2410.99999v1"])
    assert found["2410.13726v2"] == stored and found["2410.13726v1"].version == 1
    assert "2410.99999v1" not in found


def test_delivered_among_answers_for_many_papers_at_once(repo: Repository) -> None:
    """Which of a digest's candidates a chat already got, another chat's deliveries aside."""
    repo.ensure_chat(GROUP)
    repo.ensure_chat(OTHER)
    repo.record_delivery(GROUP, "2611.00001")
    repo.record_delivery(OTHER, "2611.00002")
    ids = ["2611.00001", "2611.00002", *(f"2611.{i:05d}" for i in range(3, 1203))]
    assert repo.delivered_among(GROUP, ids) == {"2611.00001"}
    assert repo.delivered_among(GROUP, []) == set()
