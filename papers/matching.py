"""An index of one listing's papers by word and category, so that each of many topics is scored
only against the papers that could match it (issue 9: 10,000 topics against one announcement).

The index never decides a match: it narrows the papers handed to ``papers.query.matches`` to a
superset of those it would accept (every required word present, a wanted category held).
"""

from __future__ import annotations

from collections.abc import Sequence

from papers.categories import canonical_category, equivalent_categories
from papers.models import Paper
from papers.query import Topic, required_words, text_words

__all__ = ["ListingIndex"]


class ListingIndex:
    """Positions of a listing's papers by the words of their title and abstract and by category."""

    def __init__(self, papers: Sequence[Paper]) -> None:
        self.size = len(papers)
        self._words: dict[str, set[int]] = {}
        self._categories: dict[str, set[int]] = {}
        for position, paper in enumerate(papers):
            for word in text_words(paper.title) | text_words(paper.abstract):
                self._words.setdefault(word, set()).add(position)
            for code in paper.categories:
                self._categories.setdefault(canonical_category(code) or code, set()).add(position)

    def candidates(self, topic: Topic) -> list[int]:
        """Positions (ascending) of the papers that may match ``topic``; the rest cannot."""
        narrowing: list[set[int]] = []
        if topic.kind != "query" and topic.categories:
            wanted = set().union(*(equivalent_categories(c) for c in topic.categories))
            narrowing.append(set().union(*(self._categories.get(c, ()) for c in wanted)))
        words = required_words(topic)
        if words:
            narrowing += [self._words.get(word, set()) for word in words]
        if not narrowing:
            return list(range(self.size))
        narrowing.sort(key=len)
        found = set(narrowing[0])
        for other in narrowing[1:]:
            if not found:
                break
            found &= other
        return sorted(found)
