"""The gate every model answer passes: JSON, schema, sizes, placeholders, repetition, obeyed
injections, chatter, meta-talk, language.

``validate(raw, language)`` returns a SummaryDraft or raises InvalidOutput whose ``reason`` is
short and specific, because it is sent back to the model once as feedback.
"""

from __future__ import annotations

import json
import re

from pydantic import ValidationError

from summarizer import languages as lang
from summarizer.chatter import check_chatter, check_meta_talk
from summarizer.errors import InvalidOutput
from summarizer.injection import check_obeyed, find_commands
from summarizer.placeholders import check_placeholders
from summarizer.repetition import Fields, check_padding, check_repetition
from summarizer.schema import (
    KEYWORD_MAX,
    MAX_KEYWORDS,
    MAX_TAKEAWAYS,
    MIN_TAKEAWAYS,
    SECTION_MAX,
    TAKEAWAY_MAX,
    TLDR_MAX,
    TLDR_SENTENCE_MAX,
    SummaryDraft,
)

_FENCE = re.compile(r"```[a-zA-Z]*\s*(.*?)```", re.DOTALL)
# Our schema nests three levels; json and pydantic recurse, so a hostile answer nested thousands
# deep would raise RecursionError instead of a reason (issue 10).
MAX_DEPTH = 16
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')

def validate(raw: str | None, language: str, *, source: str = "") -> SummaryDraft:
    """Parse and check a model answer; raise InvalidOutput(reason) on the first problem.

    ``source`` is the paper's own text (title, abstract, body): subjects it is about are not
    meta-talk, and commands hidden in it must not have been obeyed.
    """
    data = _parse_json(raw)
    draft = _check_schema(data)
    fields = text_fields(draft)
    keywords = [(f"keywords[{i}]", k) for i, k in enumerate(draft.keywords, 1)]
    _check_empty(fields + keywords)
    _check_counts(draft)
    check_placeholders(fields + keywords)
    check_repetition(fields, draft.takeaways)
    _check_lengths(fields + keywords)
    core = [draft.tldr, *draft.takeaways, *draft.keywords, source]
    check_padding(fields, "\n".join(core))
    commands = find_commands(source)
    check_obeyed(fields + keywords, commands)
    check_chatter(fields + keywords)
    check_meta_talk(fields + keywords, commands.rest)
    check_language(fields, language)
    return draft


def text_fields(draft: SummaryDraft) -> Fields:
    """Every prose field of a draft with its dotted name, in the order a reader sees them."""
    a, c = draft.analysis, draft.analysis.conclusion
    fields: Fields = [("tldr", draft.tldr)]
    fields += [(f"takeaways[{i}]", t) for i, t in enumerate(draft.takeaways, 1)]
    fields += [
        ("analysis.background", a.background),
        ("analysis.prior_work", a.prior_work),
        ("analysis.method", a.method),
        ("analysis.results", a.results),
        ("analysis.conclusion.significance", c.significance),
        ("analysis.conclusion.strengths", c.strengths),
        ("analysis.conclusion.limitations", c.limitations),
    ]
    return fields


def _parse_json(raw: str | None) -> dict[str, object]:
    """Find the one JSON object in an answer, tolerating code fences and prose around it."""
    if raw is None or not raw.strip():
        raise InvalidOutput("the answer was empty; answer with one JSON object")
    text = raw.strip()
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1).strip()
    _check_depth(text)
    decoder = json.JSONDecoder()
    starts = [m.start() for m in re.finditer(r"\{", text)][:20]
    if not starts:
        raise InvalidOutput("the answer contains no JSON object; answer with one JSON object only")
    first_error: json.JSONDecodeError | None = None
    for start in starts:
        if first_error is not None and start <= first_error.pos:
            continue  # inside the broken object (e.g. a cut-off answer): not a new candidate
        try:
            obj, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            first_error = first_error or exc
            continue
        if isinstance(obj, dict):
            _reject_second_object(decoder, text[end:])
            return obj
    detail = f"{first_error.msg} at character {first_error.pos}" if first_error else "no object"
    raise InvalidOutput(
        f"the answer is not valid JSON ({detail}); it may have been cut off, so keep it "
        "shorter and answer with one complete JSON object"
    )


