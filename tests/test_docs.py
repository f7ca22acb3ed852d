"""The docs stay true: every setting, environment name, command and module they name exists, and
they point at nothing a clone lacks (issue 11, "Docs that stay true")."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.core.registry import COMMANDS, help_text
from config.settings import CONFIG_ENV, Settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
USER_DOCS = [README, ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PACKAGES = ("bot", "papers", "summarizer", "storage", "config")


def _setting_exists(path: list[str]) -> bool:
    """True when ``path`` (section, key, …) names a field of Settings, nested models included."""
    model: type[BaseModel] = Settings
    for i, name in enumerate(path):
        field = model.model_fields.get(name)
        if field is None:
            return False
        annotation = field.annotation
        if i < len(path) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return False
            model = annotation
    return True


def _example_keys() -> list[list[str]]:
    """Every key example.toml sets or shows commented out, as [section, key]."""
    text = (ROOT / "config" / "example.toml").read_text()
    keys = [[s, k] for s, table in tomllib.loads(text).items() for k in table]
    section = ""
    for line in text.splitlines():
        if m := re.match(r"^\[([\w.]+)\]\s*$", line):
            section = m[1]
        elif m := re.match(r"^#\s?(\w+) = ", line):  # a documented key left at its default
            keys.append([*section.split("."), m[1]])
    return keys


def test_every_example_toml_key_is_a_setting() -> None:
    """config/example.toml documents only settings that exist (active or commented out)."""
    missing = [".".join(k) for k in _example_keys() if not _setting_exists(k)]
    assert not missing, f"example.toml names settings that do not exist: {missing}"


def _readme_env_names() -> list[str]:
    """The PAPERBOY_* names in the README; a "`__KEY`" after a full name in the same line is
    that name's section with another key (``PAPERBOY_OPENAI__BASE_URL``, ``__API_KEY``)."""
    names = []
    for line in README.read_text().splitlines():
        section = ""
        for full, short in re.findall(r"\b(PAPERBOY_[A-Z0-9_]*[A-Z0-9])|`(__[A-Z0-9_]+)`", line):
            if full:
                names.append(full)
                section = full.removeprefix("PAPERBOY_").split("__")[0] if "__" in full else ""
            elif section:
                names.append(f"PAPERBOY_{section}{short}")
            else:
                pytest.fail(f"README: `{short}` follows no PAPERBOY_<SECTION>__ name: {line!r}")
    return names


def test_every_environment_name_in_the_readme_is_a_setting() -> None:
    """Each PAPERBOY_<SECTION>__<KEY> the README tells people to set reaches a setting."""
    names = _readme_env_names()
    assert "PAPERBOY_OPENAI__API_KEY" in names  # the shorthand form is resolved
    wrong = [
        n for n in names
        if n != CONFIG_ENV
        and not _setting_exists(n.removeprefix("PAPERBOY_").lower().split("__"))
    ]
    assert not wrong, f"README names environment variables that set nothing: {wrong}"


def _commands_in(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w/.:<>-])/([a-z]+)\b", text))


def test_help_lists_exactly_the_registry() -> None:
    """Every /command /help mentions exists, and every listed command is in /help."""
    registry = {spec.name for spec in COMMANDS}
    listed = {spec.name for spec in COMMANDS if spec.section}
    shown = _commands_in(help_text())
    assert shown <= registry, f"/help names unknown commands: {shown - registry}"
    starts = {m for m in re.findall(r"^/([a-z]+)", help_text(), re.MULTILINE)}
    assert starts == listed


def test_readme_usage_names_only_real_commands() -> None:
    """The commands in the README's "Use" block are the bot's commands."""
    use = README.read_text().split("## Use", 1)[1].split("```")[1]
    names = _commands_in(use)
    assert names and names <= {spec.name for spec in COMMANDS}, names


def test_help_does_not_promise_daily_digests() -> None:
    """arXiv announces five times a week: /help must not call digests daily."""
    assert "daily" not in help_text().lower()


@pytest.mark.parametrize("doc", USER_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_user_docs_point_at_nothing_a_clone_lacks(doc: Path) -> None:
    """A clone has no ../shared/ folder: the docs neither link to nor cite it."""
    assert not re.search(r"(?<![\w-])(\.\./)*shared/", doc.read_text()), doc


@pytest.mark.parametrize("doc", USER_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_paths_named_in_the_docs_exist(doc: Path) -> None:
    """Every repository file a doc names (``bot/core/digest.py``, ``docs/format.md``) exists."""
    top = "|".join((*PACKAGES, "tests", "bench", "docs"))
    named = set(re.findall(rf"(?<![\w/.-])((?:{top})/[\w/.-]*\w\.(?:py|md|toml))", doc.read_text()))
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"{doc.name} names files that do not exist: {missing}"


def _layout_block() -> dict[str, list[str]]:
    """The module names architecture.md's layout block lists, per top-level package."""
    block = ARCHITECTURE.read_text().split("```", 2)[1]
    names: dict[str, list[str]] = {}
    package = ""
    for line in block.splitlines():
        if m := re.match(r"^(\w+)/", line):
            package = m[1]
        if package in PACKAGES:
            names.setdefault(package, []).extend(re.findall(r"[\w*]+\.py\b", line))
    return names


def test_architecture_layout_names_every_module() -> None:
    """The layout block of docs/architecture.md names each module that exists, and only those."""
    listed = _layout_block()
    for package in ("bot", "papers", "summarizer", "storage"):
        files = sorted(
            p.name for p in (ROOT / package).rglob("*.py")
            if p.name != "__init__.py" and ".venv" not in p.parts
        )
        patterns = listed.get(package, [])
        ghosts = [n for n in patterns if not fnmatch.filter(files, n)]
        unnamed = [f for f in files if not any(fnmatch.fnmatch(f, n) for n in patterns)]
        assert not ghosts, f"architecture.md lists {package}/ modules that do not exist: {ghosts}"
        assert not unnamed, f"architecture.md does not name {package}/ modules: {unnamed}"


def test_architecture_says_which_packages_have_errors_py() -> None:
    """The Errors section names exactly the packages that have an errors.py."""
    errors = ARCHITECTURE.read_text().split("## Errors", 1)[1]
    m = re.search(r"((?:`\w+/`(?:, | and )?)+) (?:each )?ha(?:ve|s) `errors\.py`", errors)
    assert m, "architecture.md's Errors section does not say which packages have errors.py"
    claimed = set(re.findall(r"`(\w+)/`", m[1]))
    actual = {p for p in PACKAGES if (ROOT / p / "errors.py").exists()}
    assert claimed == actual


@pytest.mark.parametrize("doc", USER_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_settings_named_in_the_docs_exist(doc: Path) -> None:
    """Every `section.key` a doc names (``digest.grace_period_s``) is a setting."""
    sections = set(Settings.model_fields)
    wrong = sorted(
        name for name, section, key in re.findall(r"`((\w+)\.(\w+))`", doc.read_text())
        if section in sections and key != "py"
        and not (ROOT / section / f"{key}.py").exists()  # a module (`summarizer.lanes`)
        and not _setting_exists([section, key])
    )
    assert not wrong, f"{doc.name} names settings that do not exist: {wrong}"
