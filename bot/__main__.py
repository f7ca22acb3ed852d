"""The ``paperboy`` command: run the bot, summarize one paper, print one topic's digest, report
the status, back up the database.

Exit codes (the README's "Exit codes"): 0 done (also a weekend or holiday without papers);
1 a service unreachable (arXiv, or Telegram/Discord at start-up), arXiv not ready yet, or an
unexpected error; 2 bad input on the command line (id, topic, date, language); 3 configuration
or environment (a bad setting, a rejected token, the database path not writable or not a
database, no chat token and no terminal; a damaged database starts `run` on a temporary one);
130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib import metadata
from pathlib import Path

# What `paperboy digest --max` defaults to (bot.core.topic_digest.DEFAULT_MAX_PAPERS; a test
# keeps the two equal: the parser is built before anything heavy is imported).
DEFAULT_MAX_PAPERS = 30


def _version() -> str:
    try:
        return metadata.version("paperboy")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _common_options() -> argparse.ArgumentParser:
    """Options accepted before and after the subcommand (``paperboy run --log-level DEBUG``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS,
                        help="TOML config file (default: $PAPERBOY_CONFIG or ./paperboy.toml)")
    common.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        type=str.upper, default=argparse.SUPPRESS,
                        help="overrides the logging.level setting")
    common.add_argument("--log-format", choices=("text", "json"), default=argparse.SUPPRESS,
                        help="text lines, or one JSON object per line for log collectors")
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="paperboy", description="arXiv paper digests and summaries for chats and terminals.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"paperboy {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", parents=[common],
                           help="run the bot (a console chat when no chat token is set)")
    run_p.add_argument("--console", action="store_true",
                       help="the console chat, even with tokens set or stdin not a terminal")
    stat_p = sub.add_parser("status", parents=[common],
                            help="what the bot has and does: chats, digests, model use (read-only)")
    stat_p.add_argument("--format", choices=("text", "json"), default="text")
    back_p = sub.add_parser("backup", parents=[common],
                            help="a consistent copy of the database, safe while the bot runs")
    back_p.add_argument("path", type=Path, help="the file to write (replaced if it exists)")
    sum_p = sub.add_parser("summarize", parents=[common],
                           help="print a structured summary of one arXiv paper")
    sum_p.add_argument("paper", help="an arXiv link or id, e.g. 2410.13726 or https://arxiv.org/abs/2410.13726")
    sum_p.add_argument("--lang", default=None, help="summary language code (default: from config, en)")
    sum_p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    sum_p.add_argument("--assets", metavar="DIR", type=Path, default=None,
                       help="write the paper's figures into DIR (Markdown references them)")
    _add_digest_parser(sub)
    return parser


def _add_digest_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dig = sub.add_parser(
        "digest", parents=[_common_options()],
        help="print one topic's papers of one arXiv mailing (Markdown for web pages)",
    )
    dig.add_argument(
        "--topic", required=True,
        help='what to follow, as in /subscribe: "talking head", cs.CV, or an arXiv query',
    )
    dig.add_argument(
        "--date", default=None, metavar="YYYY-MM-DD",
        help="the mailing date, what readers call today's papers (default: the latest)",
    )
    dig.add_argument("--lang", default=None, help="summary language code (default: from config, en)")
    dig.add_argument("--format", choices=("markdown", "text", "json"), default="markdown")
    dig.add_argument("--assets", metavar="DIR", type=Path, default=None,
                     help="write each paper's figures into DIR (Markdown references them)")
    dig.add_argument(
        "--max", type=_positive, default=DEFAULT_MAX_PAPERS, dest="max_papers", metavar="N",
        help=f"at most N papers, best first (default: {DEFAULT_MAX_PAPERS})",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive whole number")
    return value


def main(
    argv: Sequence[str] | None = None, *, clock: Callable[[], datetime] | None = None
) -> int:
    """Entry point of the console script and of ``python -m bot``; returns the exit code.

    ``clock`` replaces the wall clock (tests pick the day and time zone with it).
    """
    args = _parser().parse_args(argv)
    from bot import cli  # the heavy part: only once the arguments are read

    return cli.dispatch(args, clock)


if __name__ == "__main__":
    sys.exit(main())
