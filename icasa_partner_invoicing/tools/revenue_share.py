"""Revenue share (self-billing): the money and the ledger decisions, with no
odoo import. Models gather records, call these and write the result.

A partner earns a share of a customer invoice line (a percent of its
untaxed amount) or a fixed amount per asset per month. The share ledger
keeps, per (invoice line, partner), at most one *open* share: a share the
partner is owed while the line counts. When the line stops counting (its
invoice is cancelled, reset to draft, deleted, or no longer paid) the open
share is dropped if no statement carries it yet, or else reversed by a
negative row of its own, which the next statement carries. So the net of the
rows of a line is always its share or zero, and a row is billed once.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

SETTLED_PAYMENT_STATES = ("paid", "in_payment", "reversed")

# actions of plan_line
DROP = "drop"  # delete the open share (no statement carries it)
REVERSE = "reverse"  # add a negative row reversing the open share (billed)
REOPEN = "reopen"  # delete the unbilled reversal of the last share: it is owed again
CREATE = "create"  # a new open share of the given amount


def to_decimal(value):
    return value if isinstance(value, Decimal) else Decimal(str(value))


def quantize(value, places=2):
    """``value`` rounded half up (away from zero) to ``places`` decimals:
    a credit note's share is exactly the opposite of its invoice's."""
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def share_of(amount, percent, places=2):
    """``amount`` x ``percent`` / 100, rounded half up to ``places``
    decimals. ``amount`` is signed (negative for a credit note line)."""
    return quantize(to_decimal(amount) * to_decimal(percent) / 100, places)


def check_percent(percent):
    """An error key for a share percentage out of 0..100, or None."""
    value = to_decimal(percent)
    if value < 0:
        return "negative"
    if value > 100:
        return "above_100"
    return None


def document_counts(basis, state, payment_state, origin=None):
    """Whether a customer document's lines earn a share.

    ``basis``: "posted" (every posted invoice and credit note counts) or
    "paid" (only settled ones: paid, in payment, or settled by a credit
    note). ``origin``: ``(state, payment_state)`` of the invoice a credit
    note reverses, if any: under "paid" the credit note gives back a share
    only once the share it reverses is earned, so the partner never owes
    for an invoice the customer has not paid."""
    if state != "posted":
        return False
    if basis == "posted":
        return True
    if payment_state not in SETTLED_PAYMENT_STATES:
        return False
    if origin is not None:
        return document_counts(basis, *origin)
    return True


def plan_line(target, open_share=None, reopenable=None):
    """What to do with the ledger of one (invoice line, partner) so that its
    net becomes ``target`` (the share owed now, or None when the line does
    not count or its share is zero).

    ``open_share``: ``(amount, billed)`` of the open share, or None.
    ``reopenable``: the amount of the last share whose reversal no statement
    carries yet (with no open share), or None.
    Returns a list of ``(action, amount or None)``."""
    if target is not None and quantize(target) == 0:
        target = None
    if open_share is not None:
        amount, billed = open_share
        if target is not None and quantize(amount) == quantize(target):
            return []
        actions = [(REVERSE if billed else DROP, None)]
        if target is not None:
            actions.append((CREATE, quantize(target)))
        return actions
    if target is None:
        return []
    if reopenable is not None and quantize(reopenable) == quantize(target):
        return [(REOPEN, None)]
    return [(CREATE, quantize(target))]


def statement_totals(rows):
    """Totals of a statement from ``(kind, amount)`` rows, kind one of
    "share", "fixed", "reversal": the sum per kind and the net."""
    totals = {"share": Decimal(0), "fixed": Decimal(0), "reversal": Decimal(0)}
    for kind, amount in rows:
        totals[kind] += quantize(amount)
    totals["net"] = totals["share"] + totals["fixed"] + totals["reversal"]
    return totals


def bill_type(net):
    """The vendor document for a statement of ``net``: a bill, or a refund
    when the partner owes (its reversals exceed its shares)."""
    return "in_refund" if quantize(net) < 0 else "in_invoice"


def month_start(day):
    return day.replace(day=1)


def month_end(day):
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def previous_month(day):
    """``(first day, last day)`` of the month before ``day``'s."""
    end = month_start(day) - timedelta(days=1)
    return month_start(end), end


def months(first, last):
    """The first days of the months from ``first``'s to ``last``'s, in order."""
    current = month_start(first)
    result = []
    while current <= last:
        result.append(current)
        current = month_end(current) + timedelta(days=1)
    return result


def fixed_months(asset_installed, share_from, period_end):
    """The months an asset earns a fixed amount in, up to ``period_end``:
    from the month it was installed, or ``share_from`` (the agreement's
    start) if later; none when it has no install date."""
    if not asset_installed:
        return []
    first = max(month_start(asset_installed), month_start(share_from)) if share_from else month_start(asset_installed)
    if first > period_end:
        return []
    return months(first, period_end)
