"""Telegram HTML rendering, checked by what the fake Bot API accepts and shows to the user."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.core.messages import Notice, PaperCard, Reply, Tone
from bot.render.telegram_html import (
    MAX_TEXT_LENGTH,
    Button,
    TelegramMessage,
    card_blocks,
    render_reply,
    visible_length,
    visible_text,
)
from papers.models import Paper
from summarizer.schema import Analysis, Conclusion, Summary
from tests.fakes.telegram_api import SentMessage, TelegramFake

TOKEN = "123:ABC"
CHAT = 7
WHEN = datetime(2024, 5, 1, tzinfo=UTC)


def make_paper(**changes: object) -> Paper:
    fields: dict[str, object] = {
        "arxiv_id": "2405.00001",
        "version": 2,
        "title": "Attention Is Still All You Need",
        "authors": ("Ada Lovelace", "Alan Turing"),
        "abstract": "We study attention.",
        "published": WHEN,
        "updated": WHEN,
        "primary_category": "cs.LG",
    }
    fields.update(changes)
    return Paper(**fields)  # type: ignore[arg-type]


def make_summary(language: str = "en", **changes: object) -> Summary:
    analysis = Analysis(
        background="Transformers dominate sequence modelling.",
        prior_work="Recurrent networks were slow to train.",
        method="A sparse attention pattern with learned routing.",
        results="Matches dense attention on three benchmarks at half the cost.",
        conclusion=Conclusion(
            significance="Cheaper long-context models.",
            strengths="Simple and well ablated.",
            limitations="Only tested up to 1B parameters.",
        ),
    )
    fields: dict[str, object] = {
        "tldr": "Sparse attention that keeps quality and halves compute.",
        "takeaways": ("Halves compute.", "Keeps quality.", "Easy to implement."),
        "analysis": analysis,
        "keywords": ("attention", "sparsity"),
        "language": language,
        "backend": "gemini",
        "model": "gemini-2.5-flash",
    }
    fields.update(changes)
    return Summary(**fields)  # type: ignore[arg-type]


def card(paper: Paper | None = None, summary: Summary | None = None) -> PaperCard:
    return PaperCard(paper or make_paper(), summary or make_summary())


def markup(message: TelegramMessage) -> InlineKeyboardMarkup | None:
    """What the Telegram adapter does with our neutral buttons."""
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, url=b.url, callback_data=b.callback_data) for b in row]
            for row in message.buttons
        ]
    )


@pytest.fixture
async def fake() -> AsyncIterator[TelegramFake]:
    async with TelegramFake(token=TOKEN) as server:
        yield server


@pytest.fixture
async def bot(fake: TelegramFake) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url) as client:
        yield client


async def deliver(
    bot: Bot, fake: TelegramFake, messages: list[TelegramMessage]
) -> list[SentMessage]:
    """Send through the real client; the fake refuses anything Telegram would refuse."""
    for message in messages:
        await bot.send_message(
            CHAT, message.html, parse_mode=ParseMode.HTML, reply_markup=markup(message)
        )
    return fake.sent_to(CHAT)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


class TestCard:
    async def test_hostile_title_is_escaped_and_accepted(
        self, bot: Bot, fake: TelegramFake
    ) -> None:
        """A title full of markup characters reaches the user verbatim, linked to the abstract."""
        title = "Why <b>bold</b> & \"quotes\" > <br> are 'fun' &amp; fine"
        paper = make_paper(title=title, code_url='https://github.com/a/b?x=1&y="2"')
        [sent] = await deliver(bot, fake, render_reply(Reply((card(paper),))))
        first_line = sent.visible.splitlines()[0]
        assert first_line == title
        title_links = [e for e in sent.entities if e["type"] == "text_link" and e["offset"] == 0]
        assert title_links[0]["url"] == "https://arxiv.org/abs/2405.00001v2"
        urls = {e["url"] for e in sent.entities if e["type"] == "text_link"}
        assert 'https://github.com/a/b?x=1&y="2"' in urls
        assert sent.text is not None and "&lt;b&gt;bold&lt;/b&gt; &amp; " in sent.text

    async def test_layout_and_buttons(self, bot: Bot, fake: TelegramFake) -> None:
        """Title, authors, links, summary, numbered takeaways, analysis in an expandable quote,
        keywords and the provenance footer, with PDF/Abstract/Code buttons."""
        paper = make_paper(code_url="https://github.com/acme/sparse")
        [sent] = await deliver(bot, fake, render_reply(Reply((card(paper),))))
        lines = sent.visible.splitlines()
        assert lines[:3] == [
            "Attention Is Still All You Need",
            "Authors: Ada Lovelace, Alan Turing",
            "arXiv:2405.00001v2 · Abstract · PDF · Code",
        ]
        assert "1. Halves compute.\n2. Keeps quality.\n3. Easy to implement." in sent.visible
        assert "Keywords: attention, sparsity" in sent.visible
        assert (
            lines[-1]
            == "From the abstract · Summarized by Gemini (gemini-2.5-flash). Check the paper before relying on it."
        )
        quote = next(e for e in sent.entities if e["type"] == "expandable_blockquote")
        quoted = sent.visible.encode("utf-16-le")[
            2 * quote["offset"] : 2 * (quote["offset"] + quote["length"])
        ]
        assert quoted.decode("utf-16-le").startswith("Background\nTransformers dominate")
        assert "Limitations: Only tested up to 1B parameters." in quoted.decode("utf-16-le")
        footer = next(e for e in sent.entities if e["type"] == "italic")
        assert footer["offset"] + footer["length"] == len(sent.visible.encode("utf-16-le")) // 2
        assert sent.buttons == [
            [
                {"text": "PDF", "url": "https://arxiv.org/pdf/2405.00001v2"},
                {"text": "Abstract", "url": "https://arxiv.org/abs/2405.00001v2"},
                {"text": "Code", "url": "https://github.com/acme/sparse"},
            ]
        ]

    def test_code_only_when_known(self) -> None:
        """Without a code URL there is neither a Code link nor a Code button."""
        [message] = render_reply(Reply((card(),)))
        assert [b.text for b in message.buttons[0]] == ["PDF", "Abstract"]
        assert "Code" not in visible_text(message.html)
        [with_code] = render_reply(Reply((card(make_paper(code_url="https://gitlab.com/x/y")),)))
        assert with_code.buttons[0][-1] == Button("Code", url="https://gitlab.com/x/y")

    async def test_chinese_summary(self, bot: Bot, fake: TelegramFake) -> None:
        """A Chinese summary gets Chinese headings and arrives intact."""
        summary = make_summary(
            "zh",
            tldr="提出稀疏注意力，在保持质量的同时将计算量减半。",
            takeaways=("计算量减半。", "质量不变。", "易于实现。"),
            keywords=("注意力", "稀疏"),
        )
        [sent] = await deliver(bot, fake, render_reply(Reply((card(summary=summary),))))
        assert "一句话总结\n提出稀疏注意力，在保持质量的同时将计算量减半。" in sent.visible
        assert "要点\n1. 计算量减半。" in sent.visible
        assert "关键词: 注意力, 稀疏" in sent.visible
        assert "由 Gemini (gemini-2.5-flash) 生成的总结" in sent.visible
        assert [b["text"] for b in sent.buttons[0]] == ["PDF", "摘要页"]

    async def test_long_analysis_split_without_loss(self, bot: Bot, fake: TelegramFake) -> None:
        """12,000 characters of analysis become several messages, each within 4096 and accepted
        by the fake; together they show everything; only the last carries the buttons."""
        section = " ".join(
            f'Sentence {i} about <results> & "quotes" of the method.' for i in range(50)
        )
        assert len(section) > 2400
        analysis = Analysis(
            background=section,
            prior_work=section.replace("Sentence", "Claim"),
            method=section + "\n\n" + section,
            results=section.replace("Sentence", "Result"),
            conclusion=Conclusion(
                significance=section[:900], strengths="Good.", limitations="Few."
            ),
        )
        summary = make_summary(analysis=analysis)
        item = card(summary=summary)
        messages = render_reply(Reply((Notice("Here is your summary:"), item)))
        assert len(messages) >= 4
        sent = await deliver(bot, fake, messages)
        assert len(sent) == len(messages)
        assert all(len(m.visible.encode("utf-16-le")) // 2 <= MAX_TEXT_LENGTH for m in sent)
        assert all(visible_length(m.html) <= MAX_TEXT_LENGTH for m in messages)
        expected = visible_text("Here is your summary:\n\n" + "\n\n".join(card_blocks(item)))
        assert squash("".join(m.visible for m in sent)) == squash(expected)
        assert [bool(m.buttons) for m in sent] == [False] * (len(sent) - 1) + [True]
        continued = [
            m for m in sent[1:] if any(e["type"] == "expandable_blockquote" for e in m.entities)
        ]
        assert continued, "the analysis continues in expandable blockquotes"

    async def test_emoji_counted_in_utf16(self, bot: Bot, fake: TelegramFake) -> None:
        """Astral characters count twice toward 4096; messages still fit after splitting."""
        emoji = "🚀🔥" * 1200  # 2,400 code points, 4,800 UTF-16 units per section
        analysis = make_summary().analysis.model_copy(update={"method": emoji, "results": emoji})
        messages = render_reply(Reply((card(summary=make_summary(analysis=analysis)),)))
        sent = await deliver(bot, fake, messages)
        assert len(sent) >= 3
        assert squash("".join(m.visible for m in sent)).count("🚀") == 2400

    def test_three_hundred_authors_shortened(self) -> None:
        """Collaboration papers list the first authors and a count, not 300 names."""
        authors = tuple(f"Author {i:03d}" for i in range(1, 301))
        [message] = render_reply(Reply((card(make_paper(authors=authors)),)))
        text = visible_text(message.html)
        assert "Authors: Author 001, Author 002" in text
        assert "Author 011" not in text
        assert "et al. (300 authors)" in text

    def test_extractive_note_is_the_footer(self) -> None:
        """When the summary carries a note (extractive fallback), the footer is that note: it
        says where the sentences come from, so no "From the abstract" contradicts it."""
        summary = make_summary(
            backend="extractive",
            model=None,
            extractive=True,
            note="Model unavailable: sentences taken from the paper <as is>.",
        )
        [message] = render_reply(Reply((card(summary=summary),)))
        assert message.html.endswith(
            "<i>Model unavailable: sentences taken from the paper &lt;as is&gt;.</i>"
        )


class TestReply:
    async def test_notices_escaped(self, bot: Bot, fake: TelegramFake) -> None:
        """Notices are plain escaped text; errors are marked with a warning sign."""
        reply = Reply(
            (
                Notice("Use /summarize <arXiv id> & wait"),
                Notice("Gemini is busy, try later.", Tone.ERROR),
                Notice("Showing a cached summary.", Tone.WARNING),
            )
        )
        [sent] = await deliver(bot, fake, render_reply(reply))
        assert sent.visible == (
            "Use /summarize <arXiv id> & wait\n\n⚠️ Gemini is busy, try later.\n\n"
            "Showing a cached summary."
        )
        assert sent.buttons == []

    async def test_long_notice_split(self, bot: Bot, fake: TelegramFake) -> None:
        """A notice longer than a message is split, every piece accepted."""
        text = "\n".join(f"{i}. 2401.{i:05d} <cs.LG> & more" for i in range(400))
        sent = await deliver(bot, fake, render_reply(Reply.notice(text)))
        assert len(sent) >= 3
        assert squash("".join(m.visible for m in sent)) == squash(text)

    def test_each_card_has_its_own_messages_and_buttons(self) -> None:
        """Two cards never share a message; each last message has that card's buttons."""
        first, second = card(), card(make_paper(arxiv_id="2405.00002", version=1))
        messages = render_reply(Reply((Notice("Two papers:"), first, second, Notice("Done."))))
        assert len(messages) == 2
        assert visible_text(messages[0].html).startswith("Two papers:\n\nAttention")
        assert visible_text(messages[1].html).endswith("Done.")
        assert messages[0].buttons[0][0].url == "https://arxiv.org/pdf/2405.00001v2"
        assert messages[1].buttons[0][0].url == "https://arxiv.org/pdf/2405.00002v1"

    def test_empty_reply(self) -> None:
        """Nothing to say renders no message (an empty sendMessage would be refused)."""
        assert render_reply(Reply()) == []
        assert render_reply(Reply.notice("   ")) == []


class TestVisibleLength:
    @pytest.mark.parametrize(
        ("markup", "length"),
        [
            ("<b>x</b>", 1),
            ("&lt;b&gt;", 3),
            ("&amp;&quot;&#39;&#x1F600;", 5),
            ("😀", 2),
            ('<a href="https://a.org/?a&amp;b">ab</a>', 2),
            ("<blockquote expandable>q\nr</blockquote>", 3),
        ],
    )
    def test_counts_like_telegram(self, markup: str, length: int) -> None:
        """Tags are free, entities count once, astral characters twice (UTF-16)."""
        assert visible_length(markup) == length
