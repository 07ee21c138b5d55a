"""Adversarial review of the money paths: what accountants, cashiers, banks and
channels do to an order after it is issued. Every test states what an accountant
expects of the journal items; each failing one documents a defect."""
from datetime import date, timedelta

import psycopg2.errors

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CommittedCursorsCase, MunipayCommon


@tagged('post_install', '-at_install')
class TestAdversarial(MunipayCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receivable = cls.payer.property_account_receivable_id

    # ------------------------------------------------------------------ helpers

    def open_items(self, partner=None):
        return self.env['account.move.line'].search([
            ('partner_id', '=', (partner or self.payer).id), ('account_id', '=', self.receivable.id),
            ('reconciled', '=', False), ('parent_state', '=', 'posted')])

    def partner_balance(self, partner=None):
        self.env.flush_all()
        lines = self.env['account.move.line'].search([
            ('partner_id', '=', (partner or self.payer).id), ('account_id', '=', self.receivable.id),
            ('parent_state', '=', 'posted')])
        return self.company.currency_id.round(sum(lines.mapped('balance')))

    def account_balance(self, account):
        self.env.flush_all()
        lines = self.env['account.move.line'].search([('account_id', '=', account.id), ('parent_state', '=', 'posted')])
        return self.company.currency_id.round(sum(lines.mapped('balance')))

    def valid_receipts(self, order):
        if 'munipay.receipt' not in self.env:
            return None
        receipts = self.env['munipay.receipt'].search([('order_id', '=', order.id)])
        Receipt = self.env['munipay.receipt']
        if 'state' in Receipt._fields:
            receipts = receipts.filtered(lambda r: r.state not in ('void', 'voided', 'cancel', 'cancelled'))
        elif 'voided' in Receipt._fields:
            receipts = receipts.filtered(lambda r: not r.voided)
        elif 'active' in Receipt._fields:
            receipts = receipts.filtered('active')
        return receipts

    def reconcile_statement_line(self, order, amount, on_date, lines=None):
        """An accountant in the reconciliation screen: the statement line's suspense
        item becomes the payer's receivable, matched with the order's open items."""
        st_line = self.env['account.bank.statement.line'].with_context(munipay_no_match=True).create({
            'journal_id': self.bank_journal.id, 'date': on_date, 'amount': amount,
            'payment_ref': order.payment_reference, 'partner_id': order.partner_id.id})
        _liquidity, suspense, _other = st_line.with_context(skip_account_move_synchronization=True)._seek_for_lines()
        suspense.with_context(skip_account_move_synchronization=True).write({
            'account_id': order.receivable_line_id.account_id.id, 'partner_id': order.partner_id.id})
        (suspense | (lines if lines is not None else order._munipay_open_lines())).reconcile()
        return st_line

    def reverse_with_wizard(self, move, **vals):
        wizard = self.env['account.move.reversal'].with_context(
            active_model='account.move', active_ids=move.ids).create({
                'journal_id': move.journal_id.id, 'reason': 'Bounced', **vals})
        wizard.reverse_moves()
        return move.reversal_move_ids

    # ------------------------------------------------------------------ undoing a payment

    def test_a01_reversal_wizard_on_payment_reopens_order(self):
        """The bank bounces a transfer: the accountant reverses the payment's entry
        with Odoo's Reverse wizard. The order owes its total again."""
        order = self.make_order()
        payment = order._munipay_pay(self.bank_journal)
        self.assertEqual(order.state, 'paid')
        reversal = self.reverse_with_wizard(payment.move_id)
        self.assertEqual(reversal.state, 'posted')
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.amount_residual, 22.21)
        self.assertFalse(order.date_paid)
        self.assertEqual(self.open_items(), order.receivable_line_id, "the payment and its reversal cancel out")
        self.assertEqual(self.partner_balance(), 22.21)
        self.assertBalanced()

    def test_a02_reversed_discounted_payment_gives_no_discount(self):
        """A discounted payment (Odoo's wizard, early payment discount) is reversed:
        the discount goes with it, and after the window the full amount is due."""
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(2))
        _wizard, payment = self.register_native(order.move_id, 'account.move')
        self.assertEqual((payment.amount, order.state), (42.9, 'paid'))
        self.reverse_with_wizard(payment.move_id)
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.amount_residual, 55.5)
        self.assertEqual(self.account_balance(self.discount_account), 0.0, "no discount without the payment")
        self.assertEqual(self.open_items(), order.receivable_line_id)
        self.assertEqual(order.get_amount_open(fields.Date.today() + timedelta(days=30)), 55.5)
        self.assertBalanced()

    def test_a03_payment_draft_cancel_then_pay_again(self):
        """The cashier's payment is reset to draft and cancelled (wrong journal), then
        taken again: one settlement, one valid receipt, one payment posted."""
        order = self.make_order()
        payment = order._munipay_pay(self.cash_journal)
        payment.action_draft()
        self.assertEqual((order.state, order.amount_residual), ('issued', 22.21))
        payment.action_cancel()
        self.assertEqual(order.state, 'issued')
        order._munipay_pay(self.bank_journal)
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.amount_paid, 22.21)
        posted = self.env['account.payment'].search([('partner_id', '=', self.payer.id), ('state', '!=', 'canceled')])
        self.assertEqual(posted.mapped('amount'), [22.21])
        self.assertBalanced()

    def test_a04_undone_statement_line_takes_its_discount_with_it(self):
        """A bank statement line of 42.90 inside the window settled the fine (the
        12.60 discount written off by munipay). The accountant then undoes the
        statement line's reconciliation: no money, so no discount either."""
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(2))
        st_line = self.reconcile_statement_line(order, 42.9, fields.Date.today())
        self.assertEqual(order.state, 'paid')
        self.assertEqual(self.account_balance(self.discount_account), 12.6)
        st_line.action_undo_reconciliation()
        self.assertEqual(order.state, 'issued')
        self.assertEqual(self.account_balance(self.discount_account), 0.0,
                         "the discount write-off must not outlive the money that earned it")
        after_window = fields.Date.today() + timedelta(days=30)
        self.assertEqual(order.get_amount_open(after_window), 55.5, "after the window the full fine is due")
        self.assertEqual(order.amount_residual, 55.5)
        self.assertBalanced()

    def test_a05_undone_payment_takes_back_the_surcharge_given_back(self):
        """A surcharged order (cron booked 44.50) is paid 55.50 with a payment dated
        inside the 60 days: the surcharge is given back. The payment is then reset
        to draft: the order is 90 days late and owes 100.00 again."""
        order = self.make_order(self.fee_fine, date_issue=self.days_ago(90), date_notified=self.days_ago(90))
        self.env['munipay.payment.order']._cron_book_surcharges()
        payment = order._munipay_pay(self.bank_journal, amount=55.5, payment_date=self.days_ago(31), external=True)
        self.assertEqual(order.state, 'paid')
        payment.action_draft()
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.get_amount_open(), 100.0, "no money: the late-payment surcharge stands")
        self.assertEqual(order.amount_residual, 100.0)
        self.assertBalanced()

    def test_a06_unreconcile_then_pay_again_one_valid_receipt(self):
        """Paid, unreconciled, paid again: the first receipt no longer stands."""
        order = self.make_order()
        order._munipay_pay(self.bank_journal)
        if self.valid_receipts(order) is None:
            self.skipTest("munipay_documents is not installed")
        self.assertEqual(len(self.valid_receipts(order)), 1)
        order.receivable_line_id.remove_move_reconcile()
        self.assertEqual(order.state, 'issued')
        self.assertFalse(self.valid_receipts(order), "a reopened order's receipt is void")
        order._munipay_pay(self.bank_journal, payment_date=fields.Date.today())
        receipts = self.valid_receipts(order)
        self.assertEqual(receipts.mapped('amount'), [22.21], "one receipt for one settlement")

    # ------------------------------------------------------------------ money that is not wanted

    def test_a07_credit_note_then_cash_desk_collects_what_munipay_asks(self):
        """An appeal reduces a 100.00 order by a 40.00 credit note. The cash desk asks
        munipay what is due (60.00) and collects it: the payer must get a receipt, or
        at least the money must be flagged, never silently swallowed."""
        order = self.make_order(amount=100.0)
        self.credit_note(order, 40.0, 'Reduced on appeal')
        self.assertEqual((order.state, order.get_amount_open()), ('issued', 60.0))
        order._munipay_pay(self.cash_journal)
        self.assertEqual(order.amount_paid, 60.0)
        self.assertTrue(order.state == 'paid' or order.needs_refund,
                        "state %s: 60.00 collected as due, neither receipted nor flagged" % order.state)
        if order.state == 'paid' and self.valid_receipts(order) is not None:
            self.assertEqual(self.valid_receipts(order).mapped('amount'), [60.0])
        self.assertBalanced()

    def test_a08_native_wizard_overpayment_is_flagged(self):
        """The accountant types 30.00 for a 22.21 order in Odoo's wizard (keep open):
        7.79 is money the order cannot take, to be flagged for refund."""
        order = self.make_order()
        _wizard, payment = self.register_native(order.move_id, 'account.move', amount=30.0,
                                                payment_difference_handling='open')
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.amount_paid, 22.21)
        self.assertEqual(self.partner_balance(), -7.79)
        self.assertTrue(order.needs_refund, "7.79 overpaid sits as an unflagged credit")
        self.assertEqual(-sum(order.refund_line_ids.mapped('amount_residual')), 7.79)

    def test_a09_statement_line_overpayment_is_flagged(self):
        """A bank transfer of 60.00 is matched with a 22.21 order."""
        order = self.make_order()
        self.reconcile_statement_line(order, 60.0, fields.Date.today())
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.amount_paid, 22.21)
        self.assertTrue(order.needs_refund, "37.79 overpaid sits as an unflagged credit")
        self.assertBalanced()

    def test_a10_cancel_partly_paid_order_flags_its_money(self):
        """10.00 was paid on an order that is then withdrawn. munipay refuses to
        cancel it; the accountant unreconciles the 10.00 and the officer cancels:
        the 10.00 must be on the order's refund list (its Refund button works)."""
        order = self.make_order()
        order._munipay_pay(self.bank_journal, amount=10.0, external=True)
        with self.assertRaisesRegex(UserError, 'partly paid'):
            order.action_cancel("Withdrawn")
        order.receivable_line_id.remove_move_reconcile()
        order.action_cancel("Withdrawn")
        self.assertEqual(order.state, 'cancelled')
        self.assertEqual(self.partner_balance(), -10.0)
        self.assertTrue(order.needs_refund, "the 10.00 received for a withdrawn order is not flagged")
        self.assertTrue(order.action_refund_credit())

    # ------------------------------------------------------------------ joint debtors

    def test_a11_joint_partly_then_other_undo_pay_again(self):
        """B pays 10.00, A pays the whole debt (B cancelled, its 10.00 flagged); A's
        payment is undone (B restored); B then pays the rest: one settlement."""
        order_a, order_b = self.joint_pair()
        order_b._munipay_pay(self.bank_journal, amount=10.0, external=True)
        payment_a = order_a._munipay_pay(self.bank_journal)
        self.assertEqual((order_a.state, order_b.state), ('paid', 'cancelled'))
        self.assertTrue(order_b.needs_refund)
        payment_a.action_draft()
        self.assertEqual((order_a.state, order_b.state), ('issued', 'issued'))
        self.assertEqual(order_b.joint_cancelled_by_id, self.env['munipay.payment.order'])
        self.assertBalanced()
        order_b._munipay_pay(self.bank_journal)
        self.assertEqual(sorted((order_a | order_b).mapped('state')), ['cancelled', 'paid'])
        paid = (order_a | order_b).filtered(lambda o: o.state == 'paid')
        self.assertEqual(paid, order_b)
        self.assertEqual(order_a.amount_residual, 0.0)
        self.assertBalanced()

    def test_a12_joint_both_paid_then_winner_undone_loser_money_counts(self):
        """A and B both paid 22.21 in one wizard: one paid, the other cancelled with
        its money flagged. The winner's payment bounces. The other debtor's money is
        still on the ledger: the debt must not be open twice while it sits there."""
        order_a, order_b = self.joint_pair()
        _wizard, payments = self.register_native(order_a.move_id | order_b.move_id, 'account.move', group_payment=False)
        paid = (order_a | order_b).filtered(lambda o: o.state == 'paid')
        other = (order_a | order_b) - paid
        self.assertEqual(other.state, 'cancelled')
        winner_payment = payments.filtered(lambda p: p.partner_id == paid.partner_id)
        winner_payment.action_draft()
        self.assertEqual((other.state, paid.state), ('paid', 'cancelled'),
                         "%s's 22.21, still booked, settles the debt once the other payment is gone" % other.partner_id.name)
        self.assertFalse(other.needs_refund, "its money is used, nothing to refund")
        self.assertEqual(other.amount_paid, 22.21)
        self.assertBalanced()

    def test_a13_joint_concurrent_native_and_channel_settle_once(self):
        """In one transaction: Odoo's wizard pays A; a channel then tries B."""
        order_a, order_b = self.joint_pair()
        self.register_native(order_a.move_id, 'account.move')
        with self.assertRaisesRegex(UserError, 'cannot be paid'):
            order_b._munipay_pay(self.bank_journal)
        order_b._munipay_pay(self.bank_journal, amount=22.21, external=True)
        self.assertTrue(order_b.needs_refund)
        self.assertEqual(order_a.amount_paid + order_b.amount_paid, 22.21, "one debt, one settlement")
        self.assertBalanced()

    # ------------------------------------------------------------------ discount window edges

    def test_a14_discount_last_day_weekend_extension(self):
        """Notified on Monday 2 March 2026: day 5 is Saturday 7, the window runs to
        Monday 9. Odoo's wizard, munipay and the bank agree on both edges."""
        monday = self.a_monday()
        order = self.make_order(self.fee_fine, date_issue=monday, date_notified=monday)
        last_day = date(2026, 3, 9)
        self.assertEqual(order.discount_date, last_day)
        self.assertEqual((order.get_amount_due(last_day), order.get_amount_due(last_day + timedelta(days=1))),
                         (42.9, 55.5))
        wizard = self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=order.move_id.ids).create(
            {'journal_id': self.bank_journal.id, 'payment_date': last_day})
        self.assertEqual((wizard.amount, wizard.early_payment_discount_mode), (42.9, True))
        wizard.payment_date = last_day + timedelta(days=1)
        self.assertEqual(wizard.amount, 55.5)
        late = self.make_order(self.fee_fine, date_issue=monday, date_notified=monday)
        self.reconcile_statement_line(late, 42.9, last_day + timedelta(days=1))
        self.assertEqual((late.state, late.amount_residual), ('issued', 12.6))
        on_time = self.make_order(self.fee_fine, date_issue=monday, date_notified=monday)
        self.reconcile_statement_line(on_time, 42.9, last_day)
        self.assertEqual(on_time.state, 'paid')
        self.assertEqual(on_time.date_paid, last_day)
        self.assertBalanced()

    def test_a15_payment_dated_before_notification(self):
        """The payer paid on the issue day, before the notice reached them: the
        first window applies."""
        order = self.make_order(self.fee_fine, date_issue=self.days_ago(10), date_notified=self.days_ago(3))
        order._munipay_pay(self.bank_journal, amount=42.9, payment_date=self.days_ago(10), external=True)
        self.assertEqual(order.state, 'paid')
        self.assertFalse(order.needs_refund)
        self.assertBalanced()

    def test_a16_surcharge_then_earlier_dated_native_payment(self):
        """Cron booked the surcharge; the accountant registers the bank's 55.50 in
        Odoo's wizard on the invoice, dated day 59: settled, surcharge given back."""
        order = self.make_order(self.fee_fine, date_issue=self.days_ago(90), date_notified=self.days_ago(90))
        self.env['munipay.payment.order']._cron_book_surcharges()
        self.assertEqual(order.amount_residual, 100.0)
        self.register_native(order.move_id, 'account.move', payment_date=self.days_ago(31), amount=55.5,
                             payment_difference_handling='open')
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.amount_residual, 0.0)
        self.assertEqual(order.amount_paid, 55.5)
        self.assertFalse(self.open_items())
        self.assertBalanced()

    # ------------------------------------------------------------------ batch entries

    def test_a17_batch_pay_unreconcile_cancel_one_expire_others(self):
        self.fee_fine.expire_after_due = True
        orders = self.env['munipay.payment.order'].create([{
            'partner_id': partner.id, 'fee_type_id': self.fee_fine.id, 'date_notified': self.days_ago(2),
            'date_due': self.days_ago(1),
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(self.fee_fine),
        } for partner in (self.payer, self.payer_2, self.payer)])
        move = orders._munipay_issue_batch()
        self.register_native(orders[0].receivable_line_id, 'account.move.line')
        self.assertEqual(orders.mapped('state'), ['paid', 'issued', 'issued'])
        orders[0].receivable_line_id.remove_move_reconcile()
        self.assertEqual(orders[0].state, 'issued')
        orders[0].action_cancel("Withdrawn")
        expired = self.env['munipay.payment.order']._cron_expire()
        self.assertEqual(expired, orders[1:])
        self.assertEqual(orders.mapped('state'), ['cancelled', 'expired', 'expired'])
        self.assertTrue(all(move.line_ids.filtered('munipay_order_id').mapped('reconciled')))
        income = self.income_account
        self.assertEqual(self.account_balance(income), 0.0, "every order of the batch came off the income")
        self.assertBalanced()

    def test_a18_batch_mixed_discount_and_plain_order_one_payment(self):
        """One batch entry holds a fine inside its window and an identity-card fee
        (no rules) of the same payer; the accountant pays both items in one go."""
        orders = self.env['munipay.payment.order'].create([{
            'partner_id': self.payer.id, 'fee_type_id': fee.id, 'date_notified': fields.Date.today(),
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(fee),
        } for fee in (self.fee_fine, self.fee_card)])
        orders._munipay_issue_batch()
        wizard = self.env['account.payment.register'].with_context(
            active_model='account.move.line', active_ids=orders.receivable_line_id.ids).create(
            {'journal_id': self.bank_journal.id})
        amount = wizard.amount
        wizard._create_payments()
        fine, card = orders
        self.assertEqual(self.account_balance(self.discount_account), 12.6, "only the fine is discounted")
        self.assertEqual((fine.state, fine.amount_paid, card.state, card.amount_paid), ('paid', 42.9, 'paid', 22.21),
                         "proposed %s; fine open %s, card open %s" % (amount, fine.amount_residual, card.amount_residual))
        self.assertFalse(card.state == 'paid' and card.amount_paid < 22.21,
                         "the fee was settled with %s of money" % card.amount_paid)
        self.assertEqual(amount, 65.11, "the wizard proposes 42.90 for the fine in its window + 22.21 for the fee")
        self.assertBalanced()

    def test_a19_batch_two_orders_one_partial_bank_line(self):
        """A bank line of 50.00 is matched with two orders of one payer in a batch
        entry: one is paid, the other stays open for the rest, nothing is lost."""
        orders = self.env['munipay.payment.order'].create([{
            'partner_id': self.payer.id, 'fee_type_id': self.fee_card.id,
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(self.fee_card),
        } for _i in range(3)])
        orders._munipay_issue_batch()
        self.reconcile_statement_line(orders[0], 50.0, fields.Date.today(), lines=orders.receivable_line_id)
        self.assertEqual(sorted(orders.mapped('state')), ['issued', 'paid', 'paid'])
        self.assertEqual(round(sum(orders.mapped('amount_paid')), 2), 50.0)
        self.assertEqual(round(sum(orders.mapped('amount_residual')), 2), 16.63)
        self.assertBalanced()

    # ------------------------------------------------------------------ refunds

    def test_a20_refund_undone_flags_again(self):
        order = self.make_order()
        order._munipay_pay(self.bank_journal)
        order._munipay_pay(self.bank_journal, amount=22.21, external=True)
        action = order.action_refund_credit()
        refund = self.env['account.payment.register'].with_context(action['context']).create(
            {'journal_id': self.bank_journal.id})._create_payments()
        self.assertFalse(order.needs_refund)
        refund.action_draft()
        self.assertTrue(order.needs_refund, "the refund did not go out: the credit waits again")
        self.assertEqual(order.state, 'paid')
        self.assertBalanced()

    # ------------------------------------------------------------------ wrong input

    def test_a21_wrong_input_is_refused_without_booking(self):
        """Negative, zero and sub-cent amounts from a channel: a clear UserError, nothing booked."""
        order = self.make_order()
        order._munipay_pay(self.bank_journal)
        open_order = self.make_order()
        count = self.env['account.move'].search_count([])
        outcomes = {}
        for target, amount in ((order, -5.0), (order, 0.0), (order, 0.001), (open_order, -5.0), (open_order, 0.004)):
            try:
                with self.env.cr.savepoint(), mute_logger('odoo.sql_db'):
                    target._munipay_pay(self.bank_journal, amount=amount, external=True)
                outcomes[target.state, amount] = 'accepted'
            except UserError:
                outcomes[target.state, amount] = 'refused'
            except Exception as error:  # noqa: BLE001
                outcomes[target.state, amount] = type(error).__name__
        self.assertEqual(outcomes, dict.fromkeys(outcomes, 'refused'))
        self.assertEqual(self.env['account.move'].search_count([]), count)
        self.assertFalse(order.needs_refund)
        self.assertBalanced()

    def test_a22_other_companys_journal_is_refused(self):
        other = self.setup_other_company(name='Other town')
        order = self.make_order()
        with self.assertRaises(UserError), self.env.cr.savepoint():
            order._munipay_pay(other['default_journal_bank'])
        self.assertEqual(order.state, 'issued')
        paid = self.make_order()
        paid._munipay_pay(self.bank_journal)
        with self.assertRaises(UserError), self.env.cr.savepoint():
            paid._munipay_pay(other['default_journal_bank'], amount=5.0, external=True)
        self.assertFalse(paid.needs_refund)
        self.assertBalanced()

    def test_a23_foreign_currency_journal(self):
        """A channel hands a journal kept in another currency: the order's receivable
        is settled in the order's currency for exactly what it owes, or refused."""
        foreign = self.setup_other_currency('CHF', rates=[('1900-01-01', 2.0)])
        journal = self.env['account.journal'].create({
            'name': 'CHF bank', 'code': 'BCHF', 'type': 'bank', 'currency_id': foreign.id,
            'company_id': self.company.id})
        order = self.make_order()
        try:
            with self.env.cr.savepoint():
                order._munipay_pay(journal)
        except (UserError, ValidationError):
            self.assertEqual(order.state, 'issued')
            return
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.amount_paid, 22.21)
        self.assertFalse(order.needs_refund)
        self.assertFalse(self.open_items())
        self.assertBalanced()

    # ------------------------------------------------------------------ cancelling

    def test_a24_cancel_surcharged_order_nets_out(self):
        order = self.make_order(self.fee_fine, date_issue=self.days_ago(90), date_notified=self.days_ago(90))
        self.env['munipay.payment.order']._cron_book_surcharges()
        order.action_cancel("Prefect annulled the fine")
        self.assertEqual(order.state, 'cancelled')
        self.assertTrue(all(order.ledger_line_ids.mapped('reconciled')))
        self.assertEqual(self.partner_balance(), 0.0)
        self.assertEqual(self.account_balance(self.income_account), 0.0)
        self.assertFalse(order.date_next_surcharge)
        self.assertFalse(self.env['munipay.payment.order']._cron_book_surcharges())
        self.assertBalanced()

    def test_a25_unreconciled_cancelled_order_ledger_shows_the_debt(self):
        """A cancelled batch order is unreconciled by the accountant: it is issued
        again, so the payer's receivable balance must show both open orders."""
        orders = self.env['munipay.payment.order'].create([{
            'partner_id': self.payer.id, 'fee_type_id': self.fee_card.id,
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(self.fee_card),
        } for _i in range(2)])
        orders._munipay_issue_batch()
        orders[0].action_cancel("Wrong payer")
        orders[0].receivable_line_id.remove_move_reconcile()
        self.assertEqual(orders[0].state, 'issued')
        self.assertEqual(orders[0].get_amount_open(), 22.21)
        self.assertEqual(orders.mapped('state'), ['issued', 'issued'])
        self.assertEqual(self.partner_balance(), 44.42,
                         "two orders open for 44.42, but the cancellation's credit is still booked on the payer")
        self.assertBalanced()


    # ------------------------------------------------------------------ more paths

    def test_a26_joint_cancelled_order_unreconciled_while_partner_paid(self):
        """A paid the joint debt, B was cancelled. The accountant unreconciles B's
        cancellation: the debt is settled, so B must not be open for collection."""
        order_a, order_b = self.joint_pair()
        order_a._munipay_pay(self.bank_journal)
        self.assertEqual(order_b.state, 'cancelled')
        with self.assertRaisesRegex(UserError, 'undo that payment instead'):
            order_b.receivable_line_id.remove_move_reconcile()
        self.assertEqual((order_a.state, order_b.state), ('paid', 'cancelled'), "one debt: paid by A, closed on B")
        self.assertTrue(order_b.receivable_line_id.reconciled)
        self.assertEqual(order_b.get_amount_open(), 0.0)

    def test_a27_other_company_order_paid_on_its_own_books(self):
        other = self.setup_other_company(name='Other town')
        company = other['company']
        company._munipay_ensure_setup()
        self.product_fee.with_company(company).taxes_id = False
        fee = self.fee_card.copy({'company_id': company.id, 'code': 'CIE2'})
        order = self.env['munipay.payment.order'].with_company(company).create({
            'partner_id': self.payer.id, 'fee_type_id': fee.id, 'company_id': company.id,
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(fee)})
        order.with_company(company).action_issue()
        with self.assertRaises(UserError), self.env.cr.savepoint():
            order._munipay_pay(self.bank_journal)
        order._munipay_pay(other['default_journal_bank'])
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.amount_paid, 22.21)
        self.env.flush_all()
        for comp in (self.company, company):
            self.env.cr.execute("SELECT COALESCE(SUM(balance), 0) FROM account_move_line WHERE company_id = %s", [comp.id])
            self.assertAlmostEqual(self.env.cr.fetchone()[0], 0.0, places=2)
        with self.assertRaises(ValidationError):
            mine = self.make_order(issue=False)
            draft = self.env['munipay.payment.order'].with_company(company).create({
                'partner_id': self.payer_2.id, 'fee_type_id': fee.id, 'company_id': company.id,
                'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(fee)})
            mine.joint_order_ids = draft

    def test_a28_two_partial_native_payments_inside_the_window(self):
        """30.00 then 12.90 through Odoo's wizard (keep open), both inside the window."""
        order = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        self.register_native(order.move_id, 'account.move', amount=30.0, payment_difference_handling='open')
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.get_amount_open(), 12.9)
        self.register_native(order.move_id, 'account.move', amount=12.9, payment_difference_handling='open')
        self.assertEqual(order.state, 'paid')
        self.assertEqual((order.amount_paid, order.amount_written_off), (42.9, 12.6))
        self.assertEqual(self.account_balance(self.discount_account), 12.6)
        self.assertFalse(self.open_items())
        self.assertBalanced()

    def test_a29_partial_inside_rest_after_window_no_discount(self):
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(20))
        order._munipay_pay(self.bank_journal, amount=30.0, payment_date=self.days_ago(18), external=True)
        order._munipay_pay(self.bank_journal, amount=12.9, payment_date=fields.Date.today(), external=True)
        self.assertEqual((order.state, order.amount_residual, order.get_amount_open()), ('issued', 12.6, 12.6))
        self.assertEqual(self.account_balance(self.discount_account), 0.0)
        self.assertBalanced()

    def test_a30_expired_order_unreconciled_reopens_and_pays_once(self):
        self.fee_card.expire_after_due = True
        order = self.make_order(date_issue=self.days_ago(40), date_due=self.days_ago(10))
        self.env['munipay.payment.order']._cron_expire()
        self.assertEqual(order.state, 'expired')
        order.receivable_line_id.remove_move_reconcile()
        self.assertEqual(order.state, 'issued')
        order._munipay_pay(self.bank_journal)
        self.assertEqual(order.state, 'paid')
        self.assertEqual(self.partner_balance(), 0.0,
                         "paid and nothing to refund, yet the expiry's credit is still on the payer")
        self.assertBalanced()


