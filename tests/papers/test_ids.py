"""Tests for papers.ids: every form of arXiv reference users type or paste."""

from __future__ import annotations

import time

import pytest

from papers.errors import MalformedId, NoArxivId
from papers.ids import find_arxiv_ids, parse_arxiv_id
from papers.models import ArxivId

DAWN = ArxivId("2410.13726")
DAWN_V2 = ArxivId("2410.13726", 2)

BARE = [
    ("2410.13726", DAWN),
    ("2410.13726v2", DAWN_V2),
    ("  2410.13726v2\n", DAWN_V2),
    ("0704.0001", ArxivId("0704.0001")),
    ("1412.9999v3", ArxivId("1412.9999", 3)),
    ("1501.00001", ArxivId("1501.00001")),
    ("hep-th/9901001", ArxivId("hep-th/9901001")),
    ("hep-th/9901001v1", ArxivId("hep-th/9901001", 1)),
    # the subject class is not part of the id: arXiv itself calls this paper math/0309136
    ("math.GT/0309136", ArxivId("math/0309136")),
    ("math.GT/0309136v2", ArxivId("math/0309136", 2)),
    ("cond-mat/0703001", ArxivId("cond-mat/0703001")),
    ("solv-int/9901001", ArxivId("solv-int/9901001")),
    ("alg-geom/9202001", ArxivId("alg-geom/9202001")),
    ("q-bio/0404001", ArxivId("q-bio/0404001")),
    ("physics/0601001", ArxivId("physics/0601001")),
]

MENTIONS = [
    # arXiv: prefixes
    ("arXiv:2410.13726", DAWN),
    ("arxiv:2410.13726v2", DAWN_V2),
    ("ARXIV:2410.13726", DAWN),
    ("arXiv: 2410.13726v2", DAWN_V2),
    ("arXiv:hep-th/9901001", ArxivId("hep-th/9901001")),
    # arxiv.org and its mirrors
    ("https://arxiv.org/abs/2410.13726", DAWN),
    ("https://arxiv.org/abs/2410.13726v2", DAWN_V2),
    ("http://arxiv.org/abs/2410.13726v2", DAWN_V2),
    ("arxiv.org/abs/2410.13726v2", DAWN_V2),
    ("https://www.arxiv.org/abs/2410.13726", DAWN),
    ("https://export.arxiv.org/abs/2410.13726v2", DAWN_V2),
    ("https://arxiv.org/abs/2410.13726/", DAWN),
    ("https://arxiv.org/abs/2410.13726v2?context=cs.CV", DAWN_V2),
    ("https://arxiv.org/abs/2410.13726#comments", DAWN),
    ("https://arxiv.org/pdf/2410.13726", DAWN),
    ("https://arxiv.org/pdf/2410.13726v2", DAWN_V2),
    ("https://arxiv.org/pdf/2410.13726v2.pdf", DAWN_V2),
    ("https://arxiv.org/pdf/2410.13726.pdf", DAWN),
    ("https://arxiv.org/pdf/2410.13726v2/", DAWN_V2),
    ("https://arxiv.org/html/2410.13726v2", DAWN_V2),
    ("https://arxiv.org/html/2410.13726v2/#S3", DAWN_V2),
    ("https://arxiv.org/html/2410.13726v2/x1.png", DAWN_V2),
    ("https://arxiv.org/abs/hep-th/9901001", ArxivId("hep-th/9901001")),
    ("https://arxiv.org/pdf/hep-th/9901001v1.pdf", ArxivId("hep-th/9901001", 1)),
    ("https://arxiv.org/abs/math.GT/0309136", ArxivId("math/0309136")),
    ("HTTPS://ARXIV.ORG/ABS/2410.13726", DAWN),
    # other sites that show arXiv papers
    ("https://www.alphaxiv.org/abs/2410.13726", DAWN),
    ("https://alphaxiv.org/abs/2410.13726v2", DAWN_V2),
    ("https://www.alphaxiv.org/overview/2410.13726", DAWN),
    ("https://huggingface.co/papers/2410.13726", DAWN),
    ("huggingface.co/papers/2410.13726", DAWN),
    ("https://ar5iv.org/abs/2410.13726", DAWN),
    ("https://ar5iv.labs.arxiv.org/html/2410.13726", DAWN),
    ("https://ar5iv.labs.arxiv.org/html/2410.13726v2", DAWN_V2),
    # DOIs
    ("10.48550/arXiv.2410.13726", DAWN),
    ("https://doi.org/10.48550/arXiv.2410.13726", DAWN),
    ("doi.org/10.48550/ARXIV.2410.13726", DAWN),
    # as chat clients wrap links
    ("<https://arxiv.org/abs/2410.13726v2>", DAWN_V2),
    ("[paper](https://arxiv.org/abs/2410.13726v2)", DAWN_V2),
    ("https://arxiv.org/abs/2410.13726.", DAWN),
]


