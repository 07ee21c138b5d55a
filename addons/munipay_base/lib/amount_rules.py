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


def schedule_problem(up_to_days):
    """Why rules with these ``up_to_day`` values (in sequence order, None = no
    limit) cannot all apply, as ``(code, index of the offending rule)``, or None.

    Codes: 'several_open' (a second rule without a last day), 'open_not_last'
    (a rule follows the one without a last day: it would never apply),
    'not_increasing' (a last day not after the previous rule's).
    """
    up_to_days = list(up_to_days)
    previous = None
    seen_open = False
    for index, up_to_day in enumerate(up_to_days):
        if up_to_day is None:
            if seen_open:
                return 'several_open', index
            seen_open = True
            continue
        if seen_open:
            return 'open_not_last', index
        if previous is not None and up_to_day <= previous:
            return 'not_increasing', index
        previous = up_to_day
    return None


def factor_to_percent(factor, base):
    """A rule's factor as people read it: for the amount, the change in per cent
    (0.7 → -30, 1.0 → 0); for the maximum, its share in per cent (0.5 → 50)."""
    value = Decimal(str(factor)) * 100 - (100 if base == 'amount' else 0)
    return float(value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP))


def percent_to_factor(percent, base):
    """Inverse of :func:`factor_to_percent`, rounded to the factor's four decimals."""
    value = (Decimal(str(percent)) + (100 if base == 'amount' else 0)) / 100
    return float(value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP))
