"""Daily digests end to end: the real feed/API clients against the arXiv fake, the real
python-telegram-bot against the Telegram fake, Gemini's fake counting model calls, and a
controllable clock instead of sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bot.app import Services, open_services
from bot.core.lifecycle import ChatLifecycle
from bot.core.scheduler import DigestScheduler, previous_due
from bot.platforms.telegram_bot import TelegramPlatform
from config.settings import (
    ArxivSettings,
    DigestSettings,
    GeminiSettings,
    Settings,
    StorageSettings,
    SummarizerSettings,
    TelegramSettings,
)
from storage.models import ChatRef
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.arxiv_rss import feed_entry
from tests.fakes.gemini_api import GeminiFake
from tests.fakes.telegram_api import TelegramFake

TOKEN = "123456:AAdigestTestTokenNeverLogged0123456789"
BERLIN = ZoneInfo("Europe/Berlin")


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when


def cv_papers(prefix: str, n: int, category: str = "cs.CV") -> list:
    """``n`` distinct papers of a listing (ids ``<prefix>NNNN``, e.g. 2611.10001), varied abstracts."""
    topics = ["avatars", "depth estimation", "segmentation", "tracking", "video diffusion",
              "pose estimation", "3D reconstruction", "image editing", "detection", "captioning"]
    return [
        feed_entry(
            f"{prefix}{i:04d}", 1, f"Paper {prefix}-{i} on {topics[i % len(topics)]}",
            [f"Author {i}", "B. Coauthor"],
            f"We study {topics[i % len(topics)]} in {category}. We propose method number {i}. "
            f"Experiments show gains of {i + 3} points over baselines.",
            categories=(category,),
        )
        for i in range(1, n + 1)
    ]


def make_settings(tmp_path: Path, tg: TelegramFake, arxiv: ArxivFake, gemini: GeminiFake, **digest: object) -> Settings:
    return Settings(
        storage=StorageSettings(path=tmp_path / "digest.db"),
        arxiv=ArxivSettings(api_url=arxiv.api_url, html_url=arxiv.html_url, pdf_url=arxiv.pdf_url,
                            abs_url=arxiv.abs_url,
                            feed_url=arxiv.feed_url, min_interval_s=0.0,
                            timeout_s=2, retries=1),
        summarizer=SummarizerSettings(requests_per_minute=0, concurrency=4),
        gemini=GeminiSettings(api_key=SecretStr("gem-test-key"), base_url=gemini.base_url, max_attempts=1),
        telegram=TelegramSettings(token=SecretStr(TOKEN), api_base_url=tg.base_url,
                                  api_file_url=tg.base_file_url, per_chat_interval_s=0.0,
                                  poll_timeout_s=1, send_retries=1),
        digest=DigestSettings(**digest),  # type: ignore[arg-type]
    )


class Process:
    """One paperboy process (services + Telegram platform + scheduler) on a fake clock."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings, self.clock = settings, clock
        self.services: Services
        self.scheduler: DigestScheduler

    async def __aenter__(self) -> Process:
        self._services_cm = open_services(self.settings, clock=self.clock)
        self.services = await self._services_cm.__aenter__()
        self._platform = TelegramPlatform(
            self.settings.telegram, self.services.commands, ChatLifecycle(self.services.repo)
        )
        await self._platform.__aenter__()
        self.services.digests.platforms["telegram"] = self._platform
        self.scheduler = DigestScheduler(self.services.digests, self.services.repo,
                                         self.settings.digest, clock=self.clock)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.scheduler.shutdown()
        await self._platform.__aexit__(*exc)
        await self._services_cm.__aexit__(*exc)

    def chat(self, chat_id: int, *topics: str, tz: str = "Europe/Berlin", time: str = "08:00",
             max_papers: int = 10) -> ChatRef:
        """A chat with subscriptions and settings, as /subscribe, /timezone… would leave it."""
        ref = ChatRef("telegram", str(chat_id))
        repo = self.services.repo
        repo.ensure_chat(ref)
        repo.update_chat(ref, timezone=tz, delivery_time=time, max_papers=max_papers)
        for topic in topics:
            repo.add_subscription(ref, "category" if "." in topic and " " not in topic else "text", topic, topic)
        return ref

    async def run_due(self, ref: ChatRef, trigger: str = "schedule"):  # type: ignore[no-untyped-def]
        chat = self.services.repo.get_chat(ref)
        assert chat is not None
        return await self.services.digests.run(ref, trigger=trigger, due_at=previous_due(chat, self.clock()))


