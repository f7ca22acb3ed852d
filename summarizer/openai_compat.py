"""OpenAICompatClient: the ModelClient for any OpenAI-compatible chat completions server.

Works with OpenAI itself and with local servers (Ollama, vLLM, llama.cpp), which need no key.
JSON mode is requested; a server that rejects ``response_format`` gets the same request once
more without it, and is not asked for it again. Empty, filtered or cut-off answers raise
InvalidOutput; service failures raise BackendUnavailable without the key in the message.
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

log = logging.getLogger(__name__)

TEMPERATURE = 0.3
# Local servers ignore the key, but the client insists on having one.
NO_KEY = "sk-no-key-required"


class OpenAICompatClient:
    """Sends one system + user prompt as a chat completion and returns the answer's text."""

    name = "openai"

    def __init__(self, settings: OpenAISettings) -> None:
        self.model = settings.model
        key = settings.api_key.get_secret_value() if settings.api_key else ""
        self._key = key
        self._timeout_s = settings.timeout_s
        self._deadline_s = settings.timeout_s * 1.5
        self._json_mode = True
        self._client = AsyncOpenAI(
            api_key=key or NO_KEY,
            base_url=settings.base_url,  # None: the client's default (api.openai.com)
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,
        )

    async def generate(self, system: str, user: str) -> str:
        """The model's answer text; BackendUnavailable if the server cannot give one.

        One overall deadline (1.5 × the timeout) bounds the client's own retries: a local model
        stuck in a loop must not hold a user's /summarize for minutes.
        """
        try:
            return await asyncio.wait_for(self._generate(system, user), self._deadline_s)
        except TimeoutError:
            raise BackendUnavailable(
                f"{self.model} gave no answer within {self._deadline_s:g} s"
            ) from None

    async def _generate(self, system: str, user: str) -> str:
        try:
            return await self._complete(system, user)
        except openai.BadRequestError as exc:
            if not (self._json_mode and _mentions_response_format(exc)):
                raise self._status_error(exc) from None
            log.info("%s rejected response_format; retrying without JSON mode", self.model)
            self._json_mode = False
            try:
                return await self._complete(system, user)
            except openai.APIError as again:
                raise self._error(again) from None
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
        if self._json_mode:
            resp = await create(
                model=self.model,
                messages=messages,
                temperature=TEMPERATURE,
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
            return BackendUnavailable("cannot reach the model server (connection failed)")
        if isinstance(exc, openai.APIStatusError):
            return self._status_error(exc)
        return BackendUnavailable(
            f"the model server sent an unusable response ({type(exc).__name__})"
        )

    def _status_error(self, exc: openai.APIStatusError) -> BackendUnavailable:
        code = exc.status_code
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
                retry_after=retry_after,
            )
        if code == 404:
            return BackendUnavailable(
                f"the model server does not know model {self.model!r} (HTTP 404)"
            )
        return BackendUnavailable(f"the model server failed (HTTP {code}): {self._detail(exc)}")

    def _detail(self, exc: openai.APIStatusError) -> str:
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else None
        text = str(message or exc.message or "")
        if self._key:
            text = text.replace(self._key, "***")
        return text[:200]


def _mentions_response_format(exc: openai.APIStatusError) -> bool:
    return "response_format" in f"{exc.message} {exc.body}".lower()


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
