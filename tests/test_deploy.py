"""The deployment files (Dockerfile, compose.yaml, the systemd unit and its environment file)
reference commands paperboy has and settings that exist, run as a non-root user, keep the
database on a volume and restart on failure. Nothing is built: no Docker or systemd here."""

from __future__ import annotations

import configparser
import json
import re
import shlex
from pathlib import Path, PurePosixPath

import pytest

from bot.__main__ import _parser
from config.settings import Settings
from config.sources import env_name, known_keys

ROOT = Path(__file__).resolve().parents[1]
FILES = ("Dockerfile", "compose.yaml", "deploy/paperboy.service", "deploy/paperboy.env.example")
SETTING_NAMES = {env_name(*key.split(".")) for key in known_keys(Settings)}


def _text(name: str) -> str:
    return (ROOT / name).read_text()


def _assert_paperboy_command(argv: list[str]) -> None:
    """``argv`` runs the paperboy script with arguments its parser accepts."""
    assert PurePosixPath(argv[0]).name == "paperboy", argv
    try:
        _parser().parse_args(argv[1:])
    except SystemExit:  # argparse's way of refusing
        pytest.fail(f"paperboy does not accept {argv[1:]}")


@pytest.mark.parametrize("name", FILES)
def test_every_paperboy_variable_is_a_real_setting(name: str) -> None:
    """A PAPERBOY_* name in a deployment file that paperboy does not read would be ignored."""
    used = set(re.findall(r"\bPAPERBOY_[A-Z0-9_]+", _text(name)))
    assert used, name
    assert used <= SETTING_NAMES | {"PAPERBOY_CONFIG"}, used - SETTING_NAMES


def test_dockerfile() -> None:
    """Non-root user, the database path on the volume, a health check through `paperboy
    status`, `paperboy run` by default, and only folders that exist copied in."""
    text = _text("Dockerfile").replace("\\\n", " ")  # continuation lines joined
    directives = [(d.upper(), rest.strip())
                  for d, rest in re.findall(r"^(\w+)\s+(.*)", text, flags=re.MULTILINE)]
    user = [rest for d, rest in directives if d == "USER"]
    assert user and user[-1] not in ("root", "0")
    volumes = json.loads(next(rest for d, rest in directives if d == "VOLUME"))
    db = re.search(r"PAPERBOY_STORAGE__PATH=(\S+)", text)
    assert db and any(PurePosixPath(db[1]).is_relative_to(v) for v in volumes)
    entry = json.loads(next(rest for d, rest in directives if d == "ENTRYPOINT"))
    cmd = json.loads(next(rest for d, rest in directives if d == "CMD"))
    assert entry + cmd == ["paperboy", "run"]
    health = next(rest for d, rest in directives if d == "HEALTHCHECK")
    _assert_paperboy_command(json.loads(health.split("CMD", 1)[1].strip()))
    assert "status" in health
    for _, rest in (x for x in directives if x[0] == "COPY"):
        for source in rest.split()[:-1]:
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
    ignored = _text(".dockerignore").split()
    assert ".venv" in ignored and "*.db" in ignored


def test_compose_file() -> None:
    """Restart on failure, secrets from an env file, the database on a named volume, the
    health check through `paperboy status`."""
    text = _text("compose.yaml")
    assert re.search(r"^\s+restart: (on-failure|unless-stopped|always)$", text, re.MULTILINE)
    assert re.search(r"^\s+env_file:\n\s+- paperboy\.env$", text, re.MULTILINE)
    db = re.search(r"PAPERBOY_STORAGE__PATH: (\S+)", text)
    mount = re.search(r"^\s+- ([\w-]+):(/\S+)$", text, re.MULTILINE)
    assert db and mount and PurePosixPath(db[1]).is_relative_to(mount[2])
    assert re.search(rf"^  {mount[1]}:$", text, re.MULTILINE)  # declared as a named volume
    health = re.search(r"test: (\[.*\])", text)
    assert health
    _assert_paperboy_command(json.loads(health[1])[1:])


def test_systemd_unit() -> None:
    """A non-root user, the environment in a separate file, restart on failure (but not for
    a configuration error, exit 3), `paperboy run`, and a state directory for the database."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(_text("deploy/paperboy.service"))
    service = unit["Service"]
    assert service["User"] not in ("root", "0")
    assert service["EnvironmentFile"].startswith("/etc/")
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"] == "3"
    _assert_paperboy_command(shlex.split(service["ExecStart"]))
    assert shlex.split(service["ExecStart"])[1:] == ["run"]
    db = re.search(r"PAPERBOY_STORAGE__PATH=(\S+)", service["Environment"])
    assert db and PurePosixPath(db[1]).is_relative_to(f"/var/lib/{service['StateDirectory']}")
    assert "network-online.target" in unit["Unit"]["After"]


def test_environment_example_names_the_tokens() -> None:
    """The example environment file lists both chat tokens with their exact names."""
    names = re.findall(r"^#?\s*(PAPERBOY_\w+)=", _text("deploy/paperboy.env.example"), re.MULTILINE)
    assert {"PAPERBOY_TELEGRAM__TOKEN", "PAPERBOY_DISCORD__TOKEN"} <= set(names)


def test_licence_matches_pyproject() -> None:
    """pyproject says MIT; the LICENSE file is the MIT licence."""
    assert 'license = "MIT"' in _text("pyproject.toml")
    assert _text("LICENSE").startswith("MIT License\n\nCopyright (c) 2026 paperboy contributors")
