from urllib.parse import urlencode

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import MunipayCashdeskCommon
from .fake_bridge import running_fake_bridge


@tagged('post_install', '-at_install')
class TestCashdeskTours(MunipayCashdeskCommon):
    """In the browser, at the desk; then the session is closed and its journal items checked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a cashier with Point of Sale rights only: no munipay group
        cls.cashier = new_test_user(
            cls.env, login='desk_cashier', groups='base.group_user,point_of_sale.group_pos_user',
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])

    def start_desk_tour(self, tour, **params):
        self.config.open_ui()
        url = '/pos/ui?' + urlencode({'config_id': self.config.id, **params})
        self.start_tour(url, tour, login='desk_cashier', timeout=300)
        session = self.config.current_session_id
        self.assertEqual(len(session.order_ids), 1, "the tour validated one sale")
        return session

    def test_scan_pay_cash_validate(self):
        order = self.make_order()
        session = self.start_desk_tour('munipay_cashdesk_scan_pay_cash_tour',
                                       scan=order.payment_reference, due='22.21')
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.receipt_ids.channel, 'cash')
        self.close_session(session)
        self.assertTransitCleared()
        self.assertFalse(session.move_id.line_ids.filtered(lambda l: l.account_id == self.income_account))
        self.assertEqual(self.account_balance(self.cash_journal.default_account_id), 22.21)
        self.assertEqual(self.account_balance(self.income_account), -22.21)
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertBalanced()

    def test_two_orders_of_one_payer_by_card(self):
        order_a = self.make_order()
        order_b = self.make_order(self.fee_fine, date_notified=self.days_ago(1))
        total = 22.21 + 1.5 + 42.9
        session = self.start_desk_tour('munipay_cashdesk_two_orders_card_tour',
                                       payer=self.payer.name, total='%.2f' % total)
        self.assertEqual((order_a | order_b).mapped('state'), ['paid', 'paid'])
        self.assertEqual((order_a | order_b).receipt_ids.mapped('channel'), ['card', 'card'])
        pos_order = session.order_ids
        self.assertEqual(pos_order.partner_id, self.payer)
        self.assertAlmostEqual(pos_order.amount_total, total)
        income_before = self.account_balance(self.income_account)
        self.close_session(session)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.income_account), self.company.currency_id.round(income_before - 1.5))
        self.assertEqual(self.account_balance(self.pos_receivable), 0.0)
        self.assertBalanced()

    def test_desk_sold_certificate(self):
        session = self.start_desk_tour('munipay_cashdesk_certificate_tour')
        order = session.order_ids.lines.munipay_order_id
        self.assertEqual((order.fee_type_id, order.state, order.amount_total), (self.fee_certificate, 'paid', 5.5))
        self.close_session(session)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.cash_journal.default_account_id), 5.5)
        self.assertEqual(self.account_balance(self.income_account), -5.5)
        self.assertBalanced()

    def test_card_payment_through_the_device_bridge(self):
        """The POS payment method talks to the bridge from the browser (a stand-in of
        its JSON API here); the terminal's answer lands on the POS payment."""
        order = self.make_order()
        terminal = self.env['pos.payment.method'].create({
            'name': 'Card terminal', 'journal_id': self.card_journal.id, 'company_id': self.company.id,
            'payment_method_type': 'terminal', 'use_payment_terminal': 'munipay_bridge',
            'munipay_bridge_token': 'pairing-token'})
        self.config.write({'payment_method_ids': [Command.link(terminal.id)], 'auto_validate_terminal_payment': True})
        with running_fake_bridge('pairing-token', self.base_url()) as bridge:
            terminal.munipay_bridge_url = bridge.url
            session = self.start_desk_tour('munipay_cashdesk_bridge_card_tour',
                                           scan=order.payment_reference, due='22.21')
        self.assertEqual(len(bridge.payments), 1, "one request, one charge")
        self.assertEqual((bridge.payments[0]['amount'], bridge.payments[0]['currency']), (2371, self.company.currency_id.name),
                         "the order and its card handling fee, in cents")
        payment = session.order_ids.payment_ids
        self.assertRecordValues(payment, [{
            'payment_method_id': terminal.id, 'amount': 23.71, 'transaction_id': bridge.payments[0]['transaction_id'],
            'card_type': 'girocard', 'card_no': '1234', 'payment_method_authcode': '123456'}])
        self.assertIn('Zahlung erfolgt', payment.ticket)
        self.assertEqual((order.state, order.receipt_ids.channel), ('paid', 'card'))
        self.close_session(session)
        self.assertTransitCleared()
        self.assertBalanced()
