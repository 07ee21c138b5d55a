import io
import os

from PIL import Image

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.munipay_documents.lib import qr_payloads, scan
from ..lib import poste_datamatrix
from .common import FISCAL_CODE, PagopaCommon

try:
    import zxingcpp
except ImportError:  # the Data Matrix is then checked as the string it renders
    zxingcpp = None

# where the test leaves pictures of the notices for a person to look at (unset: nowhere)
SCREENSHOTS = os.environ.get('MUNIPAY_NOTICE_SCREENSHOTS')
MM_PER_INCH = 25.4


@tagged('post_install', '-at_install')
class TestPagopaNotice(PagopaCommon):
    """pagoPA's payment notice, read back from the PDF: QR codes and the Poste Data Matrix."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({'munipay_pagopa_cbill_code': 'A1B2C', 'munipay_pagopa_notice_sector': 'Polizia Locale'})
        cls.fee_fine.pagopa_cds = True

    # ------------------------------------------------------------------ helpers

    def pages(self, pdf, dpi=200):
        return scan.pdf_to_images(pdf, dpi=dpi)

    def datamatrix_texts(self, pdf):
        """The Data Matrix payloads printed in the PDF (read with zxing-cpp)."""
        texts = []
        for image in self.pages(pdf, dpi=300):
            texts += [r.text for r in zxingcpp.read_barcodes(image.convert('L'))
                      if r.format == zxingcpp.BarcodeFormat.DataMatrix]
        return texts

    def screenshot(self, pdf, name):
        if not SCREENSHOTS:
            return
        os.makedirs(SCREENSHOTS, exist_ok=True)
        for number, image in enumerate(self.pages(pdf, dpi=110), start=1):
            image.save(os.path.join(SCREENSHOTS, '%s-%d.png' % (name, number)))

    def qr_sizes_mm(self, pdf, dpi=300):
        """{payload: width in mm} of the QR codes as printed (pyzbar's box of the symbol)."""
        from pyzbar import pyzbar
        sizes = {}
        for image in self.pages(pdf, dpi=dpi):
            for symbol in pyzbar.decode(image.convert('L')):
                sizes[symbol.data.decode()] = symbol.rect.width / dpi * MM_PER_INCH
        return sizes

    def cds_fine(self, days_ago=0, **vals):
        return self.fine_notified(days_ago=days_ago, **vals)

    # ------------------------------------------------------------------ tests

    def test_single_payment_notice_with_postal_bulletin(self):
        self.fee_card.pagopa_postal_bank_account_id = self.postal_account
        order = self.make_order()
        self.assertEqual(order._munipay_notice_report(), self.env.ref('munipay_pagopa.action_report_pagopa_notice'))
        pdf = self.render_pdf('munipay_pagopa.action_report_pagopa_notice', order)
        self.screenshot(pdf, 'a4-single-postal')
        qr = 'PAGOPA|002|%s|%s|2221' % (order.pagopa_notice_number, FISCAL_CODE)
        self.assertEqual(self.qr_texts(pdf), [qr])
        self.assertEqual(qr_payloads.decode_pagopa(qr), {
            'notice_number': order.pagopa_notice_number, 'fiscal_code': FISCAL_CODE, 'amount_cents': 2221})
        expected = poste_datamatrix.encode(order.pagopa_notice_number, self.postal_account.acc_number, 2221,
                                           FISCAL_CODE, 'RSSMRA70C03H501D', 'Mario Rossi',
                                           order._pagopa_description())
        if zxingcpp:
            self.assertEqual(self.datamatrix_texts(pdf), [expected])
        else:
            self.assertEqual(order._pagopa_notice_values()['options'][0]['datamatrix_payload'], expected)
        fields_ = poste_datamatrix.decode(expected)
        self.assertEqual((fields_['notice_number'], fields_['account'], fields_['amount_cents'],
                          fields_['fiscal_code']),
                         (order.pagopa_notice_number, '000010123456', 2221, FISCAL_CODE))
        html = self.env['ir.actions.report']._render_qweb_html(
            'munipay_pagopa.action_report_pagopa_notice', order.ids)[0].decode()
        for text in ('HOW MUCH AND WHEN TO PAY?', 'WHERE TO PAY?', 'A1B2C', 'Polizia Locale',
                     order.pagopa_notice_display, 'POSTAL BULLETIN', '10123456'):
            self.assertIn(text, html)

    def test_qr_is_version_4_of_25_mm(self):
        order = self.make_order()
        image = Image.open(io.BytesIO(__import__('base64').b64decode(
            order._pagopa_qr_data_uri('PAGOPA|002|%s|%s|2221' % (order.pagopa_notice_number, FISCAL_CODE))
            .split(',', 1)[1])))
        self.assertEqual(image.size, (410, 410))  # (33 modules of version 4 + 2 × 4 of quiet zone) × 10 px
        pdf = self.render_pdf('munipay_pagopa.action_report_pagopa_notice', order)
        (size,) = self.qr_sizes_mm(pdf).values()
        self.assertAlmostEqual(size, 25, delta=1.5)
        thermal = self.render_pdf('munipay_pagopa.action_report_pagopa_notice_thermal', order)
        (size,) = self.qr_sizes_mm(thermal).values()
        self.assertAlmostEqual(size, 25, delta=1.5)

    def test_traffic_fine_has_two_options_each_with_its_qr(self):
        order = self.cds_fine(days_ago=0)
        reduced, full = order.pagopa_reduced_notice_number, order.pagopa_notice_number
        self.assertTrue(reduced and reduced != full)
        # the amounts are munipay_base's on each option's last day: 0.7 × 42 + 13.50, then 42 + 13.50
        schedule = order._munipay_rule_schedule()
        self.assertEqual((order.get_amount_due(schedule[0][1]), order.get_amount_due(schedule[1][1])), (42.9, 55.5))
        expected = sorted(['PAGOPA|002|%s|%s|4290' % (reduced, FISCAL_CODE),
                           'PAGOPA|002|%s|%s|5550' % (full, FISCAL_CODE)])
        pdf = self.render_pdf('munipay_pagopa.action_report_pagopa_notice', order)
        self.screenshot(pdf, 'a4-cds')
        self.assertEqual(sorted(self.qr_texts(pdf)), expected)
        thermal = self.render_pdf('munipay_pagopa.action_report_pagopa_notice_thermal', order)
        self.screenshot(thermal, 'thermal-cds')
        self.assertEqual(sorted(self.qr_texts(thermal)), expected)
        decoded = {qr_payloads.decode_pagopa(payload)['notice_number']: qr_payloads.decode_pagopa(payload)
                   for payload in expected}
        self.assertEqual(decoded, {
            reduced: {'notice_number': reduced, 'fiscal_code': FISCAL_CODE, 'amount_cents': 4290},
            full: {'notice_number': full, 'fiscal_code': FISCAL_CODE, 'amount_cents': 5550}})

    def test_traffic_fine_with_postal_bulletins(self):
        self.fee_fine.pagopa_postal_bank_account_id = self.postal_account
        order = self.cds_fine(days_ago=1)
        pdf = self.render_pdf('munipay_pagopa.action_report_pagopa_notice', order)
        self.screenshot(pdf, 'a4-cds-postal')
        self.assertEqual(len(self.qr_texts(pdf)), 2)
        expected = [poste_datamatrix.encode(notice, self.postal_account.acc_number, cents, FISCAL_CODE,
                                            'RSSMRA70C03H501D', 'Mario Rossi', order._pagopa_description())
                    for notice, cents in ((order.pagopa_reduced_notice_number, 4290),
                                          (order.pagopa_notice_number, 5550))]
        if zxingcpp:
            self.assertEqual(sorted(self.datamatrix_texts(pdf)), sorted(expected))
        else:
            self.assertEqual([o['datamatrix_payload'] for o in order._pagopa_notice_values()['options']], expected)

    def test_options_follow_the_days(self):
        """Past its 5 days the reduced option is no longer printed; past 60 days the
        notice asks what the amount rules ask that day on the order's own number."""
        after_5 = self.cds_fine(days_ago=10)
        self.assertEqual(self.qr_texts(self.render_pdf('munipay_pagopa.action_report_pagopa_notice', after_5)),
                         ['PAGOPA|002|%s|%s|5550' % (after_5.pagopa_notice_number, FISCAL_CODE)])
        after_60 = self.cds_fine(days_ago=70)
        self.assertEqual(after_60.get_amount_due(), 100.0)  # half of the maximum 173 + 13.50
        self.assertEqual(self.qr_texts(self.render_pdf('munipay_pagopa.action_report_pagopa_notice', after_60)),
                         ['PAGOPA|002|%s|%s|10000' % (after_60.pagopa_notice_number, FISCAL_CODE)])

    def test_munipay_notice_prints_pagopa_layout_and_paid_orders_as_paid(self):
        order = self.cds_fine()
        # munipay_documents' own report action (the Print menu, e-mails) prints pagoPA's notice
        pdf = self.render_pdf('munipay_documents.action_report_payment_notice', order)
        self.assertEqual(len(self.qr_texts(pdf)), 2)
        (size, _size) = self.qr_sizes_mm(pdf).values()
        self.assertAlmostEqual(size, 25, delta=1.5)
        order._munipay_pay(self.bank_journal)
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order._munipay_notice_report(), self.env.ref('munipay_documents.action_report_payment_notice'))
        html = self.notice_html(order)
        self.assertNotIn('HOW MUCH AND WHEN TO PAY?', html)
        self.assertIn('PAID', html)
        with self.assertRaisesRegex(UserError, 'no pagoPA notice'):
            order._pagopa_notice_values()

    def test_other_standards_keep_munipay_notice(self):
        self.company.munipay_qr_standard = 'epc'
        order = self.make_order()
        self.assertFalse(order.pagopa_notice_number)
        self.assertEqual(order._munipay_notice_report(), self.env.ref('munipay_documents.action_report_payment_notice'))
        self.assertNotIn('HOW MUCH AND WHEN TO PAY?', self.notice_html(order))

    def test_background_batch_prints_the_pagopa_notice(self):
        orders = self.make_order() | self.cds_fine()
        batch = self.env['munipay.print.batch'].create({'order_ids': [(6, 0, orders.ids)]})
        batch.with_context(force_report_rendering=True)._process(commit=False)
        self.assertEqual(batch.state, 'done')
        self.assertEqual(len(self.qr_texts(batch.attachment_id.raw)), 3)

    def test_settings_of_the_notice(self):
        with self.assertRaisesRegex(ValidationError, 'CBILL'):
            self.company.munipay_pagopa_cbill_code = 'ab-1'
        with self.assertRaisesRegex(ValidationError, 'not an account of Poste Italiane'):
            self.fee_card.pagopa_postal_bank_account_id = self.company.munipay_bank_account_id
        with self.assertRaisesRegex(ValidationError, 'not a fine'):
            self.fee_card.pagopa_cds = True
        with self.assertRaisesRegex(ValidationError, 'two amount rules'):
            self.fee_fine.amount_rule_ids[1:].unlink()
            self.fee_fine._check_pagopa_cds()
