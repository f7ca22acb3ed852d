"""Topics: what users type becomes a normalized Topic, an arXiv query, and a local match score."""

from __future__ import annotations

import pytest

from papers.errors import PapersError
from papers.query import InvalidTopic, Topic, matches, parse_topic, to_arxiv_query

# (typed, kind, normalized query, include, exclude, categories)
VALID = [
    ("talking head generation", "text", "talking head generation",
     ("talking", "head", "generation"), (), ()),
    ("Talking  Head   Generation", "text", "talking head generation",
     ("talking", "head", "generation"), (), ()),
    ('"diffusion models" video', "text", '"diffusion models" video',
     ("diffusion models", "video"), (), ()),
    ("\u201cDiffusion Models\u201d video", "text", '"diffusion models" video',
     ("diffusion models", "video"), (), ()),
    ("talking head generation -survey", "text", "talking head generation -survey",
     ("talking", "head", "generation"), ("survey",), ()),
    ('avatars -survey -"Review  Paper"', "text", 'avatars -"review paper" -survey',
     ("avatars",), ("review paper", "survey"), ()),
    ("talking head \u2014survey", "text", "talking head -survey",
     ("talking", "head"), ("survey",), ()),
    ("Mamba: linear-time sequence modeling", "text", 'mamba "linear-time" sequence modeling',
     ("mamba", "linear-time", "sequence", "modeling"), (), ()),
    ("NeRF (neural radiance fields)", "text", "nerf neural radiance fields",
     ("nerf", "neural", "radiance", "fields"), (), ()),
    ("quant-ph error correction", "text", "quant-ph error correction",
     ("error", "correction"), (), ("quant-ph",)),
    ("cs.CV", "category", "cs.CV", (), (), ("cs.CV",)),
    ("cs.cv", "category", "cs.CV", (), (), ("cs.CV",)),
    ("\uff43\uff53\uff0e\uff23\uff36", "category", "cs.CV", (), (), ("cs.CV",)),  # full width
    ("math.AG", "category", "math.AG", (), (), ("math.AG",)),
    ("hep-th", "category", "hep-th", (), (), ("hep-th",)),
    ("astro-ph.co", "category", "astro-ph.CO", (), (), ("astro-ph.CO",)),
    ("cond-mat.STAT-MECH", "category", "cond-mat.stat-mech", (), (), ("cond-mat.stat-mech",)),
    ("cs.LG cs.CV", "category", "cs.CV cs.LG", (), (), ("cs.CV", "cs.LG")),
    ("cs.CV, cs.LG", "category", "cs.CV cs.LG", (), (), ("cs.CV", "cs.LG")),
    ("cs.lg,cs.cv,cs.LG", "category", "cs.CV cs.LG", (), (), ("cs.CV", "cs.LG")),
    ("cs.CV -survey", "category", "cs.CV -survey", (), ("survey",), ("cs.CV",)),
    ("cs.CV the", "category", "cs.CV", (), (), ("cs.CV",)),
    ("cat:cs.CV AND abs:avatar", "query", "cat:cs.CV AND abs:avatar",
     ("avatar",), (), ("cs.CV",)),
    ("CAT:cs.cv and ABS:Avatar", "query", "cat:cs.CV AND abs:avatar",
     ("avatar",), (), ("cs.CV",)),
    ("cat:cs.CV abs:avatar", "query", "cat:cs.CV AND abs:avatar", ("avatar",), (), ("cs.CV",)),
    ("cat:cs.CV AND abs:avatar -survey", "query", "cat:cs.CV AND abs:avatar -survey",
     ("avatar",), ("survey",), ("cs.CV",)),
    ("cat:cs.CV AND abs:avatar AND -survey", "query", "cat:cs.CV AND abs:avatar -survey",
     ("avatar",), ("survey",), ("cs.CV",)),
    ("-survey AND cat:cs.CV", "query", "cat:cs.CV -survey", (), ("survey",), ("cs.CV",)),
    ("(ti:diffusion OR ti:video) AND cat:cs.CV", "query",
     "(ti:diffusion OR ti:video) AND cat:cs.CV", ("diffusion", "video"), (), ("cs.CV",)),
    ("cat:cs.CV AND (abs:avatar AND ti:head)", "query", "cat:cs.CV AND abs:avatar AND ti:head",
     ("avatar", "head"), (), ("cs.CV",)),
    ("au:del_maestro ANDNOT ti:checkerboard", "query", "au:del_maestro ANDNOT ti:checkerboard",
     ("del_maestro",), (), ()),
    ("ti:\u201ctalking head\u201d AND cat:cs.GR", "query", 'ti:"talking head" AND cat:cs.GR',
     ("talking head",), (), ("cs.GR",)),
    ("diffusion AND video", "query", "all:diffusion AND all:video",
     ("diffusion", "video"), (), ()),
    ("cs.CV AND avatar", "query", "cat:cs.CV AND all:avatar", ("avatar",), (), ("cs.CV",)),
    ("co:cvpr AND cat:cs.CV", "query", "co:cvpr AND cat:cs.CV", ("cvpr",), (), ("cs.CV",)),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "kind", "query", "include", "exclude", "categories"), VALID)
