"""OpenAICompatClient: the ModelClient for any OpenAI-compatible chat completions server.

Works with OpenAI itself and with local servers (Ollama, vLLM, llama.cpp, LM Studio), which need
no key. Structured outputs are requested: the summary's JSON schema (``json_schema``); a server
that rejects it is asked for plain JSON mode (``json_object``), then for plain text, each step
once, and is not asked for the refused format again. Whatever comes back is validated anyway.
Empty, filtered or cut-off answers raise InvalidOutput; service failures raise
BackendUnavailable without the key in the message. The client's own retries are off
(``max_retries=0``): RateLimitedClient retries through the limiter, honouring ``retry-after-ms``
/ ``retry-after``, so every attempt counts against the requests-per-minute budget.
"""

from __future__ import annotations

import asyncio
import logging
import math

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from config.settings import OpenAISettings
from summarizer.errors import BackendUnavailable, InvalidOutput
from summarizer.schema import draft_json_schema

log = logging.getLogger(__name__)

TEMPERATURE = 0.3
# Local servers ignore the key, but the client insists on having one.
NO_KEY = "sk-no-key-required"
SCHEMA_NAME = "paper_summary"
# Response formats, best first; a server that refuses one is asked for the next.
FORMATS = ("json_schema", "json_object", "text")
# What the openai client itself would retry: worth another try later.
RETRY_STATUS_CODES = frozenset({408, 409, 429, 500, 502, 503, 504})


class OpenAICompatClient:
    """Sends one system + user prompt as a chat completion and returns the answer's text."""

    name = "openai"

    def __init__(self, settings: OpenAISettings) -> None:
        self.model = settings.model
        key = settings.api_key.get_secret_value() if settings.api_key else ""
        self._key = key
        self._timeout_s = settings.timeout_s
        self._deadline_s = settings.timeout_s * 1.5
        self._format = 0  # index into FORMATS: the best one this server accepted so far
        self._client = AsyncOpenAI(
            api_key=key or NO_KEY,
            base_url=settings.base_url,  # None: the client's default (api.openai.com)
            timeout=settings.timeout_s,
            max_retries=0,  # RateLimitedClient retries (openai.max_retries times) via the limiter
            # Never follow redirects: the key (and the paper) go to the configured host only,
            # whatever a 302/307/308 names (issue 10).
            http_client=openai.DefaultAsyncHttpxClient(follow_redirects=False),
        )

    async def generate(self, system: str, user: str) -> str:
        """The model's answer text; BackendUnavailable if the server cannot give one.

        One overall deadline (1.5 × the timeout) bounds the call, response-format fallbacks
        included: a local model stuck in a loop must not hold a user's /summarize for minutes.
        """
        try:
            return await asyncio.wait_for(self._generate(system, user), self._deadline_s)
        except TimeoutError:
            raise BackendUnavailable(
                f"{self.model} gave no answer within {self._deadline_s:g} s"
            ) from None

    async def _generate(self, system: str, user: str) -> str:
        while True:
            try:
                return await self._complete(system, user)
            except openai.BadRequestError as exc:
                last = self._format == len(FORMATS) - 1
                if last or not _mentions_response_format(exc):
                    raise self._status_error(exc) from None
                refused = FORMATS[self._format]
                self._format += 1
                log.info("%s refused response_format %s; asking for %s instead",
                         self.model, refused, FORMATS[self._format])
            except openai.APIError as exc:
                raise self._error(exc) from None

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.close()

    async def _complete(self, system: str, user: str) -> str:
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ]
        create = self._client.chat.completions.create
        kind = FORMATS[self._format]
        if kind == "json_schema":
            resp = await create(
                model=self.model, messages=messages, temperature=TEMPERATURE,
                response_format={"type": "json_schema", "json_schema": {
                    "name": SCHEMA_NAME, "schema": draft_json_schema(), "strict": True}},
            )
        elif kind == "json_object":
            resp = await create(
                model=self.model, messages=messages, temperature=TEMPERATURE,
                response_format={"type": "json_object"},
            )
        else:
            resp = await create(model=self.model, messages=messages, temperature=TEMPERATURE)
        if not resp.choices:
            raise InvalidOutput("the model returned no answer")
        choice = resp.choices[0]
        if choice.finish_reason == "length":
            raise InvalidOutput(
                "the answer hit the output length limit and was cut off; write shorter fields"
            )
        text = choice.message.content or ""
        if not text.strip():
            why = (
                f" (finish reason {choice.finish_reason})" if choice.finish_reason != "stop" else ""
            )
            raise InvalidOutput(f"the model returned an empty answer{why}")
        return text

    def _error(self, exc: openai.APIError) -> BackendUnavailable:
        if isinstance(exc, openai.APITimeoutError):
            return BackendUnavailable(
                f"the model server did not answer within {self._timeout_s:g} s"
            )
        if isinstance(exc, openai.APIConnectionError):
            return BackendUnavailable(
                "cannot reach the model server (connection failed)", retryable=True
            )
        if isinstance(exc, openai.APIStatusError):
            return self._status_error(exc)
        return BackendUnavailable(
            f"the model server sent an unusable response ({type(exc).__name__})"
        )

    def _status_error(self, exc: openai.APIStatusError) -> BackendUnavailable:
        code = exc.status_code
        if 300 <= code < 400:
            return BackendUnavailable(
                f"the model server answered with a redirect (HTTP {code}); not followed, so "
                "the key goes to the configured address only: check PAPERBOY_OPENAI__BASE_URL"
            )
        if code in (401, 403):
            return BackendUnavailable(
                f"the model server rejected the API key (HTTP {code}); "
                "check PAPERBOY_OPENAI__API_KEY"
            )
        if code == 429:
            retry_after = _retry_after(exc)
            when = f"; retry after {retry_after:g} s" if retry_after is not None else ""
            return BackendUnavailable(
                f"the model server's rate limit or quota is exhausted (HTTP 429){when}",
                retry_after=retry_after, retryable=True, rate_limited=True,
            )
        if code == 404:
            return BackendUnavailable(
                f"the model server does not know model {self.model!r} (HTTP 404)"
            )
        return BackendUnavailable(
            f"the model server failed (HTTP {code}): {self._detail(exc)}",
            retry_after=_retry_after(exc), retryable=code in RETRY_STATUS_CODES,
        )

    def _detail(self, exc: openai.APIStatusError) -> str:
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else None
        text = str(message or exc.message or "")
        if self._key:
            text = text.replace(self._key, "***")
        return text[:200]


def _mentions_response_format(exc: openai.APIStatusError) -> bool:
    text = f"{exc.message} {exc.body}".lower()
    return any(word in text for word in ("response_format", "json_schema", "json schema"))


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return None
