"""Review of the bank channel's money paths (session 6): each test shows a defect
found by an adversarial review, in journal items."""
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.munipay_base.tests.common import MunipayCommon


@tagged('post_install', '-at_install')
class TestBankReviewS6(MunipayCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receivable = cls.payer.property_account_receivable_id
        cls.suspense_account = cls.company._munipay_suspense_account()

    def st_line(self, amount, ref='', date=None, journal=None, **vals):
        return self.env['account.bank.statement.line'].create({
            'journal_id': (journal or self.bank_journal).id, 'date': date or fields.Date.today(), 'amount': amount,
            'payment_ref': ref, **vals})

    def account_balance(self, account):
        self.env.flush_all()
        lines = self.env['account.move.line'].search([('account_id', '=', account.id), ('parent_state', '=', 'posted')])
        return self.company.currency_id.round(sum(lines.mapped('balance')))

    def refund_credit(self, order):
        """The officer refunds the order's flagged credit with Odoo's wizard, by bank."""
        action = order.action_refund_credit()
        wizard = self.env['account.payment.register'].with_context(action['context']).create({
            'journal_id': self.bank_journal.id})
        return wizard._create_payments()

    # ------------------------------------------------------------------ refunds leaving the bank

    def test_r01_refund_of_an_overpayment_is_not_a_return(self):
        """The payer sent 30.00 for 22.21; the officer refunds the 7.79 by bank. The
        refund appears on the next statement, naming the order: it clears the
        refund payment, it does not reopen the paid order."""
        order = self.make_order()
        self.st_line(30.0, order.payment_reference)
        self.assertTrue(order.needs_refund)
        refund = self.refund_credit(order)
        self.assertEqual((refund.payment_type, refund.amount), ('outbound', 7.79))
        self.assertFalse(order.needs_refund)
        out = self.st_line(-7.79, refund.memo)
        self.assertEqual((order.state, order.amount_residual), ('paid', 0.0), "the refund reopened the order")
        self.assertEqual((out.munipay_match_state, out.munipay_order_id), ('refund', order))
        self.assertFalse(order.needs_refund)
        self.assertTrue(out.is_reconciled)
        outstanding = refund.move_id.line_ids.filtered(lambda l: l.account_id == refund.outstanding_account_id)
        self.assertTrue(outstanding.reconciled, "the refund payment waits for its bank line for ever")
        self.assertEqual(self.account_balance(refund.outstanding_account_id), 0.0)
        self.assertBalanced()

    def test_r02_refund_of_a_flagged_credit_sent_from_the_bank_portal(self):
        """The same refund made in the bank's own portal (no payment in Odoo): the
        line clears the flagged credit; the order stays paid, its receipt valid."""
        order = self.make_order()
        paid_line = self.st_line(30.0, order.payment_reference)
        Order = type(order)
        with patch.object(Order, '_munipay_on_reopened', autospec=True) as reopened, \
                patch.object(Order, '_munipay_on_paid', autospec=True) as paid_again:
            out = self.st_line(-7.79, 'Rimborso %s' % order.payment_reference)
        self.assertFalse(reopened.called or paid_again.called,
                         "the order was reopened (its receipt voided) and paid again by the same money")
        self.assertEqual(out.munipay_match_state, 'refund')
        self.assertTrue(out.is_reconciled)
        self.assertEqual((order.state, order.amount_residual), ('paid', 0.0))
        self.assertFalse(order.needs_refund)
        original = paid_line.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        back = out.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual(back.matched_credit_ids.credit_move_id, original)
        self.assertEqual(order.receivable_line_id.matched_credit_ids.credit_move_id, original,
                         "the order's payment was taken off and booked again")
        self.assertBalanced()

    # ------------------------------------------------------------------ other currencies

    def test_r03_returns_in_another_currency_do_not_block_the_job(self):
        chf = self.setup_other_currency('CHF', rates=[('1900-01-01', 2.0)])
        order = self.make_order()
        Line = self.env['account.bank.statement.line'].with_context(munipay_no_match=True)
        Line.create([{'journal_id': self.bank_journal.id, 'amount': -10.0 - i, 'payment_ref': 'fx out %d' % i,
                      'foreign_currency_id': chf.id, 'amount_currency': -20.0 - 2 * i} for i in range(2)])
        good = Line.create({'journal_id': self.bank_journal.id, 'amount': 22.21,
                            'payment_ref': order.payment_reference})
        for _run in range(3):
            self.env['account.bank.statement.line']._cron_munipay_match(batch_size=2)
        self.assertEqual(good.munipay_match_state, 'order', "the job never reaches the line")
        self.assertEqual(order.state, 'paid')

    def test_r04_return_on_a_foreign_currency_journal_is_not_read_in_the_orders_currency(self):
        chf = self.setup_other_currency('CHF', rates=[('1900-01-01', 2.0)])
        self.assertNotEqual(self.company.currency_id, chf)
        chf_journal = self.env['account.journal'].create({
            'name': 'Bank CHF', 'code': 'BCHF', 'type': 'bank', 'currency_id': chf.id})
        order = self.make_order()
        order._munipay_pay(self.bank_journal)
        self.assertEqual(order.state, 'paid')
        back = self.st_line(-10.0, 'RETURN %s' % order.payment_reference, journal=chf_journal)
        self.assertNotEqual(back.munipay_match_state, 'return', "10 francs were taken for 10 of the orders' currency")
        self.assertEqual(order.state, 'paid')
        self.assertBalanced()

    # ------------------------------------------------------------------ suspense items and undo

    def open_suspense_items(self):
        return self.env['account.move.line'].search([('munipay_suspense', '=', True), ('reconciled', '=', False),
                                                     ('company_id', '=', self.company.id)])

    def test_r05_undo_a_line_whose_suspense_item_was_assigned(self):
        """The officer assigned the unmatched payment to an order; the accountant
        then undoes the statement line's reconciliation. The money must not count
        twice (once on the order, once more when the line is booked anew)."""
        order = self.make_order()
        line = self.st_line(22.21, 'boh', partner_id=self.payer_2.id)
        item = line.move_id.line_ids.filtered('munipay_suspense')
        self.env['munipay.suspense.assign'].create({'line_id': item.id, 'order_id': order.id}).action_confirm()
        self.assertEqual(order.state, 'paid')
        with self.assertRaisesRegex(UserError, 'assigned to an order or returned'):
            line.action_undo_reconciliation()
        self.env['account.bank.statement.line']._cron_munipay_match()
        self.assertTrue(item.reconciled and line.is_reconciled)
        self.assertEqual((order.state, order.amount_paid), ('paid', 22.21))
        self.assertFalse(self.open_suspense_items(), "the same 22.21 waits to be assigned once more")
        self.assertEqual(self.account_balance(self.suspense_account), 0.0)
        self.assertBalanced()

    def test_r06_undo_a_line_whose_suspense_item_was_sent_back(self):
        line = self.st_line(22.21, 'boh', partner_id=self.payer_2.id)
        item = line.move_id.line_ids.filtered('munipay_suspense')
        payment = self.env['account.payment'].browse(item.action_munipay_return()['res_id'])
        payment.action_post()
        self.assertTrue(item.reconciled)
        with self.assertRaisesRegex(UserError, 'assigned to an order or returned'):
            line.action_undo_reconciliation()
        self.env['account.bank.statement.line']._cron_munipay_match()
        self.assertFalse(self.open_suspense_items(), "money sent back to its sender waits to pay an order")
        self.assertEqual(self.account_balance(self.suspense_account), 0.0)
        self.assertBalanced()

    # ------------------------------------------------------------------ one statement, one order, two lines

    def test_r07_same_order_paid_twice_in_one_statement(self):
        order = self.make_order()
        lines = self.env['account.bank.statement.line'].with_context(munipay_no_match=True).create([{
            'journal_id': self.bank_journal.id, 'amount': 22.21, 'payment_ref': order.payment_reference,
        } for _i in range(2)])
        lines._munipay_match()
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.amount_paid, 22.21)
        self.assertEqual(sorted(lines.mapped('munipay_match_state')), ['credit', 'order'])
        self.assertTrue(order.needs_refund, "the second transfer is an open credit nobody was told about")
        self.assertEqual(-sum(order.refund_line_ids.mapped('amount_residual')), 22.21)
        self.assertBalanced()

    # ------------------------------------------------------------------ lock dates and value dates

    def test_r09_unmatched_payment_of_a_locked_period_assigned_later(self):
        """The transfer came inside the fine's discount window and waited as an
        unmatched payment; the month was closed (locked) before the officer
        assigned it. Odoo books the assignment after the lock date; the amount due
        is still judged on the day the money came: the reduced amount settles."""
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(40))
        came = self.days_ago(38)
        line = self.st_line(42.9, 'multa', date=came, partner_name='Ignoto')
        item = line.move_id.line_ids.filtered('munipay_suspense')
        self.assertTrue(item)
        self.company.fiscalyear_lock_date = self.days_ago(30)
        move = order._munipay_settle_suspense_item(item)
        self.assertGreater(move.date, self.company.fiscalyear_lock_date, "Odoo books it in the open period")
        self.assertTrue(item.reconciled)
        self.assertEqual((order.state, order.amount_paid, order.date_paid), ('paid', 42.9, came),
                         "judged on the day of the assignment, the discount was lost")
        self.assertAlmostEqual(order.amount_written_off, 12.6)
        self.assertBalanced()

    def test_r10_unmatched_payment_assigned_on_its_value_date(self):
        """The bank booked the transfer the day after the discount window, with a
        value date inside it: assigned by hand, it counts on the value date, as the
        automatic matching does."""
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(20))
        last_day = order.discount_date
        line = self.st_line(42.9, 'multa', date=last_day + timedelta(days=1), partner_name='Ignoto',
                            munipay_value_date=last_day)
        item = line.move_id.line_ids.filtered('munipay_suspense')
        self.env['munipay.suspense.assign'].create({'line_id': item.id, 'order_id': order.id}).action_confirm()
        self.assertEqual((order.state, order.amount_paid, order.date_paid), ('paid', 42.9, last_day))
        self.assertBalanced()
