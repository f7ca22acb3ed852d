"""Settings: defaults, the TOML file, the environment, error messages and secret masking."""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.logs import RedactingFilter
from config.settings import ConfigError, Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.toml"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No PAPERBOY_* or key variables from the developer's shell, and no stray ./paperboy.toml."""
    import os

    for name in list(os.environ):
        if name.startswith("PAPERBOY_") or name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _fields(model: type[BaseModel]) -> dict[str, set[str]]:
    return {
        name: set(info.annotation.model_fields)  # type: ignore[union-attr]
        for name, info in model.model_fields.items()
    }


def test_example_config_loads_and_matches_settings() -> None:
    """Every key in example.toml exists in Settings, and every Settings key is documented there."""
    settings = load_settings(EXAMPLE)
    assert settings.arxiv.api_url == "https://export.arxiv.org/api/query"
    documented: dict[str, set[str]] = {}
    section = ""
    for line in EXAMPLE.read_text().splitlines():
        if m := re.match(r"^\[(\w+)\]$", line):
            section = m[1]
            documented[section] = set()
        elif m := re.match(r"^#?\s?(\w+) = ", line):
            documented[section].add(m[1])
    assert documented == _fields(Settings)
    active = tomllib.loads(EXAMPLE.read_text())
    defaults = Settings().model_dump(mode="json")
    for sect, values in active.items():
        for key, value in values.items():
            assert defaults[sect][key] == value, f"example.toml {sect}.{key} differs from the default"


