"""The period ledger's arithmetic: what a period should have billed (its
target) and what is left to bill or credit (target minus the net of the
period's live documents).

A subscription line serves a day when the day lies in the period, on or after
the start, on or before the last day served (the close date) and outside every
pause. The value of a period for a line is, per run of days with one quantity,
``quantity x`` the unit amount of those days (``prorata.split_period``: the
price in force, pro-rata by days of the full period, rounded cumulatively), less
the line's discount, rounded per part as an invoice line rounds.

No odoo import: models call these and write the result.
"""

from datetime import timedelta
from decimal import Decimal

from . import prorata


def served_ranges(start, end, sub_start, last_day=None, pauses=(), keep_started=False):
    """The ``[(first, last)]`` ranges of ``start``..``end`` (inclusive) served.

    ``sub_start``: the subscription's first day. ``last_day``: the last day
    served (close date), None while it runs. ``pauses``: ``[(first_paused,
    resumed_on or None)]``; a pause covers ``first_paused`` up to the day
    before ``resumed_on``. ``keep_started``: a started period is billed in full
    (prepaid plans that do not credit unused days): once a day of the period is
    served, every later day of it is too."""
    first = max(start, sub_start)
    last = end if last_day is None else min(end, last_day)
    if keep_started:
        last = end
    if first > last:
        return []
    # a pause resumed on the day it began covers no day
    cuts = sorted(
        (max(p_from, first), (p_to - timedelta(days=1)) if p_to else last)
        for p_from, p_to in pauses
        if p_from <= last and (p_to is None or (p_to > first and p_to > p_from))
    )
    ranges = []
    cursor = first
    for p_from, p_to in cuts:
        if p_from > cursor:
            ranges.append((cursor, min(p_from - timedelta(days=1), last)))
        cursor = max(cursor, p_to + timedelta(days=1))
        if cursor > last:
            break
    if cursor <= last:
        ranges.append((cursor, last))
    days = []
    for a, b in ranges:
        if a > b:
            continue
        if days and days[-1][1] + timedelta(days=1) >= a:
            # contiguous runs of served days are one range: one rounding
            days[-1] = (days[-1][0], max(days[-1][1], b))
        else:
            days.append((a, b))
    if keep_started and days:
        # served in full from its first served day, whatever closes or pauses later;
        # a close before the period's first served day still ends it
        if last_day is not None and days[0][0] > last_day:
            return []
        return [(days[0][0], end)]
    return days


def line_amount(quantity, unit_amount, discount=0.0, places=2):
    """What an invoice line of ``quantity`` x ``unit_amount`` less ``discount`` % comes to."""
    value = prorata.to_decimal(quantity) * prorata.to_decimal(unit_amount)
    if discount:
        value = value * (1 - prorata.to_decimal(discount) / 100)
    return prorata.quantize(value, places)


def period_parts(ranges, full_days, quantity_segments, price_segments, places=2):
    """The invoice parts of one line over the served ``ranges`` of a period.

    ``quantity_segments(first, last)`` gives ``[(first, last, quantity)]``,
    ``price_segments(first, last)`` gives ``[(date_from, price)]``. Returns
    ``[(first, last, quantity, unit_amount)]``, quantity 0 left out."""
    parts = []
    for first, last in ranges:
        for q_first, q_last, quantity in quantity_segments(first, last):
            if not quantity:
                continue
            prices = price_segments(q_first, q_last)
            for p_first, p_last, _price, amount in prorata.split_period(q_first, q_last, full_days, prices, places):
                parts.append((p_first, p_last, quantity, amount))
    return parts


def parts_total(parts, discount=0.0, places=2):
    return sum((line_amount(q, amount, discount, places) for _f, _l, q, amount in parts), Decimal(0))


def deltas(targets, nets, places=2):
    """``{key: target - net}`` for every key whose difference is not zero at ``places``."""
    result = {}
    for key in set(targets) | set(nets):
        diff = prorata.quantize(prorata.to_decimal(targets.get(key, 0)) - prorata.to_decimal(nets.get(key, 0)), places)
        if diff:
            result[key] = diff
    return result
