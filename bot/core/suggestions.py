"""Suggestions while someone types an argument (Discord's autocomplete): this chat's topics,
time zones, languages. Neutral: any platform with type-ahead can show them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.chat_settings import all_timezones
from bot.core.registry import ArgKind
from storage.models import ChatRef
from storage.repository import Repository
from summarizer.prompts import LANGUAGE_NAMES

MAX_SUGGESTIONS = 25  # Discord shows at most 25 choices
_MAX_LENGTH = 100  # a choice's name and value: at most 100 characters each


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One choice: what the list shows, and what the argument becomes when picked."""

    name: str
    value: str


def suggest(repo: Repository, chat: ChatRef, kind: ArgKind, typed: str) -> list[Suggestion]:
    """Up to 25 choices for an argument of ``kind`` that match what was typed so far."""
    if kind is ArgKind.SUBSCRIPTION:
        options = [
            Suggestion(f"{n}. {sub.label}", str(n))
            for n, sub in enumerate(repo.subscriptions_for(chat), 1)
        ]
        if len(options) > 1:
            options.append(Suggestion("all of them", "all"))
    elif kind is ArgKind.TIMEZONE:
        options = [Suggestion(zone, zone) for zone in all_timezones()]
    elif kind is ArgKind.LANGUAGE:
        options = [Suggestion(f"{name} ({code})", code) for code, name in LANGUAGE_NAMES.items()]
    else:
        return []
    return _best(options, typed)


def _best(options: list[Suggestion], typed: str) -> list[Suggestion]:
    """Matches first by prefix (of the name or a word in it), then anywhere; clipped to limits."""
    wanted = typed.strip().casefold().replace(" ", "_")
    if not wanted:
        chosen = options
    else:
        def keys(s: Suggestion) -> list[str]:
            name = s.name.casefold().replace(" ", "_")
            return [name, s.value.casefold(), *name.replace("/", "_").split("_")]

        prefix = [s for s in options if any(k.startswith(wanted) for k in keys(s))]
        inside = [s for s in options if s not in prefix and wanted in "|".join(keys(s))]
        chosen = prefix + inside
    return [
        Suggestion(_clip(s.name), s.value[:_MAX_LENGTH]) for s in chosen[:MAX_SUGGESTIONS]
    ]


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_LENGTH else text[: _MAX_LENGTH - 1] + "…"
