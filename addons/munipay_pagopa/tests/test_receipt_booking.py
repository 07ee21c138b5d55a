import base64
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tests.common import RecordCapturer
from odoo.tools import mute_logger

from .common import PagopaCommon

CRON = 'munipay_pagopa.ir_cron_munipay_pagopa_book'
BOOKING_LOGGER = 'odoo.addons.munipay_pagopa.models.munipay_pagopa_receipt_booking'


@tagged('post_install', '-at_install')
class TestReceiptBooking(PagopaCommon):
    """paSendRT is answered once the receipt is stored; the booking job puts it on the ledger."""

    def capture_triggers(self, xmlid):
        return RecordCapturer(self.env['ir.cron.trigger'].sudo(), [('cron_id', '=', self.env.ref(xmlid).id)])

    def test_ack_then_booking(self):
        order_a, order_b = self.joint_pair()
        other = self.make_order()
        lines_before = self.env['account.move.line'].search_count([])
        self.env['ir.cron.trigger'].sudo().search([('cron_id', '=', self.env.ref(CRON).id)]).unlink()
        with self.capture_triggers(CRON) as triggers:
            element, body = self.send_rt(order_a, 'r-ack', '22.21')
            self.assertEqual(len(triggers.records), 1, "the booking job is called as soon as the receipt is stored")
            self.assertLessEqual(triggers.records.call_at, fields.Datetime.now())
            self.send_rt(other, 'r-ack-other', '22.21')
            self.assertEqual(len(triggers.records), 1, "one call due now is enough for a burst of receipts")
        self.assertEqual(element.findtext('outcome'), 'OK')
        receipt = order_a.pagopa_receipt_ids
        # stored, with its XML, and nothing booked yet
        self.assertEqual((receipt.state, receipt.amount, receipt.move_ids), ('received', 22.21,
                                                                              self.env['account.move']))
        self.assertEqual(receipt.sudo().receipt_xml, base64.b64encode(body.encode()))
        self.assertEqual(self.env['account.move.line'].search_count([]), lines_before)
        self.assertEqual(order_a.state, 'issued')
        # …but for the node the notice (and the joint debtor's) is paid already
        for order in (order_a, order_b):
            self.assertFault(self.verify(order.pagopa_notice_number), 'PAA_PAGAMENTO_DUPLICATO')
            self.assertFault(self.get_payment(order.pagopa_notice_number), 'PAA_PAGAMENTO_DUPLICATO')
            self.assertFault(self.get_payment(order.pagopa_notice_number, operation='paGetPaymentV2'),
                             'PAA_PAGAMENTO_DUPLICATO')
        element, _body = self.send_rt(order_a, 'r-ack', '22.21')
        self.assertFault(element, 'PAA_RECEIPT_DUPLICATA')

        self.assertEqual(self.book_receipts(), receipt | other.pagopa_receipt_ids)
        self.assertEqual(receipt.state, 'booked')
        self.assertEqual(receipt.attachment_id.raw, body.encode())
        self.assertFalse(receipt.sudo().receipt_xml, "the XML is kept once, as the receipt's attachment")
        transit = self.receipt_items(receipt, self.company.munipay_pagopa_transit_account_id)
        self.assertAlmostEqual(transit.debit, 22.21)
        self.assertTrue(order_a.receivable_line_id.reconciled)
        self.assertEqual((order_a.state, order_b.state), ('paid', 'cancelled'))
        self.assertFault(self.verify(order_a.pagopa_notice_number), 'PAA_PAGAMENTO_DUPLICATO')
        self.assertFalse(self.book_receipts())
        self.assertBalanced()

    def test_ko_receipt_does_not_count_as_paid(self):
        order = self.make_order()
        self.send_rt(order, 'r-ko-wait', '22.21', outcome='KO')
        self.assertEqual(self.verify(order.pagopa_notice_number).findtext('outcome'), 'OK')

    def test_booking_failure_is_kept_and_retried(self):
        failing, fine = self.make_order(), self.make_order()
        self.send_rt(failing, 'r-fails', '22.21')
        self.send_rt(fine, 'r-fine', '22.21')
        Move = type(self.env['account.move'])
        post = Move._post

        def closed_for_failing(moves, soft=True):
            if any(failing.pagopa_iuv in (line.name or '') for line in moves.line_ids):
                raise UserError("The accounting period is closed.")
            return post(moves, soft)
        with patch.object(Move, '_post', closed_for_failing), mute_logger(BOOKING_LOGGER), \
                self.capture_triggers(CRON) as triggers:
            before = fields.Datetime.now()
            self.book_receipts()
        receipt, other = failing.pagopa_receipt_ids, fine.pagopa_receipt_ids
        # the batch is booked one by one: the other receipt is booked, the failing one kept with its error
        self.assertEqual(other.state, 'booked')
        self.assertEqual(fine.state, 'paid')
        self.assertEqual((receipt.state, receipt.booking_attempts, receipt.move_ids),
                         ('received', 1, self.env['account.move']))
        self.assertIn("accounting period is closed", receipt.booking_error)
        self.assertGreater(receipt.booking_retry_at, before)
        self.assertIn(receipt.booking_retry_at, triggers.records.mapped('call_at'))
        self.assertEqual(failing.state, 'issued')
        self.assertFalse(failing.receivable_line_id.reconciled)
        self.assertTrue(receipt.attachment_id, "its XML is attached all the same")
        # still paid for the node, and not tried again before its time
        self.assertFault(self.verify(failing.pagopa_notice_number), 'PAA_PAGAMENTO_DUPLICATO')
        self.assertFalse(self.book_receipts())

        # a bug fails the same way (the receipt waits, longer)
        receipt.sudo().booking_retry_at = fields.Datetime.now() - timedelta(seconds=1)
        with patch.object(Move, '_post', side_effect=ZeroDivisionError("division by zero")), \
                mute_logger(BOOKING_LOGGER):
            self.book_receipts()
        self.assertEqual((receipt.state, receipt.booking_attempts), ('received', 2))
        self.assertIn("division by zero", receipt.booking_error)
        self.assertGreaterEqual(receipt.booking_retry_at - fields.Datetime.now(), timedelta(seconds=90))

        # its time comes: booked, error cleared
        receipt.sudo().booking_retry_at = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(self.book_receipts(), receipt)
        self.assertEqual((receipt.state, receipt.booking_error, receipt.booking_retry_at), ('booked', False, False))
        self.assertEqual(failing.state, 'paid')
        self.assertTrue(failing.receivable_line_id.reconciled)
        self.assertAlmostEqual(sum(self.transit_lines().mapped('debit')), 2 * 22.21)
        self.assertBalanced()

    def test_job_reports_progress_in_batches(self):
        orders = [self.make_order() for _i in range(3)]
        for index, order in enumerate(orders):
            self.send_rt(order, 'r-batch-%d' % index, '22.21')
        Receipt = self.env['munipay.pagopa.receipt']
        with patch.object(type(self.env['ir.cron']), '_notify_progress') as progress:
            first = Receipt._cron_pagopa_book(batch_size=2)
            progress.assert_called_once_with(done=2, remaining=1)
            progress.reset_mock()
            second = Receipt._cron_pagopa_book(batch_size=2)
            progress.assert_called_once_with(done=1, remaining=0)
        self.assertEqual(first | second, Receipt.search([('name', 'like', 'r-batch-')]))
        self.assertEqual({order.state for order in orders}, {'paid'})
        self.assertBalanced()

    def test_one_batch_of_every_kind(self):
        """One run of the job: receipts paying exactly are booked together, the others
        one by one after them; a second receipt for one debt is a credit either way."""
        exact, over, twice = self.make_order(), self.make_order(), self.make_order()
        joint_a, joint_b = self.joint_pair()
        ko = self.make_order()
        for order, receipt_id, amount in ((exact, 'k-exact', '22.21'), (over, 'k-over', '25.00'),
                                          (twice, 'k-twice-1', '22.21'), (twice, 'k-twice-2', '22.21'),
                                          (joint_a, 'k-joint-a', '22.21'), (joint_b, 'k-joint-b', '22.21')):
            element, _body = self.send_rt(order, receipt_id, amount)
            self.assertEqual(element.findtext('outcome'), 'OK')
        self.send_rt(ko, 'k-ko', '22.21', outcome='KO')
        Receipt = self.env['munipay.pagopa.receipt']
        with patch.object(type(Receipt), '_pagopa_book', autospec=True,
                          side_effect=type(Receipt)._pagopa_book) as one_by_one:
            self.assertEqual(len(Receipt._cron_pagopa_book()), 7)
        by_name = {receipt.name: receipt for receipt in Receipt.search([('name', 'like', 'k-')])}
        self.assertEqual({r.name for r in (call.args[0] for call in one_by_one.call_args_list)},
                         {'k-over', 'k-twice-2', 'k-joint-b', 'k-ko'}, "the others were booked together")
        self.assertEqual({name: receipt.state for name, receipt in by_name.items()}, {
            'k-exact': 'booked', 'k-over': 'booked', 'k-twice-1': 'booked', 'k-twice-2': 'credit',
            'k-joint-a': 'booked', 'k-joint-b': 'credit', 'k-ko': 'not_booked'})
        self.assertEqual((exact.state, over.state, twice.state, joint_a.state, joint_b.state, ko.state),
                         ('paid', 'paid', 'paid', 'paid', 'cancelled', 'issued'))
        self.assertFalse(exact.needs_refund)
        self.assertTrue(all((over.needs_refund, twice.needs_refund, joint_b.needs_refund)))
        for name in ('k-exact', 'k-twice-1', 'k-joint-a'):
            receipt = by_name[name]
            self.assertEqual(len(receipt.move_ids), 1)
            self.assertEqual(receipt.move_ids.journal_id, self.company.munipay_pagopa_journal_id)
            self.assertEqual(receipt.move_ids.munipay_payment_channel, 'pagopa')
            self.assertEqual(len(receipt.move_line_ids), 2, "its own pair of items in the batch's entry")
            self.assertTrue(receipt.order_id.receivable_line_id.reconciled)
            self.assertEqual(receipt.order_id._munipay_money_moves(), receipt.move_ids)
        self.assertEqual(len(by_name['k-exact'].move_ids | by_name['k-twice-1'].move_ids
                             | by_name['k-joint-a'].move_ids), 1, "one entry for the batch")
        self.assertEqual(exact.receipt_ids.channel, 'pagopa')
        self.assertAlmostEqual(sum(self.transit_lines().mapped('debit')), 5 * 22.21 + 25.0)
        self.assertFalse(by_name['k-ko'].move_ids)
        self.assertBalanced()
