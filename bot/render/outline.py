"""The shape of a rendered paper card, decided once; each renderer only chooses the markup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.messages import Action, ActionKind, FigureAlbum, Notice, PaperCard, PaperList, Reply
from bot.render.labels import labels_for, model_credit, shorten_authors
from summarizer.schema import Summary


@dataclass(frozen=True, slots=True)
class Link:
    """A labelled link in the card's links row."""

    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Section:
    """A heading with prose, or with sub-sections (the conclusion)."""

    heading: str
    text: str = ""
    parts: tuple[Section, ...] = ()


@dataclass(frozen=True, slots=True)
class CardOutline:
    """Everything a card shows, in display order, already localised."""

    title: str
    title_translation: str  # the title in the summary's language ("" for English or unknown)
    arxiv_id: str
    authors_heading: str
    authors: str
    affiliations_heading: str
    affiliations: str  # "" when the paper's front matter gave none
    links: tuple[Link, ...]
    tldr_heading: str
    tldr: str
    takeaways_heading: str
    takeaways: tuple[str, ...]
    analysis_heading: str
    analysis: tuple[Section, ...]
    keywords_heading: str
    keywords: tuple[str, ...]
    footer: str  # provenance: what it was written from, who wrote it, or why it is extractive


def outline(card: PaperCard, *, author_limit: int = 10) -> CardOutline:
    """Lay out one card in the summary's language: metadata from arXiv, prose from the summary."""
    paper, summary = card.paper, card.summary
    lab = labels_for(summary.language)
    links = [Link(lab["abstract"], paper.abs_url), Link(lab["pdf"], paper.pdf_url)]
    if paper.code_url:
        links.append(Link(lab["code"], paper.code_url))
    a = summary.analysis
    conclusion = Section(
        lab["conclusion"],
        parts=(
            Section(lab["significance"], a.conclusion.significance),
            Section(lab["strengths"], a.conclusion.strengths),
            Section(lab["limitations"], a.conclusion.limitations),
        ),
    )
    if summary.extractive and summary.note:
        # Its note says where the sentences were taken from; a source line ("From the full
        # text" / "From the abstract") would only contradict it (issue 11).
        footer = summary.note
    elif summary.note:
        footer = f"{_source_line(summary, lab)} · {summary.note}"
    else:
        credit = lab["by_model"].format(model=model_credit(summary.backend, summary.model))
        footer = f"{_source_line(summary, lab)} · {credit}"
    if card.provisional:
        footer = f"{lab['provisional']} · {footer}"
    return CardOutline(
        title=paper.title,
        title_translation=summary.title_translation or "",
        arxiv_id=paper.versioned_id,
        authors_heading=lab["authors"],
        authors=shorten_authors(paper.authors, summary.language, author_limit),
        affiliations_heading=lab["affiliations"],
        affiliations="; ".join(summary.affiliations),
        links=tuple(links),
        tldr_heading=lab["tldr"],
        tldr=summary.tldr,
        takeaways_heading=lab["takeaways"],
        takeaways=summary.takeaways,
        analysis_heading=lab["analysis"],
        analysis=(
            Section(lab["background"], a.background),
            Section(lab["prior_work"], a.prior_work),
            Section(lab["method"], a.method),
            Section(lab["results"], a.results),
            conclusion,
        ),
        keywords_heading=lab["keywords"],
        keywords=summary.keywords,
        footer=footer,
    )


def _source_line(summary: Summary, lab: dict[str, str]) -> str:
    """What the summary was written from: the full text, or the abstract (and why)."""
    if summary.source in ("html", "pdf"):
        return lab["from_full_text"]
    if summary.source_note:
        return lab["from_abstract_because"].format(reason=summary.source_note)
    return lab["from_abstract"]


def action_label(action: Action, language: str) -> str:
    """A card's extra action as a button label, in the card's language ("Figures")."""
    lab = labels_for(language)
    return {ActionKind.FIGURES: lab["figures"]}.get(action.kind, action.kind.value.title())


def album_text(album: FigureAlbum) -> str:
    """A figure album where images cannot be shown: its labels and captions, or why there are
    none, and where to see them."""
    lines = [figure.caption or figure.label for figure in album.figures]
    if album.note:
        lines.append(album.note)
    if album.link:
        lines.append(album.link)
    return "\n".join(lines)


def render_items(
    reply: Reply,
    card: Callable[[PaperCard], str],
    paper_list: Callable[[PaperList], str],
    notice: Callable[[Notice], str],
    album: Callable[[FigureAlbum], str] | None = None,
) -> list[str]:
    """Each item of a reply rendered by the matching function of one text format, in order
    (figure albums as text unless the format shows images)."""
    rendered = []
    for item in reply.items:
        if isinstance(item, PaperCard):
            rendered.append(card(item))
        elif isinstance(item, PaperList):
            rendered.append(paper_list(item))
        elif isinstance(item, FigureAlbum):
            rendered.append((album or album_text)(item))
        else:
            rendered.append(notice(item))
    return rendered
