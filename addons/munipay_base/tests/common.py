from datetime import date, timedelta

from odoo import Command, SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name
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

    def joint_pair(self, fee=None, **vals):
        """Two issued orders of one joint debt (the main payer's and payer 2's)."""
        order_a = self.make_order(fee, issue=False, **vals)
        order_b = self.make_order(fee, partner=self.payer_2, issue=False, **vals)
        order_a.joint_order_ids = order_b
        (order_a | order_b).action_issue()
        return order_a, order_b

    def credit_note(self, order, amount, reason='Reduced on appeal'):
        """A posted credit note of ``amount`` on the order's invoice, reconciled with it."""
        reversal = self.env['account.move.reversal'].with_context(
            active_model='account.move', active_ids=order.move_id.ids).create({
                'journal_id': order.move_id.journal_id.id, 'reason': reason})
        credit_note = self.env['account.move'].browse(reversal.refund_moves()['res_id'])
        credit_note.invoice_line_ids = [Command.update(credit_note.invoice_line_ids.id, {'price_unit': amount})]
        credit_note.action_post()
        (credit_note.line_ids | order.move_id.line_ids).filtered(
            lambda l: l.account_id.account_type == 'asset_receivable' and not l.reconciled).reconcile()
        return credit_note

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


class CommittedCursorsCase(BaseCase):
    """Tests of concurrent transactions: each cursor commits for real, as two desks do."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.cursors = []

    def tearDown(self):
        for cr in self.cursors:
            cr.rollback()
            cr.close()
        super().tearDown()

    def env_on_new_cursor(self):
        cr = self.registry.cursor()
        self.cursors.append(cr)
        return api.Environment(cr, SUPERUSER_ID, {})

    def committed_fee_type(self, env, name, amount, **vals):
        """The main company (set up for munipay) and a new fee type of it."""
        company = env.ref('base.main_company')
        company._munipay_ensure_setup()
        if not (company.munipay_journal_id and company.munipay_wallet_account_id):
            self.skipTest("the main company has no chart of accounts")
        product = env['product.product'].create({'name': name, 'type': 'service', 'taxes_id': [(5,)]})
        return company, env['munipay.fee.type'].create({
            'name': name, 'code': '%s-%s' % (name, product.id), 'product_id': product.id, 'amount': amount,
            'company_id': company.id, **vals})

    def committed_joint_pair(self, env, name, amount, payer_names):
        """Two issued orders of one joint debt, and the company's bank journal."""
        company, fee = self.committed_fee_type(env, name, amount)
        Order = env['munipay.payment.order']
        orders = Order.create([{
            'partner_id': env['res.partner'].create({'name': payer}).id, 'fee_type_id': fee.id,
            'company_id': company.id, 'line_ids': Order._munipay_lines_for_fee_type(fee)} for payer in payer_names])
        orders[0].joint_order_ids = orders[1]
        orders.action_issue()
        journal = env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'bank')], limit=1)
        return company, orders, journal
