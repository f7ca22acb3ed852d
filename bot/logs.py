"""Logging set-up: one stderr handler, secrets redacted from every record, chatty libraries quieted.

Tracebacks are for bugs: an ERROR record keeps its traceback, while a warning about an expected
failure (arXiv down, a chat gone) shows only the exception's type and text unless the level is
DEBUG, so an operator reads one line per problem.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

# Telegram bot tokens ("123456:AA…"), Discord bot tokens ("<base64 id>.<time>.<hmac>") and
# Google API keys ("AIza…") are redacted even when not configured here (e.g. inside a URL that
# httpx logs), so a leaked log line never carries one.
# Not \b before the digits: in a Bot API URL the token follows "/bot" directly.
_TOKEN_SHAPES = re.compile(
    r"(?<![0-9])\d{5,}:[A-Za-z0-9_-]{30,}"
    r"|(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"
    r"|AIza[0-9A-Za-z_-]{30,}"
)
REDACTED = "***"
_HANDLER_NAME = "paperboy"
_base_factory = logging.getLogRecordFactory()


class RedactingFilter(logging.Filter):
    """Replaces configured secrets and token-shaped strings in messages and tracebacks."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by ***."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPES.sub(REDACTED, text)

    def redact_record(self, record: logging.LogRecord) -> None:
        """Redact the record's message in place (formats it once, as any handler would)."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: leave it to logging's own error report
            return
        redacted = self.redact(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None

    def filter(self, record: logging.LogRecord) -> bool:
        self.redact_record(record)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def install_redaction(secrets: Iterable[str]) -> RedactingFilter:
    """Redact secrets in every log record the moment it is made, whatever handler sees it."""
    redactor = RedactingFilter(secrets)

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = _base_factory(*args, **kwargs)
        redactor.redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    return redactor


class _Formatter(logging.Formatter):
    """Text or JSON lines; a warning's exception as one line unless ``tracebacks``."""

    def __init__(self, redactor: RedactingFilter, *, json_lines: bool, tracebacks: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redactor = redactor
        self._json = json_lines
        self._tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        error = None
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            error = self._redactor.redact(f"{type(exc).__name__}: {exc}".rstrip(": "))
        brief = error is not None and record.levelno < logging.ERROR and not self._tracebacks
        saved = record.exc_info, record.exc_text
        if brief:
            record.exc_info, record.exc_text = None, None
        try:
            if self._json:
                return self._json_line(record, error)
            text = super().format(record)
        finally:
            record.exc_info, record.exc_text = saved
        return f"{text} ({error})" if brief else text

    def _json_line(self, record: logging.LogRecord, error: str | None) -> str:
        doc = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if error is not None:
            doc["error"] = error
        if record.exc_info and record.exc_info[1] is not None:
            doc["traceback"] = self._redactor.redact(self.formatException(record.exc_info))
        return json.dumps(doc, ensure_ascii=False)


def setup_logging(
    level: str, secrets: Iterable[str] = (), *, fmt: str = "text"
) -> RedactingFilter:
    """Log to stderr at ``level`` (text or ``json`` lines) with secrets redacted; returns the
    redaction filter."""
    redactor = install_redaction(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(redactor, json_lines=fmt == "json",
                                    tracebacks=logging.getLevelName(level) <= logging.DEBUG))
    handler.addFilter(redactor)  # tracebacks are formatted late: redact them here too
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:  # ours from an earlier call; leave others alone
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs contain the token; the model SDKs
    # log whole request bodies (the paper's text) at DEBUG, discord.py interaction tokens.
    quiet = max(logging.WARNING, logging.getLevelName(level))
    # discord.py's gateway logs every event payload at DEBUG (interaction tokens, messages);
    # its INFO lines (connected, resumed) are worth keeping.
    for chatty in ("discord.gateway", "discord.state"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, logging.getLevelName(level)))
    for noisy in ("httpx", "httpcore", "httpx2", "aiohttp.access", "apscheduler.executors.default",
                  "urllib3", "arxiv", "openai", "google_genai", "google.genai",
                  "discord.http", "discord.webhook"):
        logging.getLogger(noisy).setLevel(quiet)
    return redactor


def reset_logging() -> None:
    """Undo setup_logging (tests): the record factory and our handler."""
    logging.setLogRecordFactory(_base_factory)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
