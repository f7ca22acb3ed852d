"""Telegram HTML for replies: escaped, balanced, and within 4096 visible characters per message."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.core.messages import FigureAlbum, Notice, PaperCard, PaperList, Reply, Tone
from bot.render.outline import CardOutline, Section, action_label, album_text, outline
from bot.render.split import HTML, split_blocks

# Telegram's limits, counted after entity parsing in UTF-16 code units
# (telegram.constants.MessageLimit.MAX_TEXT_LENGTH / CAPTION_LENGTH).
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

__all__ = [
    "MAX_CAPTION_LENGTH",
    "MAX_TEXT_LENGTH",
    "Button",
    "TelegramMessage",
    "card_blocks",
    "card_buttons",
    "escape",
    "render_card",
    "render_notice",
    "render_reply",
    "visible_length",
    "visible_text",
]


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: opens ``url`` or sends ``callback_data`` back to the bot."""

    text: str
    url: str | None = None
    callback_data: str | None = None


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    """One sendMessage call: HTML text (parse_mode HTML) and rows of inline buttons."""

    html: str
    buttons: tuple[tuple[Button, ...], ...] = ()


_TAG = re.compile(r"<[^>]*>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot);|&#(\d+);|&#[xX]([0-9a-fA-F]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode(match: re.Match[str]) -> str:
    named, decimal, hexa = match.groups()
    if named:
        return _NAMED[named]
    return chr(int(decimal) if decimal else int(hexa, 16))


def visible_text(markup: str) -> str:
    """What Telegram shows for our HTML: tags removed, the entities Telegram knows decoded."""
    return _ENTITY.sub(_decode, _TAG.sub("", markup))


def visible_length(markup: str) -> int:
    """Length as Telegram measures it: visible text in UTF-16 code units."""
    return len(visible_text(markup).encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Make arXiv or model text safe between tags (``&``, ``<``, ``>``)."""
    return html.escape(text, quote=False)


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _oneline(text: str) -> str:
    return " ".join(text.split())


def _analysis(o: CardOutline) -> str:
    body = "\n\n".join(_section(section) for section in o.analysis)
    return f"<b>{escape(o.analysis_heading)}</b>\n<blockquote expandable>{body}</blockquote>"


def _section(section: Section) -> str:
    if not section.parts:
        return f"<b>{escape(section.heading)}</b>\n{escape(section.text.strip())}"
    lines = [f"<b>{escape(p.heading)}:</b> {escape(p.text.strip())}" for p in section.parts]
    return f"<b>{escape(section.heading)}</b>\n" + "\n".join(lines)


def card_blocks(card: PaperCard) -> list[str]:
    """A paper card as balanced HTML blocks in display order (the splitter keeps them whole)."""
    o = outline(card)
    links = " · ".join(f'<a href="{_attr(link.url)}">{escape(link.label)}</a>' for link in o.links)
    takeaways = "\n".join(f"{i}. {escape(t.strip())}" for i, t in enumerate(o.takeaways, 1))
    translated = f"<i>{escape(_oneline(o.title_translation))}</i>\n" if o.title_translation else ""
    affiliations = (
        f"<b>{escape(o.affiliations_heading)}:</b> {escape(_oneline(o.affiliations))}\n"
        if o.affiliations else ""
    )
    blocks = [
        (
            f'<b><a href="{_attr(card.paper.abs_url)}">{escape(_oneline(o.title))}</a></b>\n'
            f"{translated}"
            f"<b>{escape(o.authors_heading)}:</b> {escape(_oneline(o.authors))}\n"
            f"{affiliations}"
            f"arXiv:{escape(o.arxiv_id)} · {links}"
        ),
        f"<b>{escape(o.tldr_heading)}</b>\n{escape(o.tldr.strip())}",
        f"<b>{escape(o.takeaways_heading)}</b>\n{takeaways}",
        _analysis(o),
    ]
    if o.keywords:
        keywords = ", ".join(escape(k) for k in o.keywords)
        blocks.append(f"<b>{escape(o.keywords_heading)}:</b> {keywords}")
    blocks.append(f"<i>{escape(o.footer)}</i>")
    return blocks


def card_buttons(card: PaperCard) -> tuple[tuple[Button, ...], ...]:
    """One row of link buttons: PDF, Abstract, and Code when the paper names a repository."""
    paper = card.paper
    labels = {link.url: link.label for link in outline(card).links}
    row = [
        Button(labels.get(paper.pdf_url, "PDF"), url=paper.pdf_url),
        Button(labels.get(paper.abs_url, "Abstract"), url=paper.abs_url),
    ]
    code = paper.code_url
    if code and code.startswith(("https://", "http://")):  # Telegram refuses other button URLs
        row.append(Button(labels.get(code, "Code"), url=code))
    actions = tuple(
        Button(action_label(action, card.summary.language), callback_data=action.token)
        for action in card.actions
    )
    return (tuple(row), actions) if actions else (tuple(row),)


def render_card(card: PaperCard, *, limit: int = MAX_TEXT_LENGTH) -> list[TelegramMessage]:
    """One card as one or more messages; the buttons go under the last one."""
    return render_reply(Reply((card,)), limit=limit)


def render_notice(notice: Notice) -> str:
    """A notice as escaped text; errors get a warning sign, warnings are set in italics."""
    text = escape(notice.text.strip())
    if notice.tone is Tone.ERROR:
        return f"⚠️ {text}"
    if notice.tone is Tone.WARNING:
        return f"<i>{text}</i>"
    return text


def render_reply(reply: Reply, *, limit: int = MAX_TEXT_LENGTH) -> list[TelegramMessage]:
    """A whole reply: notices share messages with the card that follows them; each card starts
    a new message and carries its own buttons."""
    units: list[tuple[list[str], PaperCard | PaperList | None]] = [([], None)]
    for item in reply.items:
        if isinstance(item, PaperCard | PaperList):
            if units[-1][1] is not None:
                units.append(([], None))
            blocks = card_blocks(item) if isinstance(item, PaperCard) else list_blocks(item)
            units[-1] = (units[-1][0] + blocks, item)
        elif isinstance(item, FigureAlbum):  # images go out as photos (the adapter's job)
            if not item.figures and (item.note or item.link):
                units[-1][0].append(escape(album_text(item)))
        elif item.text.strip():
            units[-1][0].append(render_notice(item))
    messages: list[TelegramMessage] = []
    for blocks, owner in units:
        texts = split_blocks(blocks, limit, visible_length, syntax=HTML)
        messages += [TelegramMessage(text) for text in texts]
        if owner is not None and texts:
            buttons = card_buttons(owner) if isinstance(owner, PaperCard) else list_buttons(owner)
            messages[-1] = TelegramMessage(texts[-1], buttons)
    return messages


def list_blocks(papers: PaperList) -> list[str]:
    """A compact digest: per paper its number, linked title and one-line summary."""
    return [
        f'<b>{i}.</b> <a href="{_attr(c.paper.abs_url)}">{escape(_oneline(c.paper.title))}</a>\n'
        f"{escape(c.summary.tldr.strip())}"
        for i, c in enumerate(papers.cards, 1)
    ]


def list_buttons(papers: PaperList) -> tuple[tuple[Button, ...], ...]:
    """Numbered buttons (five a row) that expand a paper of the list into its full card."""
    buttons = [
        Button(str(i), callback_data=c.expand.token)
        for i, c in enumerate(papers.cards, 1)
    ]
    return tuple(tuple(buttons[i : i + 5]) for i in range(0, len(buttons), 5))
