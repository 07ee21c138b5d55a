from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import MunipayMerchantCommon


@tagged('post_install', '-at_install')
class TestMerchantSettlementReview(MunipayMerchantCommon):
    """A session whose card sales fall in two settlement periods: each settlement clears
    its part of the session's card payment, so that after both nothing is left open on
    the card's outstanding account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card_journal = cls.env['account.journal'].create({
            'name': 'Farmacia card', 'type': 'bank', 'code': 'FCCR', 'company_id': cls.company.id})
        cls.card_pm = cls.env['pos.payment.method'].create({
            'name': 'Merchant card', 'journal_id': cls.card_journal.id, 'company_id': cls.company.id})
        cls.merchant_config.payment_method_ids |= cls.card_pm

    def card_sale(self, session, amount, when):
        data = self.merchant_sale_data(session, [self.topup_line(amount)], amount)
        data['date_order'] = fields.Datetime.to_string(when)
        data['payment_ids'] = [Command.create({'amount': amount, 'name': fields.Datetime.to_string(when),
                                               'payment_method_id': self.card_pm.id})]
        return self.merchant_sync(data)

    def settle(self, date_from, date_to):
        wizard = self.env['munipay.merchant.settle'].create({
            'merchant_id': self.merchant.id, 'date_from': date_from, 'date_to': date_to,
            'journal_id': self.bank_journal.id})
        return self.env['account.move'].browse(wizard.action_settle()['res_id'])

    def test_session_across_two_periods_is_cleared_by_both_settlements(self):
        now = fields.Datetime.now()
        session = self.open_merchant_session()
        self.card_sale(session, 20.0, now - timedelta(days=3))
        self.card_sale(session, 30.0, now)
        self.close_session(session)
        items = session.bank_payment_ids.move_id.line_ids.filtered(
            lambda l: l.debit and l.account_id.account_type != 'asset_receivable')
        account = items.account_id
        self.assertEqual((len(account), sum(items.mapped('debit'))), (1, 50.0))

        first_day = (now - timedelta(days=3)).date()
        first = self.settle(first_day, first_day)
        first_line = first.line_ids.filtered(lambda l: l.account_id == account)
        self.assertEqual((first_line.credit, first_line.partner_id), (20.0, self.merchant))
        # the settlement takes its part of the session's card payment, and no more
        self.assertTrue(first_line.reconciled)
        self.assertEqual(sum(items.mapped('amount_residual')), 30.0)

        second = self.settle(first_day + timedelta(days=1), fields.Date.context_today(self.env.user))
        second_line = second.line_ids.filtered(lambda l: l.account_id == account)
        self.assertEqual(second_line.credit, 30.0)
        self.assertTrue(all((items | first_line | second_line).mapped('reconciled')),
                        "the session's card payment is cleared once both periods are settled")
        self.assertEqual(self.account_balance(account), 0.0)
        payable = self.company.munipay_merchant_payable_account_id
        self.assertEqual(self.account_balance(payable), 0.0)
        bank = self.bank_journal.default_account_id
        self.assertEqual((first + second).line_ids.filtered(lambda l: l.account_id == bank).mapped('debit'),
                         [19.5, 29.3])
        self.assertBalanced()


@tagged('post_install', '-at_install')
class TestMerchantOfflineReview(MunipayMerchantCommon):
    """An offline top-up kept on a wallet closed meanwhile is a top-up like any other for
    the holder: the money taken gets its receipt (the provisional one is not the last)."""

    def test_topup_kept_on_a_closed_wallet_gets_its_receipt(self):
        session = self.open_merchant_session()
        data = self.merchant_sale_data(session, [self.topup_line(20.0, munipay_wallet_offline=True)], 20.0)
        self.wallet.active = False
        pos_order = self.merchant_sync(data)
        line = pos_order.lines
        self.assertTrue(line.munipay_wallet_flagged)
        liability = self.liability
        self.assertRecordValues(line.munipay_wallet_move_id.line_ids.filtered(lambda l: l.account_id == liability),
                                [{'credit': 20.0, 'munipay_wallet_id': self.wallet.id}])
        receipt = line.munipay_wallet_receipt_id
        self.assertTrue(receipt, "the holder's money has a receipt")
        self.assertRecordValues(receipt, [{'wallet_id': self.wallet.id, 'amount': 20.0, 'balance_after': 20.0,
                                           'channel': 'merchant', 'partner_id': self.wallet.holder_id.id}])
        self.assertIn('after this wallet was closed', self.wallet.message_ids[:1].body)
        self.assertFalse(self.wallet.active)
