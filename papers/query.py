"""Topics a chat follows: parse what the user typed, turn it into an arXiv query, match papers.

Three forms (``Topic.kind``): free text (``talking head generation``, ``"diffusion models" video``),
arXiv categories (``cs.CV``, ``cs.CV cs.LG``), and raw arXiv queries (``cat:cs.CV AND
abs:avatar``). Any form takes exclusions (``-survey``, ``-"review paper"``). ``Topic.query`` is the
normalized text that identifies a subscription, and ``parse_topic(topic.query)`` gives the same
topic back, so storage keeps only that string.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from papers.categories import (
    ARCHIVES_WITH_SUBJECTS,
    canonical_category,
    categories_in_archive,
    equivalent_categories,
)
from papers.query_syntax import (
    TAXONOMY_URL,
    InvalidTopic,
    Node,
    Term,
    Token,
    clean_text,
    evaluate,
    is_operator,
    looks_like_query,
    parse_query,
    quote,
    render,
    terms,
    tokenize,
    unknown_category,
)

__all__ = [
    "MAX_TEXT_CHARS",
    "InvalidTopic",
    "Topic",
    "TopicKind",
    "matches",
    "parse_topic",
    "required_words",
    "text_words",
    "to_arxiv_query",
]

TopicKind = Literal["text", "category", "query"]
MAX_TEXT_CHARS = 200

# Too common to search for or to leave out; they still count in a topic's phrase.
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it",
    "its", "of", "on", "or", "the", "their", "this", "to", "using", "via", "with",
})  # fmt: skip
# Archive codes that are never English words: alone, they mean "the whole archive".
_ARCHIVE_CODES = frozenset({"cs", "eess", "q-bio", "q-fin", "astro-ph", "cond-mat", "nlin"})
_CATEGORY_LIKE = re.compile(r"([a-z-]+)\.[a-z-]+")
_WORD = re.compile(r"\w+")
_EDGE_PUNCTUATION = ".,;:!?()[]{}<>'`"


@dataclass(frozen=True, slots=True)
class Topic:
    """One thing a chat follows, parsed and normalized; ``query`` is its identity."""

    kind: TopicKind
    query: str  # normalized: equal for "Talking  Head" and "talking head"
    label: str  # what the user typed, trimmed, for display
    include: tuple[str, ...] = ()  # words and phrases searched for (lower case)
    exclude: tuple[str, ...] = ()  # words and phrases that rule a paper out
    categories: tuple[str, ...] = ()  # canonical codes: the topic (category) or a filter (text)
    expression: Node | None = None  # the parsed raw query (kind "query")


def parse_topic(text: str) -> Topic:
    """The topic a user typed, or InvalidTopic with a message saying what to change."""
    label = clean_text(text)
    tokens = tokenize(label)
    if looks_like_query(tokens):
        return _query_topic(label, tokens)
    return _plain_topic(label, tokens)


def _plain_topic(label: str, tokens: list[Token]) -> Topic:
    categories: list[str] = []
    include: list[str] = []
    exclude: list[str] = []
    for token in tokens:
        if token.kind in ("(", ")"):
            continue  # "NeRF (neural radiance fields)": brackets in prose are punctuation
        if token.negated:
            exclude.append(_exclusion(token))
            continue
        category = _category_of(token.text) if token.kind == "word" else None
        if category is not None:
            categories.append(category)
        elif text := _term_text(token):
            include.append(text)
    include = list(dict.fromkeys(include))
    if categories and all(t in STOP_WORDS for t in include):
        include = []
    excluded = _check_sides(include, sorted(set(exclude)), bool(categories))
    if include and len(label) > MAX_TEXT_CHARS:
        raise InvalidTopic(
            f"That topic is {len(label)} characters long; keep free text under "
            f"{MAX_TEXT_CHARS} characters (a few precise words work best)."
        )
    cats = sorted(set(categories), key=str.lower)
    query = " ".join([*cats, *map(quote, include), *("-" + quote(e) for e in excluded)])
    kind: TopicKind = "text" if include else "category"
    return Topic(kind, query, label, tuple(include), excluded, tuple(cats))


def _check_sides(include: list[str], exclude: list[str], has_categories: bool) -> tuple[str, ...]:
    if not include and not has_categories:
        if exclude:
            raise InvalidTopic(
                "The topic only leaves things out. Add what you do want, "
                "e.g. talking head generation -survey."
            )
        raise InvalidTopic("The topic has no words to search for. Give a few words or cs.CV.")
    if include and all(t in STOP_WORDS for t in include):
        raise InvalidTopic(f'"{" ".join(include)}" is too general to follow: add specific words.')
    both = sorted(set(include) & set(exclude))
    if both:
        raise InvalidTopic(f'"{both[0]}" is both wanted and left out: keep only one of the two.')
    return tuple(exclude)


def _category_of(word: str) -> str | None:
    """The category a word names; raises for category-looking words arXiv does not have."""
    word = word.strip(_EDGE_PUNCTUATION)
    category = canonical_category(word)
    if category is not None:
        return category
    lower = word.lower()
    match = _CATEGORY_LIKE.fullmatch(lower)
    if match is not None and match[1] in ARCHIVES_WITH_SUBJECTS:
        raise unknown_category(word)
    if lower in _ARCHIVE_CODES:
        examples = ", ".join(categories_in_archive(lower)[:3])
        raise InvalidTopic(
            f"{word} is a whole arXiv archive, not a category: pick categories such as "
            f"{examples} (all of them: {TAXONOMY_URL})."
        )
    return None


def _term_text(token: Token) -> str:
    """A word or phrase as searched: lower case, no punctuation at the edges of words."""
    text = " ".join(token.text.lower().split())
    if token.kind == "word":
        text = text.strip(_EDGE_PUNCTUATION)
    return text if any(c.isalnum() for c in text) else ""


def _exclusion(token: Token) -> str:
    if token.field is not None:
        raise InvalidTopic(
            f"To leave out a field, write ANDNOT {token.field}:{quote(token.text)}; "
            "-word leaves out a word in the title or abstract."
        )
    if token.kind == "word" and canonical_category(token.text.strip(_EDGE_PUNCTUATION)):
        raise InvalidTopic(
            f"To leave out a category, use a query, e.g. cat:cs.CV ANDNOT cat:{token.text}."
        )
    text = _term_text(token)
    if not text:
        raise InvalidTopic(f"-{token.text} has no letters or digits to leave out.")
    if text in STOP_WORDS:
        raise InvalidTopic(f"-{text} is too common to leave out: almost every paper has it.")
    return text


def _query_topic(label: str, tokens: list[Token]) -> Topic:
    kept, excluded = _take_exclusions(tokens)
    exclude = tuple(sorted(set(excluded)))
    if not kept:
        raise InvalidTopic("The query only leaves things out. Add what you do want to read.")
    node = parse_query(kept)
    wanted = [term for term, negated in terms(node) if not negated]
    categories = tuple(sorted({t.text for t in wanted if t.field == "cat"}, key=str.lower))
    include = tuple(dict.fromkeys(t.text for t in wanted if t.field != "cat"))
    query = render(node) + "".join(" -" + quote(e) for e in exclude)
    return Topic("query", query, label, include, exclude, categories, node)


def _take_exclusions(tokens: list[Token]) -> tuple[list[Token], list[str]]:
    """Split ``-word`` out of a query, with the AND that joined it (``a AND -b`` → ``a``)."""
    kept: list[Token] = []
    excluded: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.negated:
            kept.append(token)
            continue
        excluded.append(_exclusion(token))
        before = kept[-1] if kept else None
        after = tokens[i] if i < len(tokens) else None
        if before is not None and is_operator(before, any_case=True):
            _only_and(before)
            kept.pop()
        elif (before is None or before.kind == "(") and after and is_operator(after, any_case=True):
            _only_and(after)  # "-survey AND cat:cs.CV": the AND goes with the exclusion
            i += 1
    return kept, excluded


def _only_and(operator: Token) -> None:
    if operator.text.upper() != "AND":
        raise InvalidTopic(
            f"An exclusion can't be joined with {operator.text.upper()}: write it on its own "
            "(cat:cs.CV -survey) or use ANDNOT abs:survey."
        )


# -- arXiv API ---------------------------------------------------------------------------------


def to_arxiv_query(topic: Topic) -> str:
    """The arXiv API ``search_query`` that finds the topic's papers."""
    if topic.kind == "query":
        assert topic.expression is not None
        base = render(topic.expression)
    elif topic.kind == "category":
        base = " OR ".join(f"cat:{c}" for c in topic.categories)
    else:
        words = [_in_title_or_abstract(t) for t in _searchable(topic)]
        if topic.categories:
            words.insert(0, _wrap(" OR ".join(f"cat:{c}" for c in topic.categories)))
        base = " AND ".join(words)
    if not topic.exclude:
        return base
    unwanted = " OR ".join(f"ti:{quote(e)} OR abs:{quote(e)}" for e in topic.exclude)
    return f"{_wrap(base)} ANDNOT ({unwanted})"


