"""Serial numbers as people type them. No Odoo import.

Leading, trailing and repeated spaces (tabs, new lines) are noise; case is not
significant when comparing two serials ("wb 0001" is "WB 0001"), but the
serial is kept as typed otherwise.
"""

SERIAL_MAX = 64


def normalise_serial(value):
    """The serial with its spaces stripped and collapsed to single spaces ('' when blank)."""
    return " ".join(str(value or "").split())


def serial_key(value):
    """What two serials are compared on: normalised and case-folded."""
    return normalise_serial(value).casefold()
