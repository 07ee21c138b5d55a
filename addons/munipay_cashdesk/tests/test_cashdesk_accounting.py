import base64

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.munipay_documents.lib import scan

from .common import MunipayCashdeskCommon


@tagged('post_install', '-at_install')
class TestCashdeskAccounting(MunipayCashdeskCommon):
    """The sale credits the transit account, the order's payment debits it: after the
    session is closed transit is zero, the cash journal holds the cash, the order's
    receivable is reconciled and the revenue was booked once (by the order's invoice)."""

    def test_cash_sale_of_one_order(self):
        order = self.make_order()
        session = self.open_session()
        income = self.income_account
        self.assertEqual(self.account_balance(income), -22.21, "the order's invoice booked the revenue")

        pos_order = self.sale(session, [self.order_line(22.21, munipay_order_id=order.id)],
                              [(self.cash_pm, 22.21)], partner=self.payer)

        # paid the moment the sale is validated, with a receipt for the desk
        self.assertEqual(order.state, 'paid')
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertEqual(order.receipt_ids.mapped('channel'), ['cash'])
        self.assertEqual(order.receipt_ids.amount, 22.21)
        payment = pos_order.munipay_payment_ids
        self.assertEqual(len(payment), 1)
        transit = self.company.munipay_cashdesk_transit_account_id
        self.assertRecordValues(payment.move_id.line_ids.sorted('balance'), [
            {'account_id': order.receivable_line_id.account_id.id, 'balance': -22.21, 'reconciled': True},
            {'account_id': transit.id, 'balance': 22.21, 'reconciled': False},
        ])
        self.assertEqual(payment.move_id.munipay_payment_channel, 'cash')
        self.env.flush_all()
        report = self.env['munipay.collection.report'].search([('order_id', '=', order.id)])
        self.assertRecordValues(report, [{'channel': 'cash', 'amount': 22.21}])
        self.assertEqual(pos_order.lines.munipay_receipt_name, order.receipt_ids.name)
        # the POS receipt prints the receipt's signed confirmation
        png = base64.b64decode(pos_order.lines.munipay_receipt_qr.removeprefix('data:image/png;base64,'))
        self.assertEqual([data.decode() for data in scan.decode_file(png)], [order.receipt_ids.verify_url])

        self.close_session(session)

        session_lines = session.move_id.line_ids
        self.assertFalse(session_lines.filtered(lambda l: l.account_id == income), "no revenue booked twice")
        self.assertEqual(sum(session_lines.filtered(lambda l: l.account_id == transit).mapped('balance')), -22.21)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.cash_journal.default_account_id), 22.21)
        self.assertEqual(self.account_balance(self.pos_receivable), 0.0)
        self.assertEqual(self.account_balance(income), -22.21)
        self.assertEqual(self.account_balance(order.receivable_line_id.account_id), 0.0)
        self.assertEqual(payment.state, 'paid', "the payment's money arrived with the closing entry")
        self.assertBalanced()

    def test_card_sale_of_two_orders_of_one_payer_with_handling_fee(self):
        order_a = self.make_order()
        order_b = self.make_order(self.fee_fine, date_notified=self.days_ago(1))
        due_b = order_b.get_amount_open()
        self.assertEqual(due_b, 42.9)
        session = self.open_session()
        total = 22.21 + 1.5 + due_b

        pos_order = self.sale(session, [
            self.order_line(22.21, munipay_order_id=order_a.id),
            self.order_line(1.5, munipay_order_id=order_a.id, munipay_handling_fee=True, name='Card handling fee'),
            self.order_line(due_b, munipay_order_id=order_b.id),
        ], [(self.card_pm, total)], partner=self.payer)

        self.assertEqual((order_a | order_b).mapped('state'), ['paid', 'paid'])
        self.assertEqual((order_a | order_b).receipt_ids.mapped('channel'), ['card', 'card'])
        self.assertEqual(len(pos_order.munipay_payment_ids), 2)
        income_before = self.account_balance(self.income_account)

        self.close_session(session)

        transit = self.company.munipay_cashdesk_transit_account_id
        lines = session.move_id.line_ids
        self.assertEqual(sum(lines.filtered(lambda l: l.account_id == transit).mapped('balance')), -(22.21 + due_b))
        self.assertEqual(sum(lines.filtered(lambda l: l.account_id == self.income_account).mapped('balance')), -1.5,
                         "the card handling fee is the sale's own income")
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.income_account), income_before - 1.5)
        self.assertEqual(self.account_balance(self.pos_receivable), 0.0)
        card_money = self.env['account.move.line'].search([
            ('journal_id', '=', self.card_journal.id), ('balance', '>', 0), ('parent_state', '=', 'posted')])
        self.assertEqual(sum(card_money.mapped('balance')), self.company.currency_id.round(total))
        self.assertTrue(order_a.receivable_line_id.reconciled and order_b.receivable_line_id.reconciled)
        self.assertBalanced()

    def test_sale_of_an_order_paid_meanwhile_becomes_a_flagged_credit(self):
        """The desk was offline: the order was paid by bank before the sale reached the server."""
        order = self.make_order()
        order._munipay_pay(self.bank_journal)
        self.assertEqual(order.state, 'paid')
        session = self.open_session()

        pos_order = self.sale(session, [self.order_line(22.21, munipay_order_id=order.id)],
                              [(self.cash_pm, 22.21)], partner=self.payer)

        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.amount_paid, 22.21, "never a second settlement")
        self.assertEqual(len(order.receipt_ids), 1)
        self.assertTrue(order.needs_refund)
        credit = order.refund_line_ids
        self.assertEqual(credit.move_id, pos_order.munipay_payment_ids.move_id)
        self.assertEqual(credit.amount_residual, -22.21)

        self.close_session(session)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.cash_journal.default_account_id), 22.21)
        self.assertBalanced()

    def test_desk_sold_certificate_creates_and_settles_its_order(self):
        session = self.open_session()
        pos_order = self.sale(session, [self.order_line(5.5, munipay_fee_type_id=self.fee_certificate.id)],
                              [(self.cash_pm, 5.5)])

        order = pos_order.lines.munipay_order_id
        self.assertEqual(order.fee_type_id, self.fee_certificate)
        self.assertEqual(order.amount_total, 5.5)
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.partner_id, self.company.munipay_cashdesk_walkin_partner_id)
        self.assertEqual(order.origin, pos_order.pos_reference)
        self.assertEqual(order.receipt_ids.amount, 5.5)

        self.close_session(session)
        self.assertTransitCleared()
        self.assertFalse(session.move_id.line_ids.filtered(lambda l: l.account_id == self.income_account))
        self.assertEqual(self.account_balance(self.cash_journal.default_account_id), 5.5)
        self.assertEqual(self.account_balance(self.income_account), -5.5, "fee and costs booked once, by the order")
        self.assertBalanced()

    def test_desk_sold_item_for_a_named_buyer(self):
        session = self.open_session()
        pos_order = self.sale(session, [self.order_line(5.5, munipay_fee_type_id=self.fee_certificate.id)],
                              [(self.cash_pm, 5.5)], partner=self.payer_2)
        self.assertEqual(pos_order.lines.munipay_order_id.partner_id, self.payer_2)

    def test_sale_is_never_invoiced_nor_refunded_from_the_pos(self):
        order = self.make_order()
        session = self.open_session()
        pos_order = self.sale(session, [self.order_line(22.21, munipay_order_id=order.id)],
                              [(self.cash_pm, 22.21)], partner=self.payer)
        self.assertFalse(pos_order.account_move)
        with self.assertRaises(UserError):
            pos_order.refund()
