"""Instalment dates: N dates a week, a month or a year apart. No Odoo import."""

from dateutil.relativedelta import relativedelta

UNITS = ("week", "month", "year")


def instalment_dates(start, count, unit="month", interval=1):
    """``count`` dates from ``start``, ``interval`` units apart.

    Each date is computed from ``start`` (not from the previous date), so a
    series that starts on the 31st lands on the last day of shorter months and
    comes back to the 31st: 2025-01-31, 2025-02-28, 2025-03-31, ...
    """
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; use one of {', '.join(UNITS)}")
    if count < 1 or interval < 1:
        raise ValueError("count and interval must be at least 1")
    step = {"week": "weeks", "month": "months", "year": "years"}[unit]
    return [start + relativedelta(**{step: i * interval}) for i in range(count)]
