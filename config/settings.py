"""One typed settings tree: defaults, then a TOML file, then PAPERBOY_* environment variables."""

from __future__ import annotations

import contextvars
import logging
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from config.sources import DictSource, Loaded, SourceError, Warn, describe, read_sources

CONFIG_ENV = "PAPERBOY_CONFIG"
DEFAULT_CONFIG_FILE = "paperboy.toml"


def http_url(value: str) -> str:
    """An http(s) URL with a host: a mistyped endpoint is a configuration error at start-up,
    not "arXiv is not answering" later."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'{value}' is not an http(s) URL such as https://export.arxiv.org/api/query")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"'{value}' has a port that is not a number") from None
    return value.strip()


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("token", "api_key", mode="before", check_fields=False)
    @classmethod
    def _blank_is_unset(cls, v: Any) -> Any:
        """``PAPERBOY_DISCORD__TOKEN=`` (empty) means no token, not an empty one."""
        if isinstance(v, str) and not v.strip():
            return None
        return v


def _default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("paperboy", appauthor=False)) / "paperboy.db"


class StorageSettings(_Section):
    """Where paperboy keeps its SQLite database."""

    path: Path = Field(default_factory=_default_db_path)

    @field_validator("path", mode="before")
    @classmethod
    def _not_empty(cls, v: object) -> object:
        if isinstance(v, str) and not v.strip():
            raise ValueError("an empty path; give the database file, e.g. /var/lib/paperboy/paperboy.db")
        return v


class ArxivSettings(_Section):
    """arXiv endpoints and manners. Every URL can point at a mirror, a proxy or a test fake."""

    api_url: str = "https://export.arxiv.org/api/query"
    feed_url: str = "https://rss.arxiv.org/atom/"
    pdf_url: str = "https://arxiv.org/pdf/"
    # arXiv's HTML rendering (LaTeXML), versioned id appended; tried before the PDF.
    html_url: str = "https://arxiv.org/html/"
    # Abstract pages: the licence of a paper asked for on demand (the API does not give it).
    abs_url: str = "https://arxiv.org/abs/"
    # arXiv's terms: at most one request every three seconds, one connection at a time.
    min_interval_s: float = Field(default=3.0, ge=0)
    timeout_s: float = Field(default=30.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    # An unversioned paper fetched longer ago than this is looked up again (new versions appear).
    metadata_ttl_s: float = Field(default=6 * 3600, ge=0)

    @field_validator("api_url", "feed_url", "pdf_url", "html_url", "abs_url")
    @classmethod
    def _urls(cls, v: str) -> str:
        return http_url(v)
    # The feeds digests read each cycle, one request per entry: archives or categories joined
    # with "+" (arXiv lists at most 2000 papers per request, new papers first). Free text without
    # a category reads every entry, a topic with categories only the entries holding them (a
    # category in none is read from its own feed); an entry no topic needs is not fetched.
    feed_archives: tuple[str, ...] = (
        "cs",
        "math",
        "astro-ph+cond-mat+gr-qc+hep-ex+hep-lat+hep-ph+hep-th+math-ph+nlin+nucl-ex+nucl-th"
        "+physics+quant-ph",
        "econ+eess+q-bio+q-fin+stat",
    )
    # One arXiv request from its first byte sent to its last byte read (timeout_s bounds each
    # read); past it the download is abandoned and the request counts as timed out.
    request_deadline_s: float = Field(default=90.0, gt=0)
    # Longest wait behind other arXiv requests (one connection at a time) before a request gives
    # up with a message saying how long it waited.
    queue_timeout_s: float = Field(default=600.0, gt=0)
    # The longest Retry-After (429/503) waited out before a retry; arXiv asking for longer
    # fails the request at once with a message naming the wait.
    max_retry_after_s: float = Field(default=120.0, ge=0)
    # Caps of one listing feed, read as it arrives: past either the rest is ignored (one log
    # line). arXiv lists at most 2000 papers per feed request, about 2 KB each.
    max_feed_mb: float = Field(default=30.0, gt=0)
    max_feed_entries: int = Field(default=20_000, ge=1)


class FullTextSettings(_Section):
    """Reading a paper's body (arXiv HTML, else the PDF): caps, the parse worker, the disk cache."""

    # Downloads larger than this are refused as soon as the size is known (header or bytes read).
    max_download_mb: float = Field(default=30.0, gt=0)
    # One HTML page or PDF download, start to last byte, in seconds.
    download_timeout_s: float = Field(default=60.0, gt=0)
    # Pages of a PDF read at most (the rest is left out of the text).
    max_pages: int = Field(default=40, ge=1, le=1000)
    # Wall time and address space one parse may take in the worker process; over it, the worker
    # is killed and replaced and the paper is summarized from its abstract.
    parse_timeout_s: float = Field(default=30.0, gt=0)
    parse_memory_mb: int = Field(default=512, ge=128)
    # Downloads and extracted text by versioned id; the least recently used papers are evicted
    # when the folder grows over cache_max_mb. None: a "fulltext" folder beside the database.
    cache_dir: Path | None = None
    cache_max_mb: float = Field(default=500.0, ge=0)
    # Approximate input tokens of paper text given to the model (the excerpt's budget).
    input_tokens: int = Field(default=6000, ge=500)


