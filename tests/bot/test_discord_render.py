"""Discord rendering: what a Discord user sees, and every limit Discord enforces, for any paper."""

from __future__ import annotations

import json
import re
from itertools import cycle, islice

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.messages import Notice, PaperCard, PaperList, Reply, Tone
from bot.render.discord_embed import (
    MAX_BUTTON_URL,
    MAX_CONTENT,
    MAX_CUSTOM_ID,
    MAX_DESCRIPTION,
    MAX_EMBEDS,
    MAX_FIELD_NAME,
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    MAX_FOOTER,
    MAX_LABEL,
    MAX_ROW_BUTTONS,
    MAX_ROWS,
    MAX_TITLE,
    MAX_TOTAL,
    DiscordButton,
    DiscordMessage,
    escape,
    render_reply,
)
from papers.models import Paper
from summarizer.schema import Analysis, Conclusion, Summary
from tests.builders import DAWN_TITLE, make_paper, make_summary
from tests.strategies import TEXT, papers, summaries

SECTIONS = ("background", "prior_work", "method", "results")
EN_FIELDS = [
    "Authors", "Key takeaways", "Background", "Prior work and its problems", "Method", "Results",
    "Significance", "Strengths", "Limitations", "Keywords",
]  # fmt: skip
# A markup character not preceded by an escaping backslash.
UNESCAPED = re.compile(r"(?:^|[^\\])(?:\\\\)*[*_~|`\[\]<]")


def assert_within_discord_limits(message: DiscordMessage) -> None:
    """Every limit Discord checks on one message (a violation is HTTP 400 for the user)."""
    assert message.content or message.embeds, "an empty message"
    assert len(message.content) <= MAX_CONTENT == 2000
    assert len(message.embeds) <= MAX_EMBEDS == 10
    assert sum(len(embed) for embed in message.embeds) <= MAX_TOTAL == 6000
    for embed in message.embeds:
        assert embed, "an empty embed"
        assert len(embed.title or "") <= MAX_TITLE == 256 and "\n" not in (embed.title or "")
        assert embed.url is None or re.fullmatch(r"https?://\S+", embed.url)
        assert len(embed.description or "") <= MAX_DESCRIPTION == 4096
        assert len(embed.fields) <= MAX_FIELDS == 25
        for field in embed.fields:
            assert field.name and field.name.strip()
            assert len(field.name) <= MAX_FIELD_NAME == 256
            assert field.value and field.value.strip()
            assert len(field.value) <= MAX_FIELD_VALUE == 1024
        assert len(embed.footer.text or "") <= MAX_FOOTER == 2048
        json.dumps(embed.to_dict())  # what discord.py sends
    assert len(message.buttons) <= MAX_ROWS == 5
    custom_ids = []
    for row in message.buttons:
        assert 1 <= len(row) <= MAX_ROW_BUTTONS == 5
        for button in row:
            assert button.label.strip() and len(button.label) <= MAX_LABEL == 80
            assert (button.url is None) != (button.action is None)
            if button.url is not None:
                assert re.fullmatch(r"https?://\S+", button.url)
                assert len(button.url) <= MAX_BUTTON_URL == 512
            else:
                assert button.action and len(button.action) <= MAX_CUSTOM_ID == 100
                custom_ids.append(button.action)
    assert len(custom_ids) == len(set(custom_ids)), "custom_ids repeat within a message"


def render(*items: Notice | PaperCard | PaperList) -> list[DiscordMessage]:
    """render_reply, checked against every limit."""
    messages = render_reply(Reply(items))
    for message in messages:
        assert_within_discord_limits(message)
    return messages


def shown(markdown: str) -> str:
    """The text Discord shows for escaped markdown: escapes consumed, mention guards dropped."""
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", markdown).replace("@\u200b", "@")


def squeeze(text: str) -> str:
    return "".join(text.split())


def buttons(message: DiscordMessage) -> list[DiscordButton]:
    return [button for row in message.buttons for button in row]


def field(embed: discord.Embed, name: str) -> str:
    return next(f.value for f in embed.fields if f.name == name) or ""


