from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MunipayMerchantCommon


@tagged('post_install', '-at_install')
class TestMerchantSecurity(MunipayMerchantCommon):
    """A merchant sees its own merchant's sales and receipts, nothing of other merchants or the office."""

    def test_merchants_see_only_their_own_sales_and_receipts(self):
        session = self.open_merchant_session()
        own = self.merchant_sale(session, [self.topup_line(20.0)], 20.0)
        other_session = self.open_merchant_session(self.other_config)
        self.other_config.munipay_merchant_fee_type_ids |= self.fee_canteen
        other = self.merchant_sale(other_session, [self.topup_line(25.0)], 25.0, user=self.other_user)
        desk_session = self.open_session()
        desk = self.sale(desk_session, [self.topup_line(5.0)], [(self.cash_pm, 5.0)])
        colleague = self.merchant_user.copy({'login': 'farmacia2', 'munipay_merchant_partner_id': self.merchant.id})
        for user in (self.merchant_user, colleague):
            Order = self.env['pos.order'].with_user(user)
            self.assertEqual(Order.search([]), own, user.login)
            self.assertEqual(self.env['pos.config'].with_user(user).search([]), self.merchant_config)
            self.assertEqual(self.env['munipay.receipt'].with_user(user).search([]),
                             own.lines.munipay_wallet_receipt_id, user.login)
            self.assertEqual(self.env['munipay.merchant.statement'].with_user(user).search([]).pos_order_id, own)
            for record in (other, desk, other.lines.munipay_wallet_receipt_id, desk.lines.munipay_wallet_receipt_id,
                           self.other_config, desk_session):
                with self.assertRaises(AccessError, msg=f"{user.login} reads {record}"):
                    record.with_user(user).read(['id'])
        # a Point of Sale manager keeps seeing everything
        self.assertEqual(self.env['pos.order'].search([('id', 'in', (own | other | desk).ids)]), own | other | desk)

    def test_merchant_cannot_read_national_id(self):
        wallet = self.wallet.with_user(self.merchant_user)
        self.assertEqual(wallet.read(['pan'])[0]['pan'], self.wallet.pan)
        for partner in (wallet.holder_id, wallet.beneficiary_id):
            with self.assertRaises(AccessError):
                partner.read(['munipay_national_id'])
            with self.assertRaises(AccessError):
                partner.read(['munipay_card_number'])
        with self.assertRaises(AccessError):
            wallet.write({'active': False})

    def test_merchant_user_is_a_point_of_sale_user(self):
        self.assertTrue(self.merchant_user.has_group('point_of_sale.group_pos_user'))
        self.assertFalse(self.merchant_user.has_group('point_of_sale.group_pos_manager'))
        self.assertFalse(self.merchant_user.has_group('munipay_base.group_cashier'))
