from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MunipayKioskCommon


@tagged('post_install', '-at_install')
class TestKioskMoney(MunipayKioskCommon):
    """The kiosk's money under an attacker or bad luck: what the page posts cannot be
    checked against the bill acceptor, so the cassette's count must show any difference;
    an emptied cassette starts the next session empty."""

    def encash(self, counts):
        wizard = self.env['munipay.kiosk.encashment'].with_context(active_id=self.kiosk.id).create({})
        for line in wizard.line_ids:
            line.count = counts.get(line.value, 0)
        session = wizard.session_id
        wizard.action_confirm()
        self.assertEqual(session.state, 'closed')
        return session

    def loss_account(self):
        return self.kiosk_journal.loss_account_id or self.company.default_cash_difference_expense_account_id

    def profit_account(self):
        return self.kiosk_journal.profit_account_id or self.company.default_cash_difference_income_account_id

    def test_next_session_after_encashment_starts_empty(self):
        self.book(self.new_key(), self.make_order(), [2000, 1000])
        first = self.encash({20.0: 1, 10.0: 1})
        self.assertEqual(first.cash_register_difference, 0.0)
        # the cassette went back empty: the next payment is all the next session should hold
        self.book(self.new_key(), self.make_order(), [1000], due=2221)
        second = self.kiosk_session()
        self.assertNotEqual(second, first)
        self.assertEqual(second.cash_register_balance_start, 0.0, "an emptied cassette holds nothing")
        self.kiosk.invalidate_recordset(['munipay_kiosk_cassette_amount'])
        self.assertEqual(self.kiosk.munipay_kiosk_cassette_amount, 10.0)
        self.encash({10.0: 1})
        self.assertEqual(second.cash_register_difference, 0.0, "the count matches: no loss booked")
        self.assertEqual(self.account_balance(self.loss_account()), 0.0)
        self.assertEqual(self.account_balance(self.profit_account()), 0.0)
        self.assertEqual(self.account_balance(self.kiosk_journal.default_account_id), 40.0)
        self.assertTransitCleared()
        self.assertBalanced()

    def test_emptying_while_offline_payments_wait_needs_a_confirmation(self):
        """Notes of payments the kiosk took offline are in the cassette but in no session yet:
        emptying it now books a surplus here and a shortfall in the next session."""
        self.book(self.new_key(), self.make_order(), [2000, 1000])
        kiosk = self.kiosk.with_user(self.kiosk_user)
        kiosk._munipay_kiosk_report({'connected': True, 'faults': []}, queue={'pending': 1, 'oldest': None})
        self.assertEqual(self.kiosk.munipay_kiosk_offline_pending, 1)
        wizard = self.env['munipay.kiosk.encashment'].with_context(active_id=self.kiosk.id).create({})
        self.assertEqual(wizard.offline_pending, 1)
        session = wizard.session_id
        with self.assertRaisesRegex(UserError, '1 payment'):
            wizard.action_confirm()
        self.assertEqual(session.state, 'opened', "nothing closed")
        # the kiosk sent it: the next heartbeat says so and the cassette can be emptied
        kiosk._munipay_kiosk_report({'connected': True, 'faults': []}, queue={'pending': 0, 'oldest': None})
        self.assertEqual(self.encash({20.0: 1, 10.0: 1}).cash_register_difference, 0.0)
        # an officer who must empty it anyway says so
        self.book(self.new_key(), self.make_order(), [1000], due=2221)
        kiosk._munipay_kiosk_report({'connected': True, 'faults': []}, queue={'pending': 2, 'oldest': None})
        wizard = self.env['munipay.kiosk.encashment'].with_context(active_id=self.kiosk.id).create({})
        for line in wizard.line_ids:
            line.count = 1 if line.value == 10.0 else 0
        wizard.empty_with_offline_pending = True
        wizard.action_confirm()
        self.assertEqual(wizard.session_id.state, 'closed')

    def test_forged_amount_shows_at_encashment(self):
        """The page holds the bridge's token and posts the session itself: a crafted post
        claiming 500.00 is booked like a real one (Odoo cannot ask the acceptor). The
        encashment count of the cassette exposes it as a loss on the kiosk's cash."""
        order = self.make_order()
        answer = self.book(self.new_key(), order, [50000])
        self.assertEqual((answer['outcome'], answer['amount_applied'], answer['amount_credited']),
                         ('paid', 2221, 47779))
        self.assertTrue(order.activity_ids, "the credit waits for an officer before any refund")
        self.kiosk.invalidate_recordset(['munipay_kiosk_cassette_amount', 'munipay_kiosk_cassette_bills'])
        self.assertEqual(self.kiosk.munipay_kiosk_cassette_amount, 500.0)
        self.assertIn('500', self.kiosk.munipay_kiosk_cassette_bills)
        session = self.encash({})  # the cassette holds no such banknote
        self.assertEqual(session.cash_register_difference, -500.0)
        self.assertIn('expected', session.closing_notes)
        self.assertEqual(self.account_balance(self.loss_account()), 500.0, "the missing cash is a booked loss")
        self.assertEqual(self.account_balance(self.kiosk_journal.default_account_id), 0.0)
        self.assertEqual(self.account_balance(order.receivable_line_id.account_id), -477.79,
                         "the forged excess is an open credit an officer must not refund unchecked")
        self.assertBalanced()

    def test_order_cancelled_meanwhile_becomes_a_flagged_credit(self):
        order = self.make_order()
        self.assertEqual(self.lookup(order.payment_reference)['status'], 'ok')
        order.action_cancel()
        answer = self.book(self.new_key(), order, [2000, 1000])
        self.assertEqual((answer['outcome'], answer['amount_applied'], answer['amount_credited']), ('credit', 0, 3000))
        self.assertEqual(order.state, 'cancelled')
        self.assertRecordValues(order.refund_line_ids, [{'partner_id': self.payer.id, 'balance': -30.0,
                                                         'reconciled': False}])
        self.encash({20.0: 1, 10.0: 1})
        self.assertEqual(self.account_balance(self.kiosk_journal.default_account_id), 30.0)
        self.assertTransitCleared()
        self.assertBalanced()

    def test_same_key_after_encashment_books_nothing_more(self):
        order = self.make_order()
        key = self.new_key()
        first = self.book(key, order, [2000, 1000])
        self.encash({20.0: 1, 10.0: 1})
        self.assertEqual(self.book(key, order, [2000, 1000]), first)
        self.assertFalse(self.kiosk_session(), "no session opened for a repeated post")
        self.assertEqual(len(self.env['munipay.kiosk.payment'].search([('config_id', '=', self.kiosk.id)])), 1)
        self.assertEqual(self.account_balance(self.kiosk_journal.default_account_id), 30.0)

    def test_amounts_not_in_whole_cents_are_refused(self):
        order = self.make_order()
        key = self.new_key()
        for bills, inserted in (([1000.5], 1000.5), ([-1000, 2000], 1000), ([1000], -1000)):
            session = self.bridge_session(key, [1000])
            session['bills'] = [{'bill_type': 1, 'amount': b, 'currency': session['currency']} for b in bills]
            session['inserted'] = inserted
            with self.subTest(bills=bills), self.assertRaisesRegex(Exception, 'whole cents'):
                self.env(user=self.kiosk_user)['munipay.kiosk.payment'].munipay_kiosk_book(
                    self.kiosk.id, key, 'order', order.id, session)
        self.assertFalse(self.env['munipay.kiosk.payment'].search([]))
        self.assertEqual(order.state, 'issued')

    def test_fault_text_is_escaped_in_the_alert_mail(self):
        self.env(user=self.kiosk_user)['pos.config']._munipay_kiosk_check(self.kiosk.id)._munipay_kiosk_report(
            {'connected': True, 'faults': [{'name': 'x', 'text': '<a href="http://evil">click</a>'}]})
        self.env['pos.config']._cron_munipay_kiosk_alerts()
        mail = self.env['mail.mail'].search([('email_to', '=', 'kiosk-alerts@example.com')])
        self.assertEqual(len(mail), 1)
        self.assertNotIn('<a href', mail.body_html)
        self.assertIn('&lt;a href', mail.body_html)
