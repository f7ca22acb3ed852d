"""Heavy libraries load only where they are needed: idle memory and `paperboy --help` stay small."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("telegram", "discord", "google.genai", "openai", "pypdfium2", "PIL")


def test_importing_the_bot_loads_no_sdk_of_a_platform_or_backend_not_configured() -> None:
    code = (
        "import json, sys, bot.app, bot.__main__\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
