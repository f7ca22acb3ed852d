"""The optional extras of a model answer (translated title, affiliations), kept only when sound.

A bad extra never costs the reader the summary: it is dropped, not retried. Affiliations are
grounded: one the paper's front matter does not contain is an invention and is dropped.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from summarizer.errors import InvalidOutput
from summarizer.schema import AFFILIATION_MAX, MAX_AFFILIATIONS, TITLE_MAX, SummaryDraft
from summarizer.validation import check_language, check_meta_talk

log = logging.getLogger(__name__)

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_SEPARATORS = re.compile(r"[,;·|]")
_LEADING_MARKS = re.compile(r"^(?: (?:\d+|[a-z]))+ (?=\w{2})")  # "1 University…", "a MIT"
# A model talking about its translation instead of giving it: "标题翻译：…", "Translation: …".
_TITLE_TALK = re.compile(
    r"^\s*(?:title|translation|translated title|here|sure|标题|题目|翻译|译文|好的|以下|タイトル|訳)",
    re.IGNORECASE,
)


def clean_extras(
    draft: SummaryDraft,
    language: str,
    *,
    front_matter: str,
    source: str,
    title: str = "",
    authors: tuple[str, ...] = (),
) -> SummaryDraft:
    """The draft with a usable translated title (or none) and only grounded affiliations.

    ``title`` and ``authors`` (from arXiv) are never affiliations, and a "translation" that is
    the title again is no translation."""
    return draft.model_copy(update={
        "title_translation": _title(draft.title_translation, language, source, title),
        "affiliations": grounded_affiliations(
            draft.affiliations, front_matter, not_affiliations=(title, *authors)
        ),
    })


def _title(title: str, language: str, source: str, original: str = "") -> str:
    title = " ".join(title.split())
    if not title or language.strip().lower().split("-")[0] == "en":
        return ""
    if _normal(title) == _normal(original) or _TITLE_TALK.match(title):
        log.info("dropping a translated title that is the original or talks about itself")
        return ""
    if len(title) > TITLE_MAX:
        log.info("dropping a translated title of %d characters", len(title))
        return ""
    try:
        check_language([("title_translation", title)], language)
        check_meta_talk([("title_translation", title)], source)
    except InvalidOutput as exc:
        log.info("dropping the translated title: %s", exc.reason)
        return ""
    return title


def grounded_affiliations(
    proposed: list[str], front_matter: str, *, not_affiliations: tuple[str, ...] = ()
) -> list[str]:
    """The proposed affiliations printed in the front matter as a line or a comma-separated
    part of one (case, accents, punctuation, footnote marks and spacing aside), each once, in
    order. A word inside the title, an author's name or an e-mail address does not count."""
    segments = _segments(front_matter)
    banned = {_normal(x) for x in not_affiliations if x}
    kept: list[str] = []
    seen: set[str] = set()
    for text in proposed:
        text = " ".join(text.split())
        key = _normal(text)
        if len(key.strip()) < 4 or len(text) > AFFILIATION_MAX or key in seen or key in banned:
            continue
        if not any(_names(key, segment) for segment in segments):
            log.info("dropping an affiliation not in the paper's front matter: %.80s", text)
            continue
        seen.add(key)
        kept.append(text)
    return kept[:MAX_AFFILIATIONS]


def _segments(front_matter: str) -> set[str]:
    """Each line of the front matter, and each comma-separated part, without footnote marks."""
    found: set[str] = set()
    for line in front_matter.splitlines():
        for part in [line, *_SEPARATORS.split(line)]:
            key = _LEADING_MARKS.sub(" ", _normal(part))
            if key.strip():
                found.add(key)
    return found


def _names(key: str, segment: str) -> bool:
    """``key`` is the segment, or its beginning in two words or more ("University of X" in
    "University of X (UX)")."""
    return key == segment or (segment.startswith(key) and len(key.split()) >= 2)


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " " + _NOT_WORD.sub(" ", text.casefold()).strip() + " "
