"""make_summarizer: the one place that turns settings into a Summarizer."""

from __future__ import annotations

from config.settings import ConfigError, Settings
from summarizer.base import ModelClient, Summarizer
from summarizer.extractive import ExtractiveSummarizer
from summarizer.gemini import GeminiClient
from summarizer.model import ModelSummarizer
from summarizer.openai_compat import OpenAICompatClient
from summarizer.ratelimit import RateLimitedClient


def make_summarizer(settings: Settings) -> Summarizer:
    """The backend the settings ask for; model backends fall back to the extractive one.

    Raises ConfigError when a model backend is chosen explicitly but cannot work (no key).
    """
    backend = settings.summarizer_backend
    max_chars = settings.summarizer.max_input_chars
    if backend == "gemini":
        key = settings.gemini.api_key
        if key is None or not key.get_secret_value().strip():
            raise ConfigError(
                "summarizer.backend is 'gemini' but no Gemini API key is set: "
                "set PAPERBOY_GEMINI__API_KEY (or gemini.api_key in the config file), "
                "or choose the 'extractive' backend"
            )
        client = _limited(GeminiClient(settings.gemini), settings)
        return ModelSummarizer(client, ExtractiveSummarizer(), max_input_chars=max_chars)
    if backend == "openai":
        oa = settings.openai
        if not oa.base_url and (oa.api_key is None or not oa.api_key.get_secret_value().strip()):
            raise ConfigError(
                "summarizer.backend is 'openai' but neither a server nor a key is set: set "
                "PAPERBOY_OPENAI__BASE_URL (e.g. http://localhost:11434/v1 for Ollama) or "
                "PAPERBOY_OPENAI__API_KEY for api.openai.com"
            )
        client_oa = _limited(OpenAICompatClient(oa), settings)
        return ModelSummarizer(client_oa, ExtractiveSummarizer(), max_input_chars=max_chars)
    if backend == "extractive":
        return ExtractiveSummarizer()
    raise ConfigError(f"unknown summarizer backend {backend!r} (summarizer.backend)")


def _limited(client: ModelClient, settings: Settings) -> ModelClient:
    """The client behind the configured requests-per-minute cap (none when it is 0)."""
    per_minute = settings.summarizer.requests_per_minute
    return RateLimitedClient(client, per_minute) if per_minute > 0 else client
