"""Property and example tests of the exact money split used by milestone billing."""

from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from icasa_ev_billing.tools.schedule import instalment_dates
from icasa_ev_billing.tools.split import (
    allocate_lines,
    from_minor,
    milestone_amounts,
    round_half_up,
    split_total,
    spread,
    to_minor,
)

totals = st.integers(min_value=0, max_value=10**11)
counts = st.integers(min_value=1, max_value=60)


@st.composite
def percent_shares(draw):
    """Percentages with two decimals, each > 0, adding up to exactly 100."""
    n = draw(st.integers(min_value=1, max_value=24))
    cuts = sorted(draw(st.lists(st.integers(1, 9999), min_size=n - 1, max_size=n - 1, unique=True)))
    bounds = [0, *cuts, 10000]
    return [Decimal(b - a) / 100 for a, b in pairwise(bounds)]


# --- examples worked out by hand -------------------------------------------------------


def test_issue_worked_example_milestones():
    # 1,740.00 untaxed, plan 30/50/20
    assert split_total(174000, [30, 50, 20]) == [52200, 87000, 34800]


def test_issue_worked_example_lines():
    # wallbox 1,080.00 (1,200 - 10%), installation 450, activation 90, inspection 120
    parts = allocate_lines([108000, 45000, 9000, 12000], [52200, 87000, 34800])
    assert parts == [
        [32400, 13500, 2700, 3600],
        [54000, 22500, 4500, 6000],
        [21600, 9000, 1800, 2400],
    ]


def test_thirds_as_percentages():
    # 100.00 in 33.33 / 33.33 / 33.34: cumulative 33.33, 66.66, 100.00
    assert split_total(10000, ["33.33", "33.33", "33.34"]) == [3333, 3333, 3334]
    # 100.01: round(33.333333)=33.33, round(66.666666)=66.67 (half-up on .6666), 100.01
    assert split_total(10001, ["33.33", "33.33", "33.34"]) == [3333, 3334, 3334]


def test_three_equal_thirds():
    assert split_total(10000, [1, 1, 1], "weight") == [3333, 3334, 3333]
    assert split_total(100, [1, 1, 1], "weight") == [33, 34, 33]


def test_seven_instalments_of_one_thousand():
    parts = split_total(100000, [1] * 7, "weight")
    # 1000/7 = 142.857142...; cumulative rounding: 142.86, 285.71, 428.57, 571.43, 714.29, 857.14, 1000.00
    assert parts == [14286, 14285, 14286, 14286, 14286, 14285, 14286]
    assert sum(parts) == 100000


def test_fixed_parts_must_match_total():
    assert split_total(1000, [300, 700], "fixed") == [300, 700]
    with pytest.raises(ValueError):
        split_total(1000, [300, 600], "fixed")


def test_float_shares_read_exactly():
    # 0.1 + 0.2 as floats is not 0.3; read through repr the shares are exact
    assert split_total(1000, [0.1, 0.2, 99.7]) == [1, 2, 997]


def test_round_half_up_and_minor_units():
    assert round_half_up(Decimal("2.5")) == 3
    assert round_half_up(Decimal("-2.5")) == -3
    assert round_half_up(Decimal("2.4999")) == 2
    assert to_minor(1.005) == 101  # repr(1.005) is '1.005', exact half goes up
    assert to_minor("-12.345") == -1235
    assert from_minor(210540) == 2105.40


def test_negative_discount_line_is_allocated():
    # 1,000.00 hardware, -100.00 order discount line, 50/50
    parts = allocate_lines([100000, -10000], [45000, 45000])
    assert parts == [[50000, -5000], [50000, -5000]]


def test_already_invoiced_and_changed_order():
    # 30% of 1,000.00 invoiced; then the order grows to 1,200.00: the open milestones absorb 200.00
    amounts = milestone_amounts(120000, split_total(120000, [30, 50, 20]), [30000, None, None])
    # targets 360.00/600.00/240.00; gap = 1200 - 300 - 840 = 60.00 spread 600:240 -> 42.86 / 17.14
    assert amounts == [30000, 64286, 25714]
    assert sum(amounts) == 120000
    parts = allocate_lines([120000], amounts[1:], already_invoiced=[30000])
    assert parts == [[64286], [25714]]


