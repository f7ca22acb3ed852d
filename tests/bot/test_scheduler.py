"""The digest scheduler: one tick a minute over each chat's stored due time, driven here by a
hand-moved clock (the tick is called directly instead of waiting a minute), with the real
python-telegram-bot against the Telegram fake and the real feed client against the arXiv fake."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.messages import PaperCard, Reply
from bot.core.scheduler import next_due, previous_due
from storage.models import Chat, ChatRef
from tests.bot.test_digest import (  # noqa: F401  (tg and gemini are fixtures)
    BERLIN,
    Clock,
    Process,
    _texts,
    cv_papers,
    gemini,
    make_settings,
    tg,
)
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.gemini_api import GeminiFake
from tests.fakes.telegram_api import TelegramFake

TOKYO = ZoneInfo("Asia/Tokyo")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
MONDAY_NOON = datetime(2026, 11, 16, 12, 0, tzinfo=BERLIN)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_delivery_times_follow_each_chat_time_zone_and_dst() -> None:
    """08:00 in Berlin and in Los Angeles are different instants, and DST moves them right."""
    berlin = Chat(ChatRef("telegram", "1"), timezone="Europe/Berlin", delivery_time="08:00")
    la = Chat(ChatRef("telegram", "2"), timezone="America/Los_Angeles", delivery_time="08:00")
    start = _utc(2026, 11, 16, 12, 0)
    assert next_due(berlin, start) == _utc(2026, 11, 17, 7, 0)
    assert next_due(la, start) == _utc(2026, 11, 16, 16, 0)
    spring = _utc(2026, 3, 28, 12, 0)  # Berlin moves to CEST on the 29th
    assert next_due(berlin, spring) == _utc(2026, 3, 29, 6, 0)
    assert previous_due(berlin, _utc(2026, 3, 29, 5, 59)) == _utc(2026, 3, 28, 7, 0)
    autumn = _utc(2026, 10, 24, 12, 0)  # back to CET on the 25th
    assert next_due(berlin, autumn) == _utc(2026, 10, 25, 7, 0)
    # A delivery time the clock change skips (02:30 on 29 March) comes an hour later, once.
    night = Chat(ChatRef("telegram", "3"), timezone="Europe/Berlin", delivery_time="02:30")
    assert next_due(night, spring).astimezone(BERLIN).strftime("%d %H:%M") == "29 03:30"
    assert next_due(night, next_due(night, spring)) == _utc(2026, 3, 30, 0, 30)
    # The due time itself is not "after" it: the next one is a day later.
    assert next_due(berlin, _utc(2026, 11, 17, 7, 0)) == _utc(2026, 11, 18, 7, 0)


async def test_two_time_zones_get_their_digest_at_local_time_across_a_dst_change(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Berlin and New York at 08:00: each digest arrives at its chat's 08:00, not a minute
    earlier, before and after New York moves to summer time (8 March 2026)."""
    clock = Clock(_utc(2026, 3, 5, 15, 0))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), clock) as p:
        berlin = p.chat(3001, "cs.CV", tz="Europe/Berlin", time="08:00")
        new_york = p.chat(3002, "cs.CV", tz="America/New_York", time="08:00")
        for ref in (berlin, new_york):
            p.scheduler.reconcile_chat(ref)
        days = [
            (date(2026, 3, 6), "Fri 06 Mar 2026", [(_utc(2026, 3, 6, 7, 0), 3001), (_utc(2026, 3, 6, 13, 0), 3002)]),
            (date(2026, 3, 9), "Mon 09 Mar 2026", [(_utc(2026, 3, 9, 7, 0), 3001), (_utc(2026, 3, 9, 12, 0), 3002)]),
        ]
        for mailing, shown, dues in days:
            arxiv_server.set_listing("cs.CV", mailing, cv_papers(f"2603.{mailing.day}", 2))
            for due, chat_id in dues:
                before = len(_texts(tg, chat_id))
                clock.set(due - timedelta(minutes=1))
                assert await p.scheduler.tick(wait=True) == 0
                assert len(_texts(tg, chat_id)) == before
                clock.set(due)
                assert await p.scheduler.tick(wait=True) == 1
                texts = _texts(tg, chat_id)
                assert len(texts) == before + 3
                assert texts[before].startswith(f"📬 arXiv digest for {shown}")
        assert p.scheduler.next_run(new_york) == _utc(2026, 3, 10, 12, 0)
        assert p.scheduler.next_run(berlin) == _utc(2026, 3, 10, 7, 0)


