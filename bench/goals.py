"""One row of the goals table: a figure, the limit it is measured against, and whether it is met.

Each benchmark module returns its rows from ``goals(quick: bool) -> list[Goal]``; ``python -m
bench`` runs them all, prints one table and writes it into docs/benchmarks.md.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Goal:
    """``measured`` and ``limit`` are shown as written ("38 ms", "≤ 50 ms"); ``met`` decides ✅/❌."""

    bench: str  # "P4", "P5", "free-text" …
    what: str  # "cached /summarize p95 under load"
    measured: str
    limit: str
    met: bool
    note: str = ""

    def row(self) -> str:
        """The Markdown table row."""
        mark = "✅" if self.met else "❌"
        return f"| {self.bench} | {self.what} | {self.measured} | {self.limit} | {mark} | {self.note} |"


HEADER = "| bench | what | measured | limit | met | note |\n|---|---|---:|---:|:-:|---|"
