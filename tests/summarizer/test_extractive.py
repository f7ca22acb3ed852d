"""The offline summarizer: real abstracts in, honest and valid summaries out."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from papers.models import Paper
from summarizer.extractive import ExtractiveSummarizer
from summarizer.extractive_l10n import PHRASES
from summarizer.extractive_text import STOP_WORDS, key_phrases, split_sentences, truncate
from summarizer.schema import (
    KEYWORD_MAX,
    MAX_KEYWORDS,
    MAX_TAKEAWAYS,
    MIN_TAKEAWAYS,
    SECTION_MAX,
    TAKEAWAY_MAX,
    TLDR_MAX,
    Summary,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DIGEST_EXAMPLE = Path("/work/shared/examples/digest-example.zh.md")
ATOM = {"a": "http://www.w3.org/2005/Atom"}
DAWN_TITLE = (
    "DAWN: Dynamic Frame Avatar with Non-autoregressive Diffusion Framework for Talking Head "
    "Video Generation"
)
# The abstract as printed in shared/examples/digest-example.zh.md (kept here so the test
# does not depend on a file outside the repository; the file is checked when present).
DAWN_ABSTRACT = (
    "Talking head generation intends to produce vivid and realistic talking head videos from a "
    "single portrait and speech audio clip. Although significant progress has been made in "
    "diffusion-based talking head generation, almost all methods rely on autoregressive "
    "strategies, which suffer from limited context utilization beyond the current generation "
    "step, error accumulation, and slower generation speed. To address these challenges, we "
    "present DAWN (Dynamic frame Avatar With Non-autoregressive diffusion), a framework that "
    "enables all-at-once generation of dynamic-length video sequences. Specifically, it "
    "consists of two main components: (1) audio-driven holistic facial dynamics generation in "
    "the latent motion space, and (2) audio-driven head pose and blink generation. Extensive "
    "experiments demonstrate that our method generates authentic and vivid videos with precise "
    "lip motions, and natural pose/blink movements. Additionally, with a high generation speed, "
    "DAWN possesses strong extrapolation capabilities, ensuring the stable production of "
    "high-quality long videos. These results highlight the considerable promise and potential "
    "impact of DAWN in the field of talking head video generation. Furthermore, we hope that "
    "DAWN sparks further exploration of non-autoregressive approaches in diffusion models. Our "
    "code will be publicly available at https://github.com/Hanbo-Cheng/DAWN-pytorch."
)
T = datetime(2024, 10, 17, tzinfo=UTC)


def make_paper(abstract: str, title: str = DAWN_TITLE, **extra: object) -> Paper:
    fields: dict[str, object] = {
        "arxiv_id": "2410.13726",
        "version": 2,
        "title": title,
        "authors": ("Hanbo Cheng", "Limin Lin", "Chenyu Liu", "Pengcheng Xia"),
        "abstract": abstract,
        "published": T,
        "updated": T,
        "primary_category": "cs.CV",
        "categories": ("cs.CV",),
    }
    fields.update(extra)
    return Paper(**fields)  # type: ignore[arg-type]


def funniest_number_paper() -> Paper:
    entry = ET.parse(FIXTURES / "arxiv-api" / "id-2104.12255v1.xml").getroot().find("a:entry", ATOM)
    assert entry is not None
    return make_paper(
        entry.findtext("a:summary", "", ATOM),
        title=entry.findtext("a:title", "", ATOM),
        arxiv_id="2104.12255",
        version=1,
        primary_category="cs.CR",
        categories=("cs.CR",),
    )


def assert_within_caps(summary: Summary) -> None:
    a = summary.analysis
    sections = [a.background, a.prior_work, a.method, a.results]
    sections += [a.conclusion.significance, a.conclusion.strengths, a.conclusion.limitations]
    assert 0 < len(summary.tldr) <= TLDR_MAX
    assert MIN_TAKEAWAYS <= len(summary.takeaways) <= MAX_TAKEAWAYS
    assert all(0 < len(t) <= TAKEAWAY_MAX for t in summary.takeaways)
    assert len(set(summary.takeaways)) == len(summary.takeaways)
    assert all(0 < len(s.strip()) <= SECTION_MAX for s in sections)
    assert len(summary.keywords) <= MAX_KEYWORDS
    assert all(0 < len(k) <= KEYWORD_MAX for k in summary.keywords)
    # what a validator would re-check: the Summary survives a JSON round trip unchanged
    assert Summary.model_validate_json(summary.model_dump_json()) == summary


async def summarize(paper: Paper, language: str = "en", text: str = "") -> Summary:
    summarizer = ExtractiveSummarizer()
    try:
        return await summarizer.summarize(paper, text, language)
    finally:
        await summarizer.aclose()


def test_dawn_abstract_matches_the_shared_example() -> None:
    if not DIGEST_EXAMPLE.exists():
        pytest.skip("shared example not available")
    assert DAWN_ABSTRACT in " ".join(DIGEST_EXAMPLE.read_text(encoding="utf-8").split())


async def test_dawn_summary_names_the_method_and_fills_every_section() -> None:
    summary = await summarize(make_paper(DAWN_ABSTRACT))

    assert "DAWN" in summary.tldr and "we present" in summary.tldr
    assert MIN_TAKEAWAYS <= len(summary.takeaways) <= MAX_TAKEAWAYS
    assert summary.tldr not in summary.takeaways
    assert not any("github.com" in t for t in summary.takeaways)
    assert "DAWN" in summary.keywords or "talking head" in summary.keywords
    a = summary.analysis
    assert a.background.startswith("Talking head generation intends")
    assert "suffer from limited context" in a.prior_work
    assert "consists of two main components" in a.method
    assert "Extensive experiments demonstrate" in a.results
    assert "promise and potential impact" in a.conclusion.significance
    assert "strong extrapolation" in a.conclusion.strengths
    assert a.conclusion.limitations == "Not stated in the abstract."
    assert_within_caps(summary)


async def test_every_sentence_is_quoted_from_the_abstract() -> None:
    summary = await summarize(make_paper(DAWN_ABSTRACT))
    a = summary.analysis
    quoted = [summary.tldr, *summary.takeaways, a.background, a.prior_work, a.method, a.results]
    quoted += [a.conclusion.significance, a.conclusion.strengths]
    for text in quoted:
        for sentence in split_sentences(text):
            assert sentence in DAWN_ABSTRACT


async def test_takeaways_keep_the_order_of_the_abstract() -> None:
    summary = await summarize(make_paper(DAWN_ABSTRACT))
    positions = [DAWN_ABSTRACT.index(t) for t in summary.takeaways]
    assert positions == sorted(positions)


async def test_provenance_is_honest() -> None:
    summary = await summarize(make_paper(DAWN_ABSTRACT))
    assert (summary.extractive, summary.backend, summary.model) == (True, "extractive", None)
    assert summary.language == "en"
    assert summary.note == PHRASES["en"].note
    assert "abstract" in summary.note and "not written by a model" in summary.note


async def test_the_same_input_gives_the_same_summary() -> None:
    first = await summarize(make_paper(DAWN_ABSTRACT), "de")
    second = await summarize(make_paper(DAWN_ABSTRACT), "de")
    assert first == second


async def test_chinese_request_keeps_english_sentences_and_says_why() -> None:
    summary = await summarize(make_paper(DAWN_ABSTRACT), "zh")
    english = await summarize(make_paper(DAWN_ABSTRACT), "en")
    assert summary.language == "zh"
    assert summary.tldr == english.tldr and summary.takeaways == english.takeaways
    assert summary.note is not None
    assert summary.note.startswith("抽取式摘要")
    assert "翻译需要使用模型" in summary.note and "Gemini" in summary.note
    assert summary.analysis.conclusion.limitations == "摘要中未提及。"


@pytest.mark.parametrize("language", ["en", "zh", "ja", "ko", "de", "fr", "es", "ru"])
def test_every_shipped_language_has_every_phrase(language: str) -> None:
    phrases = PHRASES[language]
    for name in phrases.__slots__:  # type: ignore[attr-defined]
        assert getattr(phrases, name).strip()
    assert "{title}" in phrases.title and "{authors}" in phrases.authors
    assert "{category}" in phrases.category
    if language != "en":
        assert phrases.note != PHRASES["en"].note
        assert "Gemini" in phrases.untranslated


@pytest.mark.parametrize(
    "language, note_start",
    [
        ("ja", "抽出型要約"),
        ("ko", "추출 요약"),
        ("de", "Extraktive"),
        ("fr", "Résumé extractif"),
        ("es", "Resumen extractivo"),
        ("ru", "Экстрактивное"),
        ("pt-BR", "Extractive summary"),
    ],
)
async def test_note_is_localized_with_english_fallback(language: str, note_start: str) -> None:
    summary = await summarize(make_paper(DAWN_ABSTRACT), language)
    assert summary.note is not None and summary.note.startswith(note_start)
    # not English: the note also explains why the sentences are untranslated
    assert "Gemini" in summary.note


async def test_one_sentence_abstract_still_gives_three_takeaways() -> None:
    paper = make_paper("We propose a sparse attention kernel for long-context inference.")
    summary = await summarize(paper, "fr")
    assert summary.tldr == paper.abstract
    assert summary.takeaways[0] == paper.abstract
    assert "L'article s'intitule « DAWN" in summary.takeaways[1]
    assert summary.analysis.results == "Non précisé dans le résumé."
    assert_within_caps(summary)


async def test_semicolons_split_a_thin_abstract_into_statements() -> None:
    paper = make_paper(
        "We study sparse attention for long documents; we prove tight bounds on its memory "
        "cost; we release an efficient GPU kernel that is twice as fast. It works well."
    )
    summary = await summarize(paper)
    assert "We prove tight bounds on its memory cost." in summary.takeaways
    assert_within_caps(summary)


@pytest.mark.parametrize("abstract", ["", "   \n  ", "0.", "???", "e.g. i.e. et al."])
async def test_empty_or_garbage_abstract_gives_a_valid_summary(abstract: str) -> None:
    summary = await summarize(make_paper(abstract))
    assert_within_caps(summary)
    assert summary.analysis.conclusion.limitations == "Not stated in the abstract."
    assert any("DAWN" in t for t in summary.takeaways)  # the title statement


async def test_paper_with_nothing_at_all_does_not_crash() -> None:
    paper = make_paper("", title="", authors=(), primary_category="", categories=())
    assert_within_caps(await summarize(paper, "ko"))


async def test_text_fills_in_when_the_abstract_is_missing() -> None:
    text = (
        "A Study of Things\nJane Doe, University of Somewhere\nAbstract\n"
        "We introduce a benchmark of scanned physics exams for evaluating reasoning models. "
        "Experiments show that current models solve fewer than half of the problems. "
        "We hope the benchmark guides future work on multimodal reasoning."
    )
    summary = await summarize(make_paper(""), "en", text)
    assert summary.tldr.startswith("We introduce a benchmark")
    assert "fewer than half" in summary.analysis.results
    assert summary.note == PHRASES["en"].note_text
    assert_within_caps(summary)


async def test_a_long_text_is_ignored_when_the_abstract_suffices() -> None:
    summary = await summarize(make_paper(DAWN_ABSTRACT), "en", "Irrelevant body text. " * 5000)
    assert "Irrelevant" not in summary.model_dump_json()
    assert summary.note == PHRASES["en"].note


async def test_funniest_number_abstract_splits_sensibly() -> None:
    paper = funniest_number_paper()
    sentences = split_sentences(paper.abstract)
    assert sentences[0] == "What is the funniest number in cryptography? 0."
    assert sentences[1].startswith("The reason is that for all x, x*0 = 0, i.e., the equation")
    assert len(sentences) == 5
    assert all(len(s) > 20 for s in sentences)  # no "0." fragment of its own

    summary = await summarize(paper)
    assert "BLS" in summary.tldr
    assert not any(t.strip() in {"0.", "0"} for t in summary.takeaways)
    assert "BLS" in summary.keywords
    assert_within_caps(summary)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("We use e.g. ResNet here. Then it ends.", ["We use e.g. ResNet here.", "Then it ends."]),
        (
            "Smith et al. Showed it first. Yes it did.",
            ["Smith et al. Showed it first.", "Yes it did."],
        ),
        (
            "See Fig. 3 for details. Gains are 3.5% on average.",
            ["See Fig. 3 for details.", "Gains are 3.5% on average."],
        ),
        (
            "Code: https://x.org/a.b/c.py. Data is released.",
            ["Code: https://x.org/a.b/c.py.", "Data is released."],
        ),
        (
            "Work by J. Smith and A. B. Jones. Next one.",
            ["Work by J. Smith and A. B. Jones.", "Next one."],
        ),
        (
            "It is fast, i.e., linear. It also scales.",
            ["It is fast, i.e., linear.", "It also scales."],
        ),
        ("Is it good? Yes! It is.", ["Is it good? Yes!", "It is."]),  # "Yes!" is too short alone
        ("我们提出了一种方法。实验表明它很有效！", ["我们提出了一种方法。", "实验表明它很有效！"]),
        ("  ", []),
    ],
)
def test_sentence_splitting(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_long_sentences_are_truncated_at_a_word_boundary() -> None:
    sentence = "word " * 100
    cut = truncate(sentence, 50)
    assert len(cut) <= 50 and cut.endswith("…") and not cut[:-1].endswith(" ")
    assert cut[:-1].split() == ["word"] * len(cut[:-1].split())


async def test_a_rambling_abstract_respects_the_caps() -> None:
    long_sentence = (
        "We propose a method that " + "carefully and repeatedly improves things " * 40 + "."
    )
    paper = make_paper(" ".join([long_sentence] * 4) + " " + "Results show 5% gains. " * 3)
    summary = await summarize(paper)
    assert summary.tldr.endswith("…")
    assert_within_caps(summary)


def test_keywords_keep_acronyms_and_drop_filler_words() -> None:
    keywords = key_phrases(DAWN_TITLE, DAWN_ABSTRACT, MAX_KEYWORDS, KEYWORD_MAX)
    assert keywords[:2] == ["DAWN", "talking head"]
    assert len(keywords) == MAX_KEYWORDS
    assert not any(k.lower() in STOP_WORDS for k in keywords)
    # plural acronyms count with their singular: one keyword, not two
    assert (
        key_phrases("", "REST APIs are common. Each API differs. APIs evolve.", 8, 60)[0] == "API"
    )
