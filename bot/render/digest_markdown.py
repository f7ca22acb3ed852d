"""A topic digest as a Markdown page for static sites (``paperboy digest --format markdown``).

The layout follows shared/examples/digest-example.zh.md, the page our users publish: YAML front
matter (title = the topic, date, author, categories, tags, description, keywords), a quoted
note saying who wrote the summaries, a localized date header, then one ``## Title`` section per
paper: authors, the arXiv abstract, links, and the card's summary, takeaways and analysis.

Front matter values are written as JSON strings, which YAML reads as double-quoted scalars, so
a topic or title with ``:``, ``#`` or quotes cannot break the page. ``date`` is the moment
arXiv announced the mailing (UTC), so the same digest rendered twice is the same page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Final

from bot.core.messages import PaperCard
from bot.core.topic_digest import TopicDigest
from bot.render.labels import labels_for, model_credit
from bot.render.markdown import escape, render_card

AUTHOR: Final = "paperboy"
CATEGORY: Final = "Paper"
_DESCRIPTION_TITLES = 3  # papers named in the front matter's description
_AUTHOR_LIMIT = 30  # a web page has room for longer author lists than a chat card


def phrase(language: str, key: str) -> str:
    """A digest-page phrase in ``language`` (English when the language has none)."""
    return labels_for(language).get(key) or labels_for("en")[key]


def render_digest(digest: TopicDigest, figures: dict[str, tuple[str, ...]] | None = None) -> str:
    """The whole page: front matter, note, date header, one section per paper."""
    lang, day = digest.language, digest.mailing.day.isoformat()
    parts = [front_matter(digest)]
    note = provenance_note(digest)
    if note:
        parts.append("> ⚠️ " + escape(note))
    parts.append("# " + phrase(lang, "digest_update").format(date=day))
    if digest.mailing.quiet is not None:
        parts.append(phrase(lang, f"digest_{digest.mailing.quiet}").format(date=day))
    elif not digest.cards:
        nothing = phrase(lang, "digest_nothing")
        parts.append(escape(nothing.format(topic=digest.topic.label, date=day)))
    figures = figures or {}
    parts += [
        render_paper(card, shown_note=note, figures=figures.get(card.paper.versioned_id, ()))
        for card in digest.cards
    ]
    return "\n\n".join(parts) + "\n"


def front_matter(digest: TopicDigest) -> str:
    """The YAML header static-site generators (Hexo, Hugo, Jekyll) read."""
    topic, day = digest.topic.label, digest.mailing.day
    titles = "  ".join(card.paper.title for card in digest.cards[:_DESCRIPTION_TITLES])
    description = phrase(digest.language, "digest_description").format(
        topic=topic, date=day.isoformat(), titles=titles
    )
    when = digest.mailing.announcement or datetime.combine(day, time(0), tzinfo=UTC)
    tags = [topic, *(c for c in digest.topic.categories if c != topic)]
    lines = [
        "---",
        f"title: {_yaml(topic)}",
        f"date: {when.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S')}",
        f"author: {_yaml(AUTHOR)}",
        f"categories: {_yaml(CATEGORY)}",
        "tags:",
        *(f"    - {_yaml(tag)}" for tag in tags),
        f"description: {_yaml(description.strip())}",
        f"keywords: {_yaml(topic)}",
        f"lang: {_yaml(digest.language)}",
        "---",
    ]
    return "\n".join(lines)


def provenance_note(digest: TopicDigest) -> str:
    """Who wrote the summaries: the model(s) when any card is model-written, else "extractive"."""
    models = dict.fromkeys(
        model_credit(c.summary.backend, c.summary.model)
        for c in digest.cards
        if not c.summary.extractive
    )
    if models:
        return phrase(digest.language, "digest_by_model").format(model=", ".join(models))
    notes = {c.summary.note for c in digest.cards}
    if len(notes) == 1 and (only := notes.pop()):
        return only  # the extractive backend's own note, in the digest's language
    return phrase(digest.language, "digest_extractive") if digest.cards else ""


def render_paper(card: PaperCard, *, shown_note: str = "", figures: tuple[str, ...] = ()) -> str:
    """One paper's section: title, authors, abstract, links, summary, takeaways, analysis.

    The card's own note (a fallback, an untranslated summary) is added unless it is
    ``shown_note``, the one the page already shows at the top.
    """
    note = card.summary.note
    return render_card(
        card, 2, abstract=True, numbered_analysis=True, author_limit=_AUTHOR_LIMIT,
        footer=note if note and note != shown_note else "", figures=figures,
    )


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)
