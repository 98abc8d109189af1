"""Examples and properties of the revenue share (self-billing) computations."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icasa_partner_invoicing.tools.revenue_share import (
    CREATE,
    DROP,
    REOPEN,
    REVERSE,
    bill_type,
    check_percent,
    document_counts,
    fixed_months,
    month_end,
    months,
    plan_line,
    previous_month,
    share_of,
    statement_totals,
)

# --- examples worked out by hand -------------------------------------------------------


def test_share_of_worked_examples():
    # 10% of a maintenance invoice line of 120.00
    assert share_of(Decimal("120.00"), 10) == Decimal("12.00")
    # 10% of 15.05 = 1.505: half up to 1.51; its credit note gives back exactly -1.51
    assert share_of(Decimal("15.05"), 10) == Decimal("1.51")
    assert share_of(Decimal("-15.05"), 10) == Decimal("-1.51")
    # 12.5% of 4.50 = 0.5625 -> 0.56
    assert share_of("4.50", "12.5") == Decimal("0.56")
    assert share_of("99.99", 100) == Decimal("99.99")
    assert share_of("99.99", 0) == Decimal("0.00")


def test_check_percent():
    assert check_percent(0) is None
    assert check_percent(100) is None
    assert check_percent("12.5") is None
    assert check_percent("100.01") == "above_100"
    assert check_percent(-0.01) == "negative"


@pytest.mark.parametrize(
    ("basis", "state", "payment", "origin", "expected"),
    [
        ("posted", "posted", "not_paid", None, True),
        ("posted", "draft", "not_paid", None, False),
        ("posted", "cancel", "not_paid", None, False),
        ("paid", "posted", "not_paid", None, False),
        ("paid", "posted", "partial", None, False),
        ("paid", "posted", "paid", None, True),
        ("paid", "posted", "in_payment", None, True),
        ("paid", "posted", "reversed", None, True),
        # a partial credit note settled against an invoice the customer has not paid yet
        ("paid", "posted", "paid", ("posted", "partial"), False),
        ("paid", "posted", "paid", ("posted", "paid"), True),
        ("posted", "posted", "not_paid", ("posted", "not_paid"), True),
    ],
)
def test_document_counts(basis, state, payment, origin, expected):
    assert document_counts(basis, state, payment, origin) is expected


def test_plan_line_cases():
    assert plan_line(Decimal("12.00")) == [(CREATE, Decimal("12.00"))]
    assert plan_line(None) == []
    assert plan_line(Decimal("0.00")) == []
    assert plan_line(Decimal("12.00"), (Decimal("12.00"), True)) == []
    assert plan_line(None, (Decimal("12.00"), False)) == [(DROP, None)]
    assert plan_line(None, (Decimal("12.00"), True)) == [(REVERSE, None)]
    assert plan_line(Decimal("13.00"), (Decimal("12.00"), True)) == [(REVERSE, None), (CREATE, Decimal("13.00"))]
    assert plan_line(Decimal("13.00"), (Decimal("12.00"), False)) == [(DROP, None), (CREATE, Decimal("13.00"))]
    assert plan_line(Decimal("12.00"), None, Decimal("12.00")) == [(REOPEN, None)]
    assert plan_line(Decimal("13.00"), None, Decimal("12.00")) == [(CREATE, Decimal("13.00"))]


def test_statement_totals_worked_example():
    # 10% of 120.00 and of 31.00, 5.00 for one asset, and a credit note of 31.00 reversed
    totals = statement_totals(
        [("share", "12.00"), ("share", "3.10"), ("fixed", "5.00"), ("share", "-3.10"), ("reversal", "-12.00")]
    )
    assert totals == {
        "share": Decimal("12.00"),
        "fixed": Decimal("5.00"),
        "reversal": Decimal("-12.00"),
        "net": Decimal("5.00"),
    }
    assert bill_type(totals["net"]) == "in_invoice"
    assert bill_type(Decimal("-0.01")) == "in_refund"
    assert bill_type(Decimal("0.00")) == "in_invoice"


def test_months():
    assert previous_month(date(2027, 3, 1)) == (date(2027, 2, 1), date(2027, 2, 28))
    assert previous_month(date(2028, 3, 15)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert previous_month(date(2027, 1, 31)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert month_end(date(2027, 12, 5)) == date(2027, 12, 31)
    assert months(date(2026, 11, 20), date(2027, 2, 28)) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    # installed 20 January, agreement from 1 February, run for March
    assert fixed_months(date(2027, 1, 20), date(2027, 2, 1), date(2027, 3, 31)) == [
        date(2027, 2, 1),
        date(2027, 3, 1),
    ]
    assert fixed_months(date(2027, 4, 2), date(2027, 2, 1), date(2027, 3, 31)) == []
    assert fixed_months(None, date(2027, 2, 1), date(2027, 3, 31)) == []


# --- properties ---------------------------------------------------------------------------

amounts = st.decimals(min_value=Decimal("-100000"), max_value=Decimal("100000"), places=2)
percents = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)


@given(amounts, percents)
def test_credit_note_share_is_exactly_opposite(amount, percent):
    assert share_of(-amount, percent) == -share_of(amount, percent)


@given(amounts, percents)
def test_share_within_half_a_cent(amount, percent):
    exact = amount * percent / 100
    assert abs(share_of(amount, percent) - exact) <= Decimal("0.005")
    assert abs(share_of(amount, percent)) <= abs(amount)


class Ledger:
    """A model of the share ledger of one (invoice line, partner), driven by plan_line."""

    def __init__(self):
        self.rows = []  # dicts: kind, amount, billed, open, reverses (index)

    def open_share(self):
        opened = [r for r in self.rows if r["kind"] == "share" and r["open"]]
        assert len(opened) <= 1, "two open shares"
        return opened[0] if opened else None

    def reopenable(self):
        for row in reversed(self.rows):
            if row["kind"] == "reversal" and not row["billed"]:
                return row
        return None

    def apply(self, target):
        current = self.open_share()
        reversal = None if current else self.reopenable()
        actions = plan_line(
            target,
            (current["amount"], current["billed"]) if current else None,
            -reversal["amount"] if reversal else None,
        )
        for action, amount in actions:
            if action == DROP:
                assert not current["billed"]
                self.rows.remove(current)
            elif action == REVERSE:
                assert current["billed"]
                current["open"] = False
                assert not any(r["kind"] == "reversal" and r["reverses"] is current for r in self.rows)
                self.rows.append(
                    {
                        "kind": "reversal",
                        "amount": -current["amount"],
                        "billed": False,
                        "open": False,
                        "reverses": current,
                    }
                )
            elif action == REOPEN:
                assert not reversal["billed"]
                self.rows.remove(reversal)
                reversal["reverses"]["open"] = True
            elif action == CREATE:
                self.rows.append({"kind": "share", "amount": amount, "billed": False, "open": True, "reverses": None})

    def bill(self):
        billed_now = [r for r in self.rows if not r["billed"]]
        for row in billed_now:
            row["billed"] = True
        return sum((r["amount"] for r in billed_now), Decimal(0))

    def net(self):
        return sum((r["amount"] for r in self.rows), Decimal(0))


@given(
    st.lists(
        st.one_of(
            st.none(),  # the line stops counting
            st.sampled_from([Decimal("120.00"), Decimal("-31.00"), Decimal("15.05"), Decimal("0.04")]),
            st.just("run"),
        ),
        max_size=40,
    ),
    percents,
)
def test_ledger_net_is_the_share_and_nothing_is_paid_twice(steps, percent):
    ledger = Ledger()
    paid = Decimal(0)
    target = None
    for step in steps:
        if step == "run":
            paid += ledger.bill()
            # after a run, the partner has been paid exactly the share owed, once
            assert paid == (target or Decimal(0))
            continue
        target = None if step is None else share_of(step, percent)
        if target == 0:
            target = None
        ledger.apply(target)
        assert ledger.net() == (target or Decimal(0))
        # a billed row is never deleted: what was paid stays in the ledger
        assert sum((r["amount"] for r in ledger.rows if r["billed"]), Decimal(0)) == paid
        # at most one reversal per share
        reversed_shares = [id(r["reverses"]) for r in ledger.rows if r["kind"] == "reversal"]
        assert len(reversed_shares) == len(set(reversed_shares))
