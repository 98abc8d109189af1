"""Pro-rata by days in the actual period, to the cent.

Money is handled as ``Decimal`` and rounded half up to the cent (or to the
currency's decimal places). Splitting a period into parts uses cumulative
rounding: part ``i`` is ``round(V_i) - round(V_{i-1})`` where ``V_i`` is the
exact value up to the end of part ``i``. The parts therefore add up exactly
to the rounded value of the whole, and to the full price when the price is
constant over a full period.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def to_decimal(value):
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def quantize(value, places=2):
    return to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def quantize_exact(value, places=2):
    """A ``Fraction`` rounded half up (away from zero) to ``places`` decimals, as a ``Decimal``.
    Exact: no digit is lost before the rounding, so a value of exactly half a cent
    always rounds up."""
    scale = 10**places
    scaled = abs(value) * scale
    units = int(scaled) + (1 if scaled - int(scaled) >= Fraction(1, 2) else 0)
    if value < 0:
        units = -units
    return Decimal(units).scaleb(-places)


def to_fraction(value):
    return Fraction(to_decimal(value))


def prorate(amount, days, full_days, places=2):
    """``amount * days / full_days``, rounded half up."""
    if full_days <= 0:
        raise ValueError("a period has at least one day")
    if not 0 <= days <= full_days:
        raise ValueError(f"{days} days do not fit in a period of {full_days} days")
    return quantize_exact(to_fraction(amount) * days / full_days, places)


def split_amounts(segments, full_days, places=2):
    """Amounts of consecutive ``(days, price)`` segments of a period of
    ``full_days`` days, rounded cumulatively so they add up to the rounded total."""
    if full_days <= 0:
        raise ValueError("a period has at least one day")
    if sum(days for days, _price in segments) > full_days:
        raise ValueError("the segments are longer than the period")
    exact = Fraction(0)
    done = Decimal(0)
    amounts = []
    for days, price in segments:
        exact += to_fraction(price) * days / full_days
        rounded = quantize_exact(exact, places)
        amounts.append(rounded - done)
        done = rounded
    return amounts


def split_period(start, end, full_days, prices, places=2):
    """Split ``start``..``end`` (inclusive) at the dates where the price changes.

    ``prices`` is a list of ``(date_from, price)`` sorted by date, the first
    one in force on ``start`` (see pricing.segments). Returns
    ``[(part_start, part_end, price, amount)]``."""
    bounds = []
    for i, (date_from, price) in enumerate(prices):
        part_start = max(date_from, start)
        part_end = end if i + 1 == len(prices) else min(end, prices[i + 1][0] - timedelta(days=1))
        if part_start <= part_end:
            bounds.append((part_start, part_end, to_decimal(price)))
    amounts = split_amounts([((e - s).days + 1, p) for s, e, p in bounds], full_days, places)
    return [(s, e, p, a) for (s, e, p), a in zip(bounds, amounts, strict=False)]


def quantity_segments(changes, start, end, current):
    """``[(segment_start, segment_end, quantity)]`` covering ``start``..``end``.

    ``changes`` lists ``(day, old_quantity)``: on ``day`` the quantity changed
    away from ``old_quantity``. After the last change the quantity is
    ``current``. Consecutive days with the same quantity form one segment."""
    ordered = sorted(changes, key=lambda change: change[0])

    def quantity_on(day):
        for change_day, old in ordered:
            if change_day > day:
                return old
        return current

    cuts = sorted({day for day, _old in ordered if start < day <= end})
    starts = [start, *cuts]
    segments = []
    for i, segment_start in enumerate(starts):
        segment_end = starts[i + 1] - timedelta(days=1) if i + 1 < len(starts) else end
        quantity = quantity_on(segment_start)
        if segments and segments[-1][2] == quantity:
            segments[-1] = (segments[-1][0], segment_end, quantity)
        else:
            segments.append((segment_start, segment_end, quantity))
    return segments
