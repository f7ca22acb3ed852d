"""The one ranking rule of digests: which listed papers match, and in what order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from papers.categories import equivalent_categories
from papers.models import Paper
from papers.query import Topic, matches

# New versions of papers announced before: a digest is about new papers.
SKIPPED_TYPES = frozenset({"replace", "replace-cross"})


@dataclass(frozen=True, slots=True)
class Listed:
    """A paper version in a cycle's listing, and why it is listed (new, cross, replace…)."""

    paper: Paper
    announce_type: str


@dataclass(frozen=True, slots=True)
class Match:
    """A listed paper that matches a topic, how well, and whether it is only a cross-list there."""

    paper: Paper
    score: float
    cross: bool  # its primary category is none of the topic's categories


def score(topic: Topic, listed: Sequence[Listed], among: Iterable[int]) -> list[Match]:
    """The papers at positions ``among`` of ``listed`` that match ``topic`` (new papers only).

    Whether a paper is a cross-list is decided here, for the topic: a feed read for a whole
    archive lists a cs.LG paper cross-listed to cs.CV as "new", but for a cs.CV topic it is a
    cross-list. Free text without categories and raw queries have no home category.
    """
    wanted = _home_categories(topic)
    found = []
    for position in among:
        item = listed[position]
        if item.announce_type in SKIPPED_TYPES:
            continue
        p = item.paper
        value = matches(topic, p.title, p.abstract, p.categories, p.authors)
        if value > 0:
            cross = bool(wanted) and not (equivalent_categories(p.primary_category) & wanted)
            found.append(Match(p, value, cross))
    return found


def rank_matches(found: Iterable[Match]) -> list[Paper]:
    """Each paper once at its best score, best first (score, newest, id)."""
    best: dict[str, tuple[float, Paper]] = {}
    for match in found:
        p = match.paper
        if match.score > best.get(p.arxiv_id, (0.0, p))[0]:
            best[p.arxiv_id] = (match.score, p)
    ranked = sorted(
        best.values(), key=lambda sp: (-sp[0], -sp[1].published.timestamp(), sp[1].arxiv_id)
    )
    return [paper for _, paper in ranked]


def rank(candidates: Iterable[tuple[Topic, Listed]]) -> list[Paper]:
    """Papers matching their topic, each once at its best score, best first (score, newest, id).

    A paper listed for several topics of one chat (or in several cycles) appears once.
    """
    found: list[Match] = []
    for topic, item in candidates:
        found += score(topic, [item], [0])
    return rank_matches(found)


def _home_categories(topic: Topic) -> frozenset[str]:
    if topic.kind == "query" or not topic.categories:
        return frozenset()
    return frozenset().union(*(equivalent_categories(c) for c in topic.categories))
