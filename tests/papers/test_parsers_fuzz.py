"""The parsers of what users type, fed anything: they answer or raise their own error, never
another exception; a valid id anywhere in a link or citation is found."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from papers.errors import MalformedId, NoArxivId
from papers.ids import find_arxiv_ids, parse_arxiv_id
from papers.query import InvalidTopic, parse_topic, to_arxiv_query
from tests.strategies import TEXT

PIECES = st.sampled_from([
    "arXiv:", "arxiv.org/abs/", "https://arxiv.org/pdf/", ".pdf", "v", "v0", "2410.13726",
    "hep-th/9901001", "math.GT/0309136", "/", ".", " ", "\n", "10.48550/arXiv.", "２４１０", "：",
    "cat:", "AND", "OR", "ANDNOT", "(", ")", '"', "-", "ti:", "abs:", "au:", "cs.CV", "*", "\\",
])  # fmt: skip
HOSTILE = st.one_of(TEXT, st.lists(st.one_of(PIECES, st.text(max_size=6)), max_size=30).map("".join))
NEW_IDS = st.builds(
    lambda yy, mm, n, v: f"{yy:02d}{mm:02d}.{n:05d}" + (f"v{v}" if v else ""),
    st.integers(15, 26), st.integers(1, 12), st.integers(1, 99999), st.integers(0, 9),
)
WRAPPERS = st.sampled_from([
    "{}", "arXiv:{}", "see https://arxiv.org/abs/{} please", "(arxiv.org/pdf/{}.pdf)",
    "https://doi.org/10.48550/arXiv.{}", "看 arXiv：{}", "<https://www.arxiv.org/abs/{}>",
    "https://huggingface.co/papers/{}", "arXiv: arXiv:{}",
])  # fmt: skip


@given(HOSTILE)
def test_id_parsers_raise_only_their_own_errors(text: str) -> None:
    find_arxiv_ids(text)
    try:
        parse_arxiv_id(text)
    except (NoArxivId, MalformedId):
        pass


@given(NEW_IDS, WRAPPERS)
def test_a_valid_id_is_found_in_every_form_people_paste(ref: str, wrapper: str) -> None:
    text = wrapper.format(ref)
    assert [str(found) for found in find_arxiv_ids(text)] == [ref]
    assert str(parse_arxiv_id(text)) == ref


@given(HOSTILE)
def test_topic_parser_raises_only_invalid_topic(text: str) -> None:
    try:
        topic = parse_topic(text)
    except InvalidTopic:
        return
    assert to_arxiv_query(topic)  # any topic it accepts can be searched
