"""The ``paperboy`` command: run the bot, or summarize one paper and exit."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence

from bot.app import open_services, run
from bot.logs import setup_logging
from bot.render import markdown, plain
from bot.render.json_document import card_document
from bot.core.messages import Reply
from config.settings import ConfigError, Settings, load_settings
from papers.errors import (
    ArxivBadRequest,
    ArxivUnavailable,
    MalformedId,
    NoArxivId,
    PaperNotFound,
    PapersError,
)
from papers.ids import parse_arxiv_id

log = logging.getLogger("paperboy")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperboy", description="arXiv paper digests and summaries for chats and terminals."
    )
    parser.add_argument(
        "--config", metavar="PATH", help="TOML config file (default: $PAPERBOY_CONFIG or ./paperboy.toml)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="run the bot (a console chat when no chat token is set)")
    run_p.add_argument("--console", action="store_true", help="use the console chat even if tokens are set")
    sum_p = sub.add_parser("summarize", help="print a structured summary of one arXiv paper")
    sum_p.add_argument("paper", help="an arXiv link or id, e.g. 2410.13726 or https://arxiv.org/abs/2410.13726")
    sum_p.add_argument("--lang", default=None, help="summary language code (default: from config, en)")
    sum_p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and of ``python -m bot``; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"paperboy: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "summarize":
        setup_logging("WARNING" if settings.logging.level == "INFO" else settings.logging.level,
                      settings.secrets())
        return asyncio.run(_summarize(settings, args.paper, args.lang, args.format))
    setup_logging(settings.logging.level, settings.secrets())
    try:
        asyncio.run(run(settings, console=args.console))
    except ConfigError as exc:
        print(f"paperboy: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass
    return EXIT_OK


async def _summarize(settings: Settings, text: str, language: str | None, fmt: str) -> int:
    """``paperboy summarize``: print one card; bad input → one line on stderr and exit 2."""
    try:
        ref = parse_arxiv_id(text)
    except (NoArxivId, MalformedId) as exc:
        return _fail(f"{exc}. Give an arXiv link or id such as 2410.13726.", EXIT_USAGE)
    lang = (language or settings.summarizer.default_language).lower().replace("_", "-")
    try:
        async with open_services(settings) as services:
            card = await services.summaries.card(ref, lang)
    except ConfigError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except PaperNotFound as exc:
        return _fail(f"{exc}.", EXIT_USAGE)
    except ArxivBadRequest as exc:
        return _fail(f"{exc}.", EXIT_USAGE)
    except ArxivUnavailable as exc:
        return _fail(f"arXiv is not reachable right now ({exc}); try again later.", EXIT_FAILURE)
    except PapersError as exc:
        return _fail(str(exc), EXIT_FAILURE)
    if fmt == "json":
        print(json.dumps(card_document(card), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        print(markdown.render_reply(Reply((card,))), end="")
    else:
        print(plain.render_reply(Reply((card,))))
    return EXIT_OK


def _fail(message: str, code: int) -> int:
    print(f"paperboy: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
