"""What users type as a topic, read safely: cleaning, tokens, and the raw arXiv query grammar.

The grammar is the arXiv API's ``search_query``: ``field:term`` or ``field:"a phrase"``, the
operators AND, OR and ANDNOT, and parentheses. Terms without an operator between them are
AND-ed, and AND/ANDNOT may not be mixed with OR without parentheses (arXiv documents no
precedence, so we ask instead of guessing). Every failure is an ``InvalidTopic`` whose message
tells the user what to change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from papers.categories import canonical_category, suggest_categories
from papers.errors import PapersError

MAX_TOPIC_CHARS = 300
MAX_DEPTH = 8
TAXONOMY_URL = "https://arxiv.org/category_taxonomy"

FIELDS: dict[str, str] = {
    "ti": "title",
    "abs": "abstract",
    "au": "author",
    "cat": "category",
    "co": "comment",
    "jr": "journal reference",
    "rn": "report number",
    "all": "all fields",
}
_FIELD_LIST = "Use " + ", ".join(f"{k}: ({v})" for k, v in FIELDS.items()) + "."
# Field names people reach for, and arXiv fields we do not support in a subscription.
_FIELD_HINTS = {"title": "ti", "abstract": "abs", "author": "au", "category": "cat"}
_UNSUPPORTED = {"id", "submitteddate", "lastupdateddate"}
_NOT_FIELDS = {"http", "https", "ftp", "arxiv", "doi"}  # "arXiv:2401.00001" is just a word
OPERATORS = frozenset({"AND", "OR", "ANDNOT", "NOT"})

_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»″〃"})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_LEADING_DASH = re.compile(r"(?:(?<=\s)|^)[\u2010-\u2015\u2212](?=\S)")
_FIELD = re.compile(r"([A-Za-z]+):(.*)", re.DOTALL)
_BARE_TERM = re.compile(r"[\w.*']+")


class InvalidTopic(PapersError):
    """A topic the user typed cannot be followed; the message says what to change."""


@dataclass(frozen=True, slots=True)
class Token:
    """One piece of a topic: a word, a "phrase", a parenthesis, or an operator word."""

    kind: Literal["word", "phrase", "(", ")"]
    text: str = ""
    field: str | None = None  # "ti", "abs"... when written as ti:word
    negated: bool = False  # written as -word


@dataclass(frozen=True, slots=True)
class Term:
    """One searchable term of a raw query: ``ti:"talking head"`` → ("ti", "talking head")."""

    field: str
    text: str


@dataclass(frozen=True, slots=True)
class Group:
    """Terms joined by one operator; ``negated[i]`` marks items joined with ANDNOT."""

    op: Literal["AND", "OR"]
    items: tuple[Node, ...]
    negated: tuple[bool, ...]


Node = Term | Group


def clean_text(text: str) -> str:
    """The topic with look-alike quotes and dashes unified, spaces collapsed, limits checked."""
    if not isinstance(text, str):
        raise InvalidTopic("A topic must be text.")
    if len(text) > 4 * MAX_TOPIC_CHARS:  # refuse before normalizing a huge paste
        raise InvalidTopic(_too_long(len(text)))
    text = unicodedata.normalize("NFKC", text.translate(_QUOTES)).translate(_INVISIBLE)
    if any(unicodedata.category(c) in ("Cc", "Cf") and c not in "\t\n\r" for c in text):
        raise InvalidTopic(
            "The topic contains invisible control characters. Please type it again as plain text."
        )
    text = _LEADING_DASH.sub("-", " ".join(text.split()))
    if not text:
        raise InvalidTopic(
            "The topic is empty. Give a few words, an arXiv category such as cs.CV, "
            "or a query such as cat:cs.CV AND abs:avatar."
        )
    if len(text) > MAX_TOPIC_CHARS:
        raise InvalidTopic(_too_long(len(text)))
    return text


def _too_long(length: int) -> str:
    return (
        f"That topic is {length} characters long; keep it under {MAX_TOPIC_CHARS} "
        "(a few words or a short query)."
    )


def tokenize(text: str) -> list[Token]:
    """Split a cleaned topic into tokens; commas separate like spaces outside quotes."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace() or c == ",":
            i += 1
        elif c in "()":
            tokens.append(Token("(" if c == "(" else ")"))
            i += 1
        else:
            token, i = _read_term(text, i)
            tokens.append(token)
    return tokens


