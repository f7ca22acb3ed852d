"""Ctrl-C and SIGTERM stop paperboy at once, even while an arXiv request hangs on a server
that accepts the connection and never answers (it used to wait out the 30 s socket timeout,
past systemd's stop timeout)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("sig", "argv", "code"), [
    (signal.SIGINT, ["summarize", "2410.13731"], 130),
    (signal.SIGTERM, ["run", "--console"], 0),
])
def test_a_stop_signal_is_obeyed_while_arxiv_hangs(
    paperboy_env: dict[str, str], sig: signal.Signals, argv: list[str], code: int
) -> None:
    if signal.getsignal(sig) is signal.SIG_IGN:  # the child would inherit it
        pytest.skip(f"{sig.name} is ignored in this test process")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections, never answers
        env = {**os.environ, **paperboy_env, "PYTHONPATH": str(ROOT),
               "PAPERBOY_ARXIV__API_URL": f"http://127.0.0.1:{silent.getsockname()[1]}/api/query",
               "PAPERBOY_ARXIV__TIMEOUT_S": "30"}
        child = subprocess.Popen(
            [sys.executable, "-m", "bot", *argv], env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert child.stdin is not None
        child.stdin.write(b"/summarize 2410.13731\n")
        child.stdin.flush()
        silent.settimeout(20)
        connection, _ = silent.accept()  # the request is now hanging on it
        child.send_signal(sig)
        _, err = child.communicate(timeout=10)  # well before the 30 s socket timeout
        connection.close()
    assert child.returncode == code, err.decode()[-1500:]
    assert b"Traceback" not in err
