"""What the damage check costs at start-up (issue 10): ``Repository.open`` (with its
``PRAGMA quick_check``) on databases of growing size. Prints figures; asserts nothing.

    python -m bench.storage_health                 # 10k, 50k, 200k papers (about 30 s)
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from papers.models import Paper
from storage.repository import Repository

_PAPER = Paper(
    arxiv_id="2611.00000", version=1, title="A generated paper", authors=("A. Author",),
    abstract="We study sparse attention for video diffusion models at scale. " * 12,
    published=datetime(2026, 11, 16, tzinfo=UTC), updated=datetime(2026, 11, 16, tzinfo=UTC),
    primary_category="cs.CV", categories=("cs.CV",),
)  # fmt: skip


def measure(papers: int, folder: Path) -> tuple[float, float, float]:
    """File size (MB), open with the check (s), the check alone (s)."""
    path = folder / f"bench-{papers}.db"
    with Repository.open(path) as repo:
        for start in range(0, papers, 5000):
            repo.add_papers(
                replace(_PAPER, arxiv_id=f"26{i // 100000:02d}.{i % 100000:05d}")
                for i in range(start, min(start + 5000, papers))
            )
    started = time.perf_counter()
    Repository.open(path).close()
    opened = time.perf_counter() - started
    with sqlite3.connect(path) as conn:
        started = time.perf_counter()
        conn.execute("PRAGMA quick_check(3)").fetchall()
        checked = time.perf_counter() - started
    conn.close()
    return path.stat().st_size / 1e6, opened, checked


def main(argv: list[str] | None = None) -> None:
    """Build each database once, then time opening it (warm page cache, as after a restart)."""
    parser = argparse.ArgumentParser(prog="python -m bench.storage_health", description=__doc__)
    parser.add_argument("--papers", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    args = parser.parse_args(argv)
    print(f"{'papers':>9} {'file MB':>8} {'open s':>7} {'quick_check s':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.papers:
            size, opened, checked = measure(count, Path(tmp))
            print(f"{count:>9,} {size:>8.0f} {opened:>7.2f} {checked:>14.2f}")


if __name__ == "__main__":
    main()
