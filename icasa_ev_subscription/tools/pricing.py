"""Prices over time: scheduled steps and indexation.

A step is ``(date_from, date_to or None, price)``: the price in force from
``date_from`` to ``date_to`` (inclusive). An open step (no ``date_to``) is in
force until a later step starts. Outside every step the base price applies.
"""

import itertools
from datetime import timedelta

from .prorata import quantize, to_decimal


class PricingError(ValueError):
    """Bad pricing input (overlapping steps, index base zero, ...)."""


def find_overlap(steps):
    """The first pair of overlapping steps ``(a, b)``, or None.

    An open-ended step runs until the next step starts, so successive open
    steps never overlap; two steps starting on the same day do, and so does a
    step whose end date reaches the start of the next one. A step ending
    before it starts is returned as ``(a, a)``."""
    ordered = sorted(steps, key=lambda s: s[0])
    for step in ordered:
        if step[1] is not None and step[1] < step[0]:
            return (step, step)
    for a, b in itertools.pairwise(ordered):
        if a[0] == b[0] or (a[1] is not None and a[1] >= b[0]):
            return (a, b)
    return None


def price_at(steps, day, base_price):
    """The price in force on ``day``."""
    for date_from, date_to, price in sorted(steps, key=lambda s: s[0], reverse=True):
        if date_from <= day and (date_to is None or day <= date_to):
            return to_decimal(price)
    return to_decimal(base_price)


def segments(steps, start, end, base_price):
    """``[(date_from, price)]`` covering ``start``..``end``: one entry per change
    of price, the first on ``start``. Feed it to prorata.split_period."""
    changes = {start}
    for date_from, date_to, _price in steps:
        if start < date_from <= end:
            changes.add(date_from)
        if date_to is not None and start <= date_to < end:
            changes.add(date_to + timedelta(days=1))
    result = []
    for day in sorted(changes):
        price = price_at(steps, day, base_price)
        if not result or result[-1][1] != price:
            result.append((day, price))
    return result


def index_percentage(price, percent, places=2):
    """``price`` raised by ``percent`` %."""
    return quantize(to_decimal(price) * (1 + to_decimal(percent) / 100), places)


def index_formula(p0, a, b, i0, i, places=2):
    """``P = P0 * (a + b * I / I0)``."""
    i0 = to_decimal(i0)
    if i0 == 0:
        raise PricingError("the base index value I0 must not be zero")
    return quantize(to_decimal(p0) * (to_decimal(a) + to_decimal(b) * to_decimal(i) / i0), places)


def apply_floor(old_price, new_price, no_decrease):
    """With ``no_decrease``, a new price below the old one keeps the old one."""
    old_price, new_price = to_decimal(old_price), to_decimal(new_price)
    if no_decrease and new_price < old_price:
        return old_price
    return new_price


def gaps(steps, start, end):
    """The ``[(first, last)]`` ranges of ``start``..``end`` that no step covers
    (where the base price applies). An open step runs until the next step."""
    if start > end:
        return []
    ordered = sorted(steps, key=lambda s: s[0])
    covered = []
    for i, (date_from, date_to, _price) in enumerate(ordered):
        if date_to is None:
            date_to = ordered[i + 1][0] - timedelta(days=1) if i + 1 < len(ordered) else end
        covered.append((date_from, date_to))
    result = []
    cursor = start
    for first, last in covered:
        if last < cursor:
            continue
        if first > end:
            break
        if first > cursor:
            result.append((cursor, min(first - timedelta(days=1), end)))
        cursor = max(cursor, last + timedelta(days=1))
        if cursor > end:
            return result
    if cursor <= end:
        result.append((cursor, end))
    return result
