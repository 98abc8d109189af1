"""Who pays what: the split of an amount between a partner and the end
customer. No odoo import: models call these and write the result.

A split rule gives the partner's percentage for one billing role (or for
every line its role has no rule of its own). The partner's part of an
amount is rounded half up; the end customer's part is the rest, so the
parts always add up to the amount to the cent.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

CUSTOMER = "customer"
PARTNER = "partner"


def to_decimal(value):
    return value if isinstance(value, Decimal) else Decimal(str(value))


def quantize(value, places=2):
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def partner_percent(kind, rules, role):
    """The partner's percentage of a line of billing ``role``.

    ``kind``: "customer", "partner" or "split". ``rules``: ``{role or None:
    partner percent}``; the ``None`` rule covers roles without their own."""
    if kind == PARTNER:
        return Decimal(100)
    if kind != "split":
        return Decimal(0)
    if role in rules:
        return to_decimal(rules[role])
    return to_decimal(rules.get(None, 0))


def split_amount(amount, percent, places=2):
    """``(partner part, customer part)`` of ``amount``: the partner's part is
    ``amount x percent / 100`` rounded half up, the customer's the rest."""
    amount = quantize(amount, places)
    percent = to_decimal(percent)
    if percent >= 100:
        return amount, Decimal(0).quantize(amount)
    if percent <= 0:
        return Decimal(0).quantize(amount), amount
    partner = quantize(amount * percent / 100, places)
    return partner, amount - partner


def split_parts(amounts, percent, places=2):
    """Split a list of amounts (the parts of one line) so that the partner's
    parts add up to the partner's share of their total: each part takes the
    cumulative share rounded, less what earlier parts took. Returns
    ``[(partner part, customer part)]``."""
    amounts = [quantize(a, places) for a in amounts]
    result = []
    running = Decimal(0)
    taken = Decimal(0)
    for amount in amounts:
        running += amount
        target, _rest = split_amount(running, percent, places)
        part = target - taken
        taken = target
        result.append((part, amount - part))
    return result


def check_split(partner_percent_value, customer_percent_value):
    """An error key for a split that does not add up, or None."""
    p = to_decimal(partner_percent_value)
    c = to_decimal(customer_percent_value)
    if p < 0 or c < 0 or p > 100 or c > 100:
        return "range"
    if quantize(p + c, 4) != Decimal(100):
        return "sum"
    return None


def consolidation_bounds(day, interval):
    """``(first, last)`` day of the consolidation period of ``interval``
    ("week", "month", "quarter", "year") that holds ``day``."""
    if interval == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    if interval == "quarter":
        first = day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
        return first, first + relativedelta(months=3, days=-1)
    if interval == "year":
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    first = day.replace(day=1)
    return first, first + relativedelta(months=1, days=-1)
