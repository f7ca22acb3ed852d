"""Hypothesis strategies shared by the fuzz tests: hostile text, papers and summaries."""

from __future__ import annotations

from hypothesis import strategies as st

from papers.models import Paper
from summarizer.schema import Analysis, Conclusion, Summary
from tests.builders import make_paper, make_summary

__all__ = ["CHUNK", "TEXT", "papers", "summaries"]

SECTIONS = ("background", "prior_work", "method", "results")

MARKUP = st.sampled_from(
    ["*", "_", "~", "|", "`", "[", "]", "(", ")", "<", ">", "#", "-", "\\", "@everyone", "\n",
     " ", "https://x.org/a_b", "<@123456789012345678>", "**", "||", "```", "…", "。",
     "&", "&amp;", "&lt;", "<b>", "</i>", '<a href="x">', "𝑥", "👍🏽", "\u200b", "\r\n", "\t"]
)  # fmt: skip
CHUNK = st.lists(st.one_of(MARKUP, st.text(max_size=12)), max_size=12).map("".join)
TEXT = st.one_of(
    CHUNK,
    st.builds(lambda chunk, times: chunk * times, CHUNK, st.integers(1, 400)),
    st.builds(lambda word, times: (word + " ") * times, st.text(min_size=1, max_size=8),
              st.integers(1, 800)),
)  # fmt: skip


@st.composite
def papers(draw: st.DrawFn) -> Paper:
    categories = draw(st.lists(st.text(max_size=20), max_size=30))
    return make_paper(
        arxiv_id=draw(st.from_regex(r"\d{4}\.\d{4,5}|[a-z-]{2,9}/\d{7}", fullmatch=True)),
        version=draw(st.integers(1, 30)),
        title=draw(TEXT),
        authors=tuple(draw(st.lists(CHUNK, max_size=250))),
        primary_category=draw(st.text(max_size=20)),
        categories=tuple(categories),
        code_url=draw(st.one_of(st.none(), st.just("https://github.com/x/y"), CHUNK)),
    )


@st.composite
def summaries(draw: st.DrawFn) -> Summary:
    texts = st.lists(TEXT, max_size=9).map(tuple)
    return make_summary(
        draw(st.sampled_from(["en", "zh", "ja", "ru", "xx"])),
        tldr=draw(TEXT),
        takeaways=draw(texts),
        analysis=Analysis(
            **{name: draw(TEXT) for name in SECTIONS},
            conclusion=Conclusion(
                significance=draw(TEXT), strengths=draw(TEXT), limitations=draw(TEXT)
            ),
        ),
        keywords=draw(texts),
        note=draw(st.one_of(st.none(), TEXT)),
    )