async def test_the_schedule_comes_from_storage_without_a_job_per_chat(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Start-up fills each chat's next due time from its settings; a paused chat or one without
    subscriptions has none; settings changes move it; APScheduler holds two jobs, not one per chat."""
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(MONDAY_NOON)) as p:
        berlin = p.chat(1001, "cs.CV", tz="Europe/Berlin", time="08:00")
        tokyo = p.chat(1002, "cs.CV", tz="Asia/Tokyo", time="07:30")
        bare = p.chat(1003)
        p.scheduler.start()
        await p.scheduler.wait_started()
        assert p.scheduler.next_run(berlin) == datetime(2026, 11, 17, 8, 0, tzinfo=BERLIN)
        assert p.scheduler.next_run(tokyo) == datetime(2026, 11, 17, 7, 30, tzinfo=TOKYO)
        assert p.scheduler.next_run(bare) is None
        assert sorted(job.id for job in p.scheduler._scheduler.get_jobs()) == ["retention", "tick"]  # type: ignore[union-attr]
        p.services.repo.update_chat(berlin, paused=True)
        p.services.repo.update_chat(tokyo, delivery_time="21:15")
        p.scheduler.reconcile_chat(berlin)
        p.scheduler.reconcile_chat(tokyo)
        assert p.scheduler.next_run(berlin) is None
        assert p.scheduler.next_run(tokyo) == datetime(2026, 11, 16, 21, 15, tzinfo=TOKYO)
        p.services.repo.update_chat(tokyo, timezone="America/Los_Angeles")  # same time, new zone
        p.scheduler.reconcile_chat(tokyo)
        assert p.scheduler.next_run(tokyo) == datetime(2026, 11, 16, 21, 15, tzinfo=LOS_ANGELES)


async def test_pause_and_unsubscribe_take_a_chat_out_of_the_due_set(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """/pause: the 08:00 tick sends nothing; /resume: the next 08:00 again; /unsubscribe all:
    none; the commands reach the scheduler through the settings listener, as in the app."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    clock = Clock(MONDAY_NOON)
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), clock) as p:
        p.services.commands.on_settings_changed(p.scheduler.reconcile_chat)
        ref = p.chat(2001, "cs.CV")
        tg.user_message(2001, "/pause")
        await tg.wait_for_messages(1, chat_id=2001)
        assert p.scheduler.next_run(ref) is None
        clock.set(datetime(2026, 11, 17, 8, 0, tzinfo=BERLIN))
        assert await p.scheduler.tick(wait=True) == 0
        tg.user_message(2001, "/resume")
        await tg.wait_for_messages(2, chat_id=2001)
        assert p.scheduler.next_run(ref) == datetime(2026, 11, 18, 8, 0, tzinfo=BERLIN)
        tg.user_message(2001, "/unsubscribe all")
        await tg.wait_for_messages(3, chat_id=2001)
        assert p.scheduler.next_run(ref) is None
        clock.set(datetime(2026, 11, 18, 8, 0, tzinfo=BERLIN))
        assert await p.scheduler.tick(wait=True) == 0
    assert not any(t.startswith("📬") for t in _texts(tg, 2001))


async def test_a_command_in_the_due_minute_does_not_cost_the_digest(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Due at 08:00, /list at 08:00:20 before the tick ran: the digest still goes out."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    clock = Clock(MONDAY_NOON)
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), clock) as p:
        p.services.commands.on_settings_changed(p.scheduler.reconcile_chat)
        ref = p.chat(2101, "cs.CV")
        p.scheduler.reconcile_chat(ref)
        clock.set(datetime(2026, 11, 17, 8, 0, 20, tzinfo=BERLIN))
        tg.user_message(2101, "/list")
        await tg.wait_for_messages(1, chat_id=2101)
        assert p.scheduler.next_run(ref) == datetime(2026, 11, 17, 8, 0, tzinfo=BERLIN)
        assert await p.scheduler.tick(wait=True) == 1
    assert _texts(tg, 2101)[1].startswith("📬 arXiv digest for Tue 17 Nov 2026: 2 new papers")


