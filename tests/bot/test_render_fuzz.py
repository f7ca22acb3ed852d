"""Every renderer, fed hostile text of any length in every slot: Telegram's messages stay valid
for the strict fake's HTML parser and within 4096 visible characters; the text formats never
raise and always carry the paper's title and id."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.messages import Notice, PaperCard, PaperList, Reply, Tone
from bot.render import markdown, plain
from bot.render.json_document import card_document
from bot.render.telegram_html import render_reply
from papers.models import Paper
from summarizer.schema import Summary
from tests.fakes.telegram_entities import parse_html, utf16_len
from tests.fakes.telegram_records import MAX_TEXT_LENGTH, strip_parsed
from tests.strategies import TEXT, papers, summaries

CARDS = st.tuples(papers(), summaries(), st.booleans(), st.booleans(), st.booleans())


def _card(drawn: tuple[Paper, Summary, bool, bool, bool]) -> PaperCard:
    paper, summary, brief, full, provisional = drawn
    return PaperCard(paper, summary, brief=brief, full=full, provisional=provisional)


@given(st.lists(CARDS, min_size=1, max_size=3), TEXT, st.booleans())
def test_telegram_messages_are_valid_html_within_the_limit(
    drawn: list[tuple[Paper, Summary, bool, bool, bool]], notice: str, as_list: bool
) -> None:
    cards = [_card(d) for d in drawn]
    items = (PaperList(tuple(cards)),) if as_list else tuple(cards)
    messages = render_reply(Reply((Notice(notice, Tone.WARNING), *items)))
    assert messages
    for message in messages:
        visible = strip_parsed(parse_html(message.html)).text  # raises on HTML Telegram refuses
        assert visible and utf16_len(visible) <= MAX_TEXT_LENGTH
        for row in message.buttons:
            for button in row:
                assert (button.callback_data is None) != (button.url is None)
                assert button.callback_data is None or len(button.callback_data.encode()) <= 64
    first_card = cards[0]
    shown = "".join(strip_parsed(parse_html(m.html)).text for m in messages)
    assert first_card.paper.arxiv_id in shown or as_list


@given(CARDS, TEXT)
def test_plain_markdown_and_json_never_raise(drawn: tuple[Paper, Summary, bool, bool, bool], notice: str) -> None:
    card = _card(drawn)
    reply = Reply((Notice(notice), card, PaperList((card,))))
    for render in (plain.render_reply, markdown.render_reply):
        text = render(reply)
        assert card.paper.versioned_id in text
    assert card_document(card)["arxiv_id"].startswith(card.paper.arxiv_id)
