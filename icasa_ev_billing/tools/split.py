"""Exact money splitting for milestone billing, in integer minor units (cents).

No Odoo import: the models convert amounts to integer minor units, call these
functions and convert back. Every function returns integers whose sums are
exact, so no cent is ever lost or billed twice.

Vocabulary:

* ``total``: an amount in minor units (``int``), may be negative.
* ``shares``: percentages (``int``, ``str``, ``Decimal`` or ``Fraction``; floats
  are read through ``str`` so that ``33.33`` means exactly 33.33).
* cumulative rounding: part ``k`` is ``round(total * C_k) - round(total * C_k-1)``
  where ``C_k`` is the cumulative share, so the rounding error never piles up.
* largest remainder: an integer amount is spread over weights by flooring each
  ideal part and giving the missing units to the largest fractional remainders.
"""

from decimal import Decimal
from fractions import Fraction

PERCENT = "percent"
WEIGHT = "weight"
FIXED = "fixed"


def to_fraction(value):
    """Exact rational value of a share or amount; floats go through their shortest repr."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a share cannot be a boolean")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    if isinstance(value, (Decimal, str)):
        return Fraction(Decimal(value))
    raise TypeError(f"cannot read {value!r} as an exact number")


def round_half_up(value):
    """Round a rational to the nearest integer, halves away from zero (like Odoo's HALF-UP)."""
    value = to_fraction(value)
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    floor = magnitude.numerator // magnitude.denominator
    if magnitude - floor >= Fraction(1, 2):
        floor += 1
    return sign * floor


def to_minor(amount, digits=2):
    """Amount (float, str, Decimal) to integer minor units, rounded half up."""
    return round_half_up(to_fraction(amount) * 10**digits)


def from_minor(units, digits=2):
    """Integer minor units back to a float amount with ``digits`` decimals."""
    return float(Decimal(units).scaleb(-digits))


def _largest_remainder(amount, ideals):
    """Integers, each the floor or ceiling of its rational ideal, adding up to ``amount``.

    ``sum(ideals)`` must equal ``amount``. Ties go to the earlier position.
    """
    floors = [ideal.numerator // ideal.denominator for ideal in ideals]
    missing = amount - sum(floors)
    if missing < 0 or missing > len(ideals):
        raise ValueError("the ideal parts do not add up to the amount")
    order = sorted(range(len(ideals)), key=lambda i: (-(ideals[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


def spread(amount, weights):
    """Spread integer ``amount`` over ``weights`` proportionally, exactly (largest remainder).

    With all weights zero the amount is spread equally. Weights may be negative
    only if their sum is not zero.
    """
    weights = [to_fraction(w) for w in weights]
    if not weights:
        if amount:
            raise ValueError("cannot spread a non-zero amount over nothing")
        return []
    denominator = sum(weights)
    if denominator == 0:
        if any(weights):
            raise ValueError("weights that sum to zero cannot share an amount")
        weights = [Fraction(1)] * len(weights)
        denominator = Fraction(len(weights))
    ideals = [Fraction(amount) * w / denominator for w in weights]
    return _largest_remainder(amount, ideals)


def split_total(total, shares, kind=PERCENT):
    """Split ``total`` minor units into one part per share.

    * ``percent``: shares are percentages of the total, with cumulative rounding
      (part k = round(total*C_k/100) - round(total*C_k-1/100)). The parts add up
      to the total exactly when the shares add up to 100.
    * ``weight``: shares are relative weights (e.g. ``[1] * 7`` for seven equal
      instalments); the parts always add up to the total.
    * ``fixed``: shares are the parts themselves, in minor units; they must add
      up to the total.
    """
    if kind == FIXED:
        parts = [int(s) for s in shares]
        if sum(parts) != total:
            raise ValueError(f"fixed parts add up to {sum(parts)}, not to {total}")
        return parts
    fractions = [to_fraction(s) for s in shares]
    if kind == PERCENT:
        denominator = Fraction(100)
    elif kind == WEIGHT:
        denominator = sum(fractions)
        if denominator == 0:
            raise ValueError("weights must not add up to zero")
    else:
        raise ValueError(f"unknown split kind {kind!r}")
    parts = []
    cumulative = Fraction(0)
    previous = 0
    for share in fractions:
        cumulative += share
        current = round_half_up(total * cumulative / denominator)
        parts.append(current - previous)
        previous = current
    return parts


def milestone_amounts(total, targets, invoiced):
    """Amounts of an order's milestones once some of them are invoiced.

    ``targets``: the planned amount of each milestone (from :func:`split_total`).
    ``invoiced``: per milestone, the net amount already invoiced, or ``None``
    when the milestone is still open. Invoiced milestones keep what they billed;
    whatever the open milestones must absorb so that everything adds up to
    ``total`` (an order change after partial invoicing, a hand-edited invoice)
    is spread over them in proportion to their targets.

    Raises ``ValueError`` when a difference remains and no milestone is open.
    """
    if len(targets) != len(invoiced):
        raise ValueError("one invoiced entry per target is required")
    open_idx = [i for i, inv in enumerate(invoiced) if inv is None]
    fixed = sum(inv for inv in invoiced if inv is not None)
    gap = total - fixed - sum(targets[i] for i in open_idx)
    amounts = [targets[i] if inv is None else inv for i, inv in enumerate(invoiced)]
    if gap:
        if not open_idx:
            raise ValueError(f"{gap} minor units are left over and every milestone is invoiced")
        for i, extra in zip(open_idx, spread(gap, [targets[i] for i in open_idx]), strict=True):
            amounts[i] += extra
    return amounts


def allocate_lines(line_amounts, milestone_amounts_, already_invoiced=None):
    """Apportion order lines over milestones: ``parts[k][i]`` is line i's share of milestone k.

    ``line_amounts``: each order line's untaxed subtotal (minor units, may be
    negative for discount lines). ``already_invoiced``: what each line has
    already been invoiced, if any. ``milestone_amounts_``: the amounts of the
    milestones still to invoice, in billing order; they must add up to what
    remains of the lines.

    Each milestone takes from every line in proportion to what that line still
    has to bill, rounded by largest remainder; the last milestone takes exactly
    what is left. Hence each row adds up to its milestone amount, each column
    (plus what was already invoiced) adds up to its line amount, and a line with
    a non-negative remainder never gets a negative part while the milestone
    amounts are non-negative and no larger than what remains.
    """
    remaining = list(line_amounts)
    if already_invoiced is not None:
        if len(already_invoiced) != len(remaining):
            raise ValueError("one invoiced amount per line is required")
        remaining = [a - b for a, b in zip(remaining, already_invoiced, strict=True)]
    left = sum(remaining)
    if left != sum(milestone_amounts_):
        raise ValueError(
            f"the milestones add up to {sum(milestone_amounts_)} but the lines have {left} left to invoice"
        )
    parts = []
    for k, amount in enumerate(milestone_amounts_):
        if k == len(milestone_amounts_) - 1:
            row = list(remaining)
        elif left == 0:
            row = spread(amount, [abs(r) for r in remaining]) if amount else [0] * len(remaining)
        else:
            row = _largest_remainder(amount, [Fraction(r * amount, left) for r in remaining])
        parts.append(row)
        remaining = [r - p for r, p in zip(remaining, row, strict=True)]
        left -= amount
    return parts