@pytest.mark.parametrize(("text", "expected"), BARE + MENTIONS, ids=[t for t, _ in BARE + MENTIONS])
def test_parse_accepts_every_form_users_paste(text: str, expected: ArxivId) -> None:
    """Each id, prefix, link and DOI form resolves to the same paper (and version)."""
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(("text", "expected"), MENTIONS, ids=[t for t, _ in MENTIONS])
def test_find_picks_every_link_form_out_of_a_sentence(text: str, expected: ArxivId) -> None:
    """Links, DOIs and arXiv: mentions are found inside chat text."""
    assert find_arxiv_ids(f"Have you seen {text} ? It is great.") == [expected]


@pytest.mark.parametrize(("text", "expected"), BARE, ids=[t for t, _ in BARE])
def test_find_accepts_a_message_that_is_only_an_id(text: str, expected: ArxivId) -> None:
    """A message consisting of one bare id (old or new style) is that paper."""
    assert find_arxiv_ids(text) == [expected]


def test_parse_finds_the_id_among_other_words_of_a_command() -> None:
    """`/summarize please 2410.13726` still names the paper."""
    assert parse_arxiv_id("please 2410.13726") == DAWN
    assert parse_arxiv_id("/summarize https://arxiv.org/abs/2410.13726v2 thanks") == DAWN_V2
    # a mirror we do not know: in a command the user clearly means the id in it
    assert parse_arxiv_id("https://papers.cool/arxiv/2410.13726") == DAWN


MALFORMED = [
    "2413.00001",  # month 13
    "2400.00001",  # month 0
    "2410.1372",  # too few digits
    "2410.137261",  # too many digits
    "1412.00001",  # 5 digits before 1501
    "1501.0001",  # 4 digits after 1412
    "0703.0001",  # new-style ids began in April 2007
    "2410.00000",  # numbers start at 1
    "2410.13726v0",  # versions start at 1
    "2410.13726v",
    "arXiv:2410.1372",
    "arXiv:abc",
    "arxiv.org/abs/abc",
    "https://arxiv.org/abs/abc",
    "https://arxiv.org/pdf/2413.00001v1.pdf",
    "https://huggingface.co/papers/2410.137",
    "hep-th/9913001",  # month 13
    "hep-th/0704001",  # old style ended in March 2007
    "hep-th/8901001",  # before arXiv
    "hep-th/990100",  # six digits
    "https://arxiv.org/abs/foo-bar/9901001",  # not an archive
    "1234.5",
]


@pytest.mark.parametrize("text", MALFORMED)
def test_parse_rejects_malformed_ids(text: str) -> None:
    """Something clearly meant as an arXiv id but invalid raises MalformedId, naming it."""
    with pytest.raises(MalformedId) as info:
        parse_arxiv_id(text)
    assert info.value.text in text


@pytest.mark.parametrize(
    "text",
    ["", "   ", "hello", "summarize this please",
     "3.14", "foo/1234567", "https://github.com/Hanbo-Cheng/DAWN-pytorch", "v2"],
)  # fmt: skip
def test_parse_without_any_id_raises_no_arxiv_id(text: str) -> None:
    """Text with nothing id-like raises NoArxivId (a different message than a bad id)."""
    with pytest.raises(NoArxivId):
        parse_arxiv_id(text)