def test_parse_topic_normalizes_every_form(
    typed: str,
    kind: str,
    query: str,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    categories: tuple[str, ...],
) -> None:
    """Each form gives its kind, a normalized query and the terms it searches for."""
    topic = parse_topic(typed)
    assert (topic.kind, topic.query) == (kind, query)
    assert (topic.include, topic.exclude, topic.categories) == (include, exclude, categories)


@pytest.mark.parametrize("typed", [case[0] for case in VALID])
def test_the_normalized_query_parses_back_to_the_same_topic(typed: str) -> None:
    """Storage keeps only Topic.query, so parsing it again must give the same topic."""
    topic = parse_topic(typed)
    again = parse_topic(topic.query)
    assert again.query == topic.query
    assert (again.kind, again.include, again.exclude, again.categories) == (
        topic.kind,
        topic.include,
        topic.exclude,
        topic.categories,
    )
    assert to_arxiv_query(again) == to_arxiv_query(topic)


def test_label_keeps_what_the_user_typed_trimmed() -> None:
    """The label is for display: original case, single spaces, no surrounding blanks."""
    topic = parse_topic("  Talking   Head  Generation \n")
    assert topic.label == "Talking Head Generation"
    assert topic.query == "talking head generation"


def test_same_search_typed_differently_is_the_same_subscription() -> None:
    """Spacing, case and quote style do not make a new topic."""
    queries = {
        parse_topic(t).query
        for t in ['"Diffusion Models" video', "\u201cdiffusion  models\u201d VIDEO"]
    }
    assert queries == {'"diffusion models" video'}


MALFORMED = [
    ("", "empty"),
    ("   \n ", "empty"),
    ("-survey", "only leaves things out"),
    ('-"review paper" -survey', "only leaves things out"),
    ("a" * 201, "under 200"),
    ("cat:cs.CV AND " + " AND ".join(["abs:avatar"] * 30), "under 300"),
    ("talking\x00head", "control characters"),
    ("x " * 100_000, "keep it under 300"),
    ("talking \u202ehead", "control characters"),
    ('cat:cs.CV AND abs:"avatar', "quote is not closed"),
    ('avatar ""', "empty pair of quotes"),
    ("(cat:cs.CV AND abs:avatar", "'(' is never closed"),
    ("cat:cs.CV AND abs:avatar)", "')' without a matching '('"),
    ("cat:cs.CV AND", "nothing after AND"),
    ("cat:cs.CV AND (abs:avatar OR)", "nothing after OR"),
    ("OR cat:cs.CV", "starts with OR"),
    ("cat:cs.CV AND OR abs:avatar", "two operators in a row"),
    ("cat:cs.CV AND abs:avatar OR abs:talking", "Mixing AND and OR needs parentheses"),
    ("cat:cs.CV AND ()", "empty pair of parentheses"),
    ("(" * 10 + "ti:avatar" + ")" * 10, "too deeply"),
    ("NOT survey", "no NOT operator"),
    ("cat:cs.CV NOT abs:survey", "no NOT operator"),
    ("cat:cs.XX", "cs.XX is not an arXiv category"),
    ("cs.VC", "Did you mean cs.CV"),
    ("math.ZZ talking", "math.ZZ is not an arXiv category"),
    ("cs", "whole arXiv archive"),
    ("foo:bar", "foo: is not an arXiv search field"),
    ("title:avatar", "Write ti: instead of title:"),
    ("id:2401.00001", "can't be used in a subscription"),
    ("ti: avatar", "needs a word"),
    ("ti:(avatar OR head)", "repeat the field"),
    ("ti:!!!", "no letters or digits"),
    ("!!! ???", "no words to search for"),
    ("the", "too general"),
    ("of the", "too general"),
    ("avatar -", "must be followed by the word"),
    ("avatar -the", "too common to leave out"),
    ("avatar -avatar", "both wanted and left out"),
    ("cs.CV -cs.LG", "To leave out a category"),
    ("cat:cs.CV OR -survey", "can't be joined with OR"),
    ("-ti:survey cat:cs.CV", "ANDNOT ti:survey"),
    ("avatar -(survey)", "one at a time"),
]


