"""Cheap language identification for model output: writing script first, then stop words."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

# Unicode blocks of the scripts we tell apart. CJK characters count one unit each; words of
# spaced scripts count two (a word carries about as much as two Chinese characters).
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "latin"),
    (0x1E00, 0x1EFF, "latin"),
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x0980, 0x09FF, "bengali"),
    (0x0E00, 0x0E7F, "thai"),
    (0x1100, 0x11FF, "hangul"),
    (0x3040, 0x30FF, "kana"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xAC00, 0xD7AF, "hangul"),
    (0xF900, 0xFAFF, "han"),
)
_CJK = {"han", "kana"}
_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"[{_CJK_CHARS}]|[^\\W\\d_{_CJK_CHARS}]+")

SCRIPT_NAMES = {
    "latin": "Latin script",
    "han": "Chinese characters",
    "kana": "Japanese",
    "hangul": "Korean",
    "cyrillic": "Cyrillic script",
    "arabic": "Arabic script",
    "hebrew": "Hebrew script",
    "devanagari": "Devanagari script",
    "bengali": "Bengali script",
    "thai": "Thai script",
    "greek": "Greek script",
}

# The script each non-Latin language is written in ("japanese" = Han plus kana).
SCRIPT_OF: dict[str, str] = {
    "zh": "han", "ja": "japanese", "ko": "hangul",
    "ru": "cyrillic", "uk": "cyrillic", "bg": "cyrillic", "be": "cyrillic", "mk": "cyrillic",
    "kk": "cyrillic", "mn": "cyrillic",
    "ar": "arabic", "fa": "arabic", "ur": "arabic",
    "he": "hebrew", "hi": "devanagari", "mr": "devanagari", "ne": "devanagari",
    "bn": "bengali", "th": "thai", "el": "greek",
}  # fmt: skip
LATIN_LANGUAGES = frozenset({
    "en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr", "vi", "id", "ms", "sv", "da", "no",
    "nb", "nn", "fi", "cs", "sk", "ro", "hu", "ca", "hr", "sl", "et", "lv", "lt",
})  # fmt: skip

_STOP_WORDS: dict[str, str] = {
    "en": "the a in of and to is that for with on are this by be from an which it its we their "
    "these or than at was were has have not but also can more such both while into between how when "
    "they our each other only most would could been what where there",
    "de": "der die das und ist mit von für den dem des ein eine einer eines einem einen nicht auf "
    "auch als zu im werden wird sich sind durch bei oder zur zum aus dass diese dieser dieses wie "
    "nach über noch kann können wurde wurden sowie ohne unter zwischen wir ihre",
    "fr": "le la les des et est une un du pour dans sur qui que au aux avec sont par ce cette ces "
    "pas plus leur leurs ou mais nous été être entre sans comme dont ils elle peut aussi très",
    "es": "el la los las y es una un del por para con que se su sus como más al lo sobre entre "
    "este esta estos estas pero sin son también fue han ha muy cuando donde ya nos",
    "it": "il lo la gli le di e è che per con una un del della dei delle nel nella sono non come "
    "più anche questo questa tra dal alla al ai degli sul ma si ha essere viene questi",
    "pt": "o os a as e é de do da dos das um uma que para com em no na nos nas por pelo pela se "
    "não mais como também são ao entre sem este esta seu sua muito já foi",
    "nl": "de het een en van is dat die in met voor op zijn niet ook door aan bij als worden "
    "wordt dit deze naar om maar tussen zonder hun kan wij er",
}

# Only words that belong to exactly one language count as evidence ("de", "la", "que" do not).
_ALL = Counter(w for words in _STOP_WORDS.values() for w in set(words.split()))
DISTINCTIVE: dict[str, frozenset[str]] = {
    lang: frozenset(w for w in words.split() if _ALL[w] == 1) for lang, words in _STOP_WORDS.items()
}

LANGUAGE_LABELS = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
    "ru": "Russian", "uk": "Ukrainian", "ar": "Arabic", "fa": "Persian", "he": "Hebrew",
    "hi": "Hindi", "bn": "Bengali", "th": "Thai", "el": "Greek",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScriptShares:
    """How much of a text (in weighted units) is in each script."""

    units: dict[str, float]

    @property
    def total(self) -> float:
        """All weighted units."""
        return sum(self.units.values())

    def share(self, *scripts: str) -> float:
        """The fraction of units in any of ``scripts`` (0 for an empty text)."""
        total = self.total
        return sum(self.units.get(s, 0.0) for s in scripts) / total if total else 0.0

    def dominant(self) -> str | None:
        """The script with the most units, if any."""
        return max(self.units, key=lambda s: self.units[s]) if self.units else None


def base_code(language: str) -> str:
    """``zh-TW`` -> ``zh``, ``pt_BR`` -> ``pt``: the part the checks care about."""
    return language.strip().lower().replace("_", "-").split("-")[0]


def label(language: str) -> str:
    """A human name for a code, for feedback messages."""
    return LANGUAGE_LABELS.get(base_code(language), language)


def script_of(char: str) -> str | None:
    """The script of one letter, or None for digits, punctuation and unlisted scripts."""
    cp = ord(char)
    for lo, hi, name in _RANGES:
        if lo <= cp <= hi:
            return name
    return None


def script_shares(text: str) -> ScriptShares:
    """Weighted script units of ``text``: one per CJK character, two per word of other scripts."""
    units: dict[str, float] = {}
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        scripts = Counter(s for s in map(script_of, token) if s)
        if not scripts:
            continue
        script = scripts.most_common(1)[0][0]
        units[script] = units.get(script, 0.0) + (1.0 if script in _CJK else 2.0)
    return ScriptShares(units)


def stop_word_counts(text: str) -> dict[str, int]:
    """Per language, how many words of ``text`` are that language's distinctive stop words."""
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", text)]
    return {lang: sum(w in vocab for w in words) for lang, vocab in DISTINCTIVE.items()}
