from urllib.parse import urlencode

from odoo.tests import tagged

from .common import MunipayMerchantCommon


@tagged('post_install', '-at_install')
class TestMerchantTour(MunipayMerchantCommon):
    """In the browser, at the pharmacy: find the wallet by PAN, top up 20.00 in cash."""

    def test_merchant_tops_up_by_pan(self):
        self.wallet._munipay_credit(3.5, self.cash_journal.default_account_id)
        self.merchant_config.open_ui()
        url = '/pos/ui?' + urlencode({'config_id': self.merchant_config.id, 'pan': self.wallet.pan})
        self.start_tour(url, 'munipay_merchant_topup_tour', login='farmacia_test', timeout=300)
        session = self.merchant_config.current_session_id
        pos_order = session.order_ids
        self.assertEqual(len(pos_order), 1, "the tour validated one sale")
        line = pos_order.lines
        self.assertEqual((line.munipay_wallet_id, line.price_subtotal_incl, line.munipay_wallet_balance),
                         (self.wallet, 20.0, 23.5))
        self.assertEqual(pos_order.user_id, self.merchant_user)
        self.assertEqual(self.wallet.balance, 23.5)
        liability = self.company.munipay_wallet_account_id
        self.assertRecordValues(line.munipay_wallet_move_id.line_ids.filtered(lambda l: l.account_id == liability),
                                [{'credit': 20.0, 'debit': 0.0, 'munipay_wallet_id': self.wallet.id}])
        self.assertRecordValues(line.munipay_commission_move_id.line_ids.sorted('debit'), [
            {'account_id': self.company.munipay_merchant_payable_account_id.id, 'debit': 0.0, 'credit': 0.5,
             'partner_id': self.merchant.id},
            {'account_id': self.company.munipay_merchant_commission_account_id.id, 'debit': 0.5, 'credit': 0.0,
             'partner_id': self.merchant.id},
        ])
        self.close_session(session)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.merchant_cash_pm.journal_id.default_account_id), 20.0)
        self.assertEqual(self.account_balance(liability), -23.5)
        self.assertBalanced()

    def test_merchant_tops_up_offline(self):
        """The shop's link drops: the POS finds the wallet in its snapshot, prints a provisional
        receipt, queues the sale; when the link returns Odoo credits the wallet once."""
        self.wallet._munipay_credit(3.5, self.cash_journal.default_account_id)
        self.merchant_config.open_ui()
        url = '/pos/ui?' + urlencode({'config_id': self.merchant_config.id, 'pan': self.wallet.pan})
        self.start_tour(url, 'munipay_merchant_offline_topup_tour', login='farmacia_test', timeout=300)
        session = self.merchant_config.current_session_id
        pos_order = session.order_ids
        self.assertEqual(len(pos_order), 1, "the queued sale reached Odoo once")
        line = pos_order.lines
        self.assertEqual((line.munipay_wallet_id, line.price_subtotal_incl, line.munipay_wallet_balance),
                         (self.wallet, 20.0, 23.5))
        self.assertTrue(line.munipay_wallet_offline)
        self.assertFalse(line.munipay_wallet_flagged)
        self.assertEqual(self.wallet.balance, 23.5)
        liability = self.company.munipay_wallet_account_id
        self.assertRecordValues(line.munipay_wallet_move_id.line_ids.filtered(lambda l: l.account_id == liability),
                                [{'credit': 20.0, 'debit': 0.0, 'munipay_wallet_id': self.wallet.id}])
        self.assertEqual(line.munipay_commission_amount, 0.5)
        self.close_session(session)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.merchant_cash_pm.journal_id.default_account_id), 20.0)
        self.assertEqual(self.account_balance(liability), -23.5)
        self.assertBalanced()
