"""make_summarizer: the one place that turns settings into a Summarizer.

The model clients (and with them google-genai or openai, tens of MB and a second of start-up)
are imported only in the branch of the backend that needs them.
"""

from __future__ import annotations

from config.settings import ConfigError, Settings
from summarizer.base import ModelClient, Summarizer
from summarizer.extractive import ExtractiveSummarizer
from summarizer.limiter import ModelLimiter
from summarizer.model import ModelSummarizer
from summarizer.ratelimit import RateLimitedClient, RetryPolicy

# The openai client's own backoff (0.5 s doubling to 8 s), kept now that we retry for it.
OPENAI_BACKOFF = (0.5, 8.0)


def make_summarizer(settings: Settings) -> Summarizer:
    """The backend the settings ask for; model backends fall back to the extractive one.

    Raises ConfigError when a model backend is chosen explicitly but cannot work (no key).
    """
    backend = settings.summarizer_backend
    max_chars = settings.summarizer.max_input_chars
    if backend == "gemini":
        gem = settings.gemini
        if gem.api_key is None or not gem.api_key.get_secret_value().strip():
            raise ConfigError(
                "summarizer.backend is 'gemini' but no Gemini API key is set: "
                "set PAPERBOY_GEMINI__API_KEY (or gemini.api_key in the config file), "
                "or choose the 'extractive' backend"
            )
        from summarizer.gemini import GeminiClient

        retry = RetryPolicy(gem.max_attempts, gem.initial_backoff_s, gem.max_backoff_s)
        client = _limited(GeminiClient(gem), settings, retry)
        return ModelSummarizer(client, ExtractiveSummarizer(), max_input_chars=max_chars)
    if backend == "openai":
        oa = settings.openai
        if not oa.base_url and (oa.api_key is None or not oa.api_key.get_secret_value().strip()):
            raise ConfigError(
                "summarizer.backend is 'openai' but neither a server nor a key is set: set "
                "PAPERBOY_OPENAI__BASE_URL (e.g. http://localhost:11434/v1 for Ollama) or "
                "PAPERBOY_OPENAI__API_KEY for api.openai.com"
            )
        from summarizer.openai_compat import OpenAICompatClient

        retry = RetryPolicy(oa.max_retries + 1, *OPENAI_BACKOFF)
        client_oa = _limited(OpenAICompatClient(oa), settings, retry)
        return ModelSummarizer(client_oa, ExtractiveSummarizer(), max_input_chars=max_chars)
    if backend == "extractive":
        return ExtractiveSummarizer()
    raise ConfigError(f"unknown summarizer backend {backend!r} (summarizer.backend)")


def make_limiter(settings: Settings) -> ModelLimiter:
    """The process's one model budget: summarizer.requests_per_minute (0: no pacing)."""
    s = settings.summarizer
    return ModelLimiter(s.requests_per_minute, max_in_flight=s.max_in_flight)


def _limited(client: ModelClient, settings: Settings, retry: RetryPolicy) -> RateLimitedClient:
    """The client behind the shared budget, retrying through it."""
    return RateLimitedClient(client, make_limiter(settings), retry)