@pytest.mark.parametrize(("typed", "message"), MALFORMED)
def test_malformed_topics_are_refused_with_a_clear_reason(typed: str, message: str) -> None:
    """Every malformed topic raises InvalidTopic whose message names the problem."""
    with pytest.raises(InvalidTopic) as caught:
        parse_topic(typed)
    assert message in str(caught.value)


def test_invalid_topic_is_a_papers_error() -> None:
    """Callers that catch PapersError also catch bad topics."""
    assert issubclass(InvalidTopic, PapersError)
    with pytest.raises(PapersError):
        parse_topic(None)  # type: ignore[arg-type]


ARXIV_QUERIES = [
    ("talking head", "(ti:talking OR abs:talking) AND (ti:head OR abs:head)"),
    ('"talking head" generation -survey',
     ('((ti:"talking head" OR abs:"talking head") AND (ti:generation OR abs:generation))'
      " ANDNOT (ti:survey OR abs:survey)")),
    ("theory of mind", "(ti:theory OR abs:theory) AND (ti:mind OR abs:mind)"),
    ("self-supervised learning",
     '(ti:"self-supervised" OR abs:"self-supervised") AND (ti:learning OR abs:learning)'),
    ("video", "(ti:video OR abs:video)"),
    ("video -survey", "(ti:video OR abs:video) ANDNOT (ti:survey OR abs:survey)"),
    ("cs.CV", "cat:cs.CV"),
    ("cs.CV cs.LG", "cat:cs.CV OR cat:cs.LG"),
    ('cs.CV -survey -"review paper"',
     'cat:cs.CV ANDNOT (ti:"review paper" OR abs:"review paper" OR ti:survey OR abs:survey)'),
    ("cs.CV cs.LG -survey", "(cat:cs.CV OR cat:cs.LG) ANDNOT (ti:survey OR abs:survey)"),
    ("quant-ph error correction",
     "cat:quant-ph AND (ti:error OR abs:error) AND (ti:correction OR abs:correction)"),
    ("cs.CV cs.GR avatar", "(cat:cs.CV OR cat:cs.GR) AND (ti:avatar OR abs:avatar)"),
    ("cat:cs.CV AND abs:avatar", "cat:cs.CV AND abs:avatar"),
    ("cat:cs.CV AND abs:avatar -survey",
     "(cat:cs.CV AND abs:avatar) ANDNOT (ti:survey OR abs:survey)"),
    ("(ti:diffusion OR ti:video) AND cat:cs.CV", "(ti:diffusion OR ti:video) AND cat:cs.CV"),
    ("au:del_maestro ANDNOT ti:checkerboard", "au:del_maestro ANDNOT ti:checkerboard"),
]  # fmt: skip


@pytest.mark.parametrize(("typed", "expected"), ARXIV_QUERIES)
def test_to_arxiv_query(typed: str, expected: str) -> None:
    """Free text searches title and abstract, categories use cat:, exclusions become ANDNOT."""
    assert to_arxiv_query(parse_topic(typed)) == expected


@pytest.mark.parametrize("typed", [case[0] for case in VALID])
def test_every_arxiv_query_is_itself_well_formed(typed: str) -> None:
    """What we send arXiv passes our own query validation: balanced, no dangling operator."""
    sent = to_arxiv_query(parse_topic(typed))
    assert parse_topic(sent).kind == "query"


DAWN_TITLE = "DAWN: Dynamic Frame Avatar with Non-autoregressive Diffusion for Talking Head Video"
DAWN_ABSTRACT = (
    "Talking head generation intends to produce vivid and realistic talking head videos from a "
    "single portrait and speech audio clip. We present DAWN, a diffusion framework."
)


