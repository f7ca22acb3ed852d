"""The local console chat: a user types what a Telegram user would, and reads the answers."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.app import run
from config.settings import load_settings
from tests.fakes.arxiv_api import ArxivFake

ROOT = Path(__file__).resolve().parents[2]


async def _chat(lines: list[str]) -> str:
    stdin, stdout = io.StringIO("\n".join(lines) + "\n"), io.StringIO()
    await run(load_settings(), console=True, stdin=stdin, stdout=stdout)
    return stdout.getvalue()


async def test_console_answers_help_summarize_and_pasted_links(paperboy_env: dict[str, str]) -> None:
    """/help, /summarize <link>, a pasted link and an unknown command, answered in order."""
    out = await _chat([
        "/help",
        "/summarize https://arxiv.org/pdf/2410.13726v2.pdf",
        "have you seen https://huggingface.co/papers/2104.12255 ?",
        "/frobnicate",
    ])
    assert out.startswith("paperboy console.")
    help_at = out.index("/summarize <arXiv link or id>")
    dawn_at = out.index("DAWN: Dynamic Frame Avatar with Non-autoregressive Diffusion")
    zero_at = out.index("Quan Thoi Minh Nguyen")
    unknown_at = out.index("I don't know the command /frobnicate")
    assert help_at < dawn_at < zero_at < unknown_at
    assert "Key takeaways:" in out and "https://github.com/Hanbo-Cheng/DAWN-pytorch" in out


async def test_console_explains_bad_input_and_keeps_going(
    paperboy_env: dict[str, str], arxiv_server: ArxivFake
) -> None:
    """A malformed id, an unknown id and arXiv being down get friendly lines; the chat goes on."""
    out = await _chat(["/summarize", "/summarize 2413.00001", "/summarize 2401.99999", "/help"])
    assert "Which paper? Send /summarize followed by an arXiv link or id" in out
    assert '"2413.00001" is not a valid arXiv id' in out
    assert "arXiv has no paper 2401.99999" in out
    assert out.rstrip().endswith("change subscriptions and settings.")


async def test_console_says_when_arxiv_is_down(paperboy_env: dict[str, str], arxiv_server: ArxivFake) -> None:
    """arXiv failing every retry: the user is told to try later, nothing crashes."""
    arxiv_server.fail_next(10, status=503)
    out = await _chat(["/summarize 2410.13726", "/help"])
    assert "Sorry: arXiv is not answering right now. Please try again in a few minutes." in out
    assert "In groups and servers only admins" in out


async def test_summary_language_argument(paperboy_env: dict[str, str]) -> None:
    """/summarize <id> zh answers with Chinese headings."""
    out = await _chat(["/summarize 2410.13726 zh"])
    assert "一句话总结:" in out and "要点:" in out


async def test_summary_language_argument_is_checked_like_lang(paperboy_env: dict[str, str]) -> None:
    """An unknown language after the id is refused with the languages we write in (not
    silently ignored); a language by name works."""
    out = await _chat(["/summarize 2410.13726 zz", "/summarize 2410.13726 Japanese"])
    assert "I can't write in “zz” yet. Choose one of: en, zh, ja" in out
    assert "一文要約:" in out  # the Japanese card


def test_paperboy_run_without_tokens_is_a_console_chat(paperboy_env: dict[str, str]) -> None:
    """`python -m bot run` with no token set: a console chat on stdin/stdout that ends at EOF."""
    env = {**os.environ, **paperboy_env, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="/summarize 2410.13726\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "paperboy console." in proc.stdout
    assert "DAWN: Dynamic Frame Avatar" in proc.stdout
    assert "platform console started" in proc.stderr  # logs go to stderr, not into the chat
