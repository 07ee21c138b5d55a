"""Review of the pagoPA money paths (session 6): each test shows a defect found by
an adversarial review, in journal items."""
from datetime import datetime, time, timedelta
from unittest.mock import patch

import pytz

from odoo.tests import tagged

from .common import PagopaCommon

ROME = pytz.timezone('Europe/Rome')


@tagged('post_install', '-at_install')
class TestPagopaReviewS6(PagopaCommon):

    def test_p01_payment_time_of_the_node_is_italian_time(self):
        """A town whose calendar runs on UTC: the node's local (Italian) time 00:30 is
        23:30 of the day before in the town, the last day of the discount that
        Verify and GetPayment quoted. The reduced amount settles the fine."""
        self.company.resource_calendar_id.tz = 'UTC'
        order = self.fine_notified(days_ago=20)
        last_day = order.discount_date
        self.assertTrue(last_day)
        # what Verify answered at 23:30 UTC on the last day of the discount
        with patch.object(type(order), '_munipay_today', lambda _self: last_day):
            self.assertEqual(self.verify(order.pagopa_notice_number).findtext(
                'paymentList/paymentOptionDescription/amount'), '42.90')
        paid_at = datetime.combine(last_day + timedelta(days=1), time(0, 30))  # Italian time, as the node writes it
        element, _body = self.send_rt(order, 'r-midnight', '42.90', paid_at=paid_at)
        self.assertEqual(element.findtext('outcome'), 'OK')
        self.book_receipts()
        receipt = order.pagopa_receipt_ids
        self.assertEqual(receipt.payment_datetime, ROME.localize(paid_at).astimezone(pytz.utc).replace(tzinfo=None))
        self.assertEqual(receipt.payment_date, last_day, "the payment is dated the day after in the town")
        self.assertEqual((order.state, order.amount_residual), ('paid', 0.0))
        self.assertEqual(receipt.move_ids.date, last_day)
        self.assertAlmostEqual(order.amount_written_off, 12.60)
        self.assertBalanced()
