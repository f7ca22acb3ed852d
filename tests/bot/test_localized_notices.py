"""A digest speaks the chat's language: its header, the "more matched" line, the quiet-day note
and /digest's answers (issue 11, "Say it in the chat's language"). Driven through the real
python-telegram-bot against the Telegram fake, as a reader would see them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from bot.core.messages import PaperCard
from bot.core.notices import digest_header
from bot.render import markdown
from storage.models import ChatRef
from summarizer.extractive import build_summary
from summarizer.model import fallback_note
from tests.builders import make_paper
from tests.bot.test_digest import (  # noqa: F401  (tg and gemini are fixtures)
    BERLIN,
    TUESDAY_8AM,
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


async def test_lang_zh_then_digest_has_a_chinese_header(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """/lang zh then /digest: the header, its date and the "more matched" line are Chinese."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 3))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        p.chat(801, "cs.CV", max_papers=2)
        tg.user_message(801, "/lang zh")
        await tg.wait_for_messages(1, chat_id=801)
        tg.user_message(801, "/digest")
        await tg.wait_for_messages(4, chat_id=801)
    header = _texts(tg, 801)[1]
    assert header == (
        "📬 arXiv 论文速递 · 2026年11月17日（周二）：cs.CV 共 2 篇新论文。\n"
        "另有 1 篇匹配的论文未列出；用 /max 提高上限即可看到。"
    )


async def test_german_scheduled_digest_header(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """A scheduled digest to a German chat names the day and month in German, with one paper."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 1))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = p.chat(802, "cs.CV")
        p.services.repo.update_chat(ref, language="de")
        assert (await p.run_due(ref)).status == "sent"
    assert _texts(tg, 802)[0] == (
        "📬 arXiv-Digest für Dienstag, 17. November 2026: 1 neues Paper zu cs.CV."
    )


async def test_quiet_day_note_in_the_chats_language(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """With notify_quiet_days, a Japanese chat's Saturday note is in Japanese."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 20), cv_papers("2611.1", 1))
    clock = Clock(datetime(2026, 11, 20, 8, 0, tzinfo=BERLIN))
    settings = make_settings(tmp_path, tg, arxiv_server, gemini, notify_quiet_days=True)
    async with Process(settings, clock) as p:
        ref = p.chat(803, "cs.CV")
        p.services.repo.update_chat(ref, language="ja")
        await p.run_due(ref)
        clock.set(datetime(2026, 11, 21, 8, 0, tzinfo=BERLIN))
        assert (await p.run_due(ref)).status == "quiet"
    assert _texts(tg, 803)[-1] == "今日は新着論文がありません。arXiv は週末には公開しません。"


async def test_digest_command_answers_in_the_chats_language(
    tmp_path: Path, tg: TelegramFake, arxiv_server: ArxivFake, gemini: GeminiFake
) -> None:
    """/digest without subscriptions, then with nothing new: both answers are in Chinese."""
    arxiv_server.set_listing("cs.CV", date(2026, 11, 17), cv_papers("2611.1", 1))
    async with Process(make_settings(tmp_path, tg, arxiv_server, gemini), Clock(TUESDAY_8AM)) as p:
        ref = ChatRef("telegram", "804")
        p.services.repo.ensure_chat(ref)
        p.services.repo.update_chat(ref, language="zh")
        tg.user_message(804, "/digest")
        await tg.wait_for_messages(1, chat_id=804)
        p.services.repo.add_subscription(ref, "category", "cs.CV", "cs.CV")
        tg.user_message(804, "/digest")
        await tg.wait_for_messages(3, chat_id=804)
        tg.user_message(804, "/digest")
        await tg.wait_for_messages(4, chat_id=804)
    texts = _texts(tg, 804)
    assert texts[0].startswith("本聊天还没有订阅。从 /subscribe <主题> 开始")
    assert texts[-1].startswith("自上一期摘要以来没有新论文。")


def test_russian_plurals_and_unknown_languages() -> None:
    """Russian counts take their three forms; a language without a table gets English."""
    day = date(2026, 11, 17)
    assert digest_header(day, 1, ["cs.CV"], "ru").endswith("cs.CV: 1 новая статья.")
    assert digest_header(day, 3, ["cs.CV"], "ru").endswith("cs.CV: 3 новые статьи.")
    assert digest_header(day, 11, ["cs.CV"], "ru").endswith("cs.CV: 11 новых статей.")
    assert digest_header(day, 2, ["cs.CV", "cs.LG"], "pt-BR") == (
        "📬 arXiv digest for Tue 17 Nov 2026: 2 new papers on cs.CV, cs.LG."
    )


def test_an_extractive_cards_footer_does_not_contradict_its_note() -> None:
    """A model fallback says its sentences come "from the paper itself": the footer no longer
    puts "From the abstract" (or "From the full text") in front of that (issue 11)."""
    extractive = build_summary(make_paper(), "", "en")
    fallback = extractive.model_copy(update={"note": fallback_note("en", unavailable=True)})
    for summary, source in ((fallback, "abstract"), (extractive, "html")):
        card = PaperCard(make_paper(), summary.model_copy(update={"source": source}))
        text = markdown.render_card(card)
        assert summary.note in text
        assert "From the abstract" not in text and "From the full text" not in text
