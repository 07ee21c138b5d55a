from datetime import datetime, time, timedelta

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PagopaCommon


@tagged('post_install', '-at_install')
class TestPagopaReviewS8(PagopaCommon):
    """Findings of the review of receipts booked together on one entry."""

    def setUp(self):
        super().setUp()
        self.company.resource_calendar_id.tz = 'Europe/Rome'

    def booked_together(self):
        first, second = self.make_order(), self.make_order(partner=self.payer_2)
        self.send_rt(first, 'r-s8-a', '22.21')
        self.send_rt(second, 'r-s8-b', '22.21')
        self.book_receipts()
        entry = first.pagopa_receipt_ids.move_ids
        self.assertEqual(len(entry), 1)
        self.assertEqual(second.pagopa_receipt_ids.move_ids, entry, "both receipts on one entry")
        return first, second, entry

    def test_another_receipts_open_credit_is_not_flagged_on_the_order(self):
        first, second, _entry = self.booked_together()
        receivable = self.payer.property_account_receivable_id
        credit_a = self.receipt_items(first.pagopa_receipt_ids, receivable)
        credit_b = self.receipt_items(second.pagopa_receipt_ids, receivable)
        # the accountant takes both payments off their orders, then gives the second one back
        first.receivable_line_id.remove_move_reconcile()
        second.receivable_line_id.remove_move_reconcile()
        self.assertEqual((first.state, second.state), ('issued', 'issued'))
        (credit_b | second.receivable_line_id).reconcile()
        self.assertEqual(second.state, 'paid')
        self.assertNotIn(credit_a, second.refund_line_ids, "the first payer's money is not the second order's")
        self.assertFalse(second.needs_refund)
        self.assertIn(credit_a, first.refund_line_ids)
        self.assertAlmostEqual(credit_a.amount_residual, -22.21)
        self.assertBalanced()

    def test_the_batch_entry_is_not_reset_cancelled_or_deleted(self):
        first, second, entry = self.booked_together()
        for action in (entry.button_draft, entry.button_cancel, entry.unlink):
            with self.assertRaisesRegex(UserError, 'pagoPA receipts'):
                action()
        self.assertEqual(entry.state, 'posted')
        self.assertEqual((first.state, second.state), ('paid', 'paid'))

    def test_a_later_receipt_does_not_surcharge_the_one_that_settles(self):
        order = self.fine_notified(days_ago=62)
        early, late = self.days_ago(2), self.days_ago(1)
        amount_early, amount_late = order.get_amount_open(early), order.get_amount_open(late)
        self.assertGreater(amount_late, amount_early, "a surcharge step lies between the two days")
        self.send_rt(order, 'r-s8-early', '%.2f' % amount_early, paid_at=datetime.combine(early, time(12)))
        self.send_rt(order, 'r-s8-late', '%.2f' % amount_late, paid_at=datetime.combine(late, time(12)))
        self.book_receipts()
        receipts = {receipt.name: receipt for receipt in order.pagopa_receipt_ids}
        self.assertEqual((receipts['r-s8-early'].state, receipts['r-s8-late'].state), ('booked', 'credit'))
        self.assertEqual((order.state, order.date_paid), ('paid', early))
        self.assertFalse(order.ledger_line_ids.filtered('munipay_surcharge'), "no surcharge of the later day")
        self.assertTrue(order.needs_refund)
        self.assertBalanced()
