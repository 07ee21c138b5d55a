from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged, new_test_user
from odoo.tools import mute_logger

from .common import MunipayCommon


@tagged('post_install', '-at_install')
class TestWallet(MunipayCommon):

    def test_balance_from_journal_items(self):
        wallet = self.env['munipay.wallet'].create({
            'holder_id': self.payer.id, 'service_fee_type_id': self.fee_card.id})
        self.assertEqual(len(wallet.pan), 10)
        wallet._munipay_credit(50.0, self.cash_journal.default_account_id)
        wallet._munipay_charge(14.4)
        self.assertEqual(wallet.balance, 35.6)
        lines = wallet.line_ids
        self.assertEqual(lines.account_id, self.company.munipay_wallet_account_id)
        self.assertEqual(sum(lines.mapped('credit')) - sum(lines.mapped('debit')), 35.6)
        with self.assertRaisesRegex(UserError, 'less than'):
            wallet._munipay_charge(40.0)
        with self.assertRaisesRegex(UserError, 'above zero'):
            wallet._munipay_credit(0.0, self.cash_journal.default_account_id)
        with self.assertRaisesRegex(UserError, 'decimals'):
            wallet._munipay_credit(1.005, self.cash_journal.default_account_id)
        self.assertEqual(len(wallet.line_ids), 2)
        self.assertBalanced()

    def test_reversed_entries_move_the_balance_back(self):
        wallet = self.env['munipay.wallet'].create({
            'holder_id': self.payer.id, 'service_fee_type_id': self.fee_card.id})
        top_up = wallet._munipay_credit(50.0, self.cash_journal.default_account_id)
        charge = wallet._munipay_charge(14.4)
        self.assertEqual(wallet.balance, 35.6)
        reversal = top_up._reverse_moves(cancel=True)
        wallet_account = self.company.munipay_wallet_account_id
        self.assertRecordValues(reversal.line_ids.filtered(lambda l: l.account_id == wallet_account), [
            {'munipay_wallet_id': wallet.id, 'debit': 50.0, 'credit': 0.0}])
        self.assertEqual(wallet.balance, -14.4, "the top-up taken back is no longer spendable")
        # the accountant's wizard, reverse and replace: the new entry tops the same wallet up
        wizard = self.env['account.move.reversal'].with_context(
            active_model='account.move', active_ids=charge.ids).create({
                'journal_id': charge.journal_id.id, 'reason': 'wrong meal'})
        replacement = self.env['account.move'].browse(wizard.modify_moves()['res_id'])
        self.assertEqual(wallet.balance, 0.0, "the charge was reversed")
        self.assertEqual(replacement.line_ids.munipay_wallet_id, wallet)
        replacement.action_post()
        self.assertEqual(wallet.balance, -14.4)
        self.assertBalanced()

    @mute_logger('odoo.sql_db')
    def test_pan_unique_and_checked(self):
        wallet = self.env['munipay.wallet'].create({'holder_id': self.payer.id, 'service_fee_type_id': self.fee_card.id})
        with self.assertRaises(ValidationError):
            self.env['munipay.wallet'].create({'holder_id': self.payer.id, 'service_fee_type_id': self.fee_card.id,
                                               'pan': wallet.pan[:-1] + str((int(wallet.pan[-1]) + 1) % 10)})
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env['munipay.wallet'].create({'holder_id': self.payer_2.id, 'service_fee_type_id': self.fee_card.id,
                                               'pan': wallet.pan})


