"""The digest page (bot/render/digest_markdown.py) for fixed inputs: the example's structure."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot.core.messages import PaperCard
from bot.core.topic_digest import Mailing, TopicDigest
from bot.render.digest_markdown import front_matter, phrase, render_digest
from papers.announcements import announcement_for_mailing
from papers.query import parse_topic
from tests.builders import make_paper, make_summary

TUESDAY = date(2026, 11, 17)


def _mailing(day: date = TUESDAY) -> Mailing:
    return Mailing(day, announcement_for_mailing(day))


def _cards(n: int, language: str = "en", **summary: object) -> tuple[PaperCard, ...]:
    return tuple(
        PaperCard(
            make_paper(arxiv_id=f"2611.1000{i}", version=1, title=f"Paper {i}: talking heads"),
            make_summary(language, **summary),
        )
        for i in range(1, n + 1)
    )


def _digest(
    cards: tuple[PaperCard, ...],
    language: str = "en",
    topic: str = "talking head",
    mailing: Mailing | None = None,
) -> TopicDigest:
    return TopicDigest(parse_topic(topic), mailing or _mailing(), language, cards, len(cards))


def _front(page: str) -> dict[str, object]:
    """The front matter as YAML reads it (our subset: scalars and one list of strings)."""
    assert page.startswith("---\n")
    block = page.split("\n---\n", 1)[0].removeprefix("---\n")
    found: dict[str, object] = {}
    key = ""
    for line in block.splitlines():
        if line.startswith("    - "):
            value = json.loads(line.removeprefix("    - "))
            found.setdefault(key, [])
            assert isinstance(found[key], list)
            found[key].append(value)  # type: ignore[union-attr]
            continue
        key, _, value = line.partition(": ")
        key = key.rstrip(":")
        if value and value.startswith('"'):
            found[key] = json.loads(value)
        elif value:
            found[key] = value
    return found


def test_page_has_front_matter_note_date_header_and_sections_in_order() -> None:
    """Front matter keys as in the example, the model note, "# Update", a section a paper."""
    page = render_digest(_digest(_cards(3)))
    front = _front(page)
    assert list(front) == [
        "title",
        "date",
        "author",
        "categories",
        "tags",
        "description",
        "keywords",
        "lang",
    ]
    assert front["title"] == "talking head" and front["author"] == "paperboy"
    assert front["date"] == "2026-11-17 01:00:00"  # Monday 20:00 ET, the announcement, in UTC
    assert front["tags"] == ["talking head"] and front["categories"] == "Paper"
    assert "Paper 1: talking heads" in str(front["description"])
    body = page.split("\n---\n", 1)[1]
    note_at = body.index("> ⚠️ The summaries below were written by Gemini (gemini-2.5-flash)")
    header_at = body.index("\n# Update 2026-11-17\n")
    sections = [body.index(f"\n## Paper {i}: talking heads\n") for i in (1, 2, 3)]
    assert note_at < header_at < sections[0] < sections[1] < sections[2]


def test_paper_section_is_title_authors_abstract_links_summary_takeaways_analysis() -> None:
    """Each section reads like the example: metadata from arXiv first, then the card."""
    page = render_digest(_digest(_cards(1)))
    section = page[page.index("## Paper 1") :]
    order = [
        "**Authors:** Hanbo Cheng, Limin Lin",
        "Talking head generation intends to produce vivid",
        "[PDF](https://arxiv.org/pdf/2611.10001v1)",
        "**Summary**",
        "DAWN generates talking-head videos all at once",
        "**Key takeaways**",
        "1. Autoregressive talking-head generators",
        "**Analysis**",
        "1. **Background:** Talking heads are generated",
        "5. **Conclusion**",
        "    - **Limitations:** The abstract reports no user study.",
        "**Keywords:** talking head, diffusion",
    ]
    positions = [section.index(text) for text in order]
    assert positions == sorted(positions)
    assert "[Code](https://github.com/Hanbo-Cheng/DAWN-pytorch)" in section
    assert "<img" not in page and "<details>" not in page  # no figures yet


def test_chinese_page_uses_chinese_headings_and_the_example_description() -> None:
    """--lang zh: "# 2026-11-17 更新", Chinese headings and note, the example's description."""
    page = render_digest(_digest(_cards(2, "zh"), "zh", topic="talking head"))
    front = _front(page)
    assert str(front["description"]).startswith(
        "talking head 方向最新论文已更新，请持续关注 Update in 2026-11-17"
    )
    assert "\n# 2026-11-17 更新\n" in page
    assert "> ⚠️ 以下所有内容总结都来自于 Gemini (gemini-2.5-flash)" in page
    for heading in ("**作者:**", "**一句话总结**", "**要点**", "**论文分析**", "1. **研究背景:**"):
        assert heading in page
    assert "Update 2026" not in page.split("\n---\n", 1)[1]


