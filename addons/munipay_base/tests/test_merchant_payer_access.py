from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import MunipayCommon


@tagged('post_install', '-at_install')
class TestMerchantAccess(MunipayCommon):
    """A merchant reads what a top-up needs, nothing more."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_canteen = cls.env['munipay.fee.type'].create({
            'name': 'Canteen', 'code': 'MENSA', 'category': 'topup', 'product_id': cls.product_fee.id,
            'amount': 4.5})
        cls.merchant = new_test_user(cls.env, login='merchant_shop', groups='munipay_base.group_merchant')
        cls.wallet = cls.env['munipay.wallet'].create({
            'holder_id': cls.payer.id, 'beneficiary_id': cls.payer_2.id, 'service_fee_type_id': cls.fee_canteen.id})
        cls.wallet._munipay_credit(20.0, cls.cash_journal.default_account_id)

    def test_merchant_reads_no_wallet_directly(self):
        """A merchant's Point of Sale finds a wallet through its lookup (initials, service,
        balance): a merchant user reads no wallet itself, so no holder's or beneficiary's name."""
        Wallet = self.env['munipay.wallet'].with_user(self.merchant)
        for call in (lambda: Wallet.search([('pan', '=', self.wallet.pan)]),
                     lambda: Wallet.search_read([], ['pan', 'display_name', 'holder_id']),
                     lambda: self.wallet.with_user(self.merchant).read(['pan', 'balance']),
                     lambda: self.wallet.with_user(self.merchant).write({'beneficiary_id': self.payer.id}),
                     lambda: Wallet.create({'holder_id': self.payer.id, 'service_fee_type_id': self.fee_canteen.id})):
            with self.assertRaises(AccessError):
                call()
        # staff that are also merchants keep seeing every wallet, archived and of any service
        archived = self.env['munipay.wallet'].create({
            'holder_id': self.payer.id, 'service_fee_type_id': self.fee_canteen.id, 'active': False})
        not_prepaid = self.env['munipay.wallet'].create({'holder_id': self.payer.id, 'service_fee_type_id': self.fee_card.id})
        cashier = new_test_user(self.env, login='cashier_merchant',
                                groups='munipay_base.group_cashier,munipay_base.group_merchant')
        self.assertEqual(self.env['munipay.wallet'].with_user(cashier).with_context(active_test=False).search(
            [('id', 'in', (archived | not_prepaid | self.wallet).ids)]), archived | not_prepaid | self.wallet)

    def test_merchant_cannot_read_national_ids(self):
        payer = self.payer.with_user(self.merchant)
        with self.assertRaises(AccessError):
            payer.read(['munipay_national_id'])
        with self.assertRaises(AccessError):
            payer.munipay_national_id  # noqa: B018
        with self.assertRaises(AccessError):
            self.env['res.partner'].with_user(self.merchant).search([('munipay_national_id', '=', 'RSSMRA70C03H501D')])
        self.assertNotIn('munipay_national_id', payer.fields_get())
        cashier = new_test_user(self.env, login='cashier_ids', groups='munipay_base.group_cashier')
        self.assertEqual(self.payer.with_user(cashier).munipay_national_id, 'RSSMRA70C03H501D')

    def test_merchant_sees_no_payment_orders(self):
        order = self.make_order()
        with self.assertRaises(AccessError):
            order.with_user(self.merchant).read(['name'])
        with self.assertRaises(AccessError):
            self.payer.with_user(self.merchant).read(['munipay_payment_order_ids'])


@tagged('post_install', '-at_install')
class TestPayerSearch(MunipayCommon):
    """One-box payer search in munipay's views only; Odoo's autocomplete elsewhere is unchanged."""

    def test_widened_only_in_munipay_views(self):
        Partner = self.env['res.partner']
        Payers = Partner.with_context(munipay_payer_search=True)
        for term in ('RSSMRA70C03H501D', 'mario.rossi@example', 'Via Roma', 'Mario'):
            self.assertIn(self.payer, Payers.search([('display_name', 'ilike', term)]), term)
            self.assertIn(self.payer.id, [pid for pid, _name in Payers.name_search(term)], term)
        self.assertNotIn(self.payer_2, Payers.search([('display_name', 'ilike', 'RSSMRA70C03H501D')]))
        for term in ('RSSMRA70C03H501D', 'Via Roma'):
            self.assertNotIn(self.payer, Partner.search([('display_name', 'ilike', term)]), term)
            self.assertNotIn(self.payer.id, [pid for pid, _name in Partner.name_search(term)], term)
        # e-mail and name stay what Odoo searches anyway
        self.assertIn(self.payer, Partner.search([('display_name', 'ilike', 'mario.rossi@example')]))

    def test_users_outside_munipay_search_partners(self):
        employee = new_test_user(self.env, login='employee_only', groups='base.group_user')
        for context in ({}, {'munipay_payer_search': True}):
            Partner = self.env['res.partner'].with_user(employee).with_context(**context)
            self.assertIn(self.payer.id, [pid for pid, _name in Partner.name_search('Mario Rossi')])
            self.assertNotIn(self.payer.id, [pid for pid, _name in Partner.name_search('RSSMRA70C03H501D')])
            self.assertIn(self.payer.id, [pid for pid, _name in Partner.name_search('Mario')])


@tagged('post_install', '-at_install')
class TestPayersView(MunipayCommon):
    """"Payers" is munipay's own view of partners."""

    def test_payers_action_uses_munipay_views(self):
        action = self.env['ir.actions.act_window']._for_xml_id('munipay_base.action_munipay_payers')
        self.assertNotIn('kanban', action['view_mode'])
        self.assertEqual([(view_id, mode) for view_id, mode in action['views']], [
            (self.env.ref('munipay_base.munipay_payer_view_list').id, 'list'),
            (self.env.ref('munipay_base.munipay_payer_view_form').id, 'form'),
        ])
        self.assertEqual(action['search_view_id'][0], self.env.ref('munipay_base.munipay_payer_view_search').id)
        self.assertIn("'munipay_payer_search': True", action['context'])
        Partner = self.env['res.partner'].with_context(munipay_payer_search=True)
        list_arch = Partner.get_view(action['views'][0][0], 'list')['arch']
        for fname in ('munipay_national_id', 'city', 'munipay_amount_open', 'munipay_open_order_count'):
            self.assertIn('name="%s"' % fname, list_arch)
        form_arch = Partner.get_view(action['views'][1][0], 'form')['arch']
        for fname in ('munipay_national_id', 'munipay_amount_open', 'munipay_payment_order_ids'):
            self.assertIn('name="%s"' % fname, form_arch)
        self.assertIn('action_view_munipay_payment_orders', form_arch)

    def test_open_amount_and_orders(self):
        open_order = self.make_order(amount=30.0)
        partly_paid = self.make_order(amount=50.0)
        self.register_native(partly_paid.receivable_line_id, 'account.move.line', amount=20.0,
                             payment_difference_handling='open')
        paid = self.make_order(amount=10.0)
        self.register_native(paid.receivable_line_id, 'account.move.line')
        self.make_order(amount=99.0, issue=False)
        self.make_order(partner=self.payer_2, amount=7.0)
        self.assertEqual(paid.state, 'paid')
        self.payer.invalidate_recordset()
        self.assertEqual(self.payer.munipay_open_order_count, 2)
        self.assertEqual(self.payer.munipay_amount_open, 60.0)  # 30 + (50 - 20)
        self.assertEqual(self.payer.munipay_payment_order_count, 4)
        self.assertEqual(self.payer_2.munipay_amount_open, 7.0)
        action = self.payer.with_context(munipay_open_only=True).action_view_munipay_payment_orders()
        self.assertEqual(self.env['munipay.payment.order'].search(action['domain']),
                         open_order | partly_paid | paid | self.payer.munipay_payment_order_ids.filtered(lambda o: o.state == 'draft'))
        self.assertTrue(action['context']['search_default_issued'])

    def test_order_number_not_truncated(self):
        arch = self.env['munipay.payment.order'].get_view(
            self.env.ref('munipay_base.munipay_payment_order_view_list').id, 'list')['arch']
        self.assertRegex(arch, r'<field name="name"[^>]* width="\d+px"')
