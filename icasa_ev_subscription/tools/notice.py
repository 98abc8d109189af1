"""When to announce a price indexation: pure date arithmetic, no database."""

from dateutil.relativedelta import relativedelta


def anniversary_to_notice(start, today, notice_days, noticed_until=None):
    """The anniversary of ``start`` to announce on ``today``, or None.

    The next anniversary on or after ``today`` (the first one a year after
    ``start``) when it is at most ``notice_days`` days ahead and no notice was
    sent for it (``noticed_until``: the last anniversary announced).
    """
    if not start or notice_days < 0:
        return None
    years = max(1, today.year - start.year)
    anniversary = start + relativedelta(years=years)
    while anniversary < today:
        years += 1
        anniversary = start + relativedelta(years=years)
    if (anniversary - today).days > notice_days:
        return None
    if noticed_until and noticed_until >= anniversary:
        return None
    return anniversary
