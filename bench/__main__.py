"""``python -m bench``: every goal (issues 9 and 10) measured, one table printed and written into
docs/benchmarks.md (between the ``goals`` markers). ``--quick`` runs the small variants."""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.goals import HEADER, Goal

# The modules that report goals, in the order of the list.
MODULES = (
    "fanout", "cost", "latency", "memory", "freetext", "model_rate", "schedule", "validator",
)
DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
BEGIN, END = "<!-- goals:begin -->", "<!-- goals:end -->"


def run_all(quick: bool, only: list[str]) -> tuple[list[Goal], list[str]]:
    """Each module's goals, in a fresh interpreter (memory figures must not see each other)."""
    goals: list[Goal] = []
    failures: list[str] = []
    for name in only or MODULES:
        started = time.monotonic()
        command = [sys.executable, "-m", "bench", "--child", name] + (["--quick"] if quick else [])
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        took = time.monotonic() - started
        rows = [line for line in done.stdout.splitlines() if line.startswith("GOAL\t")]
        if done.returncode != 0 or not rows:
            failures.append(f"{name}: exit {done.returncode} after {took:.0f} s: "
                            f"{(done.stderr.strip().splitlines() or ['no output'])[-1][:200]}")
            continue
        for line in rows:
            _, bench, what, measured, limit, met, note = line.split("\t")
            goals.append(Goal(bench, what, measured, limit, met == "1", note))
        print(f"bench {name}: {len(rows)} goals in {took:.0f} s", file=sys.stderr, flush=True)
    return goals, failures


def child(name: str, quick: bool) -> None:
    """Run one module's ``goals()`` and print its rows for the parent."""
    module = importlib.import_module(f"bench.{name}")
    for goal in module.goals(quick=quick):
        fields = (goal.bench, goal.what, goal.measured, goal.limit, "1" if goal.met else "0", goal.note)
        print("GOAL\t" + "\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields), flush=True)


def table(goals: list[Goal], failures: list[str], quick: bool) -> str:
    """The goals table with the run's machine and date."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    variant = " (quick variants)" if quick else ""
    cpus = os.cpu_count() or 0
    first = (f"Run {when} on {platform.machine()}, {cpus} CPUs, Python {platform.python_version()}"
             f"{variant}; `python -m bench` wrote this table.")
    lines = [first, "", HEADER, *(g.row() for g in goals)]
    lines += [f"\n**Not measured:** {f}" for f in failures]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the small variants (minutes, not tens)")
    parser.add_argument("--only", nargs="*", default=[], choices=MODULES, help="some benchmarks only")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.quick)
        return 0
    goals, failures = run_all(args.quick, args.only)
    text = table(goals, failures, args.quick)
    print(text)
    if not args.no_write:
        doc = DOC.read_text(encoding="utf-8")
        block = f"{BEGIN}\n{text}\n{END}"
        if BEGIN in doc and END in doc:
            doc = doc[: doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
        else:
            doc = doc.replace("\n", f"\n\n## Goals (issues 9 and 10)\n\n{block}\n", 1)
        DOC.write_text(doc, encoding="utf-8")
    return 1 if failures or not all(g.met for g in goals) else 0


if __name__ == "__main__":
    sys.exit(main())
