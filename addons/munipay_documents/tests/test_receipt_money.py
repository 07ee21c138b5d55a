from odoo import fields
from odoo.tests import tagged

from odoo.addons.munipay_base.tests.common import MunipayCommon


@tagged('post_install', '-at_install')
class TestReceiptMoney(MunipayCommon):
    """A receipt states the money received, once; credits and write-offs are no money."""

    def receipts(self, order):
        return self.env['munipay.receipt'].search([('order_id', '=', order.id)])

    def test_discounted_payment_receipt_is_the_money(self):
        order = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        _wizard, payment = self.register_native(order.move_id, 'account.move')
        receipt = self.receipts(order)
        self.assertEqual(len(receipt), 1)
        self.assertEqual((receipt.amount, receipt.payment_id), (42.9, payment))

    def test_partial_payments_then_discount_one_receipt(self):
        order = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        order._munipay_pay(self.bank_journal, amount=30.0, external=True)
        self.assertFalse(self.receipts(order))
        order._munipay_pay(self.bank_journal, amount=12.9, external=True)
        self.assertEqual(self.receipts(order).mapped('amount'), [42.9], "one receipt, for all the money")

    def test_receipt_never_counts_credit_notes_or_write_offs(self):
        order = self.make_order(amount=100.0)
        bank_fees = self.company_data['default_account_expense']
        self.register_native(order.move_id, 'account.move', amount=90.0, payment_difference_handling='reconcile',
                             writeoff_account_id=bank_fees.id, writeoff_label='Bank fee')
        self.assertFalse(self.receipts(order), "90 received of 100 due is not a paid order")
        credited = self.make_order(amount=100.0)
        self.register_native(credited.move_id, 'account.move', amount=40.0, payment_difference_handling='open')
        self.credit_note(credited, 60.0, 'Reduced')
        self.assertEqual(credited.state, 'paid', "reduced to 40 by the credit note, and paid")
        self.assertEqual(self.receipts(credited).mapped('amount'), [40.0], "the receipt states the money, not 100")
