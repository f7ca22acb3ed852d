"""Plain, Markdown and JSON renderings of a paper card: what a reader of each format sees."""

from __future__ import annotations

import json

from bot.core.messages import Notice, PaperCard, Reply, Tone
from bot.render import markdown, plain
from bot.render.json_document import card_document
from tests.builders import DAWN_AUTHORS, make_paper, make_summary


def test_markdown_card_follows_the_digest_layout() -> None:
    """Title, authors, links, summary, takeaways, analysis, keywords, footer — in that order."""
    text = markdown.render_reply(Reply((PaperCard(make_paper(), make_summary()),)))
    order = [
        "## DAWN: Dynamic Frame Avatar",
        "**Authors:** Hanbo Cheng, Limin Lin",
        "[Abstract](https://arxiv.org/abs/2410.13726v2) · [PDF](https://arxiv.org/pdf/2410.13726v2)"
        " · [Code](https://github.com/Hanbo-Cheng/DAWN-pytorch)",
        "**Summary**",
        "DAWN generates talking-head videos",
        "**Key takeaways**",
        "1. Autoregressive talking-head generators",
        "3. Lip motion",
        "**Analysis**",
        "- **Background:**",
        "- **Prior work and its problems:**",
        "- **Method:**",
        "- **Results:**",
        "- **Conclusion**",
        "  - **Significance:**",
        "  - **Strengths:**",
        "  - **Limitations:** The abstract reports no user study.",
        "**Keywords:** talking head, diffusion, non-autoregressive",
        "> From the abstract · Summarized by Gemini (gemini-2.5-flash)",
    ]
    positions = [text.index(piece) for piece in order]
    assert positions == sorted(positions)


def test_markdown_zh_has_chinese_headings() -> None:
    """--lang zh: the headings of the example digest's kind, in Chinese."""
    text = markdown.render_card(PaperCard(make_paper(), make_summary("zh")))
    for heading in ("**作者:**", "**一句话总结**", "**要点**", "**研究背景:**", "**过去的方法及问题:**",
                    "**研究方法:**", "**任务与性能:**", "**意义:**", "**局限性:**", "**关键词:**"):
        assert heading in text


def test_markdown_escapes_arxiv_and_model_text() -> None:
    """Markdown syntax in a title or a summary shows literally instead of breaking the page."""
    paper = make_paper(title="Learning *fast* [x] with `code` and a_b_c", code_url=None)
    text = markdown.render_card(PaperCard(paper, make_summary(tldr="Uses **bold** claims [1].")))
    assert r"## Learning \*fast\* \[x\] with \`code\` and a\_b\_c" in text
    assert r"Uses \*\*bold\*\* claims \[1\]." in text
    assert "[Code]" not in text


def test_long_author_lists_are_shortened() -> None:
    """A 300-author collaboration shows ten names and the count."""
    authors = tuple(f"Author {i}" for i in range(300))
    text = plain.render_card(PaperCard(make_paper(authors=authors), make_summary()))
    assert "Author 9 et al. (300 authors)" in text and "Author 10" not in text


def test_extractive_note_replaces_the_model_credit() -> None:
    """An extractive summary never claims to be written by a model."""
    summary = make_summary(backend="extractive", model=None, extractive=True,
                           note="Sentences taken from the abstract, not a model summary.")
    text = plain.render_card(PaperCard(make_paper(), summary))
    assert "Sentences taken from the abstract" in text and "Summarized by" not in text


def test_plain_reply_shows_notices_with_their_tone() -> None:
    """Errors stand out in the console."""
    reply = Reply((Notice("hello"), Notice("arXiv is down", Tone.ERROR)))
    assert plain.render_reply(reply) == "hello\n\nSorry: arXiv is down"


def test_json_document_has_versioned_id_metadata_and_every_summary_field() -> None:
    """--format json: arXiv metadata plus every field of the summary, JSON-serialisable."""
    doc = json.loads(json.dumps(card_document(PaperCard(make_paper(), make_summary()))))
    assert doc["id"] == "2410.13726v2" and doc["version"] == 2
    assert doc["authors"] == list(DAWN_AUTHORS)
    assert doc["links"] == {
        "abs": "https://arxiv.org/abs/2410.13726v2",
        "pdf": "https://arxiv.org/pdf/2410.13726v2",
        "code": "https://github.com/Hanbo-Cheng/DAWN-pytorch",
    }
    s = doc["summary"]
    assert set(s) == {"language", "tldr", "takeaways", "analysis", "keywords", "backend", "model",
                      "extractive", "note", "title_translation", "source", "source_note"}
    assert set(s["analysis"]) == {"background", "prior_work", "method", "results", "conclusion"}
    assert set(s["analysis"]["conclusion"]) == {"significance", "strengths", "limitations"}
