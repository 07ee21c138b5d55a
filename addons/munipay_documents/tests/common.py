import base64
import io

import qrcode

from odoo.tests import HttpCase

from odoo.addons.munipay_base.tests.common import MunipayCommon
from ..lib import scan

IBAN = 'IT60X0542811101000000123456'
OTHER_IBAN = 'DE89370400440532013000'


class MunipayDocumentsCommon(MunipayCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        bank = cls.env['res.bank'].create({'name': 'Banca Esempio', 'bic': 'BPPIITRRXXX'})
        cls.company.write({
            'name': 'Comune di Prova',
            'munipay_bank_account_id': cls.env['res.partner.bank'].create({
                'acc_number': IBAN, 'partner_id': cls.company.partner_id.id, 'bank_id': bank.id}).id,
            'munipay_qr_standard': 'epc',
            'vat': False,
        })
        cls.env.ref('base.user_admin').write({'company_ids': [(4, cls.company.id)], 'company_id': cls.company.id})

    def render_pdf(self, xmlid, records):
        pdf, kind = self.env['ir.actions.report'].with_context(force_report_rendering=True)._render_qweb_pdf(
            xmlid, records.ids)
        self.assertEqual(kind, 'pdf')
        return pdf

    def qr_texts(self, pdf):
        return [data.decode('utf-8') for data in scan.decode_file(pdf)]

    def notice_html(self, orders):
        return self.env['ir.actions.report']._render_qweb_html(
            'munipay_documents.action_report_payment_notice', orders.ids)[0].decode()

    def paid_order(self, **vals):
        order = self.make_order(**vals)
        order._munipay_pay(self.bank_journal)
        self.assertEqual(order.state, 'paid')
        return order

    def scan_wizard(self, **vals):
        if 'png_of' in vals:
            image = qrcode.make(vals.pop('png_of'))
            buffer = io.BytesIO()
            image.save(buffer, format='PNG')
            vals['image'] = base64.b64encode(buffer.getvalue())
        wizard = self.env['munipay.verify.scan'].create(vals)
        action = wizard.action_verify()
        self.assertEqual(action['name'], "Verify by Scanning")
        return wizard