async def test_catch_up_after_downtime_runs_the_chats_concurrently(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Five chats missed 08:00 while the bot was down: at 09:30 their digests go out together.
    No card is sent before every chat has its header, which only a concurrent catch-up can do
    (one chat after another would wait forever for the second header)."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    clock = Clock(MONDAY_NOON)
    settings = make_settings(tmp_path, tg, arxiv_server, gemini)
    chat_ids = [2201 + i for i in range(5)]
    async with Process(settings, clock) as p:
        for chat_id in chat_ids:
            p.scheduler.reconcile_chat(p.chat(chat_id, "cs.CV"))
    clock.set(datetime(2026, 11, 17, 9, 30, tzinfo=BERLIN))
    async with Process(settings, clock) as p:
        headers: set[str] = set()
        all_headers = asyncio.Event()
        send = p._platform.send

        async def gated_send(chat_id: str, reply: Reply, **kw):  # type: ignore[no-untyped-def]
            if any(isinstance(item, PaperCard) for item in reply.items):
                await all_headers.wait()
            result = await send(chat_id, reply, **kw)
            headers.add(chat_id)
            if len(headers) == len(chat_ids):
                all_headers.set()
            return result

        p._platform.send = gated_send  # type: ignore[method-assign]
        await asyncio.wait_for(p.scheduler.catch_up(), timeout=30)
        assert await p.scheduler.tick(wait=True) == 0  # caught up once, not again
    for chat_id in chat_ids:
        texts = _texts(tg, chat_id)
        assert len(texts) == 3 and texts[0].startswith("📬 arXiv digest for Tue 17 Nov 2026")


async def test_arxiv_down_is_retried_later_then_delivered(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """The feed failing at delivery time: nothing half-done is sent, the chat is due again
    retry_after_s later, and that tick delivers the whole digest."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    clock = Clock(MONDAY_NOON)
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini, retry_after_s=600), clock) as p:
        ref = p.chat(1400, "cs.CV")
        clock.set(datetime(2026, 11, 17, 8, 5, tzinfo=BERLIN))
        arxiv_server.fail_next(2, status=503, path="/atom/")  # both attempts of the first try
        p.scheduler.start()
        await p.scheduler.wait_started()
        assert tg.sent_to(1400) == []
        assert p.scheduler.next_run(ref) == datetime(2026, 11, 17, 8, 15, tzinfo=BERLIN)
        clock.set(datetime(2026, 11, 17, 8, 14, tzinfo=BERLIN))
        assert await p.scheduler.tick(wait=True) == 0
        clock.set(datetime(2026, 11, 17, 8, 15, tzinfo=BERLIN))
        assert await p.scheduler.tick(wait=True) == 1
        assert p.scheduler.next_run(ref) == datetime(2026, 11, 18, 8, 0, tzinfo=BERLIN)
    texts = _texts(tg, 1400)
    assert len(texts) == 3 and texts[0].startswith("📬 arXiv digest for Tue 17 Nov 2026")


async def test_giving_up_tells_the_chat(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """When arXiv stays down past the grace period, the chat is told instead of left in silence."""
    clock = Clock(MONDAY_NOON)
    settings = make_settings(tmp_path, tg, arxiv_server, gemini, retry_after_s=600, grace_period_s=360)
    async with Process(settings, clock) as p:
        ref = p.chat(1500, "cs.CV")
        clock.set(datetime(2026, 11, 17, 8, 5, tzinfo=BERLIN))
        arxiv_server.fail_next(10, status=503, path="/atom/")
        p.scheduler.start()
        await p.scheduler.wait_started()
        [note] = await tg.wait_for_messages(1, chat_id=1500)
        assert p.scheduler.next_run(ref) == datetime(2026, 11, 18, 8, 0, tzinfo=BERLIN)
    assert note.visible.startswith("Today's digest could not be put together")


async def test_a_digest_missed_beyond_the_grace_period_is_skipped(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Down from Monday to Tuesday 15:00 (grace 6 h): no late 08:00 digest, the next is Wednesday's."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    clock = Clock(MONDAY_NOON)
    settings = make_settings(tmp_path, tg, arxiv_server, gemini)
    async with Process(settings, clock) as p:
        ref = p.chat(2301, "cs.CV")
        p.scheduler.reconcile_chat(ref)
    clock.set(datetime(2026, 11, 17, 15, 0, tzinfo=BERLIN))
    async with Process(settings, clock) as p:
        await p.scheduler.catch_up()
        assert p.scheduler.next_run(ref) == datetime(2026, 11, 18, 8, 0, tzinfo=BERLIN)
    assert _texts(tg, 2301) == []


async def test_the_daily_prune_follows_the_retention_settings(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """digest.retention_days = 10: a 20-day-old listing goes; digest.delivery_retention_days = 30:
    a 20-day-old delivery stays (the chat must not get that paper again), a 40-day-old one goes;
    the pass logs its counts in one line."""
    clock = Clock(MONDAY_NOON - timedelta(days=40))
    settings = make_settings(tmp_path, tg, arxiv_server, gemini, retention_days=10,
                             delivery_retention_days=30)
    async with Process(settings, clock) as p:
        ref = p.chat(2401, "cs.CV")
        repo = p.services.repo
        repo.record_delivery(ref, "2610.00001")
        clock.set(MONDAY_NOON - timedelta(days=20))
        repo.record_delivery(ref, "2610.00002")
        repo.digests.save_listing("feed:cs.CV", "2026-10-27", [("2610.00002v1", "new")])
        clock.set(MONDAY_NOON)
        with caplog.at_level(logging.INFO, logger="bot.core.scheduler"):
            counts = await p.scheduler.prune()
        assert counts == {"listings": 1, "digests": 0, "usage": 0, "deliveries": 1}
        assert not repo.was_delivered(ref, "2610.00001") and repo.was_delivered(ref, "2610.00002")
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.core.scheduler"]
    assert line == "retention: deleted 1 listings, 0 digests, 0 usage, 1 deliveries"
