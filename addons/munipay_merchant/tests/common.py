from uuid import uuid4

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.munipay_cashdesk.tests.common_wallet import WalletTopupCommon


class MunipayMerchantCommon(WalletTopupCommon):
    """The test municipality's canteen wallets, topped up at a pharmacy's restricted POS."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.merchant = cls.env['res.partner'].create({'name': 'Farmacia Centrale', 'is_company': True})
        cls.other_merchant = cls.env['res.partner'].create({'name': 'Tabaccheria Sud', 'is_company': True})
        cls.fee_transport = cls.env['munipay.fee.type'].create({
            'name': 'School bus', 'code': 'BUS', 'category': 'service', 'product_id': cls.product_fee.id,
            'amount': 10.0})
        cls.merchant_config, cls.merchant_cash_pm = cls.make_merchant_config(cls.merchant, 'Farmacia Centrale', 'FCC')
        cls.other_config, cls.other_cash_pm = cls.make_merchant_config(cls.other_merchant, 'Tabaccheria Sud', 'TSC')
        cls.merchant_user = new_test_user(
            cls.env, login='farmacia_test', groups='munipay_base.group_merchant', name='Farmacia cashier',
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])
        cls.merchant_user.munipay_merchant_partner_id = cls.merchant
        cls.other_user = new_test_user(
            cls.env, login='tabaccheria', groups='munipay_base.group_merchant', name='Tabaccheria cashier',
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])
        cls.other_user.munipay_merchant_partner_id = cls.other_merchant
        cls.transport_wallet = cls.env['munipay.wallet'].create({
            'holder_id': cls.payer.id, 'beneficiary_id': cls.payer_2.id, 'service_fee_type_id': cls.fee_transport.id})

    @classmethod
    def make_merchant_config(cls, merchant, name, code):
        journal = cls.env['account.journal'].create({
            'name': '%s till' % name, 'type': 'cash', 'code': code, 'company_id': cls.company.id})
        cash_pm = cls.env['pos.payment.method'].create({
            'name': 'Merchant cash', 'journal_id': journal.id, 'company_id': cls.company.id})
        config = cls.env['pos.config'].create({
            'name': name, 'company_id': cls.company.id, 'payment_method_ids': [Command.set(cash_pm.ids)],
            'munipay_merchant_partner_id': merchant.id,
            'munipay_merchant_fee_type_ids': [Command.set(cls.fee_canteen.ids)],
            'munipay_merchant_commission_percent': 2.0,
            'munipay_merchant_commission_fixed': 0.10,
        })
        return config, cash_pm

    def open_merchant_session(self, config=None):
        config = config or self.merchant_config
        config.open_ui()
        session = config.current_session_id
        session.set_opening_control(0, None)
        return session

    def merchant_sale(self, session, lines, amount, user=None):
        """A sale as the merchant's POS sends it, synced by the merchant user."""
        user = user or self.merchant_user
        return self.merchant_sync(self.merchant_sale_data(session, lines, amount, user), user)

    def merchant_sale_data(self, session, lines, amount, user=None):
        user = user or self.merchant_user
        uuid = str(uuid4())
        return {
            'amount_paid': amount, 'amount_return': 0, 'amount_tax': 0, 'amount_total': amount,
            'date_order': fields.Datetime.to_string(fields.Datetime.now()),
            'fiscal_position_id': False, 'pricelist_id': session.config_id.pricelist_id.id,
            'name': 'Order %s' % uuid, 'last_order_preparation_change': '{}', 'lines': lines,
            'partner_id': False, 'session_id': session.id, 'sequence_number': 2,
            'payment_ids': [Command.create({'amount': amount, 'name': fields.Datetime.now(),
                                            'payment_method_id': session.config_id.payment_method_ids[:1].id})],
            'uuid': uuid, 'user_id': user.id, 'to_invoice': False, 'state': 'paid',
        }

    def merchant_sync(self, data, user=None):
        """``data`` sent by the merchant's POS (again, when it was sent already)."""
        result = self.env['pos.order'].with_user(user or self.merchant_user).sync_from_ui([data])
        return self.env['pos.order'].browse(result['pos.order'][0]['id'])
