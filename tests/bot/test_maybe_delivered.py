"""Which network errors may hide a delivered Telegram message (never resent) and which cannot
(sent again): the request must have left whole for Telegram to have shown it."""

from __future__ import annotations

import httpx
import pytest
from telegram.error import NetworkError, TimedOut

from bot.platforms.telegram_bot import _maybe_delivered


def _wrapped(cause: Exception, cls: type[NetworkError] = NetworkError) -> NetworkError:
    try:
        raise cls(f"httpx.{type(cause).__name__}: {cause}") from cause
    except NetworkError as exc:
        return exc


@pytest.mark.parametrize("cause", [
    httpx.ConnectError("refused"), httpx.ConnectTimeout("slow to connect"),
    httpx.WriteTimeout("the body did not leave"), httpx.WriteError("broken pipe"),
    httpx.RemoteProtocolError("Server disconnected without sending a response."),
])
def test_a_request_that_did_not_leave_whole_is_sent_again(cause: Exception) -> None:
    assert not _maybe_delivered(_wrapped(cause, TimedOut if "Timeout" in type(cause).__name__ else NetworkError))


@pytest.mark.parametrize("cause", [httpx.ReadTimeout("no answer"), httpx.ReadError("reset")])
def test_a_request_that_left_is_never_sent_blindly_again(cause: Exception) -> None:
    assert _maybe_delivered(_wrapped(cause, TimedOut if "Timeout" in type(cause).__name__ else NetworkError))
