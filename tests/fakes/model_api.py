"""The service-neutral half of the model fakes: scripted steps, sample answers, the server base.

``tests/fakes/gemini_api.py`` (GeminiFake) and ``tests/fakes/openai_api.py`` (OpenAIFake) build
on this. A test scripts what the "model" does next with the step helpers below, in order:

    async with GeminiFake() as fake:
        fake.script(status(503), good())          # first call fails, the retry succeeds
        fake.script(malformed(), rambling("zh"))  # later calls: broken JSON, then a loop
        ...                                       # queue empty: ``fake.default`` answers
        assert fake.requests[0].headers["x-goog-api-key"] == "test-key"

Steps: ``good(draft=None)`` a valid summary (None: the sample for the requested language),
``answer(text)`` any raw text, ``malformed()`` broken JSON, ``rambling(language)`` a summary whose
method section loops ~5,000 characters, ``truncated()`` output cut at the token limit,
``blocked()`` no text (safety), ``status(code, retry_after=None)`` an HTTP error with the
service's real error body, ``slow(seconds, then=None)`` a reply that takes its time.

A strict per-minute server, on a time scale of your choosing::

    fake = GeminiFake(per_window=60, window_s=6.0, latency_s=0.3)   # "60/min", ten times faster
    ...                                      # beyond 60 in any rolling 6 s: 429 + retry delay
    fake.rejected                            # how many requests it refused
    max_in_window([r.time for r in fake.requests], 6.0)   # the most it saw in any window
"""

from __future__ import annotations

import asyncio
import bisect
import json
import re
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

# --- steps ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Good:
    """Answer with a valid summary; ``draft=None`` picks the sample for the requested language."""

    draft: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """Answer with this exact text; ``finish`` is "stop", "length" (token limit) or "safety"."""

    text: str
    finish: str = "stop"


@dataclass(frozen=True, slots=True)
class Blocked:
    """Answer with no text at all (Gemini: finishReason SAFETY; OpenAI: content_filter)."""

    reason: str = "SAFETY"


@dataclass(frozen=True, slots=True)
class Status:
    """Fail with an HTTP error and the service's own error body (429 carries ``retry_after``)."""

    code: int
    retry_after: float | None = None
    message: str | None = None
    # Gemini: where the delay goes: "body" (RetryInfo, as the service does for quota), "header"
    # (Retry-After) or "both" (what the per-window limit sends). OpenAI: always headers.
    retry_after_in: str = "body"


@dataclass(frozen=True, slots=True)
class Slow:
    """Wait ``seconds`` (cut short when the fake closes), then play ``then`` (default: good)."""

    seconds: float
    then: Step | None = None


@dataclass(frozen=True, slots=True)
class Redirect:
    """Answer with an HTTP redirect (302/307/308) to ``location``, as a hijacked proxy might."""

    location: str
    code: int = 307


@dataclass(frozen=True, slots=True)
class Raw:
    """Answer with this exact body and content type (an HTML error page, a cut-off body)."""

    body: str
    content_type: str = "text/html"
    code: int = 200


Step = Good | Answer | Blocked | Status | Slow | Redirect | Raw


def good(draft: Mapping[str, Any] | None = None) -> Good:
    """A valid summary answer."""
    return Good(draft)


def answer(text: str, finish: str = "stop") -> Answer:
    """An answer with exactly this text."""
    return Answer(text, finish)


def malformed(text: str = '{"tldr": "DAWN generates talking heads", "takeaways": [') -> Answer:
    """An answer that is not valid JSON."""
    return Answer(text)


def rambling(language: str = "en", text: str | None = None) -> Answer:
    """A JSON summary whose method section is a self-repeating loop (the real failure)."""
    draft = json.loads(json.dumps(sample_draft(language)))
    draft["analysis"]["method"] = text or (
        RAMBLING_ZH if language.startswith("zh") else RAMBLING_EN
    )
    return Answer(json.dumps(draft, ensure_ascii=False))


def truncated() -> Answer:
    """Output cut off at the model's token limit."""
    return Answer(json.dumps(SAMPLE_DRAFT_EN)[:180], finish="length")


def blocked(reason: str = "SAFETY") -> Blocked:
    """No text, blocked by the service's safety filter."""
    return Blocked(reason)


