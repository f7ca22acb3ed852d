"""Delivery promises of a digest: a card the platform refuses for good is skipped, the rest
arrive."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from bot.core.messages import Reply
from bot.render.telegram_html import render_reply
from config.settings import ChatSettings
from papers.ids import parse_arxiv_id
from tests.bot.test_digest import (  # noqa: F401 - the digest tests' fixtures
    TUESDAY_8AM,
    Clock,
    Process,
    cv_papers,
    gemini,
    make_settings,
    tg,
)
from tests.bot.test_telegram_bot import _long_draft
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.gemini_api import GeminiFake
from tests.fakes.model_api import good
from tests.fakes.telegram_api import TelegramFake


async def test_a_card_refused_for_good_is_skipped_and_the_rest_arrive(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 3))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(801, "cs.CV")
        planned = await p.services.digests.plan(ref, due_at=TUESDAY_8AM)
        assert planned.record is not None
        p.services.repo.digests.header_sent(planned.record.id)  # the header went out earlier
        tg.fail("sendMessage", 400, "Bad Request: text must be non-empty")
        outcome = await p.run_due(ref)
        assert outcome.status == "sent" and outcome.sent == 2
        again = await p.run_due(ref)
    assert again.status == "already-sent"
    assert len(tg.sent_to(801)) == 2
    assert [r.status for r in tg.calls("sendMessage")] == [400, 200, 200]


async def test_a_refused_card_comes_again_with_the_next_digest_once(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """The refused paper is not lost: the next digest offers it once more; refused again, it is
    not offered a third time (a card that can never be sent must not come back forever)."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(809, "cs.CV")
        planned = await p.services.digests.plan(ref, due_at=TUESDAY_8AM)
        assert planned.record is not None
        first_paper = planned.record.items[0]
        p.services.repo.digests.header_sent(planned.record.id)
        tg.fail("sendMessage", 400, "Bad Request: text must be non-empty")
        assert (await p.run_due(ref)).sent == 1
        tg.fail("sendMessage", 400, "Bad Request: text must be non-empty", after=1)
        carried = await p.services.digests.run(ref, trigger="command")  # header, then the card
        assert carried.record is not None and carried.record.items == (first_paper,)
        assert carried.sent == 0  # refused again
        third = await p.services.digests.run(ref, trigger="command")
    assert third.status == "nothing-new"  # not offered a third time


async def test_a_refused_card_that_goes_through_next_time_arrives(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(810, "cs.CV")
        planned = await p.services.digests.plan(ref, due_at=TUESDAY_8AM)
        assert planned.record is not None
        p.services.repo.digests.header_sent(planned.record.id)
        tg.fail("sendMessage", 400, "Bad Request: text must be non-empty")
        assert (await p.run_due(ref)).sent == 1
        carried = await p.services.digests.run(ref, trigger="command")
    assert carried.status == "sent" and carried.sent == 1
    cards = [m.visible.split("\n")[0] for m in tg.sent_to(810) if not m.visible.startswith("📬")]
    assert sorted(cards) == ["Paper 2611.1-1 on depth estimation", "Paper 2611.1-2 on segmentation"]


async def test_a_refused_button_costs_the_buttons_not_the_card(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 1))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(802, "cs.CV")
        planned = await p.services.digests.plan(ref, due_at=TUESDAY_8AM)
        assert planned.record is not None
        p.services.repo.digests.header_sent(planned.record.id)
        tg.fail("sendMessage", 400, "Bad Request: BUTTON_URL_INVALID")
        assert (await p.run_due(ref)).sent == 1
    (card,) = tg.sent_to(802)
    assert card.visible.startswith("Paper 2611.1-1") and not card.buttons


async def test_a_topic_added_after_the_digest_gets_that_days_papers(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Today's digest went out for cs.CV; cs.LG is added afterwards: the next digest (here
    /digest) holds today's cs.LG papers instead of "nothing new"."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    arxiv_server.set_listing("cs.LG", date(2026, 11, 17), cv_papers("2611.2", 2, category="cs.LG"))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(803, "cs.CV")
        assert (await p.run_due(ref)).sent == 2
        p.services.repo.add_subscription(ref, "category", "cs.LG", "cs.LG")
        later = await p.services.digests.run(ref, trigger="command")
        again = await p.services.digests.run(ref, trigger="command")
    assert later.status == "sent" and later.sent == 2
    titles = [m.visible.split("\n")[0] for m in tg.sent_to(803)]
    assert sorted(titles[-2:]) == ["Paper 2611.2-1 on depth estimation", "Paper 2611.2-2 on segmentation"]
    assert again.status == "nothing-new"