def score(typed: str, title: str = DAWN_TITLE, abstract: str = DAWN_ABSTRACT,
          categories: tuple[str, ...] = ("cs.CV", "cs.AI"),
          authors: tuple[str, ...] = ("Hanbo Cheng", "Adrian Del Maestro")) -> float:  # fmt: skip
    return matches(parse_topic(typed), title, abstract, categories, authors)


MATCHING = [
    ("talking head generation", True),
    ("Talking Heads", True),  # plural folding on both sides
    ('"talking head"', True),
    ('"head talking"', False),
    ('"diffusion models"', False),  # the words are there, the phrase is not
    ("talking head -survey", True),
    ("talking head -portrait", False),  # an exclusion in the abstract
    ("talking head -dawn", False),  # an exclusion in the title
    ("talking head lidar", False),  # every word must be there
    ("cs.CV", True),
    ("cs.AI", True),
    ("cs.LG", False),
    ("cs.LG cs.AI", True),
    ("cs.CV -survey", True),
    ("cs.CV -diffusion", False),
    ("cs.CV talking head", True),
    ("cs.CL talking head", False),  # the category filters free text
    ("cat:cs.CV AND abs:portrait", True),
    ("cat:cs.CV AND abs:lidar", False),
    ("cat:cs.LG AND abs:portrait", False),
    ("cat:cs.CV ANDNOT ti:avatar", False),
    ("cat:cs.CV ANDNOT ti:lidar", True),
    ("(ti:lidar OR ti:avatar) AND cat:cs.CV", True),
    ("ti:lidar OR ti:radar", False),
    ("au:del_maestro", True),
    ("au:hinton", False),
    ("ti:diffus*", True),
    ("all:cheng", True),
    ("co:cvpr AND cat:cs.CV", True),  # comments are not in a feed entry: trust the search
    ("co:cvpr AND cat:cs.LG", False),
]


@pytest.mark.parametrize(("typed", "expected"), MATCHING)
def test_matches_says_whether_a_paper_fits(typed: str, expected: bool) -> None:
    """A positive score exactly when the paper fits the topic; exclusions always win."""
    assert (score(typed) > 0) is expected


def test_title_hits_weigh_more_than_abstract_hits() -> None:
    """The same words rank a paper higher when they are in its title."""
    in_title = score("avatar", title="Avatar synthesis", abstract="We study faces.")
    in_abstract = score("avatar", title="Face synthesis", abstract="We build an avatar.")
    in_both = score("avatar", title="Avatar synthesis", abstract="We build an avatar.")
    assert in_both > in_title > in_abstract > 0


def test_the_typed_phrase_ranks_above_scattered_words() -> None:
    """Words side by side, as typed, score more than the same words apart."""
    together = score("talking head", title="Talking head synthesis", abstract="x")
    apart = score("talking head", title="Head pose while talking", abstract="x")
    assert together > apart > 0


def test_primary_category_ranks_above_a_cross_listing() -> None:
    """A paper filed primarily in the category beats one only cross-listed there."""
    primary = score("cs.CV", categories=("cs.CV", "cs.LG"))
    cross = score("cs.CV", categories=("cs.LG", "cs.CV"))
    assert primary > cross > 0


def test_category_aliases_match_each_other() -> None:
    """arXiv lists cs.SY and eess.SY as one category, so either topic finds either paper."""
    assert score("cs.SY", categories=("eess.SY",)) > 0
    assert score("eess.SY", categories=("cs.SY",)) > 0
    assert score("math.ST", categories=("stat.TH",)) > 0


def test_matching_is_case_and_punctuation_insensitive() -> None:
    """Hyphens, case and LaTeX-ish punctuation do not hide a match."""
    topic = parse_topic('"self-supervised" u-net')
    assert matches(topic, "Self Supervised U-Net for $\\mathbf{X}$", "", (), ()) > 0
    assert matches(topic, "Supervised U-Net", "", (), ()) == 0


def test_topic_is_a_frozen_value() -> None:
    """Topics are values: equal when parsed from equal text, and immutable."""
    assert parse_topic("cs.CV -survey") == parse_topic("cs.CV -survey")
    assert parse_topic("cs.CV").query == parse_topic("CS.cv").query
    topic = parse_topic("cs.CV")
    with pytest.raises(AttributeError):
        topic.query = "x"  # type: ignore[misc]
    assert isinstance(topic, Topic)
