"""What a credit note gives back, line by line: in full, for the days of a
service period from a date, or an amount spread over the lines. No odoo
import: the credit wizard calls these and writes the credit note.

Each line is ``(key, amount left to credit, first day, last day)``; the
days are None for a line without a service period."""

from decimal import Decimal

from .payers import quantize, to_decimal


class CreditError(ValueError):
    """``args[0]`` names the problem: "nothing", "no_days", "above"."""


def full(lines, places=2):
    result = {key: quantize(left, places) for key, left, _f, _l in lines if quantize(left, places) > 0}
    if not result:
        raise CreditError("nothing")
    return result


def by_days(lines, date_from, places=2):
    """The days from ``date_from`` to the end of each line's period, at the
    line's own rate: ``amount x days credited / days of the line``."""
    result = {}
    dated = [line for line in lines if line[2] and line[3]]
    if not dated:
        raise CreditError("no_days")
    for key, left, first, last in dated:
        start = max(first, date_from)
        if start > last:
            continue
        days = (last - start).days + 1
        total = (last - first).days + 1
        value = quantize(to_decimal(left) * days / total, places)
        if value > 0:
            result[key] = value
    if not result:
        raise CreditError("nothing")
    return result


def by_amount(lines, amount, places=2):
    """``amount`` spread over the lines in proportion to what each has left
    to credit; the last line takes the rounding. Refused above what is left."""
    amount = quantize(amount, places)
    lines = [line for line in lines if quantize(line[1], places) > 0]
    left_total = sum((quantize(line[1], places) for line in lines), Decimal(0))
    if amount <= 0 or not lines:
        raise CreditError("nothing")
    if amount > left_total:
        raise CreditError("above")
    result = {}
    given = Decimal(0)
    for index, (key, left, _f, _l) in enumerate(lines):
        if index == len(lines) - 1:
            value = amount - given
        else:
            value = quantize(amount * quantize(left, places) / left_total, places)
        if value > 0:
            result[key] = value
        given += value
    return result
