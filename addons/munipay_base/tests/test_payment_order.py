from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import MunipayCommon
from ..lib.references import is_valid_rf


@tagged('post_install', '-at_install')
class TestPaymentOrder(MunipayCommon):

    def test_issue_posts_receivable_with_reference(self):
        order = self.make_order()
        self.assertEqual(order.state, 'issued')
        self.assertTrue(is_valid_rf(order.payment_reference))
        self.assertIn(order.name.replace('/', ''), order.payment_reference)
        move = order.move_id
        self.assertEqual((move.move_type, move.state, move.payment_reference), ('out_invoice', 'posted', order.payment_reference))
        line = order.receivable_line_id
        self.assertEqual(line.account_id.account_type, 'asset_receivable')
        self.assertEqual((line.partner_id, line.debit, line.credit), (self.payer, 22.21, 0.0))
        self.assertEqual(line.munipay_order_id, order)
        income = move.line_ids.filtered(lambda l: l.account_id == self.income_account)
        self.assertEqual(income.credit, 22.21)
        self.assertEqual(order.amount_residual, 22.21)
        self.assertBalanced()

    def test_native_register_payment_on_invoice_marks_order_paid(self):
        order = self.make_order()
        _wizard, payment = self.register_native(order.move_id, 'account.move')
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.date_paid, fields.Date.today())
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertEqual(order.amount_residual, 0.0)
        self.assertEqual(payment.amount, 22.21)
        self.assertBalanced()
        # unreconciling the payment reopens the order
        order.receivable_line_id.remove_move_reconcile()
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.amount_residual, 22.21)

    def test_native_wizard_proposes_discount_inside_window(self):
        order = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        self.assertEqual(order.amount_total, 55.5)
        self.assertEqual(order.get_amount_due(), 42.9)  # 0.7 × 42 + 13.50 costs
        wizard = self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=order.move_id.ids).create({'journal_id': self.bank_journal.id})
        self.assertEqual(wizard.amount, 42.9)
        self.assertTrue(wizard.early_payment_discount_mode)
        payment = wizard._create_payments()
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.move_id.payment_state, 'paid')
        lines = payment.move_id.line_ids
        discount = lines.filtered(lambda l: l.account_id == self.discount_account)
        self.assertEqual((discount.debit, discount.credit), (12.6, 0.0))
        receivable = lines.filtered(lambda l: l.account_id == order.receivable_line_id.account_id)
        self.assertEqual(receivable.credit, 55.5)
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertBalanced()

    def test_discount_paid_through_a_payment_method_without_outstanding_account(self):
        """The Italian, German and Polish charts leave the journals' payment methods without
        an outstanding account: the money is booked on the company's outstanding receipts
        account. Paid inside the window, the order is paid, not cancelled as written off."""
        self.bank_journal.inbound_payment_method_line_ids.payment_account_id = False
        order = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        payment = order._munipay_pay(self.bank_journal)
        self.assertEqual(payment.amount, 42.9)
        money = payment.move_id.line_ids.filtered(lambda l: l.account_id == payment.outstanding_account_id)
        self.assertEqual((money.debit, money.account_id.account_type), (42.9, 'asset_current'))
        discount = payment.move_id.line_ids.filtered(lambda l: l.account_id == self.discount_account)
        self.assertEqual((discount.debit, discount.munipay_discount_order_id), (12.6, order))
        self.assertEqual(order.state, 'paid')
        self.assertEqual((order.amount_paid, order.amount_written_off), (42.9, 12.6))
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertBalanced()

    def test_discount_not_offered_after_window(self):
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(20))
        wizard = self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=order.move_id.ids).create({'journal_id': self.bank_journal.id})
        self.assertEqual(wizard.amount, 55.5)
        self.assertFalse(wizard.early_payment_discount_mode)

    def test_late_payment_books_surcharge_first(self):
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(90))
        self.assertEqual(order.get_amount_due(), 100.0)  # 0.5 × 173 + 13.50
        with self.assertRaisesRegex(UserError, 'amount due'):
            order._munipay_pay(self.bank_journal, amount=55.5)
        payment = order._munipay_pay(self.bank_journal)
        self.assertEqual(payment.amount, 100.0)
        self.assertEqual(order.state, 'paid')
        surcharge = order.ledger_line_ids.filtered('munipay_surcharge')
        self.assertEqual(surcharge.debit, 44.5)
        surcharge_income = surcharge.move_id.line_ids - surcharge
        self.assertEqual((surcharge_income.account_id, surcharge_income.credit), (self.income_account, 44.5))
        self.assertTrue(all(order.ledger_line_ids.mapped('reconciled')))
        self.assertBalanced()

    def test_action_register_payment_opens_native_wizard_on_open_items(self):
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(90))
        self.env['munipay.payment.order']._cron_book_surcharges()  # the daily job booked the late surcharge
        action = order.action_register_payment()
        self.assertEqual(action['res_model'], 'account.payment.register')
        wizard = self.env['account.payment.register'].with_context(action['context']).create(
            {'journal_id': self.bank_journal.id})
        self.assertEqual(wizard.amount, 100.0)
        wizard._create_payments()
        self.assertEqual(order.state, 'paid')

    def test_native_credit_note_cancels_instead_of_paying(self):
        order_a = self.make_order(issue=False)
        order_b = self.make_order(partner=self.payer_2, issue=False)
        order_a.joint_order_ids = order_b
        (order_a | order_b).action_issue()
        reversal = self.env['account.move.reversal'].with_context(
            active_model='account.move', active_ids=order_a.move_id.ids).create({
                'journal_id': order_a.move_id.journal_id.id, 'reason': 'Wrong payer'})
        reversal.refund_moves()
        credit_note = order_a.move_id.reversal_move_ids
        if credit_note.state == "draft":
            credit_note.action_post()
        (credit_note.line_ids | order_a.move_id.line_ids).filtered(
            lambda l: l.account_id.account_type == 'asset_receivable' and not l.reconciled).reconcile()
        self.assertEqual(order_a.state, 'cancelled')
        self.assertFalse(order_a.date_paid)
        self.assertEqual(order_b.state, 'issued', "a credit note is no payment: the joint debtor still owes")

    def test_partial_payment_then_the_rest(self):
        order = self.make_order(amount=100.0)
        self.register_native(order.move_id, 'account.move', amount=40.0, payment_difference_handling='open')
        self.assertEqual((order.state, order.amount_residual), ('issued', 60.0))
        self.assertEqual(order.get_amount_open(), 60.0)
        with self.assertRaisesRegex(UserError, 'amount due'):
            order._munipay_pay(self.bank_journal, amount=100.0)
        order._munipay_pay(self.bank_journal)
        self.assertEqual(order.state, 'paid')
        self.assertFalse(order.needs_refund)
        self.assertEqual(sum(self.env['account.payment'].search([('partner_id', '=', self.payer.id)]).mapped('amount')), 100.0)
        self.assertBalanced()

    def test_discount_after_partial_payment_is_written_off(self):
        order = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        order._munipay_pay(self.bank_journal, amount=30.0, external=True)
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.get_amount_open(), 12.9)
        order._munipay_pay(self.bank_journal, amount=12.9, external=True)
        self.assertEqual(order.state, 'paid')
        self.assertFalse(order.needs_refund)
        discount = self.env['account.move.line'].search([('munipay_discount_order_id', '=', order.id)])
        self.assertEqual((discount.account_id, discount.debit), (self.discount_account, 12.6))
        self.assertTrue(all(order.ledger_line_ids.mapped('reconciled')))
        self.assertEqual((order.amount_paid, order.amount_written_off), (42.9, 12.6))
        self.assertBalanced()

    def test_accountant_without_munipay_rights_pays_a_joint_debt(self):
        accountant = new_test_user(self.env, login='billing', groups='base.group_user,account.group_account_invoice')
        order_a = self.make_order(issue=False)
        order_b = self.make_order(partner=self.payer_2, issue=False)
        order_a.joint_order_ids = order_b
        (order_a | order_b).action_issue()
        self.env.invalidate_all()
        self.env['account.payment.register'].with_user(accountant).with_context(
            active_model='account.move', active_ids=order_a.move_id.ids).create(
            {'journal_id': self.bank_journal.id})._create_payments()
        self.assertEqual((order_a.state, order_b.state), ('paid', 'cancelled'))

    def test_joint_debtor_who_paid_in_part_is_flagged_not_blocking(self):
        order_a = self.make_order(issue=False)
        order_b = self.make_order(partner=self.payer_2, issue=False)
        order_a.joint_order_ids = order_b
        (order_a | order_b).action_issue()
        order_b._munipay_pay(self.bank_journal, amount=10.0, external=True)
        order_a._munipay_pay(self.bank_journal, external=True)
        self.assertEqual(order_a.state, 'paid')
        self.assertEqual(order_b.state, 'cancelled', "nothing more can be collected from the other debtor")
        self.assertEqual(order_b.amount_residual, 0.0)
        self.assertTrue(order_b.needs_refund)
        self.assertTrue(order_b.activity_ids)
        self.assertBalanced()

    def test_surcharge_cron_per_company(self):
        other = self.setup_other_company()['company']
        other._munipay_ensure_setup()
        self.product_fee.with_company(other).taxes_id = False
        fee_other = self.fee_fine.copy({'company_id': other.id, 'code': 'CDS7'})
        late = self.make_order(self.fee_fine, date_issue=self.days_ago(90), date_notified=self.days_ago(90))
        late_other = self.env['munipay.payment.order'].with_company(other).create({
            'partner_id': self.payer.id, 'fee_type_id': fee_other.id, 'company_id': other.id,
            'date_issue': self.days_ago(90), 'date_notified': self.days_ago(90),
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(fee_other)})
        late_other.with_company(other).action_issue()
        recent = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        moves = self.env['munipay.payment.order']._cron_book_surcharges()
        self.assertEqual(moves.company_id, self.company | other)
        self.assertEqual(late.ledger_line_ids.filtered('munipay_surcharge').debit, 44.5)
        self.assertEqual(late_other.ledger_line_ids.filtered('munipay_surcharge').debit, 44.5)
        self.assertFalse(recent.ledger_line_ids.filtered('munipay_surcharge'))
        self.assertFalse(self.env['munipay.payment.order']._cron_book_surcharges(), "booked once")

    def test_surcharge_booked_then_payment_dated_inside_the_window(self):
        order = self.make_order(self.fee_fine, date_issue=self.days_ago(90), date_notified=self.days_ago(90))
        self.env['munipay.payment.order']._cron_book_surcharges()
        self.assertEqual(order.amount_residual, 100.0)
        # pagoPA reports a payment made on day 59: the 60-day amount applies
        payments = order._munipay_pay(self.bank_journal, amount=55.5, payment_date=self.days_ago(31), external=True)
        self.assertEqual(payments.mapped('amount'), [55.5])
        self.assertEqual(order.state, 'paid')
        self.assertFalse(order.needs_refund)
        given_back = self.env['account.move.line'].search([('munipay_discount_order_id', '=', order.id)])
        self.assertEqual((given_back.account_id, given_back.debit, given_back.credit), (self.income_account, 44.5, 0.0))
        self.assertEqual(order.date_paid, self.days_ago(31))
        self.assertBalanced()

    def test_crons_are_not_held_back_by_old_orders(self):
        self.fee_fine.expire_after_due = True
        stuck = self.make_order(self.fee_fine, date_issue=self.days_ago(120), date_notified=self.days_ago(120))
        self.env['munipay.payment.order']._cron_book_surcharges()
        stuck._munipay_pay(self.bank_journal, amount=10.0, external=True)  # partly paid, surcharged
        late = self.make_order(self.fee_fine, date_issue=self.days_ago(100), date_notified=self.days_ago(100))
        self.env['munipay.payment.order']._cron_book_surcharges(batch_size=1)
        self.assertTrue(late.ledger_line_ids.filtered('munipay_surcharge'))
        expired = self.env['munipay.payment.order']._cron_expire()
        self.assertNotIn(stuck, expired)
        self.assertEqual(stuck.state, 'issued')
        self.assertEqual(late.state, 'expired')

    def test_action_cancel_contract(self):
        order = self.make_order()
        order.action_cancel("Withdrawn by the case system")
        self.assertEqual(order.state, 'cancelled')
        self.assertEqual(order.cancel_reason, "Withdrawn by the case system")

    def test_bad_input(self):
        with self.assertRaises(ValidationError):
            self.make_order(amount=-5.0, issue=False)
        with self.assertRaises(ValidationError):
            self.env['munipay.payment.order'].create({
                'partner_id': self.payer.id,
                'line_ids': [(0, 0, {'fee_type_id': self.fee_card.id, 'name': 'x', 'price_unit': 0.0})]})
        empty = self.env['munipay.payment.order'].create({'partner_id': self.payer.id})
        with self.assertRaisesRegex(UserError, 'no lines'):
            empty.action_issue()
        self.assertFalse(empty.move_id)
        order = self.make_order()
        with self.assertRaisesRegex(UserError, 'only once'):
            order.action_issue()
        self.assertEqual(self.env['account.move'].search_count([('invoice_origin', '=', order.name)]), 1)

    def test_cancel_reverses_receivable_and_refuses_payment(self):
        order = self.make_order()
        order._munipay_cancel("Request withdrawn")
        self.assertEqual(order.state, 'cancelled')
        self.assertEqual(order.move_id.payment_state, 'reversed')
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertIn("Request withdrawn", order.message_ids.mapped('body')[0])
        with self.assertRaisesRegex(UserError, 'cannot be paid'):
            order._munipay_pay(self.bank_journal)
        with self.assertRaisesRegex(UserError, 'already'):
            order._munipay_cancel("again")
        self.assertBalanced()

    def test_paid_order_cannot_be_cancelled_nor_paid_twice(self):
        order = self.make_order()
        order._munipay_pay(self.bank_journal)
        with self.assertRaisesRegex(UserError, 'refund'):
            order.action_cancel()
        with self.assertRaisesRegex(UserError, 'already paid'):
            order._munipay_pay(self.bank_journal)
        with self.assertRaisesRegex(UserError, 'already paid'):
            order.action_register_payment()
        payments = self.env['account.payment'].search([('partner_id', '=', self.payer.id)])
        self.assertEqual(len(payments), 1)

    def test_second_external_payment_becomes_flagged_credit(self):
        order = self.make_order()
        order._munipay_pay(self.bank_journal)
        credit = order._munipay_pay(self.bank_journal, amount=22.21, external=True)
        self.assertTrue(order.needs_refund)
        self.assertEqual(credit.state, 'in_process')
        open_credit = credit.move_id.line_ids.filtered(lambda l: l.account_id.account_type == 'asset_receivable')
        self.assertEqual((open_credit.credit, open_credit.reconciled), (22.21, False))
        self.assertTrue(order.activity_ids)
        self.assertBalanced()

    def test_external_overpayment_keeps_excess_as_credit(self):
        order = self.make_order()
        payments = order._munipay_pay(self.bank_journal, amount=30.0, external=True)
        self.assertEqual(order.state, 'paid')
        self.assertEqual(sorted(payments.mapped('amount')), [7.79, 22.21])
        self.assertTrue(order.needs_refund)

    def test_joint_debtors_one_pays_other_cancelled(self):
        order_a = self.make_order(self.fee_fine, issue=False, origin='Fine 413')
        order_b = self.make_order(self.fee_fine, partner=self.payer_2, issue=False, origin='Fine 413')
        order_a.joint_order_ids = order_b
        self.assertEqual(order_b.joint_order_ids, order_a)
        (order_a | order_b).action_issue()
        order_b._munipay_pay(self.bank_journal)
        self.assertEqual(order_b.state, 'paid')
        self.assertEqual(order_a.state, 'cancelled')
        self.assertEqual(order_a.move_id.payment_state, 'reversed')
        self.assertIn(order_b.name, order_a.cancel_reason)
        self.assertTrue(any(order_b.name in body for body in order_a.message_ids.mapped('body')))
        self.assertBalanced()

    def test_expiry_cron(self):
        self.fee_card.expire_after_due = True
        order = self.make_order(date_issue=self.days_ago(40), date_due=self.days_ago(10))
        fresh = self.make_order()
        self.env['munipay.payment.order']._cron_expire()
        self.assertEqual(order.state, 'expired')
        self.assertEqual(order.move_id.payment_state, 'reversed')
        self.assertEqual(fresh.state, 'issued')
        external = order._munipay_pay(self.bank_journal, amount=22.21, external=True)
        self.assertTrue(order.needs_refund and external)

    def test_reference_collision(self):
        first = self.make_order()
        second = self.make_order(issue=False)
        original = type(second)._munipay_new_reference
        try:
            type(second)._munipay_new_reference = lambda self: first.payment_reference
            with self.assertRaisesRegex(UserError, 'already used'):
                second.action_issue()
        finally:
            type(second)._munipay_new_reference = original
        self.assertEqual(second.state, 'draft')
        self.assertFalse(second.payment_reference)

    def test_batch_issue_one_entry_reconciles_per_order(self):
        orders = self.env['munipay.payment.order'].create([{
            'partner_id': partner.id, 'fee_type_id': self.fee_fine.id,
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(self.fee_fine),
            'date_notified': fields.Date.today(),
        } for partner in (self.payer, self.payer_2, self.payer)])
        move = orders._munipay_issue_batch()
        self.assertEqual(orders.move_id, move)
        self.assertEqual(len(orders.receivable_line_id), 3)
        self.assertEqual(set(orders.mapped('state')), {'issued'})
        self.assertEqual(sum(move.line_ids.mapped('debit')), 166.5)
        self.assertEqual(len(move.line_ids), 4)  # 3 receivables + 1 income line
        # the discount window works on batch entries too
        orders[1]._munipay_pay(self.bank_journal, amount=42.9)
        self.assertEqual(orders.mapped('state'), ['issued', 'paid', 'issued'])
        self.assertEqual(orders[0].amount_residual, 55.5)
        orders[0]._munipay_cancel("Archived by the prefect")
        self.assertEqual(orders[0].amount_residual, 0.0)
        self.assertEqual(orders[2].receivable_line_id.amount_residual, 55.5)
        self.assertBalanced()
