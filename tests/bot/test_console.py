"""The local console chat: a user types what a Telegram user would, and reads the answers."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

from bot.app import open_services, run
from bot.platforms.console import QUIT_HELP, ConsolePlatform, columns
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
    assert out.rstrip().endswith("change subscriptions and settings.\n" + QUIT_HELP)


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


def test_paperboy_run_console_reads_piped_stdin(paperboy_env: dict[str, str]) -> None:
    """`python -m bot run --console` with stdin piped: a console chat that ends at EOF, the
    fetching line before the answer, and one start-up line saying what started."""
    env = {**os.environ, **paperboy_env, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--console"],
        input="/summarize 2410.13726\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "paperboy console." in proc.stdout
    assert proc.stdout.index("fetching the paper from arXiv…") < proc.stdout.index(
        "DAWN: Dynamic Frame Avatar")
    assert "platform console started" in proc.stderr  # logs go to stderr, not into the chat
    [started] = [line for line in proc.stderr.splitlines() if "paperboy 0.1.0 started" in line]
    assert started.endswith(
        f"INFO bot.app: paperboy 0.1.0 started: config none (defaults and environment), "
        f"database {paperboy_env['PAPERBOY_STORAGE__PATH']}, summarizer extractive, platforms "
        "console; 0 chats, 0 subscriptions, next digest due none scheduled")


async def test_help_lists_quit_and_a_paper_request_says_it_is_fetching(
    paperboy_env: dict[str, str],
) -> None:
    """/help in the console ends with /quit; /summarize and a pasted link first say that the
    paper is being fetched, before the card."""
    out = await _chat(["/help", "/summarize 2410.13726", "see arXiv:2104.12255", "/list"])
    assert "/quit - leave the console (Ctrl-D does too)" in out
    assert out.index("/quit - leave") < out.index("fetching the paper from arXiv…") < out.index(
        "DAWN: Dynamic Frame Avatar")
    assert out.count("fetching the paper from arXiv…") == 2  # not for /help or /list


async def test_answers_are_wrapped_to_the_width_counting_wide_characters_twice(
    paperboy_env: dict[str, str],
) -> None:
    """A 40-column terminal: no line of a Chinese card is wider than 40 columns, where a
    Chinese character takes two."""
    stdin, stdout = io.StringIO("/summarize 2410.13726 zh\n"), io.StringIO()
    async with open_services(load_settings()) as services:
        async with ConsolePlatform(services.commands, stdin, stdout, width=40) as console:
            await console.wait_closed()
    out = stdout.getvalue()
    assert "一句话总结" in out
    assert max(columns(line) for line in out.splitlines()) <= 40
    assert any(columns(line) > 30 for line in out.splitlines())  # wrapped, not chopped short


def test_no_network_in_the_console_is_one_sorry_line_and_no_traceback(
    paperboy_env: dict[str, str],
) -> None:
    """arXiv unreachable (nothing listening): the console says it is fetching, then sorry;
    the log (stderr) holds no traceback at the default level."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, **paperboy_env, "PYTHONPATH": str(ROOT),
           "PAPERBOY_ARXIV__API_URL": f"http://127.0.0.1:{port}/api/query"}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--console"],
        input="/summarize 2410.13726\n", capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    fetching = proc.stdout.index("fetching the paper from arXiv…")
    assert fetching < proc.stdout.index("Sorry: I can't reach arXiv from here right now")
    assert "Traceback" not in proc.stderr and " ERROR " not in proc.stderr
    assert "arXiv unavailable while fetching 2410.13726: arXiv lookup" in proc.stderr


def test_on_a_terminal_the_console_prompts_and_leaves_at_ctrl_d(paperboy_env: dict[str, str]) -> None:
    """Run on a pseudo-terminal (readline's input()): the prompt appears, /help is answered
    wrapped to the terminal's 60 columns, the next prompt follows the answer, Ctrl-D leaves."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 60, 0, 0))
    env = {**os.environ, **paperboy_env, "PYTHONPATH": str(ROOT), "TERM": "dumb"}
    proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--log-level", "WARNING"],
                            stdin=secondary, stdout=secondary, stderr=subprocess.PIPE, env=env)
    os.close(secondary)
    seen = b""

    def read_until(marker: bytes, times: int = 1) -> None:
        nonlocal seen
        while seen.count(marker) < times:
            ready, _, _ = select.select([primary], [], [], 30)  # a bound, not a timing
            assert ready, f"no {marker!r} in {seen[-500:]!r}"
            seen += os.read(primary, 4096)

    try:
        read_until(b"you> ")
        os.write(primary, b"/help\r")
        read_until(b"/quit - leave the console")
        read_until(b"you> ", 2)  # the next prompt: readline waits for a line again
        os.write(primary, b"\x04")
        assert proc.wait(60) == 0
    finally:
        proc.kill()
        proc.wait()
        os.close(primary)
    text = seen.decode()
    answer = text[text.index("paperboy reads arXiv"):text.index("/quit - leave")]
    assert max(columns(line) for line in answer.replace("\r", "").splitlines()) <= 60
