"""What is wrong with a milestone share, if anything. No Odoo import.

A share is a percentage of the order's untaxed total, or a fixed untaxed amount.
NaN and infinities cannot be split into cents, and the database stores shares
as numeric(16, 4): anything from 10**12 on does not fit.
"""

import math

NOT_A_NUMBER = "not_a_number"
INFINITE = "infinite"
NOT_POSITIVE = "not_positive"
OVER_100 = "over_100"
TOO_LARGE = "too_large"

LIMIT = 10**12  # numeric(16, 4) holds 12 digits before the decimal point


def share_problem(value, share_type="percent", digits=4):
    """``None`` for a usable share, else one of the constants above.

    ``digits``: the decimals a share is stored with; a share that rounds to 0 at
    that precision is not positive.
    """
    value = float(value or 0.0)
    if math.isnan(value):
        return NOT_A_NUMBER
    if math.isinf(value):
        return INFINITE
    if round(value, digits) <= 0:
        return NOT_POSITIVE
    if abs(value) >= LIMIT:
        return TOO_LARGE
    if share_type == "percent" and round(value, digits) > 100:
        return OVER_100
    return None