def test_other_languages_get_their_date_header() -> None:
    """German and Japanese headers come from the label tables; an unknown language is English."""
    assert "\n# Aktualisierung vom 2026-11-17\n" in render_digest(_digest(_cards(1, "de"), "de"))
    assert "\n# 2026-11-17 の更新\n" in render_digest(_digest(_cards(1, "ja"), "ja"))
    assert "\n# Update 2026-11-17\n" in render_digest(_digest(_cards(1, "sw"), "sw"))
    assert phrase("zh-CN", "digest_update") == "{date} 更新"


def test_extractive_page_says_so_once_and_a_fallback_says_so_where_it_is() -> None:
    """All extractive: the note once at the top. Model + one fallback: the fallback's own note."""
    note = "Extractive summary: these sentences are taken from the abstract."
    extractive = render_digest(
        _digest(_cards(2, backend="extractive", model=None, extractive=True, note=note))
    )
    assert extractive.count(note) == 1 and "> ⚠️ " + note in extractive
    fallback_note = "The AI summary service was unavailable, so this is an extractive summary."
    mixed_cards = _cards(1) + tuple(
        PaperCard(
            make_paper(arxiv_id="2611.10009", title="Fallback paper"),
            make_summary(backend="extractive", model=None, extractive=True, note=fallback_note),
        )
        for _ in range(1)
    )
    mixed = render_digest(_digest(mixed_cards))
    assert "> ⚠️ The summaries below were written by Gemini" in mixed
    fallback_section = mixed[mixed.index("## Fallback paper") :]
    assert "> " + fallback_note in fallback_section


def test_weekend_and_empty_pages_are_short_and_still_valid() -> None:
    """A weekend mailing and a mailing without matches: front matter, header, one sentence."""
    saturday = Mailing(date(2026, 11, 21), None, "weekend")
    weekend = render_digest(_digest((), mailing=saturday))
    assert _front(weekend)["date"] == "2026-11-21 00:00:00"
    assert weekend.rstrip().endswith(
        "# Update 2026-11-21\n\nNo new papers on 2026-11-21: arXiv does not announce on weekends."
    )
    assert "##" not in weekend and "⚠️" not in weekend
    holiday = render_digest(_digest((), "zh", mailing=Mailing(date(2026, 11, 27), None, "holiday")))
    assert "2026-11-27 没有新论文：arXiv 节假日不发布新论文。" in holiday
    nothing = render_digest(_digest(()))
    assert "No new papers on talking head in the arXiv mailing of 2026-11-17." in nothing


def test_front_matter_survives_quotes_colons_and_markdown_in_titles() -> None:
    """A topic or title with ``:``, ``#`` and quotes stays one YAML value; headings are escaped."""
    card = PaperCard(make_paper(title='What "#1" means: a *bold* claim'), make_summary())
    digest = TopicDigest(parse_topic('"vision: language" cs.CV'), _mailing(), "en", (card,), 1)
    front = _front(front_matter(digest) + "\n---\n")
    assert front["title"] == '"vision: language" cs.CV'
    assert front["tags"] == ['"vision: language" cs.CV', "cs.CV"]
    assert 'What "#1" means: a *bold* claim' in str(front["description"])
    assert '## What "\\#1" means: a \\*bold\\* claim' in render_digest(digest)


def test_date_is_the_announcement_instant_in_utc_across_dst() -> None:
    """Summer mailings are announced at 00:00 UTC (EDT), winter ones at 01:00 UTC (EST)."""
    summer = TopicDigest(parse_topic("cs.CV"), _mailing(date(2026, 7, 14)), "en", (), 0)
    assert _front(front_matter(summer) + "\n---\n")["date"] == "2026-07-14 00:00:00"
    fixed = Mailing(TUESDAY, datetime(2026, 11, 17, 1, 0, tzinfo=UTC))
    assert (
        _front(front_matter(TopicDigest(parse_topic("cs.CV"), fixed, "en", (), 0)) + "\n---\n")[
            "date"
        ]
        == "2026-11-17 01:00:00"
    )
