"""The summary schema: what a model must return (SummaryDraft) and what we deliver (Summary)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# Per-field length caps (characters). A field over its cap is rejected, not truncated:
# over-long output is how rambling shows up first.
TLDR_MAX = 300
TLDR_SENTENCE_MAX = 450  # one long sentence may run over TLDR_MAX (issue 10); two may not
TAKEAWAY_MAX = 300
SECTION_MAX = 1200
KEYWORD_MAX = 60
TITLE_MAX = 300
AFFILIATION_MAX = 200
MAX_AFFILIATIONS = 12
MIN_TAKEAWAYS = 3
MAX_TAKEAWAYS = 7
MAX_KEYWORDS = 8


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Conclusion(_Frozen):
    """The closing judgement of a paper."""

    significance: str = Field(description="Why the work matters.")
    strengths: str = Field(description="What the paper does well or newly.")
    limitations: str = Field(description="Weaknesses, open problems, missing evidence.")


class Analysis(_Frozen):
    """The structured analysis, in the order the digest shows it."""

    background: str = Field(description="The problem and its context.")
    prior_work: str = Field(description="Earlier approaches and their problems.")
    method: str = Field(description="What the paper proposes and how it works.")
    results: str = Field(description="Tasks, data and the performance reached.")
    conclusion: Conclusion


class SummaryDraft(_Frozen):
    """What a model is asked to return: content only, never metadata (title, authors, links)."""

    tldr: str = Field(description="One sentence: what the paper does and why it matters.")
    takeaways: list[str] = Field(description="3 to 7 key takeaways, one sentence each.")
    analysis: Analysis
    keywords: list[str] = Field(description="3 to 8 keywords or key phrases.")
    title_translation: str = Field(
        default="",
        description="The paper's title in the output language; empty when that is English.",
    )
    affiliations: list[str] = Field(
        default_factory=list,
        description="The authors' institutions exactly as printed in the paper's front matter; "
        "empty when the text shows none.",
    )


class Summary(_Frozen):
    """A validated summary ready to render, with where it came from."""

    tldr: str
    takeaways: tuple[str, ...]
    analysis: Analysis
    keywords: tuple[str, ...]
    language: str  # the language code the text is in (or the headings are in, for extractive)
    backend: str  # "gemini", "openai", "extractive"
    model: str | None = None  # the model name, when a model wrote it
    extractive: bool = False  # sentences taken from the paper, not written by a model
    note: str | None = None  # shown to the reader: why this is extractive, untranslated, …
    title_translation: str | None = None  # the title in ``language`` (non-English chats)
    affiliations: tuple[str, ...] = ()  # grounded: each appears in the paper's front matter
    source: str = "abstract"  # what it was written from: "abstract", "html" or "pdf"
    source_note: str | None = None  # why only the abstract was read ("the PDF could not be read")

    @classmethod
    def from_draft(
        cls, draft: SummaryDraft, *, language: str, backend: str, model: str | None
    ) -> Summary:
        """Wrap a validated draft with its provenance."""
        return cls(
            tldr=draft.tldr,
            takeaways=tuple(draft.takeaways),
            analysis=draft.analysis,
            keywords=tuple(draft.keywords),
            language=language,
            backend=backend,
            model=model,
            title_translation=draft.title_translation.strip() or None,
            affiliations=tuple(draft.affiliations),
        )


def draft_json_schema() -> dict[str, Any]:
    """SummaryDraft as a self-contained strict JSON schema for structured outputs.

    Strict mode (OpenAI, and what vLLM, Ollama and llama.cpp accept) wants every object closed
    (``additionalProperties: false``) with every property required; ``$ref``s are inlined because
    not every server resolves them.
    """
    schema = SummaryDraft.model_json_schema()
    definitions = schema.pop("$defs", {})

    def strict(node: Any) -> Any:
        if isinstance(node, list):
            return [strict(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return strict(definitions[node["$ref"].rsplit("/", 1)[-1]])
        # "title" is noise; "default" is refused by some strict-mode servers (every field is
        # required there anyway).
        out = {k: strict(v) for k, v in node.items() if k not in ("title", "default")}
        if out.get("type") == "object":
            out["additionalProperties"] = False
            out["required"] = list(out.get("properties", {}))
        return out

    return strict(schema)
