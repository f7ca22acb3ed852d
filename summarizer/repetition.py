"""Repetition checks for model answers: the loops and filler a rambling model produces.

A real digest once printed ~5,000 characters of self-repeating text about how summaries should
be written. Word n-grams (spaced scripts) or character n-grams (Chinese, Japanese), repeated
sentences, near-identical takeaways and a low zlib compression ratio catch it; a varied summary
whose takeaways restate its analysis once or twice passes.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections import Counter
from collections.abc import Iterable

from summarizer.errors import InvalidOutput

Fields = list[tuple[str, str]]  # (dotted field name, text), in reading order

# Repetition thresholds, calibrated on real summaries (tests/summarizer/test_validation.py):
# takeaways restating the analysis repeat a phrase two or three times; rambling loops do more.
# Spans are long (a paper's key term, 8 characters or 3 words, recurs in half the fields of a
# good summary; issue 10): a loop repeats whole clauses.
WORD_NGRAM = 8  # words, for spaced scripts
CHAR_NGRAM = 14  # characters, for Chinese/Japanese
NGRAM_MAX_COUNT = 4  # a long span seen this often is a loop
NGRAM_COVERAGE = 0.25  # share of text inside n-grams seen 3+ times
FIELD_LOOP_COVERAGE = 0.35  # share of one field inside its own short n-grams seen 3+ times
SHORT_NGRAM_COVERAGE = 0.30  # share of text inside 3-grams seen 4+ times ("the summary should…")
MIN_COMPRESSION = 0.28  # zlib size / raw size over the whole answer
COMPRESSION_MIN_BYTES = 1500  # shorter texts compress badly anyway
TAKEAWAY_SIMILARITY = 0.8  # Jaccard similarity of two takeaways' bigrams
# Rambling kept under the caps (issue 10): sentences that say nothing specific, no number and
# no word shared with the paper or the summary's own tl;dr, takeaways and keywords ("This point
# deserves particular attention"). A good section has two or three such sentences at most.
EMPTY_SENTENCES = 5  # this many in one section, and …
EMPTY_SHARE = 0.4  # … this share of its sentences, is padding
MAX_SECTION_SENTENCES = 20  # the prompt asks for about 5
_WORD = re.compile(r"[^\W\d_]{5,}")

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？；;])|\n+")
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # kana and Han
_CJK_TOKEN = re.compile(f"[{_CJK}]")
_TOKEN = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")  # one CJK character, or one word
_CJK_RUN = re.compile(f"[{_CJK}\uac00-\ud7af]+")


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def _ngram_size(tokens: list[str]) -> int:
    cjk = sum(1 for t in tokens if _CJK_TOKEN.fullmatch(t))
    return CHAR_NGRAM if tokens and cjk / len(tokens) > 0.5 else WORD_NGRAM


def _ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def _join(gram: Iterable[str]) -> str:
    parts = list(gram)
    sep = "" if all(_CJK_TOKEN.fullmatch(p) for p in parts) else " "
    return sep.join(parts)[:60]


def check_repetition(fields: Fields, takeaways: list[str]) -> None:
    """Raise InvalidOutput if the answer loops, restates itself or duplicates takeaways."""
    per_field = [_tokens(text) for _, text in fields]
    n = _ngram_size([t for toks in per_field for t in toks])
    counts = _count_ngrams(per_field, n)
    if counts:
        gram, count = counts.most_common(1)[0]
        if count >= NGRAM_MAX_COUNT or _coverage(per_field, counts, n, 3) >= NGRAM_COVERAGE:
            raise InvalidOutput(
                f"the text repeats itself ('{_join(gram)}' occurs {count} times); "
                "say each thing once, concisely"
            )
    if n == WORD_NGRAM:  # rambling that varies its wording but reuses the same short phrases
        short = _count_ngrams(per_field, 3)
        if short and _coverage(per_field, short, 3, 4) >= SHORT_NGRAM_COVERAGE:
            raise InvalidOutput(
                f"the text keeps repeating the same phrases (e.g. "
                f"'{_join(short.most_common(1)[0][0])}'); say each thing once, concisely"
            )
    _check_field_loops(fields)
    _check_sentences(fields)
    _check_takeaways(takeaways)
    _check_compression(fields)


def _check_field_loops(fields: Fields) -> None:
    """One section going round in circles, even if the whole answer looks varied enough."""
    for name, text in fields:
        toks = _tokens(text)
        n = 4 if _ngram_size(toks) == CHAR_NGRAM else 3
        counts = _count_ngrams([toks], n)
        if counts and _coverage([toks], counts, n, 3) >= FIELD_LOOP_COVERAGE:
            raise InvalidOutput(
                f"{name} keeps repeating the same phrases (e.g. "
                f"'{_join(counts.most_common(1)[0][0])}'); say each thing once, concisely"
            )


def _count_ngrams(per_field: list[list[str]], n: int) -> Counter[tuple[str, ...]]:
    counts: Counter[tuple[str, ...]] = Counter()
    for toks in per_field:  # n-grams never span two fields
        counts.update(_ngrams(toks, n))
    return counts


def _coverage(
    per_field: list[list[str]], counts: Counter[tuple[str, ...]], n: int, min_count: int
) -> float:
    """The share of tokens that sit inside an n-gram seen at least ``min_count`` times."""
    total = sum(len(toks) for toks in per_field)
    if total < 40:
        return 0.0
    covered = 0
    for toks in per_field:
        hit = [False] * len(toks)
        for i, gram in enumerate(_ngrams(toks, n)):
            if counts[gram] >= min_count:
                hit[i : i + n] = [True] * n
        covered += sum(hit)
    return covered / total


def _normal_sentence(sentence: str) -> str:
    return "".join(_tokens(sentence))


def _check_sentences(fields: Fields) -> None:
    seen: Counter[str] = Counter()
    for name, text in fields:
        local: Counter[str] = Counter()
        for sentence in _SENTENCE_END.split(text):
            key = _normal_sentence(sentence)
            if len(key) < 16:
                continue
            local[key] += 1
            seen[key] += 1
            if local[key] > 1 or seen[key] > 2:
                where = name if local[key] > 1 else "several fields"
                raise InvalidOutput(
                    f"the sentence '{sentence.strip()[:60]}' is repeated in {where}; "
                    "say each thing once"
                )


def _bigrams(text: str) -> set[tuple[str, str]]:
    toks = _tokens(text)
    return set(itertools.pairwise(toks))


def _check_takeaways(takeaways: list[str]) -> None:
    grams = [_bigrams(t) for t in takeaways]
    for i in range(len(grams)):
        for j in range(i + 1, len(grams)):
            union = grams[i] | grams[j]
            if union and len(grams[i] & grams[j]) / len(union) >= TAKEAWAY_SIMILARITY:
                raise InvalidOutput(
                    f"takeaways {i + 1} and {j + 1} say the same thing; make each one distinct"
                )


def _check_compression(fields: Fields) -> None:
    data = "\n".join(text for _, text in fields).encode("utf-8")
    if len(data) < COMPRESSION_MIN_BYTES:
        return
    ratio = len(zlib.compress(data, 9)) / len(data)
    if ratio < MIN_COMPRESSION:
        raise InvalidOutput(
            f"the text is highly repetitive (it compresses to {ratio:.0%} of its size); "
            "say each thing once, concisely"
        )


def _anchors(text: str) -> set[str]:
    """Words of 5+ letters, and runs of three CJK/Hangul characters, lower-cased."""
    lowered = text.lower()
    found = set(_WORD.findall(lowered))
    for run in _CJK_RUN.findall(lowered):
        found.update(run[i : i + 3] for i in range(len(run) - 2))
    return found


def check_padding(fields: Fields, about: str) -> None:
    """Raise InvalidOutput if a section is padded with sentences that say nothing specific.

    ``about``: what the summary is about (the paper's text, the tl;dr, takeaways and keywords);
    a sentence sharing no word with it and carrying no number is empty.
    """
    core = _anchors(about)
    for name, text in fields:
        if not name.startswith("analysis."):
            continue
        sentences = [s for s in _SENTENCE_END.split(text) if len(s.strip()) > 1]
        if len(sentences) > MAX_SECTION_SENTENCES:
            raise InvalidOutput(
                f"{name} has {len(sentences)} sentences; keep it to about 5, each saying "
                "something specific about the paper"
            )
        empty = [s for s in sentences if not re.search(r"\d", s) and not _anchors(s) & core]
        if len(empty) >= EMPTY_SENTENCES and len(empty) >= EMPTY_SHARE * len(sentences):
            raise InvalidOutput(
                f"{name} is padded with sentences that say nothing specific about the paper "
                f"(e.g. '{empty[0].strip()[:60]}'); keep only what the paper says"
            )
