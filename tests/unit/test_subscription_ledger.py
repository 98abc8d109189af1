"""The ledger's arithmetic: the days a period served, and what is left to bill."""

import itertools
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from icasa_ev_subscription.tools import ledger

D = date.fromisoformat


def test_pause_resumed_the_same_day_serves_every_day_in_one_range():
    assert ledger.served_ranges(
        D("2027-03-01"), D("2027-03-31"), D("2027-03-01"), None, [(D("2027-03-15"), D("2027-03-15"))]
    ) == [(D("2027-03-01"), D("2027-03-31"))]


def test_pause_and_close():
    # paused 10-14 March (resumed on the 15th), closed on the 20th
    assert ledger.served_ranges(
        D("2027-03-01"), D("2027-03-31"), D("2027-03-01"), D("2027-03-20"), [(D("2027-03-10"), D("2027-03-15"))]
    ) == [(D("2027-03-01"), D("2027-03-09")), (D("2027-03-15"), D("2027-03-20"))]


def test_keep_started_serves_the_period_in_full_unless_closed_before_it():
    start, end = D("2027-03-01"), D("2027-03-31")
    assert ledger.served_ranges(start, end, start, D("2027-03-05"), keep_started=True) == [(start, end)]
    assert ledger.served_ranges(start, end, start, D("2027-02-27"), keep_started=True) == []


def test_deltas_to_the_cent():
    assert ledger.deltas({1: "30.00", 2: "4.50"}, {1: 30.0, 2: 9.0, 3: 1.0}) == {
        2: ledger.prorata.quantize("-4.50"),
        3: ledger.prorata.quantize("-1.00"),
    }


days = st.integers(min_value=0, max_value=60)


@given(
    first=days,
    length=st.integers(min_value=0, max_value=60),
    pauses=st.lists(st.tuples(days, st.one_of(st.none(), st.integers(min_value=0, max_value=30))), max_size=4),
    close=st.one_of(st.none(), days),
)
def test_served_ranges_are_exactly_the_served_days(first, length, pauses, close):
    base = D("2027-01-01")
    start = base + timedelta(days=first)
    end = start + timedelta(days=length)
    pause_dates = [(base + timedelta(days=p), None if d is None else base + timedelta(days=p + d)) for p, d in pauses]
    last_day = None if close is None else base + timedelta(days=close)
    ranges = ledger.served_ranges(start, end, base, last_day, pause_dates)
    # sorted, disjoint, never adjacent: each run of served days is one range
    for (_a, b), (c, _d) in itertools.pairwise(ranges):
        assert b + timedelta(days=1) < c
    covered = {a + timedelta(days=i) for a, b in ranges for i in range((b - a).days + 1)}
    expected = set()
    day = start
    while day <= end:
        paused = any(p <= day and (r is None or day < r) for p, r in pause_dates)
        if (last_day is None or day <= last_day) and not paused:
            expected.add(day)
        day += timedelta(days=1)
    assert covered == expected
