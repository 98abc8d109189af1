"""When a price indexation is announced: worked examples."""

from datetime import date

from icasa_ev_subscription.tools.notice import anniversary_to_notice


def test_within_the_notice_window():
    # subscription from 1 March 2024: first indexation on 1 March 2025, announced 30 days ahead
    assert anniversary_to_notice(date(2024, 3, 1), date(2025, 1, 29), 30) is None  # 31 days ahead
    assert anniversary_to_notice(date(2024, 3, 1), date(2025, 1, 30), 30) == date(2025, 3, 1)
    assert anniversary_to_notice(date(2024, 3, 1), date(2025, 3, 1), 30) == date(2025, 3, 1)
    # the day after, the next anniversary is a year away
    assert anniversary_to_notice(date(2024, 3, 1), date(2025, 3, 2), 30) is None


def test_once_per_anniversary():
    assert anniversary_to_notice(date(2024, 3, 1), date(2025, 2, 10), 30, date(2025, 3, 1)) is None
    # the notice of the first anniversary does not silence the second
    assert anniversary_to_notice(date(2024, 3, 1), date(2026, 2, 10), 30, date(2025, 3, 1)) == date(2026, 3, 1)


def test_no_notice_in_the_first_year_and_leap_days():
    assert anniversary_to_notice(date(2025, 3, 1), date(2025, 3, 1), 30) is None
    # 29 February: the anniversary falls on 28 February
    assert anniversary_to_notice(date(2024, 2, 29), date(2025, 2, 1), 30) == date(2025, 2, 28)
    assert anniversary_to_notice(date(2024, 3, 1), date(2025, 2, 20), 0) is None
