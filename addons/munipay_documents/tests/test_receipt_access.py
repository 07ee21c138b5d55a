from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.munipay_base.tests.common import MunipayCommon


@tagged('post_install', '-at_install')
class TestReceiptAccess(MunipayCommon):
    """Merchants see the receipts they made, not every receipt."""

    def test_merchant_sees_only_own_receipts(self):
        merchant = new_test_user(self.env, login='merchant_receipts', groups='munipay_base.group_merchant')
        other_merchant = new_test_user(self.env, login='merchant_other', groups='munipay_base.group_merchant')
        cashier = new_test_user(self.env, login='cashier_receipts',
                                groups='munipay_base.group_cashier,munipay_base.group_merchant')
        Receipt = self.env['munipay.receipt']
        vals = {'partner_id': self.payer.id, 'amount': 10.0, 'channel': 'merchant'}
        own = Receipt.with_user(merchant).sudo().create(dict(vals))
        other = Receipt.with_user(other_merchant).sudo().create(dict(vals))
        order = self.make_order()
        self.register_native(order.receivable_line_id, 'account.move.line')
        office = order.receipt_ids
        self.assertTrue(office)

        self.assertEqual(Receipt.with_user(merchant).search([]), own)
        self.assertEqual(own.with_user(merchant).read(['amount'])[0]['amount'], 10.0)
        for receipt in other | office:
            with self.assertRaises(AccessError):
                receipt.with_user(merchant).read(['amount'])
        self.assertEqual(Receipt.with_user(cashier).search([('id', 'in', (own | other | office).ids)]),
                         own | other | office)
