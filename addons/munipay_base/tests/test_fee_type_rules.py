from contextlib import contextmanager

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import MunipayCommon


@tagged('post_install', '-at_install')
class TestAmountRuleSchedule(MunipayCommon):
    """Amount rules must cover increasing days, with at most one open-ended rule, last."""

    @contextmanager
    def assertRefused(self, message):
        with self.assertRaises(ValidationError) as caught:  # Odoo's: rolls the savepoint back
            yield
        self.assertRegex(str(caught.exception), message)

    def _fee(self, *rules):
        return self.env['munipay.fee.type'].create({
            'name': 'Rules', 'code': 'RULES', 'product_id': self.product_fee.id, 'amount': 40.0,
            'amount_max': 160.0,
            'amount_rule_ids': [Command.create({'sequence': i, 'up_to_day': day, 'factor': 1.0})
                                for i, day in enumerate(rules)]})

    def test_days_must_increase(self):
        with self.assertRefused('increasing days: the rule up to day 5 comes after the rule up to day 60'):
            self._fee(60, 5)
        with self.assertRefused('increasing days'):
            self._fee(5, 5)

    def test_one_open_ended_rule_and_last(self):
        with self.assertRefused('only one rule without a last day'):
            self._fee(5, False, False)
        with self.assertRefused('only one rule without a last day'):
            self._fee(False, 5)

    def test_editing_a_rule_is_checked_in_sequence_order(self):
        fee = self._fee(5, 60, False)
        first, second, last = fee.amount_rule_ids.sorted('sequence')
        with self.assertRefused('increasing days'):
            second.up_to_day = 3
        with self.assertRefused('only one rule without a last day'):
            last.sequence = -1  # the open-ended rule moved first
        with self.assertRefused('increasing days'):
            fee.write({'amount_rule_ids': [Command.create({'sequence': 1, 'up_to_day': 30})]})
        fee.write({'amount_rule_ids': [Command.unlink(second.id),
                                       Command.update(first.id, {'up_to_day': 10})]})
        self.assertEqual(fee.amount_rule_ids.mapped('up_to_day'), [10, 0])

    def test_valid_schedules(self):
        self.assertEqual(len(self._fee(5, 60, False).amount_rule_ids), 3)
        self.assertEqual(len(self.fee_fine.amount_rule_ids), 3)


@tagged('post_install', '-at_install')
class TestAmountRuleWording(MunipayCommon):
    """The rules read naturally in the fee type form."""

    def test_rules_read_as_words(self):
        self.assertEqual(self.fee_fine.amount_rule_ids.mapped('name'), [
            'Up to day 5: \N{MINUS SIGN}30\N{NO-BREAK SPACE}% of the amount',
            'Up to day 60: full amount',
            'Afterwards: 50\N{NO-BREAK SPACE}% of the maximum',
        ])
        self.assertEqual(self.fee_fine.amount_rule_ids.mapped('window'), ['until', 'until', 'after'])
        self.assertEqual(self.fee_fine.amount_rule_ids.mapped('percent'), [-30.0, 0.0, 50.0])

    def test_single_open_rule_and_increase(self):
        fee = self.env['munipay.fee.type'].create({
            'name': 'Late', 'code': 'LATE', 'product_id': self.product_fee.id, 'amount': 10.0,
            'amount_rule_ids': [Command.create({'factor': 1.1})]})
        self.assertEqual(fee.amount_rule_ids.name, 'Any day: +10\N{NO-BREAK SPACE}% of the amount')

    def test_percent_sets_the_factor(self):
        rule = self.fee_fine.amount_rule_ids[0]
        rule.percent = -20
        self.assertEqual(rule.factor, 0.8)
        last = self.fee_fine.amount_rule_ids[-1]
        last.percent = 100
        self.assertEqual(last.factor, 1.0)
        self.assertEqual(last.name, 'Afterwards: the maximum')

    def test_form_edits_rules_in_words(self):
        with Form(self.fee_card) as form:
            with form.amount_rule_ids.new() as rule:
                rule.window = 'until'
                rule.up_to_day = 5
                rule.percent = -30
                self.assertEqual(rule.factor, 0.7)
                self.assertEqual(rule.name, 'Up to day 5: \N{MINUS SIGN}30\N{NO-BREAK SPACE}% of the amount')
            with form.amount_rule_ids.new() as rule:
                rule.sequence = 20
                rule.window = 'after'
                self.assertEqual(rule.name, 'Afterwards: full amount')
        self.assertEqual([(r.up_to_day, r.factor) for r in self.fee_card.amount_rule_ids], [(5, 0.7), (0, 1.0)])

    def test_until_needs_a_day(self):
        with self.assertRaisesRegex(ValidationError, 'last day of the rule'):
            self.fee_card.write({'amount_rule_ids': [Command.create({'window': 'until'})]})
