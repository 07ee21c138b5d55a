import base64
import io
import re
from unittest.mock import patch

from PIL import Image
from PyPDF2 import PdfFileReader

from odoo import fields
from odoo.tests import tagged

from ..lib import qr_payloads
from .common import IBAN, OTHER_IBAN, MunipayDocumentsCommon


@tagged('post_install', '-at_install')
class TestDocuments(MunipayDocumentsCommon):

    # ------------------------------------------------------------------ notices

    def test_notice_qr_codes_scan_back_to_the_order(self):
        order = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        texts = self.qr_texts(self.render_pdf('munipay_documents.action_report_payment_notice', order))
        epc = qr_payloads.decode_epc(next(t for t in texts if qr_payloads.detect(t) == 'epc'))
        self.assertEqual(epc['iban'], IBAN)
        self.assertEqual(epc['reference'], order.payment_reference)
        self.assertEqual(epc['amount_cents'], 4290)  # the discounted amount due today
        self.assertEqual(epc['name'], 'Comune di Prova')
        self.assertEqual(order._munipay_portal_available(), 'munipay_portal' in self.env.registry._init_modules)
        # without a portal page (munipay_portal not installed): no link that would lead nowhere
        with patch.object(type(order), '_munipay_portal_available', return_value=False):
            texts = self.qr_texts(self.render_pdf('munipay_documents.action_report_payment_notice', order))
            self.assertEqual(len(texts), 1)
            self.assertNotIn('/my/munipay/orders/', self.notice_html(order))
        with patch.object(type(order), '_munipay_portal_available', return_value=True):
            texts = self.qr_texts(self.render_pdf('munipay_documents.action_report_payment_notice', order))
        self.assertIn(order._munipay_portal_url(), texts)

    def test_notice_in_polish_zbp_and_gost(self):
        self.company.vat = 'PL5260250995'
        pl_account = self.env['res.partner.bank'].create({
            'acc_number': 'PL61109010140000071219812874', 'partner_id': self.company.partner_id.id})
        self.company.munipay_bank_account_id = pl_account
        self.fee_card.qr_standard = 'zbp'
        order = self.make_order()
        texts = self.qr_texts(self.render_pdf('munipay_documents.action_report_payment_notice', order))
        zbp = qr_payloads.decode_zbp(next(t for t in texts if qr_payloads.detect(t) == 'zbp'))
        self.assertEqual((zbp['title'], zbp['amount_cents'], zbp['account']),
                         (order.payment_reference, 2221, '61109010140000071219812874'))

        bank = self.env['res.bank'].create({'name': 'ПАО СБЕРБАНК', 'bic': '044525225',
                                            'munipay_correspondent_account': '30101810400000000225'})
        self.company.munipay_bank_account_id = self.env['res.partner.bank'].create({
            'acc_number': '40702810138250123017', 'partner_id': self.company.partner_id.id, 'bank_id': bank.id})
        self.company.vat = False
        self.fee_card.qr_standard = 'gost'
        payload = order._munipay_payment_qr_payload()
        gost = qr_payloads.decode_gost(payload)
        self.assertEqual(gost['fields']['BankName'], 'ПАО СБЕРБАНК')
        self.assertEqual(gost['fields']['Sum'], '2221')
        self.assertTrue(gost['fields']['Purpose'].startswith(order.payment_reference))

    def test_notice_text_in_payer_language_with_officer_paragraph(self):
        self.env['res.lang']._activate_lang('it_IT')
        self.env['ir.module.module'].search([('name', 'in', ('munipay_base', 'munipay_documents'))])._update_translations(['it_IT'])
        self.payer.lang = 'it_IT'
        self.fee_fine.notice_text = '<p>Ricorso al Prefetto entro 60 giorni.</p>'
        order = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        html = self.env['ir.actions.report']._render_qweb_html(
            'munipay_documents.action_report_payment_notice', order.ids)[0].decode()
        self.assertIn('Avviso di pagamento', html)
        self.assertIn('Ricorso al Prefetto', html)
        # the amount table: 5-day, 60-day and after
        self.assertEqual([amount for _day, amount in order._munipay_amount_schedule()], [42.9, 55.5, 100.0])

    def test_notice_in_german_and_polish(self):
        for lang, title in (('de_DE', 'Zahlungsaufforderung'), ('pl_PL', 'Wezwanie do zapłaty')):
            self.env['res.lang']._activate_lang(lang)
            self.env['ir.module.module'].search([('name', '=', 'munipay_documents')])._update_translations([lang])
            self.payer.lang = lang
            order = self.make_order()
            html = self.env['ir.actions.report']._render_qweb_html(
                'munipay_documents.action_report_payment_notice', order.ids)[0].decode()
            self.assertIn(title, html)
            receipt_html = self.env['ir.actions.report']._render_qweb_html(
                'munipay_documents.action_report_receipt_thermal', order._munipay_create_receipts().ids)[0].decode()
            self.assertIn({'de_DE': 'Zahlungsbeleg', 'pl_PL': 'Potwierdzenie zapłaty'}[lang], receipt_html)

    def test_one_payment_for_two_fines_gives_each_its_own_receipt_amount(self):
        fines = (self.make_order(self.fee_fine, date_notified=fields.Date.today())
                 | self.make_order(self.fee_fine, date_notified=fields.Date.today()))
        wizard = self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=fines.move_id.ids).create(
            {'journal_id': self.bank_journal.id, 'group_payment': True})
        self.assertEqual(wizard.amount, 85.8)
        wizard._create_payments()
        self.assertEqual(fines.mapped('state'), ['paid', 'paid'])
        self.assertEqual(fines.receipt_ids.mapped('amount'), [42.9, 42.9])

    def test_receipts_of_fines_in_and_out_of_their_window_paid_together(self):
        inside = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        outside = self.make_order(self.fee_fine, date_notified=self.days_ago(20))
        wizard = self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=(inside | outside).move_id.ids).create(
            {'journal_id': self.bank_journal.id, 'group_payment': True})
        self.assertEqual(wizard.amount, 98.4)
        wizard._create_payments()
        self.assertEqual((inside.receipt_ids.amount, outside.receipt_ids.amount), (42.9, 55.5))

    def test_reference_printed_in_groups_of_four(self):
        order = self.make_order()
        values = order._munipay_notice_values()
        self.assertEqual(values['reference_groups'].replace(' ', ''), order.payment_reference)
        self.assertTrue(all(len(group) == 4 for group in values['reference_groups'].split()[:-1]))

    def test_bulk_printing_merges_all_notices(self):
        orders = self.make_order() | self.make_order(partner=self.payer_2) | self.make_order()
        batch = self.env['munipay.print.batch'].create({'order_ids': [(6, 0, orders.ids)], 'chunk_size': 2})
        batch.action_start()
        batch.with_context(force_report_rendering=True)._process(commit=False)
        self.assertEqual(batch.state, 'done')
        self.assertEqual(batch.progress, 100.0)
        reader = PdfFileReader(io.BytesIO(batch.attachment_id.raw))
        self.assertEqual(reader.getNumPages(), 3)
        self.assertFalse(batch.part_ids)
        references = {qr_payloads.decode_epc(t)['reference'] for t in self.qr_texts(batch.attachment_id.raw)
                      if qr_payloads.detect(t) == 'epc'}
        self.assertEqual(references, set(orders.mapped('payment_reference')))

    # ------------------------------------------------------------------ receipts

    def test_receipt_created_signed_sent_and_verifiable(self):
        order = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        order._munipay_pay(self.bank_journal)
        receipt = order.receipt_ids
        self.assertEqual(len(receipt), 1)
        self.assertEqual((receipt.amount, receipt.channel, receipt.partner_id), (42.9, 'bank', self.payer))
        mail = self.env['mail.mail'].search([('model', '=', 'munipay.receipt'), ('res_id', '=', receipt.id)])
        self.assertFalse(mail, "the receipt is rendered and mailed after the payment, not inside it")
        self.env['munipay.receipt']._cron_send_receipts()
        mail = self.env['mail.mail'].search([('model', '=', 'munipay.receipt'), ('res_id', '=', receipt.id)])
        self.assertEqual(len(mail), 1)
        self.assertTrue(receipt.mail_sent)
        self.assertEqual(len(mail.attachment_ids), 1)

        for report in ('munipay_documents.action_report_receipt', 'munipay_documents.action_report_receipt_thermal'):
            texts = self.qr_texts(self.render_pdf(report, receipt))
            self.assertEqual(texts, [receipt.verify_url])

        path = receipt.verify_url[len(receipt.get_base_url()):]
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        self.assertIn('munipay_verify_valid', response.text)
        self.assertIn('M**** R****', response.text)
        self.assertNotIn('Mario', response.text)

        signature = re.search(r's=([0-9a-f]+)', path).group(1)
        other_receipt = receipt.name[:-1] + ('8' if receipt.name.endswith('9') else '9')  # whatever the sequence is at
        for tampered in (path.replace(signature, signature[:-1] + ('0' if signature[-1] != '0' else '1')),
                         path.replace('a=4290', 'a=4291'),
                         path.replace(receipt.name, other_receipt)):
            response = self.url_open(tampered)
            self.assertEqual(response.status_code, 404, tampered)
            self.assertIn('munipay_verify_forged', response.text)

    def test_verification_is_rate_limited(self):
        from ..controllers import verify
        verify._hits.clear()
        with patch.object(verify, 'RATE_LIMIT', 3):
            codes = [self.url_open('/munipay/verify/R1?r=x&a=1&d=x&s=00').status_code for _i in range(5)]
        verify._hits.clear()
        self.assertEqual(codes, [404, 404, 404, 429, 429])

    def test_wallet_receipt_shows_new_balance(self):
        wallet = self.env['munipay.wallet'].create({'holder_id': self.payer.id, 'service_fee_type_id': self.fee_card.id})
        wallet._munipay_credit(20.0, self.cash_journal.default_account_id)
        wallet._munipay_credit(5.0, self.cash_journal.default_account_id)
        receipts = self.env['munipay.receipt'].search([('wallet_id', '=', wallet.id)], order='id')
        self.assertEqual(receipts.mapped('balance_after'), [20.0, 25.0])
        self.assertEqual(receipts[1].reference, '******' + wallet.pan[-4:])
        self.assertNotIn(wallet.pan, receipts[1].verify_url)

    # ------------------------------------------------------------------ scanning wizard

    def test_wizard_reads_receipts_and_notices(self):
        order = self.make_order()
        order._munipay_pay(self.bank_journal)
        receipt = order.receipt_ids
        pdf = self.render_pdf('munipay_documents.action_report_receipt', receipt)
        wizard = self.scan_wizard(image=base64.b64encode(pdf))
        self.assertEqual((wizard.result, wizard.receipt_id, wizard.signature_valid), ('receipt', receipt, True))

        tampered = receipt.verify_url.replace('a=2221', 'a=2231')
        self.assertEqual(self.scan_wizard(text=tampered).result, 'forged')
        self.assertEqual(self.scan_wizard(png_of=receipt.verify_url).result, 'receipt')

        open_order = self.make_order(partner=self.payer_2)
        notice = self.render_pdf('munipay_documents.action_report_payment_notice', open_order)
        wizard = self.scan_wizard(image=base64.b64encode(notice))
        self.assertEqual((wizard.result, wizard.order_id, wizard.amount_matches), ('order', open_order, True))

    def test_wizard_clear_answers_for_bad_input(self):
        blank = io.BytesIO()
        Image.new('RGB', (200, 200), 'white').save(blank, format='PNG')
        self.assertEqual(self.scan_wizard(image=base64.b64encode(blank.getvalue())).result, 'unreadable')
        self.assertEqual(self.scan_wizard(image=base64.b64encode(b'not an image')).result, 'unreadable')
        self.assertEqual(self.scan_wizard(png_of='hello world').result, 'unsupported')
        foreign = qr_payloads.encode_epc(name='Another town', iban=OTHER_IBAN, amount_cents=1000,
                                         reference='RF18539007547034')
        self.assertEqual(self.scan_wizard(png_of=foreign).result, 'foreign')
        unknown = qr_payloads.encode_epc(name='Comune di Prova', iban=IBAN, amount_cents=1000,
                                         reference='RF18539007547034')
        self.assertEqual(self.scan_wizard(text=unknown).result, 'unknown_order')
        self.assertEqual(self.scan_wizard(image=base64.b64encode(b'%PDF-1.4 garbage')).result, 'unreadable')
