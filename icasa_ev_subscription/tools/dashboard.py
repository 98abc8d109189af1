"""The accountant's overview: monthly recurring revenue on a day and its change (no odoo import).

Amounts are integers in minor units (cents), so that sums and differences are exact.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Subscription:
    """What the MRR of one subscription on a day depends on.

    ``last_day``: the last day served, from a close or a fixed term without renewal
    (None: open-ended). ``pauses``: ``(date_from, date_to)``, the days from ``date_from``
    up to the day before ``date_to`` are not served (``date_to`` None: still paused).
    """

    start: date
    mrr_minor: int
    last_day: date | None = None
    pauses: tuple = field(default_factory=tuple)


def serves(subscription, day):
    """Whether ``subscription`` serves ``day``: started, not ended, not paused."""
    if subscription.start > day:
        return False
    if subscription.last_day is not None and day > subscription.last_day:
        return False
    return not any(start <= day and (end is None or day < end) for start, end in subscription.pauses)


def mrr_on(subscriptions, day):
    """The MRR of the subscriptions that serve ``day``, in minor units."""
    return sum(s.mrr_minor for s in subscriptions if serves(s, day))


def change(current, previous):
    """``(difference, percent)`` from ``previous`` to ``current`` (minor units).

    The percentage is rounded half up to one decimal, None when there was nothing before.
    """
    difference = current - previous
    if not previous:
        return difference, None
    percent = (Decimal(difference) * 100 / Decimal(previous)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return difference, percent


def month_ends(today, count):
    """The last day of each of the ``count - 1`` months before ``today``'s, then ``today``: the
    days whose MRR the overview's graph plots, oldest first."""
    days = [today]
    first = today.replace(day=1)
    for _ in range(count - 1):
        last = first - timedelta(days=1)
        days.append(last)
        first = last.replace(day=1)
    return days[::-1]


def previous_month_end(today):
    """The last day of the month before ``today``'s: what this month's MRR compares with."""
    return today.replace(day=1) - timedelta(days=1)
