from odoo.addons.munipay_cashdesk.models import munipay_wallet_pos

from .common import MunipayCashdeskCommon


class WalletTopupCommon(MunipayCashdeskCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wallet_product = cls.env.ref('munipay_cashdesk.product_wallet_topup')
        cls.fee_canteen = cls.env['munipay.fee.type'].create({
            'name': 'School canteen', 'code': 'MENSA', 'category': 'topup', 'product_id': cls.product_fee.id,
            'amount': 5.0, 'amount_max': 200.0})
        cls.wallet = cls.env['munipay.wallet'].create({
            'holder_id': cls.payer.id, 'beneficiary_id': cls.payer_2.id, 'service_fee_type_id': cls.fee_canteen.id})
        cls.liability = cls.company.munipay_wallet_account_id

    def setUp(self):
        super().setUp()
        munipay_wallet_pos._misses._misses.clear()

    def topup_line(self, amount, wallet=None, **vals):
        return self.order_line(amount, product_id=self.wallet_product.id, name='Top-up',
                               munipay_wallet_id=(wallet or self.wallet).id, **vals)

    def wallet_items(self, wallet=None):
        return (wallet or self.wallet).line_ids.filtered(lambda l: l.parent_state == 'posted')
