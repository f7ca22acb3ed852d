"""Fixtures shared by every test package: a clean environment aimed at loopback fakes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.fakes.arxiv_api import ArxivFake

# Fuzz tests: "ci" (the default, a few hundred examples at most per test) keeps `.ci/run` well
# under its limit; "long" for a local hunt: `pytest --hypothesis-profile=long`.
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


@pytest.fixture
def arxiv_server() -> Iterator[ArxivFake]:
    """A running fake arXiv API (recorded fixtures, DAWN, PDFs)."""
    with ArxivFake() as fake:
        yield fake


@pytest.fixture
def paperboy_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, arxiv_server: ArxivFake
) -> dict[str, str]:
    """PAPERBOY_* variables for a process aimed at the fakes, with a fresh database.

    Clears the developer's own PAPERBOY_*/GEMINI/GOOGLE variables and works in tmp_path, so no
    stray paperboy.toml or key changes what a test sees. Returns the variables it set.
    """
    for name in list(os.environ):
        if name.startswith("PAPERBOY_") or name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    env = {
        "PAPERBOY_STORAGE__PATH": str(tmp_path / "paperboy.db"),
        "PAPERBOY_ARXIV__API_URL": arxiv_server.api_url,
        "PAPERBOY_ARXIV__PDF_URL": arxiv_server.pdf_url,
        "PAPERBOY_ARXIV__HTML_URL": arxiv_server.html_url,
        "PAPERBOY_ARXIV__ABS_URL": arxiv_server.abs_url,
        "PAPERBOY_ARXIV__MIN_INTERVAL_S": "0.01",
        "PAPERBOY_ARXIV__TIMEOUT_S": "2",
        "PAPERBOY_ARXIV__RETRIES": "1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env
