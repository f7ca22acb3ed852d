"""The offline summarizer: picks sentences from the abstract, so paperboy works without a model key.

Deterministic and network-free. It never writes claims of its own: every tldr, takeaway and
section is a sentence of the paper (or a labelled metadata statement such as the title), and
a section with nothing to quote says so ("Not stated in the abstract.").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace

from papers.models import Paper
from summarizer.extractive_cues import (
    CODE,
    HEADLINE,
    OWN_LIMITATION,
    ROLE_CUES,
    ROLE_ORDER,
    STRENGTH,
)
from summarizer.extractive_l10n import Phrases, base_language, phrases_for
from summarizer.extractive_text import (
    content_words,
    is_acronym,
    key_phrases,
    normalize_space,
    split_clauses,
    split_sentences,
    truncate,
    words,
)
from summarizer.schema import (
    KEYWORD_MAX,
    MAX_KEYWORDS,
    MAX_TAKEAWAYS,
    MIN_TAKEAWAYS,
    SECTION_MAX,
    TAKEAWAY_MAX,
    TLDR_MAX,
    Analysis,
    Conclusion,
    Summary,
)

BACKEND = "extractive"
_WANTED_TAKEAWAYS = 5  # within MIN..MAX_TAKEAWAYS: enough to skim, short of the whole abstract
_TAKEAWAY_ROLES = ("results", "method", "prior", "significance")
_TEXT_SCAN_CHARS = 20_000  # text searched when the abstract is thin (and the most abstract read)


@dataclass(frozen=True, slots=True)
class _Sentence:
    """One candidate sentence with what the cues found in it."""

    index: int  # position in the pool: abstract first, then text
    text: str
    role: str | None
    strength: int
    own_limitation: bool
    code: bool
    from_text: bool
    score: float = 0.0


class ExtractiveSummarizer:
    """A Summarizer that quotes the abstract: the default when no model key is configured."""

    name = BACKEND

    async def summarize(
        self, paper: Paper, text: str, language: str, *, front_matter: str = ""
    ) -> Summary:
        """Summarize ``paper`` from its abstract (``text`` only fills in for a thin abstract)."""
        return build_summary(paper, text, language)

    def estimated_wait_s(self) -> float:
        """Never waits: no model, no budget."""
        return 0.0

    async def aclose(self) -> None:
        """Nothing to release; present so every backend closes the same way."""


def build_summary(paper: Paper, text: str, language: str) -> Summary:
    """The extractive Summary of ``paper``; also what model backends fall back to."""
    phrases = phrases_for(language)
    pool = _pool(paper, text)
    ranked = sorted(pool, key=lambda s: (-s.score, s.index))
    tldr_sentence = next((s for s in ranked if not s.code), ranked[0] if ranked else None)
    tldr = tldr_sentence.text if tldr_sentence else _title_statement(paper, phrases)
    takeaways, used = _takeaways(paper, pool, tldr_sentence, phrases)
    analysis, section_used = _analysis(pool, tldr_sentence, phrases)
    used += section_used
    if tldr_sentence is not None:
        used.append(tldr_sentence)
    note = phrases.note_text if any(s.from_text for s in used) else phrases.note
    if base_language(language) != "en":
        gap = "" if base_language(language) in ("zh", "ja") else " "
        note = f"{note}{gap}{phrases.untranslated}"
    return Summary(
        tldr=truncate(tldr or phrases.not_stated, TLDR_MAX),
        takeaways=tuple(takeaways),
        analysis=analysis,
        keywords=tuple(_keywords(paper, pool)),
        language=language,
        backend=BACKEND,
        model=None,
        extractive=True,
        note=note,
    )


def _pool(paper: Paper, text: str) -> list[_Sentence]:
    """The scored candidate sentences: the abstract's, plus the text's when it has < 3."""
    abstract = normalize_space(paper.abstract[:_TEXT_SCAN_CHARS])
    raw = [(t, False) for t in split_sentences(abstract)]
    if len(raw) < MIN_TAKEAWAYS and len(normalize_space(text)) > len(abstract):
        raw += [(t, True) for t in _text_sentences(text)]
    first: dict[str, tuple[str, bool]] = {}
    for sentence, from_text in raw:  # a repeated sentence counts once
        first.setdefault(sentence, (sentence, from_text))
    raw = list(first.values())
    corpus = " ".join(t for t, _ in raw)
    frequency = Counter(content_words(corpus))
    title_words = set(content_words(paper.title))
    title_names = {w for w in words(paper.title) if is_acronym(w)}
    pool = []
    for index, (sentence, from_text) in enumerate(raw):
        found = _classify(index, sentence, from_text)
        score = _score(found, frequency, title_words, title_names)
        pool.append(replace(found, score=score))
    return pool


def _text_sentences(text: str) -> list[str]:
    """Clean prose sentences from the start of the paper's text (after "Abstract" if present)."""
    head = text[:_TEXT_SCAN_CHARS]
    marker = re.search(r"\babstract\b", head[:3000], re.IGNORECASE)
    if marker:
        head = head[marker.end() :]
    keep = []
    for sentence in split_sentences(head):
        letters = sum(ch.isalpha() or ch == " " for ch in sentence)
        if 40 <= len(sentence) <= 400 and letters / len(sentence) > 0.85 and sentence[-1] in ".!?":
            keep.append(sentence)
        if len(keep) >= 30:
            break
    return keep


