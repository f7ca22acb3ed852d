"""Text tools for the extractive summarizer: sentences, content words, key phrases, truncation.

Pure functions over plain strings, deterministic and dependency-free, so the offline
summarizer gives the same answer on every machine.
"""

from __future__ import annotations

import re
from collections import defaultdict
from itertools import pairwise

ELLIPSIS = "…"

# Words that end with a period without ending a sentence (compared lowercased, without the
# final period): "e.g. ResNet", "et al. (2020)", "Fig. 3", "vs. BERT".
_ABBREVIATION_TEXT = (
    "e.g i.e et al cf vs fig figs eq eqs eqn sec secs tab tabs ref refs approx resp viz "
    "dr prof mr mrs ms no nos vol pp ch thm lem def ca inc ltd jr sr st w.r.t wrt a.k.a u.s "
    "esp incl"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_TEXT.split())
_URL = re.compile(r"(?:https?://|www\.)\S*[^\s.,;:!?)\]}'\"”’]")
# A candidate boundary: closing punctuation, optional closing quotes/brackets, then space
# (or, for CJK full stops, nothing at all).
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+|[。！？]+[」』”’）]*\s*")
_LAST_WORD = re.compile(r"(\S+)$")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*")
_ACRONYM = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$")
_CHUNK_BREAK = re.compile(r"[,;:()\[\]{}\"“”!?]|\.(?:\s|$)|\s[-–—]\s")

_STOP_WORD_TEXT = """a about above across after again against all almost along already also although always
    am among an and another any are around as at be became because been before being below
    between both but by can cannot could did do does doing done down during each either else
    enough especially even ever every few for from further furthermore had has have having here
    how however i if in into is it its itself just large less like made make makes many may
    more moreover most much must my new no nor not now of off often on once one only onto or
    other others otherwise our ours out over own per rather same several shall she should
    since so some such than that the their them themselves then there thereby therefore these
    they this those though through thus to together too toward towards under until up upon us
    use used uses using very via was we well were what when where whether which while who
    whose why will with within without would yet you your
    paper article work study approach approaches method methods propose proposed proposes
    present presents presented introduce introduces introduced show shows shown demonstrate
    demonstrates demonstrated result results based novel extensive experiments experiment
    experimental specifically additionally finally first second third two three main able
    achieve achieves achieved existing previous prior recent recently current various
    different significant significantly strong high low better best good key task tasks
    problem problems important provide provides provided enable enables enabled allow allows
    including include includes consists compared address addresses able terms way ways
    highlight highlights hope code available publicly potential promise impact field
    area areas particular held order time times set number numbers kind part"""
STOP_WORDS = frozenset(_STOP_WORD_TEXT.split())


def normalize_space(text: str) -> str:
    """One line, single spaces: abstracts arrive hard-wrapped."""
    return re.sub(r"\s+", " ", text or "").strip()


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, robust to abbreviations, initials, decimals and URLs."""
    text = normalize_space(text)
    if not text:
        return []
    urls: list[str] = []

    def _protect(match: re.Match[str]) -> str:
        urls.append(match.group(0))
        return f"\x00{len(urls) - 1}\x00"

    protected = _URL.sub(_protect, text)
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(protected):
        if _is_boundary(protected, match):
            pieces.append(protected[start : match.end()].strip())
            start = match.end()
    pieces.append(protected[start:].strip())
    restored = [re.sub(r"\x00(\d+)\x00", lambda m: urls[int(m.group(1))], p) for p in pieces]
    return _merge_fragments([p for p in restored if p])


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    punct = match.group(0).strip()
    following = text[match.end() : match.end() + 1]
    if punct[0] in "。！？":
        return True
    if following and following.islower():
        return False  # "approx. the", "et al. showed"
    if punct.startswith(".") and not punct.startswith(".."):
        word = _LAST_WORD.search(text[: match.start()] + ".")
        token = word.group(1).lstrip("([{\"'“").lower().rstrip(".") if word else ""
        if token in _ABBREVIATIONS:
            return False
        if len(token) == 1 and token.isalpha() and word and word.group(1)[-2:-1].isupper():
            return False  # an initial: "J. Smith"
    return True


def _merge_fragments(sentences: list[str]) -> list[str]:
    """Glue pieces with hardly any letters ("0.", "(1)") to their neighbour."""
    merged: list[str] = []
    for sentence in sentences:
        if merged and (_weight(sentence) < 4 or _weight(merged[-1]) < 4):
            merged[-1] = f"{merged[-1]} {sentence}"
        else:
            merged.append(sentence)
    return merged


def _weight(text: str) -> int:
    """Letters in ``text``; a CJK character counts as two (it carries about a word)."""
    return sum(2 if "\u3040" <= ch <= "\u9fff" else 1 for ch in _LETTER.findall(text))


def split_clauses(sentence: str) -> list[str]:
    """Parts of a long sentence split at semicolons, each a readable statement."""
    parts = [p.strip() for p in sentence.split(";")]
    parts = [p for p in parts if len(_LETTER.findall(p)) >= 12]
    if len(parts) < 2:
        return [sentence]
    fixed = []
    for part in parts:
        part = part[0].upper() + part[1:]
        fixed.append(part if part[-1] in ".!?…" else part + ".")
    return fixed


def words(text: str) -> list[str]:
    """The Latin-script words of ``text`` (hyphenated words stay whole)."""
    return _WORD.findall(text)


def content_words(text: str) -> list[str]:
    """Lowercased words that carry meaning: no stop words, no one- or two-letter words."""
    return [_stem(w.lower()) for w in words(text) if _is_content(w)]


def _is_content(word: str) -> bool:
    return len(word) > 2 and word.lower() not in STOP_WORDS or is_acronym(word)


def _stem(word: str) -> str:
    """A plural folded to its singular, enough to count "videos" with "video"."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def is_acronym(word: str) -> bool:
    """DAWN, BLS, GPT-4, LoRA: names worth keeping as keywords exactly as written."""
    return bool(_ACRONYM.match(word)) and len(word) <= 20


