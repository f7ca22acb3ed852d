"""A loopback fake of an OpenAI-compatible ``/v1/chat/completions``, for the real openai client.

Pytest fixture: ``openai_fake`` (import it into a conftest.py). Usage (steps come from
tests/fakes/model_api.py and are re-exported here)::

    from tests.fakes.openai_api import OpenAIFake, good, status

    async with OpenAIFake() as fake:
        settings = Settings(summarizer=SummarizerSettings(backend="openai"),
                            openai=OpenAISettings(base_url=fake.base_url, max_retries=1))
        fake.script(status(429, retry_after=0.01), good())
        ...
        fake.requests[-1].body["response_format"]      # what the client asked for
        fake.requests[-1].headers["authorization"]     # "Bearer sk-…"
        fake.requests[-1].user                         # the user message

``fake.base_url`` ends in ``/v1``; ``/chat/completions`` without the prefix works too (llama.cpp
and some proxies). The default answer is picked like GeminiFake's (see tests/fakes/gemini_api.py).
Errors use OpenAI's body ``{"error":{"message","type","param","code"}}``; a 429 (or any status
step with ``retry_after``) carries ``retry-after`` (whole seconds) and ``retry-after-ms``
headers, which the openai client honours, so keep ``retry_after`` tiny in tests.
``OpenAIFake(json_mode=False)`` behaves like servers that reject ``response_format`` with a 400
(logged in ``requests`` but consuming no scripted step).
"""

from __future__ import annotations

import json
import math
import time
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
    blocked,
    good,
    malformed,
    rambling,
    sample_draft,
    slow,
    status,
    truncated,
)

__all__ = [
    "SAMPLE_DRAFT_EN",
    "SAMPLE_DRAFT_ZH",
    "OpenAIFake",
    "RecordedRequest",
    "answer",
    "blocked",
    "good",
    "malformed",
    "openai_fake",
    "rambling",
    "sample_draft",
    "slow",
    "status",
    "truncated",
]

_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("permission_denied", None, "You are not allowed to use this model."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}
_FINISH = {"stop": "stop", "length": "length", "safety": "content_filter"}


class OpenAIFake(ModelFake):
    """Fake chat completions: scripted steps, a default answer and a request log."""

    def __init__(
        self,
        default: Step | None = None,
        *,
        json_mode: bool = True,
        accepts: frozenset[str] = frozenset({"json_schema", "json_object"}),
        per_window: int | None = None,
        window_s: float = 60.0,
        latency_s: float = 0.0,
    ) -> None:
        super().__init__(default, per_window=per_window, window_s=window_s, latency_s=latency_s)
        self.json_mode = json_mode  # False: reject requests that carry response_format (400)
        # The response_format types this server knows (older llama.cpp: json_object only).
        self.accepts = accepts

    @property
    def base_url(self) -> str:
        """The URL to give AsyncOpenAI(base_url=...)."""
        return f"http://127.0.0.1:{self.port}/v1"

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._handle)
        app.router.add_post("/chat/completions", self._handle)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body: dict[str, Any] = await request.json()
        messages = body.get("messages", [])
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            system="".join(_content(m) for m in messages if m.get("role") == "system"),
            user="".join(_content(m) for m in messages if m.get("role") == "user"),
            extra={"model": body.get("model")},
        )
        kind = (body.get("response_format") or {}).get("type")
        if kind is not None and (not self.json_mode or kind not in self.accepts):
            self.requests.append(record)  # logged, but consumes no scripted step
            return _error(
                Status(400, message=f"'response_format' of type '{kind}' is not supported"),
                param="response_format",
            )
        return await self._play(record)

    async def _reply(self, step: Step, record: RecordedRequest) -> web.StreamResponse:
        model = str(record.extra.get("model") or "fake-model")
        if isinstance(step, Status):
            return _error(step)
        if isinstance(step, Blocked):
            return web.json_response(_completion(None, "content_filter", model, len(self.requests)))
        if isinstance(step, Good):
            text = json.dumps(self.draft_for(step, record), ensure_ascii=False)
            finish = "stop"
        else:
            assert isinstance(step, Answer)
            text, finish = step.text, _FINISH.get(step.finish, step.finish)
        return web.json_response(_completion(text, finish, model, len(self.requests)))


def _content(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):  # content parts
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content or "")


def _completion(text: str | None, finish: str, model: str, n: int) -> dict[str, Any]:
    completion_tokens = max(1, len(text or "") // 4)
    return {
        "id": f"chatcmpl-fake{n}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": {
            "prompt_tokens": 1000,
            "completion_tokens": completion_tokens,
            "total_tokens": 1000 + completion_tokens,
        },
    }


def _error(step: Status, param: str | None = None) -> web.Response:
    kind, code, message = _ERRORS.get(step.code, ("server_error", None, "error"))
    body = {
        "error": {"message": step.message or message, "type": kind, "param": param, "code": code}
    }
    headers = {}
    if step.retry_after is not None:
        headers["retry-after"] = str(math.ceil(step.retry_after))
        headers["retry-after-ms"] = str(round(step.retry_after * 1000))
    return web.json_response(body, status=step.code, headers=headers)


@pytest.fixture
async def openai_fake() -> AsyncIterator[OpenAIFake]:
    """A running OpenAIFake (default: good summaries); stopped afterwards."""
    async with OpenAIFake() as fake:
        yield fake
