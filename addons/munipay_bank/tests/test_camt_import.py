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
    """A real CAMT.053 file, imported with OCA's statement import, pays the orders it names."""

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
