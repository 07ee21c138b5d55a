"""Time-dependent amounts (munipay_base/lib/amount_rules.py).

Scenario: an Italian traffic fine (art. 202 Codice della Strada): 70 % within
5 days of notification, 100 % within 60 days, then the increased amount.
Days are counted from the day after notification (start + up_to_day).
"""
import datetime

import pytest

D = datetime.date

# up_to_day of each rule, in order; the ORM keeps factor 0.7 / 1 / (increase) alongside
ITALIAN_FINE_RULES = [5, 60, None]

HOLIDAYS = {
    D(2026, 1, 1), D(2026, 1, 6), D(2026, 4, 6), D(2026, 4, 25), D(2026, 5, 1),
    D(2026, 6, 2), D(2026, 8, 15), D(2026, 11, 1), D(2026, 12, 8),
    D(2026, 12, 25), D(2026, 12, 26),
}


def is_working_day(day):
    return day.weekday() < 5 and day not in HOLIDAYS


def weekdays_only(day):
    return day.weekday() < 5


def every_day(day):
    return True


def test_calendar_assumptions():
    # guard the dates the scenarios below rely on
    assert D(2026, 3, 2).weekday() == 0      # Monday
    assert D(2026, 3, 4).weekday() == 2      # Wednesday
    assert D(2026, 3, 7).weekday() == 5      # Saturday
    assert D(2026, 5, 1).weekday() == 4      # Friday, Labour Day
    assert D(2026, 12, 20).weekday() == 6    # Sunday
    assert D(2026, 12, 25).weekday() == 4    # Friday, Christmas


# ------------------------------------------------------------------ next_working_day / rule_deadline

def test_next_working_day_keeps_a_working_day(amount_rules):
    assert amount_rules.next_working_day(D(2026, 3, 4), is_working_day) == D(2026, 3, 4)


def test_next_working_day_skips_weekend(amount_rules):
    assert amount_rules.next_working_day(D(2026, 3, 7), is_working_day) == D(2026, 3, 9)
    assert amount_rules.next_working_day(D(2026, 3, 8), is_working_day) == D(2026, 3, 9)


def test_next_working_day_skips_holidays_and_weekend(amount_rules):
    # Fri 25 and Sat 26 holidays, Sun 27 weekend -> Mon 28
    assert amount_rules.next_working_day(D(2026, 12, 25), is_working_day) == D(2026, 12, 28)


def test_rule_deadline(amount_rules):
    assert amount_rules.rule_deadline(D(2026, 3, 4), 5, is_working_day) == D(2026, 3, 9)
    assert amount_rules.rule_deadline(D(2026, 3, 2), 5, every_day) == D(2026, 3, 7)
    assert amount_rules.rule_deadline(D(2026, 3, 2), 5, is_working_day) == D(2026, 3, 9)
    assert amount_rules.rule_deadline(D(2026, 3, 2), 0, is_working_day) == D(2026, 3, 2)
    assert amount_rules.rule_deadline(D(2026, 3, 2), None, is_working_day) is None


# ------------------------------------------------------------------ select_rule

def select(amount_rules, start, on_date, predicate=is_working_day, rules=ITALIAN_FINE_RULES):
    return amount_rules.select_rule(rules, start, on_date, predicate)


def test_day_5_on_a_working_day_is_first_rule_day_6_is_second(amount_rules):
    start = D(2026, 3, 4)  # notified Wednesday: day 5 is Monday 9 March, a working day
    assert select(amount_rules, start, start) == (0, D(2026, 3, 9))
    assert select(amount_rules, start, D(2026, 3, 9)) == (0, D(2026, 3, 9))
    # day 6; the 60-day deadline (Sun 3 May) moves to Mon 4 May
    assert select(amount_rules, start, D(2026, 3, 10)) == (1, D(2026, 5, 4))


