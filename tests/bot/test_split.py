"""Packing blocks into messages and cutting long blocks at safe boundaries, for HTML and Markdown."""

from __future__ import annotations

import random
import re

import pytest

from bot.render.split import HTML, MARKDOWN, PLAIN, split_blocks, split_text
from bot.render.telegram_html import visible_length, visible_text
from tests.fakes.telegram_entities import parse_html


def squash(text: str) -> str:
    """Text without whitespace: cuts may drop spaces and newlines, never anything else."""
    return re.sub(r"\s+", "", text)


def assert_valid_html(pieces: list[str], limit: int) -> None:
    for piece in pieces:
        parsed = parse_html(piece)  # raises like Telegram on unbalanced or cut markup
        assert parsed.text.strip(), f"empty piece: {piece!r}"
        assert visible_length(piece) <= limit


class TestPacking:
    def test_blocks_that_fit_share_one_message(self) -> None:
        """Small blocks are joined in order with a blank line."""
        assert split_blocks(["a", "b", "c"], 100, len, syntax=PLAIN) == ["a\n\nb\n\nc"]

    def test_greedy_packing_keeps_blocks_whole(self) -> None:
        """A block that does not fit the current message starts the next one, uncut."""
        blocks = ["x" * 40, "y" * 40, "z" * 40, "w" * 10]
        assert split_blocks(blocks, 90, len, syntax=PLAIN) == [
            "x" * 40 + "\n\n" + "y" * 40,
            "z" * 40 + "\n\n" + "w" * 10,
        ]

    def test_blank_blocks_are_skipped(self) -> None:
        """Empty blocks (or only empty tags) never produce an empty message."""
        assert split_blocks(["", "<b></b>", "  ", "text"], 50, visible_length) == ["text"]
        assert split_blocks([], 50, visible_length) == []

    def test_long_block_fills_the_current_message_first(self) -> None:
        """An oversized block starts in the room left after a short block, at a sentence."""
        long = " ".join(f"Sentence number {i} is here." for i in range(20))
        messages = split_blocks(["Header", long], 120, len, syntax=PLAIN)
        assert messages[0].startswith("Header\n\nSentence number 0 is here.")
        assert messages[0].endswith("here.")
        assert all(len(m) <= 120 for m in messages)
        assert squash("".join(messages)) == squash("Header" + long)
        assert len(messages) <= 6  # 570 characters: 5 full messages at best


class TestBoundaries:
    def test_paragraph_boundary_preferred(self) -> None:
        """A good paragraph break wins over a later line or sentence break."""
        text = "First paragraph. " * 4 + "\n\n" + "Second line.\nThird. " * 3
        pieces = split_text(text, 90, len, syntax=PLAIN)
        assert pieces[0] == ("First paragraph. " * 4).strip()

    def test_line_then_sentence_then_word_then_character(self) -> None:
        """Each finer boundary is used only when the coarser ones give no good cut."""
        lines = "line one is here\nline two is here\nline three here"
        assert split_text(lines, 35, len, syntax=PLAIN)[0] == "line one is here\nline two is here"
        sentences = "One two three. Four five six. Seven eight nine."
        assert split_text(sentences, 32, len, syntax=PLAIN)[0] == "One two three. Four five six."
        words = "alpha beta gamma delta epsilon zeta eta theta"
        assert split_text(words, 20, len, syntax=PLAIN)[0] == "alpha beta gamma"
        assert split_text("x" * 25, 10, len, syntax=PLAIN) == ["x" * 10, "x" * 10, "x" * 5]

    def test_cjk_sentences(self) -> None:
        """Chinese has no spaces: cuts land after 。！？ rather than mid-sentence."""
        text = "这是第一句话，内容很长。" * 3 + "这是第二句话！" * 3
        pieces = split_text(text, 30, len, syntax=PLAIN)
        assert all(p.endswith(("。", "！")) for p in pieces)
        assert "".join(pieces) == text

    def test_utf16_measure(self) -> None:
        """With a UTF-16 measure, emoji count twice and pieces stay within the limit."""
        text = "😀 " * 300
        pieces = split_text(text, 100, visible_length)
        assert all(visible_length(p) <= 100 for p in pieces)
        assert squash("".join(pieces)) == squash(text)


