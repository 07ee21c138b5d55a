from datetime import datetime, time, timedelta
from unittest.mock import patch

from odoo.tests import tagged

from .common import PagopaCommon


@tagged('post_install', '-at_install')
class TestPagopaMidnight(PagopaCommon):
    """The node takes the amount paGetPayment quoted when the payment began: a payment
    begun on the last day of a discount and completed after midnight pays the
    reduced amount, and that settles the fine."""

    def setUp(self):
        super().setUp()
        self.company.resource_calendar_id.tz = 'Europe/Rome'

    def quoted_on(self, order, day):
        with patch.object(type(order), '_munipay_today', lambda _self: day):
            return self.get_payment(order.pagopa_notice_number).findtext('data/paymentAmount')

    def test_payment_completed_after_midnight_pays_yesterdays_quote(self):
        order = self.fine_notified(days_ago=20)
        last_day = order.discount_date
        self.assertEqual(self.quoted_on(order, last_day), '42.90')
        self.assertEqual(self.quoted_on(order, last_day + timedelta(days=1)), '55.50')

        paid_at = datetime.combine(last_day + timedelta(days=1), time(0, 10))  # Italian time, as the node writes it
        element, _body = self.send_rt(order, 'r-after-midnight', '42.90', paid_at=paid_at)
        self.assertEqual(element.findtext('outcome'), 'OK')
        self.book_receipts()

        receipt = order.pagopa_receipt_ids
        self.assertEqual((receipt.state, receipt.payment_date), ('booked', last_day + timedelta(days=1)))
        self.assertEqual((order.state, order.amount_residual), ('paid', 0.0))
        self.assertAlmostEqual(order.amount_written_off, 12.60)
        self.assertEqual(receipt.move_ids.date, last_day, "settled as the order stood when the amount was quoted")
        transit = self.receipt_items(receipt, self.company.munipay_pagopa_transit_account_id)
        self.assertEqual((transit.debit, transit.credit), (42.90, 0.0))
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertBalanced()

    def test_yesterdays_amount_two_days_late_stays_short(self):
        order = self.fine_notified(days_ago=20)
        last_day = order.discount_date
        paid_at = datetime.combine(last_day + timedelta(days=2), time(0, 10))
        self.send_rt(order, 'r-two-days-late', '42.90', paid_at=paid_at)
        self.book_receipts()

        receipt = order.pagopa_receipt_ids
        self.assertEqual(receipt.move_ids.date, last_day + timedelta(days=2))
        self.assertEqual(order.state, 'issued', "42.90 is not what was due on any day the payment could have begun")
        self.assertAlmostEqual(order.amount_residual, 12.60)
        self.assertFalse(order.receivable_line_id.reconciled)
        self.assertBalanced()
