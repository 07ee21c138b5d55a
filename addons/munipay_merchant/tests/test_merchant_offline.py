from copy import deepcopy

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MunipayMerchantCommon


@tagged('post_install', '-at_install')
class TestMerchantOffline(MunipayMerchantCommon):
    """A merchant's POS tops up from its snapshot while Odoo is unreachable; Odoo's POS
    queue sends the sale later, once or several times: the wallet is credited once."""

    def offline_line(self, amount, wallet=None):
        return self.topup_line(amount, wallet=wallet, munipay_wallet_offline=True)

    def test_snapshot_holds_what_a_topup_needs_and_no_name(self):
        self.payer_2.munipay_card_number = '80380001200012345678'
        self.wallet._munipay_credit(3.5, self.cash_journal.default_account_id)
        archived = self.env['munipay.wallet'].create({
            'holder_id': self.payer.id, 'service_fee_type_id': self.fee_canteen.id, 'active': False})
        holder_only = self.env['munipay.wallet'].create({
            'holder_id': self.payer.id, 'service_fee_type_id': self.fee_canteen.id})
        session = self.open_merchant_session()
        data = session.with_user(self.merchant_user).load_data(['pos.config'])
        snapshot = {entry['id']: entry for entry in data['pos.session']['data'][0]['_munipay_wallet_snapshot']}
        # the wallets of the services the merchant may top up, open ones only
        self.assertEqual(set(snapshot), {self.wallet.id, holder_only.id})
        self.assertNotIn(self.transport_wallet.id, snapshot)
        self.assertNotIn(archived.id, snapshot)
        entry = snapshot[self.wallet.id]
        self.assertEqual(
            (entry['pan'], entry['keys'], entry['pos_initials'], entry['pos_service_name'], entry['pos_balance']),
            ('******' + self.wallet.pan[-4:], [self.wallet.pan, '80380001200012345678'], 'G. B.', 'School canteen', 3.5))
        self.assertEqual(snapshot[holder_only.id]['keys'], [holder_only.pan])
        for text in ('Bianchi', 'Giulia', 'Rossi', 'Mario', self.payer.munipay_national_id,
                     self.payer_2.munipay_national_id):
            self.assertNotIn(text, str(snapshot))
        # a Point of Sale that is no merchant's holds none
        self.other_config.munipay_merchant_partner_id = False
        self.other_config.open_ui()
        other = self.other_config.current_session_id.load_data(['pos.config'])
        self.assertNotIn('_munipay_wallet_snapshot', other['pos.session']['data'][0])

    def test_offline_sale_synced_twice_credits_once(self):
        session = self.open_merchant_session()
        data = self.merchant_sale_data(session, [self.offline_line(20.0)], 20.0)
        pos_order = self.merchant_sync(deepcopy(data))
        # the POS did not hear Odoo's answer and sends the queued sale again
        again = self.merchant_sync(deepcopy(data))
        self.assertEqual(again, pos_order)
        self.assertEqual(self.env['pos.order'].search_count([('uuid', '=', data['uuid'])]), 1)
        line = pos_order.lines
        self.assertTrue(line.munipay_wallet_offline)
        self.assertFalse(line.munipay_wallet_flagged)
        self.assertEqual((line.munipay_wallet_balance, self.wallet.balance), (20.0, 20.0))
        self.assertRecordValues(self.wallet_items(), [{'account_id': self.liability.id, 'debit': 0.0, 'credit': 20.0}])
        payable = self.company.munipay_merchant_payable_account_id
        self.assertEqual(len(self.env['account.move.line'].search([('account_id', '=', payable.id)])), 1)
        # its credit is idempotent too, should anything call it again
        pos_order._munipay_wallet_credit()
        self.assertEqual(len(self.wallet_items()), 1)
        self.close_session(session)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.liability), -20.0)
        self.assertEqual(self.account_balance(self.merchant_cash_pm.journal_id.default_account_id), 20.0)
        self.assertEqual(self.account_balance(payable), -0.5)
        self.assertBalanced()

    def test_offline_topup_of_a_wallet_closed_meanwhile_is_kept_flagged(self):
        """The merchant took the money from a snapshot that showed the wallet open: the sale is
        recorded and the money kept on the closed wallet, flagged for an officer, not lost."""
        session = self.open_merchant_session()
        data = self.merchant_sale_data(session, [self.offline_line(20.0)], 20.0)
        self.wallet.active = False  # closed at the town hall while the shop was offline
        pos_order = self.merchant_sync(data)
        line = pos_order.lines
        self.assertEqual(pos_order.state, 'paid')
        self.assertTrue(line.munipay_wallet_flagged)
        self.assertEqual(line.munipay_wallet_balance, 20.0)
        self.assertRecordValues(line.munipay_wallet_move_id.line_ids.sorted('credit'), [
            {'account_id': self.company.munipay_cashdesk_transit_account_id.id, 'debit': 20.0, 'credit': 0.0,
             'munipay_wallet_id': False},
            {'account_id': self.liability.id, 'debit': 0.0, 'credit': 20.0, 'munipay_wallet_id': self.wallet.id},
        ])
        self.assertEqual(line.munipay_commission_amount, 0.5)
        self.assertIn('after this wallet was closed', self.wallet.message_ids[:1].body)
        self.assertFalse(self.wallet.active)
        self.close_session(session)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.liability), -20.0)
        self.assertBalanced()

    @mute_logger('odoo.addons.point_of_sale.models.pos_order')
    def test_online_topup_of_a_closed_wallet_still_refused(self):
        session = self.open_merchant_session()
        self.wallet.active = False
        with self.assertRaisesRegex(UserError, 'is closed'), self.env.cr.savepoint():
            self.merchant_sale(session, [self.topup_line(20.0)], 20.0)
        self.assertFalse(self.wallet_items())
        # nor does a cash desk keep an offline line of a closed wallet: only a merchant's sale does
        desk = self.open_session()
        with self.assertRaisesRegex(UserError, 'is closed'), self.env.cr.savepoint():
            self.sale(desk, [self.offline_line(20.0)], [(self.cash_pm, 20.0)])
        self.assertFalse(self.wallet_items())
