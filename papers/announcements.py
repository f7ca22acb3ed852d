"""arXiv's announcement rhythm: 20:00 US Eastern, Sunday to Thursday, not on arXiv holidays.

Source: arXiv/arxiv-docs ``source/help/availability.md`` (see docs FACTS.md §7). Two kinds of
date appear here, and every function says which one it takes:

* an **announcement day** is the US Eastern date of the 20:00 ET announcement
  (``announcement_at(day)``);
* a **mailing date** is the day after it: arXiv's feed dates Thursday evening's announcement
  "Friday 00:00 ET", arXiv's listing pages call it Friday's listing, and a reader in Europe or
  Asia reads those papers on Friday morning (``mailing_date``, ``is_quiet_day``).

Holidays are data (``ARXIV_HOLIDAYS``); every function takes ``holidays=`` so that a setting
can add the dates arXiv publishes each year without a code change.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "ANNOUNCEMENT_TIME",
    "ARXIV_HOLIDAYS",
    "ARXIV_TZ",
    "QuietReason",
    "announcement_at",
    "announcement_for_mailing",
    "announcements_between",
    "is_quiet_day",
    "latest_announcement",
    "mailing_date",
    "next_announcement",
    "quiet_reason",
]

ARXIV_TZ = ZoneInfo("America/New_York")
ANNOUNCEMENT_TIME = time(20, 0)
# Monday is 0: arXiv announces Sunday (6) and Monday to Thursday (0-3), never Friday or Saturday.
_ANNOUNCING_WEEKDAYS = frozenset({6, 0, 1, 2, 3})
# The longest run of days without an announcement we search across (a weekend next to a
# holiday week is at most a few days; anything longer means the holiday data is wrong).
_MAX_GAP_DAYS = 21

# Announcement days (ET) on which arXiv does not announce, as arXiv lists them in
# availability.md. A Friday or Saturday in this list changes nothing (no announcement anyway).
ARXIV_HOLIDAYS: frozenset[date] = frozenset(
    {
        # 2025 (arxiv-docs 782dfdf0). arXiv wrote "December Holidays are not yet scheduled".
        date(2025, 1, 1),
        date(2025, 1, 20),
        date(2025, 6, 19),
        date(2025, 7, 6),
        date(2025, 9, 1),
        date(2025, 11, 27),
        # 2026 (arxiv-docs 8332d7e6, FACTS.md §7). 2027 was not published when this was written.
        date(2026, 1, 1),
        date(2026, 1, 19),
        date(2026, 6, 19),
        date(2026, 7, 3),
        date(2026, 9, 7),
        date(2026, 11, 26),
        date(2026, 12, 25),
        date(2026, 12, 29),
        date(2026, 12, 31),
    }
)

QuietReason = Literal["weekend", "holiday"]


def announcement_at(day: date, *, holidays: Collection[date] = ARXIV_HOLIDAYS) -> datetime | None:
    """The 20:00 ET instant arXiv announces on ``day`` (an ET date), or None if it does not."""
    if day.weekday() not in _ANNOUNCING_WEEKDAYS or day in holidays:
        return None
    # 20:00 is never inside a DST gap or fold (those happen at 02:00), so this is unambiguous.
    return datetime.combine(day, ANNOUNCEMENT_TIME, tzinfo=ARXIV_TZ)


def latest_announcement(at: datetime, *, holidays: Collection[date] = ARXIV_HOLIDAYS) -> datetime:
    """The most recent announcement at or before ``at`` (tz-aware): what "today's papers" are."""
    day = _eastern(at).date()
    for _ in range(_MAX_GAP_DAYS):
        announced = announcement_at(day, holidays=holidays)
        if announced is not None and announced <= at:
            return announced
        day -= timedelta(days=1)
    raise ValueError(f"no arXiv announcement in the {_MAX_GAP_DAYS} days before {at.isoformat()}")


def next_announcement(after: datetime, *, holidays: Collection[date] = ARXIV_HOLIDAYS) -> datetime:
    """The first announcement strictly after ``after`` (tz-aware): when to look again."""
    day = _eastern(after).date()
    for _ in range(_MAX_GAP_DAYS):
        announced = announcement_at(day, holidays=holidays)
        if announced is not None and announced > after:
            return announced
        day += timedelta(days=1)
    raise ValueError(f"no arXiv announcement in the {_MAX_GAP_DAYS} days after {after.isoformat()}")


def announcements_between(
    start: datetime, end: datetime, *, holidays: Collection[date] = ARXIV_HOLIDAYS
) -> list[datetime]:
    """Announcements in ``(start, end]``, oldest first: what a digest sent at ``end`` covers
    when the previous one went out at ``start``."""
    found: list[datetime] = []
    day, last = _eastern(start).date(), _eastern(end).date()
    while day <= last:
        announced = announcement_at(day, holidays=holidays)
        if announced is not None and start < announced <= end:
            found.append(announced)
        day += timedelta(days=1)
    return found


def mailing_date(announcement: datetime) -> date:
    """The date arXiv (feed, listing pages) and readers east of New York give an announcement:
    the day after its ET evening (Thursday 20:00 ET → Friday)."""
    return _eastern(announcement).date() + timedelta(days=1)


def announcement_for_mailing(
    day: date, *, holidays: Collection[date] = ARXIV_HOLIDAYS
) -> datetime | None:
    """The announcement whose mailing date is ``day`` (Monday → Sunday 20:00 ET), or None."""
    return announcement_at(day - timedelta(days=1), holidays=holidays)


def quiet_reason(day: date, *, holidays: Collection[date] = ARXIV_HOLIDAYS) -> QuietReason | None:
    """Why the mailing dated ``day`` is empty ("weekend" or "holiday"), or None if it is not.

    Saturday and Sunday mailings are always empty (Friday and Saturday have no announcement);
    any other empty mailing follows an arXiv holiday.
    """
    if announcement_for_mailing(day, holidays=holidays) is not None:
        return None
    return "weekend" if day.weekday() >= 5 else "holiday"


def is_quiet_day(day: date, *, holidays: Collection[date] = ARXIV_HOLIDAYS) -> bool:
    """Whether arXiv sends no new papers for the mailing dated ``day`` (weekend or holiday)."""
    return quiet_reason(day, holidays=holidays) is not None


def _eastern(moment: datetime) -> datetime:
    """``moment`` in US Eastern time; naive datetimes are refused (they have no instant)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is needed, got {moment.isoformat()}")
    return moment.astimezone(ARXIV_TZ)