def _in_title_or_abstract(text: str) -> str:
    return f"(ti:{quote(text)} OR abs:{quote(text)})"


def _wrap(query: str) -> str:
    return query if " " not in query or _is_one_group(query) else f"({query})"


def _is_one_group(query: str) -> bool:
    """Whether the whole query is one parenthesised group: "(a OR b)", not "(a) AND (b)"."""
    if not (query.startswith("(") and query.endswith(")")):
        return False
    depth, in_quotes = 0, False
    for i, char in enumerate(query):
        in_quotes = in_quotes != (char == '"')
        if not in_quotes:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0 and i < len(query) - 1:
                return False
    return True


def _searchable(topic: Topic) -> list[str]:
    return [t for t in topic.include if t not in STOP_WORDS]


# -- local matching ----------------------------------------------------------------------------


def matches(
    topic: Topic,
    title: str,
    abstract: str,
    categories: Sequence[str] = (),
    authors: Sequence[str] = (),
) -> float:
    """How well a paper fits the topic: 0.0 when it does not, more for hits in the title."""
    paper = _Paper(_normalize(title), _normalize(abstract), categories, authors)
    if any(paper.mentions(e) for e in topic.exclude):
        return 0.0
    if topic.kind == "query":
        assert topic.expression is not None
        return _query_score(topic.expression, paper)
    hit = paper.in_categories(topic.categories)
    if topic.kind == "category":
        if not hit:
            return 0.0
        primary = categories[0] if categories else ""
        return 1.5 if paper.in_categories(topic.categories, only=[primary]) else 1.0
    if topic.categories and not hit:
        return 0.0
    score = 0.5 if topic.categories else 0.0
    for text in _searchable(topic):
        weight = paper.weight(text)
        if not weight:
            return 0.0
        score += weight
    if len(topic.include) > 1:
        score += paper.weight(" ".join(topic.include))  # the words side by side, as typed
    return score


