"""Pack rendered blocks into as few messages as a platform's limit allows, cutting only safely.

Renderers produce a card as ordered blocks (title, links, summary, analysis, ...), each balanced
markup. ``split_blocks`` joins them into messages within a limit that the caller measures its own
way (Telegram: visible UTF-16 units after entity parsing; Discord: characters). A block too long
for one message is cut at a paragraph, else a line, else a sentence, else a word boundary (a bare
character cut is the last resort), never inside a tag, an entity, a link or a code span, and the
markup open at the cut is closed at the end of one piece and reopened at the start of the next,
so every message is balanced on its own. What counts as markup is a ``Syntax``: ``HTML`` for
Telegram, ``MARKDOWN`` for Discord, ``PLAIN`` for none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

Measure = Callable[[str], int]

__all__ = [
    "HTML",
    "MARKDOWN",
    "PLAIN",
    "HtmlSyntax",
    "MarkdownSyntax",
    "Measure",
    "PlainSyntax",
    "Syntax",
    "split_blocks",
    "split_text",
]


class Syntax(Protocol):
    """What a splitter must know about a markup language to cut it without breaking it."""

    def atoms(self, text: str) -> Iterator[tuple[int, int]]:
        """Spans ``(start, end)``, in order, never to be cut inside (tags, entities, links)."""
        ...

    def carry(self, head: str) -> tuple[str, str]:
        """Markup still open at the end of ``head``: (text that closes it, text that reopens it)."""
        ...

    def tidy(self, piece: str) -> str:
        """Drop markup left empty by a cut (``<b></b>``)."""
        ...

    def is_blank(self, piece: str) -> bool:
        """True when a piece would show nothing but markup and whitespace."""
        ...


class PlainSyntax:
    """Text without markup: any boundary is safe and nothing needs reopening."""

    def atoms(self, text: str) -> Iterator[tuple[int, int]]:
        return iter(())

    def carry(self, head: str) -> tuple[str, str]:
        return "", ""

    def tidy(self, piece: str) -> str:
        return piece

    def is_blank(self, piece: str) -> bool:
        return not piece.strip()


_HTML_ATOM = re.compile(r"<[^>]*>|&(?:#\d+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);")
_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")
_HTML_EMPTY = re.compile(r"<([a-zA-Z][\w-]*)(?:\s[^>]*)?></\1>")


class HtmlSyntax:
    """Telegram-style HTML: tags and character references are atoms; open tags are carried."""

    def atoms(self, text: str) -> Iterator[tuple[int, int]]:
        return (m.span() for m in _HTML_ATOM.finditer(text))

    def carry(self, head: str) -> tuple[str, str]:
        stack: list[tuple[str, str]] = []  # (name, the opening tag as written)
        for match in _HTML_TAG.finditer(head):
            closing, name = match.group(1), match.group(2).lower()
            if not closing:
                stack.append((name, match.group()))
                continue
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i:]
                    break
        closers = "".join(f"</{name}>" for name, _ in reversed(stack))
        return closers, "".join(tag for _, tag in stack)

    def tidy(self, piece: str) -> str:
        previous = None
        while previous != piece:
            previous, piece = piece, _HTML_EMPTY.sub("", piece)
        return piece

    def is_blank(self, piece: str) -> bool:
        return not _HTML_TAG.sub("", piece).strip()


_MD_ATOM = re.compile(
    r"```|`[^`\n]+`|\[[^\]\n]*\]\([^)\s]*\)|<[@#:a-zA-Z][^<>\s]*>|\*\*|__|~~|\|\|"
)
_MD_FENCE = re.compile(r"```([\w+-]*)")
_MD_TOGGLES = ("**", "__", "~~", "||")


class MarkdownSyntax:
    """Discord-style Markdown: code fences and bold/underline/strike/spoiler markers are carried;
    inline code, ``[links](url)`` and ``<...>`` mentions/URLs are atoms."""

    def atoms(self, text: str) -> Iterator[tuple[int, int]]:
        return (m.span() for m in _MD_ATOM.finditer(text))

    def carry(self, head: str) -> tuple[str, str]:
        fences = list(_MD_FENCE.finditer(head))
        if len(fences) % 2:  # inside a code block: nothing else is markup there
            return "\n```", f"```{fences[-1].group(1)}\n"
        outside = re.sub(r"```.*?```|`[^`\n]+`", "", head, flags=re.DOTALL)
        open_marks = [m for m in _MD_TOGGLES if outside.count(m) % 2]
        return "".join(reversed(open_marks)), "".join(open_marks)

    def tidy(self, piece: str) -> str:
        previous = None
        while previous != piece:
            previous = piece
            for mark in _MD_TOGGLES:
                piece = piece.replace(mark + mark, "")
            piece = re.sub(r"```[\w+-]*\n```", "", piece)
        return piece

    def is_blank(self, piece: str) -> bool:
        stripped = re.sub(r"```[\w+-]*|\*\*|__|~~|\|\|", "", piece)
        return not stripped.strip()


HTML = HtmlSyntax()
MARKDOWN = MarkdownSyntax()
PLAIN = PlainSyntax()

# Boundaries, coarsest first: after a blank line, a line break, a sentence, a space, anywhere.
_LEVELS = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"\n\s*"),
    re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|(?<=[。！？；])\s*"),
    re.compile(r"\s+"),
)
_MIN_FILL = 0.7  # a coarser boundary wins if its piece is at least 70% of the largest possible


def split_blocks(
    blocks: Sequence[str],
    limit: int,
    measure: Measure,
    *,
    syntax: Syntax = HTML,
    separator: str = "\n\n",
) -> list[str]:
    """Join ordered blocks into the fewest messages with ``measure(message) <= limit``.

    Blocks stay whole when they fit; a block that is too long starts in the room left in the
    current message (if it can be cut at a paragraph, line or sentence there) and continues
    in as many messages as it needs. Raises ValueError if some atom alone exceeds the limit.
    """
    messages: list[str] = []
    current = ""
    for block in blocks:
        if syntax.is_blank(block):
            continue
        joined = current + separator + block if current else block
        if measure(joined) <= limit:
            current = joined
            continue
        if current and measure(block) <= limit:
            messages.append(current)
            current = block
            continue
        if current:
            prefix = current + separator
            cut = _cut(block, _fits_after(prefix, limit, measure), syntax, coarse=True)
            messages.append(prefix + cut[0] if cut else current)
            block = cut[1] if cut else block
        pieces = split_text(block, limit, measure, syntax=syntax)
        messages.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        messages.append(current)
    return messages


def _fits_after(prefix: str, limit: int, measure: Measure) -> Callable[[str], bool]:
    return lambda head: measure(prefix + head) <= limit


def split_text(text: str, limit: int, measure: Measure, *, syntax: Syntax = HTML) -> list[str]:
    """Cut one block into balanced pieces, each within ``limit``, at the coarsest good boundary."""
    pieces: list[str] = []
    rest = text
    while measure(rest) > limit:
        cut = _cut(rest, lambda head: measure(head) <= limit, syntax, coarse=False)
        if cut is None:  # each cut takes visible text, so the loop ends
            raise ValueError(f"cannot split text within {limit}: an unbreakable part is too long")
        pieces.append(cut[0])
        rest = cut[1]
    pieces.append(rest)
    return pieces


def _cut(
    text: str, fits: Callable[[str], bool], syntax: Syntax, *, coarse: bool
) -> tuple[str, str] | None:
    """The best (head, tail) with ``fits(head)``; None if no allowed boundary gives one."""
    return _Cutter(text, fits, syntax).cut(coarse)


class _Cutter:
    """One cut of one text: finds the last boundary whose head still fits."""

    def __init__(self, text: str, fits: Callable[[str], bool], syntax: Syntax) -> None:
        self.text, self.fits, self.syntax = text, fits, syntax
        self.atoms = iter(syntax.atoms(text))
        self.pending = next(self.atoms, None)
        self.blocked: set[int] = set()  # positions strictly inside an atom

    def head(self, pos: int) -> str:
        closers = self.syntax.carry(self.text[:pos])[0]
        return self.syntax.tidy(self.text[:pos].rstrip() + closers)

    def tail(self, pos: int) -> str:
        openers = self.syntax.carry(self.text[:pos])[1]
        return self.syntax.tidy(openers + self.text[pos:].lstrip())

    def settle(self, pos: int) -> int:
        """The first allowed position at or after ``pos``, with atoms before it known."""
        while True:
            while self.pending is not None and self.pending[0] < pos:
                start, stop = self.pending
                self.blocked.update(range(start + 1, stop))
                self.pending = next(self.atoms, None)
            if pos not in self.blocked:
                return pos
            while pos in self.blocked:
                pos += 1

    def best(self, positions: list[int]) -> int | None:
        """The largest position whose head fits and shows something (fits is monotonic)."""
        lo, hi, found = 0, len(positions) - 1, None
        while lo <= hi:
            mid = (lo + hi) // 2
            if self.fits(self.head(positions[mid])):
                found, lo = mid, mid + 1
            else:
                hi = mid - 1
        while found is not None and self.syntax.is_blank(self.head(positions[found])):
            found = found - 1 if found > 0 else None
        return None if found is None else positions[found]

    def cut(self, coarse: bool) -> tuple[str, str] | None:
        size = len(self.text)
        # Only a prefix can fit: find where it ends by doubling, so a cut costs O(prefix).
        end = self.settle(min(64, size))
        while end < size and self.fits(self.head(end)):
            end = self.settle(min(end * 2, size))
        allowed = [p for p in range(1, min(end + 1, size)) if p not in self.blocked]
        largest = self.best(allowed)
        if largest is None:
            return None
        for pattern in _LEVELS[:3] if coarse else _LEVELS:
            ends = {m.end() for m in pattern.finditer(self.text, 0, end + 1)}
            pos = self.best(sorted(p for p in ends if 0 < p < size and p not in self.blocked))
            if pos is not None and pos >= _MIN_FILL * largest:
                return self.head(pos), self.tail(pos)
        return None if coarse else (self.head(largest), self.tail(largest))
