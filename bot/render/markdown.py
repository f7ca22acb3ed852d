"""Markdown in the layout of the digests our users read (see docs/format.md)."""

from __future__ import annotations

import html
import re

from bot.core.messages import Notice, PaperCard, PaperList, Reply, Tone
from bot.render.labels import labels_for
from bot.render.outline import outline, render_items

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def escape(text: str) -> str:
    """Escape Markdown syntax in arXiv and model text so it renders literally."""
    return _SPECIAL.sub(r"\\\1", text)


def render_card(
    card: PaperCard,
    heading_level: int = 2,
    *,
    abstract: bool = False,
    numbered_analysis: bool = False,
    author_limit: int = 10,
    footer: str | None = None,
    figures: tuple[str, ...] = (),
) -> str:
    """One paper card: title, authors, links, summary, takeaways, analysis, keywords, footer.

    The exported digest page (digest_markdown.py) adds the abstract, numbers the analysis like
    the digests it imitates, shows longer author lists, and replaces the footer ("" drops it).
    """
    o = outline(card, author_limit=author_limit)
    hashes = "#" * heading_level
    links = " · ".join(f"[{escape(link.label)}]({link.url})" for link in o.links)
    out = [f"{hashes} {escape(o.title)}", ""]
    if o.title_translation:
        out += [f"*{escape(o.title_translation)}*", ""]
    out += [f"**{o.authors_heading}:** {escape(o.authors)}", ""]
    if o.affiliations:
        out += [f"**{o.affiliations_heading}:** {escape(o.affiliations)}", ""]
    if abstract:
        out += [escape(card.paper.abstract), ""]
    out += [
        f"arXiv:{o.arxiv_id} · {links}",
        "",
        f"**{o.tldr_heading}**",
        "",
        escape(o.tldr),
        "",
        f"**{o.takeaways_heading}**",
        "",
    ]
    out += [f"{i}. {escape(t)}" for i, t in enumerate(o.takeaways, 1)]
    out += ["", f"**{o.analysis_heading}**", ""]
    for number, section in enumerate(o.analysis, 1):
        bullet, indent = (f"{number}.", "    ") if numbered_analysis else ("-", "  ")
        if section.parts:
            out.append(f"{bullet} **{section.heading}**")
            out += [f"{indent}- **{p.heading}:** {escape(p.text)}" for p in section.parts]
        else:
            out.append(f"{bullet} **{section.heading}:** {escape(section.text)}")
    if o.keywords:
        out += ["", f"**{o.keywords_heading}:** " + ", ".join(escape(k) for k in o.keywords)]
    if figures:  # image paths written by --assets, shown folded like the digests we imitate
        summary = labels_for(card.summary.language)["figures_folded"]
        out += ["", "<details>", f"  <summary>{html.escape(summary)}</summary>"]
        out += [f'<img src="{html.escape(path)}" align="middle">' for path in figures]
        out.append("</details>")
    shown = o.footer if footer is None else footer
    if shown:
        out += ["", f"> {escape(shown)}"]
    return "\n".join(out)


def render_notice(notice: Notice) -> str:
    """A notice as a Markdown paragraph (warnings and errors as a quote)."""
    if notice.tone is Tone.INFO:
        return escape(notice.text)
    return "> " + escape(notice.text).replace("\n", "\n> ")


def render_list(papers: PaperList) -> str:
    """A compact digest as a numbered list: linked title, then the one-line summary."""
    return "\n".join(
        f"{i}. [{escape(c.paper.title)}]({c.paper.abs_url}): {escape(c.summary.tldr)}"
        for i, c in enumerate(papers.cards, 1)
    )


def render_reply(reply: Reply) -> str:
    """A whole reply as one Markdown document."""
    parts = render_items(reply, render_card, render_list, render_notice)
    return "\n\n".join(parts) + "\n"
