from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import MunipayCashdeskCommon


@tagged('post_install', '-at_install')
class TestCashdeskSecurity(MunipayCashdeskCommon):
    """A cashier (a Point of Sale user) sees what the desk needs: not the fee
    configuration, not another municipality's orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cashier = new_test_user(
            cls.env, login='desk_cashier', groups='base.group_user,point_of_sale.group_pos_user',
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])
        cls.other_company = cls.setup_other_company()['company']
        cls.other_company._munipay_ensure_setup()
        other_product = cls.env['product.product'].create({
            'name': 'Other fee', 'type': 'service', 'company_id': cls.other_company.id,
            'taxes_id': [Command.clear()]})
        cls.other_fee = cls.env['munipay.fee.type'].create({
            'name': 'Other fee', 'code': 'OTH', 'product_id': other_product.id, 'amount': 9.0,
            'company_id': cls.other_company.id})

    def test_cashier_cannot_read_fee_configuration(self):
        env = self.env(user=self.cashier)
        with self.assertRaises(AccessError):
            env['munipay.fee.type'].search([])
        with self.assertRaises(AccessError):
            env['munipay.amount.rule'].search([])
        with self.assertRaises(AccessError):
            self.fee_card.with_user(self.cashier).read(['amount'])
        with self.assertRaises(AccessError):
            env['munipay.payment.order'].search([])

    def test_cashier_gets_the_desk_items_of_the_pos_company_only(self):
        session = self.open_session()
        data = session.with_user(self.cashier).load_data(['pos.config', 'munipay.fee.type', 'munipay.payment.order'])
        self.assertEqual([f['id'] for f in data['munipay.fee.type']['data']], self.fee_certificate.ids)
        self.assertNotIn('amount_rule_ids', data['munipay.fee.type']['fields'])
        self.assertEqual(data['munipay.payment.order']['data'], [], "orders are never preloaded")

    def test_cashier_finds_orders_of_the_desk_company_only(self):
        Order = self.env['munipay.payment.order'].with_user(self.cashier)
        mine = self.make_order()
        self.assertEqual(Order.munipay_cashdesk_lookup(self.config.id, mine.payment_reference)['order_ids'], mine.ids)
        self.make_order(self.other_fee, company_id=self.other_company.id)
        theirs = self.make_order(self.other_fee, company_id=self.other_company.id)
        self.assertNotEqual(theirs.payment_reference, mine.payment_reference)
        result = Order.munipay_cashdesk_lookup(self.config.id, theirs.payment_reference)
        self.assertEqual((result['status'], result['order_ids']), ('not_found', []))
        self.assertIn('another municipality', result['message'])
        result = Order.munipay_cashdesk_search(self.config.id, theirs.partner_id.name)
        self.assertNotIn(theirs.id, result['order_ids'])
        with self.assertRaises(AccessError):
            Order.munipay_cashdesk_check(self.config.id, theirs.ids)

    def test_a_desk_of_another_company_is_closed_to_the_cashier(self):
        other_config = self.env['pos.config'].with_company(self.other_company).create({'name': 'Other desk', 'company_id': self.other_company.id})
        with self.assertRaises(AccessError):
            self.env['munipay.payment.order'].with_user(self.cashier).munipay_cashdesk_lookup(other_config.id, 'RF18')

    def test_only_pos_users_use_the_desk(self):
        portal = new_test_user(self.env, login='desk_portal', groups='base.group_portal')
        with self.assertRaises(AccessError):
            self.env['munipay.payment.order'].with_user(portal).munipay_cashdesk_lookup(self.config.id, 'x')

    def test_cashier_sells_and_the_order_is_paid(self):
        order = self.make_order()
        session = self.open_session()
        self.env = self.env(user=self.cashier)
        self.sale(session, [self.order_line(22.21, munipay_order_id=order.id)], [(self.cash_pm, 22.21)])
        self.assertEqual(order.state, 'paid')

    def test_cashier_cannot_change_fees_rules_or_accounts(self):
        rule = self.fee_fine.amount_rule_ids[:1]
        self.assertTrue(rule)
        with self.assertRaises(AccessError):
            self.fee_card.with_user(self.cashier).write({'amount': 1.0})
        with self.assertRaises(AccessError):
            rule.with_user(self.cashier).write({'factor': 0.0})
        with self.assertRaises(AccessError):
            self.fee_card.product_id.with_user(self.cashier).write({'property_account_income_id': False})
        with self.assertRaises(AccessError):
            self.income_account.with_user(self.cashier).write({'name': 'Hijacked'})
        transit = self.company._munipay_cashdesk_transit_account()
        with self.assertRaises(AccessError):
            self.company.with_user(self.cashier).write({'munipay_cashdesk_transit_account_id': self.income_account.id})
        self.assertEqual(self.company.munipay_cashdesk_transit_account_id, transit)

    def test_cashier_reads_what_the_desk_needs(self):
        session = self.open_session()
        cashier_session = session.with_user(self.cashier)
        data = cashier_session.load_data(cashier_session._load_pos_data_models(self.config.id))
        self.assertEqual({pm['id'] for pm in data['pos.payment.method']['data']}, {self.cash_pm.id, self.card_pm.id})
        products = {p['id'] for p in data['product.product']['data']}
        self.assertTrue({self.order_product.id, self.fee_product.id} <= products)

    def test_cash_desk_operations_by_cashier_and_company(self):
        """A cashier lists the operations of their own sales; the back office sees the
        company's; nobody sees another company's."""
        session = self.open_session()
        theirs = self.make_order()
        self.sale(session, [self.order_line(22.21, munipay_order_id=theirs.id)], [(self.cash_pm, 22.21)])
        mine = self.make_order()
        env = self.env
        self.env = env(user=self.cashier)
        self.sale(session, [self.order_line(22.21, munipay_order_id=mine.id)], [(self.card_pm, 22.21)])
        self.env = env
        self.env.flush_all()
        Operation = self.env['munipay.cashdesk.operation']
        self.assertEqual(Operation.search([('session_id', '=', session.id)]).order_id, theirs | mine)

        as_cashier = Operation.with_user(self.cashier).search([])
        self.assertEqual(as_cashier.order_id.ids, mine.ids)
        self.assertEqual(as_cashier.read(['amount', 'receipt_name'])[0]['amount'], 22.21)

        manager = new_test_user(self.env, login='desk_manager',
                                groups='base.group_user,base.group_allow_export,point_of_sale.group_pos_manager',
                                company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        self.assertEqual(Operation.with_user(manager).search([]).order_id, theirs | mine)
        rows = Operation.with_user(manager).search([], order='id').export_data(['order_name', 'amount'])['datas']
        self.assertEqual(rows, [[theirs.name, 22.21], [mine.name, 22.21]])

        elsewhere = new_test_user(self.env, login='other_manager', groups='base.group_user,point_of_sale.group_pos_manager',
                                  company_id=self.other_company.id, company_ids=[Command.set(self.other_company.ids)])
        self.assertFalse(Operation.with_user(elsewhere).search([]))
        self.assertFalse(Operation.with_user(elsewhere).search_count([('order_id', '=', mine.id)]))

        portal = new_test_user(self.env, login='desk_portal_ops', groups='base.group_portal')
        with self.assertRaises(AccessError):
            Operation.with_user(portal).search([])
