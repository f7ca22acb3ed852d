"""ModelSummarizer: prompt a model, validate, retry once with feedback, else fall back.

The pipeline never raises for model problems: an answer that fails validation twice, or a
service that is down, rate-limited or misconfigured, yields the fallback's (extractive) summary
with a note telling the reader why.
"""

from __future__ import annotations

import logging

from papers.models import Paper
from summarizer.base import ModelClient, Summarizer
from summarizer.errors import BackendUnavailable, InvalidOutput
from summarizer.grounding import clean_extras
from summarizer.prompts import DEFAULT_MAX_INPUT_CHARS, system_prompt, user_prompt
from summarizer.schema import Summary, SummaryDraft
from summarizer.validation import validate

log = logging.getLogger(__name__)

# Notes shown to the reader above a fallback summary: (model answer unusable, service down).
_NOTES: dict[str, tuple[str, str]] = {
    "en": (
        (
            "The AI model's answer was unusable, so this is an extractive summary: "
            "sentences taken from the paper itself."
        ),
        (
            "The AI summary service was unavailable, so this is an extractive summary: "
            "sentences taken from the paper itself."
        ),
    ),
    "zh": (
        "AI 模型的回答无法使用，以下为抽取式摘要：句子直接摘自论文原文（未翻译）。",
        "AI 摘要服务暂时不可用，以下为抽取式摘要：句子直接摘自论文原文（未翻译）。",
    ),
    "zh-tw": (
        "AI 模型的回答無法使用，以下為抽取式摘要：句子直接摘自論文原文（未翻譯）。",
        "AI 摘要服務暫時無法使用，以下為抽取式摘要：句子直接摘自論文原文（未翻譯）。",
    ),
    "ja": (
        "AIモデルの回答が使用できなかったため、論文本文から文を抜き出した抽出型要約（未翻訳）を表示しています。",
        "AI要約サービスが利用できなかったため、論文本文から文を抜き出した抽出型要約（未翻訳）を表示しています。",
    ),
    "de": (
        (
            "Die Antwort des KI-Modells war unbrauchbar; dies ist eine extraktive Zusammenfassung "
            "aus unübersetzten Sätzen des Artikels selbst."
        ),
        (
            "Der KI-Zusammenfassungsdienst war nicht erreichbar; dies ist eine extraktive "
            "Zusammenfassung aus unübersetzten Sätzen des Artikels selbst."
        ),
    ),
    "fr": (
        (
            "La réponse du modèle d'IA était inutilisable ; voici un résumé extractif composé de "
            "phrases tirées telles quelles de l'article."
        ),
        (
            "Le service de résumé par IA était indisponible ; voici un résumé extractif composé de "
            "phrases tirées telles quelles de l'article."
        ),
    ),
    "es": (
        (
            "La respuesta del modelo de IA no era utilizable; este es un resumen extractivo con "
            "frases tomadas sin traducir del propio artículo."
        ),
        (
            "El servicio de resúmenes con IA no estaba disponible; este es un resumen extractivo "
            "con frases tomadas sin traducir del propio artículo."
        ),
    ),
}
_TRADITIONAL = {"zh-tw", "zh-hk", "zh-mo", "zh-hant"}


def fallback_note(language: str, *, unavailable: bool) -> str:
    """The reader-facing note for a fallback summary, in ``language`` where we have one."""
    code = language.strip().lower().replace("_", "-")
    key = "zh-tw" if code in _TRADITIONAL else code if code in _NOTES else code.split("-")[0]
    invalid_note, down_note = _NOTES.get(key, _NOTES["en"])
    return down_note if unavailable else invalid_note


class ModelSummarizer:
    """A Summarizer backed by a ModelClient, with validation, one retry and a fallback."""

    def __init__(
        self,
        client: ModelClient,
        fallback: Summarizer,
        *,
        max_input_chars: int = DEFAULT_MAX_INPUT_CHARS,
    ) -> None:
        self.name = client.name
        self._client = client
        self._fallback = fallback
        self._max_input_chars = max_input_chars

    def estimated_wait_s(self) -> float:
        """The client's limiter's estimate for a new interactive request (0.0 without a limit)."""
        estimate = getattr(self._client, "estimated_wait_s", None)
        return float(estimate()) if callable(estimate) else 0.0

    async def summarize(
        self, paper: Paper, text: str, language: str, *, front_matter: str = ""
    ) -> Summary:
        """A validated model summary, or the fallback's summary with a note saying why."""
        try:
            draft = await self._draft(paper, text, language, front_matter)
        except InvalidOutput as exc:
            why = f"invalid output twice: {exc.reason}"
            return await self._fall_back(paper, text, language, why, unavailable=False)
        except BackendUnavailable as exc:
            return await self._fall_back(paper, text, language, str(exc), unavailable=True)
        # An SDK surprise (an exception type we did not map) must not cost the reader the
        # summary: it is logged with its traceback and handled like an unavailable service.
        except Exception as exc:  # noqa: BLE001
            why = f"unexpected {type(exc).__name__}"
            return await self._fall_back(paper, text, language, why, unavailable=True, exc=exc)
        return Summary.from_draft(
            draft, language=language, backend=self._client.name, model=self._client.model
        )

    async def aclose(self) -> None:
        """Close the model client and the fallback."""
        try:
            await self._client.aclose()
        finally:
            await self._fallback.aclose()

    async def _draft(
        self, paper: Paper, text: str, language: str, front_matter: str
    ) -> SummaryDraft:
        """Ask and validate; on InvalidOutput ask once more, telling the model the reason."""
        system = system_prompt(language)
        source = f"{paper.title}\n{paper.abstract}\n{text}"
        feedback: str | None = None
        for attempt in (1, 2):
            user = user_prompt(paper, text, feedback, max_chars=self._max_input_chars,
                               front_matter=front_matter)
            try:
                raw = await self._client.generate(system, user)
                draft = validate(raw, language, source=source)
                return clean_extras(draft, language, front_matter=front_matter, source=source,
                                    title=paper.title, authors=paper.authors)
            except InvalidOutput as exc:
                if attempt == 2:
                    raise
                log.info("%s: retrying %s: %s", self.name, paper.versioned_id, exc.reason)
                feedback = exc.reason
        raise AssertionError("unreachable")  # pragma: no cover

    async def _fall_back(
        self,
        paper: Paper,
        text: str,
        language: str,
        why: str,
        *,
        unavailable: bool,
        exc: BaseException | None = None,
    ) -> Summary:
        """The fallback's summary, noted; the reason is logged (never the paper text or a key)."""
        log.warning(
            "%s summary of %s failed, using %s instead: %s",
            self.name,
            paper.versioned_id,
            self._fallback.name,
            why,
            exc_info=exc,
        )
        summary = await self._fallback.summarize(paper, text, language)
        return summary.model_copy(update={"note": fallback_note(language, unavailable=unavailable)})