@tagged('post_install', '-at_install')
class TestPayers(MunipayCommon):

    def test_national_id_validated_and_normalised(self):
        partner = self.env['res.partner'].create({'name': 'X', 'munipay_national_id_type': 'it_cf',
                                                  'munipay_national_id': 'rssmra 70c03 h501d'})
        self.assertEqual(partner.munipay_national_id, 'RSSMRA70C03H501D')
        with self.assertRaisesRegex(ValidationError, 'check digit'):
            self.env['res.partner'].create({'name': 'Y', 'munipay_national_id_type': 'it_cf',
                                            'munipay_national_id': 'RSSMRA70C03H501A'})
        with self.assertRaises(ValidationError):
            partner.write({'munipay_national_id_type': 'pl_pesel', 'munipay_national_id': '44051401358'})
        partner.write({'munipay_national_id_type': 'pl_pesel', 'munipay_national_id': '44051401359'})
        self.assertEqual(partner.munipay_national_id, '44051401359')

    def test_one_box_search(self):
        Partner = self.env['res.partner'].with_context(munipay_payer_search=True)  # as munipay's views do
        for term in ('RSSMRA70C03H501D', 'mario.rossi@example', 'Via Roma', 'Mario'):
            self.assertIn(self.payer, Partner.search([('display_name', 'ilike', term)]), term)
        self.assertNotIn(self.payer_2, Partner.search([('display_name', 'ilike', 'RSSMRA70C03H501D')]))


@tagged('post_install', '-at_install')
class TestSecurity(MunipayCommon):

    def test_portal_users_see_only_their_own(self):
        own = self.make_order()
        other = self.make_order(partner=self.payer_2)
        draft = self.make_order(issue=False)
        wallet = self.env['munipay.wallet'].create({'holder_id': self.payer.id, 'service_fee_type_id': self.fee_card.id})
        other_wallet = self.env['munipay.wallet'].create({'holder_id': self.payer_2.id, 'service_fee_type_id': self.fee_card.id})
        citizen = new_test_user(self.env, login='citizen', groups='base.group_portal', partner_id=self.payer.id)
        Order = self.env['munipay.payment.order'].with_user(citizen)
        self.assertEqual(Order.search([]), own)
        with self.assertRaises(AccessError):
            other.with_user(citizen).read(['name'])
        with self.assertRaises(AccessError):
            draft.with_user(citizen).read(['name'])
        with self.assertRaises(AccessError):
            own.with_user(citizen).write({'origin': 'hack'})
        self.assertEqual(self.env['munipay.wallet'].with_user(citizen).search([]), wallet)
        with self.assertRaises(AccessError):
            other_wallet.with_user(citizen).read(['pan'])

    def test_groups(self):
        cashier = new_test_user(self.env, login='cashier', groups='base.group_user,munipay_base.group_cashier')
        merchant = new_test_user(self.env, login='merchant', groups='base.group_user,munipay_base.group_merchant')
        officer = new_test_user(self.env, login='officer1', groups='base.group_user,munipay_base.group_officer')
        order = self.make_order(issue=False)
        with self.assertRaises(AccessError):
            self.env['munipay.payment.order'].with_user(cashier).create({'partner_id': self.payer.id})
        self.assertTrue(order.with_user(cashier).read(['name']))
        with self.assertRaises(AccessError):
            order.with_user(merchant).read(['name'])
        with self.assertRaises(AccessError):
            self.fee_card.with_user(officer).unlink()
        self.env['munipay.payment.order'].with_user(officer).create({'partner_id': self.payer.id})

    @mute_logger('odoo.sql_db')
    def test_multi_company(self):
        other_company = self.setup_other_company()['company']
        self.product_fee.with_company(other_company).taxes_id = False  # the new company's default sales tax
        fee_other = self.env['munipay.fee.type'].create({
            'name': 'Other', 'code': 'CIE', 'product_id': self.product_fee.id, 'company_id': other_company.id,
            'amount': 1.0})
        officer = new_test_user(self.env, login='officer2', groups='base.group_user,munipay_base.group_officer',
                                company_id=self.company.id, company_ids=[(6, 0, self.company.ids)])
        self.assertNotIn(fee_other, self.env['munipay.fee.type'].with_user(officer).search([]))
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env['munipay.fee.type'].create({'name': 'Dup', 'code': 'CIE', 'product_id': self.product_fee.id,
                                                 'amount': 1.0})