def _check_depth(text: str) -> None:
    depth = 0
    for match in _BRACKETS.finditer(text):  # strings are matched whole, so brackets inside skip
        token = match.group(0)
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidOutput(
                    f"the JSON is nested more than {MAX_DEPTH} levels deep; follow the schema"
                )
        elif token in "]}":
            depth = max(0, depth - 1)


def _reject_second_object(decoder: json.JSONDecoder, rest: str) -> None:
    start = rest.find("{")
    if start < 0:
        return
    try:
        obj, _ = decoder.raw_decode(rest, start)
    except json.JSONDecodeError:
        return
    if isinstance(obj, dict):
        raise InvalidOutput("the answer contains more than one JSON object; give exactly one")


def _check_schema(data: dict[str, object]) -> SummaryDraft:
    try:
        return SummaryDraft.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:4]:
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            if err["type"] == "missing":
                problems.append(f"missing field {where}")
            elif err["type"] == "extra_forbidden":
                problems.append(f"unexpected field {where} (give content only, no metadata)")
            else:
                problems.append(f"{where}: {err['msg']}")
        raise InvalidOutput("the JSON does not match the schema: " + "; ".join(problems)) from None


def _check_empty(fields: Fields) -> None:
    empty = [name for name, text in fields if not text.strip()]
    if empty:
        raise InvalidOutput(f"empty field(s): {', '.join(empty[:5])}; fill every field")


def _check_counts(draft: SummaryDraft) -> None:
    n = len(draft.takeaways)
    if not MIN_TAKEAWAYS <= n <= MAX_TAKEAWAYS:
        raise InvalidOutput(
            f"takeaways has {n} items; give {MIN_TAKEAWAYS} to {MAX_TAKEAWAYS} takeaways"
        )
    if not draft.keywords:
        raise InvalidOutput(f"keywords is empty; give 3 to {MAX_KEYWORDS} keywords")
    if len(draft.keywords) > MAX_KEYWORDS:
        raise InvalidOutput(
            f"keywords has {len(draft.keywords)} items; give at most {MAX_KEYWORDS}"
        )


def _cap(name: str) -> int:
    if name == "tldr":
        return TLDR_MAX
    if name.startswith("takeaways"):
        return TAKEAWAY_MAX
    if name.startswith("keywords"):
        return KEYWORD_MAX
    return SECTION_MAX


# A sentence ends at .!? before a capital (not "e.g. the", not "2.5"), or at 。！？ before more text.
_SENTENCE_BREAK = re.compile(r"(?<=[a-z0-9)\]%][.!?])\s+(?=[\"“(]?[A-Z])|[。！？](?=\s*\S)")


def sentence_count(text: str) -> int:
    """How many sentences ``text`` has, roughly (abbreviations rarely end a tl;dr)."""
    return len(_SENTENCE_BREAK.findall(text.strip())) + 1


def _check_lengths(fields: Fields) -> None:
    for name, text in fields:
        cap = _cap(name)
        if name == "tldr" and TLDR_MAX < len(text) <= TLDR_SENTENCE_MAX:
            if sentence_count(text) == 1:
                continue
            raise InvalidOutput(
                f"tldr is {len(text)} characters long in {sentence_count(text)} sentences "
                f"(limit {TLDR_MAX}, or {TLDR_SENTENCE_MAX} for a single sentence); "
                "make it one sentence"
            )
        if len(text) > cap:
            raise InvalidOutput(
                f"{name} is {len(text)} characters long (limit {cap}); make it shorter"
            )


# --- language ------------------------------------------------------------------


def check_language(fields: Fields, language: str) -> None:
    """InvalidOutput when the fields are not written in ``language``."""
    code = lang.base_code(language)
    prose = "\n".join(text for _, text in fields)
    shares = lang.script_shares(prose)
    if shares.total < 10:
        return
    want = lang.SCRIPT_OF.get(code) or ("latin" if code in lang.LATIN_LANGUAGES else None)
    if want is None:
        return  # unknown language code: nothing reliable to check
    _check_script(fields, shares, want, language)
    if want == "latin":
        _check_latin(fields, code, language)


