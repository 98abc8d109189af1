"""Period engine: the billing periods of a subscription.

A recurrence is ``n`` weeks, months or years. Periods start either on the
subscription's start date (anniversary) or on calendar boundaries (Monday,
the 1st of the month, 1 January) with a pro-rata first period.

Each boundary is computed from one fixed anchor as ``anchor + k * step``,
never by adding a step to the previous boundary, so month ends never drift:
anchored on 31 January, monthly periods start on 28/29 February, 31 March,
30 April, 31 May.

All dates are ``datetime.date``; period ends are inclusive.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

UNITS = ("week", "month", "year")
ALIGNMENTS = ("anniversary", "calendar")
BILLING_MODES = ("prepaid", "postpaid")


class PeriodError(ValueError):
    """Bad input to the period engine (zero interval, end before start, ...)."""


@dataclass(frozen=True)
class Recurrence:
    """``interval`` weeks, months or years. ``anchor_day`` (months and years
    only) is the day of the month boundaries fall on, clipped to the month's
    last day: a grid restarted on 28 February for a subscription anchored on
    the 31st keeps starting its periods on the 31st (or the month's end)."""

    interval: int
    unit: str
    anchor_day: int | None = None

    def __post_init__(self):
        if self.unit not in UNITS:
            raise PeriodError(f"unknown recurrence unit {self.unit!r}")
        if not isinstance(self.interval, int) or self.interval <= 0:
            raise PeriodError(f"the recurrence interval must be a positive whole number, not {self.interval!r}")
        if self.anchor_day is not None and not 1 <= self.anchor_day <= 31:
            raise PeriodError(f"the anchor day must be a day of the month, not {self.anchor_day!r}")

    def step(self, k):
        """The offset of boundary ``k`` from the anchor."""
        n = self.interval * k
        if self.unit == "week":
            return relativedelta(weeks=n)
        if self.unit == "month":
            return relativedelta(months=n, day=self.anchor_day)
        return relativedelta(years=n, day=self.anchor_day)


@dataclass(frozen=True)
class Period:
    """A period to bill: ``start``..``end`` served, inside the full period
    ``full_start``..``full_end`` of the grid. The pro-rata share of a period is
    ``days / full_days``."""

    start: date
    end: date
    full_start: date
    full_end: date

    @property
    def days(self):
        return (self.end - self.start).days + 1

    @property
    def full_days(self):
        return (self.full_end - self.full_start).days + 1

    @property
    def is_partial(self):
        return self.start != self.full_start or self.end != self.full_end


def calendar_anchor(start, recurrence):
    """The calendar boundary on or before ``start`` that the grid hangs on.

    Weeks hang on Monday; months on the 1st, and on a month whose number fits
    the interval when it divides a year (quarters start in January, April,
    July, October); years on 1 January."""
    if recurrence.unit == "week":
        return start - timedelta(days=start.weekday())
    if recurrence.unit == "month":
        n = recurrence.interval
        month = start.month
        if 12 % n == 0:
            month = ((start.month - 1) // n) * n + 1
        return date(start.year, month, 1)
    return date(start.year, 1, 1)


def restart_anchor_day(start, restart, unit):
    """The anchor day that keeps a grid restarted on ``restart`` (a plan
    change) in step with the anniversary ``start``: ``start.day`` when
    ``restart`` is that day clipped to a shorter month, else None."""
    if unit == "week" or restart.day >= start.day:
        return None
    next_month = date(restart.year + restart.month // 12, restart.month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return start.day if restart.day == last_day else None


def grid_anchor(start, recurrence, alignment):
    if alignment not in ALIGNMENTS:
        raise PeriodError(f"unknown alignment {alignment!r}")
    if alignment == "calendar":
        return calendar_anchor(start, recurrence)
    return start


def boundary(anchor, recurrence, k):
    """Start of the ``k``-th full period of the grid hanging on ``anchor``."""
    return anchor + recurrence.step(k)


def boundary_index(anchor, recurrence, day):
    """The largest ``k`` with ``boundary(k) <= day`` (``day >= anchor``)."""
    if day < anchor:
        raise PeriodError(f"{day} is before the anchor {anchor}")
    n = recurrence.interval
    if recurrence.unit == "week":
        return (day - anchor).days // (7 * n)
    if recurrence.unit == "month":
        k = ((day.year - anchor.year) * 12 + day.month - anchor.month) // n
    else:
        k = (day.year - anchor.year) // n
    # The estimate is exact or one too high (anchor day later in the month).
    while k > 0 and boundary(anchor, recurrence, k) > day:
        k -= 1
    while boundary(anchor, recurrence, k + 1) <= day:
        k += 1
    return k


def period_containing(start, recurrence, alignment, day, end=None):
    """The period of the subscription (started on ``start``) that contains ``day``,
    or None when ``day`` is before the start or after the end date."""
    if end is not None and end < start:
        raise PeriodError(f"the end date {end} is before the start date {start}")
    if day < start or (end is not None and day > end):
        return None
    anchor = grid_anchor(start, recurrence, alignment)
    k = boundary_index(anchor, recurrence, day)
    full_start = boundary(anchor, recurrence, k)
    full_end = boundary(anchor, recurrence, k + 1) - timedelta(days=1)
    return Period(
        start=max(full_start, start),
        end=full_end if end is None else min(full_end, end),
        full_start=full_start,
        full_end=full_end,
    )


def iter_periods(start, recurrence, alignment, end=None, first=None):
    """Yield the periods of a subscription in order, from the one containing
    ``first`` (default: the start) up to the end date, forever when ``end`` is None."""
    period = period_containing(start, recurrence, alignment, first or start, end)
    while period is not None:
        yield period
        period = period_containing(start, recurrence, alignment, period.full_end + timedelta(days=1), end)


def due_date(period, billing_mode, days_before=0):
    """When a period is to be billed: prepaid at its start (``days_before`` days
    earlier if set); postpaid on the day after it ends."""
    if billing_mode == "prepaid":
        if days_before < 0:
            raise PeriodError("the number of days before must not be negative")
        return period.start - timedelta(days=days_before)
    if billing_mode == "postpaid":
        return period.end + timedelta(days=1)
    raise PeriodError(f"unknown billing mode {billing_mode!r}")


def periods_due(start, recurrence, alignment, billing_mode, today, *, days_before=0, end=None, first=None):
    """The periods from ``first`` (default: the start) whose due date is on or before ``today``."""
    result = []
    for period in iter_periods(start, recurrence, alignment, end=end, first=first):
        if due_date(period, billing_mode, days_before) > today:
            break
        result.append(period)
    return result
