"""GeminiClient through the real google-genai client against the loopback Gemini fake."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from config.settings import ConfigError, GeminiSettings
from summarizer.errors import BackendUnavailable, InvalidOutput
from summarizer.gemini import GeminiClient
from tests.fakes.gemini_api import (
    GeminiFake,
    answer,
    blocked,
    good,
    malformed,
    raw,
    redirect,
    slow,
    status,
    truncated,
)
from tests.fakes.model_api import SAMPLE_DRAFT_EN, SAMPLE_DRAFT_ZH
from tests.summarizer.conftest import GEMINI_KEY


@pytest.fixture
async def client(gemini_settings: GeminiSettings) -> AsyncIterator[GeminiClient]:
    """A GeminiClient aimed at the fake."""
    gemini = GeminiClient(gemini_settings)
    yield gemini
    await gemini.aclose()


async def test_returns_the_answer_text(client: GeminiClient, gemini_fake: GeminiFake) -> None:
    """A good answer comes back as the raw JSON text the model wrote."""
    gemini_fake.script(good(SAMPLE_DRAFT_EN))
    text = await client.generate("You summarize papers.\nOutput language: English [en]", "Paper")
    assert json.loads(text) == SAMPLE_DRAFT_EN
    assert client.name == "gemini" and client.model == "gemini-2.5-flash"


async def test_sends_key_model_prompts_and_json_config(
    client: GeminiClient, gemini_fake: GeminiFake
) -> None:
    """The request carries the key header, both prompts, JSON mode and the summary schema."""
    await client.generate("SYSTEM TEXT", "USER TEXT")
    (request,) = gemini_fake.requests
    assert request.path == "/v1/models/gemini-2.5-flash:generateContent"
    assert request.headers["x-goog-api-key"] == GEMINI_KEY
    assert request.system == "SYSTEM TEXT" and request.user == "USER TEXT"
    config = request.body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["temperature"] == pytest.approx(0.3)
    assert 1000 <= config["maxOutputTokens"] <= 16384
    schema = config["responseSchema"]
    assert set(schema["properties"]) == {"tldr", "takeaways", "analysis", "keywords",
                                         "title_translation", "affiliations"}
    assert "additionalProperties" not in json.dumps(schema)
    assert "additional_properties" not in json.dumps(schema)


async def test_the_default_answer_follows_the_requested_language(
    client: GeminiClient,
) -> None:
    """The fake's default answer is Chinese when the system prompt asks for zh."""
    text = await client.generate("Output language: Simplified Chinese [zh]", "Paper")
    assert json.loads(text) == SAMPLE_DRAFT_ZH


async def test_a_503_is_one_request_and_retryable(
    client: GeminiClient, gemini_fake: GeminiFake
) -> None:
    """The SDK's own retries are off: one HTTP request, a retryable error for our limiter."""
    gemini_fake.script(status(503), good(SAMPLE_DRAFT_EN))
    with pytest.raises(BackendUnavailable, match="HTTP 503") as info:
        await client.generate("s", "u")
    assert info.value.retryable and not info.value.rate_limited
    assert len(gemini_fake.requests) == 1


async def test_a_429_carries_the_retry_delay(client: GeminiClient, gemini_fake: GeminiFake) -> None:
    """Quota exhausted: one request, BackendUnavailable with RetryInfo's delay, no hidden sleep."""
    gemini_fake.script(status(429, retry_after=7.5))
    start = time.monotonic()
    with pytest.raises(BackendUnavailable) as info:
        await client.generate("s", "u")
    assert info.value.retry_after == 7.5
    assert info.value.retryable and info.value.rate_limited
    assert "429" in str(info.value)
    assert len(gemini_fake.requests) == 1
    assert time.monotonic() - start < 2  # the SDK did not sleep on it


async def test_a_retry_after_header_is_read_without_retry_info(
    client: GeminiClient, gemini_fake: GeminiFake
) -> None:
    """Where the body has no RetryInfo, the Retry-After header names the delay."""
    gemini_fake.script(status(429, retry_after=3, retry_after_in="header"))
    with pytest.raises(BackendUnavailable) as info:
        await client.generate("s", "u")
    assert info.value.retry_after == 3.0


async def test_the_per_window_limit_refuses_with_both_delays(
    client: GeminiClient, gemini_fake: GeminiFake
) -> None:
    """The fake's strict window answers the request beyond it with 429 and the time left."""
    gemini_fake.per_window, gemini_fake.window_s = 1, 60.0
    await client.generate("s", "u")
    with pytest.raises(BackendUnavailable) as info:
        await client.generate("s", "u")  # the second in the window: refused
    assert info.value.retry_after is not None and 59 <= info.value.retry_after <= 60
    assert gemini_fake.rejected == 1 and len(gemini_fake.requests) == 2


async def test_persistent_500_becomes_backend_unavailable(
    client: GeminiClient, gemini_fake: GeminiFake
) -> None:
    """A server that keeps failing is 'unavailable', not a crash."""
    gemini_fake.script(status(500))
    with pytest.raises(BackendUnavailable, match="HTTP 500"):
        await client.generate("s", "u")


