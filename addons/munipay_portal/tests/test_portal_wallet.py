import re

from odoo.tests import tagged

from .common import MunipayPortalCommon, RpcError


@tagged('post_install', '-at_install')
class TestPortalWallet(MunipayPortalCommon):
    """The holder's prepaid wallets on the portal: balance, history, online top-up, receipts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._canteen()

    def test_topup_online_credits_the_wallet_through_the_outstanding_account(self):
        self.wallet._munipay_credit(10.0, self.cash_journal.default_account_id)
        self.authenticate('citizen_a', 'citizen_a')
        page = self.get(f'{self.wallet.access_url}?amount=25,50')
        self.assertEqual(page.status_code, 200)
        self.assertIn('o_payment_form', page.text)
        self.assertIn(f'data-transaction-route="/my/munipay/wallets/{self.wallet.id}/transaction"', page.text)
        self.assertIn('data-amount="25.5"', page.text)
        values = self.start_topup(self.wallet, 25.5)
        tx = self.transaction(values['reference'])
        self.assertEqual((tx.munipay_wallet_id, tx.amount, tx.partner_id, tx.state),
                         (self.wallet, 25.5, self.payer, 'draft'))
        # the provider learns neither the holder nor the wallet's number
        self.assertTrue(tx.reference.startswith('MW'))
        self.assertNotIn(self.wallet.pan, tx.reference)
        self.assertEqual((tx.partner_name, tx.partner_email, tx.partner_address), (tx.reference, False, False))
        status = self.demo_pay(tx.reference)
        self.assertEqual((status['state'], status['landing_route']), ('done', self.wallet.access_url))
        receipt = self.assertToppedUpOnline(self.wallet, tx, 25.5, 35.5)
        self.assertFalse(tx.payment_id, "no payment order is paid")
        # post-processing twice books nothing twice
        tx._create_payment()
        self.assertEqual(self.wallet.balance, 35.5)

        page = self.url_open(self.wallet.access_url)
        self.assertIn(receipt.name, page.text)
        self.assertIn('35.50', page.text)
        pdf = self.get(f'/my/munipay/wallets/{self.wallet.id}/receipts/{receipt.id}?download=true')
        self.assertEqual((pdf.status_code, pdf.headers['Content-Type']), (200, 'application/pdf'))
        self.assertBalanced()

    def test_personal_data_allowed_names_the_wallet(self):
        self.fee_canteen.portal_personal_data = True
        self.authenticate('citizen_a', 'citizen_a')
        tx = self.transaction(self.start_topup(self.wallet, 20)['reference'])
        self.assertTrue(tx.reference.startswith('W' + self.wallet.pan))
        self.assertEqual(tx.partner_email, self.payer.email)

    def test_topup_amount_within_the_service_limits(self):
        self.authenticate('citizen_a', 'citizen_a')
        for amount, error in (('4.99', 'at least'), ('150.01', 'at most'), ('10.001', 'decimals'),
                              ('abc', 'Enter the amount'), ('-5', 'at least'), ('nan', 'Enter the amount')):
            page = self.get(f'{self.wallet.access_url}?amount={amount}')
            self.assertEqual(page.status_code, 200)
            self.assertIn('o_munipay_topup_error', page.text, amount)
            self.assertIn(error, page.text, amount)
            self.assertNotIn('o_payment_form', page.text, amount)
        for amount in (4.99, 150.01, 10.001, -5, None):
            with self.assertRaises(RpcError):
                self.start_topup(self.wallet, amount)
        self.assertIn('o_payment_form', self.get(f'{self.wallet.access_url}?amount=150').text)
        self.assertIn('o_payment_form', self.get(f'{self.wallet.access_url}?amount=5').text)
        self.assertFalse(self.env['payment.transaction'].search([('munipay_wallet_id', '!=', False)]))
        # a closed wallet keeps its page and history, and takes no top-up
        self.wallet.active = False
        with self.assertRaises(RpcError):
            self.start_topup(self.wallet, 20)
        page = self.get(self.wallet.access_url)
        self.assertEqual(page.status_code, 200)
        self.assertNotIn('o_munipay_topup_form', page.text)
        self.assertIn('is closed', self.get(f'{self.wallet.access_url}?amount=20').text)
        self.assertIn(self.wallet.pan, self.get('/my/munipay/wallets').text)

    def test_service_routes_its_topups_to_providers(self):
        capped = self._demo_provider('Capped')
        self.fee_canteen.portal_provider_ids = [(0, 0, {'provider_id': capped.id, 'amount_max': 50.0})]
        self.authenticate('citizen_a', 'citizen_a')
        page = self.get(f'{self.wallet.access_url}?amount=40').text
        self.assertIn(f'data-provider-id="{capped.id}"', page)
        self.assertNotIn(f'data-provider-id="{self.provider.id}"', page)
        self.assertNotIn(f'data-provider-id="{capped.id}"', self.get(f'{self.wallet.access_url}?amount=60').text)
        with self.assertRaises(RpcError):
            self.start_topup(self.wallet, 60, provider=capped)
        with self.assertRaises(RpcError):
            self.start_topup(self.wallet, 40, provider=self.provider)
        self.assertTrue(self.start_topup(self.wallet, 40, provider=capped)['reference'])

    def test_history_shows_topups_and_uses_with_balance_and_pager(self):
        for _i in range(12):
            self.wallet._munipay_credit(10.0, self.cash_journal.default_account_id)
            self.wallet._munipay_charge(4.0)
        self.assertEqual(self.wallet.balance, 72.0)
        history = self.wallet._munipay_history(5)
        self.assertEqual([(row['kind'], row['amount'], row['balance']) for row in history],
                         [('use', 4.0, 72.0), ('topup', 10.0, 76.0), ('use', 4.0, 66.0), ('topup', 10.0, 70.0),
                          ('use', 4.0, 60.0)])
        self.assertEqual(self.wallet._munipay_history(5, offset=22)[-1]['balance'], 10.0)
        self.authenticate('citizen_a', 'citizen_a')
        first = self.get(self.wallet.access_url).text
        self.assertEqual(len(re.findall(r'o_munipay_wallet_(topup|use)"', first)), 20)
        self.assertIn(f'{self.wallet.access_url}/page/2', first)
        second = self.get(f'{self.wallet.access_url}/page/2').text
        self.assertEqual(len(re.findall(r'o_munipay_wallet_(topup|use)"', second)), 4)

    def test_list_shows_the_holders_wallets_only(self):
        self.wallet._munipay_credit(12.0, self.cash_journal.default_account_id)
        self.authenticate('citizen_a', 'citizen_a')
        page = self.get('/my/munipay/wallets').text
        self.assertIn(self.wallet.pan, page)
        self.assertIn('12.00', page)
        self.assertNotIn(self.wallet_2.pan, page)
        self.assertIn('/my/munipay/wallets', self.get('/my').text)
