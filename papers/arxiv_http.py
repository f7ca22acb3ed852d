"""One arXiv HTTP request that cannot stall: paced, streamed, and abandoned at its deadline.

``requests``' timeouts bound connecting and each single read, not the whole download: a server
trickling bytes would keep the one arXiv thread (and so all arXiv traffic) busy for ever. Here
the body is read one network read at a time, each read's socket wait is cut to what is left of
the request's deadline, and past the deadline the response is closed and ``DeadlineExceeded``
raised, so the thread is free again when the deadline passes (issue 9, part 4).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import ProtocolError, ReadTimeoutError

__all__ = ["DeadlineExceeded", "Reply", "fetch"]

_READ_SIZE = 64 * 1024
USER_AGENT = "paperboy (arXiv digest bot)"


class DeadlineExceeded(TimeoutError):
    """The request was still unfinished at its deadline and was abandoned."""

    def __init__(self, deadline_s: float) -> None:
        super().__init__(f"no complete answer within {deadline_s:g} s")
        self.deadline_s = deadline_s


@dataclass(frozen=True, slots=True)
class Reply:
    """What arXiv answered: status, headers and the whole body."""

    status: int
    headers: Mapping[str, str]
    content: bytes


def fetch(
    session: requests.Session, url: str, *, timeout_s: float, deadline_s: float
) -> Reply:
    """GET ``url`` (blocking, on the arXiv thread): connect and each read within ``timeout_s``,
    the whole reply within ``deadline_s``; raises requests' errors or DeadlineExceeded."""
    deadline = time.monotonic() + deadline_s
    first = min(timeout_s, deadline_s)
    with session.get(
        url, timeout=(first, first), stream=True, headers={"User-Agent": USER_AGENT}
    ) as response:
        chunks: list[bytes] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeadlineExceeded(deadline_s)
            _bound_next_read(response, min(timeout_s, left))
            try:
                chunk = response.raw.read1(_READ_SIZE)
            except ReadTimeoutError as exc:  # the socket wait cut above, or the read timeout
                if time.monotonic() >= deadline:
                    raise DeadlineExceeded(deadline_s) from exc
                raise requests.Timeout(str(exc)) from exc
            except ProtocolError as exc:  # the connection broke mid-body
                raise requests.exceptions.ChunkedEncodingError(str(exc)) from exc
            if not chunk:
                break
            chunks.append(chunk)
        return Reply(response.status_code, CaseInsensitiveDict(response.headers), b"".join(chunks))


def _bound_next_read(response: requests.Response, seconds: float) -> None:
    """Let the next socket read wait at most ``seconds`` (the deadline may be nearer than the
    read timeout). urllib3 exposes the connection and http.client its socket."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))
