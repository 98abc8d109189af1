"""Whether credit notes net an invoice to zero. No Odoo import.

An invoice is fully credited when, for every key (an order line, product and
taxes for an invoice line; a tax for a tax line), its amounts and those of its
credit notes add up to zero. Amounts are signed integers in minor units, as in
accounting (an invoice credits revenue, its credit note debits it), so that no
float is ever compared for equality.
"""

from collections import defaultdict


def unbalanced(entries):
    """``{key: net}`` of the keys whose signed minor amounts do not add up to zero.

    ``entries``: iterable of ``(key, minor_amount)``.
    """
    net = defaultdict(int)
    for key, amount in entries:
        net[key] += amount
    return {key: amount for key, amount in net.items() if amount}
