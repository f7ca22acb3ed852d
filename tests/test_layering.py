"""The dependency rule of docs/architecture.md, checked on every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "summarizer", "papers", "storage", "config")
# package -> the packages of ours it may import (besides itself)
ALLOWED = {
    "config": set(),
    "papers": {"config"},
    "summarizer": {"papers", "config"},
    "storage": {"papers", "summarizer"},
    "bot": {"summarizer", "papers", "storage", "config"},
}
CHAT_LIBRARIES = ("telegram", "discord")
# Inside bot/: a folder -> module prefixes it must not import. The core is platform-neutral (its
# ports, actions, lifecycle and command registry serve every adapter); adapters report chat
# events to the core's lifecycle service instead of writing chat state to storage.
FORBIDDEN_INSIDE_BOT = {
    "bot/core/": ("bot.platforms", "bot.render", "bot.app", "bot.__main__"),
    "bot/render/": ("bot.platforms", "bot.app", "storage.repository"),
    "bot/platforms/": ("storage",),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_respects_the_dependency_rule(path: Path) -> None:
    """Each package imports only the packages below it; only platforms/render import chat libraries."""
    package = path.relative_to(ROOT).parts[0]
    relative = path.relative_to(ROOT).as_posix()
    for name in _imports(path):
        top = name.split(".")[0]
        if top in PACKAGES and top != package:
            if package == "storage" and name.startswith("summarizer") and name != "summarizer.schema":
                pytest.fail(f"{relative} imports {name}: storage may only use summarizer.schema")
            assert top in ALLOWED[package], f"{relative} imports {name}"
        if top in CHAT_LIBRARIES:
            assert relative.startswith(("bot/platforms/", "bot/render/")), f"{relative} imports {top}"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "bot").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_bot_layers_stay_apart(path: Path) -> None:
    """bot/core never reaches into adapters or renderers; adapters never write to storage."""
    relative = path.relative_to(ROOT).as_posix()
    for folder, forbidden in FORBIDDEN_INSIDE_BOT.items():
        if not relative.startswith(folder):
            continue
        for name in _imports(path):
            assert not name.startswith(forbidden), f"{relative} imports {name}"
