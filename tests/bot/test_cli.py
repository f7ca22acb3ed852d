"""The ``paperboy`` command: what a user sees on stdout and stderr, and the exit codes, for
``summarize``, ``run``'s start-up failures, ``status``, ``backup`` and the global options."""

from __future__ import annotations

import json
import os
import socket
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
    assert err == "paperboy: fetching the paper from arXiv…\n"  # said before the wait


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
    lines = [line for line in err.splitlines() if "fetching the paper" not in line]
    assert message in err and len(lines) == 1
    assert "Traceback" not in err


def test_arxiv_answering_503_is_exit_1_and_says_arxiv_answered(
    paperboy_env: dict[str, str], arxiv_server: ArxivFake, capsys: pytest.CaptureFixture[str]
) -> None:
    """arXiv answering 503 to every retry: first the fetching line, then exit 1 with a line
    saying arXiv answered with an error (not that this machine cannot reach it)."""
    arxiv_server.fail_next(10, status=503)
    assert main(["summarize", "2410.13726"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("paperboy: fetching the paper from arXiv…\n")
    assert err.splitlines()[-1].startswith("paperboy: arXiv answered with an error: ")
    assert "HTTP 503" in err.splitlines()[-1] and "Traceback" not in err


def test_arxiv_unreachable_says_it_is_this_machine(
    paperboy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Nothing listening at arXiv's address (connection refused, as with no network): the
    fetching line at once, then one line blaming the network, naming the setting; exit 1."""
    monkeypatch.setenv("PAPERBOY_ARXIV__API_URL", f"http://127.0.0.1:{_closed_port()}/api/query")
    assert main(["summarize", "2410.13726"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "paperboy: fetching the paper from arXiv…"
    assert err[-1].startswith(
        "paperboy: cannot reach arXiv from this machine (network / DNS / proxy): ")
    assert "PAPERBOY_ARXIV__API_URL" in err[-1]
    assert not any("Traceback" in line for line in err)


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_bad_config_is_exit_3_naming_the_key_and_the_variable(
    paperboy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad setting stops the command with one line: key, source, what is expected; exit 3
    (configuration), not 2 (bad input on the command line)."""
    monkeypatch.setenv("PAPERBOY_SUMMARIZER__BACKEND", "magic")
    assert main(["summarize", "2410.13726"]) == 3
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("paperboy: summarizer.backend (source: environment "
                           "PAPERBOY_SUMMARIZER__BACKEND): expected ")


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


def _run_process(env: dict[str, str], *args: str, stdin: str | None = None,
                 cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` as a service manager would start it (stdin not a terminal)."""
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("PAPERBOY_")},
            **env, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin or "",
                          capture_output=True, text=True, env=full, timeout=60, cwd=cwd)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the package's version."""
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == "paperboy 0.1.0"


def test_global_options_are_accepted_after_the_subcommand(
    paperboy_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--config and --log-level work before or after the subcommand."""
    config = tmp_path / "other.toml"
    config.write_text('[summarizer]\ndefault_language = "zh"\n')
    assert main(["summarize", "2410.13726", "--config", str(config), "--log-level", "error",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["language"] == "zh"
    assert main(["--config", str(tmp_path / "missing.toml"), "summarize", "2410.13726"]) == 3
    assert capsys.readouterr().err == (
        f"paperboy: config file not found: {tmp_path / 'missing.toml'} (from --config)\n")


def test_a_misspelled_token_variable_is_named_and_a_service_without_stdin_stops(
    paperboy_env: dict[str, str],
) -> None:
    """PAPERBOY_TELEGRAM_TOKEN (one underscore) under a service manager: a warning suggesting
    PAPERBOY_TELEGRAM__TOKEN, then one line saying there is nobody to talk to; exit 3, not 0."""
    token = "123456:AAthisTokenMustNotBeLogged00000000000"
    proc = _run_process({**paperboy_env, "PAPERBOY_TELEGRAM_TOKEN": token}, "run")
    assert proc.returncode == 3, proc.stderr
    warning, stop = proc.stderr.strip().splitlines()
    assert warning.endswith("WARNING paperboy.config: PAPERBOY_TELEGRAM_TOKEN is not a paperboy "
                            "setting and is ignored; did you mean PAPERBOY_TELEGRAM__TOKEN?")
    assert stop.startswith("paperboy: no chat token is set (PAPERBOY_TELEGRAM__TOKEN, "
                           "PAPERBOY_DISCORD__TOKEN) and stdin is not a terminal")
    assert "--console" in stop and token not in proc.stderr and proc.stdout == ""


def test_telegram_unreachable_at_start_up_is_one_line_and_exit_1(
    paperboy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No network to Telegram at start-up: one line naming the cause and the setting, exit 1,
    instead of a long "unexpected error" traceback."""
    monkeypatch.setenv("PAPERBOY_TELEGRAM__TOKEN", "123456:AAthisTokenMustNotBeLogged00000000000")
    monkeypatch.setenv("PAPERBOY_TELEGRAM__API_BASE_URL", f"http://127.0.0.1:{_closed_port()}/bot")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert last.startswith("paperboy: cannot reach Telegram from this machine at start-up "
                           "(network / DNS / proxy")
    assert "PAPERBOY_TELEGRAM__API_BASE_URL" in last
    assert "Traceback" not in err and "AAthisToken" not in err


@pytest.mark.parametrize("damage", ["parent is a file", "not a database"])
def test_an_unusable_database_is_one_line_and_exit_3(
    paperboy_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], damage: str,
) -> None:
    """A database path that cannot be written, or a damaged file: one line naming the path
    and the setting, exit 3 (environment), for the bot and for the one-shot commands."""
    if damage == "parent is a file":
        (tmp_path / "afile").write_text("x")
        path = tmp_path / "afile" / "paperboy.db"
    else:
        path = tmp_path / "damaged.db"
        path.write_bytes(b"this is not an SQLite database " * 200)
    monkeypatch.setenv("PAPERBOY_STORAGE__PATH", str(path))
    for argv in (["run", "--console"], ["summarize", "2410.13726"]):
        assert main(argv) == 3
        err = capsys.readouterr().err
        [line] = [x for x in err.splitlines() if "platform" not in x and "INFO" not in x]
        assert line.startswith("paperboy: ") and str(path) in line
        assert "(setting storage.path, PAPERBOY_STORAGE__PATH)" in line
        assert "Traceback" not in err


def test_status_text_and_json_while_the_bot_holds_the_database(
    paperboy_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`paperboy status` reads a database another connection has open and is writing to:
    chats, subscriptions, next digest, last cycle, digests, model use; as text and JSON."""
    from datetime import UTC, datetime, timedelta

    from storage.models import ChatRef
    from storage.repository import Repository

    repo = Repository.open(paperboy_env["PAPERBOY_STORAGE__PATH"])
    try:
        for n in range(3):
            ref = ChatRef("telegram", str(n))
            repo.ensure_chat(ref, language="en", timezone="UTC", delivery_time="08:00")
            repo.add_subscription(ref, "category", f"cat:cs.C{n}", f"cs.C{n}")
        repo.deactivate_chat(ChatRef("telegram", "2"), "blocked")
        due = datetime.now(UTC) + timedelta(hours=3)
        repo.schedule.set_due([_due(ChatRef("telegram", "0"), due)])
        repo.digests.save_listing("feed:cs", "2026-11-24", [])
        with repo.batch():  # a write transaction left open while status reads
            repo.ensure_chat(ChatRef("discord", "9"), language="en", timezone="UTC",
                             delivery_time="08:00")
            assert main(["status", "--format", "json"]) == 0
            doc = json.loads(capsys.readouterr().out)
        assert main(["status"]) == 0
        text = capsys.readouterr().out
    finally:
        repo.close()
    assert (doc["chats"], doc["deactivated_chats"], doc["subscriptions"]) == (2, 1, 2)
    assert doc["next_digest_due"] == due.isoformat(timespec="seconds")
    assert doc["last_cycle"]["cycle"] == "2026-11-24"
    assert doc["summarizer"] == {"backend": "extractive", "model": None}
    assert doc["digests_24h"] == {"sent": 0, "failed": 0, "pending": 0}
    assert doc["tokens_used"] is None and doc["version"] == "0.1.0"
    assert "chats:                 3 active, 1 deactivated" in text  # discord:9 committed now
    assert "last cycle fetched:    2026-11-24" in text and "tokens used:           not recorded" in text


def _due(ref: object, at: object) -> object:
    from storage.schedule import DueChange

    return DueChange(ref, at)  # type: ignore[arg-type]


def test_status_without_a_database_says_run_creates_it(
    paperboy_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Before the first run there is nothing to report: one line, exit 3."""
    assert main(["status"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("paperboy: no database at ") and "`paperboy run` creates it" in err


def test_backup_is_consistent_while_another_connection_writes(
    paperboy_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`paperboy backup PATH` while the bot writes: the copy opens as a paperboy database with
    every committed row and none of the uncommitted ones."""
    import sqlite3

    from storage.models import ChatRef
    from storage.repository import Repository

    repo = Repository.open(paperboy_env["PAPERBOY_STORAGE__PATH"])
    try:
        for n in range(50):
            repo.ensure_chat(ChatRef("telegram", str(n)), language="en", timezone="UTC",
                             delivery_time="08:00")
        with repo.batch():  # a write in progress during the backup
            repo.ensure_chat(ChatRef("telegram", "uncommitted"), language="en", timezone="UTC",
                             delivery_time="08:00")
            assert main(["backup", str(tmp_path / "copy.db")]) == 0
    finally:
        repo.close()
    assert "backed up" in capsys.readouterr().err
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT COUNT(*) FROM chats").fetchone() == (50,)
    assert not (tmp_path / "copy.db-wal").exists()
    restored = Repository.open(tmp_path / "copy.db")  # a restore is: put the copy back
    restored.close()


def test_backup_targets_that_cannot_work_are_one_line_naming_the_path(
    paperboy_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing directory, a directory, the database's own WAL: refused, blaming the
    backup's path (not storage.path)."""
    from storage.repository import Repository

    db = Path(paperboy_env["PAPERBOY_STORAGE__PATH"])
    Repository.open(db).close()
    for target in (tmp_path / "nodir" / "x.db", tmp_path, Path(f"{db}-wal")):
        assert main(["backup", str(target)]) == 3
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "(the backup's PATH)" in err, err


def test_a_section_that_is_not_a_table_is_one_line(
    paperboy_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`digest = 5` in the file, and a misspelled variable: the misspelling is still named."""
    config = tmp_path / "c.toml"
    config.write_text("digest = 5\n")
    monkeypatch.setenv("PAPERBOY_TELEGRAM_TOKEN", "x")
    assert main(["--config", str(config), "status"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and "digest" in err
    assert "did you mean PAPERBOY_TELEGRAM__TOKEN" in err
