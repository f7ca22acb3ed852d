"""OpenAICompatClient through the real openai client against the loopback OpenAI fake."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator

import pytest

from config.settings import OpenAISettings
from summarizer.errors import BackendUnavailable, InvalidOutput
from summarizer.openai_compat import NO_KEY, OpenAICompatClient
from tests.fakes.gemini_api import GeminiFake
from tests.fakes.model_api import SAMPLE_DRAFT_EN, redirect
from tests.fakes.openai_api import OpenAIFake, blocked, good, malformed, slow, status, truncated
from tests.summarizer.conftest import OPENAI_KEY


@pytest.fixture
async def client(openai_settings: OpenAISettings) -> AsyncIterator[OpenAICompatClient]:
    """An OpenAICompatClient aimed at the fake."""
    oa = OpenAICompatClient(openai_settings)
    yield oa
    await oa.aclose()


async def test_returns_the_answer_text(client: OpenAICompatClient, openai_fake: OpenAIFake) -> None:
    """A good completion comes back as the raw text of the message."""
    openai_fake.script(good(SAMPLE_DRAFT_EN))
    text = await client.generate("system", "user")
    assert json.loads(text) == SAMPLE_DRAFT_EN
    assert client.name == "openai" and client.model == "fake-model"


async def test_sends_messages_json_mode_and_the_key(
    client: OpenAICompatClient, openai_fake: OpenAIFake
) -> None:
    """System and user messages, JSON mode, temperature and the bearer key are sent."""
    await client.generate("SYSTEM TEXT", "USER TEXT")
    (request,) = openai_fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert request.body["model"] == "fake-model"
    assert request.body["messages"] == [
        {"role": "system", "content": "SYSTEM TEXT"},
        {"role": "user", "content": "USER TEXT"},
    ]
    response_format = request.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "paper_summary"
    assert response_format["json_schema"]["strict"] is True
    schema = response_format["json_schema"]["schema"]
    assert schema["required"] == [
        "tldr", "takeaways", "analysis", "keywords", "title_translation", "affiliations"]
    assert schema["additionalProperties"] is False and "$ref" not in str(schema)
    assert schema["properties"]["analysis"]["properties"]["conclusion"]["required"] == [
        "significance", "strengths", "limitations"]
    assert request.body["temperature"] == pytest.approx(0.3)


async def test_a_local_server_needs_no_key(openai_fake: OpenAIFake) -> None:
    """Without a key (Ollama, llama.cpp) a placeholder is sent and the call works."""
    oa = OpenAICompatClient(OpenAISettings(base_url=openai_fake.base_url, max_retries=0))
    assert await oa.generate("s", "u")
    assert openai_fake.requests[0].headers["authorization"] == f"Bearer {NO_KEY}"
    await oa.aclose()


async def test_a_503_is_one_request_and_retryable(
    client: OpenAICompatClient, openai_fake: OpenAIFake
) -> None:
    """The client's own retries are off (max_retries=0): one request, a retryable error."""
    openai_fake.script(status(503, retry_after=0.01), good())
    with pytest.raises(BackendUnavailable, match="HTTP 503") as info:
        await client.generate("s", "u")
    assert info.value.retryable and info.value.retry_after == pytest.approx(0.01)
    assert len(openai_fake.requests) == 1


async def test_a_429_carries_retry_after(
    client: OpenAICompatClient, openai_fake: OpenAIFake
) -> None:
    """Rate-limited: one request, BackendUnavailable with the server's retry-after-ms."""
    openai_fake.script(status(429, retry_after=0.02))
    with pytest.raises(BackendUnavailable) as info:
        await client.generate("s", "u")
    assert info.value.retry_after == pytest.approx(0.02)
    assert info.value.retryable and info.value.rate_limited
    assert len(openai_fake.requests) == 1


