"""Language identification for model output: the writing script first, then lingua for Latin."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

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

# Latin-script languages are told apart by lingua (trigram models, low-accuracy mode): about
# 40 MB and 0.5 s on the first check, loaded only when a Latin-script summary is checked.
# Pairs that even a good detector (or a reader) confuses count as one language.
_CLOSE: tuple[frozenset[str], ...] = (
    frozenset({"id", "ms"}), frozenset({"no", "nb", "nn", "da"}), frozenset({"cs", "sk"}),
)
_LINGUA_CODES = {"no": "nb"}  # lingua knows Bokmål and Nynorsk, not "Norwegian"
_detector: LanguageDetector | None = None


def same_language(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are one language for our check (``ms``≈``id``, ``no``≈``da``)."""
    return a == b or any(a in group and b in group for group in _CLOSE)


def _lingua() -> LanguageDetector:
    global _detector
    if _detector is None:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

        codes = sorted({_LINGUA_CODES.get(c, c) for c in LATIN_LANGUAGES})
        langs = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in codes]
        _detector = LanguageDetectorBuilder.from_languages(*langs).with_low_accuracy_mode().build()
    return _detector


def latin_scores(text: str) -> dict[str, float]:
    """Per Latin-script language code, lingua's confidence (0-1) that ``text`` is in it."""
    values = _lingua().compute_language_confidence_values(text)
    return {v.language.iso_code_639_1.name.lower(): float(v.value) for v in values}


LANGUAGE_LABELS = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
    "ru": "Russian", "uk": "Ukrainian", "ar": "Arabic", "fa": "Persian", "he": "Hebrew",
    "hi": "Hindi", "bn": "Bengali", "th": "Thai", "el": "Greek", "pl": "Polish",
    "tr": "Turkish", "vi": "Vietnamese", "id": "Indonesian", "ms": "Malay", "sv": "Swedish",
    "da": "Danish", "no": "Norwegian", "nb": "Norwegian", "nn": "Norwegian", "fi": "Finnish",
    "cs": "Czech", "sk": "Slovak", "ro": "Romanian", "hu": "Hungarian", "ca": "Catalan",
    "hr": "Croatian", "sl": "Slovenian", "et": "Estonian", "lv": "Latvian", "lt": "Lithuanian",
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