@pytest.fixture
async def tg() -> AsyncIterator[TelegramFake]:
    async with TelegramFake(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def gemini() -> AsyncIterator[GeminiFake]:
    async with GeminiFake() as fake:
        yield fake


# Tuesday 17 Nov 2026, 08:00 in Berlin: the mailing of Monday 20:00 ET is out.
TUESDAY_8AM = datetime(2026, 11, 17, 8, 0, tzinfo=BERLIN)


def _texts(tg: TelegramFake, chat_id: int) -> list[str]:
    return [m.visible for m in tg.sent_to(chat_id)]


async def test_digest_has_a_header_and_one_card_per_paper(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """A new subscriber's first digest: header (date, count, topic), then the latest cycle's papers."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 3))
    clock = Clock(TUESDAY_8AM)
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), clock) as p:
        ref = p.chat(501, "cs.CV")
        outcome = await p.run_due(ref)
    assert outcome.status == "sent" and outcome.sent == 3
    texts = _texts(tg, 501)
    assert texts[0].startswith("📬 arXiv digest for Tue 17 Nov 2026: 3 new papers on cs.CV")
    assert [t.split("\n")[0] for t in texts[1:]] == [
        "Paper 2611.1-3 on tracking", "Paper 2611.1-2 on segmentation", "Paper 2611.1-1 on depth estimation"
    ] or len(texts) == 4


async def test_fifty_chats_one_feed_request_per_archive_one_model_call_per_paper(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """50 chats on overlapping topics: cost grows with arXiv and papers, not subscribers; the
    cs.CV and cs.LG topics both read the one "cs" feed (issue 9)."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 4))
    arxiv_server.set_listing("cs.LG", date(2026, 11, 17), cv_papers("2611.2", 3, "cs.LG"))
    clock = Clock(TUESDAY_8AM)
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), clock) as p:
        refs = [p.chat(600 + i, *(["cs.CV"], ["cs.LG"], ["cs.CV", "cs.LG"])[i % 3]) for i in range(50)]
        arxiv_server.clear_requests()
        outcomes = await asyncio.gather(*(p.run_due(r) for r in refs))
    assert {o.status for o in outcomes} == {"sent"}
    feed_paths = sorted(r.path for r in arxiv_server.feed_requests)
    assert feed_paths == ["/atom/cs"]
    assert len(gemini.requests) == 7  # one per distinct paper (all chats read English)
    assert len(_texts(tg, 602)) == 1 + 7 and len(_texts(tg, 600)) == 1 + 4


async def test_fifty_chats_with_their_own_words_cost_one_request_per_archive_set(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """50 chats, each following its own free text without a category: the announcement is read
    once per archive set and matched locally, arXiv's API is never searched, and each chat gets
    only the paper with its words (issue 9)."""
    words = [f"{a}{b}" for a in ("zor", "vel", "quin", "brak", "mell") for b in "abcdefghij"]
    papers = [
        feed_entry(f"2611.{10001 + i}", 1, f"Learning {w} representations", [f"Author {i}"],
                   f"We study {w} in images.", categories=("cs.CV",))
        for i, w in enumerate(words)
    ]  # fmt: skip
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), papers)
    for other in ("math.AG", "quant-ph", "stat.ML"):  # every archive set announces something
        arxiv_server.set_listing(other, date(2026, 11, 17), [feed_entry(
            f"2611.2{len(other):04d}", 1, f"Elsewhere in {other}", ["X. Y"], "Unrelated.",
            categories=(other,))])  # fmt: skip
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        refs = [p.chat(3000 + i, f"{w} representations") for i, w in enumerate(words)]
        arxiv_server.clear_requests()
        outcomes = await asyncio.gather(*(p.run_due(r) for r in refs))
    assert [o.sent for o in outcomes] == [1] * 50
    assert len(arxiv_server.feed_requests) == len(ArxivSettings().feed_archives) == 4
    assert arxiv_server.query_requests == []
    assert _texts(tg, 3007)[1].startswith(f"Learning {words[7]} representations")


