"""The values the papers package produces: arXiv ids and paper metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ABS_BASE = "https://arxiv.org/abs/"
PDF_BASE = "https://arxiv.org/pdf/"


@dataclass(frozen=True, slots=True)
class ArxivId:
    """An arXiv identifier: new style (``2410.13726``) or old style (``hep-th/9901001``)."""

    base: str
    version: int | None = None

    def __str__(self) -> str:
        return self.versioned if self.version else self.base

    @property
    def versioned(self) -> str:
        """``2410.13726v2``; the bare base when no version is known."""
        return f"{self.base}v{self.version}" if self.version else self.base


@dataclass(frozen=True, slots=True)
class Paper:
    """Metadata of one arXiv paper version, as arXiv reports it (never as a model says)."""

    arxiv_id: str  # base id, no version: "2410.13726"
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str
    published: datetime
    updated: datetime
    primary_category: str
    categories: tuple[str, ...] = ()
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    code_url: str | None = None  # a repository named in the abstract or comments
    license: str | None = None

    @property
    def versioned_id(self) -> str:
        """``2410.13726v2``: what every link, cache key and JSON output names."""
        return f"{self.arxiv_id}v{self.version}"

    @property
    def abs_url(self) -> str:
        """The public abstract page (arXiv asks us to link here)."""
        return ABS_BASE + self.versioned_id

    @property
    def pdf_url(self) -> str:
        """The public PDF link shown to users (fetching may use a mirror from settings)."""
        return PDF_BASE + self.versioned_id
