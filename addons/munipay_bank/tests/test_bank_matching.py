from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.munipay_base.tests.common import MunipayCommon
from odoo.addons.munipay_base.lib.references import format_in_groups


@tagged('post_install', '-at_install')
class TestBankMatching(MunipayCommon):
    """Statement lines are matched to orders on Odoo's own reconciliation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receivable = cls.payer.property_account_receivable_id
        cls.suspense_account = cls.company._munipay_suspense_account()
        cls.payer.bank_ids = [Command.create({'acc_number': 'IT60 X054 2811 1010 0000 0123 456'})]

    def st_line(self, amount, ref='', date=None, **vals):
        return self.env['account.bank.statement.line'].create({
            'journal_id': self.bank_journal.id, 'date': date or fields.Date.today(), 'amount': amount,
            'payment_ref': ref, **vals})

    def test_rf_reference_any_spacing_pays_the_order(self):
        order = self.make_order()
        line = self.st_line(22.21, 'Bonifico %s Mario' % format_in_groups(order.payment_reference).lower())
        self.assertEqual((line.munipay_match_state, line.munipay_order_id), ('order', order))
        self.assertTrue(line.is_reconciled)
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.date_paid, line.date)
        counterpart = line.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual((counterpart.credit, counterpart.partner_id, counterpart.reconciled), (22.21, self.payer, True))
        self.assertEqual(order.receivable_line_id.matched_credit_ids.credit_move_id, counterpart)
        self.assertBalanced()

    def test_analytic_distribution_models_still_apply_to_the_counterpart(self):
        """munipay skips asking the analytic models only where the company has none."""
        plan = self.env['account.analytic.plan'].create({'name': 'Services'})
        analytic = self.env['account.analytic.account'].create({'name': 'Registry office', 'plan_id': plan.id})
        order = self.make_order()
        line = self.st_line(22.21, order.payment_reference)
        counterpart = line.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual((order.state, counterpart.analytic_distribution), ('paid', False))
        self.env['account.analytic.distribution.model'].create({
            'partner_id': self.payer.id, 'analytic_distribution': {str(analytic.id): 100}})
        other = self.make_order()
        line = self.st_line(22.21, other.payment_reference)
        counterpart = line.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual(other.state, 'paid')
        self.assertEqual(counterpart.analytic_distribution, {str(analytic.id): 100})

    def test_discount_on_the_value_date(self):
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(3))
        line = self.st_line(42.9, order.payment_reference, date=self.days_ago(2))
        self.assertEqual(order.state, 'paid')
        discount = self.env['account.move.line'].search([('munipay_discount_order_id', '=', order.id)])
        self.assertEqual((discount.account_id, discount.debit), (self.discount_account, 12.6))
        self.assertEqual(order.date_paid, line.date)
        # the same amount after the window is short: partly paid
        late = self.make_order(self.fee_fine, date_notified=self.days_ago(30))
        self.st_line(42.9, late.payment_reference)
        self.assertEqual((late.state, late.amount_residual), ('issued', 12.6))

    def test_overpayment_and_paid_orders_become_flagged_credits(self):
        order = self.make_order()
        line = self.st_line(30.0, order.payment_reference)
        self.assertEqual(order.state, 'paid')
        self.assertTrue(order.needs_refund)
        self.assertEqual(-sum(order.refund_line_ids.mapped('amount_residual')), 7.79)
        again = self.st_line(22.21, order.payment_reference)
        self.assertEqual(again.munipay_match_state, 'credit')
        credit = again.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual((credit.credit, credit.reconciled), (22.21, False))
        self.assertIn(credit, order.refund_line_ids)
        self.assertEqual(self.env['account.payment'].search_count([('partner_id', '=', self.payer.id)]), 0,
                         "statement lines, not payments: the bank is the channel")
        self.assertTrue(line.is_reconciled and again.is_reconciled)
        self.assertBalanced()

    def test_order_number_or_payer_and_amount(self):
        by_name = self.make_order(partner=self.payer_2)
        line = self.st_line(22.21, 'Pagamento pratica %s' % by_name.name)
        self.assertEqual(line.munipay_order_id, by_name)
        unique = self.make_order(amount=64.0)
        line = self.st_line(64.0, 'canone', account_number='IT60X0542811101000000123456', partner_name='M. Rossi')
        self.assertEqual((line.munipay_order_id, unique.state), (unique, 'paid'))

    def test_ambiguous_or_unknown_waits_as_suspense_then_assigned(self):
        self.make_order(amount=50.0)
        second = self.make_order(amount=50.0)
        line = self.st_line(50.0, 'quota', account_number='IT60X0542811101000000123456')
        self.assertEqual(line.munipay_match_state, 'suspense', "two open orders fit: never a guess")
        item = line.move_id.line_ids.filtered('munipay_suspense')
        self.assertEqual((item.account_id, item.credit, item.reconciled), (self.suspense_account, 50.0, False))
        self.assertTrue(line.move_id.activity_ids)
        wrong = self.st_line(22.21, 'RF19539007547034')  # wrong check digits
        self.assertEqual(wrong.munipay_match_state, 'suspense')
        wizard = self.env['munipay.suspense.assign'].create({'line_id': item.id, 'order_id': second.id})
        wizard.action_confirm()
        self.assertTrue(item.reconciled)
        self.assertEqual((second.state, second.amount_paid, second.date_paid), ('paid', 50.0, line.date))
        self.assertFalse(line.move_id.activity_ids)
        with self.assertRaisesRegex(UserError, 'already been assigned'):
            self.env['munipay.suspense.assign'].create({'line_id': item.id, 'order_id': second.id}).action_confirm()
        self.assertBalanced()

    def test_suspense_item_matched_by_hand(self):
        """What a reconciliation screen does with an unmatched payment: undo munipay's
        counterpart, then reconcile the line with the order's receivable."""
        order = self.make_order(partner=self.payer_2, amount=35.0)
        line = self.st_line(35.0, 'tassa occupazione suolo pubblico', partner_name='Luca Bianchi')
        self.assertEqual(line.munipay_match_state, 'suspense')
        self.assertTrue(line.move_id.activity_ids)
        line.action_undo_reconciliation()
        self.assertFalse(line.munipay_match_state)
        self.assertFalse(line.move_id.activity_ids, "the accountant took it over: the officer's to-do is done")
        self.assertFalse(line.move_id.line_ids.filtered(lambda l: l.account_id == self.suspense_account))
        _liquidity, suspense, _other = line._seek_for_lines()
        suspense.with_context(skip_account_move_synchronization=True).write({
            'account_id': self.receivable.id, 'partner_id': self.payer_2.id})
        (suspense | order.receivable_line_id).reconcile()
        self.assertTrue(line.is_reconciled)
        self.assertEqual((order.state, order.date_paid), ('paid', line.date))
        self.assertEqual(order.receivable_line_id.matched_credit_ids.credit_move_id, suspense)
        self.assertFalse(sum(self.env['account.move.line'].search(
            [('account_id', '=', self.suspense_account.id)]).mapped('balance')))
        self.assertBalanced()

    def test_suspense_item_booked_back_by_hand_is_still_an_unmatched_payment(self):
        order = self.make_order(amount=12.0)
        line = self.st_line(12.0, 'boh', partner_name='Ignoto')
        line.action_undo_reconciliation()
        # the reconciliation screen proposes munipay's former counterpart again: the accountant accepts it
        _liquidity, suspense, _other = line._seek_for_lines()
        suspense.with_context(skip_account_move_synchronization=True).account_id = self.suspense_account
        self.assertTrue(line.is_reconciled)
        self.assertEqual(line.move_id.line_ids.filtered('munipay_suspense'), suspense,
                         "it waits among the unmatched payments, to assign or return")
        self.env['munipay.suspense.assign'].create({'line_id': suspense.id, 'order_id': order.id}).action_confirm()
        self.assertTrue(suspense.reconciled)
        self.assertEqual(order.state, 'paid')
        self.assertBalanced()

    def test_return_to_sender(self):
        line = self.st_line(15.0, 'no idea', partner_id=self.payer_2.id)
        item = line.move_id.line_ids.filtered('munipay_suspense')
        action = item.action_munipay_return()
        payment = self.env['account.payment'].browse(action['res_id'])
        self.assertEqual((payment.payment_type, payment.amount, payment.partner_id, payment.state),
                         ('outbound', 15.0, self.payer_2, 'draft'))
        payment.action_post()
        self.assertTrue(item.reconciled)
        self.assertEqual(self.suspense_account.current_balance, 0.0)
        self.assertBalanced()

    def test_lines_reconciled_by_hand_are_left_alone(self):
        order = self.make_order()
        line = self.env['account.bank.statement.line'].with_context(munipay_no_match=True).create({
            'journal_id': self.bank_journal.id, 'amount': 22.21, 'payment_ref': order.payment_reference})
        _liquidity, suspense, _other = line.with_context(skip_account_move_synchronization=True)._seek_for_lines()
        suspense.with_context(skip_account_move_synchronization=True).account_id = \
            self.company_data['default_account_revenue']
        self.assertTrue(line.is_reconciled)
        line.action_munipay_match()
        self.assertFalse(line.munipay_match_state)
        self.assertEqual(order.state, 'issued')
        # an unmatched line the accountant left: the job matches it
        pending = self.env['account.bank.statement.line'].with_context(munipay_no_match=True).create({
            'journal_id': self.bank_journal.id, 'amount': 22.21, 'payment_ref': order.payment_reference})
        self.env['account.bank.statement.line']._cron_munipay_match()
        self.assertEqual((pending.munipay_match_state, order.state), ('order', 'paid'))

    def test_job_leaves_archived_companies_alone(self):
        other = self.setup_other_company(name="Closed office")['company']
        journal = self.env['account.journal'].search([('company_id', '=', other.id), ('type', '=', 'bank')], limit=1)
        line = self.env['account.bank.statement.line'].with_company(other).with_context(munipay_no_match=True).create({
            'journal_id': journal.id, 'amount': 12.0, 'payment_ref': 'no order of ours', 'company_id': other.id})
        other.active = False
        order = self.make_order()
        pending = self.env['account.bank.statement.line'].with_context(munipay_no_match=True).create({
            'journal_id': self.bank_journal.id, 'amount': 22.21, 'payment_ref': order.payment_reference})
        self.env['account.bank.statement.line']._cron_munipay_match()
        self.assertEqual((pending.munipay_match_state, order.state), ('order', 'paid'))
        self.assertFalse(line.munipay_match_state, "nothing of the archived company is put to suspense")
        self.assertFalse(other.munipay_suspense_account_id)

    def test_batch_orders_matched_in_bulk(self):
        payers = [self.payer, self.payer_2] * 3
        orders = self.env['munipay.payment.order'].create([{
            'partner_id': payer.id, 'fee_type_id': self.fee_card.id,
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(self.fee_card),
        } for payer in payers])
        orders._munipay_issue_batch()
        lines = self.env['account.bank.statement.line'].with_context(munipay_no_match=True).create([{
            'journal_id': self.bank_journal.id, 'amount': 22.21, 'payment_ref': order.payment_reference,
        } for order in orders])
        matches = lines._munipay_match()
        self.assertEqual({line: order for line, (order, _note) in matches.items()}, dict(zip(lines, orders)))
        self.assertEqual(set(orders.mapped('state')), {'paid'})
        self.assertTrue(all(orders.receivable_line_id.mapped('reconciled')))
        for line, order in zip(lines, orders):
            counterpart = line.move_id.line_ids - line.move_id.line_ids.filtered(
                lambda l: l.account_id == self.bank_journal.default_account_id)
            self.assertEqual((counterpart.account_id, counterpart.partner_id, line.partner_id),
                             (self.receivable, order.partner_id, order.partner_id))
            self.assertEqual(order.receivable_line_id.matched_credit_ids.credit_move_id, counterpart)
        self.assertBalanced()

    def test_oca_rules_do_not_compete_with_munipay(self):
        # OCA's add-on auto-reconciles new lines outside tests (this context asks it to
        # here); on a munipay company munipay's matching is the automatic reconciliation
        self.env['account.reconcile.model'].create({
            'name': 'Perfect match', 'rule_type': 'invoice_matching', 'auto_reconcile': True,
            'company_id': self.company.id})
        order = self.make_order()
        StLine = self.env['account.bank.statement.line'].with_context(_test_account_reconcile_oca=True)
        with patch.object(type(StLine), '_retrieve_partner', autospec=True,
                          side_effect=lambda line: line.partner_id) as retrieve:
            line = StLine.create({'journal_id': self.bank_journal.id, 'amount': 22.21,
                                  'payment_ref': order.payment_reference})
            self.assertFalse(retrieve.called)
            self.assertEqual((line.munipay_match_state, order.state), ('order', 'paid'))
            self.company.munipay_bank_auto_match = False
            StLine.create({'journal_id': self.bank_journal.id, 'amount': 5.0, 'payment_ref': 'other'})
            self.assertEqual(retrieve.call_count, 1)

    def test_returned_transfer_reopens_the_order(self):
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(1))
        paid_line = self.st_line(42.9, order.payment_reference)
        self.assertEqual(order.state, 'paid')
        returned = self.st_line(-42.9, 'RETURN %s AC04 account closed' % order.payment_reference)
        self.assertEqual((returned.munipay_match_state, returned.munipay_order_id), ('return', order))
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.amount_residual, 55.5, "the discount written off for that money goes with it")
        self.assertFalse(order.needs_refund, "the return cancels the money: nothing to refund")
        original = paid_line.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        back = returned.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual(back.matched_credit_ids.credit_move_id, original)
        self.assertTrue(original.reconciled and back.reconciled)
        self.assertEqual(self.discount_account.current_balance, 0.0)
        self.assertBalanced()

    def test_return_of_a_registered_payment_reopens_the_order(self):
        order = self.make_order()
        _wizard, payment = self.register_native(order.receivable_line_id, 'account.move.line')
        self.assertEqual(order.state, 'paid')
        returned = self.st_line(-22.21, 'R-Transaction %s MS03' % order.payment_reference)
        self.assertEqual((returned.munipay_match_state, returned.munipay_order_id), ('return', order))
        self.assertEqual((order.state, order.amount_residual), ('issued', 22.21))
        paid = payment.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        back = returned.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual((back.debit, back.partner_id), (22.21, self.payer))
        self.assertEqual(back.matched_credit_ids.credit_move_id, paid)
        self.assertFalse(order.receivable_line_id.matched_credit_ids)
        self.assertBalanced()

    def test_partial_return_keeps_the_rest_paid(self):
        order = self.make_order()
        paid_line = self.st_line(22.21, order.payment_reference)
        returned = self.st_line(-10.0, 'Ruecklastschrift %s' % order.payment_reference)
        self.assertEqual(returned.munipay_match_state, 'return')
        self.assertEqual((order.state, order.amount_residual), ('issued', 10.0))
        original = paid_line.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        back = returned.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertTrue(original.reconciled)
        self.assertEqual(sorted(original.matched_debit_ids.mapped('amount')), [10.0, 12.21])
        self.assertEqual(original.matched_debit_ids.debit_move_id, back | order.receivable_line_id)
        # the rest is paid by a new transfer
        self.st_line(10.0, order.payment_reference)
        self.assertEqual(order.state, 'paid')
        self.assertBalanced()

    def test_return_naming_no_single_payment_is_left_to_the_accountant(self):
        order = self.make_order()
        self.st_line(12.21, order.payment_reference)
        self.st_line(10.0, order.payment_reference)
        self.assertEqual(order.state, 'paid')
        returned = self.st_line(-5.0, 'Return %s' % order.payment_reference)
        self.assertEqual(returned.munipay_match_state, 'manual')
        self.assertFalse(returned.is_reconciled)
        self.assertEqual(order.state, 'paid')

    def test_return_left_to_the_accountant_and_matched_in_oca_screen_closes_the_todo(self):
        if self.env['ir.module.module']._get('account_reconcile_oca').state != 'installed':
            self.skipTest("OCA's reconciliation screen is not installed")
        # the payer's credit of 7.50 (an old overpayment) is what the bank sent back
        credit = self.env['account.move'].create({
            'move_type': 'entry', 'journal_id': self.company_data['default_journal_misc'].id,
            'line_ids': [
                Command.create({'account_id': self.receivable.id, 'partner_id': self.payer.id, 'credit': 7.5}),
                Command.create({'account_id': self.income_account.id, 'debit': 7.5}),
            ]})
        credit.action_post()
        credit_line = credit.line_ids.filtered(lambda l: l.account_id == self.receivable)
        returned = self.st_line(-7.5, 'Rueckbuchung unbekannt')
        self.assertEqual(returned.munipay_match_state, 'manual')
        self.assertTrue(returned.move_id.activity_ids)
        with Form(returned, view='account_reconcile_oca.bank_statement_line_form_reconcile_view') as form:
            form.add_account_move_line_id = credit_line
            self.assertTrue(form.can_reconcile)
        returned.reconcile_bank_line()
        self.assertTrue(returned.is_reconciled)
        self.assertTrue(credit_line.reconciled)
        self.assertFalse(returned.move_id.activity_ids, "the accountant placed it: the officer's to-do is done")
        self.assertBalanced()
