"""Errors the papers package raises; each carries what the caller needs to tell the user."""

from __future__ import annotations


class PapersError(Exception):
    """Base class: something about an arXiv paper or request went wrong."""


class MalformedId(PapersError):
    """The text looks like an arXiv reference but is not a valid id (``2413.00001``, ``1234.5``)."""

    def __init__(self, text: str) -> None:
        super().__init__(f"'{text}' is not a valid arXiv id")
        self.text = text


class NoArxivId(PapersError):
    """The text contains no arXiv id or link at all."""

    def __init__(self, text: str) -> None:
        super().__init__(f"no arXiv id or link found in '{text[:80]}'")
        self.text = text


class PaperNotFound(PapersError):
    """arXiv answered, and it has no paper with this id."""

    def __init__(self, arxiv_id: str) -> None:
        super().__init__(f"arXiv has no paper {arxiv_id}")
        self.arxiv_id = arxiv_id


class ArxivBadRequest(PapersError):
    """arXiv rejected the request (HTTP 400), e.g. a malformed query; ``detail`` is arXiv's reason."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"arXiv rejected the request: {detail}")
        self.detail = detail


class ArxivUnavailable(PapersError):
    """arXiv could not be reached or kept failing (5xx, timeouts, empty pages) after retries.

    ``unreachable``: this machine could not connect at all (refused, DNS, proxy): the network
    here, not arXiv, is what to check.
    """

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable
