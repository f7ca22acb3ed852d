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
        "import json, sys, bot.app, bot.cli\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_the_help_parser_imports_nothing_heavy_and_agrees_with_the_digest_default() -> None:
    """`paperboy --help` is answered before anything heavy is imported; its digest default is
    the one topic digests use."""
    code = (
        "import json, sys\n"
        "from bot.__main__ import DEFAULT_MAX_PAPERS, _parser\n"
        "_parser()\n"
        "print(json.dumps([DEFAULT_MAX_PAPERS, sorted(m for m in ('bot.app', 'bot.cli', 'pydantic',"
        " 'telegram', 'sqlite_utils') if m in sys.modules)]))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    from bot.core.topic_digest import DEFAULT_MAX_PAPERS

    assert json.loads(done.stdout) == [DEFAULT_MAX_PAPERS, []]
