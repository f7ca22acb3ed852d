"""The validator on hostile input: it answers InvalidOutput or a draft, never anything else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from summarizer.errors import InvalidOutput
from summarizer.validation import MAX_DEPTH, validate
from tests.fakes.model_api import SAMPLE_DRAFT_EN, SAMPLE_DRAFT_ZH
from tests.strategies import TEXT

LANGUAGES = st.sampled_from(["en", "zh", "ko", "pl", "vi", "ja", "de", "xx", ""])
JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=20,
)


def _with(base: dict[str, Any], key: str, value: object) -> str:
    draft = json.loads(json.dumps(base))
    node = draft
    *parents, last = key.split(".")
    for part in parents:
        node = node[part]
    node[last] = value
    return json.dumps(draft, ensure_ascii=False)


def _judge(raw: str, language: str, source: str = "") -> None:
    try:
        validate(raw, language, source=source)
    except InvalidOutput as exc:
        assert exc.reason and "\n" not in exc.reason


@given(TEXT, LANGUAGES, TEXT)
def test_any_text_gets_a_verdict(raw: str, language: str, source: str) -> None:
    """Arbitrary text, prose or markup: a draft or InvalidOutput with a one-line reason."""
    _judge(raw, language, source)


@given(JSON, LANGUAGES)
def test_any_json_gets_a_verdict(value: object, language: str) -> None:
    """Arbitrary JSON values, objects or not."""
    _judge(json.dumps(value, ensure_ascii=False), language)


@given(
    st.sampled_from(["tldr", "takeaways", "analysis.method", "analysis.conclusion.limitations",
                     "keywords", "analysis"]),
    st.one_of(JSON, TEXT, st.lists(TEXT, max_size=9)),
    st.sampled_from([SAMPLE_DRAFT_EN, SAMPLE_DRAFT_ZH]),
    LANGUAGES,
    TEXT,
)  # fmt: skip
def test_a_summary_with_any_field_replaced_gets_a_verdict(
    key: str, value: object, base: dict[str, Any], language: str, source: str
) -> None:
    """A real summary with one field replaced by anything: still only our own error."""
    _judge(_with(base, key, value), language, source)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_deeply_nested_json_is_a_reason_not_a_recursion_error(depth: int) -> None:
    """Thousands of nested arrays are refused with a reason the retry can use (issue 10)."""
    raw = '{"tldr": ' + "[" * depth + "]" * depth + "}"
    with pytest.raises(InvalidOutput, match="nested more than"):
        validate(raw, "en")
    inside = _with(SAMPLE_DRAFT_EN, "analysis.method", "[" * 5_000 + "{")  # brackets in a string
    with pytest.raises(InvalidOutput) as info:
        validate(inside, "en")
    assert "nested" not in info.value.reason
