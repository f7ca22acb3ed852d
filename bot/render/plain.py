"""Plain text for the console and for readable test failures."""

from __future__ import annotations

import textwrap

from bot.core.messages import Notice, PaperCard, PaperList, Reply, Tone
from bot.render.outline import outline, render_items

_WIDTH = 100


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, _WIDTH, initial_indent=indent, subsequent_indent=indent) or indent


def render_card(card: PaperCard) -> str:
    """One paper card as plain text."""
    o = outline(card)
    lines = [o.title, "=" * min(len(o.title), _WIDTH)]
    if o.title_translation:
        lines.append(_wrap(o.title_translation))
    lines.append(_wrap(f"{o.authors_heading}: {o.authors}"))
    if o.affiliations:
        lines.append(_wrap(f"{o.affiliations_heading}: {o.affiliations}"))
    lines.append(" | ".join(f"{link.label}: {link.url}" for link in o.links))
    lines += ["", f"{o.tldr_heading}:", _wrap(o.tldr, "  "), "", f"{o.takeaways_heading}:"]
    lines += [_wrap(f"{i}. {t}", "  ") for i, t in enumerate(o.takeaways, 1)]
    lines += ["", f"{o.analysis_heading}:"]
    for section in o.analysis:
        if section.parts:
            lines.append(f"  {section.heading}:")
            lines += [_wrap(f"{p.heading}: {p.text}", "    ") for p in section.parts]
        else:
            lines.append(_wrap(f"{section.heading}: {section.text}", "  "))
    if o.keywords:
        lines += ["", f"{o.keywords_heading}: {', '.join(o.keywords)}"]
    lines += ["", _wrap(f"({o.footer})")]
    return "\n".join(lines)


def render_notice(notice: Notice) -> str:
    """A notice as plain text; errors and warnings are prefixed so they stand out in a terminal."""
    prefix = {Tone.INFO: "", Tone.WARNING: "Note: ", Tone.ERROR: "Sorry: "}[notice.tone]
    return prefix + notice.text


def render_list(papers: PaperList) -> str:
    """A compact digest: numbered titles with their one-line summaries and links."""
    lines = []
    for i, card in enumerate(papers.cards, 1):
        lines.append(_wrap(f"{i}. {card.paper.title}"))
        lines.append(_wrap(card.summary.tldr, "   "))
        lines.append(f"   {card.paper.abs_url}")
    lines.append("(/summarize <id> shows any of them in full)")
    return "\n".join(lines)


def render_reply(reply: Reply) -> str:
    """A whole reply: its items separated by blank lines."""
    parts = render_items(reply, render_card, render_list, render_notice)
    return "\n\n".join(parts)
