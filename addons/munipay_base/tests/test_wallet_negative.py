from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MunipayCommon


@tagged('post_install', '-at_install')
class TestWalletNegativeBalance(MunipayCommon):
    """A service charges beyond the balance only where its fee type allows it, and only down to its limit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_canteen = cls.env['munipay.fee.type'].create({
            'name': 'Canteen', 'code': 'MENSA', 'category': 'topup', 'product_id': cls.product_fee.id,
            'amount': 4.5, 'amount_max': 200.0})
        cls.wallet = cls.env['munipay.wallet'].create({
            'holder_id': cls.payer.id, 'beneficiary_id': cls.payer_2.id, 'service_fee_type_id': cls.fee_canteen.id})
        cls.wallet._munipay_credit(5.0, cls.cash_journal.default_account_id)

    def test_refused_beyond_balance_by_default(self):
        with self.assertRaisesRegex(UserError, 'less than'):
            self.wallet._munipay_charge(9.0)
        self.assertEqual(self.wallet.balance, 5.0)
        self.assertEqual(len(self.wallet.line_ids), 1, "nothing half-written")

    def test_allowed_down_to_the_limit(self):
        self.fee_canteen.write({'wallet_negative_allowed': True, 'wallet_negative_limit': 10.0})
        move = self.wallet._munipay_charge(9.0)
        self.assertEqual(self.wallet.balance, -4.0)
        self.assertRecordValues(move.line_ids.sorted('debit'), [
            {'account_id': self.income_account.id, 'debit': 0.0, 'credit': 9.0},
            {'account_id': self.company.munipay_wallet_account_id.id, 'debit': 9.0, 'credit': 0.0},
        ])
        self.wallet._munipay_charge(6.0)
        self.assertEqual(self.wallet.balance, -10.0)
        with self.assertRaisesRegex(UserError, r'may go down to'):
            self.wallet._munipay_charge(0.01)
        self.assertEqual(self.wallet.balance, -10.0)
        # the limit only counts while the service allows it
        self.fee_canteen.wallet_negative_allowed = False
        with self.assertRaisesRegex(UserError, 'less than'):
            self.wallet._munipay_charge(0.01)
        self.assertBalanced()

    def test_topup_limits_from_the_service(self):
        self.assertEqual(self.wallet._munipay_topup_limits(), (4.5, 200.0))
        self.fee_canteen.write({'amount': 0.0, 'amount_max': 0.0})
        self.assertEqual(self.wallet._munipay_topup_limits(), (0.01, None))
