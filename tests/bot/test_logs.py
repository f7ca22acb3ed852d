"""The log an operator reads: one line per expected failure, tracebacks for bugs, JSON lines."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import reset_logging, setup_logging

SECRET = "123456:AAtheTokenThatMustNeverBeLogged000000000"


@pytest.fixture(autouse=True)
def _restore() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    reset_logging()
    root.setLevel(level)


def _log_failure(level: int) -> None:
    try:
        raise ConnectionError(f"cannot connect to https://api.telegram.org/bot{SECRET}/getMe")
    except ConnectionError:
        logging.getLogger("paperboy.test").log(level, "arXiv is not answering", exc_info=True)


def test_a_warning_with_an_exception_is_one_line_at_info(capsys: pytest.CaptureFixture[str]) -> None:
    """At INFO, a warning about an expected failure is one line: no traceback, no token."""
    setup_logging("INFO", [SECRET])
    _log_failure(logging.WARNING)
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and SECRET not in err
    assert err.rstrip().endswith(
        "arXiv is not answering (ConnectionError: cannot connect to "
        "https://api.telegram.org/bot***/getMe)")


def test_debug_and_errors_keep_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    """An ERROR (a bug) keeps its traceback at INFO; at DEBUG a warning keeps it too."""
    setup_logging("INFO", [SECRET])
    _log_failure(logging.ERROR)
    assert "Traceback" in capsys.readouterr().err
    setup_logging("DEBUG", [SECRET])
    _log_failure(logging.WARNING)
    err = capsys.readouterr().err
    assert "Traceback" in err and SECRET not in err


def test_json_lines_for_log_collectors(capsys: pytest.CaptureFixture[str]) -> None:
    """--log-format json: one JSON object per line with level, logger, message and the error."""
    setup_logging("INFO", [SECRET], fmt="json")
    logging.getLogger("paperboy.test").info("started with %d chats", 3)
    _log_failure(logging.WARNING)
    first, second = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert (first["level"], first["logger"], first["message"]) == (
        "INFO", "paperboy.test", "started with 3 chats")
    assert second["error"].startswith("ConnectionError: cannot connect")
    assert "traceback" not in second and SECRET not in json.dumps(second)