def test_notified_monday_day_5_is_saturday_extends_to_monday(amount_rules):
    start = D(2026, 3, 2)  # Monday; day 5 = Saturday 7 March
    assert select(amount_rules, start, D(2026, 3, 7)) == (0, D(2026, 3, 9))
    assert select(amount_rules, start, D(2026, 3, 8)) == (0, D(2026, 3, 9))   # Sunday, day 6
    assert select(amount_rules, start, D(2026, 3, 9)) == (0, D(2026, 3, 9))   # extended deadline
    # the day after the extended deadline falls under the next rule; 60 days -> Fri 1 May
    # (Labour Day holiday) -> Sat, Sun -> Mon 4 May
    assert select(amount_rules, start, D(2026, 3, 10)) == (1, D(2026, 5, 4))


def test_without_extension_the_weekend_is_not_granted(amount_rules):
    start = D(2026, 3, 2)
    assert select(amount_rules, start, D(2026, 3, 7), every_day) == (0, D(2026, 3, 7))
    assert select(amount_rules, start, D(2026, 3, 8), every_day) == (1, D(2026, 5, 1))


def test_holiday_deadline_extends_over_holidays_and_weekend(amount_rules):
    start = D(2026, 12, 20)  # day 5 = Fri 25 Dec (holiday), Sat 26 (holiday), Sun 27
    for day in (D(2026, 12, 25), D(2026, 12, 26), D(2026, 12, 27), D(2026, 12, 28)):
        assert select(amount_rules, start, day) == (0, D(2026, 12, 28)), day
    index, deadline = select(amount_rules, start, D(2026, 12, 29))
    assert index == 1
    assert deadline == D(2027, 2, 18)  # 20 Dec + 60 days, a Thursday


def test_holidays_matter_compared_to_weekdays_only(amount_rules):
    start = D(2026, 12, 20)
    # with weekends only, Friday 25 is a working day: Monday 28 is already rule 1
    assert select(amount_rules, start, D(2026, 12, 25), weekdays_only) == (0, D(2026, 12, 25))
    assert select(amount_rules, start, D(2026, 12, 28), weekdays_only)[0] == 1
    assert select(amount_rules, start, D(2026, 12, 28), is_working_day)[0] == 0


def test_after_day_60_is_last_rule_without_deadline(amount_rules):
    start = D(2026, 3, 2)
    # extended second deadline: Mon 4 May (1 May holiday + weekend)
    for day in (D(2026, 5, 1), D(2026, 5, 2), D(2026, 5, 3), D(2026, 5, 4)):
        assert select(amount_rules, start, day)[0] == 1, day
    assert select(amount_rules, start, D(2026, 5, 5)) == (2, None)
    assert select(amount_rules, start, D(2030, 1, 1)) == (2, None)


def test_day_61_when_day_60_is_working(amount_rules):
    start = D(2026, 3, 3)  # Tuesday; day 60 = Saturday 2 May -> Mon 4 May
    assert select(amount_rules, start, D(2026, 5, 4)) == (1, D(2026, 5, 4))
    start = D(2026, 3, 6)  # Friday; day 60 = Tuesday 5 May, a working day
    assert select(amount_rules, start, D(2026, 5, 5)) == (1, D(2026, 5, 5))
    assert select(amount_rules, start, D(2026, 5, 6)) == (2, None)


def test_no_rules(amount_rules):
    assert amount_rules.select_rule([], D(2026, 3, 2), D(2026, 3, 2), is_working_day) == (None, None)


def test_date_beyond_all_limited_rules(amount_rules):
    rules = [5, 60]
    start = D(2026, 3, 4)
    assert amount_rules.select_rule(rules, start, D(2026, 5, 4), is_working_day) == (1, D(2026, 5, 4))
    assert amount_rules.select_rule(rules, start, D(2026, 5, 5), is_working_day) == (None, None)


def test_single_unlimited_rule(amount_rules):
    assert amount_rules.select_rule([None], D(2026, 3, 2), D(2099, 1, 1), is_working_day) == (0, None)


def test_rules_are_taken_in_order(amount_rules):
    # the first covering rule wins even when a later one is shorter
    start = D(2026, 3, 4)
    assert amount_rules.select_rule([60, 5], start, D(2026, 3, 5), is_working_day) == (0, D(2026, 5, 4))


# ------------------------------------------------------------------ amount_for

