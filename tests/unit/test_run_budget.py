"""The time budget of a billing run: Odoo's limits read as Odoo reads them."""

from icasa_ev_subscription.tools.run_budget import RunBudget, cron_time_limit, run_budget


def test_defaults_with_workers():
    # Odoo's defaults: limit_time_real_cron -1 (as limit_time_real 120), limit_time_cpu 60;
    # the worker may sleep 69 s of the 120 before it works
    assert cron_time_limit(-1, 120, 60, workers=2) == 51
    assert run_budget(51) == 2.55  # ten calls of 2.55 s plus the batch under way


def test_threaded_server_has_no_cpu_limit():
    assert cron_time_limit(-1, 120, 60, workers=0) == 120
    assert run_budget(120) == 6.0


def test_cron_limit_overrides_the_real_limit():
    assert cron_time_limit(1800, 120, 600, workers=4) == 600
    assert cron_time_limit(1800, 120, 0, workers=4) == 1731


def test_no_limit_no_budget():
    assert cron_time_limit(0, 0, 0, workers=2) is None
    assert run_budget(None) is None
    assert run_budget(0) is None


def test_tiny_limits_keep_one_second():
    assert run_budget(5) == 1.0


def test_budget_expires_on_its_clock():
    now = [100.0]
    budget = RunBudget(3, clock=lambda: now[0])
    assert not budget.expired()
    now[0] = 102.9
    assert not budget.expired()
    now[0] = 103.0
    assert budget.expired()
    assert budget.elapsed() == 3.0


def test_no_budget_never_expires():
    now = [0.0]
    for seconds in (None, 0, -1):
        budget = RunBudget(seconds, clock=lambda: now[0])
        now[0] += 1e9
        assert not budget.expired()
