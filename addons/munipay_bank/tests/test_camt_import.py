import base64
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.misc import file_open

from odoo.addons.munipay_base.tests.common import MunipayCommon
from odoo.addons.munipay_base.lib.references import format_in_groups

COMPANY_IBAN = 'IT60X0542811101000000654321'


def issue_with_notice_number(order):
    """Issue the order under a pagoPA notice number (aux digit 3, segregation code 01, mod-93 check)."""
    head = '3010000000012345'
    order.sudo().payment_reference = head + '%02d' % (int(head) % 93)
    order.action_issue()
    return order


@tagged('post_install', '-at_install')
class TestCamtImport(MunipayCommon):
    """Real CAMT.053, .054 and .052 files, imported with OCA's statement import, pay the orders they name."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receivable = cls.payer.property_account_receivable_id
        cls.bank_journal.bank_account_id = cls.env['res.partner.bank'].create({
            'acc_number': COMPANY_IBAN, 'partner_id': cls.company.partner_id.id})

    def camt(self, **values):
        with file_open('munipay_bank/tests/files/camt053_template.xml') as template:
            return template.read().format(iban=COMPANY_IBAN, currency=self.company.currency_id.name,
                                          closing='1080.11', **values).encode()

    def camt_file(self, name, **values):
        with file_open('munipay_bank/tests/files/%s' % name) as template:
            return template.read().format(iban=COMPANY_IBAN, currency=self.company.currency_id.name, **values).encode()

    def statement(self, name):
        return self.env['account.bank.statement'].search([('name', '=', name)])

    def import_file(self, data, name='statement.xml'):
        return self.env['account.statement.import'].create({
            'statement_filename': name, 'statement_file': base64.b64encode(data)}).import_file_button()

    def test_camt053_pays_the_orders_it_names(self):
        card = self.make_order()
        fine = self.make_order(self.fee_fine, partner=self.payer_2, date_notified=self.days_ago(4))
        today = fields.Date.today()
        data = self.camt(stmt_id='2026-11-A', date=today, value_date=self.days_ago(1),
                         ref_card=card.payment_reference,
                         ref_fine_spaced=format_in_groups(fine.payment_reference).lower())
        self.import_file(data)
        lines = self.env['account.bank.statement.line'].search([('statement_id.name', '=', '2026-11-A')], order='id')
        self.assertEqual(lines.mapped('amount'), [22.21, 42.9, 15.0])
        self.assertEqual(lines.mapped('munipay_match_state'), ['order', 'order', 'suspense'])
        self.assertEqual((card.state, fine.state), ('paid', 'paid'))
        self.assertEqual(fine.date_paid, self.days_ago(1), "judged on the value date, inside the window")
        card_credit = lines[0].move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual(card.receivable_line_id.matched_credit_ids.credit_move_id, card_credit)
        discount = self.env['account.move.line'].search([('munipay_discount_order_id', '=', fine.id)])
        self.assertEqual((discount.account_id, discount.debit), (self.discount_account, 12.6))
        suspense = lines[2].move_id.line_ids.filtered('munipay_suspense')
        self.assertEqual((suspense.account_id, suspense.credit), (self.company.munipay_suspense_account_id, 15.0))
        self.assertIn('Anna Verdi', lines[2].partner_name or '')
        self.assertBalanced()
        # the same file again books nothing twice
        with self.assertRaises(UserError):
            self.import_file(data)
        self.assertEqual(self.env['account.bank.statement.line'].search_count([('payment_ref', 'ilike', 'donazione')]), 1)
        self.assertEqual(len(card.receivable_line_id.matched_credit_ids), 1)

    def test_malformed_file_imports_nothing(self):
        order = self.make_order()
        data = self.camt(stmt_id='2026-11-B', date=fields.Date.today(), value_date=fields.Date.today(),
                         ref_card=order.payment_reference, ref_fine_spaced='x')
        with self.assertRaises(UserError):
            self.import_file(data[:len(data) // 2], name='truncated.xml')
        self.assertFalse(self.env['account.bank.statement'].search([('name', '=', '2026-11-B')]))
        self.assertEqual(order.state, 'issued')

    def test_camt054_notification_goes_on_from_the_last_statement(self):
        today = fields.Date.today()
        self.import_file(self.camt(stmt_id='2026-11-C', date=today, value_date=today, ref_card='NOTPROVIDED',
                                   ref_fine_spaced='boh'))
        previous = self.statement('2026-11-C')
        card = self.make_order()
        by_notice = issue_with_notice_number(self.make_order(partner=self.payer_2, issue=False))
        notice = by_notice.payment_reference
        data = self.camt_file('camt054_template.xml', ntf_id='NTF-2026-11-C', date=today, value_date=self.days_ago(1),
                              ref_rf=card.payment_reference, iuv=notice[1:], notice_spaced=format_in_groups(notice))
        self.import_file(data, name='notifica.xml')
        notification = self.statement('NTF-2026-11-C')
        lines = notification.line_ids.sorted('id')
        self.assertEqual(lines.mapped('amount'), [22.21, 22.21, 15.0], "the batch booking split into its transfers")
        self.assertEqual(lines.mapped('munipay_match_state'), ['order', 'order', 'suspense'])
        self.assertEqual((card.state, by_notice.state), ('paid', 'paid'))
        self.assertEqual(lines[0].munipay_value_date, self.days_ago(1))
        self.assertIn('/RFB/%s/' % notice[1:], lines[1].payment_ref)
        for line, order in ((lines[0], card), (lines[1], by_notice)):
            credit = line.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
            self.assertEqual(credit.credit, 22.21)
            self.assertEqual(order.receivable_line_id.matched_credit_ids.credit_move_id, credit)
        suspense = lines[2].move_id.line_ids.filtered('munipay_suspense')
        self.assertEqual((suspense.account_id, suspense.credit), (self.company.munipay_suspense_account_id, 15.0))
        # no balances in a notification: it goes on from the statement before
        self.assertEqual((notification.balance_start, notification.balance_end_real),
                         (previous.balance_end_real, 1139.53))
        self.assertTrue(notification.is_complete and notification.is_valid)
        self.assertEqual(len(set(lines.mapped('unique_import_id'))), 3)
        self.assertBalanced()
        with self.assertRaises(UserError):
            self.import_file(data, name='notifica (1).xml')
        self.assertEqual(len(card.receivable_line_id.matched_credit_ids), 1)

    def test_camt052_report_books_what_is_booked_and_the_statement_the_rest(self):
        card = self.make_order()
        fine = self.make_order(self.fee_fine, partner=self.payer_2, date_notified=self.days_ago(4))
        values = dict(stmt_id='2026-11-D', date=fields.Date.today(), value_date=self.days_ago(1),
                      ref_card=card.payment_reference,
                      ref_fine_spaced=format_in_groups(fine.payment_reference).lower())
        self.import_file(self.camt_file('camt052_template.xml', **values), name='intraday.xml')
        report = self.statement('2026-11-D-R1')
        self.assertEqual(report.line_ids.mapped('amount'), [22.21], "the pending transfer is not booked yet")
        self.assertEqual((card.state, fine.state), ('paid', 'issued'))
        self.assertEqual((report.balance_start, report.balance_end_real), (1000.0, 1022.21))
        self.assertTrue(report.is_complete)
        card_credit = report.line_ids.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual(card.receivable_line_id.matched_credit_ids.credit_move_id, card_credit)
        # the evening's statement brings the rest, and the first transfer only once
        self.import_file(self.camt(**values))
        day = self.statement('2026-11-D')
        self.assertEqual(day.line_ids.sorted('id').mapped('amount'), [42.9, 15.0])
        self.assertEqual((day.balance_start, day.balance_end_real), (1022.21, 1080.11))
        self.assertTrue(day.is_complete and day.is_valid)
        self.assertEqual(fine.state, 'paid')
        self.assertEqual(len(card.receivable_line_id.matched_credit_ids), 1)
        discount = self.env['account.move.line'].search([('munipay_discount_order_id', '=', fine.id)])
        self.assertEqual((discount.account_id, discount.debit), (self.discount_account, 12.6))
        self.assertBalanced()