class TestHtml:
    def test_never_cuts_inside_a_tag_or_entity(self) -> None:
        """Entities and tags stay whole at any limit; every piece parses like Telegram."""
        text = '<b>R&amp;D <a href="https://x.org/?a=1&amp;b=2">link</a> &lt;tag&gt;</b> ' * 40
        for limit in (7, 13, 50, 333):
            pieces = split_text(text, limit, visible_length, syntax=HTML)
            assert_valid_html(pieces, limit)
            assert squash("".join(visible_text(p) for p in pieces)) == squash(visible_text(text))

    def test_open_tags_closed_and_reopened(self) -> None:
        """An expandable blockquote with bold text is closed at the cut and reopened after it."""
        body = "\n\n".join(f"<b>Heading {i}</b>\n" + "word " * 30 for i in range(6))
        text = f"<blockquote expandable>{body}</blockquote>"
        pieces = split_text(text, 200, visible_length)
        assert len(pieces) > 2
        assert_valid_html(pieces, 200)
        for piece in pieces:
            assert piece.startswith("<blockquote expandable>")
            assert piece.endswith("</blockquote>")

    def test_link_reopened_with_its_href(self) -> None:
        """A long link text cut in two keeps the same href in both pieces."""
        text = (
            '<a href="https://arxiv.org/abs/1?x=&quot;y&quot;">' + "long anchor text " * 20 + "</a>"
        )
        pieces = split_text(text, 100, visible_length)
        assert len(pieces) >= 3
        assert_valid_html(pieces, 100)
        for piece in pieces:
            entity = parse_html(piece).entities[0]
            assert entity["url"] == 'https://arxiv.org/abs/1?x="y"'

    def test_pre_code_block_reopened_with_language(self) -> None:
        """Code blocks keep their language on every piece."""
        code = "\n".join(f"x_{i} = {i} &lt; {i + 1}" for i in range(60))
        text = f'<pre><code class="language-python">{code}</code></pre>'
        pieces = split_text(text, 200, visible_length)
        assert_valid_html(pieces, 200)
        for piece in pieces:
            [entity] = parse_html(piece).entities
            assert entity == {**entity, "type": "pre", "language": "python"}

    @pytest.mark.parametrize("seed", range(40))
    def test_random_nested_markup(self, seed: int) -> None:
        """Random nested markup and limits: pieces valid, within the limit, nothing lost."""
        rng = random.Random(seed)
        blocks = [_random_html(rng, depth=0) for _ in range(rng.randint(1, 6))]
        limit = rng.choice([30, 64, 200, 1000])
        pieces = split_blocks(blocks, limit, visible_length)
        assert_valid_html(pieces, limit)
        expected = squash("".join(visible_text(b) for b in blocks))
        assert squash("".join(visible_text(p) for p in pieces)) == expected


_WORDS = ["paper", "model", "R&amp;D", "&lt;x&gt;", "数据", "😀", "loss.", "results!", "\n", "\n\n"]
_TAGS = ["b", "i", "u", "s", "code", 'a href="https://e.org/?q=1&amp;r=2"', "tg-spoiler"]


def _random_html(rng: random.Random, depth: int) -> str:
    parts = []
    for _ in range(rng.randint(1, 12)):
        if depth < 3 and rng.random() < 0.3:
            tag = rng.choice(_TAGS)
            name = tag.split()[0]
            parts.append(f"<{tag}>{_random_html(rng, depth + 1)}</{name}>")
        else:
            parts.append(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 15))))
    inner = " ".join(parts)
    if depth == 0 and rng.random() < 0.4:
        return f"<blockquote expandable>{inner}</blockquote>"
    return inner


class TestMarkdown:
    def test_code_fence_closed_and_reopened(self) -> None:
        """Discord: a long code block is split into fenced pieces with the same language."""
        code = "```python\n" + "\n".join(f"print({i})" for i in range(100)) + "\n```"
        pieces = split_text(code, 200, len, syntax=MARKDOWN)
        assert len(pieces) > 3
        for piece in pieces:
            assert len(piece) <= 200
            assert piece.startswith("```python\n") and piece.endswith("```")
            assert piece.count("```") == 2

    def test_bold_carried_and_links_kept_whole(self) -> None:
        """Bold markers are balanced in every piece; [links](url) are never cut."""
        text = "**" + " ".join(f"[paper {i}](https://arxiv.org/abs/{i})" for i in range(30)) + "**"
        pieces = split_blocks([text], 150, len, syntax=MARKDOWN)
        for piece in pieces:
            assert len(piece) <= 150
            assert piece.startswith("**") and piece.endswith("**")
            assert re.fullmatch(r"\*\*(\[paper \d+\]\(https://arxiv\.org/abs/\d+\)\s*)+\*\*", piece)

    def test_unbreakable_part_over_the_limit(self) -> None:
        """A single link longer than the limit cannot be split: a clear ValueError."""
        with pytest.raises(ValueError, match="unbreakable"):
            split_text("[x](https://example.org/" + "a" * 100 + ")", 50, len, syntax=MARKDOWN)


class TestLongAtoms:
    def test_link_with_a_huge_href(self) -> None:
        """An href longer than the limit costs nothing visible: text around it still splits."""
        url = "https://example.org/?q=" + "a" * 6000
        text = "intro " * 50 + f'<a href="{url}">the link</a> ' + "outro words here. " * 400
        pieces = split_blocks([text], 4096, visible_length)
        assert_valid_html(pieces, 4096)
        assert sum(url in p for p in pieces) == 1
        assert squash("".join(visible_text(p) for p in pieces)) == squash(visible_text(text))

    def test_markdown_link_after_the_first_window(self) -> None:
        """A long Markdown link is kept whole even where it straddles the cut window."""
        link = "[paper](https://arxiv.org/abs/" + "1" * 150 + ")"
        text = "word " * 20 + link + " tail" * 100
        pieces = split_text(text, 200, len, syntax=MARKDOWN)
        assert all(len(p) <= 200 for p in pieces)
        assert sum(link in p for p in pieces) == 1
