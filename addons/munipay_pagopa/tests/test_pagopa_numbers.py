import psycopg2

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib import notice_numbers
from .common import FISCAL_CODE, PagopaCommon


@tagged('post_install', '-at_install')
class TestPagopaNumbers(PagopaCommon):

    def test_issue_gives_iuv_and_notice_number(self):
        order = self.make_order()
        notice = order.pagopa_notice_number
        self.assertRegex(notice, r'^301\d{15}$')  # aux digit 3, segregation code 01
        self.assertEqual(order.pagopa_iuv, notice[1:])  # the IUV carries the segregation code
        self.assertEqual(notice[16:], '%02d' % (int(notice[:16]) % 93))
        self.assertEqual(order.pagopa_fiscal_code, FISCAL_CODE)
        self.assertEqual(order.payment_reference, notice)
        self.assertEqual(order.pagopa_notice_display, notice_numbers.format_in_groups(notice))
        self.assertEqual(order.move_id.payment_reference, notice)

    def test_qr_code_carries_the_notice_number(self):
        order = self.make_order()
        self.assertEqual(order._munipay_notice_number(), order.pagopa_notice_number)
        self.assertEqual(order._munipay_payment_qr_payload(),
                         'PAGOPA|002|%s|%s|2221' % (order.pagopa_notice_number, FISCAL_CODE))
        # what the printed notice carries, read back from the PDF
        pdf = self.render_pdf('munipay_documents.action_report_payment_notice', order)
        self.assertIn('PAGOPA|002|%s|%s|2221' % (order.pagopa_notice_number, FISCAL_CODE), self.qr_texts(pdf))

    def test_qr_keeps_the_creditor_of_the_notice(self):
        order = self.make_order()
        self.company.munipay_pagopa_fiscal_code = '80015010723'
        self.assertIn('|%s|%s|' % (order.pagopa_notice_number, FISCAL_CODE), order._munipay_payment_qr_payload())

    def test_numbers_never_reused(self):
        first = self.make_order()
        first.action_cancel("Issued by mistake")
        second = self.make_order()
        self.assertGreater(second.pagopa_iuv, first.pagopa_iuv)
        # a number taken by an issue that failed is not given again either
        with self.assertRaises(UserError), self.env.cr.savepoint():
            third = self.make_order(issue=False)
            third.action_issue()
            raise UserError("the issue failed after the number was taken")
        fourth = self.make_order()
        base = lambda order: int(order.pagopa_notice_number[3:16])  # noqa: E731
        self.assertEqual(base(fourth), base(second) + 2)

    def test_unique_per_creditor_in_the_database(self):
        first, second = self.make_order(), self.make_order()
        with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute("UPDATE munipay_payment_order SET pagopa_iuv = %s WHERE id = %s",
                                [first.pagopa_iuv, second.id])
        with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute("UPDATE munipay_payment_order SET pagopa_notice_number = %s WHERE id = %s",
                                [first.pagopa_notice_number, second.id])

    def test_batch_issue_numbers_each_order(self):
        Order = self.env['munipay.payment.order']
        orders = Order.create([{
            'partner_id': partner.id, 'fee_type_id': self.fee_card.id,
            'line_ids': Order._munipay_lines_for_fee_type(self.fee_card)} for partner in self.payer | self.payer_2])
        orders._munipay_issue_batch()
        self.assertEqual(len(set(orders.mapped('pagopa_notice_number'))), 2)
        for order in orders:
            self.assertEqual(notice_numbers.parse_notice_number(order.pagopa_notice_number).iuv, order.pagopa_iuv)

    def test_aux_digit_0_uses_the_application_code(self):
        self.company.write({'munipay_pagopa_aux_digit': '0', 'munipay_pagopa_application_code': '07'})
        order = self.make_order()
        self.assertRegex(order.pagopa_notice_number, r'^007\d{15}$')
        self.assertEqual(order.pagopa_iuv, order.pagopa_notice_number[3:])
        self.assertEqual(len(order.pagopa_iuv), 15)
        self.assertEqual(order._munipay_payment_qr_payload().split('|')[2], order.pagopa_notice_number)

    def test_aux_digit_1(self):
        self.company.munipay_pagopa_aux_digit = '1'
        order = self.make_order()
        self.assertRegex(order.pagopa_notice_number, r'^1\d{17}$')
        self.assertEqual(order.pagopa_iuv, order.pagopa_notice_number[1:])

    def test_other_companies_keep_rf_references(self):
        self.company.munipay_qr_standard = 'epc'
        order = self.make_order()
        self.assertTrue(order.payment_reference.startswith('RF'))
        self.assertFalse(order.pagopa_notice_number)
        # a fee type can choose pagoPA on its own
        self.fee_card.qr_standard = 'pagopa'
        self.assertTrue(self.make_order().pagopa_notice_number)

    def test_settings_are_checked(self):
        with self.raises(ValidationError, 'valid fiscal code'):
            self.company.munipay_pagopa_fiscal_code = '00940120547'
        with self.raises(ValidationError, 'reserved'):
            self.company.munipay_pagopa_segregation_code = '99'
        # what is missing is said when an order is to get its number
        self.company.munipay_pagopa_segregation_code = False
        with self.raises(ValidationError, 'Segregation Code'):
            self.make_order()
        self.company.munipay_pagopa_aux_digit = '0'
        with self.raises(ValidationError, 'Application Code'):
            self.make_order()
        with self.raises(ValidationError, '35 characters'):
            self.company.munipay_pagopa_station_id = 'station with spaces'
        with self.raises(ValidationError, 'taxonomy'):
            self.fee_card.pagopa_transfer_category = False
        with self.raises(ValidationError, 'IBANs only'):
            self.fee_card.pagopa_bank_account_id = self.env['res.partner.bank'].create({
                'acc_number': '123456789', 'partner_id': self.company.partner_id.id})
        # the settings page writes them through res.config.settings
        settings = self.env['res.config.settings'].create({'munipay_pagopa_broker_id': '80015010723'})
        settings.execute()
        self.assertEqual(self.company.munipay_pagopa_broker_id, '80015010723')

    def test_taxonomy_required_before_a_number_is_taken(self):
        fee = self.env['munipay.fee.type'].create({
            'name': 'Canteen', 'code': 'MENSA', 'category': 'topup', 'product_id': self.product_fee.id,
            'amount': 5.0})
        sequence = self.company._munipay_pagopa_iuv_sequence()
        before = sequence.number_next_actual
        order = self.make_order(issue=False)
        order.line_ids = [Command.create({'fee_type_id': fee.id, 'name': 'Canteen', 'price_unit': 5.0})]
        with self.raises(ValidationError, 'taxonomy'):
            order.action_issue()
        self.assertEqual(sequence.number_next_actual, before)
        self.assertEqual(order.state, 'draft')

    def test_no_iban_no_notice(self):
        self.company.munipay_bank_account_id = False
        with self.raises(ValidationError, 'no IBAN'):
            self.make_order()

    def test_neutralize_clears_the_subscription_keys(self):
        self.company.sudo().write({'munipay_pagopa_gpd_key': 'gpd-secret', 'munipay_pagopa_fdr_key': 'fdr-secret',
                                   'munipay_pagopa_gpd_url': 'https://api.platform.pagopa.it/gpd'})
        self.env.flush_all()
        for query in get_neutralization_queries(['munipay_pagopa']):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertFalse(self.company.sudo().munipay_pagopa_gpd_key)
        self.assertFalse(self.company.sudo().munipay_pagopa_fdr_key)
        self.assertEqual(self.company.sudo().munipay_pagopa_gpd_url, 'https://api.platform.pagopa.it/gpd')
