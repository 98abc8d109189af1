"""The one place where our batched crons commit.

The milestone cron (this addon) and the recurring billing cron
(icasa_ev_subscription) commit after each batch, so that a crash later in a run
loses none of the work already done. Tests run in one transaction that is
rolled back: there, nothing is ever committed.
"""

import threading

from odoo import modules


def in_test_mode(env):
    return bool(
        modules.module.current_test
        or env.registry.in_test_mode()
        or getattr(threading.current_thread(), "testing", False)
    )


def commit_batch(env):
    """Commit the batch just done, except in tests. Returns whether it committed."""
    if in_test_mode(env):
        return False
    env.cr.commit()  # pylint: disable=invalid-commit
    return True
