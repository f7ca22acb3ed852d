"""Sections and the excerpt: headings found and classified, the budget kept, the references left
out (issue 8, "Full-text summaries"), on synthetic lines and on the two real PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest

from papers.pdf_text import PdfPaper, parse_pdf
from papers.sections import (
    Section,
    TextLine,
    build_excerpt,
    classify,
    estimate_tokens,
    make_sections,
    split_lines,
)

PDFS = Path(__file__).resolve().parents[1] / "fixtures" / "pdfs"


@pytest.fixture(scope="module")
def citesee() -> PdfPaper:
    """2302.07302v1 (CiteSee, ACM CHI, two columns, 15 pages), read in this process."""
    return parse_pdf(str(PDFS / "2302.07302v1.pdf"), 40)


@pytest.fixture(scope="module")
def expository() -> PdfPaper:
    """2304.02623v1 (a four-page workshop paper with two-line headings)."""
    return parse_pdf((PDFS / "2304.02623v1.pdf").read_bytes(), 40)


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("INTRODUCTION", "intro"),
        ("Related Work", "related"),
        ("Proposed Approach", "method"),
        ("SYSTEM DESIGN", "method"),
        ("Experimental Setup", "results"),
        ("STUDY 2: FIELD DEPLOYMENT", "results"),
        ("Results and Discussion", "results"),
        ("Conclusion and Limitations", "conclusion"),
        ("LIMITATIONS AND FUTURE WORK", "limitations"),
        ("Future Work", "conclusion"),
        ("Acknowledgments", "back_matter"),
        ("References", "references"),
        ("Bibliography", "references"),
        ("Appendix B: Proofs", "appendix"),
        ("Abstract", "abstract"),
        ("Characterizing Expository Writing", "other"),
    ],
)
def test_heading_kinds(title: str, kind: str) -> None:
    """A heading names its kind by keywords."""
    assert classify(title) == kind


def test_kinds_in_context() -> None:
    """After the references everything is appendix; the first unnamed section after the
    introduction is the method when none is named; Discussion is a conclusion only alone."""
    sections = make_sections([
        ("1", "Introduction", "intro text", None),
        ("2", "Related work", "related", None),
        ("3", "The Lattice", "how it works", None),
        ("4", "Evaluation", "numbers", None),
        ("5", "Discussion", "what it means", None),
        ("6", "Conclusion", "the end", None),
        ("", "References", "[1] A. Author", None),
        ("A", "Proof of Theorem 1", "a proof", None),
        ("B", "Limitations", "some", None),
    ])  # fmt: skip
    kinds = [s.kind for s in sections]
    assert kinds == ["intro", "related", "method", "results", "results", "conclusion",
                     "references", "appendix", "appendix"]  # fmt: skip
    alone = make_sections([("1", "Introduction", "x", None), ("2", "Discussion", "y", None)])
    assert alone[1].kind == "conclusion"
    preamble = make_sections(
        [("", "", "untitled opening text " * 20, None), ("1", "Methods", "m", None)]
    )
    assert preamble[0].kind == "intro"


def _line(text: str, **style: bool) -> TextLine:
    return TextLine(text=text, page=0, **style)


def test_split_lines_finds_numbered_and_named_headings() -> None:
    """Numbered headings must be styled and rise by 1-3; subsections stay inside their section;
    a heading's second line is joined to it; list items like "2 days" are text."""
    h = {"styled": True, "bold": True}
    lines = [
        _line("ABSTRACT", **h, bigger=True),
        _line("We study things.", par_end=True),
        _line("1 INTRODUCTION", **h),
        _line("Text of the introduction that goes on."),
        _line("2 days later it ended.", par_end=True),  # not styled: a sentence
        _line("2 DESIGNING AI SUPPORTS FOR", **h),
        _line("EXPOSITORY WRITING", **h),
        _line("Method text, first paragraph.", par_end=True),
        _line("2.1 The Adapter", **h),
        _line("Adapter details."),
        _line("7 Far Too Far", **h),  # jumps from 2 to 7: not a heading
        _line("3 EVALUATION", **h),
        _line("Numbers.", par_end=True),
        _line("REFERENCES", **h),
        _line("[1] A. Author. 2020. A paper."),
    ]
    sections = split_lines(lines)
    assert [(s.number, s.title, s.kind) for s in sections] == [
        ("", "ABSTRACT", "abstract"),
        ("1", "INTRODUCTION", "intro"),
        ("2", "DESIGNING AI SUPPORTS FOR EXPOSITORY WRITING", "method"),
        ("3", "EVALUATION", "results"),
        ("", "REFERENCES", "references"),
    ]
    assert "2 days later it ended." in sections[1].text
    method = sections[2].text.split("\n\n")
    assert method == ["Method text, first paragraph.", "2.1 The Adapter",
                      "Adapter details. 7 Far Too Far"]  # fmt: skip


def test_soft_hyphens_join_words() -> None:
    """A word broken across lines with a soft hyphen comes out whole."""
    sections = split_lines([
        _line("1 Introduction", styled=True, bold=True),
        _line("knowledge gen\u00ad"),
        _line("erating writing."),
    ])  # fmt: skip
    assert sections[0].text == "knowledge generating writing."


def test_estimate_tokens() -> None:
    """About four ASCII characters per token, one per CJK or other non-ASCII character."""
    assert estimate_tokens("") == 0
    assert estimate_tokens("a" * 400) == 100
    assert estimate_tokens("深度学习模型") == 6
    assert estimate_tokens("abcd深") == 2


