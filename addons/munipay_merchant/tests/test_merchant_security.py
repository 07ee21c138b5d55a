from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import MunipayMerchantCommon


@tagged('post_install', '-at_install')
class TestMerchantSecurity(MunipayMerchantCommon):
    """A merchant sees its own merchant's sales and receipts, nothing of other merchants or the office."""

    def test_merchants_see_only_their_own_sales_and_receipts(self):
        session = self.open_merchant_session()
        own = self.merchant_sale(session, [self.topup_line(20.0)], 20.0)
        other_session = self.open_merchant_session(self.other_config)
        self.other_config.munipay_merchant_fee_type_ids |= self.fee_canteen
        other = self.merchant_sale(other_session, [self.topup_line(25.0)], 25.0, user=self.other_user)
        desk_session = self.open_session()
        desk = self.sale(desk_session, [self.topup_line(5.0)], [(self.cash_pm, 5.0)])
        colleague = self.merchant_user.copy({'login': 'farmacia2', 'munipay_merchant_partner_id': self.merchant.id})
        for user in (self.merchant_user, colleague):
            Order = self.env['pos.order'].with_user(user)
            self.assertEqual(Order.search([]), own, user.login)
            self.assertEqual(self.env['pos.config'].with_user(user).search([]), self.merchant_config)
            self.assertEqual(self.env['munipay.receipt'].with_user(user).search([]),
                             own.lines.munipay_wallet_receipt_id, user.login)
            self.assertEqual(self.env['munipay.merchant.statement'].with_user(user).search([]).pos_order_id, own)
            for record in (other, desk, other.lines.munipay_wallet_receipt_id, desk.lines.munipay_wallet_receipt_id,
                           self.other_config, desk_session):
                with self.assertRaises(AccessError, msg=f"{user.login} reads {record}"):
                    record.with_user(user).read(['id'])
        # a Point of Sale manager keeps seeing everything
        self.assertEqual(self.env['pos.order'].search([('id', 'in', (own | other | desk).ids)]), own | other | desk)

    def test_merchant_cannot_read_national_id(self):
        with self.assertRaises(AccessError):
            self.wallet.with_user(self.merchant_user).read(['pan'])
        for partner in (self.wallet.holder_id, self.wallet.beneficiary_id):
            partner = partner.with_user(self.merchant_user)
            for fname in ('name', 'vat', 'munipay_national_id', 'munipay_card_number'):
                with self.assertRaises(AccessError, msg=fname):
                    partner.read([fname])
        # what Odoo's POS and Discuss show stays readable: the user, its merchant, its company
        Partner = self.env['res.partner'].with_user(self.merchant_user)
        for partner in (self.merchant_user.partner_id, self.merchant, self.company.partner_id, self.env.user.partner_id):
            self.assertEqual(Partner.browse(partner.id).read(['name'])[0]['name'], partner.name)
        self.assertFalse(Partner.search([('id', 'in', (self.payer | self.payer_2).ids)]))
        # a cashier who is a merchant too keeps reading payers
        self.merchant_user.groups_id |= self.env.ref('munipay_base.group_cashier')
        self.assertEqual(Partner.browse(self.payer.id).read(['name'])[0]['name'], self.payer.name)

    def test_nothing_leaks_over_json_rpc(self):
        """What the merchant's browser can ask Odoo for: no wallet, no citizen's name, VAT or
        fiscal code; the POS lookup answers with initials, service, balance and a masked PAN."""
        self.payer.vat = 'IT12345670017'
        self.wallet._munipay_credit(3.5, self.cash_journal.default_account_id)
        self.merchant_config.open_ui()
        self.authenticate('farmacia_test', 'farmacia_test')

        def call(model, method, *args, **kwargs):
            return self.make_jsonrpc_request(f'/web/dataset/call_kw/{model}/{method}', {
                'model': model, 'method': method, 'args': list(args), 'kwargs': kwargs})

        for args in (([], ['pan', 'display_name', 'holder_id', 'beneficiary_id']), ([('pan', '=', self.wallet.pan)],)):
            with self.assertRaisesRegex(JsonRpcException, 'AccessError'), mute_logger('odoo.http'):
                call('munipay.wallet', 'search_read', *args)
        partner_fields = [f for f in ('name', 'vat', 'l10n_it_codice_fiscale') if f in self.env['res.partner']._fields]
        rows = call('res.partner', 'search_read', [], partner_fields)
        ids = {row['id'] for row in rows}
        self.assertFalse(ids & set((self.payer | self.payer_2).ids))
        self.assertNotIn('IT12345670017', str(rows))
        for fname in ('munipay_national_id', 'munipay_card_number'):
            with self.assertRaisesRegex(JsonRpcException, 'AccessError'), mute_logger('odoo.http'):
                call('res.partner', 'search_read', [], [fname])

        found = call('munipay.wallet', 'munipay_pos_wallet_lookup', self.merchant_config.id, self.wallet.pan)
        self.assertEqual((found['status'], found['wallet_ids']), ('ok', self.wallet.ids))
        [values] = found['records']['munipay.wallet']
        self.assertEqual((values['pan'], values['pos_initials'], values['pos_service_name'], values['pos_balance']),
                         ('******' + self.wallet.pan[-4:], 'G. B.', 'School canteen', 3.5))
        self.assertNotIn('Bianchi', str(found))
        self.assertNotIn('Rossi', str(found))
        # by name too, the answer holds the initials only
        found = call('munipay.wallet', 'munipay_pos_wallet_lookup', self.merchant_config.id, 'Bianchi')
        self.assertEqual(found['wallet_ids'], self.wallet.ids)
        self.assertNotIn('Bianchi', str(found['records']))
        # another merchant's Point of Sale answers nothing
        with self.assertRaisesRegex(JsonRpcException, 'AccessError'), mute_logger('odoo.http'):
            call('munipay.wallet', 'munipay_pos_wallet_lookup', self.other_config.id, self.wallet.pan)

    def test_merchant_user_is_a_point_of_sale_user(self):
        self.assertTrue(self.merchant_user.has_group('point_of_sale.group_pos_user'))
        self.assertFalse(self.merchant_user.has_group('point_of_sale.group_pos_manager'))
        self.assertFalse(self.merchant_user.has_group('munipay_base.group_cashier'))

    def test_merchant_pos_loads_no_product_categories(self):
        self.env['pos.category'].create({'name': 'Town hall certificates'})
        session = self.open_merchant_session()
        data = session.with_user(self.merchant_user).load_data(['pos.config', 'pos.category'])
        self.assertEqual(data['pos.category']['data'], [])
        # a point of sale that is not a merchant's keeps its categories
        self.other_config.munipay_merchant_partner_id = False
        self.other_config.open_ui()
        other = self.other_config.current_session_id
        self.assertTrue(other.load_data(['pos.config', 'pos.category'])['pos.category']['data'])