def status(
    code: int,
    retry_after: float | None = None,
    message: str | None = None,
    *,
    retry_after_in: str = "body",
) -> Status:
    """An HTTP error reply."""
    return Status(code, retry_after, message, retry_after_in)


def slow(seconds: float, then: Step | None = None) -> Slow:
    """A reply that arrives after ``seconds``."""
    return Slow(seconds, then)


def redirect(location: str, code: int = 307) -> Redirect:
    """An HTTP redirect to ``location`` (another host, to test that no key follows it)."""
    return Redirect(location, code)


def raw(body: str, content_type: str = "text/html", code: int = 200) -> Raw:
    """A reply with exactly this body: an HTML page or a body cut off mid-JSON."""
    return Raw(body, content_type, code)


# --- sample answers -------------------------------------------------------------------------

SAMPLE_DRAFT_EN: dict[str, Any] = {
    "tldr": "DAWN generates talking-head videos from one portrait and a speech clip in a single "
    "non-autoregressive diffusion pass, which makes generation faster and long videos stable.",
    "takeaways": [
        (
            "Existing diffusion-based talking-head generators work autoregressively, so errors "
            "pile up and generation is slow."
        ),
        "DAWN produces all frames of a dynamic-length video at once instead of frame by frame.",
        "Facial dynamics are generated in a latent motion space, driven by the audio.",
        "A separate audio-driven module generates head pose and blinks.",
        "Lip motion is precise and pose and blink movements look natural in the experiments.",
        "The model extrapolates to videos longer than those seen during training.",
    ],
    "analysis": {
        "background": "Talking-head generation turns a still portrait and an audio clip into a "
        "video of that person speaking. It matters for virtual meetings, games and film "
        "production, where the mouth must follow the speech and the head must move naturally.",
        "prior_work": "Most recent methods rely on diffusion models applied autoregressively or "
        "semi-autoregressively: each step produces one frame or a short fixed-length clip. They "
        "use little context beyond the current step, accumulate errors over long sequences and "
        "are slow at inference time.",
        "method": "DAWN (Dynamic frame Avatar With Non-autoregressive diffusion) has two parts. "
        "An audio-to-motion diffusion model generates holistic facial dynamics in a latent motion "
        "space for the whole clip at once. A lightweight pose-and-blink generator, also driven by "
        "audio, supplies head movement and eye blinks that condition the video renderer.",
        "results": "On standard talking-head benchmarks DAWN matches or exceeds autoregressive "
        "baselines in lip-sync accuracy and visual quality while generating considerably faster. "
        "Qualitative results show stable identity across long videos, and the authors report "
        "good extrapolation to sequence lengths beyond the training range.",
        "conclusion": {
            "significance": "It shows that non-autoregressive diffusion is a practical "
            "alternative for long talking-head videos, removing the speed and drift problems of "
            "frame-by-frame generation.",
            "strengths": "Generating all frames jointly uses the full temporal context; "
            "separating pose and blink control keeps motion natural; inference is fast.",
            "limitations": "Evaluation is limited to frontal portraits and a few datasets; the "
            "paper gives little analysis of failure cases, and code was only promised at the "
            "time of submission.",
        },
    },
    "keywords": ["talking head generation", "diffusion models", "non-autoregressive", "lip sync"],
}

