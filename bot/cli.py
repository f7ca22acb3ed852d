"""What each ``paperboy`` subcommand does (the parser and the dispatch are in ``__main__``,
which imports this module only once the arguments are read: ``paperboy --help`` stays fast)."""


from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from bot import status
from bot.app import PlatformUnreachable, open_services, run
from bot.core.chat_settings import SettingError, resolve_language
from bot.core.figures import PaperFigures
from bot.core.messages import PaperCard, Reply
from bot.core.supply import NotReady
from bot.core.topic_digest import (
    MailingNotOut,
    TopicDigest,
    TopicDigests,
    resolve_mailing,
)
from bot.figure_files import write_figures
from bot.logs import setup_logging
from bot.render import markdown, plain
from bot.render.digest_markdown import phrase, render_digest
from bot.render.json_document import card_document
from config.settings import ConfigError, Settings, load_settings
from papers.announcements import ARXIV_HOLIDAYS
from papers.errors import (
    ArxivBadRequest,
    ArxivUnavailable,
    MalformedId,
    NoArxivId,
    PaperNotFound,
    PapersError,
)
from papers.ids import parse_arxiv_id
from papers.query import InvalidTopic, parse_topic
from storage import stats
from storage.errors import StorageError

log = logging.getLogger("paperboy")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_CONFIG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
DB_SETTING = "setting storage.path, PAPERBOY_STORAGE__PATH"



def _language(given: str | None, settings: Settings) -> str:
    """--lang checked by the same rule as /lang and /summarize (a code or a name we can write
    in); the configured default otherwise."""
    return resolve_language(given) if given else settings.summarizer.default_language


def _with_overrides(settings: Settings, args: argparse.Namespace) -> Settings:
    """--log-level and --log-format win over the logging settings."""
    update = {k: getattr(args, f"log_{k}") for k in ("level", "format") if hasattr(args, f"log_{k}")}
    if not update:
        return settings
    return settings.model_copy(update={"logging": settings.logging.model_copy(update=update)})


def _run(settings: Settings, *, console: bool) -> int:
    """``paperboy run``: serve until stopped; a start-up problem is one line and its exit code."""
    tokens = settings.telegram.token is not None or settings.discord.token is not None
    if not tokens and not console and not sys.stdin.isatty():
        return _fail("no chat token is set (PAPERBOY_TELEGRAM__TOKEN, PAPERBOY_DISCORD__TOKEN) "
                     "and stdin is not a terminal, so there is nobody to talk to; set a token, "
                     "or pass --console to read chat lines from stdin", EXIT_CONFIG)
    try:
        asyncio.run(run(settings, console=console))
    except ConfigError as exc:
        return _fail_lines(str(exc), EXIT_CONFIG)
    except PlatformUnreachable as exc:
        return _fail(str(exc), EXIT_FAILURE)
    except KeyboardInterrupt:
        pass
    except Exception:
        # Through logging, whose records are redacted: a library's exception text may carry a
        # token (python-telegram-bot's InvalidToken names it), Python's own traceback would not.
        log.exception("paperboy stopped because of an unexpected error")
        return EXIT_FAILURE
    return EXIT_OK


def _status(settings: Settings, fmt: str) -> int:
    """``paperboy status``: facts from the database, read-only; 3 when there is none."""
    try:
        doc = status.gather(settings)
    except StorageError as exc:
        missing = not Path(settings.storage.path).expanduser().exists()
        hint = "; `paperboy run` creates it" if missing else ""
        return _fail(f"{exc} ({DB_SETTING}){hint}", EXIT_CONFIG)
    print(status.render_json(doc) if fmt == "json" else status.render_text(doc))
    return EXIT_OK


def _backup(settings: Settings, target: Path) -> int:
    """``paperboy backup PATH``: SQLite's online backup, consistent while the bot writes."""
    try:
        size = stats.backup(settings.storage.path, target)
    except StorageError as exc:
        where = DB_SETTING if "no database at" in str(exc) else "the backup's PATH"
        return _fail(f"{exc} ({where})", EXIT_CONFIG)
    print(f"paperboy: backed up {settings.storage.path} to {target} ({size:,} bytes)",
          file=sys.stderr)
    return EXIT_OK


def _arxiv_trouble(exc: ArxivUnavailable) -> str:
    """Which side the problem is on: this machine cannot reach arXiv, or arXiv answered badly.

    ``unreachable`` is set by papers when it knows (connection refused, DNS, proxy); until then
    the reason text of its retry loop ("cannot connect") tells.
    """
    unreachable = getattr(exc, "unreachable", None)
    if unreachable is None:
        unreachable = "cannot connect" in str(exc)
    if unreachable:
        return (f"cannot reach arXiv from this machine (network / DNS / proxy): {exc}. Check the "
                "connection, or arxiv.api_url (PAPERBOY_ARXIV__API_URL) for a mirror or proxy.")
    if "no answer within" in str(exc):
        return (f"arXiv did not answer in time: {exc}. It may be overloaded, or a proxy holds "
                "the connection; try again in a few minutes.")
    return f"arXiv answered with an error: {exc}. Try again in a few minutes."


