"""A loopback fake of the Gemini API's generateContent, for the real google-genai client.

Pytest fixture: ``gemini_fake`` (import it into a conftest.py). Usage (steps come from
tests/fakes/model_api.py and are re-exported here)::

    from tests.fakes.gemini_api import GeminiFake, good, rambling, status

    async with GeminiFake() as fake:
        settings = Settings(gemini=GeminiSettings(
            api_key=SecretStr("test-key"), base_url=fake.base_url,
            initial_backoff_s=0.01, max_backoff_s=0.02))   # tiny backoff for tests
        fake.script(status(503), good())       # next two calls: overloaded, then a summary
        fake.default = status(429, retry_after=30)   # every call after the script: quota out
        ...
        fake.requests[-1].user                 # the user prompt the client sent
        fake.requests[-1].system               # the system instruction
        fake.requests[-1].headers["x-goog-api-key"]
        assert fake.requests == []             # "no model call happened"

Default answer: ``good()``, i.e. SAMPLE_DRAFT_ZH when the system prompt's ``Output language:
… [zh…]`` line asks for Chinese, else SAMPLE_DRAFT_EN (so other languages fail validation and
the pipeline falls back to the extractive summary, which is also a useful test).

Wire format as observed with google-genai 3.4 (shared/FACTS.md §4): ``POST
/{version}/models/{model}:generateContent`` with camelCase JSON; answers
``{"candidates":[{"content":{"role":"model","parts":[{"text":…}]},"finishReason":"STOP"}],…}``;
errors ``{"error":{"code":…,"message":…,"status":…,"details":[…]}}`` as the service sends them:
400 is "API key not valid" with an ``API_KEY_INVALID`` ErrorInfo, 429 carries a
``google.rpc.RetryInfo`` detail (``"retryDelay": "30s"``) and, from the per-window limit
(``GeminiFake(per_window=R, window_s=60, latency_s=…)``, see tests/fakes/model_api.py), also a
``Retry-After`` header (whole seconds).
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from tests.fakes.model_api import (
    SAMPLE_DRAFT_EN,
    SAMPLE_DRAFT_ZH,
    Answer,
    Blocked,
    Good,
    ModelFake,
    RecordedRequest,
    Status,
    Step,
    answer,
    max_in_window,
    blocked,
    good,
    malformed,
    rambling,
    raw,
    redirect,
    sample_draft,
    slow,
    status,
    truncated,
)

__all__ = [
    "SAMPLE_DRAFT_EN",
    "SAMPLE_DRAFT_ZH",
    "GeminiFake",
    "RecordedRequest",
    "answer",
    "blocked",
    "gemini_fake",
    "good",
    "malformed",
    "max_in_window",
    "rambling",
    "raw",
    "redirect",
    "sample_draft",
    "slow",
    "status",
    "truncated",
]

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_MESSAGES = {
    400: "API key not valid. Please pass a valid API key.",
    403: "Method doesn't allow unregistered callers. Please use API Key or other credentials.",
    404: "models/unknown is not found for API version v1, or is not supported for generateContent.",
    429: "You exceeded your current quota, please check your plan and billing details.",
    500: "An internal error has occurred. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
}
_FINISH = {"stop": "STOP", "length": "MAX_TOKENS", "safety": "SAFETY"}


class GeminiFake(ModelFake):
    """Fake ``generateContent``: scripted steps, a default answer and a request log."""

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/{version}/models/{model_action}", self._handle)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body: dict[str, Any] = await request.json()
        model, _, action = request.match_info["model_action"].partition(":")
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            system=_texts(body.get("systemInstruction")),
            user="".join(_texts(c) for c in body.get("contents", [])),
            extra={"model": model, "action": action, "version": request.match_info["version"]},
        )
        return await self._play(record)

    async def _reply(self, step: Step, record: RecordedRequest) -> web.StreamResponse:
        model = str(record.extra.get("model", "gemini"))
        if isinstance(step, Status):
            return _error(step)
        if isinstance(step, Blocked):
            return web.json_response(
                {
                    "candidates": [{"finishReason": step.reason, "index": 0}],
                    "usageMetadata": {"promptTokenCount": 10, "totalTokenCount": 10},
                    "modelVersion": model,
                    "responseId": f"r{len(self.requests)}",
                }
            )
        if isinstance(step, Good):
            text = json.dumps(self.draft_for(step, record), ensure_ascii=False)
            finish = "STOP"
        else:
            assert isinstance(step, Answer)
            text, finish = step.text, _FINISH.get(step.finish, step.finish.upper())
        return web.json_response(_candidate(text, finish, model, len(self.requests)))


def _texts(content: Any) -> str:
    if not isinstance(content, dict):
        return ""
    return "".join(str(p.get("text", "")) for p in content.get("parts", []) if isinstance(p, dict))


def _candidate(text: str, finish: str, model: str, n: int) -> dict[str, Any]:
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": finish,
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 1000,
            "candidatesTokenCount": max(1, len(text) // 4),
            "totalTokenCount": 1000 + max(1, len(text) // 4),
        },
        "modelVersion": model,
        "responseId": f"r{n}",
    }


def _error(step: Status) -> web.Response:
    error: dict[str, Any] = {
        "code": step.code,
        "message": step.message or _MESSAGES.get(step.code, "error"),
        "status": _STATUS_NAMES.get(step.code, "UNKNOWN"),
    }
    if step.code == 400 and step.message is None:
        error["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
            }
        ]
    if step.retry_after is not None and step.retry_after_in in ("body", "both"):
        delay = f"{step.retry_after:g}s"
        error["details"] = [
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}
        ]
    headers = {}
    if step.retry_after is not None and step.retry_after_in in ("header", "both"):
        headers["Retry-After"] = str(math.ceil(step.retry_after))
    return web.json_response({"error": error}, status=step.code, headers=headers)


@pytest.fixture
async def gemini_fake() -> AsyncIterator[GeminiFake]:
    """A running GeminiFake (default: good summaries); stopped afterwards."""
    async with GeminiFake() as fake:
        yield fake
