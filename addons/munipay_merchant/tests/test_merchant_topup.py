from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MunipayMerchantCommon


@tagged('post_install', '-at_install')
class TestMerchantTopup(MunipayMerchantCommon):
    """A merchant tops up a wallet, earns its commission, and settles what it collected."""

    def transit_balance(self):
        return self.account_balance(self.company.munipay_cashdesk_transit_account_id)

    def test_topup_books_wallet_and_commission(self):
        session = self.open_merchant_session()
        pos_order = self.merchant_sale(session, [self.topup_line(20.0)], 20.0)
        line = pos_order.lines
        self.assertEqual(self.wallet.balance, 20.0)
        self.assertEqual(line.munipay_wallet_receipt_id.channel, 'merchant')
        self.assertEqual(line.munipay_commission_amount, 0.5)  # 2 % of 20.00 + 0.10
        expense = self.company.munipay_merchant_commission_account_id
        payable = self.company.munipay_merchant_payable_account_id
        self.assertEqual(payable.account_type, 'liability_payable')
        self.assertRecordValues(line.munipay_commission_move_id.line_ids.sorted('debit'), [
            {'account_id': payable.id, 'partner_id': self.merchant.id, 'debit': 0.0, 'credit': 0.5},
            {'account_id': expense.id, 'partner_id': self.merchant.id, 'debit': 0.5, 'credit': 0.0},
        ])
        self.assertEqual(line.munipay_commission_move_id.state, 'posted')
        # a sale synced again books neither a second credit nor a second commission
        pos_order._munipay_wallet_credit()
        self.assertEqual(len(self.wallet.line_ids), 1)
        self.assertEqual(len(self.env['account.move.line'].search([('account_id', '=', expense.id)])), 1)
        self.close_session(session)
        self.assertEqual(self.transit_balance(), 0.0)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.company.munipay_wallet_account_id), -20.0)
        self.assertEqual(self.account_balance(self.merchant_cash_pm.journal_id.default_account_id), 20.0)
        self.assertEqual(self.account_balance(expense), 0.5)
        self.assertEqual(self.account_balance(payable), -0.5)
        self.assertBalanced()

    @mute_logger('odoo.addons.point_of_sale.models.pos_order')
    def test_commission_never_as_large_as_the_topup(self):
        """Review s9: with no minimum top-up, a 0.05 top-up earned a 0.10 commission (2 % + 0.10):
        the merchant was paid for moving no money and the settlement went negative."""
        self.fee_canteen.amount = 0.0
        session = self.open_merchant_session()
        with self.assertRaisesRegex(UserError, "below the merchant's commission"), self.env.cr.savepoint():
            self.merchant_sale(session, [self.topup_line(0.05)], 0.05)
        with self.assertRaisesRegex(UserError, "below the merchant's commission"), self.env.cr.savepoint():
            self.merchant_sale(session, [self.topup_line(0.10)], 0.10)
        self.assertFalse(self.wallet_items())
        pos_order = self.merchant_sale(session, [self.topup_line(0.20)], 0.20)
        payable = self.company.munipay_merchant_payable_account_id  # set up with the first commission
        expense = self.company.munipay_merchant_commission_account_id
        self.assertRecordValues(pos_order.lines.munipay_commission_move_id.line_ids.sorted('debit'), [
            {'account_id': payable.id, 'debit': 0.0, 'credit': 0.1},  # 2 % of 0.20 + 0.10, to the cent
            {'account_id': expense.id, 'debit': 0.1, 'credit': 0.0},
        ])
        self.close_session(session)
        today = fields.Date.context_today(self.env.user)
        action = self.env['munipay.merchant.settle'].create({
            'merchant_id': self.merchant.id, 'date_from': today.replace(day=1), 'date_to': today,
            'journal_id': self.bank_journal.id}).action_settle()
        till = self.merchant_cash_pm.journal_id.default_account_id
        self.assertRecordValues(self.env['account.move'].browse(action['res_id']).line_ids.sorted(
            lambda l: (l.account_id != till, l.account_id != payable)), [
            {'account_id': till.id, 'debit': 0.0, 'credit': 0.2},
            {'account_id': payable.id, 'debit': 0.1, 'credit': 0.0},
            {'account_id': self.bank_journal.default_account_id.id, 'debit': 0.1, 'credit': 0.0},
        ])
        self.assertEqual(self.wallet.balance, 0.2)
        self.assertEqual(self.account_balance(payable), 0.0)
        self.assertBalanced()

    def test_no_commission_configured_no_entry(self):
        self.merchant_config.write({'munipay_merchant_commission_percent': 0.0,
                                    'munipay_merchant_commission_fixed': 0.0})
        session = self.open_merchant_session()
        pos_order = self.merchant_sale(session, [self.topup_line(20.0)], 20.0)
        self.assertFalse(pos_order.lines.munipay_commission_move_id)
        self.assertEqual(self.wallet.balance, 20.0)

    @mute_logger('odoo.addons.point_of_sale.models.pos_order')
    def test_only_allowed_services_and_fees_server_side(self):
        session = self.open_merchant_session()
        with self.assertRaisesRegex(UserError, 'not authorised to top up School bus'), self.env.cr.savepoint():
            self.merchant_sale(session, [self.topup_line(15.0, wallet=self.transport_wallet)], 15.0)
        product = self.env['product.product'].create({'name': 'Aspirin', 'available_in_pos': True, 'list_price': 4.0})
        with self.assertRaisesRegex(UserError, 'sells only wallet top-ups'), self.env.cr.savepoint():
            self.merchant_sale(session, [self.order_line(4.0, product_id=product.id, name='Aspirin')], 4.0)
        order = self.make_order()
        with self.assertRaisesRegex(UserError, 'not authorised to collect Identity card'), self.env.cr.savepoint():
            self.merchant_sale(session, [self.order_line(22.21, munipay_order_id=order.id)], 22.21)
        self.assertFalse(session.order_ids)
        self.assertEqual((self.transport_wallet.balance, order.state), (0.0, 'issued'))
        # the merchant's screens offer nothing else either
        lookup = self.env['munipay.payment.order'].with_user(self.merchant_user).munipay_cashdesk_lookup(
            self.merchant_config.id, order.payment_reference)
        self.assertEqual((lookup['status'], lookup['order_ids']), ('refused', []))
        found = self.env['munipay.wallet'].with_user(self.merchant_user).munipay_pos_wallet_lookup(
            self.merchant_config.id, self.transport_wallet.pan)
        self.assertEqual(found['status'], 'not_found')
        sold = self.env['product.product'].search(self.merchant_config._get_available_product_domain())
        self.assertNotIn(product, sold)
        self.assertEqual(sold, sold & self.merchant_config._get_special_products())
        self.assertIn(self.wallet_product, sold)

    def test_allowed_fee_collected_at_the_merchant(self):
        self.merchant_config.munipay_merchant_fee_type_ids |= self.fee_card
        order = self.make_order()
        session = self.open_merchant_session()
        pos_order = self.merchant_sale(session, [self.order_line(22.21, munipay_order_id=order.id),
                                                 self.topup_line(10.0)], 32.21)
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.receipt_ids.channel, 'merchant')
        self.assertEqual(pos_order.lines.filtered('munipay_wallet_id').munipay_commission_amount, 0.3)
        self.close_session(session)
        self.assertTransitCleared()
        self.assertBalanced()

    def test_statement_and_settlement(self):
        session = self.open_merchant_session()
        self.merchant_sale(session, [self.topup_line(20.0)], 20.0)
        self.merchant_sale(session, [self.topup_line(30.0)], 30.0)
        self.close_session(session)
        Statement = self.env['munipay.merchant.statement']
        rows = Statement.search([('merchant_id', '=', self.merchant.id)])
        self.assertEqual(len(rows), 2)
        self.assertEqual((sum(rows.mapped('collected')), sum(rows.mapped('commission')), sum(rows.mapped('amount_due'))),
                         (50.0, 1.2, 48.8))
        [group] = Statement.read_group([('merchant_id', '=', self.merchant.id)], ['amount_due:sum'], ['merchant_id'])
        self.assertEqual(group['amount_due'], 48.8)
        html = self.env['ir.actions.report']._render_qweb_html(
            'munipay_merchant.report_merchant_statement', rows.ids)[0].decode()
        self.assertIn('Farmacia Centrale', html)
        self.assertIn('48.80', html)

        today = fields.Date.context_today(self.env.user)
        wizard = self.env['munipay.merchant.settle'].create({
            'merchant_id': self.merchant.id, 'date_from': today.replace(day=1), 'date_to': today,
            'journal_id': self.bank_journal.id})
        self.assertEqual((wizard.collected, wizard.commission, wizard.amount_due), (50.0, 1.2, 48.8))
        action = wizard.action_settle()
        move = self.env['account.move'].browse(action['res_id'])
        payable = self.company.munipay_merchant_payable_account_id
        till = self.merchant_cash_pm.journal_id.default_account_id
        self.assertRecordValues(move.line_ids.sorted(lambda l: (l.debit, l.credit)), [
            {'account_id': till.id, 'debit': 0.0, 'credit': 50.0},
            {'account_id': payable.id, 'debit': 1.2, 'credit': 0.0},
            {'account_id': self.bank_journal.default_account_id.id, 'debit': 48.8, 'credit': 0.0},
        ])
        self.assertEqual(self.account_balance(payable), 0.0)
        self.assertTrue(all(self.env['account.move.line'].search([('account_id', '=', payable.id)]).mapped('reconciled')))
        self.assertEqual(self.account_balance(till), 0.0)
        self.env.invalidate_all()
        self.assertTrue(all(Statement.search([('merchant_id', '=', self.merchant.id)]).mapped('settled')))
        with self.assertRaisesRegex(UserError, 'nothing to settle'):
            self.env['munipay.merchant.settle'].create({
                'merchant_id': self.merchant.id, 'date_from': today.replace(day=1), 'date_to': today,
                'journal_id': self.bank_journal.id}).action_settle()
        self.assertBalanced()
