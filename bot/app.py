"""Composition root: builds every component from Settings, runs them, and tears them down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.core.ahead import SummarizeAhead
from bot.core.chat_commands import ChatCommands
from bot.core.commands import Commands, Limits
from bot.core.digest import Digests
from bot.core.digest_commands import DigestCommands
from bot.core.figures import PaperFigures
from bot.core.lifecycle import ChatLifecycle
from bot.core.messages import ActionKind
from bot.core.ports import Platform
from bot.core.quota import SummaryQuota
from bot.core.scheduler import DigestScheduler
from bot.core.summaries import PaperSummaries
from bot.core.supply import PaperSupply
from bot.platforms.console import ConsolePlatform
from bot.status import startup_line
from config.settings import ConfigError, Settings
from papers.announcements import ARXIV_HOLIDAYS
from papers.feed import ArxivFeed
from papers.fulltext import FullTextSource
from papers.source import ArxivSource
from storage.errors import StorageError
from storage.repository import Repository
from summarizer.base import Summarizer
from summarizer.factory import make_summarizer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Services:
    """The long-lived components every entry point shares."""

    settings: Settings
    repo: Repository
    source: ArxivSource
    summarizer: Summarizer
    summaries: PaperSummaries
    supply: PaperSupply
    digests: Digests
    commands: Commands
    figures: PaperFigures


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings, *, clock: Callable[[], datetime] | None = None
) -> AsyncIterator[Services]:
    """Open storage, arXiv and the summarizer; close them in reverse order on exit.

    ``clock`` replaces the wall clock of digests (tests drive days and time zones with it).
    """
    clock = clock or _wall_clock
    summarizer = make_summarizer(settings)  # first: a config error must not leave files behind
    try:
        # A damaged file (a corrupt page, a truncated file beside its WAL) does not stop the
        # bot: it runs on an in-memory database and says how to repair (logged once).
        repo, damage = Repository.open_or_memory(settings.storage.path, clock=clock)
    except StorageError as exc:  # not writable, a directory, not a database: the operator's
        await summarizer.aclose()
        raise ConfigError(f"{exc} (setting storage.path, PAPERBOY_STORAGE__PATH)") from None
    source = ArxivSource(settings.arxiv)
    feed = ArxivFeed(settings.arxiv)
    fulltext = FullTextSource(settings.arxiv, settings.fulltext.model_copy(
        update={"cache_dir": settings.fulltext_cache_dir}))
    try:
        figures = PaperFigures(fulltext, settings.figures, settings.fulltext,
                               html_url=settings.arxiv.html_url)
        summaries = PaperSummaries(
            repo, source, summarizer, metadata_ttl=timedelta(seconds=settings.arxiv.metadata_ttl_s),
            fulltext=fulltext, input_tokens=settings.fulltext.input_tokens,
            card_actions=(ActionKind.FIGURES,) if figures.enabled else (),
        )
        chat = settings.chat
        limits = Limits(
            max_links_per_message=chat.max_links_per_message,
            summaries_per_user_per_hour=chat.summaries_per_user_per_hour,
            summaries_per_chat_per_hour=chat.summaries_per_chat_per_hour,
        )
        language = settings.summarizer.default_language
        chat_commands = ChatCommands(
            repo, default_language=language, max_subscriptions=chat.max_subscriptions
        )
        supply = PaperSupply(
            repo, feed, source, max_query_results=settings.digest.max_query_results, clock=clock
        )
        digests = Digests(
            repo, supply, summaries, settings=settings.digest,
            concurrency=settings.summarizer.concurrency, clock=clock,
        )
        # One quota for /summarize, links and /digest (its reservations live in memory).
        quota = SummaryQuota(repo, per_user=limits.summaries_per_user_per_hour,
                             per_chat=limits.summaries_per_chat_per_hour)
        commands = Commands(
            summaries, repo, default_language=language, limits=limits, quota=quota,
            groups=(chat_commands, DigestCommands(digests, quota)), figures=figures,
            unsaved=damage is not None,
            quick_after_s=settings.summarizer.interactive_wait_s,
        )
        yield Services(
            settings, repo, source, summarizer, summaries, supply, digests, commands, figures
        )
    finally:
        await summarizer.aclose()
        await fulltext.aclose()
        await feed.aclose()
        await source.aclose()
        repo.close()


# Where each network's address is set, for the line that says it cannot be reached.
_ENDPOINT_SETTINGS = {
    "telegram": "telegram.api_base_url, PAPERBOY_TELEGRAM__API_BASE_URL",
    "discord": "discord.api_base_url / gateway_url, PAPERBOY_DISCORD__API_BASE_URL",
}


class PlatformUnreachable(Exception):
    """A chat network could not be reached at start-up (network, DNS, proxy): one line."""


async def _start(stack: contextlib.AsyncExitStack, platform: Platform) -> None:
    """Enter ``platform``; a failure becomes one PlatformUnreachable line (a rejected token
    already is a ConfigError): a network failure says so; anything else (the service answering
    5xx, its gateway closing during start-up) names the error, its traceback at DEBUG."""
    try:
        await stack.enter_async_context(platform)
    except ConfigError:
        raise
    except Exception as exc:
        log.debug("starting %s failed", platform.name, exc_info=True)
        where = _ENDPOINT_SETTINGS.get(platform.name, "")
        name = platform.name.capitalize()
        if _network_failure(exc):
            raise PlatformUnreachable(
                f"cannot reach {name} from this machine at start-up (network / DNS / proxy: "
                f"{_reason(exc)}); check the connection" + (f" or {where}" if where else "")
            ) from None
        raise PlatformUnreachable(
            f"{name} could not be started: {_reason(exc)}; try again later"
            + (f", check {where}" if where else "") + " (--log-level DEBUG shows the details)"
        ) from None


def _network_failure(exc: BaseException) -> bool:
    """True when ``exc`` or what caused it is a connection problem. The adapters' libraries
    wrap them in their own types (python-telegram-bot's NetworkError, httpx's ConnectError),
    so the chain and the type names are read rather than importing a chat library here."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        names = {cls.__name__ for cls in type(current).__mro__}
        if isinstance(current, OSError | TimeoutError) or names & {
            "NetworkError", "TimedOut", "ConnectError", "ConnectTimeout", "ClientConnectionError",
        }:
            return True
        current = current.__cause__ or current.__context__
    return False


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def build_platforms(
    services: Services, *, console: bool, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> list[Platform]:
    """The configured chat platforms; the console chat when asked for or when no token is set."""
    settings = services.settings
    platforms: list[Platform] = []
    if not console:
        lifecycle = ChatLifecycle(services.repo)
        # Each network's library is imported only when its token is set (they are heavy).
        if settings.telegram.token is not None:
            from bot.platforms.telegram_bot import TelegramPlatform

            platforms.append(TelegramPlatform(settings.telegram, services.commands, lifecycle))
        if settings.discord.token is not None:
            from bot.platforms.discord_bot import DiscordPlatform

            platforms.append(DiscordPlatform(settings.discord, services.commands, lifecycle))
    if not platforms:
        platforms.append(ConsolePlatform(services.commands, stdin=stdin, stdout=stdout))
    return platforms


async def run(
    settings: Settings,
    *,
    console: bool = False,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run every platform in this event loop until SIGINT/SIGTERM, ``stop``, or the console's EOF."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with open_services(settings) as services, contextlib.AsyncExitStack() as stack:
            platforms = build_platforms(services, console=console, stdin=stdin, stdout=stdout)
            for platform in platforms:
                # Known to digests before it is entered: a command that arrives while start-up
                # still waits (Discord's guild data) may already send a digest.
                services.digests.platforms[platform.name] = platform
                await _start(stack, platform)
                log.info("platform %s started", platform.name)
            scheduler = DigestScheduler(services.digests, services.repo, settings.digest)
            services.commands.on_settings_changed(scheduler.reconcile_chat)
            scheduler.start()
            # Unwound before the platforms close: digests being sent may finish first.
            stack.push_async_callback(scheduler.stop, settings.digest.shutdown_grace_s)
            if services.summaries.backend != "extractive":  # a model's budget is worth planning
                ahead = SummarizeAhead(
                    services.digests, services.summaries, services.repo,
                    concurrency=settings.summarizer.concurrency,
                    holidays=ARXIV_HOLIDAYS | frozenset(settings.digest.extra_holidays))
                task = asyncio.create_task(ahead.run_forever(), name="summarize-ahead")
                stack.callback(task.cancel)
            try:
                log.info("%s", startup_line(settings, [p.name for p in platforms]))
            except StorageError as exc:  # a report, never a reason to stop serving
                log.warning("paperboy started, but its figures could not be read: %s", exc)
            waiters = [asyncio.create_task(stop.wait())]
            waiters += [asyncio.create_task(p.wait_closed()) for p in platforms]
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
            log.info("shutting down")
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
