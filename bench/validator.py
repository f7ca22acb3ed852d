"""The validator against the labelled set of model answers in tests/fixtures/summaries/.

    python -m bench.validator          # a Markdown table: rates, then every miss and false reject

Each file holds one model answer (``reply``, the raw text), the paper's title, abstract and any
body text, the language the chat asked for and, for bad answers, its ``class`` (chatter,
placeholder, rambling, wrong-language, injection, meta-talk, length, repetition). A good answer
refused is a false reject; a bad answer accepted is a miss.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.goals import HEADER, Goal
from summarizer.errors import InvalidOutput
from summarizer.validation import validate

ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "summaries"
FALSE_REJECT_LIMIT = 0.02
MISS_LIMIT = 0.05


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled answer."""

    name: str
    good: bool
    language: str
    reply: str
    source: str  # title, abstract and body, as ModelSummarizer passes it
    kind: str  # the bad class, "good" for good ones


@dataclass(slots=True)
class Result:
    """What the validator did with the set."""

    good: int = 0
    bad: int = 0
    false_rejects: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    misses: list[tuple[str, str]] = field(default_factory=list)  # (name, class)
    bad_by_class: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def false_reject_rate(self) -> float:
        """Good answers refused, as a share of the good ones."""
        return len(self.false_rejects) / self.good if self.good else 0.0

    @property
    def miss_rate(self) -> float:
        """Bad answers accepted, as a share of the bad ones."""
        return len(self.misses) / self.bad if self.bad else 0.0


def load(root: Path = ROOT) -> list[Case]:
    """Every case under ``root``/good and ``root``/bad, in name order."""
    cases = []
    for label in ("good", "bad"):
        for path in sorted((root / label).glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            source = "\n".join(data.get(k, "") for k in ("title", "abstract", "body"))
            cases.append(Case(f"{label}/{path.stem}", label == "good", data["language"],
                              data["reply"], source, data.get("class", "good")))
    return cases


def measure(cases: list[Case]) -> Result:
    """Run ``validate`` on every case and count false rejects and misses."""
    result = Result()
    started = time.perf_counter()
    for case in cases:
        try:
            validate(case.reply, case.language, source=case.source)
            reason = None
        except InvalidOutput as exc:
            reason = exc.reason
        if case.good:
            result.good += 1
            if reason is not None:
                result.false_rejects.append((case.name, reason))
        else:
            result.bad += 1
            result.bad_by_class[case.kind] += 1
            if reason is None:
                result.misses.append((case.name, case.kind))
    result.seconds = time.perf_counter() - started
    return result


def goals(quick: bool = False) -> list[Goal]:
    """The two rows of the goals table (``quick`` changes nothing: the set takes a second)."""
    result = measure(load())
    return [
        Goal("validator", "false rejects of good summaries",
             f"{result.false_reject_rate:.1%} ({len(result.false_rejects)}/{result.good})",
             f"≤ {FALSE_REJECT_LIMIT:.0%}", result.false_reject_rate <= FALSE_REJECT_LIMIT,
             "hand-written set, tests/fixtures/summaries/good"),
        Goal("validator", "misses of bad summaries",
             f"{result.miss_rate:.1%} ({len(result.misses)}/{result.bad})",
             f"≤ {MISS_LIMIT:.0%}", result.miss_rate <= MISS_LIMIT,
             "classes: " + ", ".join(f"{k} {v}" for k, v in sorted(result.bad_by_class.items()))),
    ]  # fmt: skip


def main() -> int:
    result = measure(load())
    rows = goals()
    print(HEADER)
    for goal in rows:
        print(goal.row())
    print(f"\n{result.good} good and {result.bad} bad answers checked in {result.seconds:.2f} s "
          "(the first check loads lingua's models).")
    for name, reason in result.false_rejects:
        print(f"- false reject {name}: {reason}")
    for name, kind in result.misses:
        print(f"- miss {name} ({kind})")
    return 0 if all(g.met for g in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