def _read_term(text: str, i: int) -> tuple[Token, int]:
    negated = text[i] == "-"
    if negated:
        i += 1
        if i >= len(text) or text[i].isspace() or text[i] == ",":
            raise InvalidTopic("A '-' must be followed by the word to leave out, e.g. -survey.")
        if text[i] in "()-":
            raise InvalidTopic("Leave words out one at a time, e.g. -survey -review.")
    if text[i] == '"':
        phrase, i = _read_phrase(text, i)
        return Token("phrase", phrase, None, negated), i
    j = i
    while j < len(text) and not (text[j].isspace() or text[j] in ',()"'):
        j += 1
    word = text[i:j]
    field, value = _split_field(word)
    if field is None:
        return Token("word", word, None, negated), j
    if value:
        return Token("word", value, field, negated), j
    if j < len(text) and text[j] == '"':
        phrase, j = _read_phrase(text, j)
        return Token("phrase", phrase, field, negated), j
    if j < len(text) and text[j] == "(":
        raise InvalidTopic(
            f"{field}:( ... ) is not supported: repeat the field for each word, "
            f"e.g. ({field}:diffusion OR {field}:video)."
        )
    raise InvalidTopic(
        f'{field}: needs a word or a "quoted phrase" right after the colon, '
        f'e.g. {field}:diffusion or {field}:"talking head".'
    )


def _read_phrase(text: str, start: int) -> tuple[str, int]:
    end = text.find('"', start + 1)
    if end < 0:
        raise InvalidTopic('A quote is not closed: add the missing " (e.g. "diffusion models").')
    phrase = " ".join(text[start + 1 : end].split())
    if not phrase:
        raise InvalidTopic("There is an empty pair of quotes: put a phrase between them.")
    return phrase, end + 1


def _split_field(word: str) -> tuple[str | None, str]:
    match = _FIELD.fullmatch(word)
    if match is None:
        return None, word
    prefix, value = match[1].lower(), match[2]
    if prefix in FIELDS:
        return prefix, value
    if not value or prefix in _NOT_FIELDS:
        return None, word  # "Mamba:" followed by a space is punctuation, not a field
    if prefix in _UNSUPPORTED:
        raise InvalidTopic(f"The {prefix}: field can't be used in a subscription. {_FIELD_LIST}")
    if prefix in _FIELD_HINTS:
        raise InvalidTopic(f"Write {_FIELD_HINTS[prefix]}: instead of {prefix}:. {_FIELD_LIST}")
    raise InvalidTopic(f"{prefix}: is not an arXiv search field. {_FIELD_LIST}")


def is_operator(token: Token, *, any_case: bool = False) -> bool:
    """Whether a token is a Boolean operator (only upper case counts outside a query)."""
    if token.kind != "word" or token.field is not None or token.negated:
        return False
    return (token.text.upper() if any_case else token.text) in OPERATORS


def looks_like_query(tokens: list[Token]) -> bool:
    """A raw arXiv query uses a field prefix or an upper-case operator somewhere."""
    return any(t.field is not None or is_operator(t) for t in tokens)


def unknown_category(code: str) -> InvalidTopic:
    """The error for a category-looking code arXiv does not have, with close matches."""
    close = suggest_categories(code)
    options = ", ".join(close[:-1]) + " or " + close[-1] if len(close) > 1 else "".join(close)
    hint = f" Did you mean {options}?" if close else ""
    return InvalidTopic(f"{code} is not an arXiv category.{hint} The list: {TAXONOMY_URL}")


def parse_query(tokens: list[Token]) -> Node:
    """The expression tree of a raw query's tokens (exclusions already taken out)."""
    _check_parentheses(tokens)
    parser = _Parser(tokens)
    node = parser.expression(0)
    if parser.pos < len(tokens):  # only a stray ")" stops an expression early
        raise InvalidTopic("There is a ')' without a matching '('.")
    return node


