import pathlib
import sys
from contextlib import contextmanager
from urllib.parse import urlencode

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import MunipayCashdeskCommon

# The device bridge is no add-on: it is the package munipay_bridge/ at the repository root
# (addons/munipay_cashdesk/tests/ -> three levels up), which Odoo does not put on sys.path.
REPO_ROOT = str(pathlib.Path(__file__).resolve().parents[3])


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

    def test_sales_slip_printed_from_the_pos_has_the_payment_orders(self):
        """The sales report the POS prints itself (navbar menu) shows the desk's payment
        orders per fee type and method, as the back office's Z-report does."""
        order = self.make_order()
        self.start_desk_tour('munipay_cashdesk_sale_details_slip_tour', scan=order.payment_reference,
                             due='22.21', fee=order.fee_type_id.name)
        self.assertEqual(order.state, 'paid')

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

    @contextmanager
    def real_bridge(self, **behaviour):
        """munipay's device bridge on a free loopback port, speaking ZVT over a pseudo-terminal
        pair to the terminal simulator at the other end; a 'Card terminal' method pointing to it."""
        if REPO_ROOT not in sys.path:
            sys.path.append(REPO_ROOT)
        from munipay_bridge.simulator import Behaviour  # noqa: PLC0415
        from munipay_bridge.testing import running_bridge  # noqa: PLC0415

        terminal = self.env['pos.payment.method'].create({
            'name': 'Card terminal', 'journal_id': self.card_journal.id, 'company_id': self.company.id,
            'payment_method_type': 'terminal', 'use_payment_terminal': 'munipay_bridge',
            'munipay_bridge_token': 'pairing-token'})
        self.config.write({'payment_method_ids': [Command.link(terminal.id)], 'auto_validate_terminal_payment': True})
        # generous terminal timeouts: a slow test machine must not turn a payment 'unknown'
        with running_bridge('serial', Behaviour(**behaviour), origin=self.base_url(), token='pairing-token',
                            t3=20, t4=60) as rig:
            terminal.munipay_bridge_url = rig.url
            rig.payment_method = terminal
            yield rig

    def bridge_payments(self, rig):
        return [op for op in rig.bridge.journal.operations.values() if op['kind'] == 'payment']

    def test_card_payment_through_the_device_bridge(self):
        """The POS payment method talks to the real bridge from the browser, the bridge
        to the simulated terminal in ZVT over a serial line; the terminal's answer and
        slip land on the POS payment."""
        order = self.make_order()
        with self.real_bridge() as rig:
            session = self.start_desk_tour('munipay_cashdesk_bridge_card_tour',
                                           scan=order.payment_reference, due='22.21')
        self.assertEqual(rig.simulator.charges, [{'amount': 2371, 'receipt_no': 1}],
                         "one charge at the terminal: the order and its card handling fee, in cents")
        [operation] = self.bridge_payments(rig)
        self.assertEqual((operation['state'], operation['amount'], operation['currency']),
                         ('approved', 2371, self.company.currency_id.name))
        payment = session.order_ids.payment_ids
        self.assertRecordValues(payment, [{
            'payment_method_id': rig.payment_method.id, 'amount': 23.71,
            'transaction_id': operation['transaction_id'], 'card_type': 'girocard', 'card_no': '1234',
            'payment_method_authcode': operation['auth_code']}])
        self.assertTrue(operation['auth_code'])
        self.assertIn('MUNIPAY SIMULATOR', payment.ticket, "the terminal's slip is kept on the payment")
        self.assertIn('Betrag EUR 23,71', payment.ticket)
        self.assertIn('Zahlung erfolgt', payment.ticket)
        self.assertEqual((order.state, order.receipt_ids.channel), ('paid', 'card'))
        self.close_session(session)
        self.assertTransitCleared()
        self.assertBalanced()

    def test_card_declined_at_the_terminal(self):
        """The issuer declines: the cashier is told, the card line stays to be retried (the
        terminal is asked again) or removed; nothing is charged or booked on the card; the
        citizen then pays cash."""
        order = self.make_order()
        with self.real_bridge(result=0x05) as rig:
            session = self.start_desk_tour('munipay_cashdesk_bridge_declined_tour',
                                           scan=order.payment_reference, due='22.21')
        self.assertEqual(rig.simulator.charges, [], "the terminal charged nothing")
        self.assertEqual(rig.simulator.received.count((0x06, 0x01)), 2, "Retry asked the terminal again")
        operations = self.bridge_payments(rig)
        self.assertEqual([(op['state'], op['result_code'], op['amount']) for op in operations], [('declined', 0x05, 2371)] * 2)
        first, retry = sorted(op['transaction_id'] for op in operations)
        self.assertEqual(retry, first + ':2', "the retry is a new bridge transaction of the same line")
        pos_order = session.order_ids
        self.assertRecordValues(pos_order.payment_ids, [{'payment_method_id': self.cash_pm.id, 'amount': 22.21}])
        self.assertFalse(pos_order.lines.filtered('munipay_handling_fee'), "no card, no card handling fee")
        self.assertEqual((order.state, order.receipt_ids.channel), ('paid', 'cash'))
        self.close_session(session)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.card_journal.default_account_id), 0.0)
        self.assertEqual(self.account_balance(self.cash_journal.default_account_id), 22.21)
        self.assertEqual(self.account_balance(self.income_account), -22.21)
        self.assertBalanced()
