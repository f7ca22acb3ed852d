"""Tests for papers.announcements: arXiv's 20:00 ET rhythm, DST, weekends and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from papers.announcements import (
    ARXIV_HOLIDAYS,
    announcement_at,
    announcement_for_mailing,
    announcements_between,
    is_quiet_day,
    latest_announcement,
    mailing_date,
    next_announcement,
    quiet_reason,
)

ET = ZoneInfo("America/New_York")


def _et(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ET)


def _utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def test_week_around_spring_dst_change() -> None:
    """20:00 ET is 01:00 UTC before 2026-03-08 and 00:00 UTC from that Sunday; Fri/Sat none."""
    expected = {
        date(2026, 3, 5): _utc(2026, 3, 6, 1),  # Thursday, EST
        date(2026, 3, 6): None,  # Friday
        date(2026, 3, 7): None,  # Saturday
        date(2026, 3, 8): _utc(2026, 3, 9, 0),  # Sunday: DST began at 02:00 that morning
        date(2026, 3, 9): _utc(2026, 3, 10, 0),
        date(2026, 3, 10): _utc(2026, 3, 11, 0),
        date(2026, 3, 11): _utc(2026, 3, 12, 0),
        date(2026, 3, 12): _utc(2026, 3, 13, 0),
        date(2026, 3, 13): None,
        date(2026, 3, 14): None,
    }
    assert {day: announcement_at(day) for day in expected} == expected
    thursday = announcement_at(date(2026, 3, 5))
    assert thursday is not None and thursday.utcoffset() == timedelta(hours=-5)
    assert (thursday.hour, thursday.minute) == (20, 0)


def test_week_around_autumn_dst_change() -> None:
    """After DST ends (Sunday 2026-11-01) 20:00 ET moves from 00:00 to 01:00 UTC."""
    assert announcement_at(date(2026, 10, 29)) == _utc(2026, 10, 30, 0)
    assert announcement_at(date(2026, 10, 30)) is None
    assert announcement_at(date(2026, 10, 31)) is None
    assert announcement_at(date(2026, 11, 1)) == _utc(2026, 11, 2, 1)
    assert announcement_at(date(2026, 11, 2)) == _utc(2026, 11, 3, 1)


def test_never_on_friday_or_saturday() -> None:
    """No Friday or Saturday of 2025-2027 has an announcement; every other day has one or is a
    listed holiday."""
    for day in _days(date(2025, 1, 1), date(2027, 12, 31)):
        announced = announcement_at(day)
        if day.weekday() in (4, 5):
            assert announced is None, day
        else:
            assert (announced is None) == (day in ARXIV_HOLIDAYS), day


def test_thanksgiving_2026_has_no_announcement() -> None:
    """Thursday 2026-11-26: nothing that evening, so Friday's mailing is a holiday."""
    assert announcement_at(date(2026, 11, 26)) is None
    assert announcement_at(date(2026, 11, 25)) == _et(2026, 11, 25, 20)
    friday_noon = _et(2026, 11, 27, 12)
    assert latest_announcement(friday_noon) == _et(2026, 11, 25, 20)
    assert next_announcement(friday_noon) == _et(2026, 11, 29, 20)
    assert quiet_reason(date(2026, 11, 27)) == "holiday"
    assert is_quiet_day(date(2026, 11, 27))


def test_every_listed_2026_holiday_is_skipped() -> None:
    """FACTS.md §7's 2026 list: no announcement on any of those days."""
    listed = ["01-01", "01-19", "06-19", "07-03", "09-07", "11-26", "12-25", "12-29", "12-31"]
    for month_day in listed:
        day = date.fromisoformat(f"2026-{month_day}")
        assert day in ARXIV_HOLIDAYS
        assert announcement_at(day) is None