# Written after the real digest in shared/examples/digest-example.zh.md (a legitimate summary).
SAMPLE_DRAFT_ZH: dict[str, Any] = {
    "tldr": "DAWN框架通过非自回归扩散实现单图语音驱动动态头像生成，提高视频真实性和生成速度。",
    "takeaways": [
        "DAWN用于从单张肖像和语音音频生成生动、逼真的动态头像视频。",
        "现有扩散方法依赖自回归策略，存在语境利用有限、错误累积和生成速度慢等问题。",
        "DAWN包含两个主要组件：音频驱动的潜在运动空间中的整体面部动态生成和音频驱动的头部姿态及眨眼生成。",
        "实验证明，DAWN生成的视频具有精确的唇部动作和自然的姿态/眨眼动作。",
        "DAWN拥有高生成速度和强大的外推能力，可稳定生产高质量长视频。",
        "DAWN在谈话头像视频生成领域具有广阔的应用前景。",
        "研究者将代码公开，供进一步探索非自回归扩散模型。",
    ],
    "analysis": {
        "background": "本文的研究背景是说话人头部的视频生成，旨在从单幅肖像和语音音频片段生成生动逼真的"
        "说话人头视频。随着虚拟会议、游戏和电影制作等领域的发展，该技术的应用前景广阔。先前的方法大多"
        "基于扩散模型，但它们依赖于自回归策略，存在上下文利用有限、误差累积和生成速度慢等问题。",
        "prior_work": "现有的方法主要依赖于自回归或半自回归策略，在每次迭代中只生成一帧或固定长度的视频"
        "片段。这种方法导致上下文信息利用不足，误差累积，特别是在长视频序列中更为明显。",
        "method": "针对上述问题，本文提出了DAWN（动态帧化身非自回归扩散框架）。它包含两个主要组件："
        "1）在潜在运动空间中的音频驱动的整体面部动态生成；2）音频驱动的头部姿势和眨眼生成。DAWN采用"
        "非自回归方式，能够一次性生成动态长度的视频序列，提高了生成速度和视频质量。",
        "results": "本文的方法在说话人头视频生成任务上取得了显著成果，能够生成具有精确唇部运动、自然姿势"
        "和眨眼动作的真实和生动视频。实验结果表明，DAWN具有强大的外推能力，可稳定生成高质量的长视频。"
        "这些结果突显了DAWN在该领域的巨大潜力和前景。",
        "conclusion": {
            "significance": "该工作提出了一种创新的动态非自回归扩散框架，用于从给定的肖像和音频生成说话人"
            "头部的视频，对于虚拟会议、游戏和电影制作等领域具有重要的应用价值。",
            "strengths": "创新点：DAWN能够一次性生成动态长度的视频序列，提高了生成速度和视频质量。与传统的"
            "自回归方法相比，DAWN更有效地利用了上下文信息，减少了误差累积。性能：DAWN能够生成具有精确唇部"
            "运动、自然姿势和眨眼动作的高质量视频，并且具有强大的外推能力，可稳定生成长视频序列。",
            "limitations": "文章未提供代码仓库链接，这可能对读者理解和实现该方法造成一定的困难；实验主要"
            "集中在说话人头视频生成任务上，泛化能力有待进一步验证。",
        },
    },
    "keywords": [
        "Talking Head Generation",
        "Diffusion Models",
        "Non-Autoregressive",
        "说话人头生成",
    ],
}

# ~5,000 characters of self-repeating talk about how summaries should be written: the failure a
# real digest printed instead of a summary.
_RAMBLE_EN = (
    "The summary should be concise and should capture the key points of the paper. "
    "A good summary should highlight the main contributions, the method and the results. "
    "The summary should be written in clear language and should avoid unnecessary details. "
    "It is important that the summary captures the key points and highlights the main "
    "contributions of the paper. The summary should be concise, clear and accurate, and it "
    "should capture the key points of the paper without unnecessary details. "
)
RAMBLING_EN = (_RAMBLE_EN * 12)[:5000]

_RAMBLE_ZH = (
    "总结应该简洁明了，突出论文的主要贡献和创新点。总结应该包括研究背景、研究方法和实验结果。"
    "一个好的总结应该简洁明了，突出论文的主要贡献，避免不必要的细节。总结应该准确地反映论文的内容，"
    "突出论文的主要贡献和创新点，并且应该简洁明了。"
)
RAMBLING_ZH = (_RAMBLE_ZH * 30)[:2000]

_LANGUAGE_LINE = re.compile(r"Output language:[^\n\[]*\[([A-Za-z0-9_-]+)\]")


def sample_draft(language: str) -> dict[str, Any]:
    """The sample summary for a language: Chinese for zh*, English otherwise."""
    return SAMPLE_DRAFT_ZH if language.lower().startswith("zh") else SAMPLE_DRAFT_EN


def requested_language(system_text: str) -> str:
    """The code in the prompt's ``Output language: … [code]`` line ("en" when absent)."""
    found = _LANGUAGE_LINE.search(system_text)
    return found.group(1) if found else "en"


