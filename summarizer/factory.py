"""make_summarizer: the one place that turns settings into a Summarizer."""

from __future__ import annotations

from config.settings import ConfigError, Settings
from summarizer.base import Summarizer
from summarizer.extractive import ExtractiveSummarizer
from summarizer.gemini import GeminiClient
from summarizer.model import ModelSummarizer
from summarizer.openai_compat import OpenAICompatClient


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
        client = GeminiClient(settings.gemini)
        return ModelSummarizer(client, ExtractiveSummarizer(), max_input_chars=max_chars)
    if backend == "openai":
        oa = settings.openai
        if not oa.base_url and (oa.api_key is None or not oa.api_key.get_secret_value().strip()):
            raise ConfigError(
                "summarizer.backend is 'openai' but neither a server nor a key is set: set "
                "PAPERBOY_OPENAI__BASE_URL (e.g. http://localhost:11434/v1 for Ollama) or "
                "PAPERBOY_OPENAI__API_KEY for api.openai.com"
            )
        client_oa = OpenAICompatClient(oa)
        return ModelSummarizer(client_oa, ExtractiveSummarizer(), max_input_chars=max_chars)
    if backend == "extractive":
        return ExtractiveSummarizer()
    raise ConfigError(f"unknown summarizer backend {backend!r} (summarizer.backend)")
