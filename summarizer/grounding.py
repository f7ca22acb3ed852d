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


def clean_extras(
    draft: SummaryDraft, language: str, *, front_matter: str, source: str
) -> SummaryDraft:
    """The draft with a usable translated title (or none) and only grounded affiliations."""
    return draft.model_copy(update={
        "title_translation": _title(draft.title_translation, language, source),
        "affiliations": grounded_affiliations(draft.affiliations, front_matter),
    })


def _title(title: str, language: str, source: str) -> str:
    title = " ".join(title.split())
    if not title or language.strip().lower().split("-")[0] == "en":
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


def grounded_affiliations(proposed: list[str], front_matter: str) -> list[str]:
    """The proposed affiliations that appear in the front matter (case, accents, punctuation
    and spacing aside), each once, in order."""
    haystack = _normal(front_matter)
    kept: list[str] = []
    seen: set[str] = set()
    for text in proposed:
        text = " ".join(text.split())
        key = _normal(text)
        if len(key) < 3 or len(text) > AFFILIATION_MAX or key in seen:
            continue
        if key not in haystack:
            log.info("dropping an affiliation not in the paper's front matter: %.80s", text)
            continue
        seen.add(key)
        kept.append(text)
    return kept[:MAX_AFFILIATIONS]


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " " + _NOT_WORD.sub(" ", text.casefold()).strip() + " "
