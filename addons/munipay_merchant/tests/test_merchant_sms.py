from odoo.tests import tagged

from .common import MunipayMerchantCommon


@tagged('post_install', '-at_install')
class TestMerchantTopupSms(MunipayMerchantCommon):
    """Odoo's SMS (auto-installed with mail) queues a text to the holder with the new balance;
    nothing is sent from the tests (no IAP account)."""

    def test_topup_queues_a_text_with_the_new_balance(self):
        self.assertIn('sms.sms', self.env, "Odoo's sms module is installed with mail (auto_install)")
        self.payer.mobile = '+39 333 123 4567'
        self.wallet._munipay_credit(3.5, self.cash_journal.default_account_id)
        session = self.open_merchant_session()
        pos_order = self.merchant_sale(session, [self.topup_line(20.0)], 20.0)
        sms = self.env['sms.sms'].search([('partner_id', '=', self.payer.id)])
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.state, 'outgoing', "queued, never sent without an IAP account")
        self.assertEqual(sms.number, '+39 333 123 4567')
        self.assertIn(self.wallet.pan, sms.body)
        self.assertIn('School canteen', sms.body)
        self.assertIn(self.company.currency_id.format(20.0), sms.body)
        self.assertIn(self.company.currency_id.format(23.5), sms.body)
        self.assertEqual(pos_order.lines.munipay_wallet_balance, 23.5)
        # synced again: no second credit, no second text
        pos_order._munipay_wallet_credit()
        self.assertEqual(self.env['sms.sms'].search_count([('partner_id', '=', self.payer.id)]), 1)

    def test_no_text_without_a_number(self):
        self.payer.write({'mobile': False, 'phone': False})
        session = self.open_merchant_session()
        self.merchant_sale(session, [self.topup_line(20.0)], 20.0)
        self.assertFalse(self.env['sms.sms'].search([('partner_id', '=', self.payer.id)]))
