"""The one ranking rule of digests: which listed papers match, and in what order."""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.supply import Listed
from papers.models import Paper
from papers.query import Topic, matches

# New versions of papers announced before: a digest is about new papers.
SKIPPED_TYPES = frozenset({"replace", "replace-cross"})


def rank(candidates: Iterable[tuple[Topic, Listed]]) -> list[Paper]:
    """Papers matching their topic, each once at its best score, best first (score, newest, id).

    A paper listed for several topics of one chat (or in several cycles) appears once.
    """
    scored: dict[str, tuple[float, Paper]] = {}
    for topic, item in candidates:
        if item.announce_type in SKIPPED_TYPES:
            continue
        p = item.paper
        score = matches(topic, p.title, p.abstract, p.categories, p.authors)
        if score > 0 and score > scored.get(p.arxiv_id, (0.0, p))[0]:
            scored[p.arxiv_id] = (score, p)
    ranked = sorted(
        scored.values(), key=lambda sp: (-sp[0], -sp[1].published.timestamp(), sp[1].arxiv_id)
    )
    return [paper for _, paper in ranked]