def _paper_sections() -> list[Section]:
    body = "This sentence carries some content about the paper. "
    return [
        Section("", "Abstract", "abstract", "ABSTRACT-TEXT " * 50),
        Section("1", "Introduction", "intro", ("INTRO " + body * 30 + "\n\n") * 3),
        Section("2", "Related Work", "related", ("RELATED " + body * 30 + "\n\n") * 3),
        Section("3", "Method", "method", ("METHOD " + body * 40 + "\n\n") * 5),
        Section("4", "Experiments", "results", ("RESULTS " + body * 40 + "\n\n") * 5),
        Section("5", "Limitations", "limitations", "LIMITS " + body * 10),
        Section("6", "Conclusion", "conclusion", "CONCLUSION " + body * 8),
        Section("", "Acknowledgments", "back_matter", "ACK " + body),
        Section("", "References", "references", "REFERENCE-ENTRY " * 400),
        Section("A", "Extra", "appendix", ("APPENDIX " + body * 30 + "\n\n") * 4),
    ]


@pytest.mark.parametrize("budget", [0, 30, 120, 500, 1500, 3000, 6000, 20000, 100000])
def test_excerpt_keeps_the_budget_and_never_holds_references(budget: int) -> None:
    """Whatever the budget, the excerpt fits it and has no references, abstract or back matter."""
    excerpt = build_excerpt(_paper_sections(), budget)
    assert estimate_tokens(excerpt) <= budget
    for absent in ("REFERENCE-ENTRY", "ABSTRACT-TEXT", "ACK "):
        assert absent not in excerpt


def test_excerpt_favours_the_core_sections() -> None:
    """A tight budget goes to intro, method, results and conclusion, in reading order; related
    work and appendices only get what is left."""
    excerpt = build_excerpt(_paper_sections(), 1500)
    heads = [line for line in excerpt.splitlines() if line.startswith("## ")]
    assert heads == ["## 1 Introduction", "## 3 Method", "## 4 Experiments", "## 6 Conclusion"]
    assert "CONCLUSION" in excerpt and "…" in excerpt  # long sections cut, marked
    roomy = build_excerpt(_paper_sections(), 100000)
    assert "RELATED" in roomy and "APPENDIX" in roomy and "LIMITS" in roomy
    assert roomy.index("RELATED") < roomy.index("METHOD") < roomy.index("APPENDIX")


def test_long_section_is_covered_end_to_end() -> None:
    """A cut section keeps the opening sentence of each paragraph rather than only its start."""
    paragraphs = [
        f"Opening {i} of the paragraph. " + "Detail follows here. " * 40 for i in range(6)
    ]
    section = Section("3", "Method", "method", "\n\n".join(paragraphs))
    excerpt = build_excerpt([section], 300)
    assert all(f"Opening {i}" in excerpt for i in range(6))
    assert estimate_tokens(excerpt) <= 300


def test_real_two_column_paper_splits(citesee: PdfPaper) -> None:
    """CiteSee: numbered ACM headings with their numbers split off by PDFium are found, and the
    intro, method, results and conclusion are where a reader would put them."""
    assert (citesee.page_count, citesee.pages_read) == (15, 15)
    by_kind = {s.kind: s for s in reversed(citesee.sections)}
    assert [s.number for s in citesee.sections if s.number] == [str(n) for n in range(1, 9)]
    assert by_kind["intro"].title == "INTRODUCTION"
    assert by_kind["method"].title == "SYSTEM DESIGN"
    assert by_kind["results"].title.startswith("STUDY 1")
    assert by_kind["conclusion"].title == "CONCLUSION"
    assert by_kind["limitations"].title == "LIMITATIONS AND FUTURE WORK"
    assert by_kind["references"].title == "REFERENCES"
    assert "arXiv:2302.07302v1" not in by_kind["intro"].text  # the side stamp is not text
    assert "Allen Institute for AI" in citesee.front_matter
    assert "University of Pennsylvania" in citesee.front_matter
    assert "axz@cs.uw.edu" in citesee.front_matter


def test_real_paper_excerpt_within_budget_without_references(citesee: PdfPaper) -> None:
    """The excerpt of a real paper fits 6000 tokens, uses most of it, and quotes no reference."""
    excerpt = build_excerpt(citesee.sections, 6000)
    assert 4000 < estimate_tokens(excerpt) <= 6000
    assert "## 1 INTRODUCTION" in excerpt and "## 8 CONCLUSION" in excerpt
    references = next(s for s in citesee.sections if s.kind == "references").text
    entry = references.split("\n\n")[3][:60]
    assert entry and entry not in excerpt
    assert "REFERENCES" not in excerpt


def test_pages_beyond_the_cap_are_not_read() -> None:
    """max_pages bounds the work: only the first pages give text."""
    first_two = parse_pdf(str(PDFS / "2302.07302v1.pdf"), 2)
    assert (first_two.page_count, first_two.pages_read) == (15, 2)
    kinds = [s.kind for s in first_two.sections]
    assert "intro" in kinds and "conclusion" not in kinds


def test_real_short_paper_splits(expository: PdfPaper) -> None:
    """2304.02623: two-line headings are joined; intro, method and conclusion are found; the
    affiliations of its front matter are there."""
    titles = {s.kind: s.title for s in expository.sections}
    assert titles["intro"] == "INTRODUCTION"
    assert titles["method"] == "DESIGNING AI SUPPORTS FOR EXPOSITORY WRITING"
    assert titles["conclusion"] == "CONCLUSION"
    assert "Massachusetts Institute of Technology" in expository.front_matter
    assert "Northwestern University" in expository.front_matter
    assert "https://platform.openai.com/examples" in expository.links
