"""Where settings come from: unknown names are warned about with the closest real one, and a
bad value is one line naming the key, its source and what is expected."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from config.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No PAPERBOY_* variables from the developer's shell, and no stray ./paperboy.toml."""
    for name in list(os.environ):
        if name.startswith("PAPERBOY_") or name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _load(path: Path | None = None) -> tuple[object, list[str]]:
    warnings: list[str] = []
    return load_settings(path, warn=warnings.append), warnings


def test_a_variable_with_one_underscore_is_warned_about_with_the_real_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PAPERBOY_TELEGRAM_TOKEN (one underscore) is not silently ignored: one line suggests
    PAPERBOY_TELEGRAM__TOKEN, and the token's value is not in it."""
    monkeypatch.setenv("PAPERBOY_TELEGRAM_TOKEN", "123456:AAsecretValueNeverShown00000000000")
    settings, warnings = _load()
    assert settings.telegram.token is None  # type: ignore[attr-defined]
    assert warnings == ["PAPERBOY_TELEGRAM_TOKEN is not a paperboy setting and is ignored; "
                        "did you mean PAPERBOY_TELEGRAM__TOKEN?"]


def test_paperboy_config_is_not_an_unknown_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """PAPERBOY_CONFIG names the file; it draws no warning."""
    path = tmp_path / "c.toml"
    path.write_text("[logging]\nlevel = \"DEBUG\"\n")
    monkeypatch.setenv("PAPERBOY_CONFIG", str(path))
    settings, warnings = _load()
    assert warnings == [] and settings.config_file == path  # type: ignore[attr-defined]


def test_an_unknown_key_in_the_file_is_warned_about_and_ignored(tmp_path: Path) -> None:
    """A typo in paperboy.toml: one line naming the file and the real key; the rest loads."""
    path = tmp_path / "c.toml"
    path.write_text("[arxiv]\nmin_intervall_s = 5\ntimeout_s = 7\n[telegramm]\ntoken = \"x\"\n")
    settings, warnings = _load(path)
    assert settings.arxiv.timeout_s == 7  # type: ignore[attr-defined]
    assert warnings == [
        f"arxiv.min_intervall_s in {path} is not a paperboy setting and is ignored; "
        "did you mean arxiv.min_interval_s?",
        f"[telegramm] in {path} is not a paperboy section and is ignored; did you mean telegram?",
    ]


def test_a_date_list_given_as_a_bare_date_says_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    """PAPERBOY_DIGEST__EXTRA_HOLIDAYS=2027-01-01: the key, the variable and the JSON form."""
    monkeypatch.setenv("PAPERBOY_DIGEST__EXTRA_HOLIDAYS", "2027-01-01")
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert str(info.value) == (
        "digest.extra_holidays (source: environment PAPERBOY_DIGEST__EXTRA_HOLIDAYS): expected "
        "a JSON list such as [\"2027-01-01\", \"2027-11-25\"], got '2027-01-01'")
    monkeypatch.setenv("PAPERBOY_DIGEST__EXTRA_HOLIDAYS", '["2027-01-01"]')
    assert str(load_settings().digest.extra_holidays[0]) == "2027-01-01"


def test_a_bad_value_in_the_file_blames_the_file(tmp_path: Path) -> None:
    """A bad value from paperboy.toml names the file, not the environment; one line."""
    path = tmp_path / "c.toml"
    path.write_text("[summarizer]\nbackend = \"magic\"\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    line = str(info.value)
    assert "\n" not in line
    assert line.startswith(f"summarizer.backend (source: file {path}): expected ")
    assert "'extractive'" in line and "got 'magic'" in line


def test_broken_toml_is_one_line(tmp_path: Path) -> None:
    """A syntax error in the file: one line with the file's name."""
    path = tmp_path / "c.toml"
    path.write_text("[arxiv\n")
    with pytest.raises(ConfigError, match=f"^{path} is not valid TOML: ") as info:
        load_settings(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("value", ["", "ftp://x", "127.0.0.1:9/api", "http://127.0.0.1:abc/"])
def test_a_mistyped_endpoint_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """A URL setting that cannot be one fails at start-up naming the key, not later as
    "arXiv is not answering" (which a service manager would retry forever)."""
    monkeypatch.setenv("PAPERBOY_ARXIV__API_URL", value)
    with pytest.raises(ConfigError, match=r"arxiv\.api_url \(source: environment PAPERBOY_ARXIV__API_URL\)"):
        load_settings(None)


def test_an_empty_database_path_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """PAPERBOY_STORAGE__PATH= (set but empty) is not taken as the current directory."""
    monkeypatch.setenv("PAPERBOY_STORAGE__PATH", "")
    with pytest.raises(ConfigError, match=r"storage\.path .*an empty path"):
        load_settings(None)
