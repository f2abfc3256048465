"""When groups meet (server/rooms/schedule.py): wall-clock sessions in the group's own time
zone, through summer time, and when the waiting room is open."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.rooms.schedule import (
    Session,
    current_or_next,
    lobby_opens,
    occurrences,
    timezone,
    timezone_problem,
    upcoming,
)

LONDON = ZoneInfo("Europe/London")


def weekly(first: date, start: time, minutes: int = 90, until: date | None = None) -> Session:
    return Session("s_w", "r", first, start, minutes, weekly=True, until=until)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_a_weekly_group_keeps_its_wall_clock_time_through_summer_time() -> None:
    # Tuesdays at 10:00 in London: 10:00 UTC in winter, 09:00 UTC from the last Sunday of
    # March (29 March 2027).
    series = weekly(date(2027, 3, 16), time(10, 0))
    found = occurrences([series], LONDON, utc(2027, 3, 1), utc(2027, 4, 7))
    assert [o.starts for o in found] == [utc(2027, 3, 16, 10), utc(2027, 3, 23, 10),
                                         utc(2027, 3, 30, 9), utc(2027, 4, 6, 9)]
    assert all(o.ends - o.starts == timedelta(minutes=90) for o in found)


def test_a_series_ends_on_its_last_day_inclusive_and_a_one_off_meets_once() -> None:
    series = weekly(date(2027, 1, 5), time(19, 30), until=date(2027, 1, 19))
    once = Session("s_1", "r", date(2027, 1, 7), time(13, 0), 60)
    found = occurrences([series, once], LONDON, utc(2027, 1, 1), utc(2027, 3, 1))
    assert [(o.session_id, o.starts) for o in found] == [
        ("s_w", utc(2027, 1, 5, 19, 30)), ("s_1", utc(2027, 1, 7, 13)),
        ("s_w", utc(2027, 1, 12, 19, 30)), ("s_w", utc(2027, 1, 19, 19, 30))]


def test_a_meeting_under_way_counts_and_a_long_series_is_not_walked_week_by_week() -> None:
    series = weekly(date(2020, 1, 7), time(10, 0), minutes=60)  # seven years of Tuesdays
    now = utc(2027, 1, 5, 10, 30)  # half way through one
    meeting = current_or_next([series], LONDON, now)
    assert meeting is not None and meeting.starts == utc(2027, 1, 5, 10)
    after = current_or_next([series], LONDON, utc(2027, 1, 5, 11))  # it has just ended
    assert after is not None and after.starts == utc(2027, 1, 12, 10)


def test_the_next_meeting_is_found_however_far_ahead_it_was_planned() -> None:
    far = Session("s_f", "r", date(2099, 1, 6), time(19, 30), 60)
    series = weekly(date(2099, 1, 6), time(10, 0))
    now = utc(2027, 1, 1)
    meeting = current_or_next([far], LONDON, now)
    assert meeting is not None and meeting.starts == utc(2099, 1, 6, 19, 30)
    assert [m.starts for m in upcoming([far, series], LONDON, now, 3)] == [
        utc(2099, 1, 6, 10), utc(2099, 1, 6, 19, 30), utc(2099, 1, 13, 10)]


def test_a_time_in_the_spring_forward_gap_is_the_hour_after() -> None:
    # 01:30 on 28 March 2027 does not exist in London: the clocks go from 01:00 to 02:00.
    gap = Session("s_g", "r", date(2027, 3, 28), time(1, 30), 60)
    [meeting] = occurrences([gap], LONDON, utc(2027, 3, 27), utc(2027, 3, 29))
    assert meeting.starts == utc(2027, 3, 28, 1, 30)  # 02:30 summer time


def test_other_time_zones_place_meetings_in_their_own_day() -> None:
    karachi = timezone("Asia/Karachi")  # UTC+5, no summer time
    series = weekly(date(2027, 1, 4), time(21, 0))
    [meeting] = occurrences([series], karachi, utc(2027, 1, 4), utc(2027, 1, 5))
    assert meeting.starts == utc(2027, 1, 4, 16)


def test_the_waiting_room_opens_before_each_meeting_until_it_ends() -> None:
    series = weekly(date(2027, 1, 5), time(10, 0), minutes=60)
    assert lobby_opens([], LONDON, 15, utc(2027, 1, 5, 3)) == (True, None)  # no schedule
    closed, meeting = lobby_opens([series], LONDON, 15, utc(2027, 1, 5, 9, 44))
    assert not closed and meeting is not None and meeting.starts == utc(2027, 1, 5, 10)
    assert lobby_opens([series], LONDON, 15, utc(2027, 1, 5, 9, 45))[0]
    assert lobby_opens([series], LONDON, 15, utc(2027, 1, 5, 10, 59))[0]
    assert not lobby_opens([series], LONDON, 15, utc(2027, 1, 5, 11, 0))[0]
    ended = weekly(date(2026, 1, 6), time(10, 0), until=date(2026, 2, 3))
    assert lobby_opens([ended], LONDON, 15, utc(2027, 1, 5, 10)) == (False, None)


@pytest.mark.parametrize("name", ["Mars/Base", "../../etc/passwd", "", "europe/london",
                                  "Europe/London\x00"])
def test_only_known_time_zones_are_taken(name: str) -> None:
    assert timezone_problem(name)
    with pytest.raises(ValueError):
        timezone(name)
    assert timezone_problem("Europe/Warsaw") is None
