"""Read chat settings the way people type them: "7:30pm", "europe/berlin", "utc+8", "Japanese".

Each ``parse_*``/``resolve_*`` function returns the value to store or raises ``SettingError``
whose message is shown to the user as is.
"""

from __future__ import annotations

import difflib
import functools
import re
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from storage.models import MAX_PAPERS_LIMIT
from summarizer.prompts import LANGUAGE_NAMES

__all__ = [
    "SettingError",
    "all_timezones",
    "language_label",
    "parse_max_papers",
    "parse_switch",
    "parse_time",
    "resolve_language",
    "resolve_timezone",
    "timezone_label",
]

TIME_EXAMPLES = "e.g. /time 07:30 or /time 19:00 (7am and 7:30pm work too)"
ZONE_EXAMPLES = (
    "a name like Europe/Berlin, America/New_York or Asia/Shanghai, or an offset like UTC+8"
)

_CLOCK = re.compile(r"(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2})|h)?(?P<half>am|pm)?")
_COMPACT_CLOCK = re.compile(r"(?P<h>\d{2})(?P<m>\d{2})")
_OFFSET = re.compile(r"(?:utc|gmt)?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?")
_UTC_NAMES = {"utc", "gmt", "z", "zulu", "utc0", "gmt0", "etc/utc", "universal"}
# Places people name that are not the zone's own city.
_PLACES = {
    "beijing": "Asia/Shanghai",
    "china": "Asia/Shanghai",
    "delhi": "Asia/Kolkata",
    "new_delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "india": "Asia/Kolkata",
    "san_francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "munich": "Europe/Berlin",
    "germany": "Europe/Berlin",
}
_SWITCH = {
    "on": True, "yes": True, "true": True, "1": True, "enable": True, "enabled": True,
    "off": False, "no": False, "false": False, "0": False, "disable": False, "disabled": False,
}  # fmt: skip


class SettingError(ValueError):
    """A setting value the user typed cannot be used; the message says what to send instead."""


def parse_time(text: str) -> str:
    """A time of day as "HH:MM" (24h) from "07:30", "7:30", "07.30", "0730", "7am", "7:30 pm"."""
    raw = text.strip()
    value = re.sub(r"\s+", "", raw.lower())
    value = re.sub(r"([ap])\.?m\.?$", r"\1m", value)
    value = {"noon": "12:00", "midnight": "00:00"}.get(value, value)
    match = _CLOCK.fullmatch(value) or _COMPACT_CLOCK.fullmatch(value)
    if match is not None:
        hour, minute = int(match["h"]), int(match["m"] or 0)
        half = match.groupdict().get("half")
        if half and 1 <= hour <= 12:
            hour = hour % 12 + (12 if half == "pm" else 0)
        elif half:
            hour = 99
        if hour <= 23 and minute <= 59:
            return f"{hour:02d}:{minute:02d}"
    raise SettingError(f"“{raw}” is not a time of day. Use 24-hour HH:MM, {TIME_EXAMPLES}.")


@functools.cache
def _zones() -> dict[str, str]:
    """Every IANA zone name, keyed by its lower-case form."""
    names = available_timezones() - {"localtime", "Factory"}
    return {name.lower(): name for name in names}


def all_timezones() -> list[str]:
    """Every IANA zone name, sorted (for suggestions while typing)."""
    return sorted(_zones().values())


@functools.cache
def _cities() -> dict[str, list[str]]:
    """Zone names keyed by their last part: "berlin" → ["Europe/Berlin"]."""
    found: dict[str, list[str]] = {}
    for name in sorted(_zones().values()):
        if "/" in name and not name.startswith("Etc/"):
            found.setdefault(name.rsplit("/", 1)[1].lower(), []).append(name)
    return found