def _classify(index: int, sentence: str, from_text: bool) -> _Sentence:
    hits = {role: len(cue.findall(sentence)) for role, cue in ROLE_CUES.items()}
    best = max(hits.values())
    role = next((r for r in ROLE_ORDER if hits[r] == best), None) if best else None
    return _Sentence(
        index=index,
        text=sentence,
        role=role,
        strength=len(STRENGTH.findall(sentence)),
        own_limitation=bool(OWN_LIMITATION.search(sentence)),
        code=bool(CODE.search(sentence)),
        from_text=from_text,
    )


def _score(
    s: _Sentence, frequency: Counter[str], title_words: set[str], title_names: set[str]
) -> float:
    """How well a sentence stands for the paper: central words, title words, a headline cue."""
    distinct = set(content_words(s.text))
    if not distinct:
        return 0.0
    score = sum(frequency[w] for w in distinct) / math.sqrt(len(distinct))
    score += 1.5 * len(distinct & title_words)
    if HEADLINE.search(s.text):
        score += 6.0
    if any(name in s.text for name in title_names):
        score += 2.0
    count = len(s.text.split())
    if count < 8 or count > 60:
        score *= 0.5
    if s.text.rstrip().endswith("?"):
        score *= 0.4
    if s.code:
        score *= 0.1
    if s.role == "prior":  # about others' work, rarely the paper's point
        score *= 0.7
    if s.from_text:
        score *= 0.7
    return round(score, 6)


def _takeaways(
    paper: Paper, pool: list[_Sentence], tldr: _Sentence | None, phrases: Phrases
) -> tuple[list[str], list[_Sentence]]:
    """3–7 top sentences in reading order; thin abstracts are padded with real metadata."""
    candidates = [s for s in pool if s is not tldr and not s.code]
    ranked = sorted(candidates, key=lambda s: (-s.score, s.index))
    # The best sentence of each role first (what was done, found, fixed, meant), then by score.
    firsts = [next((s for s in ranked if s.role == role), None) for role in _TAKEAWAY_ROLES]
    picks = [s for s in firsts if s is not None]
    picks += [s for s in ranked if s not in picks]
    chosen = sorted(picks[:_WANTED_TAKEAWAYS], key=lambda s: s.index)
    items = [s.text for s in chosen]
    if len(items) < MIN_TAKEAWAYS:  # thin abstract: split at semicolons, the tldr included
        split = sorted(chosen + ([tldr] if tldr is not None else []), key=lambda s: s.index)
        items = [part for s in split for part in split_clauses(s.text) if part != _text(tldr)]
    extras = [tldr.text] if tldr is not None else []
    extras += [s.text for s in pool if s.code and s is not tldr]
    extras += _metadata_statements(paper, phrases) + [phrases.not_stated]
    unique: list[str] = []
    for item in [*items, *extras]:
        short = truncate(item, TAKEAWAY_MAX)
        if short not in unique and (len(unique) < MIN_TAKEAWAYS or item in items):
            unique.append(short)
    used = chosen + ([tldr] if tldr is not None else [])
    return unique[:MAX_TAKEAWAYS], used


def _text(sentence: _Sentence | None) -> str | None:
    return sentence.text if sentence is not None else None


def _metadata_statements(paper: Paper, phrases: Phrases) -> list[str]:
    """Statements of fact from the metadata, for a paper whose abstract is too thin to quote."""
    statements = []
    if paper.title.strip():
        statements.append(_title_statement(paper, phrases))
    names = [a.strip() for a in paper.authors if a.strip()]
    if names:
        shown = ", ".join(names[:3]) + (" et al." if len(names) > 3 else "")
        statements.append(phrases.authors.format(authors=shown))
    if paper.primary_category.strip():
        statements.append(phrases.category.format(category=paper.primary_category.strip()))
    return [*statements, paper.abs_url, paper.pdf_url]


