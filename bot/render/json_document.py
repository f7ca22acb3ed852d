"""A paper card as a JSON document (``paperboy summarize --format json``): stable, versioned keys."""

from __future__ import annotations

from typing import Any

from bot.core.messages import PaperCard

SCHEMA_VERSION = 1


def card_document(card: PaperCard) -> dict[str, Any]:
    """Metadata from arXiv plus every summary field, and where the summary came from."""
    paper, summary = card.paper, card.summary
    return {
        "schema_version": SCHEMA_VERSION,
        "id": paper.versioned_id,
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "authors": list(paper.authors),
        "affiliations": list(summary.affiliations),
        "published": paper.published.isoformat(),
        "updated": paper.updated.isoformat(),
        "primary_category": paper.primary_category,
        "categories": list(paper.categories),
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "links": {"abs": paper.abs_url, "pdf": paper.pdf_url, "code": paper.code_url},
        "summary": {
            "language": summary.language,
            "tldr": summary.tldr,
            "takeaways": list(summary.takeaways),
            "analysis": summary.analysis.model_dump(),
            "keywords": list(summary.keywords),
            "backend": summary.backend,
            "model": summary.model,
            "extractive": summary.extractive,
            "note": summary.note,
            "title_translation": summary.title_translation,
            "source": summary.source,
            "source_note": summary.source_note,
        },
        "cached": card.cached,
    }
