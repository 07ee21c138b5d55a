from odoo import fields
from odoo.tests import tagged
from .common import MunipayPortalCommon, RpcError


@tagged('post_install', '-at_install')
class TestPortalPayment(MunipayPortalCommon):
    """Paying online with Odoo's payment stack (payment_demo), over HTTP."""

    def test_pay_by_link_books_the_order_on_the_provider_journal(self):
        order = self.make_order()
        token = order._portal_ensure_token()
        page = self.get(self.link(order))
        self.assertEqual(page.status_code, 200)
        self.assertIn('o_payment_form', page.text)
        self.assertIn(f'data-payment-method-code="demo"', page.text)
        values = self.start_transaction(order, access_token=token)
        tx = self.transaction(values['reference'])
        self.assertEqual((tx.munipay_order_ids, tx.amount, tx.currency_id, tx.partner_id, tx.state),
                         (order, 22.21, order.currency_id, self.payer, 'draft'))
        self.assertEqual(tx.munipay_order_amounts, {str(order.id): 22.21})
        self.assertFalse(tx.invoice_ids)
        status = self.demo_pay(tx.reference)
        self.assertEqual(status['state'], 'done')
        self.assertEqual(status['landing_route'], order.get_portal_url())
        self.assertTrue(tx.is_post_processed)
        payment = self.assertPaidOnline(order, tx, 22.21)
        self.assertEqual(tx.payment_id, payment)
        self.assertEqual(payment.payment_transaction_id, tx)
        # the day in the municipality's time zone (Rome), not the server's: from 23:00 UTC they differ
        self.assertEqual(order.date_paid, order._munipay_today())
        self.assertBalanced()

    def test_discount_window_paid_online_settles_the_fine(self):
        fine = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        self.authenticate('citizen_a', 'citizen_a')
        values = self.start_transaction(fine)
        tx = self.transaction(values['reference'])
        self.assertEqual(tx.amount, 42.9)
        self.demo_pay(tx.reference)
        payment = self.assertPaidOnline(fine, tx, 42.9, settled=55.5)
        self.assertEqual((fine.amount_paid, fine.amount_written_off, fine.amount_residual), (42.9, 12.6, 0.0))
        # the discount of the window is written off on the payment's entry, as Odoo's own wizard does
        discount = payment.move_id.line_ids.filtered(lambda l: l.account_id == self.discount_account)
        self.assertEqual((discount.debit, discount.munipay_discount_order_id), (12.6, fine))
        self.assertBalanced()

    def test_logged_in_citizen_pays_two_orders_at_once(self):
        card = self.make_order()
        fine = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        self.make_order(partner=self.payer_2)
        self.authenticate('citizen_a', 'citizen_a')
        page = self.get(f'/my/munipay/pay?order_ids={card.id}&order_ids={fine.id}')
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'data-transaction-route="/my/munipay/orders/transaction/{card.id},{fine.id}"', page.text)
        self.assertIn('65.11', page.text)
        values = self.start_transaction(card | fine)
        tx = self.transaction(values['reference'])
        self.assertEqual((tx.amount, tx.munipay_order_ids), (65.11, card | fine))
        self.demo_pay(tx.reference)
        self.assertPaidOnline(card, tx, 22.21)
        self.assertPaidOnline(fine, tx, 42.9, settled=55.5)
        self.assertEqual(len(self.env['account.payment'].search([('payment_transaction_id', '=', tx.id)])), 2)
        self.assertBalanced()

    def test_several_orders_only_ones_own(self):
        mine = self.make_order()
        theirs = self.make_order(partner=self.payer_2)
        self.authenticate('citizen_a', 'citizen_a')
        with self.assertRaisesRegex(RpcError, 'not yours'):
            self.start_transaction(mine | theirs)
        page = self.get(f'/my/munipay/pay?order_ids={mine.id}&order_ids={theirs.id}')
        self.assertEqual(page.status_code, 303)
        self.authenticate(None, None)
        with self.assertRaisesRegex(RpcError, 'Log in'):
            self.start_transaction(mine | self.make_order())
        self.assertFalse(self.env['payment.transaction'].search([('munipay_order_ids', 'in', (mine | theirs).ids)]))

    def test_payment_refused_when_paid_or_being_paid(self):
        order = self.make_order()
        token = order._portal_ensure_token()
        first = self.transaction(self.start_transaction(order, access_token=token)['reference'])
        self.rpc('/payment/demo/simulate_payment', {
            'reference': first.reference, 'payment_details': '4242', 'simulated_state': 'pending'})
        self.assertEqual(first.state, 'pending')
        with self.assertRaisesRegex(RpcError, 'already being processed'):
            self.start_transaction(order, access_token=token)
        page = self.get(self.link(order)).text
        self.assertNotIn('o_munipay_pay_button', page)
        self.assertIn('munipay_status_processing', page)
        first._set_done()
        first._post_process()
        self.assertPaidOnline(order, first, 22.21)
        with self.assertRaisesRegex(RpcError, 'already paid'):
            self.start_transaction(order, access_token=token)
        other = self.make_order()
        with self.assertRaisesRegex(RpcError, 'amount due has changed'):
            self.start_transaction(other, access_token=other._portal_ensure_token(), amount=1.0)
        self.assertEqual(len(self.env['payment.transaction'].search([('munipay_order_ids', 'in', order.ids)])), 1)

    def test_second_payment_from_another_tab_is_a_flagged_credit(self):
        order = self.make_order()
        token = order._portal_ensure_token()
        # two tabs opened the payment before either was paid
        tab_1 = self.transaction(self.start_transaction(order, access_token=token)['reference'])
        tab_2 = self.transaction(self.start_transaction(order, access_token=token)['reference'])
        self.demo_pay(tab_1.reference, by_cron=True)
        payment = self.assertPaidOnline(order, tab_1, 22.21)
        self.demo_pay(tab_2.reference)
        order.invalidate_recordset()
        self.assertEqual(order.state, 'paid')
        self.assertTrue(order.needs_refund)
        second = tab_2.payment_id
        self.assertTrue(second and second != payment)
        self.assertEqual((second.journal_id, second.amount, second.payment_transaction_id),
                         (self.provider.journal_id, 22.21, tab_2))
        credit = second.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual((credit.credit, credit.amount_residual, credit.reconciled), (22.21, -22.21, False))
        self.assertEqual(order.refund_line_ids, credit)
        self.assertEqual(order.receivable_line_id.matched_credit_ids.credit_move_id.move_id, payment.move_id,
                         "the order is settled once")
        self.assertEqual(len(order.receipt_ids), 1)
        self.assertEqual(order.amount_paid, 22.21)
        self.assertBalanced()
