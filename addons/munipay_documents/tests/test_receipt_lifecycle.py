from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import new_test_user, tagged
from odoo.tools import config
from odoo.tools.misc import hmac as odoo_hmac

from ..controllers import verify
from ..lib import qr_payloads
from .common import MunipayDocumentsCommon


@tagged('post_install', '-at_install')
class TestReceiptLifecycle(MunipayDocumentsCommon):

    def verify_page(self, receipt_or_url, **kwargs):
        url = receipt_or_url if isinstance(receipt_or_url, str) else receipt_or_url.verify_url
        verify._hits.clear()
        return self.url_open(url[len(self.env['munipay.receipt'].get_base_url()):], **kwargs)

    # ------------------------------------------------------------------ item 7: void when the payment goes

    def test_reopened_order_voids_its_receipt_and_new_payment_makes_a_new_one(self):
        order = self.paid_order()
        receipt = order.receipt_ids
        first_payment = order.ledger_line_ids.matched_credit_ids.credit_move_id.payment_id
        self.assertEqual((receipt.state, receipt.amount), ('valid', 22.21))
        self.assertTrue(order.receivable_line_id.reconciled)

        # the accountant unreconciles the payment: the order is open again, its receipt is void
        order.ledger_line_ids.remove_move_reconcile()
        self.assertEqual(order.state, 'issued')
        self.assertFalse(order.receivable_line_id.reconciled)
        self.assertEqual(order.receivable_line_id.amount_residual, 22.21)
        self.assertEqual(first_payment.move_id.line_ids.filtered(lambda l: l.credit).amount_residual, -22.21,
                         "the money stays as an open credit on the payer")
        self.assertEqual(receipt.state, 'void')
        self.assertTrue(receipt.void_date)
        self.assertIn(order.name, receipt.void_reason)

        response = self.verify_page(receipt)
        self.assertEqual(response.status_code, 200)
        self.assertIn('munipay_verify_void', response.text)
        self.assertNotIn('munipay_verify_valid', response.text)
        self.assertEqual(self.scan_wizard(text=receipt.verify_url).result, 'void')
        for report in ('munipay_documents.action_report_receipt', 'munipay_documents.action_report_receipt_thermal'):
            html = self.env['ir.actions.report']._render_qweb_html(report, receipt.ids)[0].decode()
            self.assertIn('munipay_stamp_void', html, "a reprint of a void receipt says VOID")

        # a void receipt is not mailed
        self.env['munipay.receipt']._cron_send_receipts()
        self.assertFalse(self.env['mail.mail'].search([('model', '=', 'munipay.receipt'), ('res_id', '=', receipt.id)]))

        # paid again: a new receipt, the old one stays void
        order._munipay_pay(self.bank_journal)
        self.assertEqual(order.state, 'paid')
        self.assertTrue(order.receivable_line_id.reconciled)
        second_payment = order.ledger_line_ids.matched_credit_ids.credit_move_id.payment_id
        self.assertNotEqual(second_payment, first_payment)
        new_receipt = order.receipt_ids - receipt
        self.assertEqual(len(new_receipt), 1)
        self.assertEqual((new_receipt.state, receipt.state), ('valid', 'void'))
        self.assertIn('munipay_verify_valid', self.verify_page(new_receipt).text)

    # ------------------------------------------------------------------ item 21: never deleted, voided by managers

    def test_numbered_receipt_cannot_be_deleted_only_voided_by_a_manager(self):
        receipt = self.paid_order().receipt_ids
        with self.assertRaisesRegex(UserError, 'void it instead'):
            receipt.unlink()

        officer = new_test_user(self.env, login='mp_officer_void', groups='munipay_base.group_officer',
                                company_id=self.company.id, company_ids=[(6, 0, self.company.ids)])
        form = self.env['munipay.receipt'].with_user(officer).get_views([(False, 'form')])['views']['form']['arch']
        self.assertNotIn('action_open_void_wizard', form)
        with self.assertRaises(AccessError):
            self.env['munipay.receipt.void'].with_user(officer).create({'receipt_ids': receipt.ids, 'reason': 'x'})

        form = self.env['munipay.receipt'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('action_open_void_wizard', form)
        action = receipt.action_open_void_wizard()
        wizard = self.env['munipay.receipt.void'].with_context(action['context']).create(
            {'reason': 'Printed on the wrong payer'})
        wizard.action_void()
        self.assertEqual((receipt.state, receipt.void_reason), ('void', 'Printed on the wrong payer'))
        self.assertEqual(receipt.order_id.state, 'paid', "voiding the document does not touch the ledger")
        with self.assertRaises(UserError):
            receipt.action_open_void_wizard()

    # ------------------------------------------------------------------ item 16 and 21: the public page

    def test_signature_is_odoo_hmac_on_the_database_secret(self):
        receipt = self.paid_order().receipt_ids
        parsed = qr_payloads.parse_confirmation_url(receipt.verify_url)
        message = qr_payloads.confirmation_message(receipt.name, receipt.reference, 2221, parsed['date'])
        self.assertEqual(parsed['signature'], odoo_hmac(self.env(su=True), 'munipay_documents.confirmation', message))
        self.assertFalse(self.env['ir.config_parameter'].sudo().get_param('munipay_documents.verify_secret'))

        # a new database secret (Odoo renews it on duplicate) signs differently: old codes no longer hold
        old_url = receipt.verify_url
        self.env['ir.config_parameter'].sudo().set_param('database.secret', 'the secret of a copy')
        receipt.invalidate_recordset(['verify_url'])
        self.assertNotEqual(receipt.verify_url, old_url)
        self.assertEqual(self.verify_page(old_url).status_code, 404)
        self.assertEqual(self.scan_wizard(text=old_url).result, 'forged')
        self.assertEqual(self.verify_page(receipt).status_code, 200)

        # neutralising renews it too
        for query in get_neutralization_queries(['munipay_documents']):
            self.env.cr.execute(query)
        self.env.registry.clear_cache()
        self.assertNotEqual(self.env['ir.config_parameter'].sudo().get_param('database.secret'), 'the secret of a copy')
        receipt.invalidate_recordset(['verify_url'])
        self.assertEqual(qr_payloads.verify_confirmation(
            receipt._munipay_signer(), qr_payloads.parse_confirmation_url(old_url)), False)

    def test_public_page_names_the_municipality_and_what_was_paid_not_the_debt(self):
        order = self.paid_order(origin='CASE-77')
        response = self.verify_page(order.receipt_ids)
        self.assertEqual(response.status_code, 200)
        self.assertIn('munipay_verify_valid', response.text)
        self.assertIn('Comune di Prova', response.text)
        self.assertIn('Identity card', response.text)
        self.assertIn(order.name, response.text)
        self.assertIn('22.21', response.text)
        self.assertIn('M**** R****', response.text)
        for private in ('Mario', 'Rossi', 'CASE-77', 'RSSMRA70C03H501D'):
            self.assertNotIn(private, response.text)
        # a genuine receipt says nothing of the order's live status
        for status in ('munipay_verify_paid', 'munipay_verify_not_paid', 'not paid'):
            self.assertNotIn(status, response.text)

    def test_rate_limit_keys_the_real_client_behind_a_proxy(self):
        self.assertEqual(verify._client_key('2001:db8:0:1::1'), verify._client_key('2001:db8:0:1:ffff::2'))
        self.assertNotEqual(verify._client_key('2001:db8:0:1::1'), verify._client_key('2001:db8:0:2::1'))
        self.assertEqual(verify._client_key('::ffff:198.51.100.7'), '198.51.100.7')
        self.assertNotEqual(verify._client_key('198.51.100.7'), verify._client_key('198.51.100.8'))

        host = self.env['munipay.receipt'].get_base_url().split('//', 1)[1]

        def hits(client, count=1):
            headers = {'X-Forwarded-For': client, 'X-Forwarded-Host': host}
            return [self.url_open('/munipay/verify/R1?r=x&a=1&d=x&s=00', headers=headers).status_code
                    for _i in range(count)]

        verify._hits.clear()
        with patch.object(verify, 'RATE_LIMIT', 2), patch.dict(config.options, {'proxy_mode': True}):
            self.assertEqual(hits('203.0.113.5', 3), [404, 404, 429])
            self.assertEqual(hits('198.51.100.7'), [404], "another client behind the same proxy has its own count")
            self.assertEqual(hits('2001:db8::1') + hits('2001:db8::2'), [404, 404])
            self.assertEqual(hits('2001:db8::3'), [429], "one IPv6 client is one /64")
        verify._hits.clear()
        with patch.object(verify, 'RATE_LIMIT', 2), patch.dict(config.options, {'proxy_mode': False}):
            # without proxy mode a forged header changes nothing: the peer address counts
            self.assertEqual(hits('203.0.113.1') + hits('203.0.113.2') + hits('203.0.113.3'), [404, 404, 429])
        verify._hits.clear()
