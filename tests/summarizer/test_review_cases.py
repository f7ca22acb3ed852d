"""Classes an independent review found (issue 10): short English sentences a trigram detector
misreads must not fail an English summary; a placeholder hidden in a sentence, and the
template's own example keywords, must."""

from __future__ import annotations

import copy
import json

import pytest

from summarizer.errors import InvalidOutput
from summarizer.validation import validate
from tests.fakes.model_api import SAMPLE_DRAFT_EN


def _with(**changes: object) -> str:
    draft = copy.deepcopy(SAMPLE_DRAFT_EN)
    for path, value in changes.items():
        target = draft
        *parents, last = path.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return json.dumps(draft, ensure_ascii=False)


def test_short_english_sentences_the_detector_misreads_pass() -> None:
    takeaways = ["On a Pixel 8 phone the model runs 1.7 times faster.",
                 "Results hold on ImageNet, COCO and ADE20K alike.",
                 "The authors test on Llama 3 8B and Mistral 7B."]
    validate(_with(takeaways=takeaways, analysis__results="On a Pixel 8 phone the model runs "
                   "1.7 times faster."), "en")


@pytest.mark.parametrize(("changes", "reason"), [
    ({"analysis__results": "The word error rate falls to [X]% against 5.7% for the baseline."},
     "placeholder ('[X]')"),
    ({"keywords": ["keyword1", "keyword2", "keyword3"]}, "placeholder ('keyword1')"),
])
def test_a_placeholder_inside_real_text_fails(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidOutput, match=reason.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        validate(_with(**changes), "en")
