from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MunipayMerchantCommon


@tagged('post_install', '-at_install')
class TestMerchantSettlement(MunipayMerchantCommon):
    """A merchant settles all it took, per payment method (cash in its till, card payments
    its terminal took), and a Point of Sale changes merchant only once that is done."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.merchant_card_journal = cls.env['account.journal'].create({
            'name': 'Farmacia card', 'type': 'bank', 'code': 'FCCD', 'company_id': cls.company.id})
        cls.merchant_card_pm = cls.env['pos.payment.method'].create({
            'name': 'Merchant card', 'journal_id': cls.merchant_card_journal.id, 'company_id': cls.company.id})
        cls.merchant_config.payment_method_ids |= cls.merchant_card_pm

    def card_sale(self, session, amount):
        data = self.merchant_sale_data(session, [self.topup_line(amount)], amount)
        data['payment_ids'] = [Command.create({'amount': amount, 'name': fields.Datetime.now(),
                                               'payment_method_id': self.merchant_card_pm.id})]
        return self.merchant_sync(data)

    def settle_wizard(self, merchant=None):
        today = fields.Date.context_today(self.env.user)
        return self.env['munipay.merchant.settle'].create({
            'merchant_id': (merchant or self.merchant).id, 'date_from': today.replace(day=1), 'date_to': today,
            'journal_id': self.bank_journal.id})

    def settle(self, merchant=None):
        return self.env['account.move'].browse(self.settle_wizard(merchant).action_settle()['res_id'])

    def test_settlement_per_payment_method(self):
        session = self.open_merchant_session()
        self.merchant_sale(session, [self.topup_line(20.0)], 20.0)
        self.card_sale(session, 30.0)
        self.close_session(session)
        card_items = session.bank_payment_ids.move_id.line_ids.filtered(
            lambda l: l.debit and l.account_id.account_type != 'asset_receivable')
        card_account = card_items.account_id
        self.assertEqual((len(card_account), sum(card_items.mapped('debit'))), (1, 30.0))
        html = self.env['ir.actions.report']._render_qweb_html(
            'munipay_merchant.report_merchant_statement',
            self.env['munipay.merchant.statement'].search([('merchant_id', '=', self.merchant.id)]).ids)[0].decode()
        self.assertIn('Merchant card', html)
        self.assertIn('30.00', html)

        wizard = self.settle_wizard()
        self.assertEqual((wizard.collected, wizard.commission, wizard.amount_due), (50.0, 1.2, 48.8))
        move = self.env['account.move'].browse(wizard.action_settle()['res_id'])
        payable = self.company.munipay_merchant_payable_account_id
        till = self.merchant_cash_pm.journal_id.default_account_id
        self.assertRecordValues(move.line_ids.sorted(lambda l: (l.debit, l.credit)), [
            {'account_id': till.id, 'debit': 0.0, 'credit': 20.0, 'partner_id': self.merchant.id},
            {'account_id': card_account.id, 'debit': 0.0, 'credit': 30.0, 'partner_id': self.merchant.id},
            {'account_id': payable.id, 'debit': 1.2, 'credit': 0.0, 'partner_id': self.merchant.id},
            {'account_id': self.bank_journal.default_account_id.id, 'debit': 48.8, 'credit': 0.0,
             'partner_id': self.merchant.id},
        ])
        self.assertIn('Merchant card', move.line_ids.filtered(lambda l: l.account_id == card_account).name)
        self.assertEqual(self.account_balance(till), 0.0)
        self.assertEqual(self.account_balance(card_account), 0.0)
        # the sessions' card payments are cleared by the settlement (matched, not just netted)
        self.assertTrue(card_account.reconcile)
        self.assertTrue(all((card_items | move.line_ids.filtered(
            lambda l: l.account_id == card_account)).mapped('reconciled')))
        self.assertEqual(self.account_balance(payable), 0.0)
        self.assertBalanced()

    def test_pay_later_is_not_settled(self):
        pay_later = self.env['pos.payment.method'].create({
            'name': 'Customer account', 'split_transactions': True, 'company_id': self.company.id})
        self.merchant_config.payment_method_ids |= pay_later
        session = self.open_merchant_session()
        data = self.merchant_sale_data(session, [self.topup_line(20.0)], 20.0)
        data['partner_id'] = self.merchant.id
        data['payment_ids'] = [Command.create({'amount': 20.0, 'name': fields.Datetime.now(),
                                               'payment_method_id': pay_later.id})]
        self.merchant_sync(data)
        self.close_session(session)
        with self.assertRaisesRegex(UserError, 'customer account'):
            self.settle()

    def test_point_of_sale_changes_merchant_only_once_settled(self):
        session = self.open_merchant_session()
        sold = self.merchant_sale(session, [self.topup_line(20.0)], 20.0)
        with self.assertRaisesRegex(UserError, 'session open for Farmacia Centrale'):
            self.merchant_config.munipay_merchant_partner_id = self.other_merchant
        self.close_session(session)
        with self.assertRaisesRegex(UserError, 'Farmacia Centrale has not settled all its sales'):
            self.merchant_config.munipay_merchant_partner_id = self.other_merchant
        with self.assertRaisesRegex(UserError, 'has not settled'):
            self.merchant_config.munipay_merchant_partner_id = False
        self.assertEqual(self.merchant_config.munipay_merchant_partner_id, self.merchant)

        self.settle()
        self.merchant_config.munipay_merchant_partner_id = self.other_merchant
        # the sales before stay the first merchant's, settled; new ones are the new merchant's
        self.assertEqual(sold.lines.munipay_merchant_partner_id, self.merchant)
        session = self.open_merchant_session()
        new = self.merchant_sale(session, [self.topup_line(10.0)], 10.0, user=self.other_user)
        self.assertEqual(new.lines.munipay_merchant_partner_id, self.other_merchant)
        self.env.invalidate_all()
        Statement = self.env['munipay.merchant.statement']
        self.assertEqual(Statement.search([('merchant_id', '=', self.merchant.id)]).pos_order_id, sold)
        self.assertEqual(Statement.search([('merchant_id', '=', self.other_merchant.id)]).pos_order_id, new)