def test_amount_for_reduced_fine_plus_costs(amount_rules):
    assert amount_rules.amount_for(0.7, 42, 13.5) == 42.9


@pytest.mark.parametrize('factor, base, costs, expected', [
    (0.7, 10.05, 0, 7.04),      # 7.035 -> 7.04 (half-up; binary float 7.035 would round down)
    (0.7, 10.15, 0, 7.11),      # 7.105 -> 7.11
    (0.3, 0.15, 0, 0.05),       # 0.045 -> 0.05 (half-even would give 0.04)
    (1, 42, 13.5, 55.5),
    (1, 0.1, 0.2, 0.3),         # no binary float residue
    (0.7, 173, 13.5, 134.6),    # 121.1 + 13.5
])
def test_amount_for_rounds_half_up(amount_rules, factor, base, costs, expected):
    assert amount_rules.amount_for(factor, base, costs) == expected


def test_amount_for_digits(amount_rules):
    assert amount_rules.amount_for(0.7, 10.05, 0, digits=0) == 7.0
    assert amount_rules.amount_for(0.5, 5, 0, digits=0) == 3.0      # 2.5 -> 3 half-up
    assert amount_rules.amount_for(0.7, 10.05, 0, digits=3) == 7.035


def test_amount_for_returns_float(amount_rules):
    assert type(amount_rules.amount_for(1, 10, 0)) is float


def test_amount_for_rounds_costs_half_up(amount_rules):
    assert amount_rules.amount_for(1, 10, 0.125) == 10.13


# ------------------------------------------------------------------ schedule_problem

@pytest.mark.parametrize('up_to_days', [
    [],
    [None],
    [5],
    [5, 60],
    ITALIAN_FINE_RULES,
    [0, 1, None],
])
def test_schedule_problem_accepts_increasing_days_open_rule_last(amount_rules, up_to_days):
    assert amount_rules.schedule_problem(up_to_days) is None


@pytest.mark.parametrize('up_to_days, expected', [
    ([60, 5], ('not_increasing', 1)),
    ([5, 5], ('not_increasing', 1)),
    ([5, 60, 30, None], ('not_increasing', 2)),
    ([None, None], ('several_open', 1)),
    ([5, None, None], ('several_open', 2)),
    ([None, 5], ('open_not_last', 1)),
    ([5, None, 60], ('open_not_last', 2)),
])
def test_schedule_problem_names_the_offending_rule(amount_rules, up_to_days, expected):
    assert amount_rules.schedule_problem(up_to_days) == expected


def test_schedule_problem_takes_any_iterable(amount_rules):
    assert amount_rules.schedule_problem(iter([5, 3])) == ('not_increasing', 1)


# ------------------------------------------------------------------ factor as a percentage

@pytest.mark.parametrize('factor, base, percent', [
    (0.7, 'amount', -30.0),
    (1.0, 'amount', 0.0),
    (1.2, 'amount', 20.0),
    (0.5, 'amount_max', 50.0),
    (1.0, 'amount_max', 100.0),
    (0.6667, 'amount', -33.33),
    (0.33335, 'amount_max', 33.34),   # half-up, not binary-float rounding
])
def test_factor_to_percent(amount_rules, factor, base, percent):
    assert amount_rules.factor_to_percent(factor, base) == percent


@pytest.mark.parametrize('percent, base, factor', [
    (-30, 'amount', 0.7),
    (0, 'amount', 1.0),
    (20, 'amount', 1.2),
    (50, 'amount_max', 0.5),
    (-33.33, 'amount', 0.6667),
    (12.345, 'amount', 1.1235),
])
def test_percent_to_factor(amount_rules, percent, base, factor):
    assert amount_rules.percent_to_factor(percent, base) == factor


@pytest.mark.parametrize('factor', [0.7, 0.75, 1.0, 1.1, 0.5, 2.0, 0.0001])
@pytest.mark.parametrize('base', ['amount', 'amount_max'])
def test_percent_round_trip(amount_rules, factor, base):
    assert amount_rules.percent_to_factor(amount_rules.factor_to_percent(factor, base), base) == factor