@pytest.mark.parametrize("code", [400, 401, 403])
async def test_a_bad_key_is_reported_without_the_key(
    client: GeminiClient, gemini_fake: GeminiFake, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Rejected credentials say so clearly, are not retryable, and never echo the key."""
    caplog.set_level(logging.DEBUG)
    gemini_fake.script(status(code))
    with pytest.raises(BackendUnavailable) as info:
        await client.generate("s", "u")
    message = str(info.value)
    assert "API key" in message and "PAPERBOY_GEMINI__API_KEY" in message
    assert GEMINI_KEY not in message and GEMINI_KEY not in caplog.text
    assert not info.value.retryable
    assert len(gemini_fake.requests) == 1


async def test_a_server_message_echoing_the_key_is_redacted(
    client: GeminiClient, gemini_fake: GeminiFake
) -> None:
    """Even if an error message contained the key, ours would not."""
    gemini_fake.script(*[status(500, message=f"bad key {GEMINI_KEY} here")] * 3)
    with pytest.raises(BackendUnavailable) as info:
        await client.generate("s", "u")
    assert GEMINI_KEY not in str(info.value) and "***" in str(info.value)


async def test_unknown_model_is_named(
    gemini_settings: GeminiSettings, gemini_fake: GeminiFake
) -> None:
    """A 404 says which model the service does not know."""
    gemini = GeminiClient(gemini_settings.model_copy(update={"model": "gemini-9-ultra"}))
    gemini_fake.script(status(404))
    with pytest.raises(BackendUnavailable, match="gemini-9-ultra"):
        await gemini.generate("s", "u")
    await gemini.aclose()


async def test_a_slow_reply_times_out(
    gemini_settings: GeminiSettings, gemini_fake: GeminiFake
) -> None:
    """A reply slower than timeout_s is BackendUnavailable, promptly."""
    gemini = GeminiClient(gemini_settings.model_copy(update={"timeout_s": 0.3}))
    gemini_fake.script(slow(5))
    start = time.monotonic()
    with pytest.raises(BackendUnavailable, match="did not answer within 0.3 s"):
        await gemini.generate("s", "u")
    assert time.monotonic() - start < 2
    await gemini.aclose()


async def test_an_unreachable_server_is_unavailable(gemini_settings: GeminiSettings) -> None:
    """Connection refused (nothing listening) is reported at once, as retryable."""
    async with GeminiFake() as gone:
        url = gone.base_url
    gemini = GeminiClient(gemini_settings.model_copy(update={"base_url": url}))
    start = time.monotonic()
    with pytest.raises(BackendUnavailable, match="cannot reach Gemini"):
        await gemini.generate("s", "u")
    assert time.monotonic() - start < 2
    await gemini.aclose()


async def test_a_blocked_answer_is_invalid_output(
    client: GeminiClient, gemini_fake: GeminiFake
) -> None:
    """No text because of a safety block: InvalidOutput naming the finish reason."""
    gemini_fake.script(blocked("SAFETY"))
    with pytest.raises(InvalidOutput, match="SAFETY"):
        await client.generate("s", "u")


async def test_a_cut_off_answer_is_invalid_output(
    client: GeminiClient, gemini_fake: GeminiFake
) -> None:
    """MAX_TOKENS: the model is told to be shorter next time."""
    gemini_fake.script(truncated())
    with pytest.raises(InvalidOutput, match="cut off"):
        await client.generate("s", "u")


async def test_malformed_text_is_returned_for_the_validator(
    client: GeminiClient, gemini_fake: GeminiFake
) -> None:
    """The client does not judge the text: broken JSON comes back as it is."""
    gemini_fake.script(malformed("{not json"), answer("   "))
    assert await client.generate("s", "u") == "{not json"
    with pytest.raises(InvalidOutput, match="empty"):
        await client.generate("s", "u")


def test_a_missing_key_is_a_config_error() -> None:
    """GeminiClient refuses to start without a key, naming the variable."""
    with pytest.raises(ConfigError, match="PAPERBOY_GEMINI__API_KEY"):
        GeminiClient(GeminiSettings())
    with pytest.raises(ConfigError):
        GeminiClient(GeminiSettings(api_key=SecretStr("")))


@pytest.mark.parametrize("code", [302, 307, 308])
async def test_the_key_never_follows_a_redirect_to_another_host(
    client: GeminiClient, gemini_fake: GeminiFake, code: int
) -> None:
    """A redirect to another host is refused: that host never sees the API key (issue 10)."""
    async with GeminiFake(host="127.0.0.2") as elsewhere:
        target = f"{elsewhere.base_url}v1/models/gemini-2.5-flash:generateContent"
        gemini_fake.script(redirect(target, code))
        with pytest.raises(BackendUnavailable, match=f"redirect.*HTTP {code}"):
            await client.generate("s", "u")
        assert elsewhere.requests == []
    assert gemini_fake.requests[0].headers["x-goog-api-key"] == GEMINI_KEY


@pytest.mark.parametrize(
    "body",
    [
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
        '{"candidates": [{"content": {"role": "model", "parts": [{"text": "{\\"tldr',
    ],
    ids=["html", "cut-off"],
)
async def test_a_reply_that_is_not_json_says_so_in_one_line(
    client: GeminiClient, gemini_fake: GeminiFake, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An HTML page or a cut-off body is "not JSON", with no traceback (issue 10)."""
    gemini_fake.script(raw(body))
    with caplog.at_level(logging.DEBUG), pytest.raises(BackendUnavailable) as info:
        await client.generate("s", "u")
    assert str(info.value) == "Gemini sent a response that is not JSON"
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert not any(r.exc_info for r in caplog.records)