def long_analysis(size: int = 3000) -> Analysis:
    """Sections of ``size`` characters, each sentence numbered so a loss would show."""

    def text(name: str) -> str:
        sentences = (
            f"{name} sentence {i} says something *useful* here." for i in range(size // 20)
        )
        return " ".join(sentences)[:size].rsplit(" ", 1)[0] + "."

    return Analysis(
        **{name: text(name) for name in SECTIONS},
        conclusion=Conclusion(
            significance=text("significance"),
            strengths=text("strengths"),
            limitations=text("limitations"),
        ),
    )


def brief_cards(count: int, start: int = 0) -> list[PaperCard]:
    return [
        PaperCard(make_paper(arxiv_id=f"2410.{i:05d}"), make_summary(), brief=True)
        for i in range(start, start + count)
    ]


class TestCard:
    def test_dawn_card(self) -> None:
        card = PaperCard(make_paper(), make_summary())
        [message] = render(card)
        [embed] = message.embeds
        assert embed.title == DAWN_TITLE
        assert embed.url == "https://arxiv.org/abs/2410.13726v2"
        assert embed.description == (
            "DAWN generates talking-head videos all at once with non-autoregressive diffusion.\n\n"
            "[PDF](https://arxiv.org/pdf/2410.13726v2) · "
            "[Abstract](https://arxiv.org/abs/2410.13726v2) · "
            "[Code](https://github.com/Hanbo-Cheng/DAWN-pytorch)"
        )
        assert [f.name for f in embed.fields] == EN_FIELDS
        assert field(embed, "Key takeaways").startswith(
            "1. Autoregressive talking-head generators accumulate errors and are slow.\n2. DAWN"
        )
        assert field(embed, "Limitations") == "The abstract reports no user study."
        assert field(embed, "Keywords") == "talking head, diffusion, non-autoregressive"
        assert embed.footer.text == (
            "arXiv:2410.13726v2 · cs.CV, cs.AI · "
            "From the abstract · Summarized by Gemini (gemini-2.5-flash). Check the paper before relying on it."
        )
        assert message.buttons == (
            (
                DiscordButton("PDF", url="https://arxiv.org/pdf/2410.13726v2"),
                DiscordButton("Abstract", url="https://arxiv.org/abs/2410.13726v2"),
                DiscordButton("Code", url="https://github.com/Hanbo-Cheng/DAWN-pytorch"),
            ),
        )
        assert "…" not in json.dumps(embed.to_dict(), ensure_ascii=False)

    def test_no_code_link_without_an_http_repository(self) -> None:
        [message] = render(PaperCard(make_paper(code_url="git@github.com:x/y"), make_summary()))
        assert [b.label for b in buttons(message)] == ["PDF", "Abstract"]
        assert "Code" not in (message.embeds[0].description or "")

    def test_markup_in_the_title_renders_literally(self) -> None:
        title = "**Bold** _it_ ~~gone~~ ||spoiler|| `code` [x](https://evil.example) <#1> @everyone"
        [message] = render(PaperCard(make_paper(title=f"  {title}\n  and more "), make_summary()))
        shown_title = message.embeds[0].title or ""
        assert shown_title.startswith(r"\*\*Bold\*\* \_it\_ \~\~gone\~\~ \|\|spoiler\|\| \`code\`")
        assert r"\[x\](https://evil.example) \<#1> @" + "\u200beveryone" in shown_title
        assert not UNESCAPED.search(shown_title)
        assert shown(shown_title) == title + " and more"  # one line, every character kept

    def test_a_300_character_title_is_cut_at_a_word(self) -> None:
        title = " ".join(["Transformers"] * 25)  # 324 characters
        [message] = render(PaperCard(make_paper(title=title), make_summary()))
        shown_title = message.embeds[0].title or ""
        assert len(shown_title) <= 256 and shown_title.endswith("Transformers…")
        assert "Full analysis" not in [b.label for b in buttons(message)]  # no section was cut

    def test_two_hundred_authors_are_shortened(self) -> None:
        authors = tuple(f"Author Number{i}" for i in range(200))
        [message] = render(PaperCard(make_paper(authors=authors), make_summary()))
        shown_authors = field(message.embeds[0], "Authors")
        assert shown_authors.startswith("Author Number0, Author Number1")
        assert shown_authors.endswith("Author Number9 et al. (200 authors)")

    def test_a_5000_character_tldr_is_shortened_with_a_full_analysis_button(self) -> None:
        tldr = "This sentence is part of a very long summary. " * 110
        card = PaperCard(make_paper(), make_summary(tldr=tldr))
        [message] = render(card)
        description = message.embeds[0].description or ""
        assert description.startswith("This sentence is part")
        assert "part of a very long summary.…\n\n[PDF](" in description  # cut after a sentence
        assert buttons(message)[-1] == DiscordButton("Full analysis", action=card.analysis.token)
        assert card.analysis.token == "analysis:2410.13726v2"

    def test_long_sections_are_cut_fairly_with_an_ellipsis(self) -> None:
        analysis = long_analysis()
        card = PaperCard(make_paper(), make_summary(analysis=analysis))
        [message] = render(card)
        [embed] = message.embeds
        assert [f.name for f in embed.fields] == EN_FIELDS  # every section still shown
        method = field(embed, "Method")
        assert method.endswith("…") and len(method) > 400  # a fair share of the 6000
        head = shown(method[:-1])
        assert analysis.method.startswith(head) and analysis.method[len(head)] == " "  # a word
        assert field(embed, "Key takeaways") == field(
            render(PaperCard(make_paper(), make_summary()))[0].embeds[0], "Key takeaways"
        )  # short fields stay whole
        assert len(embed) > 5500
        assert buttons(message)[-1] == DiscordButton("Full analysis", action=card.analysis.token)

    def test_chinese_labels(self) -> None:
        [message] = render(PaperCard(make_paper(), make_summary("zh")))
        [embed] = message.embeds
        assert [f.name for f in embed.fields] == [
            "作者", "要点", "研究背景", "过去的方法及问题", "研究方法", "任务与性能",
            "意义", "创新点与优势", "局限性", "关键词",
        ]  # fmt: skip
        assert "[摘要页](https://arxiv.org/abs/2410.13726v2)" in (embed.description or "")
        assert [b.label for b in buttons(message)] == ["PDF", "摘要页", "代码"]
        assert "由 Gemini (gemini-2.5-flash) 生成的总结" in (embed.footer.text or "")


class TestFullCard:
    def test_every_character_of_every_section(self) -> None:
        analysis = long_analysis()
        tldr = "A summary sentence that goes on. " * 160  # > 5000 characters
        card = PaperCard(make_paper(), make_summary(tldr=tldr, analysis=analysis), full=True)
        messages = render(card)
        assert len(messages) >= 4
        embeds = [embed for message in messages for embed in message.embeds]
        assert sum(len(embed) for embed in embeds) > 23_000
        text = "\n".join(f"{f.name}\n{f.value}" for e in embeds for f in e.fields)
        assert "…" not in text and "…" not in (embeds[0].description or "")
        for name, heading in zip(SECTIONS, EN_FIELDS[2:6], strict=True):
            values = [f.value or "" for e in embeds for f in e.fields
                      if f.name in (heading, heading + " (cont.)")]  # fmt: skip
            assert len(values) >= 3
            assert squeeze(shown("".join(values))) == squeeze(getattr(analysis, name))
        summary = (embeds[0].description or "").split("\n\n[PDF]")[0] + "".join(
            f.value or "" for e in embeds for f in e.fields if f.name == "Summary (cont.)"
        )
        assert squeeze(summary) == squeeze(tldr)
        assert embeds[-1].footer.text and all(not e.footer.text for e in embeds[:-1])

    def test_link_buttons_on_the_last_message_only(self) -> None:
        card = PaperCard(make_paper(), make_summary(analysis=long_analysis()), full=True)
        messages = render(card)
        assert len(messages) >= 2 and all(not m.buttons for m in messages[:-1])
        assert [b.label for b in buttons(messages[-1])] == ["PDF", "Abstract", "Code"]

    def test_a_short_full_card_is_one_message(self) -> None:
        [message] = render(PaperCard(make_paper(), make_summary(), full=True))
        assert [f.name for f in message.embeds[0].fields] == EN_FIELDS


class TestDigest:
    def test_a_batch_of_ten_is_one_message(self) -> None:
        cards = brief_cards(10)
        [message] = render(*cards)
        assert len(message.embeds) == 10
        assert sum(len(embed) for embed in message.embeds) <= 6000
        first = message.embeds[0]
        assert first.title == DAWN_TITLE and first.url == "https://arxiv.org/abs/2410.00000v2"
        assert first.description == (
            "*Hanbo Cheng, Limin Lin, Chenyu Liu et al. (8 authors)*\n\n"
            "DAWN generates talking-head videos all at once with non-autoregressive diffusion.\n\n"
            "1. Autoregressive talking-head generators accumulate errors and are slow.\n"
            "2. DAWN generates a whole dynamic-length video at once.\n"
            "3. Lip motion, head pose and blinks are driven by the audio."
        )
        assert (first.footer.text or "").startswith("arXiv:2410.00000v2 · cs.CV, cs.AI · From the abstract · Summ")
        assert [len(row) for row in message.buttons] == [5, 5]
        assert [b.action for b in buttons(message)] == [c.expand.token for c in cards]
        label = buttons(message)[0].label
        assert label.startswith("▸ DAWN: Dynamic Frame") and label.endswith("…")
        assert len(label) <= 80

    def test_long_summaries_share_the_budget(self) -> None:
        summary = make_summary(
            tldr="Long " * 200, takeaways=tuple(f"Takeaway {i} " * 30 for i in range(7))
        )
        cards = [PaperCard(make_paper(arxiv_id=f"2410.{i:05d}"), summary, brief=True)
                 for i in range(10)]  # fmt: skip
        [message] = render(*cards)
        assert all(len(embed) <= 600 for embed in message.embeds)

    def test_fifteen_papers_in_batches_of_ten_and_five(self) -> None:
        first = render(*brief_cards(10))
        second = render(*brief_cards(5, start=10))
        assert len(first) == len(second) == 1
        assert len(second[0].embeds) == 5 and [len(r) for r in second[0].buttons] == [5]

    def test_fifteen_papers_in_one_reply(self) -> None:
        messages = render(Notice("Today's papers"), *brief_cards(15))
        assert [len(m.embeds) for m in messages] == [10, 5]
        assert messages[0].content == "Today's papers"

    def test_one_button_per_paper_even_when_repeated(self) -> None:
        card = brief_cards(1)[0]
        [message] = render(card, card)
        assert len(message.embeds) == 2 and len(buttons(message)) == 1

    async def test_discord_py_accepts_the_buttons(self) -> None:
        [message] = render(*brief_cards(10))
        view = discord.ui.View()
        for row_number, row in enumerate(message.buttons):
            for button in row:
                view.add_item(
                    discord.ui.Button(label=button.label, custom_id=button.action, row=row_number)
                )
        assert len(view.children) == 10


class TestPaperList:
    def test_fifty_papers_continue_their_numbering(self) -> None:
        cards = [
            PaperCard(make_paper(arxiv_id=f"2410.{i:05d}", title=f"Paper [{i}] *bold*"),
                      make_summary(tldr=f"Summary {i}. " * 20))
            for i in range(1, 51)
        ]  # fmt: skip
        messages = render(PaperList(tuple(cards)))
        assert len(messages) >= 2
        descriptions = [m.embeds[0].description or "" for m in messages]
        number = re.compile(r"^\*\*(\d+)\.\*\*", re.MULTILINE)
        numbers = [int(n) for d in descriptions for n in number.findall(d)]
        assert numbers == list(range(1, 51))
        assert descriptions[0].startswith(
            r"**1.** [Paper \[1\] \*bold\*](https://arxiv.org/abs/2410.00001v2)" + "\nSummary 1."
        )
        labels = [b.label for m in messages for b in buttons(m)]
        assert labels == [str(i) for i in range(1, 51)]
        assert [b.action for m in messages for b in buttons(m)] == [c.expand.token for c in cards]


class TestNotices:
    def test_a_long_notice_is_split(self) -> None:
        text = "\n\n".join(f"Paragraph {i}: " + "words and *stars* " * 20 for i in range(40))
        messages = render(Notice(text))
        assert len(messages) >= 5 and all(m.content and not m.embeds for m in messages)
        assert squeeze(shown("".join(m.content for m in messages))) == squeeze(text)

    def test_tones(self) -> None:
        messages = render(
            Notice("Plain @here"), Notice("Careful\nsecond line", Tone.WARNING),
            Notice("Broken_thing", Tone.ERROR),
        )  # fmt: skip
        assert [m.content for m in messages] == [
            "Plain @\u200bhere\n\n*Careful*\n*second line*\n\n⚠️ Broken\\_thing"
        ]

    def test_a_notice_rides_with_the_card_that_follows(self) -> None:
        messages = render(Notice("Here it is:"), PaperCard(make_paper(), make_summary()))
        assert len(messages) == 1 and messages[0].content == "Here it is:"
        assert messages[0].embeds

    def test_a_trailing_notice_gets_its_own_message(self) -> None:
        messages = render(PaperCard(make_paper(), make_summary()), Notice("That was all."))
        assert [m.content for m in messages] == ["", "That was all."]

    def test_empty_reply(self) -> None:
        assert render() == [] and render(Notice("  ")) == []

    def test_escape_keeps_urls_and_neutralises_lists(self) -> None:
        assert escape("see https://x.org/a_b_c.") == "see https://x.org/a_b_c."
        assert escape("a\n\n  - item\n# head") == "a\n\n\\- item\n\\# head"


# --- random papers: every limit, for every kind of card ---------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(papers(), summaries()), min_size=1, max_size=3), TEXT)
def test_any_paper_keeps_every_discord_limit(
    papers: list[tuple[Paper, Summary]], notice: str
) -> None:
    """Hostile text of any length in every slot: a normal, a full, a brief batch, a list."""
    paper, summary = papers[0]
    card = PaperCard(paper, summary)
    batch = [PaperCard(p, s, brief=True) for p, s in islice(cycle(papers), 10)]
    normal = render(Notice(notice), card)
    assert normal[-1].embeds and len(normal[-1].embeds) == 1
    full = render(PaperCard(paper, summary, full=True))
    assert full and not any(b.action for m in full for b in buttons(m))
    digest = render(*batch)
    assert len(digest) == 1 and len(digest[0].embeds) == 10
    render(PaperList(tuple(batch)), Notice(notice, Tone.WARNING))
