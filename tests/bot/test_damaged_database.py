"""A damaged database does not stop the bot (issue 10): `paperboy run` starts on an in-memory
database, still answers /summarize, and says once, clearly, what is damaged and how to repair."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.storage.test_health import _damage_a_middle_page, _filled

ROOT = Path(__file__).resolve().parents[2]


def test_a_damaged_page_still_starts_the_bot_and_serves_summaries(
    paperboy_env: dict[str, str], tmp_path: Path
) -> None:
    db = _filled(tmp_path / "paperboy.db")
    _damage_a_middle_page(db)
    env = {**os.environ, **paperboy_env, "PYTHONPATH": str(ROOT), "PAPERBOY_STORAGE__PATH": str(db)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--console"],
        input="/summarize 2410.13726\n/subscribe cs.CV\n",
        capture_output=True, text=True, env=env, timeout=90, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "DAWN: Dynamic Frame Avatar" in done.stdout
    assert "changes made now are not kept after a restart" in done.stdout  # said where it matters
    damage = [line for line in done.stderr.splitlines() if "is damaged" in line]
    assert len(damage) == 1 and str(db) in damage[0] and ".recover" in damage[0]
    assert "in-memory database" in damage[0] and "Traceback" not in done.stderr
