"""Telegram's text rules for the fake Bot API: the HTML parse mode and entity detection.

The HTML parser follows tdlib's ``parse_html`` (what the Bot API server runs): the same allowed
tags, the same error wording ("Unsupported start tag ... at byte offset N", "Can't find end tag
corresponding to start tag ..."), offsets in UTF-8 bytes for errors and UTF-16 code units for
entities. Two rules are stricter than Telegram, on purpose, so escaping bugs in our renderer fail
loudly: a ``&`` that does not start one of the four named entities (or a numeric one) is an error
(Telegram would show it literally), and blockquotes may not be nested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "tg-emoji", "tg-time", "code", "pre", "blockquote",
    }
)  # fmt: skip

_ENTITY_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "tg-emoji": "custom_emoji",
}  # fmt: skip

_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACE = " \t\n\r\f\v"


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(e)`` is what follows "can't parse entities: "."""


@dataclass(frozen=True, slots=True)
class ParsedText:
    """Text after entity parsing (what the user sees) and its entities, as Telegram returns them."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: how Telegram counts message length and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8"))


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference at ``text[pos] == '&'`` like tdlib; None if it is not one."""
    end = pos + 1
    if text.startswith("#", end):
        end += 1
        hexa = text.startswith(("x", "X"), end)
        end += hexa
        digits = "0123456789abcdefABCDEF" if hexa else "0123456789"
        start = end
        while end < len(text) and text[end] in digits:
            end += 1
        if start == end:
            return None
        code = int(text[start:end], 16 if hexa else 10)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if text.startswith(";", end):
        end += 1
    return char, end


@dataclass(slots=True)
class _Open:
    tag: str
    argument: str
    utf16_start: int
    byte_pos: int
    expandable: bool = False