def _check_parentheses(tokens: list[Token]) -> None:
    depth = 0
    for token in tokens:
        depth += {"(": 1, ")": -1}.get(token.kind, 0)
        if depth < 0:
            raise InvalidTopic("There is a ')' without a matching '('.")
    if depth:
        raise InvalidTopic("A '(' is never closed: add the missing ')'.")


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def _peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def expression(self, depth: int) -> Node:
        items, negated, ops = [self.operand(depth)], [False], set()
        while (token := self._peek()) is not None and token.kind != ")":
            op = "AND"  # terms side by side are AND-ed
            if is_operator(token, any_case=True):
                op = token.text.upper()
                self.pos += 1
                self._check_after_operator(op)
            ops.add("OR" if op == "OR" else "AND")
            if len(ops) > 1:
                raise InvalidTopic(
                    "Mixing AND and OR needs parentheses, "
                    "e.g. cat:cs.CV AND (abs:avatar OR abs:talking)."
                )
            items.append(self.operand(depth))
            negated.append(op == "ANDNOT")
        if len(items) == 1:
            return items[0]
        return _group("OR" if ops == {"OR"} else "AND", items, negated)

    def _check_after_operator(self, op: str) -> None:
        if op == "NOT":
            raise InvalidTopic("arXiv has no NOT operator: write a ANDNOT b, or -word.")
        following = self._peek()
        if following is None or following.kind == ")":
            raise InvalidTopic(f"The query has nothing after {op}: add what should follow it.")
        if is_operator(following, any_case=True):
            raise InvalidTopic(f"{op} {following.text.upper()}: two operators in a row.")

    def operand(self, depth: int) -> Node:
        token = self._peek()
        if token is None:
            raise InvalidTopic("The query ends too early.")
        self.pos += 1
        if is_operator(token, any_case=True):
            if token.text.upper() == "NOT":
                raise InvalidTopic("arXiv has no NOT operator: write a ANDNOT b, or -word.")
            raise InvalidTopic(f"The query starts with {token.text.upper()}: put a term before it.")
        if token.kind == ")":
            raise InvalidTopic("There is an empty pair of parentheses: put terms inside it.")
        if token.kind == "(":
            if depth >= MAX_DEPTH:
                raise InvalidTopic(f"The query nests parentheses too deeply (at most {MAX_DEPTH}).")
            node = self.expression(depth + 1)
            self.pos += 1  # the ")" _check_parentheses guarantees
            return node
        return make_term(token)


def make_term(token: Token) -> Term:
    """A query term from a word or phrase token; a bare word searches all fields."""
    if token.field is None and token.kind == "word":
        bare_category = canonical_category(token.text)
        if bare_category is not None:  # "cs.CV AND avatar" means the category
            return Term("cat", bare_category)
    field = token.field or "all"
    shown = f'{field}:"{token.text}"' if token.kind == "phrase" else f"{field}:{token.text}"
    if field == "cat":
        category = canonical_category(token.text)
        if category is None:
            raise unknown_category(token.text)
        return Term(field, category)
    text = " ".join(token.text.lower().split())
    if not any(c.isalnum() for c in text):
        raise InvalidTopic(f"{shown} has no letters or digits to search for.")
    return Term(field, text)


def _group(op: Literal["AND", "OR"], items: list[Node], negated: list[bool]) -> Group:
    """A group with same-operator subgroups flattened: a AND (b AND c) == a AND b AND c."""
    flat: list[Node] = []
    flat_negated: list[bool] = []
    for item, neg in zip(items, negated, strict=True):
        if isinstance(item, Group) and item.op == op and not neg:
            flat.extend(item.items)
            flat_negated.extend(item.negated)
        else:
            flat.append(item)
            flat_negated.append(neg)
    return Group(op, tuple(flat), tuple(flat_negated))


def quote(text: str) -> str:
    """A term as arXiv needs it: bare when it is one plain word, else in double quotes."""
    return text if _BARE_TERM.fullmatch(text) else f'"{text}"'


def render(node: Node) -> str:
    """The canonical query text of a tree: fields lower case, operators upper case."""
    if isinstance(node, Term):
        return f"{node.field}:{quote(node.text)}"
    parts = [_render_item(node.items[0])]
    for item, neg in zip(node.items[1:], node.negated[1:], strict=True):
        parts.append(f"{'ANDNOT' if neg else node.op} {_render_item(item)}")
    return " ".join(parts)


def _render_item(node: Node) -> str:
    return f"({render(node)})" if isinstance(node, Group) else render(node)


def terms(node: Node, negated: bool = False) -> Iterator[tuple[Term, bool]]:
    """Every term of a tree with whether it sits under an odd number of ANDNOTs."""
    if isinstance(node, Term):
        yield node, negated
        return
    for item, neg in zip(node.items, node.negated, strict=True):
        yield from terms(item, negated != neg)


def evaluate(node: Node, truth: Callable[[Term], bool | None]) -> bool | None:
    """Three-valued evaluation: None where a term can't be checked locally (e.g. ``co:``)."""
    if isinstance(node, Term):
        return truth(node)
    values = []
    for item, neg in zip(node.items, node.negated, strict=True):
        value = evaluate(item, truth)
        values.append(None if value is None else value != neg)
    if node.op == "OR":
        return True if True in values else (None if None in values else False)
    return False if False in values else (None if None in values else True)
