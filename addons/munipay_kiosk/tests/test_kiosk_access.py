from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import MunipayKioskCommon


@tagged('post_install', '-at_install')
class TestKioskAccess(MunipayKioskCommon):
    """Only the kiosk's own user runs its page and books there; a Point of Sale manager
    may open it for support; any other Point of Sale user of the municipality may not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cashier = new_test_user(
            cls.env, login='desk_cashier', groups='base.group_user,point_of_sale.group_pos_user',
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])
        cls.manager = new_test_user(
            cls.env, login='pos_manager', groups='base.group_user,point_of_sale.group_pos_manager',
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])

    def test_other_pos_users_are_refused(self):
        order = self.make_order()
        with self.assertRaisesRegex(AccessError, 'its own user only'):
            self.lookup(order.payment_reference, user=self.cashier)
        with self.assertRaisesRegex(AccessError, 'its own user only'):
            self.book(self.new_key(), order, [2000, 1000], user=self.cashier)
        with self.assertRaisesRegex(AccessError, 'its own user only'):
            self.env(user=self.cashier)['pos.config']._munipay_kiosk_check(self.kiosk.id)
        self.assertFalse(self.env['munipay.kiosk.payment'].search([]))
        self.assertEqual(order.state, 'issued')
        self.assertFalse(self.kiosk_session())

    def test_the_kiosk_user_runs_only_its_own_kiosk(self):
        journal = self.env['account.journal'].create({
            'name': 'Kiosk 2 cash', 'type': 'cash', 'code': 'KIO2', 'company_id': self.company.id})
        method = self.env['pos.payment.method'].create({
            'name': 'Kiosk 2 cash', 'journal_id': journal.id, 'company_id': self.company.id})
        kiosk_2 = self.env['pos.config'].create({
            'name': 'Kiosk 2', 'company_id': self.company.id, 'munipay_kiosk': True,
            'payment_method_ids': [Command.set(method.ids)]})
        order = self.make_order()
        with self.assertRaisesRegex(AccessError, 'its own user only'):
            self.book(self.new_key(), order, [2000, 1000], config=kiosk_2)
        self.assertEqual(self.lookup(order.payment_reference)['status'], 'ok', "its own kiosk")
        self.assertEqual(order.state, 'issued')

    def test_a_manager_may_open_it_for_support(self):
        order = self.make_order()
        self.assertEqual(self.lookup(order.payment_reference, user=self.manager)['status'], 'ok')
        answer = self.book(self.new_key(), order, [2000, 1000], user=self.manager)
        self.assertEqual(answer['outcome'], 'paid')

    def test_the_page_is_refused_to_another_user(self):
        self.authenticate('desk_cashier', 'desk_cashier')
        page = self.url_open('/munipay/kiosk/%d' % self.kiosk.id)
        self.assertEqual(page.status_code, 403)
        self.assertNotIn('kiosk-token', page.text)
        self.authenticate('kiosk_1', 'kiosk_1')
        self.assertEqual(self.url_open('/munipay/kiosk/%d' % self.kiosk.id).status_code, 200)

    def test_the_kiosk_user_is_a_pos_user_of_the_municipality(self):
        clerk = new_test_user(self.env, login='clerk_2', groups='base.group_user',
                              company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        with self.assertRaisesRegex(ValidationError, 'must be a Point of Sale user'):
            self.kiosk.munipay_kiosk_user_id = clerk
