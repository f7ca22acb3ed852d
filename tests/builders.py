"""Small builders of real value objects for tests (the DAWN paper of the example digest)."""

from __future__ import annotations

from datetime import UTC, datetime

from papers.models import Paper
from summarizer.schema import Analysis, Conclusion, Summary

DAWN_ABSTRACT = (
    "Talking head generation intends to produce vivid and realistic talking head videos from a "
    "single portrait and speech audio clip. Although significant progress has been made in "
    "diffusion-based talking head generation, almost all methods rely on autoregressive "
    "strategies, which suffer from limited context utilization beyond the current generation "
    "step, error accumulation, and slower generation speed. To address these challenges, we "
    "present DAWN (Dynamic frame Avatar With Non-autoregressive diffusion), a framework that "
    "enables all-at-once generation of dynamic-length video sequences. Specifically, it consists "
    "of two main components: (1) audio-driven holistic facial dynamics generation in the latent "
    "motion space, and (2) audio-driven head pose and blink generation. Extensive experiments "
    "demonstrate that our method generates authentic and vivid videos with precise lip motions, "
    "and natural pose/blink movements. Additionally, with a high generation speed, DAWN possesses "
    "strong extrapolation capabilities, ensuring the stable production of high-quality long "
    "videos. These results highlight the considerable promise and potential impact of DAWN in the "
    "field of talking head video generation. Furthermore, we hope that DAWN sparks further "
    "exploration of non-autoregressive approaches in diffusion models. Our code will be publicly "
    "available at https://github.com/Hanbo-Cheng/DAWN-pytorch."
)
DAWN_AUTHORS = (
    "Hanbo Cheng", "Limin Lin", "Chenyu Liu", "Pengcheng Xia",
    "Pengfei Hu", "Jiefeng Ma", "Jun Du", "Jia Pan",
)
DAWN_TITLE = (
    "DAWN: Dynamic Frame Avatar with Non-autoregressive Diffusion Framework for Talking Head "
    "Video Generation"
)


def make_paper(**changes: object) -> Paper:
    """The DAWN paper (2410.13726v2), with any field replaced."""
    fields: dict[str, object] = dict(
        arxiv_id="2410.13726",
        version=2,
        title=DAWN_TITLE,
        authors=DAWN_AUTHORS,
        abstract=DAWN_ABSTRACT,
        published=datetime(2024, 10, 17, 16, 32, tzinfo=UTC),
        updated=datetime(2024, 10, 21, 9, 0, tzinfo=UTC),
        primary_category="cs.CV",
        categories=("cs.CV", "cs.AI"),
        code_url="https://github.com/Hanbo-Cheng/DAWN-pytorch",
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