async def test_no_paper_twice_across_days_and_nothing_on_weekends(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Day two brings only new papers (a re-listed one is skipped); Saturday sends nothing."""
    day1 = cv_papers("2611.1", 2)
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), day1)
    clock = Clock(TUESDAY_8AM)
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), clock) as p:
        ref = p.chat(700, "cs.CV")
        assert (await p.run_due(ref)).sent == 2
        # Wednesday: one new paper, and day one's first paper again as a cross-list.
        relisted = feed_entry("2611.10001", 1, day1[0].title, ["Author 1"], "Again listed.",
                              categories=("cs.LG", "cs.CV"))
        arxiv_server.set_listing("cs.CV", date(2026, 11, 18), [*cv_papers("2611.3", 1), relisted])
        clock.set(datetime(2026, 11, 18, 8, 0, tzinfo=BERLIN))
        assert (await p.run_due(ref)).sent == 1
        # Thursday and Friday: quiet listings in this category.
        for day in (19, 20):
            arxiv_server.set_listing("cs.CV", date(2026, 11, day), [])
            clock.set(datetime(2026, 11, day, 8, 0, tzinfo=BERLIN))
            assert (await p.run_due(ref)).sent == 0
        # Saturday 08:00: Friday had no announcement; the feed is empty; nothing is sent.
        arxiv_server.set_quiet()
        arxiv_server.clear_requests()
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=BERLIN))
        assert (await p.run_due(ref)).status == "nothing-new"
        assert arxiv_server.requests == []
    texts = _texts(tg, 700)
    assert len(texts) == 2 + 3  # two headers, three cards
    titles = [t.split("\n")[0] for t in texts if not t.startswith("📬")]
    assert len(titles) == len(set(titles)) == 3


async def test_quiet_day_note_when_asked_for(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """With notify_quiet_days, a Saturday digest is a one-line note, once."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 20), cv_papers("2611.1", 1))
    clock = Clock(datetime(2026, 11, 20, 8, 0, tzinfo=BERLIN))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini, notify_quiet_days=True), clock) as p:
        ref = p.chat(710, "cs.CV")
        await p.run_due(ref)
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=BERLIN))
        assert (await p.run_due(ref)).status == "quiet"
        assert (await p.run_due(ref)).status == "already-sent"
    assert _texts(tg, 710)[-1] == "No new papers today: arXiv does not announce on weekends."


