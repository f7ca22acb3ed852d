"""Quick cards edited in place when the model is slow: their figures follow the model's card,
and a reader who blocks the bot meanwhile stops the chat cleanly (no error)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.core.scheduler import DigestScheduler
from config.settings import DigestSettings, Settings
from storage.models import ChatRef
from storage.repository import Repository
from tests.bot.test_figures import CITESEE_PDF, with_figures
from tests.bot.test_telegram_bot import USER, make_settings, running, with_gemini
from tests.fakes.arxiv_api import ArxivFake
from tests.fakes.gemini_api import GeminiFake, good, slow, status
from tests.fakes.telegram_api import TelegramFake

TOKEN = "123456:AAprovisionalTestTokenNeverLogged0"


def _quick(settings: Settings, tg: TelegramFake) -> Settings:
    return settings.model_copy(update={
        "telegram": settings.telegram.model_copy(update={"token": SecretStr(TOKEN)}),
        "summarizer": settings.summarizer.model_copy(update={"interactive_wait_s": 0.2}),
    })


async def test_a_quick_card_gets_its_figures_after_the_models_card(
    tmp_path: Path, arxiv_server: ArxivFake
) -> None:
    arxiv_server.add_pdf("2410.13726v2", CITESEE_PDF)
    async with GeminiFake() as gemini, TelegramFake(token=TOKEN) as tg:
        gemini.script(slow(1.0, then=good()))
        settings = _quick(with_figures(with_gemini(make_settings(tmp_path, tg, arxiv_server), gemini)), tg)
        async with running(settings, tg):
            tg.user_message(USER, "/summarize 2410.13726")
            await tg.wait_for_requests("editMessageText", 1, timeout=15)
            await tg.wait_for_requests("sendMediaGroup", 1, timeout=15)
    (album,) = tg.calls("sendMediaGroup")
    assert album.time > tg.calls("editMessageText")[0].time  # after the model's card


async def test_a_reader_who_blocks_the_bot_before_the_upgrade_stops_the_chat_cleanly(
    tmp_path: Path, arxiv_server: ArxivFake, caplog: pytest.LogCaptureFixture
) -> None:
    async with GeminiFake() as gemini, TelegramFake(token=TOKEN) as tg:
        gemini.script(slow(1.0, then=good()))
        settings = _quick(with_gemini(make_settings(tmp_path, tg, arxiv_server), gemini), tg)
        async with running(settings, tg) as bot:
            tg.user_message(USER, "/summarize 2410.13726")
            await tg.wait_for_messages(1, chat_id=USER)
            tg.block(USER)
            await tg.wait_for_requests("editMessageText", 1, timeout=15)
            for _ in range(100):  # the 403 is handled right after the refused edit
                chat = bot.repo().get_chat(ChatRef("telegram", str(USER)))
                if chat is not None and not chat.active:
                    break
                await asyncio.sleep(0.05)
    assert chat is not None and not chat.active
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_stopping_the_scheduler_logs_no_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class NoDigests:
        async def resume_incomplete(self) -> list[object]:
            return []

    repo = Repository.open(tmp_path / "s.db")
    scheduler = DigestScheduler(NoDigests(), repo, DigestSettings())  # type: ignore[arg-type]
    scheduler.start()
    await scheduler.wait_started()
    await scheduler.stop(0)
    await asyncio.sleep(0.05)  # APScheduler finishes its shutdown on a later loop step
    repo.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[:400]


async def test_a_quick_card_whose_model_summary_fails_costs_no_quota(
    tmp_path: Path, arxiv_server: ArxivFake
) -> None:
    """One new summary an hour: a quick card whose model summary then fails (an extractive
    fallback) gives the summary back, so the next new paper is still answered."""
    async with GeminiFake() as gemini, TelegramFake(token=TOKEN) as tg:
        gemini.script(slow(0.6, then=status(503)))
        gemini.default = good()
        settings = make_settings(tmp_path, tg, arxiv_server, summaries_per_user_per_hour=1)
        settings = _quick(with_gemini(settings, gemini), tg)
        async with running(settings, tg):
            tg.user_message(USER, "/summarize 2410.13726")
            await tg.wait_for_requests("editMessageText", 1, timeout=15)
            tg.user_message(USER, "/summarize 2104.12255")
            await tg.wait_for_messages(2, chat_id=USER, timeout=15)
    assert not any("reached the limit" in m.visible for m in tg.sent_to(USER))
