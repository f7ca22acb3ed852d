"""What paperboy says about itself: the start-up line and ``paperboy status`` (text or JSON).

Both read the database through their own read-only connection (``storage.stats``), so asking
a running bot for its status never blocks or changes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from importlib import metadata
from typing import Any

from config.settings import Settings
from storage import stats

WINDOW = timedelta(hours=24)


def version() -> str:
    """The installed package's version (``0.1.0``); "unknown" in a checkout never installed."""
    try:
        return metadata.version("paperboy")
    except metadata.PackageNotFoundError:
        return "unknown"


def model_of(settings: Settings) -> str | None:
    """The model the summarizer backend calls (None for the extractive one)."""
    backend = settings.summarizer_backend
    return {"gemini": settings.gemini.model, "openai": settings.openai.model}.get(backend)


def configured_platforms(settings: Settings) -> list[str]:
    """The chat platforms ``paperboy run`` starts with these settings."""
    names = [name for name, token in (("telegram", settings.telegram.token),
                                      ("discord", settings.discord.token)) if token is not None]
    return names or ["console"]


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


def startup_line(settings: Settings, platforms: Sequence[str]) -> str:
    """The one INFO line that says what started, with what, and what comes next."""
    with stats.read_only(settings.storage.path) as conn:
        counts = stats.counts(conn)
    model = model_of(settings)
    config = settings.config_file or "none (defaults and environment)"
    summarizer = settings.summarizer_backend + (f" ({model})" if model else "")
    due = _ts(counts.next_due_at) or "none scheduled"
    return (
        f"paperboy {version()} started: config {config}, database {settings.storage.path}, "
        f"summarizer {summarizer}, platforms {', '.join(platforms)}; {counts.chats} chats, "
        f"{counts.subscriptions} subscriptions, next digest due {due}"
    )


def gather(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """Every fact ``paperboy status`` shows, as a JSON-ready document."""
    now = now or datetime.now(UTC)
    with stats.read_only(settings.storage.path) as conn:
        counts = stats.counts(conn)
        recent = stats.activity(conn, now, WINDOW)
    return {
        "version": version(),
        "config_file": str(settings.config_file) if settings.config_file else None,
        "database": str(settings.storage.path),
        "summarizer": {"backend": settings.summarizer_backend, "model": model_of(settings)},
        "platforms": configured_platforms(settings),
        "chats": counts.chats,
        "deactivated_chats": counts.deactivated_chats,
        "subscriptions": counts.subscriptions,
        "next_digest_due": _ts(counts.next_due_at),
        "last_cycle": {"cycle": recent.last_cycle, "fetched_at": _ts(recent.last_fetched_at)},
        "digests_24h": {"sent": recent.digests_sent, "failed": recent.digests_failed,
                        "pending": recent.digests_pending},
        "model_summaries_24h": recent.model_summaries,
        "requested_summaries_last_hour": recent.requested_last_hour,
        # Model calls are counted by the summaries they produced; token counts are not stored.
        "tokens_used": None,
    }


def render_text(doc: dict[str, Any]) -> str:
    """``paperboy status`` for people: one fact per line."""
    cycle = doc["last_cycle"]
    digests = doc["digests_24h"]
    model = doc["summarizer"]["model"]
    calls = ", ".join(f"{n} by {name}" for name, n in doc["model_summaries_24h"].items()) or "none"
    rows = [
        ("version", doc["version"]),
        ("config file", doc["config_file"] or "none (defaults and environment)"),
        ("database", doc["database"]),
        ("summarizer", doc["summarizer"]["backend"] + (f" ({model})" if model else "")),
        ("platforms", ", ".join(doc["platforms"]) + " (configured)"),
        ("chats", f"{doc['chats']} active, {doc['deactivated_chats']} deactivated"),
        ("subscriptions", str(doc["subscriptions"])),
        ("next digest due", doc["next_digest_due"] or "none scheduled"),
        ("last cycle fetched", f"{cycle['cycle']} (at {cycle['fetched_at']})"
         if cycle["cycle"] else "none yet"),
        ("digests, last 24 h", f"{digests['sent']} sent, {digests['failed']} with failed sends, "
                               f"{digests['pending']} pending"),
        ("model summaries, 24 h", calls),
        ("asked for, last hour", f"{doc['requested_summaries_last_hour']} new summaries"),
        ("tokens used", "not recorded"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name + ':':<{width + 1}} {value}" for name, value in rows)


def render_json(doc: dict[str, Any]) -> str:
    """``paperboy status --format json`` for scripts and health checks."""
    return json.dumps(doc, ensure_ascii=False, indent=2)
