"""The validator against the labelled set of good and bad model answers (issue 10).

The set (tests/fixtures/summaries/) is hand-written: good summaries in zh, en, ko, pl, vi, tr
and more, and bad ones of each class the issue names. The rates are the ones bench.validator
prints for docs/benchmarks.md.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bench.validator import FALSE_REJECT_LIMIT, MISS_LIMIT, Case, load, measure
from summarizer.errors import InvalidOutput
from summarizer.validation import validate

CASES = load()
# What the reason must say for each class of bad answer: refused for the right reason.
REASONS = {
    "chatter": ("speaks to the user",),
    "placeholder": ("is a placeholder",),
    "injection": ("instruction hidden in the paper",),
    "meta-talk": ("talks about the task",),
    "wrong-language": ("is not in",),
    "rambling": ("repeat", "say nothing specific", "sentences"),
    "repetition": ("repeat",),
    "length": ("characters long",),
}


def test_the_set_covers_the_languages_and_classes_of_the_issue() -> None:
    """60+ answers; zh, en, ko and languages without a stop-word list; every bad class."""
    assert len(CASES) >= 60
    good = Counter(c.language for c in CASES if c.good)
    assert all(good[lang] >= 2 for lang in ("zh", "en", "ko", "pl", "vi"))
    assert set(REASONS) == {c.kind for c in CASES if not c.good}


def test_false_reject_and_miss_rates_are_within_their_limits() -> None:
    """At most 2% of good answers refused and 5% of bad ones accepted, listing each failure."""
    result = measure(CASES)
    assert result.false_reject_rate <= FALSE_REJECT_LIMIT, result.false_rejects
    assert result.miss_rate <= MISS_LIMIT, result.misses


@pytest.mark.parametrize("case", [c for c in CASES if not c.good], ids=lambda c: c.name)
def test_each_bad_answer_is_refused_for_its_own_reason(case: Case) -> None:
    """The reason fed back to the model names the problem of that class."""
    with pytest.raises(InvalidOutput) as info:
        validate(case.reply, case.language, source=case.source)
    assert any(word in info.value.reason for word in REASONS[case.kind]), info.value.reason