def key_phrases(title: str, abstract: str, limit: int, max_chars: int) -> list[str]:
    """The most telling two-word phrases, acronyms and words of the title and abstract.

    A phrase seen at least twice claims its word occurrences, so "talking head" wins over
    "talking" and "head" counted apart; title occurrences weigh more.
    """
    tokens = _keyword_tokens(title, abstract)
    pairs: defaultdict[str, float] = defaultdict(float)
    where: defaultdict[str, list[int]] = defaultdict(list)
    for i, (left, right) in enumerate(pairwise(tokens)):
        if left[3] == right[3] and _bigram_ok(left[1], right[1]):
            pair = f"{left[0]} {right[0]}"
            pairs[pair] += max(left[2], right[2])
            where[pair].append(i)
    scores: defaultdict[str, float] = defaultdict(float)
    surface: dict[str, str] = {}
    claimed: set[int] = set()
    for pair, count in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0])):
        if count < 2.0:
            break
        for i in where[pair]:
            if i not in claimed and i + 1 not in claimed:
                left, right = tokens[i], tokens[i + 1]
                claimed.update((i, i + 1))
                scores[pair] += 1.6 * max(left[2], right[2])
                surface.setdefault(pair, f"{_case(left[1])} {_case(right[1])}")
    singulars = {word.lower() for _key, word, _weight, _chunk in tokens}
    for i, (key, word, weight, _chunk) in enumerate(tokens):
        if i not in claimed:
            scores[key] += weight * (2.0 if is_acronym(word) else 1.0)
            if is_acronym(word):
                surface[key] = word[:-1] if word.endswith("s") and word[:-1].isupper() else word
            elif key not in surface:
                surface[key] = key if key in singulars else word.lower()
    return _pick_phrases(scores, surface, limit, max_chars)


def _keyword_tokens(title: str, abstract: str) -> list[tuple[str, str, float, int]]:
    """(key, word, weight, chunk) of every content word; chunks never span punctuation."""
    tokens: list[tuple[str, str, float, int]] = []
    chunk_id = 0
    for source, weight in ((title, 1.5), (abstract, 1.0)):
        for chunk in _CHUNK_BREAK.split(source):
            chunk_id += 1
            for word in words(chunk):
                if _is_content(word) and not word.isdigit():
                    tokens.append((_key(word), word, weight, chunk_id))
                else:
                    chunk_id += 1  # a stop word breaks a phrase too
    return tokens


def _key(word: str) -> str:
    """What occurrences of one term share: "videos" ~ "video", "APIs" ~ "API"."""
    if is_acronym(word) and word.endswith("s") and word[:-1].isupper():
        return word[:-1].lower()
    return _stem(word.lower())


def _bigram_ok(first: str, second: str) -> bool:
    return not (is_acronym(first) and is_acronym(second))


def _case(word: str) -> str:
    return word if is_acronym(word) else word.lower()


def _pick_phrases(
    scores: dict[str, float], surface: dict[str, str], limit: int, max_chars: int
) -> list[str]:
    """Best first, ties alphabetical; terms seen once only fill up to three; no near-repeats."""
    picked: list[str] = []
    picked_keys: list[set[str]] = []
    for key, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(picked) >= limit or score < (2.0 if len(picked) >= 3 else 1.0):
            break
        parts = set(key.split())
        if len(surface[key]) > max_chars or any(parts <= seen for seen in picked_keys):
            continue
        picked.append(surface[key])
        picked_keys.append(parts)
    return picked


def truncate(text: str, max_chars: int) -> str:
    """``text`` within ``max_chars``, cut at a word boundary and marked with an ellipsis."""
    text = normalize_space(text)
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + ELLIPSIS
