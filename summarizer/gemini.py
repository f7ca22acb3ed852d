"""GeminiClient: the ModelClient for Google Gemini through the google-genai async client.

Empty answers are not passed on as text: no candidates, a safety block, or output cut at the
token limit raise InvalidOutput with a reason the retry prompt can use. Service failures raise
BackendUnavailable; messages never contain the API key. The SDK makes exactly one HTTP request
per call (its retries are off): RateLimitedClient retries through the limiter, so every attempt
is counted against the requests-per-minute budget.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import aiohttp
from google import genai
from google.genai import errors, types

from config.settings import ConfigError, GeminiSettings
from summarizer.errors import BackendUnavailable, InvalidOutput
from summarizer.schema import MAX_KEYWORDS, MAX_TAKEAWAYS, MIN_TAKEAWAYS, SummaryDraft

log = logging.getLogger(__name__)

RETRY_STATUS_CODES = frozenset({408, 429, 500, 502, 503, 504})
TEMPERATURE = 0.3
# A full summary is 1-4k tokens; thinking models count thoughts in this budget too. The bound
# stops a looping model from running on (and costing) for minutes.
MAX_OUTPUT_TOKENS = 8192
_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def response_schema() -> dict[str, Any]:
    """SummaryDraft as a JSON schema the Gemini Developer API accepts (no additionalProperties)."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k != "additionalProperties"}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    schema: dict[str, Any] = strip(SummaryDraft.model_json_schema())
    props = schema["properties"]
    props["takeaways"].update(minItems=MIN_TAKEAWAYS, maxItems=MAX_TAKEAWAYS)
    props["keywords"].update(minItems=1, maxItems=MAX_KEYWORDS)
    return schema


class GeminiClient:
    """Sends one system + user prompt to Gemini and returns the raw text of its answer."""

    name = "gemini"

    def __init__(self, settings: GeminiSettings) -> None:
        if settings.api_key is None or not settings.api_key.get_secret_value():
            raise ConfigError("the gemini backend needs an API key: set PAPERBOY_GEMINI__API_KEY")
        self.model = settings.model
        self._key = settings.api_key.get_secret_value()
        self._timeout_s = settings.timeout_s
        http = types.HttpOptions(
            base_url=settings.base_url,
            api_version=settings.api_version,
            timeout=int(settings.timeout_s * 1000),  # milliseconds
            # One try per call: retries go through our limiter. Setting retry_options at all
            # also disables the SDK's implicit 1-10 s retry of aiohttp connection errors.
            retry_options=types.HttpRetryOptions(attempts=1),
            # Never follow redirects: aiohttp and httpx re-send the x-goog-api-key header to
            # whatever host a 302/307/308 names (issue 10). The SDK keeps only the arguments its
            # transport knows: aiohttp's ``allow_redirects``, httpx's ``follow_redirects``.
            client_args={"follow_redirects": False},
            async_client_args={"allow_redirects": False, "follow_redirects": False},
        )
        self._client = genai.Client(api_key=self._key, http_options=http)
        self._schema = response_schema()

    async def generate(self, system: str, user: str) -> str:
        """The model's answer text; BackendUnavailable if Gemini cannot give one."""
        config = types.GenerateContentConfig(
            system_instruction=system,
            response_mime_type="application/json",
            response_schema=self._schema,
            temperature=TEMPERATURE,
            max_output_tokens=MAX_OUTPUT_TOKENS,
        )
        try:
            resp = await self._client.aio.models.generate_content(
                model=self.model, contents=user, config=config
            )
        except errors.APIError as exc:
            raise self._api_error(exc) from None
        except TimeoutError:
            raise BackendUnavailable(
                f"Gemini did not answer within {self._timeout_s:g} s"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise BackendUnavailable(
                f"cannot reach Gemini ({type(exc).__name__})", retryable=True
            ) from None
        except (errors.UnknownApiResponseError, json.JSONDecodeError):
            # An HTML error page from a proxy, or a body cut off in transit.
            raise BackendUnavailable("Gemini sent a response that is not JSON") from None
        return _answer_text(resp)

    async def aclose(self) -> None:
        """Close the HTTP sessions of the async client."""
        await self._client.aio.aclose()

    def _api_error(self, exc: errors.APIError) -> BackendUnavailable:
        code = exc.code
        detail = self._redact(str(exc.message or exc.status or ""))[:200]
        if code in (401, 403) or (code == 400 and _is_key_error(exc)):
            return BackendUnavailable(
                f"Gemini rejected the API key (HTTP {code}); check PAPERBOY_GEMINI__API_KEY"
            )
        if 300 <= code < 400:
            return BackendUnavailable(
                f"Gemini answered with a redirect (HTTP {code}); not followed, so the API key "
                "goes to the configured address only: check PAPERBOY_GEMINI__BASE_URL"
            )
        retry_after = _retry_delay(exc)
        if code == 429:
            when = f"; retry after {retry_after:g} s" if retry_after is not None else ""
            return BackendUnavailable(
                f"Gemini quota or rate limit exhausted (HTTP 429){when}",
                retry_after=retry_after, retryable=True, rate_limited=True,
            )
        if code == 404:
            return BackendUnavailable(f"Gemini does not know model {self.model!r} (HTTP 404)")
        return BackendUnavailable(
            f"Gemini failed (HTTP {code} {exc.status or ''}): {detail}",
            retry_after=retry_after, retryable=code in RETRY_STATUS_CODES,
        )

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text


def _is_key_error(exc: errors.APIError) -> bool:
    blob = str(exc.details).lower()
    return "api_key" in blob or "api key" in blob


def _retry_delay(exc: errors.APIError) -> float | None:
    """The server's delay: a google.rpc.RetryInfo detail ("retryDelay": "1.5s"), which is
    precise, else a Retry-After header (whole seconds), else None."""
    body = exc.details if isinstance(exc.details, dict) else {}
    error = body.get("error", body)
    for detail in error.get("details", []) if isinstance(error, dict) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("RetryInfo"):
            match = _DELAY.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    headers = getattr(exc.response, "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare for this API, and the backoff covers it
    return seconds if seconds is not None and 0 <= seconds < float("inf") else None


def _answer_text(resp: types.GenerateContentResponse) -> str:
    """``resp.text``, or InvalidOutput saying why there is none (blocked, cut off, empty)."""
    candidate = resp.candidates[0] if resp.candidates else None
    reason = candidate.finish_reason if candidate else None
    finish = str(getattr(reason, "name", reason)) if reason else None
    if candidate is None:
        block = resp.prompt_feedback.block_reason if resp.prompt_feedback else None
        why = f" (blocked: {getattr(block, 'name', block)})" if block else ""
        raise InvalidOutput(f"the model returned no answer{why}")
    if finish == "MAX_TOKENS":
        raise InvalidOutput(
            "the answer hit the output length limit and was cut off; write shorter fields"
        )
    text = resp.text or ""
    if not text.strip():
        why = f" (finish reason {finish})" if finish and finish != "STOP" else ""
        raise InvalidOutput(f"the model returned an empty answer{why}")
    return text