def test_public_environment_names(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The documented PAPERBOY_* names reach the settings they name."""
    env = {
        "PAPERBOY_STORAGE__PATH": str(tmp_path / "x.db"),
        "PAPERBOY_ARXIV__API_URL": "http://127.0.0.1:1/api/query",
        "PAPERBOY_ARXIV__FEED_URL": "http://127.0.0.1:1/atom/",
        "PAPERBOY_ARXIV__PDF_URL": "http://127.0.0.1:1/pdf/",
        "PAPERBOY_ARXIV__MIN_INTERVAL_S": "0.1",
        "PAPERBOY_SUMMARIZER__BACKEND": "openai",
        "PAPERBOY_GEMINI__API_KEY": "gem-key-1234",
        "PAPERBOY_GEMINI__MODEL": "gemini-x",
        "PAPERBOY_GEMINI__BASE_URL": "http://127.0.0.1:2/",
        "PAPERBOY_OPENAI__BASE_URL": "http://127.0.0.1:3/v1",
        "PAPERBOY_OPENAI__API_KEY": "oa-key-1234",
        "PAPERBOY_OPENAI__MODEL": "llama3",
        "PAPERBOY_TELEGRAM__TOKEN": "123:tg-token",
        "PAPERBOY_TELEGRAM__API_BASE_URL": "http://127.0.0.1:4/bot",
        "PAPERBOY_DISCORD__TOKEN": "dc-token-1234",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    s = load_settings()
    assert s.storage.path == tmp_path / "x.db"
    assert (s.arxiv.api_url, s.arxiv.feed_url, s.arxiv.pdf_url) == (
        "http://127.0.0.1:1/api/query",
        "http://127.0.0.1:1/atom/",
        "http://127.0.0.1:1/pdf/",
    )
    assert s.arxiv.min_interval_s == 0.1
    assert s.summarizer.backend == "openai" and s.summarizer_backend == "openai"
    assert s.gemini.api_key is not None and s.gemini.api_key.get_secret_value() == "gem-key-1234"
    assert (s.gemini.model, s.gemini.base_url) == ("gemini-x", "http://127.0.0.1:2/")
    assert (s.openai.base_url, s.openai.model) == ("http://127.0.0.1:3/v1", "llama3")
    assert s.telegram.token is not None and s.telegram.token.get_secret_value() == "123:tg-token"
    assert s.telegram.api_base_url == "http://127.0.0.1:4/bot"
    assert s.discord.token is not None
    assert set(s.secrets()) == {"gem-key-1234", "oa-key-1234", "123:tg-token", "dc-token-1234"}


def test_environment_beats_file_beats_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Defaults < paperboy.toml < environment."""
    (tmp_path / "paperboy.toml").write_text('[arxiv]\nmin_interval_s = 5\ntimeout_s = 7\n')
    monkeypatch.setenv("PAPERBOY_ARXIV__MIN_INTERVAL_S", "4")
    s = load_settings()
    assert (s.arxiv.min_interval_s, s.arxiv.timeout_s, s.arxiv.retries) == (4.0, 7.0, 3)


def test_config_path_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PAPERBOY_CONFIG names the file when --config is not given."""
    path = tmp_path / "elsewhere.toml"
    path.write_text('[summarizer]\ndefault_language = "zh"\n')
    monkeypatch.setenv("PAPERBOY_CONFIG", str(path))
    assert load_settings().summarizer.default_language == "zh"


def test_auto_backend_uses_gemini_only_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """auto = extractive without a key; GEMINI_API_KEY or GOOGLE_API_KEY switch it to gemini."""
    assert load_settings().summarizer_backend == "extractive"
    monkeypatch.setenv("GOOGLE_API_KEY", "google-key-1234")
    s = load_settings()
    assert s.summarizer_backend == "gemini"
    assert s.gemini.api_key is not None and s.gemini.api_key.get_secret_value() == "google-key-1234"
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-key-5678")
    assert load_settings().gemini.api_key.get_secret_value() == "gemini-key-5678"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("env", "value", "key"),
    [
        ("PAPERBOY_ARXIV__MIN_INTERVAL_S", "fast", "arxiv.min_interval_s"),
        ("PAPERBOY_ARXIV__MIN_INTERVAL_S", "-1", "arxiv.min_interval_s"),
        ("PAPERBOY_SUMMARIZER__BACKEND", "gpt5", "summarizer.backend"),
        ("PAPERBOY_SUMMARIZER__DEFAULT_LANGUAGE", "not a language", "summarizer.default_language"),
        ("PAPERBOY_LOGGING__LEVEL", "LOUD", "logging.level"),
    ],
)
def test_bad_value_names_the_key(monkeypatch: pytest.MonkeyPatch, env: str, value: str, key: str) -> None:
    """A bad value fails at start-up with a message naming the key and its variable."""
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert key in str(info.value) and env in str(info.value)


def test_missing_config_file_is_reported(tmp_path: Path) -> None:
    """--config with a path that does not exist says so."""
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_secrets_are_masked_in_repr_and_logs(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Tokens never show in repr(settings), and the log filter removes them from records."""
    monkeypatch.setenv("PAPERBOY_TELEGRAM__TOKEN", "123456:AAExampleSecretTokenValue0123456789")
    monkeypatch.setenv("PAPERBOY_GEMINI__API_KEY", "my-gemini-secret")
    s = load_settings()
    assert "AAExampleSecret" not in repr(s) and "my-gemini-secret" not in repr(s)
    redactor = RedactingFilter(s.secrets())
    logger = logging.getLogger("test.secrets")
    logger.addFilter(redactor)
    try:
        with caplog.at_level(logging.INFO, logger="test.secrets"):
            logger.info("POST https://api.telegram.org/bot%s/getMe key=%s", s.telegram.token.get_secret_value(), "my-gemini-secret")  # type: ignore[union-attr]
            logger.info("unconfigured token 987654:AAAnotherTokenThatLooksReal0123456789 leaked")
            logger.info("GET http://127.0.0.1/bot555555:AAinsideTheBotApiUrlPath0123456789/getMe")
    finally:
        logger.removeFilter(redactor)
    text = caplog.text
    assert "AAExampleSecret" not in text and "my-gemini-secret" not in text
    assert "AAAnotherToken" not in text and "AAinsideTheBotApiUrl" not in text
    assert "/getMe" in text and "***" in text


def test_an_empty_token_or_key_means_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`PAPERBOY_DISCORD__TOKEN=` (a blank left in a service file) starts no Discord bot."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAPERBOY_DISCORD__TOKEN", "")
    monkeypatch.setenv("PAPERBOY_TELEGRAM__TOKEN", "  ")
    monkeypatch.setenv("PAPERBOY_GEMINI__API_KEY", "")
    settings = load_settings()
    assert settings.discord.token is None and settings.telegram.token is None
    assert settings.gemini.api_key is None


def test_the_default_language_is_one_summaries_can_be_written_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PAPERBOY_SUMMARIZER__DEFAULT_LANGUAGE=klingon is refused at start-up, like --lang
    klingon; the configured list and the prompts' list are the same."""
    from config.settings import SUPPORTED_LANGUAGES
    from summarizer.prompts import LANGUAGE_NAMES

    assert set(SUPPORTED_LANGUAGES) == set(LANGUAGE_NAMES)
    monkeypatch.setenv("PAPERBOY_SUMMARIZER__DEFAULT_LANGUAGE", "klingon")
    with pytest.raises(ConfigError, match="summarizer.default_language"):
        load_settings(None)
