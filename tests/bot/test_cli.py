"""`paperboy summarize`: what a user sees on stdout and stderr, and the exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.fakes.arxiv_api import ArxivFake

ROOT = Path(__file__).resolve().parents[2]


def test_json_output_has_versioned_id_metadata_and_summary(
    paperboy_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--format json carries the versioned id, arXiv's title/authors/links and every summary field."""
    assert main(["summarize", "https://arxiv.org/abs/2410.13726", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["id"] == "2410.13726v2"
    assert doc["title"].startswith("DAWN: Dynamic Frame Avatar")
    assert doc["authors"][0] == "Hanbo Cheng" and len(doc["authors"]) == 8
    assert doc["links"]["code"] == "https://github.com/Hanbo-Cheng/DAWN-pytorch"
    summary = doc["summary"]
    assert summary["backend"] == "extractive" and summary["extractive"] is True
    assert 3 <= len(summary["takeaways"]) <= 7
    assert "DAWN" in summary["tldr"]
    assert err == ""


def test_markdown_zh_output(paperboy_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    """--lang zh --format markdown: Chinese headings, arXiv metadata, an honest extractive note."""
    assert main(["summarize", "arXiv:2410.13726v2", "--lang", "zh", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## DAWN: Dynamic Frame Avatar")
    assert "**作者:** Hanbo Cheng" in out and "**一句话总结**" in out and "**要点**" in out
    assert "[PDF](https://arxiv.org/pdf/2410.13726v2)" in out
    assert "翻译" in out  # the note says translation needs a model


def test_text_output_for_an_old_style_id(paperboy_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    """Plain text is the default format; recorded fixture 2104.12255v1 ("0") works end to end."""
    assert main(["summarize", "2104.12255"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("0\n")
    assert "Quan Thoi Minh Nguyen" in out and "https://arxiv.org/abs/2104.12255v1" in out


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("hello world", "no arXiv id or link found"),
        ("2413.00001", "not a valid arXiv id"),
        ("https://arxiv.org/abs/abc", "not a valid arXiv id"),
        ("2401.99999", "arXiv has no paper 2401.99999"),
        ("0000.0000", "not a valid arXiv id"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(
    paperboy_env: dict[str, str], capsys: pytest.CaptureFixture[str], argument: str, message: str
) -> None:
    """No id, a malformed id and an unknown id: one clear line, exit code 2, no traceback."""
    assert main(["summarize", argument]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_arxiv_down_is_exit_1_with_a_clear_line(
    paperboy_env: dict[str, str], arxiv_server: ArxivFake, capsys: pytest.CaptureFixture[str]
) -> None:
    """arXiv answering 503 to every retry: exit 1 and a line saying arXiv is not reachable."""
    arxiv_server.fail_next(10, status=503)
    assert main(["summarize", "2410.13726"]) == 1
    err = capsys.readouterr().err
    assert "arXiv is not reachable" in err.splitlines()[-1]
    assert "Traceback" not in err


def test_bad_config_is_exit_2_naming_the_key(
    paperboy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad setting stops the command with the key's name."""
    monkeypatch.setenv("PAPERBOY_SUMMARIZER__BACKEND", "magic")
    assert main(["summarize", "2410.13726"]) == 2
    assert "summarizer.backend" in capsys.readouterr().err


def test_second_request_is_served_from_the_cache(
    paperboy_env: dict[str, str], arxiv_server: ArxivFake, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same versioned paper twice: the second run makes no arXiv request and says cached."""
    assert main(["summarize", "2410.13726v2", "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    arxiv_server.clear_requests()
    assert main(["summarize", "2410.13726v2", "--format", "json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert arxiv_server.requests == []
    assert first["cached"] is False and second["cached"] is True
    assert first["summary"] == second["summary"]


def test_python_dash_m_bot_runs_as_a_real_process(paperboy_env: dict[str, str]) -> None:
    """`python -m bot summarize` in a subprocess: exit codes as documented."""
    env = {**os.environ, **paperboy_env, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "bot", "summarize", "2410.13726", "--format", "json"],
                        capture_output=True, text=True, env=env, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["id"] == "2410.13726v2"
    bad = subprocess.run([sys.executable, "-m", "bot", "summarize", "not-a-paper"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.startswith("paperboy: ") and "Traceback" not in bad.stderr


@pytest.mark.parametrize("command", [["summarize", "2410.13726"], ["digest", "--topic", "cs.CV"]])
def test_an_unknown_language_is_refused_by_the_rule_of_lang(
    paperboy_env: dict[str, str], capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """--lang klingon: one line naming the languages we write in, exit 2."""
    assert main([*command, "--lang", "klingon"]) == 2
    err = capsys.readouterr().err
    assert "bad --lang: I can't write in “klingon” yet. Choose one of: en, zh" in err
    assert len(err.strip().splitlines()) == 1