@pytest.mark.parametrize("code", [401, 403])
async def test_a_bad_key_is_reported_without_the_key(
    client: OpenAICompatClient,
    openai_fake: OpenAIFake,
    code: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Rejected credentials name the setting, never the key, and are not retryable."""
    caplog.set_level(logging.DEBUG)
    openai_fake.script(status(code, message=f"Incorrect API key provided: {OPENAI_KEY}"))
    with pytest.raises(BackendUnavailable) as info:
        await client.generate("s", "u")
    assert "PAPERBOY_OPENAI__API_KEY" in str(info.value)
    assert OPENAI_KEY not in str(info.value) and OPENAI_KEY not in caplog.text
    assert not info.value.retryable
    assert len(openai_fake.requests) == 1


async def test_response_format_rejection_retries_without_it(openai_fake: OpenAIFake) -> None:
    """A server without structured outputs or JSON mode: schema, then JSON mode, then plain
    text; later requests go plain at once."""
    openai_fake.json_mode = False
    oa = OpenAICompatClient(OpenAISettings(base_url=openai_fake.base_url, max_retries=0))
    assert json.loads(await oa.generate("s", "u"))
    assert json.loads(await oa.generate("s", "u"))
    formats = [(r.body.get("response_format") or {}).get("type") for r in openai_fake.requests]
    assert formats == ["json_schema", "json_object", None, None]
    await oa.aclose()


async def test_a_server_with_json_mode_only_gets_json_mode(openai_fake: OpenAIFake) -> None:
    """An older server that knows json_object but not json_schema: asked once, then JSON mode."""
    openai_fake.accepts = frozenset({"json_object"})
    oa = OpenAICompatClient(OpenAISettings(base_url=openai_fake.base_url, max_retries=0))
    assert json.loads(await oa.generate("s", "u"))["tldr"] == SAMPLE_DRAFT_EN["tldr"]
    assert json.loads(await oa.generate("s", "u"))
    formats = [(r.body.get("response_format") or {}).get("type") for r in openai_fake.requests]
    assert formats == ["json_schema", "json_object", "json_object"]
    await oa.aclose()


async def test_other_400s_are_not_retried_without_json_mode(
    client: OpenAICompatClient, openai_fake: OpenAIFake
) -> None:
    """A 400 about something else is reported, not papered over."""
    openai_fake.script(status(400, message="context length exceeded"))
    with pytest.raises(BackendUnavailable, match="context length exceeded"):
        await client.generate("s", "u")
    assert len(openai_fake.requests) == 1


async def test_a_slow_reply_times_out(
    openai_settings: OpenAISettings, openai_fake: OpenAIFake
) -> None:
    """A reply slower than timeout_s (on every try) is BackendUnavailable."""
    oa = OpenAICompatClient(openai_settings.model_copy(update={"timeout_s": 0.3, "max_retries": 0}))
    openai_fake.script(slow(5))
    start = time.monotonic()
    with pytest.raises(BackendUnavailable, match="did not answer within 0.3 s"):
        await oa.generate("s", "u")
    assert time.monotonic() - start < 2
    await oa.aclose()


async def test_an_unreachable_server_is_unavailable(openai_settings: OpenAISettings) -> None:
    """Nothing listening: BackendUnavailable, no exception from the library leaks out."""
    async with OpenAIFake() as gone:
        url = gone.base_url
    oa = OpenAICompatClient(openai_settings.model_copy(update={"base_url": url, "max_retries": 0}))
    with pytest.raises(BackendUnavailable, match="cannot reach"):
        await oa.generate("s", "u")
    await oa.aclose()


async def test_filtered_and_cut_off_answers_are_invalid_output(
    client: OpenAICompatClient, openai_fake: OpenAIFake
) -> None:
    """content_filter with no text, and finish_reason length, raise InvalidOutput."""
    openai_fake.script(blocked(), truncated())
    with pytest.raises(InvalidOutput, match="content_filter"):
        await client.generate("s", "u")
    with pytest.raises(InvalidOutput, match="cut off"):
        await client.generate("s", "u")


async def test_malformed_text_is_returned_for_the_validator(
    client: OpenAICompatClient, openai_fake: OpenAIFake
) -> None:
    """Broken JSON is the validator's business."""
    openai_fake.script(malformed("{not json"))
    assert await client.generate("s", "u") == "{not json"


async def test_the_unprefixed_path_works_too(openai_fake: OpenAIFake) -> None:
    """Servers mounted at the root (base_url without /v1) are reachable."""
    root = openai_fake.base_url.removesuffix("/v1")
    oa = OpenAICompatClient(OpenAISettings(base_url=root, max_retries=0))
    assert await oa.generate("s", "u")
    assert openai_fake.requests[0].path == "/chat/completions"
    await oa.aclose()


async def test_retries_of_slow_replies_stay_within_one_deadline(
    openai_settings: OpenAISettings, openai_fake: OpenAIFake
) -> None:
    """A model that never answers in time, with the client's retries on: the whole request
    gives up after 1.5 × timeout_s, not after (retries + 1) × timeout_s."""
    oa = OpenAICompatClient(openai_settings.model_copy(update={"timeout_s": 0.4, "max_retries": 3}))
    openai_fake.default = slow(5)
    start = time.monotonic()
    with pytest.raises(BackendUnavailable):
        await oa.generate("s", "u")
    assert time.monotonic() - start < 1.0
    await oa.aclose()


@pytest.mark.parametrize("code", [302, 307, 308])
async def test_the_key_never_follows_a_redirect_to_another_host(
    client: OpenAICompatClient, openai_fake: OpenAIFake, code: int
) -> None:
    """A redirect is not followed: no other host ever sees the request or the key (issue 10)."""
    async with GeminiFake(host="127.0.0.2") as elsewhere:  # any fake that logs what it gets
        openai_fake.script(redirect(f"{elsewhere.base_url}v1/models/m:generateContent", code))
        with pytest.raises(BackendUnavailable, match=f"redirect.*HTTP {code}"):
            await client.generate("s", "u")
        assert elsewhere.requests == []
    assert openai_fake.requests[0].headers["authorization"] == f"Bearer {OPENAI_KEY}"