def test_everything_invoiced_and_gap_is_refused():
    with pytest.raises(ValueError):
        milestone_amounts(1000, [400, 600], [400, 500])


def test_spread_equal_when_weights_are_zero():
    assert spread(5, [0, 0]) == [3, 2]


def test_instalment_dates_month_end_safe():
    assert instalment_dates(date(2025, 1, 31), 4, "month") == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
    ]
    assert instalment_dates(date(2024, 2, 29), 2, "year") == [date(2024, 2, 29), date(2025, 2, 28)]
    assert instalment_dates(date(2025, 12, 29), 2, "week") == [date(2025, 12, 29), date(2026, 1, 5)]
    with pytest.raises(ValueError):
        instalment_dates(date(2025, 1, 1), 0, "month")


# --- properties ------------------------------------------------------------------------------


@given(totals, percent_shares())
def test_percent_parts_add_up_and_are_not_negative(total, shares):
    parts = split_total(total, shares)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    # each cumulative amount is the rounded cumulative share of the total
    running = 0
    cumulative = Decimal(0)
    for share, part in zip(shares, parts, strict=True):
        running += part
        cumulative += share
        assert running == round_half_up(Decimal(total) * cumulative / 100)


@given(totals, counts)
def test_equal_instalments_differ_by_at_most_one_cent(total, n):
    parts = split_total(total, [1] * n, "weight")
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    assert max(parts) - min(parts) <= 1


@given(
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12),
    st.lists(st.integers(min_value=-(10**7), max_value=0), max_size=3),
    percent_shares(),
)
def test_allocation_rows_and_columns_are_exact(positive_lines, discount_lines, shares):
    lines = positive_lines + discount_lines
    total = sum(lines)
    assume(total >= 0)
    amounts = split_total(total, shares)
    parts = allocate_lines(lines, amounts)
    for row, amount in zip(parts, amounts, strict=True):
        assert sum(row) == amount
    for i, line in enumerate(lines):
        column = [row[i] for row in parts]
        assert sum(column) == line
        if line >= 0:
            assert all(p >= 0 for p in column)
        else:
            assert all(p <= 0 for p in column)


@given(
    st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=8),
    percent_shares(),
    st.data(),
)
def test_allocation_after_partial_invoicing(lines, shares, data):
    """Invoice a prefix of the milestones, then allocate the rest: still exact per line."""
    total = sum(lines)
    amounts = split_total(total, shares)
    done = data.draw(st.integers(min_value=0, max_value=len(amounts)))
    first = allocate_lines(lines, amounts)[:done]
    invoiced = [sum(row[i] for row in first) for i in range(len(lines))]
    rest = amounts[done:]
    if not rest:
        assert invoiced == lines
        return
    later = allocate_lines(lines, rest, already_invoiced=invoiced)
    for i, line in enumerate(lines):
        assert invoiced[i] + sum(row[i] for row in later) == line
        assert all(row[i] >= 0 for row in later)


@given(totals, st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=20))
def test_spread_is_exact_and_not_negative(amount, weights):
    parts = spread(amount, weights)
    assert sum(parts) == amount
    assert all(p >= 0 for p in parts)


@given(totals, percent_shares(), st.data())
def test_open_milestones_absorb_order_changes(total, shares, data):
    targets = split_total(total, shares)
    invoiced = [t if data.draw(st.booleans()) else None for t in targets]
    assume(any(i is None for i in invoiced))
    new_total = total + data.draw(st.integers(min_value=0, max_value=10**6))
    amounts = milestone_amounts(new_total, targets, invoiced)
    assert sum(amounts) == new_total
    assert all(a >= 0 for a in amounts)
    for inv, amount in zip(invoiced, amounts, strict=True):
        if inv is not None:
            assert amount == inv
