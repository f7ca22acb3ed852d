"""Small builders of real value objects for tests (the DAWN paper of the example digest)."""

from __future__ import annotations

from papers.models import Paper
from summarizer.schema import Analysis, Conclusion, Summary
from tests.fakes.arxiv_api import (
    DAWN_ABSTRACT,
    DAWN_AUTHORS,
    DAWN_CODE_URL,
    DAWN_ID,
    DAWN_PUBLISHED,
    DAWN_TITLE,
    DAWN_V2_UPDATED,
)

__all__ = ["DAWN_ABSTRACT", "DAWN_AUTHORS", "DAWN_TITLE", "make_paper", "make_summary"]


def make_paper(**changes: object) -> Paper:
    """The DAWN paper (2410.13726v2), with any field replaced."""
    fields: dict[str, object] = dict(
        arxiv_id=DAWN_ID,
        version=2,
        title=DAWN_TITLE,
        authors=DAWN_AUTHORS,
        abstract=DAWN_ABSTRACT,
        published=DAWN_PUBLISHED,
        updated=DAWN_V2_UPDATED,
        primary_category="cs.CV",
        categories=("cs.CV", "cs.AI"),
        code_url=DAWN_CODE_URL,
    )
    fields.update(changes)
    return Paper(**fields)  # type: ignore[arg-type]


def make_summary(language: str = "en", **changes: object) -> Summary:
    """A plausible model-written summary of DAWN, with any field replaced."""
    fields: dict[str, object] = dict(
        tldr="DAWN generates talking-head videos all at once with non-autoregressive diffusion.",
        takeaways=(
            "Autoregressive talking-head generators accumulate errors and are slow.",
            "DAWN generates a whole dynamic-length video at once.",
            "Lip motion, head pose and blinks are driven by the audio.",
        ),
        analysis=Analysis(
            background="Talking heads are generated from one portrait and a speech clip.",
            prior_work="Diffusion methods are autoregressive: limited context, error accumulation.",
            method="Latent-space facial dynamics plus a separate pose and blink generator.",
            results="Precise lip sync, natural poses, fast and stable on long videos.",
            conclusion=Conclusion(
                significance="Shows non-autoregressive diffusion works for talking heads.",
                strengths="Speed and long-video stability.",
                limitations="The abstract reports no user study.",
            ),
        ),
        keywords=("talking head", "diffusion", "non-autoregressive"),
        language=language,
        backend="gemini",
        model="gemini-2.5-flash",
    )
    fields.update(changes)
    return Summary(**fields)  # type: ignore[arg-type]
