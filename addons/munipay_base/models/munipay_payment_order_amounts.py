from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import fields, models
from odoo.tools import float_compare

from ..lib import amount_rules as amount_rules_lib


class MunipayPaymentOrder(models.Model):
    """What an order asks on a date: its fee type's time-dependent amount rules."""
    _inherit = 'munipay.payment.order'

    def _munipay_principal_and_costs(self):
        self.ensure_one()
        costs = sum(self.line_ids.filtered('is_cost').mapped('amount'))
        return self.currency_id.round(self.amount_total - costs), self.currency_id.round(costs)

    def _munipay_working_day_checker(self, start, end):
        """A predicate telling whether a date is a working day for the company: its
        working calendar with the public holidays (global leaves) in the calendar's time zone."""
        self.ensure_one()
        calendar = self.company_id.resource_calendar_id
        if not calendar:
            return lambda day: day.weekday() < 5
        # rules can extend past their last day: look far enough ahead
        unusual = calendar.sudo()._get_unusual_days(
            datetime.combine(start - timedelta(days=1), time.min),
            datetime.combine(end + timedelta(days=60), time.max), self.company_id)
        return lambda day: not unusual.get(fields.Date.to_string(day), not calendar._works_on_date(day))

    def _munipay_rules(self):
        return self.fee_type_id.amount_rule_ids.sorted(lambda r: (r.sequence, r.id))

    def _munipay_rules_start_and_checker(self, rules, checkers=None):
        """Day the rules count from, and its working-day predicate; ``checkers``
        shares the calendar look-up between the orders of a batch."""
        start = self.date_notified or self.date_issue
        horizon = max((r.up_to_day for r in rules if r.up_to_day), default=0)
        checkers = {} if checkers is None else checkers
        key = (self.company_id.id, start, horizon)
        if key not in checkers:
            checkers[key] = self._munipay_working_day_checker(start, start + timedelta(days=horizon))
        return start, checkers[key]

    def _munipay_rule_on(self, on_date):
        """(rule, deadline) applying on ``on_date``, or (None, None) without rules."""
        self.ensure_one()
        rules = self._munipay_rules()
        if not rules:
            return None, None
        start, is_working_day = self._munipay_rules_start_and_checker(rules)
        index, deadline = amount_rules_lib.select_rule(
            [r.up_to_day or None for r in rules], start, on_date, is_working_day)
        return (rules[index], deadline) if index is not None else (None, None)

    def _munipay_rule_schedule(self, checkers=None):
        """[(rule, last day or None)] of the order's amount rules, in order."""
        self.ensure_one()
        rules = self._munipay_rules()
        if not rules:
            return []
        start, is_working_day = self._munipay_rules_start_and_checker(rules, checkers)
        return [(rule, amount_rules_lib.rule_deadline(start, rule.up_to_day or None, is_working_day))
                for rule in rules]

    def _munipay_amount_for_rule(self, rule):
        self.ensure_one()
        principal, costs = self._munipay_principal_and_costs()
        base = principal if rule.base == 'amount' else self.fee_type_id.amount_max
        return amount_rules_lib.amount_for(rule.factor, base, costs, self.currency_id.decimal_places)

    def get_amount_due(self, on_date=None):
        """The amount to collect on ``on_date`` (today by default).

        factor × base of the first rule covering the days since notification (or
        issue), plus the costs; the order's total when its fee type has no rules.
        """
        self.ensure_one()
        on_date = fields.Date.to_date(on_date) or self._munipay_today()
        rule, _deadline = self._munipay_rule_on(on_date)
        if not rule:
            return self.amount_total
        return self._munipay_amount_for_rule(rule)

    def _munipay_amount_settled(self):
        """What has settled the order's receivable so far: money, credits, write-offs."""
        self.ensure_one()
        if not self.ledger_line_ids:
            return 0.0
        # only the balances: the order's page and every amount check read this, and a
        # journal item's ~100 columns cost more than the rest of the computation
        balances = self.ledger_line_ids.with_context(prefetch_fields=False).mapped('balance')
        return self.currency_id.round(sum(balances) - self.amount_residual)

    def get_amount_open(self, on_date=None):
        """The amount still to collect on ``on_date``: amount due less what settled the order."""
        self.ensure_one()
        if self.state not in ('draft', 'issued'):
            return 0.0
        return self.currency_id.round(max(self.get_amount_due(on_date) - self._munipay_amount_settled(), 0.0))

    def _munipay_discount_terms(self, checkers=None):
        """(discounted amount, last day) of the first window when it is below the total."""
        self.ensure_one()
        schedule = self._munipay_rule_schedule(checkers)
        if not schedule or not schedule[0][1]:
            return None, None
        first_rule, last_day = schedule[0]
        amount = self._munipay_amount_for_rule(first_rule)
        if float_compare(amount, self.amount_total, precision_rounding=self.currency_id.rounding) >= 0:
            return None, None
        return amount, last_day

    def _munipay_update_discount_terms(self):
        """Put the discount window on the receivable item, where Odoo's payment
        wizard reads it as an early payment discount."""
        groups = defaultdict(lambda: self.env['account.move.line'])
        checkers = {}
        for order in self:
            line = order.receivable_line_id
            if not line or line.matched_credit_ids:
                continue
            groups[order._munipay_discount_terms(checkers)] |= line
        for (amount, last_day), lines in groups.items():
            lines.sudo().write({
                'discount_date': last_day or False,
                'discount_amount_currency': amount or 0.0,
                'discount_balance': amount or 0.0,
            })

    def _munipay_surcharge_steps(self, checkers=None):
        """[(first day, amount)] of the rules that ask more than the order's total,
        in order: the days a late-payment surcharge step starts."""
        self.ensure_one()
        steps, previous_last_day = [], None
        for rule, last_day in self._munipay_rule_schedule(checkers):
            if previous_last_day is not None:
                amount = self._munipay_amount_for_rule(rule)
                if self.currency_id.compare_amounts(amount, self.amount_total) > 0:
                    steps.append((previous_last_day + timedelta(days=1), amount))
            if last_day is None:
                break
            previous_last_day = last_day
        return steps
