from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import MunipayPortalCommon, RpcError


@tagged('post_install', '-at_install')
class TestPortalRouting(MunipayPortalCommon):
    """Which providers may collect a fee, and what they learn about the payer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a second demo provider with a payment method of its own, so that the form lists both
        method_2 = cls.env.ref('payment_demo.payment_method_demo').sudo().copy({
            'name': 'Demo Two', 'code': 'demo_two', 'provider_ids': [Command.clear()]})
        cls.provider_2 = cls._demo_provider('Demo Two')
        cls.provider_2.payment_method_ids = method_2

    def offered(self, order):
        page = self.get(self.link(order)).text
        return {p for p in (self.provider, self.provider_2) if f'data-provider-id="{p.id}"' in page}

    def test_fee_type_routes_to_its_providers_up_to_their_maximum(self):
        order = self.make_order()  # 22.21
        token = order._portal_ensure_token()
        self.assertEqual(self.offered(order), {self.provider, self.provider_2})
        # the first provider only up to 20.00 for identity cards: the second alone fits
        self.fee_card.portal_provider_ids = [
            Command.create({'provider_id': self.provider.id, 'amount_max': 20.0}),
            Command.create({'provider_id': self.provider_2.id}),
        ]
        self.assertEqual(self.offered(order), {self.provider_2})
        with self.assertRaisesRegex(RpcError, 'cannot collect'):
            self.start_transaction(order, access_token=token, provider=self.provider)
        # Odoo's own limit of the provider still holds on top of the fee's
        self.provider_2.maximum_amount = 10.0
        self.assertEqual(self.offered(order), set())
        with self.assertRaisesRegex(RpcError, 'cannot collect'):
            self.start_transaction(order, access_token=token, provider=self.provider_2)
        self.provider_2.maximum_amount = 0.0
        values = self.start_transaction(order, access_token=token, provider=self.provider_2)
        self.assertEqual(self.transaction(values['reference']).provider_id, self.provider_2)
        # a fee without providers listed may be collected by any of them
        fine = self.make_order(self.fee_fine)
        self.assertEqual(self.offered(fine), {self.provider, self.provider_2})

    def test_limit_counts_the_orders_of_a_fee_type_together(self):
        self.fee_card.portal_provider_ids = [Command.create({'provider_id': self.provider.id, 'amount_max': 50.0})]
        first, second, third = self.make_order(), self.make_order(), self.make_order()
        Provider = self.env['payment.provider'].sudo()
        providers = self.provider | self.provider_2
        self.assertEqual(providers._munipay_allowed_for((first | second).sudo()), self.provider)
        self.assertEqual(providers._munipay_allowed_for((first | second | third).sudo()), Provider)
        self.authenticate('citizen_a', 'citizen_a')
        with self.assertRaisesRegex(RpcError, 'cannot collect'):
            self.start_transaction(first | second | third)
        self.assertTrue(self.start_transaction(first | second)['reference'])

    def test_provider_of_another_company_is_refused_on_a_fee_type(self):
        other_company = self.setup_other_company()['company']
        foreign = self.env.ref('payment.payment_provider_demo').sudo().copy({'company_id': other_company.id})
        with self.assertRaises(ValidationError):
            self.fee_card.portal_provider_ids = [Command.create({'provider_id': foreign.id})]

    def test_provider_sees_a_pseudonym_unless_the_fee_allows_personal_data(self):
        order = self.make_order()
        values = self.start_transaction(order, access_token=order._portal_ensure_token())
        tx = self.transaction(values['reference'])
        # what goes to the provider: the transaction's reference and payer fields
        self.assertRegex(tx.reference, r'^MP[2-9A-Z]{10}$')
        for personal in (order.name, order.payment_reference, self.payer.name):
            self.assertNotIn(personal, tx.reference)
            self.assertNotIn(personal, str(values))
        self.assertEqual(tx.partner_name, tx.reference)
        self.assertEqual(
            [tx[f] for f in ('partner_email', 'partner_address', 'partner_zip', 'partner_city', 'partner_phone')],
            [False] * 5)
        self.assertFalse(tx.partner_state_id or tx.partner_country_id)
        # the payment is still booked on the payer, who stays known to the municipality
        self.demo_pay(tx.reference)
        payment = self.assertPaidOnline(order, tx, 22.21)
        self.assertEqual(payment.partner_id, self.payer)

        self.fee_fine.portal_personal_data = True
        self.payer.write({'country_id': self.env.ref('base.it').id, 'zip': '00100', 'phone': '+39 06 1234567'})
        fine = self.make_order(self.fee_fine)
        tx = self.transaction(self.start_transaction(fine, access_token=fine._portal_ensure_token())['reference'])
        self.assertEqual(tx.reference, fine.payment_reference)
        self.assertEqual((tx.partner_name, tx.partner_email, tx.partner_address, tx.partner_city, tx.partner_zip,
                          tx.partner_country_id, tx.partner_phone),
                         ('Mario Rossi', 'mario.rossi@example.com', 'Via Roma 12', 'Roma', '00100',
                          self.env.ref('base.it'), '+39 06 1234567'))
        # orders paid together are pseudonymised when any of their fees asks for it
        self.authenticate('citizen_a', 'citizen_a')
        both = self.transaction(self.start_transaction(self.make_order(self.fee_fine) | self.make_order())['reference'])
        self.assertTrue(both.reference.startswith('MP'))
        self.assertFalse(both.partner_email)
