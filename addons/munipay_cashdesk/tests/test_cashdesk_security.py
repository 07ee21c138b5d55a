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