class _Paper:
    """A paper's fields normalized once for many term lookups."""

    def __init__(
        self, title: str, abstract: str, categories: Sequence[str], authors: Sequence[str]
    ) -> None:
        self.title = title
        self.abstract = abstract
        self.categories = {canonical_category(c) or c for c in categories}
        self.authors = [_normalize(a) for a in authors]
        tags = _normalize(" ".join(categories))
        self.everything = " ".join([title, abstract, *self.authors, tags])

    def weight(self, text: str) -> float:
        return (2.0 if _contains(self.title, text) else 0.0) + (
            1.0 if _contains(self.abstract, text) else 0.0
        )

    def mentions(self, text: str) -> bool:
        return self.weight(text) > 0

    def in_categories(self, codes: Sequence[str], only: Sequence[str] | None = None) -> bool:
        wanted = set().union(*(equivalent_categories(c) for c in codes)) if codes else set()
        have = self.categories if only is None else {canonical_category(c) or c for c in only}
        return bool(wanted & have)

    def check(self, term: Term) -> bool | None:
        """Whether a query term holds; None for fields a feed entry does not carry."""
        if term.field == "ti":
            return _contains(self.title, term.text)
        if term.field == "abs":
            return _contains(self.abstract, term.text)
        if term.field == "au":
            name = term.text.replace("_", " ")
            return any(_contains(author, name) for author in self.authors)
        if term.field == "cat":
            return self.in_categories([term.text])
        if term.field == "all":
            return _contains(self.everything, term.text)
        return None  # co:, jr:, rn: — the arXiv search already applied them

    def score(self, term: Term) -> float:
        if term.field in ("ti", "abs", "all"):
            return self.weight(term.text) or (1.0 if self.check(term) else 0.0)
        return 1.0 if self.check(term) else 0.0


def _query_score(expression: Node, paper: _Paper) -> float:
    result = evaluate(expression, paper.check)
    if result is False:
        return 0.0
    if result is None:
        return 0.5  # undecidable here (e.g. co:): trust the arXiv search that found it
    wanted = [term for term, negated in terms(expression) if not negated]
    return max(0.5, sum(paper.score(term) for term in wanted))


def text_words(text: str) -> frozenset[str]:
    """The words of ``text`` as matching sees them (lower case, plurals folded), for an index."""
    return frozenset(_normalize(text).split())


def required_words(topic: Topic) -> frozenset[str] | None:
    """Words every paper that ``matches`` the topic has in its title or abstract; None when the
    topic cannot say (a raw query, a wildcard). An index of many papers narrows by them."""
    if topic.kind == "query":
        return None
    found: set[str] = set()
    for text in _searchable(topic):
        if text.endswith("*"):
            return None
        found.update(_normalize(text).split())
    return frozenset(found)


@functools.lru_cache(maxsize=8192)
def _normalize(text: str) -> str:
    """Lower-case stemmed words between single spaces, padded, for whole-word lookups.

    Cached: a digest run matches the same few hundred titles and abstracts for every chat.
    """
    return " " + " ".join(_stem(w) for w in _WORD.findall(text.lower())) + " "


def _contains(haystack: str, text: str) -> bool:
    if text.endswith("*"):  # arXiv's trailing wildcard: diffus* → diffusion, diffusive
        prefix = " ".join(_WORD.findall(text[:-1].lower()))
        return bool(prefix) and f" {prefix}" in haystack
    needle = _normalize(text)
    return needle.strip() != "" and needle in haystack


def _stem(word: str) -> str:
    """A crude plural folding (models → model, studies → study), the same on both sides."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
