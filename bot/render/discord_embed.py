"""Discord messages for replies: embeds and buttons that keep every Discord limit for any paper.

A card is one embed (shortened with a visible "…" and a "Full analysis" button when it would not
fit), a full card continues over as many fields, embeds and messages as it needs, brief digest
cards share messages, and a compact list is a numbered embed with numbered buttons. Text is cut
before it is escaped, so a cut never falls inside an escape sequence or a link.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.core.messages import Figure, FigureAlbum, Notice, PaperCard, PaperList, Reply, Tone
from bot.render.labels import labels_for
from bot.render.outline import CardOutline, Link, action_label, album_text, outline
from bot.render.split import MARKDOWN, PLAIN, split_blocks, split_text

# Discord's limits (discord-api-docs resources/message.mdx, "Embed Limits"; components).
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_TOTAL = 6000  # title + description + field names and values + footer, all embeds of a message
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_ROWS = 5
MAX_ROW_BUTTONS = 5
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
MAX_BUTTON_URL = 512

__all__ = [
    "MAX_BUTTON_URL", "MAX_CONTENT", "MAX_CUSTOM_ID", "MAX_DESCRIPTION", "MAX_EMBEDS",
    "MAX_FIELDS", "MAX_FIELD_NAME", "MAX_FIELD_VALUE", "MAX_FOOTER", "MAX_LABEL", "MAX_ROWS",
    "MAX_ROW_BUTTONS", "MAX_TITLE", "MAX_TOTAL", "DiscordButton", "DiscordMessage", "card_buttons",
    "escape", "render_card", "render_notice", "render_reply",
]  # fmt: skip

ELLIPSIS = "…"
COLOUR = 0xB31B1B  # arXiv red: every embed of one reply looks like one family
FOOTER_BUDGET = 512  # provenance is one or two sentences; a runaway note must not eat the card
BRIEF_AUTHORS = 3  # a digest entry names the first few authors only
LIST_TITLE = 200  # a compact list entry: title and tldr kept short so many papers fit
LIST_TLDR = 300
CONTINUED = " (cont.)"
EXPAND_MARK = "▸ "


@dataclass(frozen=True, slots=True)
class DiscordButton:
    """A button under a message: a link (style 5) or an action the core handles when pressed."""

    label: str  # ≤ 80 characters
    url: str | None = None  # only http(s)
    action: str | None = None  # an Action.token, used as the custom_id

    def __post_init__(self) -> None:
        if (self.url is None) == (self.action is None):
            raise ValueError("a button has exactly one of url and action")


@dataclass(frozen=True, slots=True)
class DiscordMessage:
    """One message (or one interaction response or followup): text, embeds, rows of buttons."""

    content: str = ""
    embeds: tuple[discord.Embed, ...] = ()
    buttons: tuple[tuple[DiscordButton, ...], ...] = ()
    files: tuple[Figure, ...] = ()  # attached images (a paper's figures)


# --- escaping and cutting -------------------------------------------------------------------

_URL = re.compile(r"(https?://[^\s<]+[^<.,:;\"'\]\s])")  # a group: re.split keeps URLs
_SAFE_URL = re.compile(r"https?://[^\s()<>\[\]\"'`]+")
# Brackets and "<" are escaped apart from escape_markdown: they stand in for noncharacters
# (Unicode's "internal use" code points, dropped from the input) while it runs, so its slow
# masked-link pattern never sees a bracket.
_HIDDEN = (("[", "\ufdd0", r"\["), ("]", "\ufdd1", r"\]"), ("<", "\ufdd2", r"\<"))


def escape(text: str) -> str:
    """Make arXiv, model or user text render literally in Discord markdown, mentions inert.

    Lines are stripped (``escape_markdown`` would otherwise leave ``  - item`` a list) and
    escaped one by one; bare URLs stay clickable; brackets (masked-link text stays plain) and
    ``<`` (``<#channel>``, ``<t:…>`` stay inert) are escaped too.
    """
    return "\n".join(_escape_line(line.strip()) for line in text.splitlines())


@lru_cache(maxsize=4096)  # the splitter measures growing prefixes: their lines repeat
def _escape_line(line: str) -> str:
    for _, hidden, _ in _HIDDEN:
        line = line.replace(hidden, "")
    pieces = _URL.split(line)
    for i in range(0, len(pieces), 2):  # the odd pieces are URLs
        pieces[i] = _escape_words(pieces[i])
    return escape_mentions("".join(pieces))


def _escape_words(text: str) -> str:
    for char, hidden, _ in _HIDDEN:
        text = text.replace(char, hidden)
    text = escape_markdown(text, ignore_links=False)
    for _, hidden, escaped in _HIDDEN:
        text = text.replace(hidden, escaped)
    return text


def _oneline(text: str) -> str:
    return " ".join(text.split())


def _prose(text: str) -> str:
    """Paragraphs kept, lines stripped, runs of blank lines made one."""
    lines = [line.strip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def _http_url(url: str | None) -> str | None:
    """The URL if Discord accepts it in a link, a button and a masked link; else None."""
    if url and len(url) <= MAX_BUTTON_URL and _SAFE_URL.fullmatch(url):
        return url
    return None


def _clip(raw: str, limit: int, render: Callable[[str], str] = escape) -> tuple[str, bool]:
    """``render(raw)`` within ``limit``: whole if it fits, else cut at the coarsest good
    boundary (paragraph, line, sentence, word) with "…"; True when cut."""
    whole = render(raw)
    if len(whole) <= limit:
        return whole, False
    room = limit - len(ELLIPSIS)
    if room < 1:
        return "", True
    # Rendering prepared text only adds characters: no more than this prefix can fit.
    head = split_text(raw[: room + 1], room, lambda s: len(render(s)), syntax=PLAIN)[0]
    return render(head) + ELLIPSIS, True


def _pieces(raw: str, limit: int) -> list[str]:
    """All of ``raw``, escaped, in pieces of at most ``limit``, cut at good boundaries."""
    pieces = split_text(raw, limit, lambda s: len(escape(s)), syntax=PLAIN)
    return [escape(piece) for piece in pieces]


def _shares(wants: Sequence[int], budget: int) -> list[int]:
    """Fair allowances within ``budget``: short texts whole, long ones cut to one equal share."""
    if sum(wants) <= budget:
        return list(wants)
    low, high = 0, max(wants)
    while low < high:
        mid = (low + high + 1) // 2
        if sum(min(want, mid) for want in wants) <= budget:
            low = mid
        else:
            high = mid - 1
    return [min(want, low) for want in wants]


# --- the parts of a card --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Text:
    """A field before budgeting: its heading and its raw (unescaped) text."""

    name: str
    raw: str


def _sections(o: CardOutline) -> list[_Text]:
    """The card's fields in display order, empty ones left out (Discord refuses them)."""
    takeaways = [_oneline(t) for t in o.takeaways if t.strip()]
    texts = [
        _Text(o.authors_heading, _oneline(o.authors)),
        _Text(o.affiliations_heading, _oneline(o.affiliations)),
        _Text(o.takeaways_heading, "\n".join(f"{i}. {t}" for i, t in enumerate(takeaways, 1))),
    ]
    for section in o.analysis:
        texts += [_Text(part.heading, _prose(part.text)) for part in section.parts or (section,)]
    keywords = [_oneline(k) for k in o.keywords if k.strip()]
    texts.append(_Text(o.keywords_heading, ", ".join(keywords)))
    return [text for text in texts if text.raw]


def _links(card: PaperCard, o: CardOutline) -> list[Link]:
    """PDF, Abstract, and Code when the paper names an http(s) repository."""
    paper = card.paper
    labels = {link.url: link.label for link in o.links}
    links = [Link(labels.get(paper.pdf_url, "PDF"), paper.pdf_url)]
    links.append(Link(labels.get(paper.abs_url, "Abstract"), paper.abs_url))
    if paper.code_url:
        links.append(Link(labels.get(paper.code_url, "Code"), paper.code_url))
    return [Link(link.label, url) for link in links if (url := _http_url(link.url))]


def _links_line(card: PaperCard, o: CardOutline) -> str:
    return " · ".join(f"[{escape(link.label)}]({link.url})" for link in _links(card, o))


def _footer(card: PaperCard, o: CardOutline, limit: int) -> str:
    """``arXiv:<id> · <categories> · <provenance>``; footers show no markdown, so plain."""
    categories = ", ".join(card.paper.categories or (card.paper.primary_category,))
    parts = [f"arXiv:{o.arxiv_id}", categories, o.footer]
    return _clip(" · ".join(_oneline(p) for p in parts if p.strip()), limit, _oneline)[0]


def _embed(card: PaperCard, o: CardOutline, title_limit: int = MAX_TITLE) -> discord.Embed:
    """An embed titled with the paper, linked to its abstract page."""
    title = _clip(_oneline(o.title) or f"arXiv:{o.arxiv_id}", title_limit)[0]
    return discord.Embed(title=title, url=_http_url(card.paper.abs_url), colour=COLOUR)


def _field_name(heading: str) -> str:
    return _clip(_oneline(heading), MAX_FIELD_NAME)[0]


# --- one card -------------------------------------------------------------------------------


def _card_embed(card: PaperCard) -> tuple[discord.Embed, bool]:
    """The card as one embed; True when some text had to be shortened to fit."""
    o = outline(card)
    embed = _embed(card, o)
    footer = _footer(card, o, FOOTER_BUDGET)
    links = _links_line(card, o)
    # The title in the reader's language opens the description (the digests' 标题 line).
    translated = f"*{escape(_oneline(o.title_translation))}*" if o.title_translation else ""
    around = len(links) + 2 + (len(translated) + 2 if translated else 0)
    texts = [_Text("", _prose(o.tldr)), *_sections(o)]
    names = [_field_name(text.name) for text in texts[1:]]
    fixed = len(embed.title or "") + len(footer) + around + sum(len(n) for n in names)
    caps = [MAX_DESCRIPTION - around] + [MAX_FIELD_VALUE] * len(names)
    wants = [min(len(escape(text.raw)), cap) for text, cap in zip(texts, caps, strict=True)]
    clipped = [_clip(t.raw, share) for t, share in zip(texts, _shares(wants, MAX_TOTAL - fixed))]
    embed.description = "\n\n".join(
        part for part in (translated, clipped[0][0], links) if part
    )
    for name, (value, _) in zip(names, clipped[1:], strict=True):
        if value:
            embed.add_field(name=name, value=value, inline=False)
    embed.set_footer(text=footer)
    return embed, any(cut for _, cut in clipped)


def _full_embeds(card: PaperCard) -> list[discord.Embed]:
    """The whole card: sections too long for a field continue in "(cont.)" fields and embeds."""
    o = outline(card)
    footer = _footer(card, o, FOOTER_BUDGET)
    tldr = _pieces(_prose(o.tldr), MAX_FIELD_VALUE) if o.tldr.strip() else []
    first = _embed(card, o)
    first.description = "\n\n".join(tldr[:1] + [_links_line(card, o)]).strip() or None
    continued = labels_for(card.summary.language).get("continued", CONTINUED)
    fields = [(_field_name(o.tldr_heading + continued), piece) for piece in tldr[1:]]
    for text in _sections(o):
        pieces = _pieces(text.raw, MAX_FIELD_VALUE)
        fields.append((_field_name(text.name), pieces[0]))
        fields += [(_field_name(text.name + continued), piece) for piece in pieces[1:]]
    embeds, current = [], first
    for name, value in fields:
        room = MAX_TOTAL - len(current) - len(footer)
        if len(current.fields) == MAX_FIELDS or len(name) + len(value) > room:
            embeds.append(current)
            current = discord.Embed(colour=COLOUR)
        current.add_field(name=name, value=value, inline=False)
    current.set_footer(text=footer)
    return [*embeds, current]


def card_buttons(card: PaperCard, *, shortened: bool = False) -> tuple[DiscordButton, ...]:
    """Link buttons PDF, Abstract, Code; "Full analysis" when the card had to be shortened."""
    o = outline(card)
    row = [
        DiscordButton(_clip(link.label, MAX_LABEL, _oneline)[0], url=link.url)
        for link in _links(card, o)
    ]
    token = card.analysis.token
    if shortened and len(token) <= MAX_CUSTOM_ID:
        label = labels_for(card.summary.language).get("full_analysis", "Full analysis")
        row.append(DiscordButton(label, action=token))
    row += [
        DiscordButton(action_label(action, card.summary.language), action=action.token)
        for action in card.actions if len(action.token) <= MAX_CUSTOM_ID
    ]
    return tuple(row)


def render_card(card: PaperCard) -> list[DiscordMessage]:
    """One card: a single shortened embed, or (``full``) as many messages as it takes."""
    if not card.full:
        embed, shortened = _card_embed(card)
        buttons = _rows(card_buttons(card, shortened=shortened))
        return [DiscordMessage(embeds=(embed,), buttons=buttons)]
    messages = [DiscordMessage(embeds=group) for group in _pack(_full_embeds(card))]
    return [*messages[:-1], replace(messages[-1], buttons=_rows(card_buttons(card)))]


def _pack(embeds: Sequence[discord.Embed]) -> list[tuple[discord.Embed, ...]]:
    """Embeds in order, as few messages as ≤ 10 embeds and ≤ 6000 characters allow."""
    groups: list[list[discord.Embed]] = []
    for embed in embeds:
        last = groups[-1] if groups else []
        if last and len(last) < MAX_EMBEDS and sum(map(len, last)) + len(embed) <= MAX_TOTAL:
            last.append(embed)
        else:
            groups.append([embed])
    return [tuple(group) for group in groups]


def _rows(buttons: Sequence[DiscordButton]) -> tuple[tuple[DiscordButton, ...], ...]:
    """Five buttons a row; a custom_id appears once per message (Discord refuses repeats)."""
    kept: list[DiscordButton] = []
    seen: set[str] = set()
    for button in buttons:
        if button.action in seen:
            continue
        kept.append(button)
        if button.action:
            seen.add(button.action)
    kept = kept[: MAX_ROWS * MAX_ROW_BUTTONS]
    step = MAX_ROW_BUTTONS
    return tuple(tuple(kept[i : i + step]) for i in range(0, len(kept), step))


# --- digests --------------------------------------------------------------------------------


def _brief_embed(card: PaperCard, budget: int) -> discord.Embed:
    """A digest entry within ``budget``: linked title, a few authors, the tldr, and as many
    whole takeaways as the rest of the budget allows."""
    o = outline(card, author_limit=BRIEF_AUTHORS)
    embed = _embed(card, o, min(MAX_TITLE, budget // 4))
    footer = _footer(card, o, min(FOOTER_BUDGET, budget // 4))
    room = min(MAX_DESCRIPTION, budget - len(embed.title or "") - len(footer))
    authors = _clip(_oneline(o.authors), room // 4 - 2)[0]
    blocks = [f"*{authors}*"] if authors else []
    used = len(blocks[0]) + 2 if blocks else 0
    tldr = _clip(_prose(o.tldr), room - used)[0]
    blocks += [tldr] if tldr else []
    lines: list[str] = []
    for i, takeaway in enumerate((t for t in o.takeaways if t.strip()), 1):
        line = f"{i}. {escape(_oneline(takeaway))}"
        if len("\n\n".join([*blocks, "\n".join([*lines, line])])) > room:
            break
        lines.append(line)
    embed.description = "\n\n".join(blocks + (["\n".join(lines)] if lines else [])) or None
    embed.set_footer(text=footer)
    return embed


def _expand_button(card: PaperCard, label: str) -> list[DiscordButton]:
    token = card.expand.token
    return [DiscordButton(label, action=token)] if len(token) <= MAX_CUSTOM_ID else []


def _title_button(card: PaperCard) -> list[DiscordButton]:
    """▸ and the shortened title: which paper a button opens, readable on a phone."""
    title = _oneline(card.paper.title) or card.paper.versioned_id
    short = _clip(title, MAX_LABEL - len(EXPAND_MARK), _oneline)[0]
    return _expand_button(card, EXPAND_MARK + short)


def _brief_messages(cards: Sequence[PaperCard]) -> list[DiscordMessage]:
    """Digest cards ten to a message, each embed with an equal share of the 6000 characters."""
    messages = []
    for start in range(0, len(cards), MAX_EMBEDS):
        batch = cards[start : start + MAX_EMBEDS]
        budget = MAX_TOTAL // len(batch)
        embeds = tuple(_brief_embed(card, budget) for card in batch)
        buttons = [button for card in batch for button in _title_button(card)]
        messages.append(DiscordMessage(embeds=embeds, buttons=_rows(buttons)))
    return messages


def _list_entry(number: int, card: PaperCard) -> str:
    title = _clip(_oneline(card.paper.title) or card.paper.versioned_id, LIST_TITLE)[0]
    url = _http_url(card.paper.abs_url)
    linked = f"[{title}]({url})" if url else title
    tldr = _clip(_oneline(card.summary.tldr), LIST_TLDR)[0]
    return f"**{number}.** {linked}" + (f"\n{tldr}" if tldr else "")


def _list_messages(papers: PaperList) -> list[DiscordMessage]:
    """A numbered list embed with numbered buttons; more papers continue the numbering."""
    batches: list[list[tuple[int, str, PaperCard]]] = []
    for number, card in enumerate(papers.cards, 1):
        entry = _list_entry(number, card)
        batch = batches[-1] if batches else []
        size = len("\n\n".join([e for _, e, _ in batch] + [entry]))
        if not batch or len(batch) == MAX_ROWS * MAX_ROW_BUTTONS or size > MAX_DESCRIPTION:
            batches.append([])
        batches[-1].append((number, entry, card))
    return [_list_message(batch) for batch in batches]


def _list_message(batch: Sequence[tuple[int, str, PaperCard]]) -> DiscordMessage:
    description = "\n\n".join(entry for _, entry, _ in batch)
    embed = discord.Embed(description=description, colour=COLOUR)
    buttons = [b for number, _, card in batch for b in _expand_button(card, str(number))]
    return DiscordMessage(embeds=(embed,), buttons=_rows(buttons))


# --- notices and whole replies --------------------------------------------------------------


def render_notice(notice: Notice) -> str:
    """A notice as escaped markdown: errors get a warning sign, warnings are set in italics."""
    text = notice.text.strip()
    if notice.tone is Tone.WARNING:  # italics per line: no split or blank line leaves * open
        return "\n".join(f"*{line}*" if line else "" for line in escape(text).split("\n"))
    if notice.tone is Tone.ERROR:
        return f"⚠️ {escape(text)}"
    return escape(text)


def _notice_texts(notices: Sequence[Notice]) -> list[str]:
    """Notices as message contents of at most 2000 characters, in order."""
    blocks = [block for notice in notices for block in _notice_blocks(notice)]
    return split_blocks(blocks, MAX_CONTENT, len, syntax=MARKDOWN)


def _notice_blocks(notice: Notice) -> list[str]:
    """A notice in rendered pieces ≤ 2000, cut raw so a cut never falls inside an escape."""

    def measure(text: str) -> int:
        return len(render_notice(Notice(text, notice.tone)))

    pieces = split_text(notice.text.strip(), MAX_CONTENT, measure, syntax=PLAIN)
    return [render_notice(Notice(piece, notice.tone)) for piece in pieces]


_Unit = Notice | PaperCard | PaperList | FigureAlbum | tuple[PaperCard, ...]
MAX_FILES = 10  # attachments per message
MAX_MESSAGE_BYTES = 24 * 1024 * 1024  # a whole message request is at most 25 MiB


def _album_messages(album: FigureAlbum) -> list[DiscordMessage]:
    """Figures as attachments (≤ 10 and ≤ 25 MiB a message) under their captions; without
    figures, why not and where to see them."""
    if not album.figures:
        text = escape(album_text(album))
        return [DiscordMessage(text[:MAX_CONTENT])] if text else []
    messages: list[DiscordMessage] = []
    batch: list[Figure] = []
    for figure in album.figures:
        size = sum(len(f.data) for f in batch) + len(figure.data)
        if batch and (len(batch) == MAX_FILES or size > MAX_MESSAGE_BYTES):
            messages.append(_figures_message(batch, "" if messages else album.note))
            batch = []
        batch.append(figure)
    messages.append(_figures_message(batch, "" if messages else album.note))
    return messages


def _figures_message(figures: list[Figure], credit: str = "") -> DiscordMessage:
    head = [f"-# {escape(credit)}"] if credit else []  # small print: source and licence
    share = (MAX_CONTENT - sum(len(h) + 1 for h in head)) // len(figures) - 2
    captions = [_clip(f.caption or f.label, share)[0] for f in figures]
    return DiscordMessage("\n".join(head + captions)[:MAX_CONTENT], files=tuple(figures))


def _units(items: Sequence[Notice | PaperCard | PaperList | FigureAlbum]) -> Iterator[_Unit]:
    """Reply items, with consecutive brief cards gathered into one digest batch."""
    batch: list[PaperCard] = []
    for item in items:
        if isinstance(item, PaperCard) and item.brief and not item.full:
            batch.append(item)
            continue
        if batch:
            yield tuple(batch)
            batch = []
        yield item
    if batch:
        yield tuple(batch)


def _with_notices(notices: Sequence[Notice], body: list[DiscordMessage]) -> list[DiscordMessage]:
    """Notices before a body: the last piece rides in the body's first message."""
    texts = _notice_texts(notices)
    if not texts or not body:
        return [DiscordMessage(text) for text in texts] + body
    first = replace(body[0], content=texts[-1])
    return [DiscordMessage(text) for text in texts[:-1]] + [first, *body[1:]]


def render_reply(reply: Reply) -> list[DiscordMessage]:
    """A whole reply in order: notices as text, cards and lists as embeds with buttons."""
    messages: list[DiscordMessage] = []
    notices: list[Notice] = []
    for unit in _units(reply.items):
        if isinstance(unit, Notice):
            notices.append(unit)
            continue
        if isinstance(unit, tuple):
            body = _brief_messages(unit)
        elif isinstance(unit, FigureAlbum):
            body = _album_messages(unit)
        elif isinstance(unit, PaperList):
            body = _list_messages(unit)
        else:
            body = render_card(unit)
        messages += _with_notices(notices, body)
        notices = []
    return messages + _with_notices(notices, [])