def _title_statement(paper: Paper, phrases: Phrases) -> str:
    title = normalize_space(paper.title)
    return phrases.title.format(title=title) if title else phrases.not_stated


def _analysis(
    pool: list[_Sentence], tldr: _Sentence | None, phrases: Phrases
) -> tuple[Analysis, list[_Sentence]]:
    """Fill each section from the sentences whose cues fit it; say so when none do."""
    prose = [s for s in pool if not s.code]
    by_role = {role: [s for s in prose if s.role == role] for role in ROLE_CUES}
    prior, results = by_role["prior"][:2], by_role["results"][:3]
    background = _background(prose)
    method = by_role["method"][:3] or _method_fallback(prose, tldr, background)
    significance = _significance(prose, by_role["significance"], background + method + results)
    starts = [s.index for s in method if s.role == "method"]
    own_work = [s for s in prose if s.index >= (starts[0] if starts else len(pool))] or results
    quoted = {s.index for s in [*background, *prior, *method, *results, *significance]}
    strong = sorted(
        (s for s in own_work if s.strength),
        key=lambda s: (s.index in quoted, -s.strength, s.index),
    )
    fresh = [s for s in strong if s.index not in quoted]
    strong = fresh[:2] or strong[:1]  # a sentence quoted elsewhere only when nothing else fits
    limits = [s for s in prose if s.own_limitation][:2]
    analysis = Analysis(
        background=_join(background, phrases),
        prior_work=_join(prior, phrases),
        method=_join(method, phrases),
        results=_join(results, phrases),
        conclusion=Conclusion(
            significance=_join(significance, phrases),
            strengths=_join(strong, phrases),
            limitations=_join(limits, phrases),
        ),
    )
    return analysis, [*background, *prior, *method, *results, *significance, *strong, *limits]


def _background(prose: list[_Sentence]) -> list[_Sentence]:
    """The opening sentences that set the scene, before the paper says what it does."""
    first_tagged = next((s.index for s in prose if s.role in ("prior", "method")), None)
    opening = [
        s for s in prose if s.role is None and (first_tagged is None or s.index < first_tagged)
    ]
    if opening:
        return opening[:2]
    return prose[:1] if prose and prose[0].role in (None, "prior") else []


def _method_fallback(
    prose: list[_Sentence], tldr: _Sentence | None, background: list[_Sentence]
) -> list[_Sentence]:
    """Without a method cue, the most representative sentence not already used as background."""
    taken = {s.index for s in background}
    ranked = sorted(prose, key=lambda s: (s is not tldr, -s.score, s.index))
    fit = [s for s in ranked if s.index not in taken and s.role in (None, "results")]
    return fit[:1]


def _significance(
    prose: list[_Sentence], cued: list[_Sentence], used: list[_Sentence]
) -> list[_Sentence]:
    """Closing sentences about why it matters (cues late in the abstract), else the last one."""
    late = [s for s in cued if len(prose) <= 3 or s.index >= prose[len(prose) // 2].index]
    if late:
        return late[-2:]
    taken = {s.index for s in used}
    if len(prose) > 1 and prose[-1].role is None and prose[-1].index not in taken:
        return prose[-1:]
    return []


def _join(sentences: list[_Sentence], phrases: Phrases) -> str:
    """Sentences in reading order, as many as fit the section cap; the localized gap phrase if none."""
    out = ""
    for s in sorted(sentences, key=lambda s: s.index):
        candidate = f"{out} {s.text}".strip()
        if len(candidate) > SECTION_MAX:
            break
        out = candidate
    if not out and sentences:
        out = truncate(sentences[0].text, SECTION_MAX)
    return out or phrases.not_stated


def _keywords(paper: Paper, pool: list[_Sentence]) -> list[str]:
    """Up to 8 key phrases; categories fill in when the abstract offers fewer than three."""
    corpus = " ".join(s.text for s in pool if not s.code)
    keywords = key_phrases(paper.title, corpus, MAX_KEYWORDS, KEYWORD_MAX)
    for category in (paper.primary_category, *paper.categories):
        if len(keywords) >= 3:
            break
        category = category.strip()
        if category and category not in keywords and len(category) <= KEYWORD_MAX:
            keywords.append(category)
    return keywords[:MAX_KEYWORDS]
