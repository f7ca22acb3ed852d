"""One arXiv HTTP request that cannot stall: paced, streamed, and abandoned at its deadline.

``requests``' timeouts bound connecting and each single read, not the whole download: a server
trickling bytes would keep the one arXiv thread (and so all arXiv traffic) busy for ever. Here
the body is read one network read at a time, each read's socket wait is cut to what is left of
the request's deadline, and past the deadline the response is closed and ``DeadlineExceeded``
raised, so the thread is free again when the deadline passes (issue 9, part 4).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import ProtocolError, ReadTimeoutError

__all__ = ["DeadlineExceeded", "Reply", "Stream", "fetch", "stream"]

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
    with stream(session, url, timeout_s=timeout_s, deadline_s=deadline_s) as reply:
        return Reply(reply.status, reply.headers, b"".join(reply.chunks()))


class Stream:
    """A reply being read: status and headers now, the body one network read at a time, so a
    caller can parse as it arrives and stop early (a feed over its caps, issue 10)."""

    def __init__(
        self, response: requests.Response, *, timeout_s: float, deadline_s: float,
        deadline: float,
    ) -> None:  # fmt: skip
        self._response = response
        self._timeout_s = timeout_s
        self._deadline_s = deadline_s
        self._deadline = deadline
        self.status = response.status_code
        self.headers: Mapping[str, str] = CaseInsensitiveDict(response.headers)

    def chunks(self) -> Iterator[bytes]:
        """The body's pieces as they arrive, each read bounded by what is left of the deadline."""
        response = self._response
        while True:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise DeadlineExceeded(self._deadline_s)
            _bound_next_read(response, min(self._timeout_s, left))
            try:
                chunk = response.raw.read1(_READ_SIZE)
            except ReadTimeoutError as exc:  # the socket wait cut above, or the read timeout
                if time.monotonic() >= self._deadline:
                    raise DeadlineExceeded(self._deadline_s) from exc
                raise requests.Timeout(str(exc)) from exc
            except ProtocolError as exc:  # the connection broke mid-body
                raise requests.exceptions.ChunkedEncodingError(str(exc)) from exc
            if not chunk:
                return
            yield chunk


@contextlib.contextmanager
def stream(
    session: requests.Session, url: str, *, timeout_s: float, deadline_s: float
) -> Iterator[Stream]:
    """GET ``url`` and hold the reply open while the caller reads it (``fetch``'s bounds); the
    connection is closed on leaving, read to the end or not."""
    deadline = time.monotonic() + deadline_s
    first = min(timeout_s, deadline_s)
    with session.get(
        url, timeout=(first, first), stream=True, headers={"User-Agent": USER_AGENT}
    ) as response:
        yield Stream(response, timeout_s=timeout_s, deadline_s=deadline_s, deadline=deadline)


def _bound_next_read(response: requests.Response, seconds: float) -> None:
    """Let the next socket read wait at most ``seconds`` (the deadline may be nearer than the
    read timeout). urllib3 exposes the connection and http.client its socket."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))