class FiguresSettings(_Section):
    """The paper's figures under its card: whether to repost them, and how many."""

    # licensed: only when the paper's licence allows reuse (else link to arXiv); always; never.
    policy: Literal["licensed", "always", "never"] = "licensed"
    max_per_paper: int = Field(default=4, ge=0, le=10)
    # A commercial deployment: figures under non-commercial licences (CC BY-NC*) are linked,
    # not reposted.
    commercial: bool = False


class SummarizerSettings(_Section):
    """Which backend writes summaries, and in what language by default."""

    backend: Literal["auto", "gemini", "openai", "extractive"] = "auto"
    default_language: str = "en"
    # How many characters of paper text a model sees (the abstract is always included).
    max_input_chars: int = Field(default=60_000, ge=1_000)
    # Client-side cap on model requests per minute, so a free-tier key never hits 429 (0: none).
    requests_per_minute: float = Field(default=10.0, ge=0)
    # Summaries written at the same time while preparing digests.
    concurrency: int = Field(default=4, ge=1, le=64)
    # Model requests in flight at most; fewer when R × latency needs fewer (summarizer/limiter.py).
    max_in_flight: int = Field(default=16, ge=1, le=256)
    # Someone asking for a new summary gets a quick extractive card after this many seconds of
    # waiting for the model (at once when the model's queue is longer), edited in place later.
    interactive_wait_s: float = Field(default=4.0, ge=0, le=60)

    @field_validator("default_language")
    @classmethod
    def _language_code(cls, v: str) -> str:
        return check_language(v)


class GeminiSettings(_Section):
    """Google Gemini through google-genai."""

    api_key: SecretStr | None = None
    model: str = "gemini-2.5-flash"
    base_url: str | None = None  # None: the SDK's default endpoint
    api_version: str | None = None  # None: the SDK's default ("v1")
    timeout_s: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=4, ge=1, le=10)  # per request, 429/5xx retried with backoff
    initial_backoff_s: float = Field(default=2.0, ge=0)
    max_backoff_s: float = Field(default=30.0, ge=0)


class OpenAISettings(_Section):
    """Any OpenAI-compatible chat completions server: OpenAI, Ollama, vLLM, llama.cpp, DeepSeek…"""

    base_url: str | None = None  # e.g. http://localhost:11434/v1 for Ollama
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)


class TelegramSettings(_Section):
    """The Telegram bot: a token from @BotFather, and the Bot API server to talk to."""

    token: SecretStr | None = None
    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str = "https://api.telegram.org/file/bot"
    # Telegram asks for at most ~1 message per second in one chat (PTB's limiter does not enforce it).
    per_chat_interval_s: float = Field(default=1.0, ge=0)
    # How often a send that hit flood control (429 retry_after) or a network error is retried.
    send_retries: int = Field(default=3, ge=0, le=10)
    # Long-polling timeout of getUpdates, in seconds.
    poll_timeout_s: int = Field(default=30, ge=0, le=60)
    # Seconds to wait for Telegram to answer one request (photos: four times as long). A send
    # that times out after it left is not repeated: it may have arrived.
    request_timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("api_base_url", "api_file_url")
    @classmethod
    def _urls(cls, v: str) -> str:
        return http_url(v)


class ChatSettings(_Section):
    """Behaviour shared by every chat platform: links per message and cost limits."""

    # Papers summarized for one message with several arXiv links; the rest are named, not summarized.
    max_links_per_message: int = Field(default=3, ge=1, le=20)
    # New (uncached) summaries one user, and one chat, may ask for per hour. Cached ones are free.
    summaries_per_user_per_hour: int = Field(default=10, ge=1)
    summaries_per_chat_per_hour: int = Field(default=30, ge=1)
    # Subscriptions one chat may have.
    max_subscriptions: int = Field(default=20, ge=1, le=200)