def test_latest_announcement_on_saturday_morning_is_thursday_evening() -> None:
    """Saturday 09:00 ET, or Saturday morning in Shanghai, both fall back to Thu 20:00 ET."""
    thursday = _et(2026, 3, 12, 20)
    assert latest_announcement(_et(2026, 3, 14, 9)) == thursday
    shanghai = datetime(2026, 3, 14, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert latest_announcement(shanghai) == thursday


def test_latest_announcement_is_inclusive_and_next_is_strict() -> None:
    """At 20:00 exactly the new announcement counts; a second before, the previous one."""
    tuesday = _et(2026, 3, 10, 20)
    assert latest_announcement(tuesday) == tuesday
    assert latest_announcement(tuesday - timedelta(seconds=1)) == _et(2026, 3, 9, 20)
    assert next_announcement(tuesday) == _et(2026, 3, 11, 20)
    assert next_announcement(_et(2026, 3, 13, 21)) == _et(2026, 3, 15, 20)  # Fri → Sun


def test_announcements_between_over_a_month() -> None:
    """November 2026: 22 Sunday-Thursday evenings minus Thanksgiving, oldest first."""
    found = announcements_between(_et(2026, 11, 1), _et(2026, 12, 1))
    assert len(found) == 21
    assert found == sorted(found)
    days = [a.astimezone(ET).date() for a in found]
    assert date(2026, 11, 26) not in days
    assert all(day.weekday() in (6, 0, 1, 2, 3) for day in days)
    assert all((a.astimezone(ET).hour, a.astimezone(ET).minute) == (20, 0) for a in found)
    assert days[0] == date(2026, 11, 1) and days[-1] == date(2026, 11, 30)


def test_announcements_between_is_half_open() -> None:
    """(start, end]: the announcement a digest already covered is not counted again."""
    monday, tuesday = _et(2026, 3, 9, 20), _et(2026, 3, 10, 20)
    assert announcements_between(monday, tuesday) == [tuesday]
    assert announcements_between(monday, tuesday - timedelta(seconds=1)) == []
    assert announcements_between(_et(2026, 3, 12, 21), _et(2026, 3, 15, 8)) == []  # weekend


def test_mailing_date_is_the_day_after_the_evening() -> None:
    """Thu 20:00 ET → Friday's papers; Sun → Monday; and back again."""
    assert mailing_date(_et(2026, 3, 12, 20)) == date(2026, 3, 13)
    assert mailing_date(_et(2026, 3, 15, 20)) == date(2026, 3, 16)
    # The same instant seen from UTC (already the next day) gives the same mailing date.
    assert mailing_date(_utc(2026, 3, 16, 0)) == date(2026, 3, 16)
    assert announcement_for_mailing(date(2026, 3, 16)) == _et(2026, 3, 15, 20)
    assert announcement_for_mailing(date(2026, 3, 14)) is None


def test_quiet_days_and_their_reasons() -> None:
    """Saturday and Sunday mailings are empty ("weekend"); Monday after a Sunday holiday too."""
    assert quiet_reason(date(2026, 3, 14)) == "weekend"
    assert quiet_reason(date(2026, 3, 15)) == "weekend"
    assert quiet_reason(date(2026, 3, 16)) is None
    assert quiet_reason(date(2026, 3, 13)) is None  # Friday: Thursday's papers
    assert not is_quiet_day(date(2026, 3, 13))
    assert quiet_reason(date(2025, 7, 7)) == "holiday"  # arXiv listed Sunday 2025-07-06


def test_holidays_can_be_supplied() -> None:
    """A settings hook: dates arXiv publishes later are passed in without a code change."""
    mlk_2027 = date(2027, 1, 18)
    assert announcement_at(mlk_2027) == _et(2027, 1, 18, 20)  # 2027 not published yet
    extra = ARXIV_HOLIDAYS | {mlk_2027}
    assert announcement_at(mlk_2027, holidays=extra) is None
    assert latest_announcement(_et(2027, 1, 19, 9), holidays=extra) == _et(2027, 1, 17, 20)
    assert quiet_reason(date(2027, 1, 19), holidays=extra) == "holiday"


def test_naive_datetimes_are_refused() -> None:
    """A naive datetime names no instant; guessing its zone would shift digests by hours."""
    with pytest.raises(ValueError, match="timezone-aware"):
        latest_announcement(datetime(2026, 3, 14, 9))
    with pytest.raises(ValueError, match="timezone-aware"):
        announcements_between(datetime(2026, 3, 1), _et(2026, 3, 2))
