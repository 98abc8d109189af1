"""The overview's MRR on a day and its change month over month, to the cent."""

from datetime import date
from decimal import Decimal

from icasa_ev_subscription.tools.dashboard import (
    Subscription,
    change,
    month_ends,
    mrr_on,
    previous_month_end,
    serves,
)


def test_serves_from_start_to_last_day_outside_pauses():
    sub = Subscription(
        start=date(2027, 1, 10),
        mrr_minor=3000,
        last_day=date(2027, 6, 30),
        pauses=((date(2027, 3, 1), date(2027, 4, 1)),),
    )
    assert not serves(sub, date(2027, 1, 9))
    assert serves(sub, date(2027, 1, 10))
    assert serves(sub, date(2027, 2, 28))
    assert not serves(sub, date(2027, 3, 1))
    assert not serves(sub, date(2027, 3, 31))
    assert serves(sub, date(2027, 4, 1))  # resumed on 1 April
    assert serves(sub, date(2027, 6, 30))
    assert not serves(sub, date(2027, 7, 1))


def test_still_paused():
    sub = Subscription(start=date(2027, 1, 1), mrr_minor=450, pauses=((date(2027, 2, 15), None),))
    assert serves(sub, date(2027, 2, 14))
    assert not serves(sub, date(2030, 1, 1))


def test_mrr_change_month_over_month_to_the_cent():
    # 4 x 30.00 + 4 x 4.50 from 6 November, 1 x 30.00 since October, one closed on 15 November
    subs = [
        Subscription(start=date(2026, 11, 6), mrr_minor=13800),
        Subscription(start=date(2026, 10, 12), mrr_minor=3000),
        Subscription(start=date(2026, 9, 1), mrr_minor=3450, last_day=date(2026, 11, 15)),
    ]
    today = date(2026, 11, 26)
    previous = previous_month_end(today)
    assert previous == date(2026, 10, 31)
    assert mrr_on(subs, previous) == 6450  # 30.00 + 34.50
    assert mrr_on(subs, today) == 16800  # 138.00 + 30.00
    difference, percent = change(mrr_on(subs, today), mrr_on(subs, previous))
    assert difference == 10350
    assert percent == Decimal("160.5")  # 103.50 / 64.50 = 160.465...%


def test_change_from_nothing_and_down():
    assert change(5000, 0) == (5000, None)
    assert change(0, 3000) == (-3000, Decimal("-100.0"))
    assert change(2999, 3000) == (-1, Decimal("0.0"))


def test_month_ends():
    assert month_ends(date(2027, 3, 15), 4) == [
        date(2026, 12, 31),
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 15),
    ]
    assert month_ends(date(2027, 3, 1), 1) == [date(2027, 3, 1)]