class DigestSettings(_Section):
    """Daily digests: catching up after downtime, retrying, and what to say on quiet days."""

    # A digest missed while the process was down is sent on start-up if it is at most this late.
    grace_period_s: float = Field(default=6 * 3600, ge=0)
    # When arXiv or the feed is not ready (or fails), try the chat's digest again this much later.
    retry_after_s: float = Field(default=1800, gt=0)
    # Send a short "no new papers (weekend/holiday)" note instead of staying silent.
    notify_quiet_days: bool = False
    # arXiv search results fetched per query topic and announcement cycle.
    max_query_results: int = Field(default=100, ge=1, le=2000)
    # Days (US Eastern dates) arXiv does not announce, beyond the built-in list (2025-2026);
    # arXiv publishes them on its status page and blog.
    extra_holidays: tuple[date, ...] = ()
    # Fetched arXiv listings and sent digests' plans are deleted after this many days (each
    # chat's latest digest is kept: it says what the chat has covered).
    retention_days: int = Field(default=30, ge=7)
    # What each chat received is kept this long, so no paper is sent to it twice; far beyond
    # the five announcement cycles a digest looks back.
    delivery_retention_days: int = Field(default=120, ge=14)
    # On SIGTERM, seconds to let digests being sent finish before stopping (the rest resume at
    # the next start without repeating what arrived).
    shutdown_grace_s: float = Field(default=20.0, ge=0, le=300)


class DiscordSettings(_Section):
    """The Discord bot: a token from the Developer Portal, and the endpoints to talk to."""

    token: SecretStr | None = None
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg/"
    # The privileged message-content intent (also switch it on in the Developer Portal): needed
    # to read arXiv links posted in server channels without mentioning the bot.
    message_content: bool = False
    # Servers whose slash commands are synced at start-up, instantly (development); global
    # commands are always synced too.
    guild_ids: Annotated[tuple[int, ...], NoDecode] = ()
    # Discord allows about 5 messages per 5 seconds in one channel.
    per_channel_interval_s: float = Field(default=1.0, ge=0)
    # All requests of the bot together; Discord's global limit is 50 per second.
    requests_per_second: float = Field(default=40.0, gt=0, le=50)
    # How long start-up waits for the gateway's READY, and then for the servers' data.
    ready_timeout_s: float = Field(default=60.0, gt=0)
    guild_ready_timeout_s: float = Field(default=2.0, ge=0)

    @field_validator("guild_ids", mode="before")
    @classmethod
    def _id_list(cls, v: Any) -> Any:
        """Environment values as "123,456" or a JSON list "[123, 456]"."""
        if isinstance(v, str):
            text = v.strip().removeprefix("[").removesuffix("]")
            return tuple(part.strip().strip('"') for part in text.split(",") if part.strip())
        return v

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        if not v.startswith(("https://", "http://")):
            raise ValueError(f"'{v}' is not an http(s) URL such as https://discord.com/api/v10")
        return v.rstrip("/")

    @field_validator("gateway_url")
    @classmethod
    def _ws_url(cls, v: str) -> str:
        if not v.startswith(("wss://", "ws://")):
            raise ValueError(f"'{v}' is not a websocket URL such as wss://gateway.discord.gg/")
        return v