async def test_crash_after_three_of_seven_cards_resumes_without_duplicates(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Sending fails after the header and 3 cards; after a restart the other 4 arrive, once."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 7))
    clock = Clock(TUESDAY_8AM)
    settings = make_settings(tmp_path, tg, arxiv_server, gemini)
    async with Process(settings, clock) as p:
        ref = p.chat(800, "cs.CV")
        original_send = p._platform.send
        calls = {"n": 0}

        async def dying_send(chat_id: str, reply, **kw):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 5:  # header + 3 cards went out; the process "crashes" here
                raise RuntimeError("power cut")
            return await original_send(chat_id, reply, **kw)

        p._platform.send = dying_send  # type: ignore[method-assign]
        outcome = await p.run_due(ref)
        assert outcome.status == "failed" and outcome.sent == 3
    assert len(_texts(tg, 800)) == 4
    async with Process(settings, clock) as restarted:
        await restarted.scheduler.catch_up()
    texts = _texts(tg, 800)
    assert len(texts) == 1 + 7
    assert sum(t.startswith("📬") for t in texts) == 1
    assert len({t.split("\n")[0] for t in texts[1:]}) == 7


async def test_downtime_across_delivery_time_catches_up_once(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Down at 08:00, back at 09:30: one catch-up digest; another restart sends nothing more."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    clock = Clock(datetime(2026, 11, 16, 12, 0, tzinfo=BERLIN))
    settings = make_settings(tmp_path, tg, arxiv_server, gemini)
    async with Process(settings, clock) as p:
        p.chat(900, "cs.CV")
    clock.set(datetime(2026, 11, 17, 9, 30, tzinfo=BERLIN))
    for _ in range(2):
        async with Process(settings, clock) as p:
            await p.scheduler.catch_up()
    assert len(_texts(tg, 900)) == 3


async def test_blocked_chat_is_deactivated(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """A subscriber who blocked the bot: the digest stops at the first 403 and the chat is off."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 3))
    tg.block(950)
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(950, "cs.CV")
        outcome = await p.run_due(ref)
        chat = p.services.repo.get_chat(ref)
    assert outcome.status == "unreachable"
    assert chat is not None and not chat.active
    assert [r.status for r in tg.calls("sendMessage")] == [403]


async def test_digest_command_sends_now_and_counts(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """/digest delivers now; a second /digest and the scheduled run then have nothing new."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    clock = Clock(datetime(2026, 11, 17, 7, 0, tzinfo=BERLIN))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), clock) as p:
        p.chat(1200, "cs.CV")
        tg.user_message(1200, "/digest")
        await tg.wait_for_messages(3, chat_id=1200)
        tg.user_message(1200, "/digest")
        await tg.wait_for_messages(4, chat_id=1200)
        clock.set(TUESDAY_8AM)
        assert (await p.run_due(ChatRef("telegram", "1200"))).status == "nothing-new"
    assert _texts(tg, 1200)[-1].startswith("Nothing new since your last digest")


async def test_compact_digest_is_one_list_with_expand_buttons(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """/compact on: header + one numbered list; pressing "2" sends that paper's full card."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 3))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(1300, "cs.CV")
        p.services.repo.update_chat(ref, compact=True)
        assert (await p.run_due(ref)).sent == 3
        header, listing = tg.sent_to(1300)
        assert listing.visible.startswith("1. Paper 2611.1")
        buttons = [b for row in listing.buttons for b in row]
        assert [b["text"] for b in buttons] == ["1", "2", "3"]
        calls_before = len(gemini.requests)
        tg.callback_query(1300, listing.message_id, buttons[1]["callback_data"], user_id=1300)
        [*_, card] = await tg.wait_for_messages(3, chat_id=1300)
    second_title = listing.visible.split("\n\n")[1].split("\n")[0].removeprefix("2. ")
    assert second_title.startswith("Paper 2611.1")
    assert card.visible.startswith(second_title) and "Key takeaways" in card.visible
    assert len(gemini.requests) == calls_before  # served from the cache
    assert tg.calls("answerCallbackQuery")


async def test_interrupted_digest_is_finished_by_the_next_run(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """A send failure mid-digest (no restart): the scheduler's retry finishes the same digest."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 3))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(1600, "cs.CV")
        tg.fail("sendMessage", 502, times=2)  # the header fails both of its attempts
        first = await p.run_due(ref)
        assert first.status == "failed"
        second = await p.run_due(ref)
    assert second.status == "sent"
    texts = _texts(tg, 1600)
    assert sum(t.startswith("📬") for t in texts) == 1 and len(texts) == 4


async def test_evening_in_new_york_delivers_the_published_cycle_on_time(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Between 20:00 and midnight ET (mornings in East Asia) the newest announcement is not in
    the feed yet: the digest goes out on time with the newest published cycle."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    shanghai = ZoneInfo("Asia/Shanghai")
    clock = Clock(datetime(2026, 11, 18, 10, 30, tzinfo=shanghai))  # Tue 21:30 in New York
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), clock) as p:
        ref = p.chat(1700, "cs.CV", tz="Asia/Shanghai", time="10:30")
        outcome = await p.run_due(ref)
    assert outcome.status == "sent" and outcome.sent == 2
    assert _texts(tg, 1700)[0].startswith("📬 arXiv digest for Tue 17 Nov 2026")


async def test_cross_lists_are_a_per_subscription_option(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """A paper whose primary category is cs.LG, cross-listed to cs.CV: in the digest by default,
    left out after /crosslists 1 off (and /list says so)."""
    cross = feed_entry("2611.20001", 1, "A cs.LG paper cross-listed to vision", ["X. Author"],
                       "We propose a learning method for images.", categories=("cs.LG", "cs.CV"))
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), [*cv_papers("2611.1", 1), cross])
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        with_cross = p.chat(1800, "cs.CV")
        without = p.chat(1801, "cs.CV")
        tg.user_message(1801, "/crosslists 1 off")
        tg.user_message(1801, "/list")
        await tg.wait_for_messages(2, chat_id=1801)
        assert (await p.run_due(with_cross)).sent == 2
        assert (await p.run_due(without)).sent == 1
    assert "without cross-lists" in _texts(tg, 1801)[1]
    assert not any("cross-listed to vision" in t for t in _texts(tg, 1801))


async def test_extra_holidays_from_settings(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """A day added to digest.extra_holidays has no announcement: Tuesday's digest then holds the
    Monday mailing (Sunday's announcement), not a cycle arXiv never had."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 16), cv_papers("2611.1", 1))
    settings = make_settings(tmp_path, tg, arxiv_server, gemini, extra_holidays=(date(2026, 11, 16),))
    async with Process(settings, Clock(TUESDAY_8AM)) as p:
        outcome = await p.run_due(p.chat(1900, "cs.CV"))
    assert outcome.status == "sent"
    assert _texts(tg, 1900)[0].startswith("📬 arXiv digest for Mon 16 Nov 2026")