def resolve_timezone(text: str) -> str:
    """The IANA name for what the user typed: any case, a city, "UTC", or a whole-hour offset."""
    raw = " ".join(text.split())
    key = raw.replace(" ", "_").lower()
    if key in _UTC_NAMES:
        return "UTC"
    offset = _OFFSET.fullmatch(key)
    if offset is not None:
        return _offset_zone(raw, offset)
    zones, cities = _zones(), _cities()
    if key in zones:
        return zones[key]
    if key in _PLACES:
        return _PLACES[key]
    if len(cities.get(key, [])) == 1:
        return cities[key][0]
    close = difflib.get_close_matches(key, [*zones, *cities, *_PLACES], n=3, cutoff=0.75)
    names = list(dict.fromkeys(zones.get(c) or _PLACES.get(c) or cities[c][0] for c in close))
    hint = f" Did you mean {_one_of(names)}?" if names else ""
    raise SettingError(f"I don't know the time zone “{raw}”.{hint} Use {ZONE_EXAMPLES}.")


def _one_of(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _offset_zone(raw: str, offset: re.Match[str]) -> str:
    hours, minutes = int(offset["h"]), int(offset["m"] or 0)
    if minutes:
        raise SettingError(
            f"“{raw}” has minutes: for such places use a city name, e.g. Asia/Kolkata "
            "(UTC+5:30) or Asia/Kathmandu (UTC+5:45)."
        )
    signed = hours if offset["sign"] == "+" else -hours
    if not -12 <= signed <= 14:
        raise SettingError(f"“{raw}” is not a real UTC offset: they run from UTC-12 to UTC+14.")
    if signed == 0:
        return "UTC"
    # POSIX-style names count the other way: Etc/GMT-8 is eight hours *ahead* of UTC.
    return f"Etc/GMT{'-' if signed > 0 else '+'}{hours}"


def timezone_label(name: str) -> str:
    """How to show a zone: its name, or "UTC+08:00" for the back-to-front ``Etc/GMT-8``."""
    if not name.startswith("Etc/GMT") or name in ("Etc/GMT", "Etc/GMT0"):
        return name
    offset = ZoneInfo(name).utcoffset(datetime(2000, 1, 1))
    assert offset is not None
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@functools.cache
def _language_names() -> dict[str, str]:
    """Codes keyed by English and native names: "japanese", "日本語" → "ja"."""
    found: dict[str, str] = {"chinese": "zh", "中文": "zh"}
    for code, name in LANGUAGE_NAMES.items():
        english, _, native = name.partition(" (")
        for key in (english.lower(), native.rstrip(")").lower()):
            if key:
                found.setdefault(key, code)
    return found


def resolve_language(text: str) -> str:
    """The language code for a code or a name ("ja", "JA", "Japanese", "日本語")."""
    raw = " ".join(text.split())
    code = raw.lower().replace("_", "-")
    if code in LANGUAGE_NAMES:
        return code
    if code in _language_names():
        return _language_names()[code]
    codes = ", ".join(c for c in LANGUAGE_NAMES if "-" not in c)
    raise SettingError(f"I can't write in “{raw}” yet. Choose one of: {codes}.")


def language_label(code: str) -> str:
    """A language for people: "Japanese (日本語), code ja"."""
    name = LANGUAGE_NAMES.get(code)
    return f"{name}, code {code}" if name else code


def parse_switch(text: str) -> bool:
    """On or off from "on"/"off", "yes"/"no", "true"/"false", "1"/"0", "enable"/"disable"."""
    value = _SWITCH.get(text.strip().lower())
    if value is None:
        raise SettingError(f"“{text.strip()}” is neither on nor off.")
    return value


def parse_max_papers(text: str) -> int:
    """How many papers a digest may carry, 1..MAX_PAPERS_LIMIT."""
    raw = text.strip()
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise SettingError(
            f"“{raw}” is not a number. Send /max followed by a number from 1 to "
            f"{MAX_PAPERS_LIMIT}, e.g. /max 5."
        )
    value = int(raw)
    if not 1 <= value <= MAX_PAPERS_LIMIT:
        raise SettingError(f"Pick a number from 1 to {MAX_PAPERS_LIMIT} (you sent {value}).")
    return value