class LoggingSettings(_Section):
    """How much paperboy logs (to stderr)."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # text: one readable line per record; json: one JSON object per line, for log collectors.
    format: Literal["text", "json"] = "text"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.strip().upper() if isinstance(v, str) else v  # "debug" as --log-level takes it


# The languages summaries can be written in (summarizer/prompts.py names each; a test keeps the
# two lists equal). Here so that a default language nobody can write in is a configuration error.
SUPPORTED_LANGUAGES = (
    "en", "zh", "zh-cn", "zh-hans", "zh-tw", "zh-hk", "zh-hant", "ja", "ko", "de", "fr", "es",
    "it", "pt", "pt-br", "nl", "pl", "tr", "vi", "id", "ru", "uk", "ar", "fa", "he", "hi", "bn",
    "th", "el",
)


def check_language(v: str) -> str:
    """The normalized language code (``zh_CN`` → ``zh-cn``); ValueError when it is not one we
    write in."""
    code = v.strip().lower().replace("_", "-")
    if code not in SUPPORTED_LANGUAGES:
        raise ValueError(f"'{v}' is not a language summaries can be written in; one of: "
                         + ", ".join(c for c in SUPPORTED_LANGUAGES if "-" not in c))
    return code


class Settings(BaseSettings):
    """Everything the process can be told. Per-chat choices live in storage, not here."""

    model_config = SettingsConfigDict(
        env_prefix="PAPERBOY_",
        env_nested_delimiter="__",
        frozen=True,
        extra="forbid",
        case_sensitive=False,
    )

    storage: StorageSettings = StorageSettings()
    arxiv: ArxivSettings = ArxivSettings()
    fulltext: FullTextSettings = FullTextSettings()
    figures: FiguresSettings = FiguresSettings()
    summarizer: SummarizerSettings = SummarizerSettings()
    gemini: GeminiSettings = GeminiSettings()
    openai: OpenAISettings = OpenAISettings()
    chat: ChatSettings = ChatSettings()
    digest: DigestSettings = DigestSettings()
    telegram: TelegramSettings = TelegramSettings()
    discord: DiscordSettings = DiscordSettings()
    logging: LoggingSettings = LoggingSettings()

    _config_file: Path | None = PrivateAttr(default=None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Highest first: explicit arguments, environment, then the TOML file; defaults last.
        loaded = _loaded_var.get()
        if loaded is None:  # Settings() built directly (tests, tools): read both sources now
            loaded = read_sources(settings_cls, None, os.environ)
        return (
            init_settings,
            DictSource(settings_cls, loaded.env),
            DictSource(settings_cls, loaded.toml),
        )

    @property
    def config_file(self) -> Path | None:
        """The TOML file these settings were read from, if any (for the start-up line)."""
        return self._config_file

    @property
    def summarizer_backend(self) -> str:
        """The backend actually used: ``auto`` resolves to gemini with a key, else extractive."""
        if self.summarizer.backend != "auto":
            return self.summarizer.backend
        return "gemini" if self.gemini.api_key else "extractive"

    @property
    def fulltext_cache_dir(self) -> Path:
        """Where full texts are cached: ``fulltext.cache_dir``, else beside the database."""
        return self.fulltext.cache_dir or self.storage.path.parent / "fulltext"

    def secrets(self) -> list[str]:
        """Every configured secret value, for the log redaction filter."""
        values = [self.gemini.api_key, self.openai.api_key, self.telegram.token, self.discord.token]
        return [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]


class ConfigError(Exception):
    """The configuration is invalid; the message names the offending key."""


# What load_settings read reaches settings_customise_sources (a classmethod) through a context
# variable, so that load_settings stays re-entrant and tests can load different files.
_loaded_var: contextvars.ContextVar[Loaded | None] = contextvars.ContextVar(
    "paperboy_sources", default=None
)


def _gemini_key_fallback(environ: os._Environ[str] | dict[str, str]) -> dict[str, Any]:
    """Honour the SDK's conventional GEMINI_API_KEY / GOOGLE_API_KEY when ours is not set."""
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
        if environ.get(name):
            return {"api_key": environ[name]}
    return {}


def load_settings(path: str | Path | None = None, *, warn: Warn | None = None) -> Settings:
    """Load settings from ``path`` (or $PAPERBOY_CONFIG, or ./paperboy.toml if present) and env.

    Raises ConfigError with one line per bad value (``key (source: …): expected …``). Unknown
    keys in the file and unknown PAPERBOY_* variables are ignored with one line each to ``warn``
    (default: the ``paperboy.config`` logger), with the closest real name.
    """
    toml_path: Path | None = None
    explicit = path or os.environ.get(CONFIG_ENV)
    if explicit:
        toml_path = Path(explicit).expanduser()
        if not toml_path.is_file():
            source = "--config" if path else CONFIG_ENV
            raise ConfigError(f"config file not found: {toml_path} (from {source})")
    elif Path(DEFAULT_CONFIG_FILE).is_file():
        toml_path = Path(DEFAULT_CONFIG_FILE)
    try:
        loaded = read_sources(Settings, toml_path, os.environ)
    except SourceError as exc:
        raise ConfigError(str(exc)) from None
    for line in loaded.warnings:
        (warn or logging.getLogger("paperboy.config").warning)(line)
    token = _loaded_var.set(loaded)
    try:
        settings = Settings()
        if settings.gemini.api_key is None:
            fallback = _gemini_key_fallback(os.environ)
            if fallback:
                gemini = settings.gemini.model_copy(update={"api_key": SecretStr(fallback["api_key"])})
                settings = settings.model_copy(update={"gemini": gemini})
        settings._config_file = toml_path
        return settings
    except ValidationError as exc:
        raise ConfigError(describe(exc, loaded)) from None
    finally:
        _loaded_var.reset(token)