async def _summarize(
    settings: Settings, text: str, language: str | None, fmt: str, assets: Path | None = None
) -> int:
    """``paperboy summarize``: print one card; bad input → one line on stderr and exit 2."""
    try:
        ref = parse_arxiv_id(text)
    except (NoArxivId, MalformedId) as exc:
        return _fail(f"{exc}. Give an arXiv link or id such as 2410.13726.", EXIT_USAGE)
    try:
        lang = _language(language, settings)
    except SettingError as exc:
        return _fail(f"bad --lang: {exc}", EXIT_USAGE)
    try:
        async with open_services(settings) as services:
            if services.repo.get_paper(ref.base, ref.version) is None:
                # Said before the wait: arXiv can take seconds (or, unreachable, its retries).
                print("paperboy: fetching the paper from arXiv…", file=sys.stderr, flush=True)
            card = await services.summaries.card(ref, lang)
            figures = await _figures_or_warn(services.figures, [card], assets)
    except ConfigError as exc:
        return _fail_lines(str(exc), EXIT_CONFIG)
    except PaperNotFound as exc:
        return _fail(f"{exc}.", EXIT_USAGE)
    except ArxivBadRequest as exc:
        return _fail(f"{exc}.", EXIT_USAGE)
    except ArxivUnavailable as exc:
        return _fail(_arxiv_trouble(exc), EXIT_FAILURE)
    except PapersError as exc:
        return _fail(str(exc), EXIT_FAILURE)
    if fmt == "json":
        print(json.dumps(card_document(card), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        paths = figures.get(card.paper.versioned_id, ())
        print(markdown.render_card(card, figures=paths) + "\n", end="")
    else:
        print(plain.render_reply(Reply((card,))))
    return EXIT_OK


async def _digest(
    settings: Settings, args: argparse.Namespace, clock: Callable[[], datetime] | None
) -> int:
    """``paperboy digest``: one topic's papers of one mailing on stdout, progress on stderr."""
    try:
        topic = parse_topic(args.topic)
    except InvalidTopic as exc:
        return _fail(f"bad --topic: {exc}", EXIT_USAGE)
    try:
        day = date.fromisoformat(args.date) if args.date is not None else None
    except ValueError:
        return _fail(f"bad --date '{args.date}': give a date as YYYY-MM-DD, e.g. 2026-11-17",
                     EXIT_USAGE)
    now = clock() if clock is not None else datetime.now().astimezone()
    holidays = ARXIV_HOLIDAYS | frozenset(settings.digest.extra_holidays)
    try:
        mailing = resolve_mailing(day, now, holidays)
    except MailingNotOut as exc:
        return _fail(f"{exc}.", EXIT_USAGE)
    try:
        lang = _language(args.lang, settings)
    except SettingError as exc:
        return _fail(f"bad --lang: {exc}", EXIT_USAGE)
    progress = _Progress(sys.stderr)
    try:
        async with open_services(settings, clock=clock) as services:
            digests = TopicDigests(services.supply, services.summaries, holidays=holidays,
                                   concurrency=settings.summarizer.concurrency)
            if mailing.announcement is not None:
                progress.status(f"reading the {mailing.day} mailing for '{topic.label}'")
            digest = await digests.build(topic, mailing, lang, max_papers=args.max_papers,
                                         progress=progress.step)
            figures = await _figures_or_warn(services.figures, digest.cards, args.assets)
    except ConfigError as exc:
        progress.clear()
        return _fail_lines(str(exc), EXIT_CONFIG)
    except NotReady:
        return progress.fail(f"arXiv's feed does not list the {mailing.day} mailing yet; "
                             "try again in a few minutes.", EXIT_FAILURE)
    except ArxivBadRequest as exc:
        return progress.fail(f"{exc}. Check the --topic query.", EXIT_USAGE)
    except ArxivUnavailable as exc:
        return progress.fail(_arxiv_trouble(exc), EXIT_FAILURE)
    except PapersError as exc:
        return progress.fail(str(exc), EXIT_FAILURE)
    progress.done(_digest_outcome(digest))
    print(_format_digest(digest, args.format, figures), end="")
    return EXIT_OK


async def _figures_or_warn(
    figures: PaperFigures, cards: Sequence[PaperCard], assets: Path | None
) -> dict[str, tuple[str, ...]]:
    """``--assets``: the figures written; a problem with the folder costs the figures, with one
    line on stderr, never the summaries."""
    if assets is None:
        return {}
    try:
        return await write_figures(figures, cards, assets)
    except OSError as exc:
        print(f"paperboy: cannot write figures to {assets}: {exc.strerror or exc}; "
              "printing the summaries without them", file=sys.stderr)
        return {}


def _digest_outcome(digest: TopicDigest) -> str:
    """The last stderr line: what the run did, or why the page is empty."""
    day = digest.mailing.day.isoformat()
    if digest.mailing.quiet is not None:
        return phrase("en", f"digest_{digest.mailing.quiet}").format(date=day)
    text = (f"{len(digest.cards)} of {digest.matched} matching papers for '{digest.topic.label}' "
            f"on {day} ({digest.new_summaries} newly summarized)")
    if digest.matched > len(digest.cards) + len(digest.skipped):
        text += "; raise --max to include more"
    if digest.skipped:
        text += f"; left out (arXiv failed): {', '.join(digest.skipped)}"
    return text + "."


def _format_digest(
    digest: TopicDigest, fmt: str, figures: dict[str, tuple[str, ...]] | None = None
) -> str:
    if fmt == "json":
        documents = [card_document(card) for card in digest.cards]
        return json.dumps(documents, ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        return render_digest(digest, figures)
    day = digest.mailing.day.isoformat()
    header = f"{digest.topic.label}: arXiv, {day}"
    if digest.mailing.quiet is not None or not digest.cards:
        return header + "\n\n" + _digest_outcome(digest) + "\n"
    return header + "\n\n" + plain.render_reply(Reply(digest.cards)) + "\n"


class _Progress:
    """Progress on stderr: a bar redrawn in place on a terminal, a few plain lines otherwise."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._drawn = False

    def status(self, text: str) -> None:
        """What is happening now (replaces the previous status on a terminal)."""
        if self._tty:
            self._draw(text)
        else:
            self._line(text + "…")

    def step(self, done: int, total: int) -> None:
        """Papers summarized so far: a bar on a terminal; one line at the start otherwise."""
        if not self._tty:
            if done == 0 and total:
                self._line(f"summarizing {total} paper{'s' if total != 1 else ''}…")
            return
        width = max(10, min(40, shutil.get_terminal_size((80, 24)).columns - 40))
        filled = width * done // total if total else width
        self._draw(f"summarizing [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")

    def done(self, text: str) -> None:
        """The closing line, on a line of its own."""
        self._clear()
        self._line(text)

    def fail(self, message: str, code: int) -> int:
        """Clear the bar, print the error line, return ``code``."""
        self._clear()
        return _fail(message, code)

    def _draw(self, text: str) -> None:
        self._stream.write(f"\r\x1b[2Kpaperboy: {text}")
        self._stream.flush()
        self._drawn = True

    def clear(self) -> None:
        """Remove the bar (before lines of another kind)."""
        self._clear()

    def _clear(self) -> None:
        if self._drawn:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()
            self._drawn = False

    def _line(self, text: str) -> None:
        print(f"paperboy: {text}", file=self._stream, flush=True)


def _fail(message: str, code: int) -> int:
    print(f"paperboy: {message}", file=sys.stderr)
    return code


def _fail_lines(message: str, code: int) -> int:
    """One ``paperboy:`` line per problem (a configuration can have several)."""
    for line in message.splitlines():
        print(f"paperboy: {line}", file=sys.stderr)
    return code



def dispatch(args: argparse.Namespace, clock: Callable[[], datetime] | None) -> int:
    """Run the subcommand ``args`` names; returns the exit code."""
    warnings: list[str] = []
    try:
        settings = _with_overrides(load_settings(getattr(args, "config", None),
                                                 warn=warnings.append), args)
    except ConfigError as exc:
        for line in warnings:  # a misspelled name may be why the value is wrong
            print(f"paperboy: warning: {line}", file=sys.stderr)
        return _fail_lines(str(exc), EXIT_CONFIG)
    level = settings.logging.level
    if args.command != "run" and level == "INFO":
        level = "WARNING"  # one-shot commands: their output, not the bot's diary
    setup_logging(level, settings.secrets(), fmt=settings.logging.format)
    for line in warnings:
        logging.getLogger("paperboy.config").warning("%s", line)
    if args.command == "summarize":
        try:
            return asyncio.run(_summarize(settings, args.paper, args.lang, args.format, args.assets))
        except KeyboardInterrupt:
            return _fail("interrupted", EXIT_INTERRUPTED)
    if args.command == "status":
        return _status(settings, args.format)
    if args.command == "backup":
        return _backup(settings, args.path)
    if args.command == "digest":
        try:
            return asyncio.run(_digest(settings, args, clock))
        except KeyboardInterrupt:
            if sys.stderr.isatty():
                sys.stderr.write("\r\x1b[2K")  # clear the progress bar
            return _fail("interrupted; summaries made so far are kept for the next run",
                         EXIT_INTERRUPTED)
    return _run(settings, console=args.console)


