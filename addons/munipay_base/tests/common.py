from datetime import date, timedelta

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class MunipayCommon(AccountTestInvoicingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref('munipay_base.group_manager')
        cls.company = cls.env.company
        cls.company._munipay_ensure_setup()
        cls.bank_journal = cls.company_data['default_journal_bank']
        cls.cash_journal = cls.company_data['default_journal_cash']
        cls.discount_account = cls.company.munipay_discount_account_id
        cls.product_fee = cls.env['product.product'].create({
            'name': 'Municipal fee', 'type': 'service', 'taxes_id': [Command.clear()],
            'property_account_income_id': cls.company_data['default_account_revenue'].id})
        cls.income_account = cls.company_data['default_account_revenue']
        cls.fee_card = cls.env['munipay.fee.type'].create({
            'name': 'Identity card', 'code': 'CIE', 'category': 'fee',
            'product_id': cls.product_fee.id, 'amount': 22.21, 'due_days': 30})
        cls.fee_fine = cls.env['munipay.fee.type'].create({
            'name': 'Parking fine', 'code': 'CDS7', 'category': 'fine', 'product_id': cls.product_fee.id,
            'amount': 42.0, 'amount_max': 173.0, 'cost_amount': 13.5, 'due_days': 60,
            'amount_rule_ids': [
                Command.create({'sequence': 1, 'up_to_day': 5, 'base': 'amount', 'factor': 0.7}),
                Command.create({'sequence': 2, 'up_to_day': 60, 'base': 'amount', 'factor': 1.0}),
                Command.create({'sequence': 3, 'base': 'amount_max', 'factor': 0.5}),
            ]})
        cls.payer = cls.env['res.partner'].create({
            'name': 'Mario Rossi', 'email': 'mario.rossi@example.com', 'city': 'Roma', 'street': 'Via Roma 12',
            'munipay_national_id_type': 'it_cf', 'munipay_national_id': 'RSSMRA70C03H501D'})
        cls.payer_2 = cls.env['res.partner'].create({
            'name': 'Giulia Bianchi', 'munipay_national_id_type': 'it_cf',
            'munipay_national_id': 'BNCGLI66T42F205Z'})

    @classmethod
    def make_order(cls, fee=None, partner=None, amount=None, issue=True, **vals):
        fee = fee or cls.fee_card
        order = cls.env['munipay.payment.order'].create({
            'partner_id': (partner or cls.payer).id,
            'fee_type_id': fee.id,
            'line_ids': cls.env['munipay.payment.order']._munipay_lines_for_fee_type(fee, amount),
            **vals,
        })
        if issue:
            order.action_issue()
        return order

    def assertBalanced(self):
        """The sum of all journal items of the company is zero."""
        self.env.flush_all()
        self.env.cr.execute("SELECT COALESCE(SUM(balance), 0) FROM account_move_line WHERE company_id = %s",
                            [self.company.id])
        self.assertAlmostEqual(self.env.cr.fetchone()[0], 0.0, places=2)

    def register_native(self, records, model, **vals):
        wizard = self.env['account.payment.register'].with_context(
            active_model=model, active_ids=records.ids).create({'journal_id': self.bank_journal.id, **vals})
        return wizard, wizard._create_payments()

    @staticmethod
    def days_ago(n):
        return fields.Date.today() - timedelta(days=n)

    @staticmethod
    def next_weekday(d, weekday):
        return d + timedelta(days=(weekday - d.weekday()) % 7)

    @staticmethod
    def a_monday():
        return date(2026, 3, 2)
