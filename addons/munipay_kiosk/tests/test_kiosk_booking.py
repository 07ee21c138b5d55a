from odoo.tests import tagged

from .common import MunipayKioskCommon


@tagged('post_install', '-at_install')
class TestKioskBooking(MunipayKioskCommon):
    """What the bill acceptor counted is a Point of Sale sale of the order in the kiosk's
    session, paid by the kiosk's cash: the order's payment clears the transit account,
    money beyond the amount due is a flagged credit on the payer, a stopped insertion
    a part payment; the same key never books twice."""

    def assertKioskLedger(self, cash):
        session = self.close_kiosk()
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.kiosk_journal.default_account_id), cash,
                         "the kiosk's cash is on its own cash journal")
        self.assertEqual(self.account_balance(self.cash_journal.default_account_id), 0.0, "no desk's cash")
        self.assertFalse(session.move_id.line_ids.filtered(lambda l: l.account_id == self.income_account),
                         "no revenue booked twice")
        self.assertBalanced()
        return session

    def test_lookup_shows_initials_and_amount_due_only(self):
        order = self.make_order()
        answer = self.lookup(order.payment_reference)
        self.assertEqual(answer['status'], 'ok')
        self.assertEqual((answer['kind'], answer['target_id'], answer['initials'], answer['amount_due'],
                          answer['currency']), ('order', order.id, 'M. R.', 2221, self.company.currency_id.name))
        self.assertNotIn('Rossi', str(answer), "the screen shows the payer's initials only")
        fine = self.make_order(self.fee_fine, date_notified=self.days_ago(1))
        self.assertEqual(self.lookup(fine.payment_reference)['amount_due'], 4290, "the amount due today")

    def test_exact_amount_pays_the_order(self):
        order = self.make_order(amount=30.0)
        key = self.new_key()
        answer = self.book(key, order, [2000, 1000])
        self.assertEqual((answer['status'], answer['outcome'], answer['amount_inserted'], answer['amount_applied'],
                          answer['amount_credited']), ('ok', 'paid', 3000, 3000, 0))
        self.assertEqual(order.state, 'paid')
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertEqual(order.receipt_ids.channel, 'cash')
        payment = self.env['munipay.kiosk.payment'].search([('name', '=', key)])
        pos_order = payment.pos_order_id
        self.assertEqual(pos_order.session_id, self.kiosk_session(), "booked in the kiosk's session, opened for it")
        self.assertEqual(self.kiosk_session().state, 'opened')
        self.assertRecordValues(pos_order.payment_ids, [{'payment_method_id': self.kiosk_pm.id, 'amount': 30.0}])
        self.assertEqual(payment.bills.count('1 × '), 2, "one 10 and one 20 note")
        self.assertIn(order.receipt_ids.name, answer['receipt_html'])
        self.assertIn('data:image/png;base64,', answer['receipt_html'], "the signed confirmation QR")
        self.assertKioskLedger(30.0)
        self.assertEqual(self.account_balance(order.receivable_line_id.account_id), 0.0)

    def test_excess_is_credited_to_the_payer(self):
        order = self.make_order()
        answer = self.book(self.new_key(), order, [2000, 1000])
        self.assertEqual((answer['outcome'], answer['amount_applied'], answer['amount_credited']), ('paid', 2221, 779))
        self.assertIn('No change is given', answer['message'])
        self.assertIn('7.79', answer['receipt_html'])
        self.assertIn('o_munipay_kiosk_receipt_credited', answer['receipt_html'])
        self.assertEqual(order.state, 'paid')
        credit = order.refund_line_ids
        self.assertRecordValues(credit, [{
            'partner_id': self.payer.id, 'balance': -7.79, 'reconciled': False,
            'account_id': order.receivable_line_id.account_id.id}])
        self.assertTrue(order.activity_ids, "an officer is asked to refund it")
        self.assertKioskLedger(30.0)
        self.assertEqual(self.account_balance(order.receivable_line_id.account_id), -7.79,
                         "the payer's open credit")

    def test_same_key_twice_books_once(self):
        order = self.make_order()
        key = self.new_key()
        first = self.book(key, order, [2000, 1000])
        again = self.book(key, order, [2000, 1000])
        self.assertEqual(again, first)
        payments = self.env['munipay.kiosk.payment'].search([('config_id', '=', self.kiosk.id)])
        self.assertEqual(len(payments), 1)
        self.assertEqual(len(self.kiosk_session().order_ids), 1)
        self.assertEqual(len(payments.pos_order_id.munipay_payment_ids), 2, "the order's payment and the credit")
        self.assertEqual(len(order.refund_line_ids), 1)
        self.assertKioskLedger(30.0)

    def test_stopped_early_is_a_part_payment(self):
        order = self.make_order()
        answer = self.book(self.new_key(), order, [1000], due=2221)
        self.assertEqual((answer['outcome'], answer['amount_applied'], answer['amount_credited']), ('partial', 1000, 0))
        self.assertIn('Part payment', answer['message'])
        self.assertIn('12.21', answer['message'], "what remains to be paid")
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.get_amount_open(), 12.21)
        self.assertFalse(order.refund_line_ids)
        self.assertNotIn('data:image/png', answer['receipt_html'], "no confirmation of a paid order")
        # the rest, later, at the same kiosk
        self.assertEqual(self.lookup(order.payment_reference)['amount_due'], 1221)
        rest = self.book(self.new_key(), order, [2000])
        self.assertEqual((rest['outcome'], rest['amount_applied'], rest['amount_credited']), ('paid', 1221, 779))
        self.assertEqual(order.state, 'paid')
        self.assertKioskLedger(30.0)

    def test_order_paid_elsewhere_meanwhile_becomes_a_flagged_credit(self):
        order = self.make_order()
        self.assertEqual(self.lookup(order.payment_reference)['status'], 'ok')
        # while the citizen inserts banknotes, the bank pays the order
        bank_payment = order._munipay_pay(self.bank_journal)
        self.assertEqual(order.state, 'paid')
        answer = self.book(self.new_key(), order, [2000, 1000])
        self.assertEqual((answer['outcome'], answer['amount_applied'], answer['amount_credited']), ('credit', 0, 3000))
        self.assertIn('could not take this payment', answer['message'])
        self.assertEqual(len(order.receipt_ids), 1, "one receipt: the bank's")
        settled = order.receivable_line_id.matched_credit_ids.credit_move_id
        self.assertEqual(settled.payment_id, bank_payment, "never a second settlement")
        self.assertRecordValues(order.refund_line_ids, [{'partner_id': self.payer.id, 'balance': -30.0,
                                                         'reconciled': False}])
        self.assertKioskLedger(30.0)

    def test_stopped_without_money_books_nothing(self):
        order = self.make_order()
        answer = self.book(self.new_key(), order, [], due=2221)
        self.assertEqual(answer['status'], 'nothing')
        self.assertFalse(self.env['munipay.kiosk.payment'].search([('config_id', '=', self.kiosk.id)]))
        self.assertFalse(self.kiosk_session())
        self.assertEqual(order.state, 'issued')