@tagged('post_install', '-at_install')
class TestAdversarialConcurrency(CommittedCursorsCase):
    """Two committed transactions pay the two orders of one joint debt."""

    def test_joint_debtors_paid_by_two_channels_at_once(self):
        env = self.env_on_new_cursor()
        company, orders, journal = self.committed_joint_pair(env, 'Joint fine', 30.0, ['Joint A', 'Joint B'])
        env.cr.commit()

        env_a, env_b = self.env_on_new_cursor(), self.env_on_new_cursor()
        order_b = env_b['munipay.payment.order'].browse(orders[1].id)
        self.assertEqual(order_b.state, 'issued')  # b's snapshot: before a pays
        env_a['munipay.payment.order'].browse(orders[0].id)._munipay_pay(env_a['account.journal'].browse(journal.id))
        with self.assertRaises((UserError, psycopg2.errors.LockNotAvailable)):
            order_b._munipay_pay(env_b['account.journal'].browse(journal.id))
        env_b.cr.rollback()
        env_a.cr.commit()
        # b retries with a snapshot taken before a committed? no: a new transaction
        with self.assertRaisesRegex(UserError, 'cannot be paid|already paid'):
            order_b._munipay_pay(env_b['account.journal'].browse(journal.id))
        env_b.cr.rollback()
        # the bank had already moved b's money: it is kept and flagged, never a second settlement
        order_b._munipay_pay(env_b['account.journal'].browse(journal.id), amount=30.0, external=True)
        env_b.cr.commit()
        check = self.env_on_new_cursor()['munipay.payment.order'].browse(orders.ids)
        self.assertEqual(check.mapped('state'), ['paid', 'cancelled'])
        self.assertTrue(check[1].needs_refund)
        self.assertEqual(check[0].amount_paid + check[1].amount_paid, 30.0)
        check.env.cr.execute("SELECT SUM(balance) FROM account_move_line WHERE company_id = %s", [company.id])
        self.assertAlmostEqual(check.env.cr.fetchone()[0], 0.0, places=2)

    def test_stale_snapshot_cannot_settle_a_cancelled_joint_order(self):
        """b read the group before a's payment committed; b then pays B with its old
        snapshot: the database must refuse (serialisation) rather than settle twice."""
        env = self.env_on_new_cursor()
        company, orders, journal = self.committed_joint_pair(env, 'Joint fee', 12.0, ['Stale A', 'Stale B'])
        env.cr.commit()

        env_a, env_b = self.env_on_new_cursor(), self.env_on_new_cursor()
        order_b = env_b['munipay.payment.order'].browse(orders[1].id)
        self.assertEqual(order_b.state, 'issued')  # b's snapshot starts here
        env_a['munipay.payment.order'].browse(orders[0].id)._munipay_pay(env_a['account.journal'].browse(journal.id))
        env_a.cr.commit()
        with mute_logger('odoo.sql_db'), self.assertRaises((UserError, psycopg2.errors.SerializationFailure)):
            order_b._munipay_pay(env_b['account.journal'].browse(journal.id))
        env_b.cr.rollback()
        check = self.env_on_new_cursor()['munipay.payment.order'].browse(orders.ids)
        self.assertEqual(check.mapped('state'), ['paid', 'cancelled'])
        self.assertEqual(check[0].amount_paid + check[1].amount_paid, 12.0)