def _wrong_language(language: str, found: str) -> InvalidOutput:
    name = lang.label(language)
    return InvalidOutput(
        f"the text is not in {name} (it is mostly {found}); write every text value in {name}, "
        "keeping only technical terms in their original form"
    )


def _check_script(fields: Fields, shares: lang.ScriptShares, want: str, language: str) -> None:
    scripts = ("han", "kana") if want == "japanese" else (want,)
    found = lang.SCRIPT_NAMES.get(shares.dominant() or "", "another script")
    if shares.share(*scripts) < 0.5:
        raise _wrong_language(language, found)
    cjk = shares.units.get("han", 0.0) + shares.units.get("kana", 0.0)
    kana = shares.units.get("kana", 0.0) / cjk if cjk else 0.0
    if want == "japanese" and kana < 0.1:
        raise _wrong_language(language, "Chinese")
    if want == "han" and kana > 0.1:
        raise _wrong_language(language, "Japanese")
    for name, text in fields:  # one field left in another language is a miss too
        field = lang.script_shares(text)
        if field.total >= 24 and field.share(*scripts) < 0.25:
            found = lang.SCRIPT_NAMES.get(field.dominant() or "", "another script")
            raise InvalidOutput(
                f"{name} is not in {lang.label(language)} (it is mostly {found}); "
                f"write every text value in {lang.label(language)}"
            )


MIN_WORDS_JUDGED = 40  # words a section needs before its language is judged on its own
MIN_WORDS_SHORT = 12  # below this a section is not judged alone at all


def _check_latin(fields: Fields, code: str, language: str) -> None:
    """Latin-script languages apart (lingua), over the whole answer and per field.

    A field passes while the requested language keeps a fair share of the confidence, so
    English technical terms and quoted phrases in a German section are fine.
    """
    prose = "\n".join(text for _, text in fields)
    found = _other_language(prose, code, share=0.5)
    if found:
        raise _wrong_language(language, lang.label(found))
    # Judged per section, with the takeaways as one: a sentence of a dozen words is too short
    # for a trigram detector (an English line about a Pixel phone reads as German to it), so
    # only what holds enough words is judged on its own.
    sections: dict[str, list[str]] = {}
    for name, text in fields:
        sections.setdefault(name.split("[")[0], []).append(text)
    for name, texts in sections.items():
        text = _common_words(" ".join(texts))
        words = len(re.findall(r"[^\W\d_]+", text))
        if words < MIN_WORDS_SHORT:
            continue  # too short to judge alone: the whole answer was judged above
        if words < MIN_WORDS_JUDGED:  # a sentence or two: only a clear verdict counts
            found = _clearly_other(text, code)
        else:
            found = _other_language(text, code, share=0.2)
        if found:
            raise InvalidOutput(
                f"{name} is not in {lang.label(language)} (it is mostly {lang.label(found)}); "
                f"write every text value in {lang.label(language)}"
            )


_NAME_LIKE = re.compile(r"\S*\d\S*|\b[A-Z][A-Za-z]*[A-Z]\S*|(?<=[^.!?。]\s)[A-Z]\w*")


def _common_words(text: str) -> str:
    """The text without what belongs to no language: names and terms (ImageNet, COCO, Llama,
    Pixel 8, ADE20K) that make a trigram detector read an English line as Danish or German."""
    return " ".join(_NAME_LIKE.sub(" ", text).split())


def _clearly_other(text: str, code: str) -> str | None:
    """For a short section: another language only when the detector is sure of it and gives
    the requested one almost nothing."""
    scores = lang.latin_scores(text)
    if not scores:
        return None
    best = max(scores, key=lambda k: scores[k])
    mine = sum(v for k, v in scores.items() if lang.same_language(k, code))
    sure = not lang.same_language(best, code) and scores[best] >= 0.8 and mine < 0.05
    return best if sure else None


def _other_language(text: str, code: str, *, share: float) -> str | None:
    """The language ``text`` is in, if it is not ``code`` and ``code`` has under ``share``."""
    scores = lang.latin_scores(text)
    if not scores:
        return None
    best = max(scores, key=lambda k: scores[k])
    mine = sum(v for k, v in scores.items() if lang.same_language(k, code))
    return None if lang.same_language(best, code) or mine >= share else best