class _Parser:
    """One pass over the text, like tdlib's do_parse_html; raises EntityParseError."""

    def __init__(self, text: str, strict_ampersand: bool) -> None:
        self.src = text
        self.strict = strict_ampersand
        self.i = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def error(self, message: str) -> EntityParseError:
        return EntityParseError(message)

    def emit(self, chars: str) -> None:
        self.out.append(chars)
        self.utf16 += utf16_len(chars)

    def char(self, offset: int = 0) -> str:
        j = self.i + offset
        return self.src[j] if j < len(self.src) else ""

    def run(self) -> ParsedText:
        while self.i < len(self.src):
            c = self.src[self.i]
            if c == "&":
                decoded = _decode_entity(self.src, self.i)
                if decoded is not None:
                    self.emit(decoded[0])
                    self.i = decoded[1]
                    continue
                if self.strict:
                    offset = _byte_offset(self.src, self.i)
                    raise self.error(
                        f'Character "&" must be escaped as "&amp;" at byte offset {offset}'
                    )
            if c != "<":
                self.emit(c)
                self.i += 1
                continue
            if self.char(1) == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            tag = self.stack[-1].tag
            raise self.error(f'Can\'t find end tag corresponding to start tag "{tag}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), self.entities)

    def start_tag(self) -> None:
        begin = self.i
        offset = _byte_offset(self.src, begin)
        self.i += 1
        while self.char() and self.char() not in _SPACE and self.char() != ">":
            self.i += 1
        if not self.char():
            raise self.error(f"Unclosed start tag at byte offset {offset}")
        tag = self.src[begin + 1 : self.i].lower()
        if tag not in ALLOWED_TAGS:
            raise self.error(f'Unsupported start tag "{tag}" at byte offset {offset}')
        argument, expandable = self.attributes(tag, offset)
        self.i += 1  # the '>'
        if tag == "span" and argument != "spoiler":
            raise self.error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if tag == "blockquote" and any(o.tag == "blockquote" for o in self.stack):
            raise self.error(f"Blockquotes can't be nested at byte offset {offset}")
        self.stack.append(_Open(tag, argument, self.utf16, offset, expandable))

    def attributes(self, tag: str, offset: int) -> tuple[str, bool]:
        argument, expandable = "", False
        while self.char() != ">":
            while self.char() and self.char() in _SPACE:
                self.i += 1
            if self.char() == ">":
                break
            name_start = self.i
            while self.char() and self.char() not in _SPACE and self.char() not in "=>":
                self.i += 1
            name = self.src[name_start : self.i]
            if not name:
                raise self.error(f'Empty attribute name in the tag "{tag}" at byte offset {offset}')
            while self.char() and self.char() in _SPACE:
                self.i += 1
            if self.char() != "=":
                if tag == "blockquote" and name == "expandable":
                    expandable = True
                    continue
                raise self.error(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {offset}'
                )
            self.i += 1
            while self.char() and self.char() in _SPACE:
                self.i += 1
            if not self.char():
                raise self.error(f'Unclosed start tag "{tag}" at byte offset {offset}')
            value = self.attribute_value()
            if not self.char():
                raise self.error(f"Unclosed start tag at byte offset {offset}")
            argument = self.keep_argument(tag, name, value, argument)
        return argument, expandable

    def attribute_value(self) -> str:
        quote = self.char()
        if quote not in ("'", '"'):
            start = self.i
            while self.char() and (self.char().isalnum() or self.char() in ".-"):
                self.i += 1
            if self.char() and self.char() not in _SPACE and self.char() != ">":
                offset = _byte_offset(self.src, start)
                raise self.error(f"Unexpected end of name token at byte offset {offset}")
            return self.src[start : self.i].lower()
        self.i += 1
        value: list[str] = []
        while self.char() and self.char() != quote:
            if self.char() == "&":
                decoded = _decode_entity(self.src, self.i)
                if decoded is not None:
                    value.append(decoded[0])
                    self.i = decoded[1]
                    continue
            value.append(self.char())
            self.i += 1
        if self.char() == quote:
            self.i += 1
        return "".join(value)

    @staticmethod
    def keep_argument(tag: str, name: str, value: str, current: str) -> str:
        if tag == "a" and name == "href":
            return value
        if tag == "code" and name == "class" and value.startswith("language-"):
            return value[len("language-") :]
        if tag == "span" and name == "class" and value.startswith("tg-"):
            return value[len("tg-") :]
        if tag == "tg-emoji" and name == "emoji-id":
            return value
        return current

    def end_tag(self) -> None:
        begin = self.i
        offset = _byte_offset(self.src, begin)
        if not self.stack:
            raise self.error(f"Unexpected end tag at byte offset {offset}")
        self.i += 2
        while self.char() and self.char() not in _SPACE and self.char() != ">":
            self.i += 1
        name = self.src[begin + 2 : self.i].lower()
        while self.char() and self.char() in _SPACE:
            self.i += 1
        if self.char() != ">":
            raise self.error(f"Unclosed end tag at byte offset {offset}")
        self.i += 1
        opened = self.stack.pop()
        if name and name != opened.tag:
            raise self.error(
                f'Unmatched end tag at byte offset {offset}, expected "</{opened.tag}>", '
                f'found "</{name}>"'
            )
        self.add_entity(opened)

    def add_entity(self, opened: _Open) -> None:
        length = self.utf16 - opened.utf16_start
        if length <= 0 or opened.tag == "tg-time":
            return
        if opened.tag == "blockquote":
            kind = "expandable_blockquote" if opened.expandable else "blockquote"
            entity: dict[str, Any] = {"type": kind}
        else:
            entity = {"type": _ENTITY_TYPES[opened.tag]}
        if opened.tag == "a":
            entity["url"] = opened.argument
        elif opened.tag == "pre" and self.entities:
            inner = self.entities[-1]  # <pre><code class="language-x"> is one pre entity
            if inner["type"] == "code" and inner["offset"] == opened.utf16_start:
                self.entities.pop()
                if inner.get("language"):
                    entity["language"] = inner["language"]
        elif opened.tag == "code" and opened.argument:
            entity["language"] = opened.argument
        elif opened.tag == "tg-emoji":
            entity["custom_emoji_id"] = opened.argument
        entity.update(offset=opened.utf16_start, length=length)
        self.entities.append(entity)


def parse_html(text: str, *, strict_ampersand: bool = True) -> ParsedText:
    """Parse Telegram HTML into visible text and entities, or raise EntityParseError."""
    return _Parser(text, strict_ampersand).run()


_COMMAND = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_MENTION = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}(?!\w)")
_URL = re.compile(
    r"(?<![\w@/.])(?:https?://)?(?:[a-z0-9-]+\.)+"
    r"(?:org|com|net|io|ai|dev|edu|gov|me|co|uk|de|fr|cn|jp|ru|info)\b(?:[/?#][^\s]*)?",
    re.IGNORECASE,
)


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram attaches to a user's plain text: commands, @mentions, URLs."""
    found: list[tuple[int, int, str]] = []
    for match in _URL.finditer(text):
        url = match.group().rstrip(".,;:!?)'\"")
        found.append((match.start(), match.start() + len(url), "url"))
    for kind, pattern in (("bot_command", _COMMAND), ("mention", _MENTION)):
        for match in pattern.finditer(text):
            if not any(s < match.end() and match.start() < e for s, e, _ in found):
                found.append((match.start(), match.end(), kind))
    found.sort()
    return [
        {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
        for start, end, kind in found
    ]
