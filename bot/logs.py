"""Logging set-up: one stderr handler, secrets redacted from every record, chatty libraries quieted."""

from __future__ import annotations

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


def setup_logging(level: str, secrets: Iterable[str] = ()) -> RedactingFilter:
    """Log to stderr at ``level`` with secrets redacted; returns the redaction filter."""
    redactor = install_redaction(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
