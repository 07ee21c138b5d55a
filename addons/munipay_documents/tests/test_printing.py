import io

from PyPDF2 import PdfFileReader

from odoo.tests import tagged

from ..lib import qr_payloads
from .common import IBAN, MunipayDocumentsCommon


@tagged('post_install', '-at_install')
class TestPrinting(MunipayDocumentsCommon):

    def batch_of(self, orders, chunk_size=100):
        batch = self.env['munipay.print.batch'].create({'order_ids': [(6, 0, orders.ids)], 'chunk_size': chunk_size})
        batch.action_start()
        return batch

    def cron_triggers(self, xmlid):
        return self.env['ir.cron.trigger'].search_count([('cron_id', '=', self.env.ref(xmlid).id)])

    # ------------------------------------------------------------------ item 11: a paid notice says so

    def test_paid_notice_says_paid_and_carries_no_way_to_pay(self):
        order = self.paid_order()
        self.assertTrue(order.receivable_line_id.reconciled)
        values = order._munipay_notice_values()
        self.assertEqual((values['paid'], values['payment_qr'], values['bank_account']), (True, False, False))
        html = self.notice_html(order)
        self.assertIn('munipay_notice_paid', html)
        self.assertIn('PAID', html)
        self.assertIn(order.receipt_ids.name, html)
        self.assertNotIn(IBAN, html)
        self.assertNotIn('Payment QR code', html)
        pdf = self.render_pdf('munipay_documents.action_report_payment_notice', order)
        # no payment QR; only the link to the order's page, once munipay_portal gives it one
        self.assertEqual([t for t in self.qr_texts(pdf) if t != order._munipay_portal_url()], [], "no payment QR")

    def test_print_batch_survives_orders_paid_or_cancelled_after_queueing(self):
        orders = self.make_order() | self.make_order(partner=self.payer_2) | self.make_order()
        batch = self.batch_of(orders, chunk_size=2)
        paid, cancelled, still_open = orders
        paid._munipay_pay(self.bank_journal)
        cancelled.action_cancel('Withdrawn')
        self.assertEqual(cancelled.state, 'cancelled')

        batch.with_context(force_report_rendering=True)._process(commit=False)
        self.assertEqual(batch.state, 'done')
        self.assertEqual((batch.done_count, batch.skipped_count), (3, 1))
        self.assertIn(cancelled.name, batch.skipped_note)
        reader = PdfFileReader(io.BytesIO(batch.attachment_id.raw))
        self.assertEqual(reader.getNumPages(), 2, "the paid order's notice and the open one")
        texts = [t for t in self.qr_texts(batch.attachment_id.raw) if qr_payloads.detect(t) == 'epc']
        self.assertEqual([qr_payloads.decode_epc(t)['reference'] for t in texts], [still_open.payment_reference])
        self.assertIn(cancelled.name, batch.message_ids[:1].body)

    # ------------------------------------------------------------------ item 6: progress, not re-triggers

    def test_print_cron_reports_progress_instead_of_retriggering(self):
        batch = self.batch_of(self.make_order() | self.make_order(partner=self.payer_2) | self.make_order(),
                              chunk_size=1)
        cron = self.env.ref('munipay_documents.ir_cron_munipay_print_batch')
        triggers = self.cron_triggers('munipay_documents.ir_cron_munipay_print_batch')
        _cron, progress = cron._add_progress()
        Batch = self.env['munipay.print.batch'].with_context(force_report_rendering=True,
                                                              ir_cron_progress_id=progress.id)
        self.assertEqual(Batch._cron_process(time_limit=0), 2)  # one chunk, then the time is up
        self.assertEqual((progress.done, progress.remaining), (1, 2))
        self.assertEqual((batch.state, batch.done_count), ('running', 1))
        self.assertEqual(self.cron_triggers('munipay_documents.ir_cron_munipay_print_batch'), triggers,
                         "Odoo's cron runner calls again by itself while work remains")

        _cron, progress = cron._add_progress()
        Batch.with_context(ir_cron_progress_id=progress.id)._cron_process()
        self.assertEqual((progress.done, progress.remaining), (2, 0))
        self.assertEqual(batch.state, 'done')
        self.assertEqual(PdfFileReader(io.BytesIO(batch.attachment_id.raw)).getNumPages(), 3)

    def test_receipt_mail_cron_reports_progress_instead_of_retriggering(self):
        self.env['munipay.receipt'].search([]).mail_sent = True
        orders = self.paid_order() | self.paid_order() | self.paid_order()
        self.assertEqual(len(orders.receipt_ids), 3)
        cron = self.env.ref('munipay_documents.ir_cron_munipay_send_receipts')
        triggers = self.cron_triggers('munipay_documents.ir_cron_munipay_send_receipts')
        _cron, progress = cron._add_progress()
        Receipt = self.env['munipay.receipt'].with_context(ir_cron_progress_id=progress.id)
        self.assertEqual(len(Receipt._cron_send_receipts(batch_size=2)), 2)
        self.assertEqual((progress.done, progress.remaining), (2, 1))
        self.assertEqual(self.cron_triggers('munipay_documents.ir_cron_munipay_send_receipts'), triggers)
        _cron, progress = cron._add_progress()
        self.assertEqual(len(Receipt.with_context(ir_cron_progress_id=progress.id)._cron_send_receipts(batch_size=2)), 1)
        self.assertEqual((progress.done, progress.remaining), (1, 0))
        self.assertTrue(all(orders.receipt_ids.mapped('mail_sent')))
