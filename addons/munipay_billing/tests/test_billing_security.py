from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import new_test_user, tagged

from .common import BillingCommon


@tagged('post_install', '-at_install')
class TestBillingSecurity(BillingCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, login='billing_officer', groups='base.group_user,munipay_base.group_officer',
                                    company_id=cls.company.id, company_ids=[cls.company.id])
        cls.cashier = new_test_user(cls.env, login='billing_cashier', groups='base.group_user,munipay_base.group_cashier',
                                    company_id=cls.company.id, company_ids=[cls.company.id])

    def test_officer_cannot_read_credentials(self):
        system = self.soap_system.with_user(self.officer)
        self.assertEqual(system.name, 'Waste billing (SOAP)')
        for secret in ('password', 'username', 'api_key'):
            with self.assertRaises(AccessError):
                system.read([secret])
        with self.assertRaises(AccessError):
            system.search_read([], ['password'])
        with self.assertRaises(AccessError):
            system.write({'wsdl_url': 'http://127.0.0.1:1/evil?wsdl'})
        self.assertEqual(self.soap_system.password, 'soap-secret', "managers read them")

    def test_cashier_looks_up_without_seeing_credentials(self):
        info = self.env['munipay.billing.system'].with_user(self.cashier).lookup_account('W-1001')
        self.assertEqual(info['holder'], 'Mario Rossi')
        with self.assertRaises(AccessError):
            self.rest_system.with_user(self.cashier).read(['api_key'])
        with self.assertRaises(AccessError):
            self.env['munipay.billing.outbox'].with_user(self.cashier).search([])

    def test_cashier_payment_is_queued_and_officer_cannot_retry(self):
        order = self.pay_order(self.rest_system)
        outbox = order.billing_outbox_ids.with_user(self.officer)
        self.assertEqual(outbox.state, 'pending', "officers see the outbox")
        with self.assertRaises(AccessError):
            outbox.action_retry_now()
        with self.assertRaises(AccessError):
            self.rest_system.with_user(self.officer).post_payment('W-1001', 5.0, 'x', 'key-1')
        self.assertFalse(self.rest.requests)

    def test_cashier_opens_orders_and_wallets_without_the_outbox(self):
        order = self.pay_order(self.rest_system)
        for model in ('munipay.payment.order', 'munipay.wallet'):
            arch = self.env[model].with_user(self.cashier).get_views([(False, 'form')])['views']['form']['arch']
            self.assertIn('billing_system_id', arch)
            self.assertNotIn('billing_outbox_ids', arch)
            arch = self.env[model].with_user(self.officer).get_views([(False, 'form')])['views']['form']['arch']
            self.assertIn('billing_outbox_ids', arch)
        self.assertEqual(order.with_user(self.cashier).read(['billing_system_id', 'billing_account_number'])[0][
            'billing_account_number'], 'W-1001')

    def test_menus_for_managers_only(self):
        menus = self.env.ref('munipay_billing.menu_munipay_billing_systems') | self.env.ref(
            'munipay_billing.menu_munipay_billing_outbox')
        visible = self.env['ir.ui.menu'].with_user(self.officer)._visible_menu_ids()
        self.assertFalse(set(menus.ids) & visible)
        self.assertEqual(set(menus.ids) & self.env['ir.ui.menu']._visible_menu_ids(), set(menus.ids))

    def test_neutralize_clears_credentials_and_stops_the_systems(self):
        order = self.pay_order(self.rest_system)
        self.env.flush_all()
        for query in get_neutralization_queries(['munipay_billing']):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        systems = (self.rest_system | self.soap_system).with_context(active_test=False)
        self.assertEqual(systems.mapped('active'), [False, False])
        self.assertEqual(systems.mapped('api_key') + systems.mapped('password'), [False] * 4)
        self.assertEqual(self.rest_system.base_url, self.rest.url)
        self.assertFalse(self.run_job(order.billing_outbox_ids), "nothing is posted from a copy")
        with self.assertRaisesRegex(UserError, 'is archived'):
            order.billing_outbox_ids.action_retry_now()
        self.assertFalse(self.rest.requests)
        self.assertEqual(order.billing_outbox_ids.state, 'pending')

    def test_invalid_settings_are_refused(self):
        with self.assertRaisesRegex(ValidationError, 'mapping of Water billing \\(REST\\) is not valid'):
            self.rest_system.map_amount = 'payment.customer'
        with self.assertRaisesRegex(ValidationError, 'is not valid'):
            self.rest_system.map_holder = 'data..name'
        with self.assertRaisesRegex(ValidationError, 'is not valid'):
            self.soap_system.map_reference = 'Ref erence'
        with self.assertRaisesRegex(ValidationError, 'needs an http\\(s\\) base URL'):
            self.rest_system.base_url = 'ftp://billing.example.org'
        with self.assertRaisesRegex(ValidationError, 'retry policy'):
            self.rest_system.retry_max_delay = 10
        with self.assertRaisesRegex(ValidationError, 'both a billing system and an account number'):
            self.make_order(billing_system_id=self.rest_system.id, issue=False)
