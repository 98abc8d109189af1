"""How long one billing run may work before it hands over: pure arithmetic.

Odoo runs a scheduled action's code up to ``MAX_BATCH_PER_CRON_JOB`` (10)
times in a row while it reports remaining work (``_notify_progress``), all
inside one unit of work of a cron worker. That unit is watched by the worker's
real-time limit (``limit_time_real_cron``, else ``limit_time_real``) and, with
``--workers``, by its CPU-time limit (``limit_time_cpu``). A run that works
for at most ``budget`` seconds, then commits and reports, keeps all ten calls
under the tightest of those limits. No ``odoo`` import here.
"""

import time

CALLS_PER_JOB = 10  # odoo.addons.base.models.ir_cron.MAX_BATCH_PER_CRON_JOB
MIN_BUDGET = 1.0
# A cron worker's watchdog runs from before its sleep (odoo.service.server: up to
# SLEEP_INTERVAL 60 s + pid % 10) to the end of its unit of work.
WORKER_SLEEP = 69


def cron_time_limit(limit_time_real_cron=-1, limit_time_real=120, limit_time_cpu=60, workers=0):
    """The seconds a cron worker may spend on one unit of work, or None when
    no limit applies. ``limit_time_real_cron`` -1 means "as limit_time_real"
    and 0 "no limit" (Odoo's reading); with workers, the CPU limit applies
    too and the worker's sleep before the work counts against the real one."""
    real = limit_time_real if limit_time_real_cron is None or limit_time_real_cron < 0 else limit_time_real_cron
    if workers and real and real > 0:
        real = max(real - WORKER_SLEEP, MIN_BUDGET)
    limits = [value for value in (real, limit_time_cpu if workers else 0) if value and value > 0]
    return min(limits) if limits else None


def run_budget(limit, calls=CALLS_PER_JOB, share=0.5):
    """The seconds one run may start new batches for, so that ``calls`` runs
    in a row stay under ``limit``. ``share`` keeps room for the batch that is
    under way when the budget runs out. None when there is no limit."""
    if not limit or limit <= 0:
        return None
    return max(MIN_BUDGET, limit * share / max(calls, 1))


class RunBudget:
    """A deadline for one run: ``expired()`` once ``seconds`` have passed
    since it was made. ``seconds`` None or <= 0: never expires."""

    def __init__(self, seconds, clock=time.monotonic):
        self.seconds = seconds if seconds and seconds > 0 else None
        self._clock = clock
        self._start = clock()

    def elapsed(self):
        return self._clock() - self._start

    def expired(self):
        return self.seconds is not None and self.elapsed() >= self.seconds