def test_find_returns_several_links_in_order_of_appearance() -> None:
    """Every paper of a message comes back once, in the order the user wrote them."""
    message = (
        "Compare https://huggingface.co/papers/2104.12255 with arXiv:1707.08567 and\n"
        "the old one (https://arxiv.org/abs/hep-th/9901001v1), also "
        "https://www.alphaxiv.org/overview/2410.13726v2."
    )
    assert find_arxiv_ids(message) == [
        ArxivId("2104.12255"),
        ArxivId("1707.08567"),
        ArxivId("hep-th/9901001", 1),
        DAWN_V2,
    ]


def test_find_dedupes_and_prefers_the_versioned_mention() -> None:
    """The same paper linked twice, with and without version, is one versioned id."""
    message = (
        "https://arxiv.org/abs/2410.13726 and the pdf https://arxiv.org/pdf/2410.13726v2.pdf, "
        "again arXiv:2410.13726v2 and https://arxiv.org/abs/2104.12255 twice: arxiv:2104.12255"
    )
    assert find_arxiv_ids(message) == [DAWN_V2, ArxivId("2104.12255")]


def test_find_keeps_different_versions_of_one_paper() -> None:
    """v1 and v2 of the same paper are two different things to summarise."""
    message = "arXiv:2410.13726v1 vs arXiv:2410.13726v2"
    assert find_arxiv_ids(message) == [ArxivId("2410.13726", 1), DAWN_V2]


def test_find_ignores_bare_numbers_inside_sentences() -> None:
    """Numbers that merely look like ids are not papers unless linked or prefixed."""
    assert find_arxiv_ids("the bill was 2410.13726 dollars, see 1707.08567") == []
    assert find_arxiv_ids("version 2.1 released on 2024.10.17") == []


def test_find_ignores_a_message_that_is_only_an_invalid_id() -> None:
    """A lone malformed id in chat is not an error, just no paper."""
    assert find_arxiv_ids("2413.00001") == []


def test_find_skips_invalid_ids_inside_links_instead_of_raising() -> None:
    """A broken link among good ones is ignored; the good ones are still found."""
    message = "https://arxiv.org/abs/abc https://arxiv.org/abs/2413.00001 arXiv:2410.13726v2"
    assert find_arxiv_ids(message) == [DAWN_V2]


def test_find_does_not_match_inside_other_hosts() -> None:
    """notarxiv.org or a DOI of another publisher are not arXiv references."""
    message = (
        "https://notarxiv.org/abs/2410.13726 and https://doi.org/10.1109/ICSTW55395.2022.00035"
    )
    assert find_arxiv_ids(message) == []


def test_find_and_parse_stay_fast_on_long_hostile_messages() -> None:
    """No catastrophic backtracking: 200 kB of near-misses is scanned at once."""
    hostile = (
        "arxiv.org/abs/" + "1" * 5000 + " " + "a-" * 20000 + "arXiv:" * 5000
        + " https://arxiv.org/abs/" + "x." * 20000 + " 2410." + "9" * 5000
    )  # fmt: skip
    started = time.perf_counter()
    assert find_arxiv_ids(hostile + " arXiv:2410.13726v2") == [DAWN_V2]
    with pytest.raises(MalformedId):
        parse_arxiv_id(hostile)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("arXiv: arXiv:2410.13726", "2410.13726"),  # a doubled prefix (copied from a citation)
        ("看这篇 arXiv：２４１０．１３７２６", "2410.13726"),  # full-width, typed with a CJK input method
        ("２４１０.１３７２６ｖ２", "2410.13726v2"),
        ("２４１０。１３７２６", "2410.13726"),  # the ideographic full stop between digits
        ("ａｒｘｉｖ.ｏｒｇ/abs/2410.13726", "2410.13726"),
    ],
)
def test_find_normalises_what_input_methods_and_citations_produce(text: str, expected: str) -> None:
    assert [str(ref) for ref in find_arxiv_ids(text)] == [expected]
    assert str(parse_arxiv_id(text)) == expected
