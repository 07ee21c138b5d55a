"""Time-dependent amounts: which rule applies on a date.

A rule covers the days elapsed since notification up to ``up_to_day``
(inclusive; None = no limit). When the last day of a rule is not a working day,
the rule extends to the next working day. Pure Python so it can be tested fast;
the ORM passes the working-day predicate built from the company calendar.
"""
import datetime
from decimal import Decimal, ROUND_HALF_UP


def next_working_day(day, is_working_day, horizon=60):
    """``day`` itself when it is a working day, else the next one."""
    for _i in range(horizon):
        if is_working_day(day):
            return day
        day += datetime.timedelta(days=1)
    return day


def rule_deadline(start, up_to_day, is_working_day):
    """Last date covered by a rule starting on ``start`` (None when unlimited)."""
    if up_to_day is None:
        return None
    return next_working_day(start + datetime.timedelta(days=up_to_day), is_working_day)


def select_rule(rules, start, on_date, is_working_day):
    """Return (index, deadline) of the first rule covering ``on_date``.

    ``rules`` is a sequence of ``up_to_day`` values (None = unlimited), in order.
    Returns (None, None) when no rule covers the date.
    """
    for index, up_to_day in enumerate(rules):
        deadline = rule_deadline(start, up_to_day, is_working_day)
        if deadline is None or on_date <= deadline:
            return index, deadline
    return None, None


def amount_for(factor, base, costs, digits=2):
    """factor × base + costs, rounded half-up to the currency's digits."""
    quantum = Decimal(1).scaleb(-digits)
    value = Decimal(str(factor)) * Decimal(str(base))
    costs = Decimal(str(costs))
    return float(value.quantize(quantum, rounding=ROUND_HALF_UP) + costs.quantize(quantum, rounding=ROUND_HALF_UP))
