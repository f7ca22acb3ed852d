"""The two ports of the summarizer package."""

from __future__ import annotations

from typing import Protocol

from papers.models import Paper
from summarizer.schema import Summary


class Summarizer(Protocol):
    """Turns one paper into one validated Summary in the requested language.

    Implementations never raise for a bad model answer: they fall back (see ModelSummarizer).
    """

    name: str  # the backend name, part of the cache key

    async def summarize(
        self, paper: Paper, text: str, language: str, *, front_matter: str = ""
    ) -> Summary:
        """``text``: the paper's body (an excerpt) or its abstract; ``front_matter``: the first
        page's header, where affiliations are printed ("" when unknown)."""
        ...

    def estimated_wait_s(self) -> float:
        """How long a new interactive request would wait for a model slot right now (0.0 when
        there is no model or no limit), so a reply can go out extractive first and be upgraded."""
        ...

    async def aclose(self) -> None:
        """Release connections (HTTP sessions); the summarizer is not used afterwards."""


class ModelClient(Protocol):
    """A chat model behind an API: system + user prompt in, the raw text of its answer out.

    Raises ``BackendUnavailable`` when the service fails; never validates (ModelSummarizer does).
    """

    name: str  # "gemini", "openai"
    model: str

    async def generate(self, system: str, user: str) -> str: ...

    async def aclose(self) -> None: ...
