"""Pro-rata and pricing: the issue's worked examples, exact, and split properties."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icasa_ev_subscription.tools.periods import Recurrence, iter_periods
from icasa_ev_subscription.tools.pricing import (
    PricingError,
    apply_floor,
    find_overlap,
    index_formula,
    index_percentage,
    price_at,
    segments,
)
from icasa_ev_subscription.tools.prorata import prorate, quantity_segments, split_amounts, split_period


def test_first_invoice_calendar_aligned_example():
    # 30.00/month calendar-aligned from 2027-01-17: 30 x 15/31 = 14.516... -> 14.52
    assert prorate(Decimal("30.00"), 15, 31) == Decimal("14.52")


def test_credit_on_close_example():
    # closing on 20 March a prepaid March: 11 unused days, 30 x 11/31 = 10.645... -> 10.65
    assert prorate(Decimal("30.00"), 11, 31) == Decimal("10.65")


def test_indexation_formula_example():
    assert index_formula(
        Decimal("30.00"), Decimal("0.2"), Decimal("0.8"), Decimal("100.0"), Decimal("112.5")
    ) == Decimal("33.00")
    with pytest.raises(PricingError):
        index_formula(30, "0.2", "0.8", 0, "112.5")


def test_indexation_percentage_and_floor():
    assert index_percentage(Decimal("30.00"), Decimal("2.5")) == Decimal("30.75")
    assert apply_floor(Decimal("30.00"), Decimal("29.10"), True) == Decimal("30.00")
    assert apply_floor(Decimal("30.00"), Decimal("29.10"), False) == Decimal("29.10")


def test_split_at_price_change():
    # March at 30.00 until 15 March, 36.00 from 16 March: 30 x 15/31 + 36 x 16/31
    steps = [(date(2027, 3, 16), None, Decimal("36.00"))]
    prices = segments(steps, date(2027, 3, 1), date(2027, 3, 31), Decimal("30.00"))
    assert prices == [(date(2027, 3, 1), Decimal("30.00")), (date(2027, 3, 16), Decimal("36.00"))]
    parts = split_period(date(2027, 3, 1), date(2027, 3, 31), 31, prices)
    assert [(s, e, a) for s, e, _p, a in parts] == [
        (date(2027, 3, 1), date(2027, 3, 15), Decimal("14.52")),
        (date(2027, 3, 16), date(2027, 3, 31), Decimal("18.58")),
    ]


def test_price_steps_overlap_and_lookup():
    steps = [(date(2027, 1, 1), date(2027, 6, 30), Decimal("31")), (date(2027, 7, 1), None, Decimal("32"))]
    assert find_overlap(steps) is None
    assert price_at(steps, date(2026, 12, 31), Decimal("30")) == Decimal("30")
    assert price_at(steps, date(2027, 6, 30), Decimal("30")) == Decimal("31")
    assert price_at(steps, date(2030, 1, 1), Decimal("30")) == Decimal("32")
    assert find_overlap([*steps, (date(2027, 6, 1), None, Decimal("40"))]) is not None
    assert find_overlap([(date(2027, 1, 1), None, 1), (date(2027, 1, 1), None, 2)]) is not None
    # successive open steps: each runs until the next one starts
    open_steps = [(date(2027, 1, 1), None, Decimal("31")), (date(2027, 7, 1), None, Decimal("32"))]
    assert find_overlap(open_steps) is None
    assert price_at(open_steps, date(2027, 6, 30), Decimal("30")) == Decimal("31")
    assert price_at(open_steps, date(2027, 7, 1), Decimal("30")) == Decimal("32")
    assert find_overlap([(date(2027, 2, 1), date(2027, 1, 1), 1)]) is not None


prices_st = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 12),
    st.sampled_from(["week", "month", "year"]),
    st.dates(date(2000, 1, 1), date(2090, 12, 31)),
    prices_st,
    st.lists(st.integers(1, 400), max_size=6),
)
def test_parts_add_up_to_the_full_price(n, unit, start, price, cuts):
    # Split each full period of a ten-year horizon at random days: with a constant
    # price the parts add up to the full price, to the cent.
    rec = Recurrence(n, unit)
    for period in iter_periods(start, rec, "anniversary", end=start + timedelta(days=3652)):
        if period.is_partial:
            continue
        days = period.full_days
        points = sorted({c % days for c in cuts if c % days})
        lengths = [b - a for a, b in zip([0, *points], [*points, days], strict=False)]
        amounts = split_amounts([(d, price) for d in lengths], days)
        assert sum(amounts) == price
        assert all(a >= 0 for a in amounts)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(date(2000, 1, 1), date(2090, 12, 31)),
    prices_st,
    st.lists(st.tuples(st.integers(0, 40), prices_st), max_size=4),
)
def test_split_matches_rounded_exact_total(start, base, changes):
    end = start + timedelta(days=30)
    steps = []
    day = start
    for offset, price in changes:
        day = day + timedelta(days=offset + 1)
        steps.append((day, None, price))
    # open-ended steps are replaced by the next one: give each an end
    closed = [
        (d, (steps[i + 1][0] - timedelta(days=1)) if i + 1 < len(steps) else None, p)
        for i, (d, _e, p) in enumerate(steps)
    ]
    parts = split_period(start, end, 31, segments(closed, start, end, base))
    assert parts[0][0] == start and parts[-1][1] == end
    exact = sum(price_at(closed, start + timedelta(days=i), base) for i in range(31)) / 31
    assert sum(a for *_x, a in parts) == exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


def test_quantity_segments():
    # one charger until 20 March, two from 21 March, back to one from 26 March
    changes = [(date(2027, 3, 21), 1), (date(2027, 3, 26), 2)]
    assert quantity_segments(changes, date(2027, 3, 1), date(2027, 3, 31), 1) == [
        (date(2027, 3, 1), date(2027, 3, 20), 1),
        (date(2027, 3, 21), date(2027, 3, 25), 2),
        (date(2027, 3, 26), date(2027, 3, 31), 1),
    ]
    # changes outside the period only decide the quantity in force
    assert quantity_segments(changes, date(2027, 4, 1), date(2027, 4, 30), 1) == [
        (date(2027, 4, 1), date(2027, 4, 30), 1)
    ]
    assert quantity_segments(changes, date(2027, 2, 1), date(2027, 2, 28), 1) == [
        (date(2027, 2, 1), date(2027, 2, 28), 1)
    ]
    assert quantity_segments([], date(2027, 2, 1), date(2027, 2, 28), 3) == [(date(2027, 2, 1), date(2027, 2, 28), 3)]