# --- the server base ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the fake received: raw JSON body, lower-cased headers, extracted prompts."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any]
    system: str  # the system instruction text ("" when none)
    user: str  # the user message text
    extra: Mapping[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.monotonic)  # arrival (time.monotonic)


def max_in_window(times: Sequence[float], window_s: float) -> int:
    """The most of ``times`` that fall in any half-open window ``(t - window_s, t]``."""
    ordered = sorted(times)
    return max(
        (i + 1 - bisect.bisect_right(ordered, t - window_s) for i, t in enumerate(ordered)),
        default=0,
    )


class ModelFake:
    """An aiohttp server on 127.0.0.1:0 that plays scripted steps; subclasses speak the wire.

    ``per_window`` (with ``window_s``): answer 429 to a request beyond that many accepted ones in
    any rolling window, with the delay until the oldest leaves it; ``latency_s``: every answer
    takes that long (the model thinking).
    """

    def __init__(
        self,
        default: Step | None = None,
        *,
        per_window: int | None = None,
        window_s: float = 60.0,
        latency_s: float = 0.0,
        host: str = "127.0.0.1",
    ) -> None:
        self.default: Step = default or Good()
        self.host = host  # any 127.x.y.z: a second fake on another loopback "host"
        self.requests: list[RecordedRequest] = []
        self.per_window = per_window
        self.window_s = window_s
        self.latency_s = latency_s
        self.rejected = 0  # requests refused by the per-window limit
        self.in_flight = 0  # requests being answered now
        self.max_in_flight = 0  # the most ever answered at once
        self._accepted: deque[float] = deque()  # arrival times inside the current window
        self._queue: deque[Step] = deque()
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self.port = 0

    # subclass hooks
    def _routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def _reply(self, step: Step, record: RecordedRequest) -> web.StreamResponse:
        raise NotImplementedError

    @property
    def base_url(self) -> str:
        """Where a client should point (subclasses add the API prefix they need)."""
        return f"http://{self.host}:{self.port}/"

    def script(self, *steps: Step) -> Self:
        """Queue steps; each request consumes one, then ``self.default`` answers."""
        self._queue.extend(steps)
        return self

    def clear_script(self) -> None:
        """Drop the scripted steps not consumed yet (the service is well again)."""
        self._queue.clear()

    def reset(self) -> None:
        """Forget the requests received so far, and the per-window limit's count."""
        self.requests.clear()
        self._accepted.clear()
        self.rejected = 0
        self.max_in_flight = self.in_flight

    @property
    def pending(self) -> int:
        """Scripted steps not yet consumed."""
        return len(self._queue)

    async def start(self) -> Self:
        """Start listening on a free loopback port."""
        app = web.Application()
        self._routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        """Stop the server, cutting slow replies short."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _play(self, record: RecordedRequest) -> web.StreamResponse:
        self.requests.append(record)
        refusal = self._over_limit(record.time)
        if refusal is not None:
            return await self._reply(refusal, record)
        step = self._queue.popleft() if self._queue else self.default
        if self.latency_s > 0:
            step = Slow(self.latency_s, step)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            while isinstance(step, Slow):
                try:
                    await asyncio.wait_for(self._closing.wait(), step.seconds)
                except TimeoutError:
                    pass
                step = step.then or Good()
            if isinstance(step, Redirect):
                return web.Response(status=step.code, headers={"Location": step.location})
            if isinstance(step, Raw):
                return web.Response(status=step.code, text=step.body,
                                    content_type=step.content_type)
            return await self._reply(step, record)
        finally:
            self.in_flight -= 1

    def _over_limit(self, now: float) -> Status | None:
        """A 429 step if this request is one too many for the window, else None (counted)."""
        if self.per_window is None:
            return None
        while self._accepted and self._accepted[0] <= now - self.window_s:
            self._accepted.popleft()
        if len(self._accepted) >= self.per_window:
            self.rejected += 1
            wait = max(0.001, self._accepted[0] + self.window_s - now)
            return Status(429, retry_after=round(wait, 3), retry_after_in="both")
        self._accepted.append(now)
        return None

    @staticmethod
    def draft_for(step: Good, record: RecordedRequest) -> Mapping[str, Any]:
        """The summary a Good step sends for this request."""
        return step.draft or sample_draft(requested_language(record.system))
