"""Summarizing ahead: once the cycle is fetchable, the coming digests' summaries are written in
the background, and at delivery time the digest is sent from the cache."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from bot.core.ahead import SummarizeAhead
from tests.bot.test_digest import (  # noqa: F401 - the digest tests' fixtures
    BERLIN,
    TUESDAY_8AM,
    Clock,
    Process,
    cv_papers,
    gemini,
    make_settings,
    tg,
)
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.gemini_api import GeminiFake
from tests.fakes.telegram_api import TelegramFake

TUESDAY_7AM = datetime(2026, 11, 17, 7, 0, tzinfo=BERLIN)  # the cycle is fetchable since 06:30
TUESDAY_6AM = datetime(2026, 11, 17, 6, 0, tzinfo=BERLIN)  # not yet (arXiv's feed lags)


def ahead(p: Process) -> SummarizeAhead:
    return SummarizeAhead(p.services.digests, p.services.summaries, p.services.repo, clock=p.clock)


async def test_digests_are_sent_from_summaries_written_ahead(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """At 07:00 each (paper, language) the coming digests need is summarized once; at 08:00
    the digests go out without a single model call."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 3))
    clock = Clock(TUESDAY_7AM)
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), clock) as p:
        english, chinese, paused = p.chat(701, "cs.CV"), p.chat(702, "cs.CV"), p.chat(703, "cs.CV")
        p.services.repo.update_chat(chinese, language="zh")
        p.services.repo.update_chat(paused, paused=True)
        assert await ahead(p).prepare() == 6  # 3 papers x 2 languages; the paused chat needs none
        assert len(gemini.requests) == 6
        clock.set(TUESDAY_8AM)
        for ref in (english, chinese):
            assert (await p.run_due(ref)).sent == 3
    assert len(gemini.requests) == 6  # the digests were sent from the cache
    titles = {m.visible.split("\n")[0] for m in tg.sent_to(702)[1:]}
    assert titles == {"Paper 2611.1-1 on depth estimation", "Paper 2611.1-2 on segmentation",
                      "Paper 2611.1-3 on tracking"}


async def test_nothing_is_prepared_before_the_cycle_can_be_fetched_nor_twice(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """Before arXiv's listing is out nothing is asked of the model; a cycle is prepared once."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 2))
    clock = Clock(TUESDAY_6AM)
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), clock) as p:
        p.chat(711, "cs.CV")
        early = ahead(p)
        assert await early.prepare() == 0 and gemini.requests == []
        clock.set(TUESDAY_7AM)
        assert await early.prepare() == 2
        assert await early.prepare() == 0  # the same cycle: nothing again
    assert len(gemini.requests) == 2