async def test_a_digest_whose_topics_matched_nothing_says_so(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 3))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        p.chat(804, "quantum gravity")
        tg.user_message(804, "/digest")
        (answer,) = await tg.wait_for_messages(1, chat_id=804, timeout=10)
    assert answer.visible.startswith("No new papers matched this chat's topics")


async def test_stopping_lets_a_digest_being_sent_finish(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """SIGTERM in the middle of a digest: the scheduler waits (within digest.shutdown_grace_s)
    and the chat gets the whole digest, recorded as complete."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 4))
    clock = Clock(TUESDAY_8AM - timedelta(minutes=1))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), clock) as p:
        ref = p.chat(805, "cs.CV")
        p.scheduler.reconcile_chat(ref)
        clock.set(TUESDAY_8AM)
        tg.slow("sendMessage", 0.3, times=5)  # the digest takes a moment to go out
        assert await p.scheduler.tick() == 1
        await tg.wait_for_requests("sendMessage", 1)
        await p.scheduler.stop(grace_s=10)
        last = p.services.repo.digests.last(ref)
    assert len(tg.sent_to(805)) == 5  # the header and four cards
    assert last is not None and last.completed_at is not None


async def test_a_card_split_over_messages_resumes_from_the_part_not_sent(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """A long card is several Telegram messages; the Bot API fails after the first one (every
    retry): the digest resumes with the second part, so the reader sees every part once."""
    gemini.default = good(_long_draft())
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 1))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(806, "cs.CV")
        planned = await p.services.digests.plan(ref, due_at=TUESDAY_8AM)
        assert planned.record is not None
        p.services.repo.digests.header_sent(planned.record.id)
        card = await p.services.summaries.card(parse_arxiv_id("2611.10001v1"), "en")
        parts = len(render_reply(Reply((replace(card, brief=True),))))
        assert parts >= 2
        tg.fail("sendMessage", 502, times=2, after=1)  # part one arrives, part two fails
        first = await p.run_due(ref)
        second = await p.run_due(ref)
    assert first.status == "failed" and second.status == "sent"
    texts = [m.visible for m in tg.sent_to(806)]
    assert len(texts) == parts and len(set(texts)) == parts


async def test_digest_command_spends_the_quota_and_marks_the_rest_extractive(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """/digest with /max 5 and two new summaries left this hour: two model calls; the other
    three papers come with their abstract's sentences, marked as such."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 5))
    settings = make_settings(tmp_path, tg, arxiv_server, gemini).model_copy(
        update={"chat": ChatSettings(summaries_per_user_per_hour=2)})
    async with Process(settings, Clock(TUESDAY_8AM)) as p:
        p.chat(807, "cs.CV", max_papers=5)
        tg.user_message(807, "/digest")
        await tg.wait_for_messages(6, chat_id=807, timeout=15)
    cards = [m.visible for m in tg.sent_to(807)[1:]]
    assert len(gemini.requests) == 2
    assert sum("Extractive summary" in card for card in cards) == 3


async def test_a_refused_list_of_several_papers_is_sent_card_by_card(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """A send of several papers (a compact list here; ten embeds on Discord) refused for good
    costs nothing but itself: the papers go out one card at a time."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 3))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(811, "cs.CV")
        p.services.repo.update_chat(ref, compact=True)
        planned = await p.services.digests.plan(ref, due_at=TUESDAY_8AM)
        assert planned.record is not None
        p.services.repo.digests.header_sent(planned.record.id)
        tg.fail("sendMessage", 400, "Bad Request: text must be non-empty")  # the list
        outcome = await p.run_due(ref)
    assert outcome.sent == 3 and len(tg.sent_to(811)) == 3
    assert all(not m.visible.startswith("1. ") for m in tg.sent_to(811))  # cards, not a list


async def test_a_digest_command_resumed_later_makes_no_new_model_calls(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """A /digest interrupted before its cards went out is finished by the scheduler, which has
    no one's quota at hand: it sends what is cached and the abstract's sentences for the rest."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(812, "cs.CV")
        planned = await p.services.digests.plan(ref, trigger="command", due_at=TUESDAY_8AM)
        assert planned.record is not None
        outcome = await p.run_due(ref)  # the scheduler finds the plan and finishes it
    assert outcome.sent == 2 and gemini.requests == []
    assert all("Extractive summary" in m.visible for m in tg.sent_to(812)[1:])
