"""Period engine: worked examples and hypothesis properties."""

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icasa_ev_subscription.tools.periods import (
    PeriodError,
    Recurrence,
    boundary,
    due_date,
    iter_periods,
    period_containing,
    periods_due,
    restart_anchor_day,
)

MONTHLY = Recurrence(1, "month")


def test_month_ends_never_drift():
    starts = [p.start for p in iter_periods(date(2027, 1, 31), MONTHLY, "anniversary", end=date(2027, 6, 30))]
    assert starts == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
        date(2027, 6, 30),
    ]


def test_leap_year_february():
    starts = [p.start for p in iter_periods(date(2028, 1, 31), MONTHLY, "anniversary", end=date(2028, 3, 31))]
    assert starts == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]
    yearly = Recurrence(1, "year")
    starts = [p.start for p in iter_periods(date(2028, 2, 29), yearly, "anniversary", end=date(2032, 12, 31))]
    assert starts == [date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28), date(2031, 2, 28), date(2032, 2, 29)]


def test_calendar_alignment_prorata_first_period():
    periods = list(iter_periods(date(2027, 1, 17), MONTHLY, "calendar", end=date(2027, 3, 31)))
    first = periods[0]
    assert (first.start, first.end, first.full_start, first.full_end) == (
        date(2027, 1, 17),
        date(2027, 1, 31),
        date(2027, 1, 1),
        date(2027, 1, 31),
    )
    assert (first.days, first.full_days) == (15, 31)
    assert [(p.start, p.end) for p in periods[1:]] == [
        (date(2027, 2, 1), date(2027, 2, 28)),
        (date(2027, 3, 1), date(2027, 3, 31)),
    ]
    assert not periods[1].is_partial


def test_calendar_weeks_and_quarters_and_years():
    week = period_containing(date(2026, 11, 25), Recurrence(1, "week"), "calendar", date(2026, 11, 25))
    assert (week.start, week.end, week.full_start) == (date(2026, 11, 25), date(2026, 11, 29), date(2026, 11, 23))
    quarter = period_containing(date(2027, 5, 10), Recurrence(3, "month"), "calendar", date(2027, 5, 10))
    assert (quarter.full_start, quarter.end) == (date(2027, 4, 1), date(2027, 6, 30))
    year = period_containing(date(2027, 5, 10), Recurrence(1, "year"), "calendar", date(2027, 5, 10))
    assert (year.start, year.end, year.full_days) == (date(2027, 5, 10), date(2027, 12, 31), 365)


def test_partial_last_period_at_end_date():
    periods = list(iter_periods(date(2027, 1, 1), MONTHLY, "anniversary", end=date(2027, 3, 20)))
    last = periods[-1]
    assert (last.start, last.end, last.days, last.full_days) == (date(2027, 3, 1), date(2027, 3, 20), 20, 31)
    assert len(periods) == 3


def test_due_dates():
    period = period_containing(date(2027, 1, 1), MONTHLY, "anniversary", date(2027, 2, 10))
    assert due_date(period, "prepaid") == date(2027, 2, 1)
    assert due_date(period, "prepaid", 5) == date(2027, 1, 27)
    assert due_date(period, "postpaid") == date(2027, 3, 1)


def test_periods_due_catches_up():
    due = periods_due(date(2027, 1, 1), MONTHLY, "anniversary", "prepaid", date(2027, 4, 1))
    assert [p.start for p in due] == [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1), date(2027, 4, 1)]
    due = periods_due(date(2027, 1, 1), MONTHLY, "anniversary", "postpaid", date(2027, 4, 1), first=date(2027, 2, 1))
    assert [p.start for p in due] == [date(2027, 2, 1), date(2027, 3, 1)]


def test_refusals():
    with pytest.raises(PeriodError):
        Recurrence(0, "month")
    with pytest.raises(PeriodError):
        Recurrence(-2, "week")
    with pytest.raises(PeriodError):
        Recurrence(1, "day")
    with pytest.raises(PeriodError):
        list(iter_periods(date(2027, 3, 1), MONTHLY, "anniversary", end=date(2027, 2, 1)))


recurrences = st.builds(Recurrence, st.integers(1, 12), st.sampled_from(["week", "month", "year"]))
starts = st.dates(date(2000, 1, 1), date(2090, 12, 31))


@settings(max_examples=300, deadline=None)
@given(recurrences, starts, st.sampled_from(["anniversary", "calendar"]), st.integers(0, 3652))
def test_no_gap_no_overlap_over_ten_years(rec, start, alignment, end_offset):
    end = start + timedelta(days=end_offset)
    periods = list(iter_periods(start, rec, alignment, end=end))
    assert periods[0].start == start
    assert periods[-1].end == end
    for a, b in itertools.pairwise(periods):
        assert b.start == a.end + timedelta(days=1)
        assert a.full_end == a.end and b.full_start == b.start
    for p in periods:
        assert p.full_start <= p.start <= p.end <= p.full_end


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 12), starts)
def test_month_ends_do_not_drift(n, start):
    rec = Recurrence(n, "month")
    periods = list(iter_periods(start, rec, "anniversary", end=start + timedelta(days=3652)))
    for k, p in enumerate(periods):
        # each boundary is the anchor day, or the month's last day when the month is shorter
        assert p.start == boundary(start, rec, k)
        assert p.start.day == start.day or (p.start + timedelta(days=1)).day == 1


def test_restarted_grid_keeps_the_month_end():
    # anchored on 31 January, billed monthly until 27 February, then quarterly from 28 February
    start = date(2027, 1, 31)
    restart = date(2027, 2, 28)
    day = restart_anchor_day(start, restart, "month")
    assert day == 31
    starts = [p.start for p in iter_periods(restart, Recurrence(3, "month", day), "anniversary", end=date(2028, 2, 29))]
    assert starts == [date(2027, 2, 28), date(2027, 5, 31), date(2027, 8, 31), date(2027, 11, 30), date(2028, 2, 29)]
    # a restart on the anchor day itself, or mid-month, needs nothing
    assert restart_anchor_day(start, date(2027, 3, 31), "month") is None
    assert restart_anchor_day(date(2027, 1, 15), date(2027, 2, 15), "month") is None
    assert restart_anchor_day(start, date(2027, 2, 14), "month") is None
    assert restart_anchor_day(start, restart, "week") is None
    with pytest.raises(PeriodError):
        Recurrence(1, "month", 32)


@settings(max_examples=300, deadline=None)
@given(starts, st.integers(1, 12), st.integers(1, 12), st.integers(0, 40), st.sampled_from(["month", "year"]))
def test_plan_change_keeps_month_ends(start, n, n2, j, unit2):
    # billed on an anniversary grid of n months up to boundary j, then a plan of n2 months or years
    old = Recurrence(n, "month")
    restart = boundary(start, old, j)
    new = Recurrence(n2, unit2, restart_anchor_day(start, restart, unit2))
    periods = list(iter_periods(restart, new, "anniversary", end=restart + timedelta(days=3652)))
    assert periods[0].start == restart
    for a, b in itertools.pairwise(periods):
        assert b.start == a.end + timedelta(days=1)
    for p in periods:
        # each start is the anniversary day, or the month's last day when the month is shorter
        assert p.start.day == start.day or (p.start.day < start.day and (p.start + timedelta(days=1)).day == 1)
