from uuid import uuid4

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.munipay_cashdesk.models import munipay_wallet_pos

from .common import MunipayKioskCommon

CARD = '80380001234567890123'


@tagged('post_install', '-at_install')
class TestKioskWallet(MunipayKioskCommon):
    """A wallet topped up at the kiosk: found by PAN or smart card, never by name; the
    banknotes are a Point of Sale sale in the kiosk's session, as at the cash desk (the
    sale credits the transit account, the wallet's credit clears it onto the prepaid
    liability), booked once per key, with the new balance on screen and receipt."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_canteen_wallet()
        cls.liability = cls.company.munipay_wallet_account_id
        cls.transit = cls.company._munipay_cashdesk_transit_account()

    def setUp(self):
        super().setUp()
        munipay_wallet_pos._misses._misses.clear()

    def masked(self):
        return '******' + self.wallet.pan[-4:]

    def test_lookup_by_pan_or_card_shows_what_a_topup_needs(self):
        self.wallet._munipay_credit(12.5, self.cash_journal.default_account_id)
        answer = self.lookup(self.wallet.pan)
        self.assertEqual(answer, {
            'status': 'ok', 'message': '', 'kind': 'wallet', 'target_id': self.wallet.id, 'top_up': True,
            'name': self.masked(), 'reference': self.masked(), 'fee': 'School canteen', 'initials': 'G. B.',
            'balance': 1250, 'balance_text': self.company.currency_id.format(12.5), 'amount_due': 0,
            'amount_due_text': self.company.currency_id.format(0.0), 'max_amount': 20000,
            'max_amount_text': self.company.currency_id.format(200.0), 'currency': self.company.currency_id.name,
        })
        for private in ('Bianchi', 'Giulia', 'Rossi', 'BNCGLI66T42F205Z', 'RSSMRA70C03H501D', self.wallet.pan):
            self.assertNotIn(private, str(answer))
        self.payer_2.munipay_card_number = CARD
        for text in (CARD, ';%s=2912?' % CARD):
            self.assertEqual(self.lookup(text)['target_id'], self.wallet.id, text)
        # the kiosk's own cap, when lower than the service's
        self.kiosk.munipay_kiosk_wallet_max = 50.0
        self.assertEqual(self.lookup(self.wallet.pan)['max_amount'], 5000)

    def test_lookup_refusals(self):
        bad = self.wallet.pan[:-1] + str((int(self.wallet.pan[-1]) + 1) % 10)
        answer = self.lookup(bad)
        self.assertEqual(answer['status'], 'not_found')
        self.assertIn('not a valid personal access number', answer['message'])
        unknown = self.env['munipay.wallet']._munipay_new_pan()
        self.assertEqual(self.lookup(unknown)['status'], 'not_found')
        # not by name on a public screen; the order lookup answers instead
        answer = self.lookup('Giulia Bianchi')
        self.assertNotEqual(answer.get('kind'), 'wallet')
        # a card number nobody has may be a notice number: the order lookup answers
        self.assertNotEqual(self.lookup('803800012345678901')['status'], 'ok')
        self.wallet.active = False
        self.assertEqual(self.lookup(self.wallet.pan)['status'], 'refused')
        # a wallet of a service that is no prepaid service is not topped up
        card_wallet = self.env['munipay.wallet'].create({
            'holder_id': self.payer.id, 'service_fee_type_id': self.fee_card.id})
        self.assertEqual(self.lookup(card_wallet.pan)['status'], 'not_found')

    def test_a_topup_is_a_sale_that_credits_the_wallet(self):
        key = self.new_key()
        answer = self.book(key, self.wallet, [2000, 1000], kind='wallet')
        self.assertEqual((answer['status'], answer['outcome'], answer['amount_inserted'], answer['amount_applied'],
                          answer['amount_credited'], answer['wallet_balance']), ('ok', 'topup', 3000, 3000, 0, 3000))
        self.assertIn('New balance', answer['message'])
        self.assertIn(self.company.currency_id.format(30.0), answer['message'])
        self.assertNotIn(self.wallet.pan, answer['receipt_html'])
        self.assertEqual(self.wallet.balance, 30.0)
        payment = self.env['munipay.kiosk.payment'].search([('name', '=', key)])
        self.assertRecordValues(payment, [{'wallet_id': self.wallet.id, 'wallet_balance': 30.0, 'order_id': False,
                                           'partner_id': self.payer.id, 'outcome': 'topup'}])
        pos_order = payment.pos_order_id
        self.assertEqual(pos_order.session_id, self.kiosk_session())
        self.assertRecordValues(pos_order.payment_ids, [{'payment_method_id': self.kiosk_pm.id, 'amount': 30.0}])
        line = pos_order.lines
        self.assertRecordValues(line.munipay_wallet_move_id.line_ids.sorted('credit'), [
            {'account_id': self.transit.id, 'debit': 30.0, 'credit': 0.0, 'munipay_wallet_id': False},
            {'account_id': self.liability.id, 'debit': 0.0, 'credit': 30.0, 'munipay_wallet_id': self.wallet.id},
        ])
        receipt = line.munipay_wallet_receipt_id
        self.assertRecordValues(receipt, [{'wallet_id': self.wallet.id, 'amount': 30.0, 'balance_after': 30.0,
                                           'channel': 'kiosk'}])
        self.assertEqual(answer['receipt_job']['qr']['payload'], receipt.verify_url)
        printed = [line['text'] if isinstance(line, dict) else line for line in answer['receipt_job']['lines']]
        self.assertLessEqual(max(len(line) for line in printed), 42)
        words = ' '.join(' '.join(printed).split())
        self.assertIn('******' + self.wallet.pan[-4:], words, "the masked PAN whole, however long the service")
        self.assertIn('Holder', words)
        self.assertNotIn('Payer', words)
        # the same key again: the first answer, nothing booked twice
        self.assertEqual(self.book(key, self.wallet, [2000, 1000], kind='wallet'), answer)
        with self.assertRaisesRegex(UserError, 'for something else'):
            self.book(key, self.make_order(), [2000, 1000])
        self.assertEqual(len(self.wallet.line_ids), 1)
        session = self.close_kiosk()
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.kiosk_journal.default_account_id), 30.0)
        self.assertEqual(self.account_balance(self.liability), -30.0)
        self.assertFalse(session.move_id.line_ids.filtered(lambda l: l.account_id == self.income_account),
                         "a top-up is no revenue")
        self.assertEqual(self.wallet.balance, 30.0)
        self.assertBalanced()

    def test_banknotes_beyond_the_caps_are_all_credited(self):
        """No change is given: what the cassette took is the wallet's, above the service's
        maximum too (the page stops offering more at the cap); the desk keeps its limits."""
        self.fee_canteen.amount_max = 20.0
        answer = self.book(self.new_key(), self.wallet, [5000], kind='wallet')
        self.assertEqual((answer['outcome'], answer['wallet_balance']), ('topup', 5000))
        self.assertEqual(self.account_balance(self.liability), -50.0)
        self.config.open_ui()
        desk_session = self.config.current_session_id
        desk_session.set_opening_control(0, None)
        line = self.order_line(50.0, product_id=self.env.ref('munipay_cashdesk.product_wallet_topup').id,
                               name='Top-up', munipay_wallet_id=self.wallet.id)
        with self.assertRaisesRegex(UserError, 'between'), self.env.cr.savepoint():
            self.env['pos.order'].with_context(munipay_kiosk_cash_in_hand=True).sync_from_ui(
                [self.sale_data(desk_session, [line], 50.0)])
        self.assertEqual(self.wallet.balance, 50.0)

    def sale_data(self, session, lines, amount):
        return {
            'amount_paid': amount, 'amount_return': 0, 'amount_tax': 0, 'amount_total': amount,
            'date_order': fields.Datetime.to_string(fields.Datetime.now()), 'fiscal_position_id': False,
            'pricelist_id': self.config.pricelist_id.id, 'name': 'Order desk', 'last_order_preparation_change': '{}',
            'lines': lines, 'partner_id': False, 'session_id': session.id, 'sequence_number': 2,
            'payment_ids': [Command.create({'amount': amount, 'name': fields.Datetime.now(),
                                            'payment_method_id': self.cash_pm.id})],
            'uuid': str(uuid4()), 'user_id': self.env.uid, 'to_invoice': False, 'state': 'paid',
        }

    def test_forged_wallets_book_nothing(self):
        for target in (999999, self.env['munipay.wallet'].create({
                'holder_id': self.payer.id, 'service_fee_type_id': self.fee_card.id})):
            with self.assertRaisesRegex(UserError, 'not a wallet of'):
                self.book(self.new_key(), target, [1000], kind='wallet')
        self.assertFalse(self.env['munipay.kiosk.payment'].search([]))
        self.assertFalse(self.kiosk_session(), "no session opened for nothing")

    def test_wallet_closed_since_the_lookup_keeps_the_banknotes_flagged(self):
        """The notes are in the cassette: refusing the booking would leave them on no account
        (a surplus found only when the cassette is emptied); they stay on the closed wallet."""
        self.assertEqual(self.lookup(self.wallet.pan)['status'], 'ok')
        self.wallet.active = False
        key = self.new_key()
        answer = self.book(key, self.wallet, [2000], kind='wallet', offline=True)
        self.assertEqual((answer['outcome'], answer['amount_applied'], answer['amount_credited']), ('credit', 0, 2000))
        self.assertIn('closed', answer['message'])
        payment = self.env['munipay.kiosk.payment'].search([('name', '=', key)])
        self.assertRecordValues(payment, [{'wallet_id': self.wallet.id, 'outcome': 'credit', 'amount_credited': 20.0}])
        self.assertRecordValues(payment.pos_order_id.lines.munipay_wallet_move_id.line_ids.sorted('credit'), [
            {'account_id': self.transit.id, 'debit': 20.0, 'credit': 0.0, 'munipay_wallet_id': False},
            {'account_id': self.liability.id, 'debit': 0.0, 'credit': 20.0, 'munipay_wallet_id': self.wallet.id},
        ])
        self.assertEqual(self.wallet.balance, 20.0, "kept on the closed wallet for an officer to refund")
        self.assertIn('after this wallet was closed', self.wallet.message_ids[:1].body)
        self.assertEqual(self.book(key, self.wallet, [2000], kind='wallet', offline=True), answer, "once")
        self.assertEqual(self.lookup(self.wallet.pan)['status'], 'refused', "a closed wallet is not offered")
        self.close_kiosk()
        self.assertTransitCleared()
        self.assertBalanced()

    def test_snapshot_lists_the_wallets_and_their_keys(self):
        self.payer_2.munipay_card_number = CARD
        closed = self.env['munipay.wallet'].create({
            'holder_id': self.payer.id, 'service_fee_type_id': self.fee_canteen.id, 'active': False})
        targets = self.env(user=self.kiosk_user)['munipay.payment.order']._munipay_kiosk_snapshot_other(
            self.env(user=self.kiosk_user)['pos.config']._munipay_kiosk_check(self.kiosk.id))
        wallets = [t for t in targets if t.get('kind') == 'wallet']
        self.assertEqual([t['target_id'] for t in wallets], [self.wallet.id], "closed wallets are left out")
        self.assertEqual(wallets[0]['keys'], [self.wallet.pan, CARD])
        self.assertEqual(wallets[0]['initials'], 'G. B.')
        self.assertNotIn(closed.pan, str(targets))
        self.assertNotIn('Bianchi', str(targets))
