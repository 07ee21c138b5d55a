import json
import re

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.munipay_documents.tests.common import MunipayDocumentsCommon


class RpcError(Exception):
    """A JSON-RPC call answered with an error: its message, as the payment form shows it."""


class MunipayPortalCommon(MunipayDocumentsCommon):
    """Two citizens with a portal login, a demo payment provider of the municipality."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receivable = cls.payer.property_account_receivable_id
        # a working calendar, as every municipality has (citizens cannot read it)
        cls.company.resource_calendar_id = cls.env['resource.calendar'].create({
            'name': 'Uffici comunali', 'company_id': cls.company.id, 'tz': 'Europe/Rome'})
        cls.provider = cls._demo_provider('Demo')
        cls.demo_method = cls.env.ref('payment_demo.payment_method_demo')
        cls.citizen = cls._portal_user('citizen_a', cls.payer)
        cls.citizen_2 = cls._portal_user('citizen_b', cls.payer_2)

    @classmethod
    def _demo_provider(cls, name, **vals):
        base = cls.env.ref('payment.payment_provider_demo').sudo()
        provider = base.copy({'name': name, 'company_id': cls.company.id})
        provider.write({'state': 'test', 'is_published': True,
                        'payment_method_ids': [Command.set(base.payment_method_ids.ids)], **vals})
        return provider

    @classmethod
    def _portal_user(cls, login, partner):
        return new_test_user(cls.env, login=login, groups='base.group_portal', partner_id=partner.id,
                             name=partner.name, email=partner.email or f'{login}@example.com',
                             company_id=cls.company.id, company_ids=cls.company.ids)

    # ------------------------------------------------------------------ HTTP helpers

    def url_open(self, *args, **kwargs):
        # the server starts from cold caches, as in production: what the test's own
        # reads left in the cursor's or the ORM's caches must not hide a missing access right
        self.env.flush_all()
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        return super().url_open(*args, **kwargs)

    def get(self, url, **kwargs):
        return self.url_open(url, allow_redirects=kwargs.pop('allow_redirects', False), **kwargs)

    def link(self, order):
        return order.get_portal_url()

    def give_tan(self, order, tan=None, headers=None):
        """Post a TAN as the TAN page's form does (with the page's csrf token)."""
        token = order._portal_ensure_token()
        page = self.url_open(self.link(order), headers=headers)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        return self.url_open(f'/my/munipay/orders/{order.id}/tan', data={
            'csrf_token': csrf.group(1) if csrf else '', 'access_token': token,
            'tan': order._munipay_portal_tan() if tan is None else tan,
        }, allow_redirects=False, headers=headers)

    def rpc(self, route, params):
        response = self.url_open(route, data=json.dumps({'jsonrpc': '2.0', 'method': 'call', 'id': 0,
                                                          'params': params}),
                                 headers={'Content-Type': 'application/json'})
        response.raise_for_status()
        answer = response.json()
        if 'error' in answer:
            raise RpcError(answer['error']['data']['message'])
        return answer.get('result')

    def start_transaction(self, orders, access_token=None, provider=None, amount=None, flow='direct'):
        orders = orders.sudo()
        if amount is None:
            amount = sum(orders._munipay_online_amounts().values())
        return self.rpc('/my/munipay/orders/transaction/%s' % ','.join(map(str, orders.ids)), {
            'access_token': access_token,
            'provider_id': (provider or self.provider).id,
            'payment_method_id': (provider or self.provider).payment_method_ids[:1].id,
            'token_id': None,
            'amount': amount,
            'flow': flow,
            'tokenization_requested': False,
            'landing_route': '/anywhere',
            'is_validation': False,
        })

    def demo_pay(self, reference, state='done', by_cron=False):
        """What payment_demo's form does once the citizen pays: the provider's answer,
        then the status page that post-processes the transaction (the session's last
        one), or the post-processing job (any transaction)."""
        self.rpc('/payment/demo/simulate_payment', {
            'reference': reference, 'payment_details': '4242', 'simulated_state': state})
        if by_cron:
            self.transaction(reference)._post_process()
            return None
        return self.rpc('/payment/status/poll', {})

    def transaction(self, reference):
        return self.env['payment.transaction'].sudo().search([('reference', '=', reference)])

    def start_topup(self, wallet, amount, provider=None, flow='direct'):
        return self.rpc(f'/my/munipay/wallets/{wallet.id}/transaction', {
            'provider_id': (provider or self.provider).id,
            'payment_method_id': (provider or self.provider).payment_method_ids[:1].id,
            'token_id': None,
            'amount': amount,
            'flow': flow,
            'tokenization_requested': False,
            'landing_route': '/anywhere',
            'is_validation': False,
        })

    @classmethod
    def _canteen(cls):
        """A prepaid school canteen: top-ups from 5 to 150, a wallet for each citizen."""
        cls.fee_canteen = cls.env['munipay.fee.type'].create({
            'name': 'School canteen', 'code': 'MENSA', 'category': 'service', 'product_id': cls.product_fee.id,
            'amount': 5.0, 'amount_max': 150.0})
        Wallet = cls.env['munipay.wallet']
        cls.wallet = Wallet.create({'holder_id': cls.payer.id, 'service_fee_type_id': cls.fee_canteen.id})
        cls.wallet_2 = Wallet.create({'holder_id': cls.payer_2.id, 'service_fee_type_id': cls.fee_canteen.id})

    # ------------------------------------------------------------------ ledger

    def assertToppedUpOnline(self, wallet, tx, amount, balance):
        """The transaction credited ``amount`` to the wallet: the money waits on the
        provider's outstanding account, the wallet's liability holds it, the
        receipt says the new balance."""
        wallet.invalidate_recordset()
        self.assertEqual((tx.state, tx.is_post_processed), ('done', True))
        move = tx.munipay_wallet_move_id
        self.assertEqual(move.state, 'posted')
        outstanding = tx._munipay_outstanding_account()
        method_line = self.provider.journal_id.inbound_payment_method_line_ids.filtered(
            lambda l: l.payment_provider_id == tx.provider_id)
        self.assertEqual(outstanding, method_line.payment_account_id or
                         self.env['account.payment'].new({'company_id': self.company.id})._get_outstanding_account(
                             'inbound'))
        money = move.line_ids.filtered(lambda l: l.account_id == outstanding)
        liability = move.line_ids.filtered(lambda l: l.munipay_wallet_id == wallet)
        self.assertEqual(len(move.line_ids), 2)
        self.assertEqual((money.debit, money.credit, money.reconciled), (amount, 0.0, False),
                         "the money waits for the provider's payout on the bank statement")
        self.assertEqual((liability.credit, liability.account_id),
                         (amount, self.company.munipay_wallet_account_id))
        self.assertEqual(wallet.balance, balance)
        receipt = self.env['munipay.receipt'].search([('wallet_id', '=', wallet.id)], order='id desc', limit=1)
        self.assertEqual((receipt.amount, receipt.balance_after, receipt.channel, receipt.state),
                         (amount, balance, 'online', 'valid'))
        return receipt

    def assertPaidOnline(self, order, tx, amount, settled=None):
        """The order's receivable is reconciled with a payment of ``tx`` (``amount``
        of money, settling ``settled`` with the discount) on the provider's journal,
        whose money waits on the outstanding receipts account."""
        order.invalidate_recordset()
        self.assertEqual(order.state, 'paid')
        payment = tx.payment_id | self.env['account.payment'].search([('payment_transaction_id', '=', tx.id)])
        payment = payment.filtered(lambda p: order.receivable_line_id in
                                   p.move_id.line_ids.matched_debit_ids.debit_move_id)
        self.assertEqual(len(payment), 1, "one payment of the transaction settles the order")
        self.assertEqual(payment.journal_id, self.provider.journal_id)
        self.assertEqual(payment.payment_method_line_id.payment_provider_id, tx.provider_id)
        outstanding = payment.outstanding_account_id
        self.assertIn(outstanding, (payment.payment_method_line_id.payment_account_id
                                    | payment._get_outstanding_account('inbound')))
        liquidity = payment.move_id.line_ids.filtered(lambda l: l.account_id == outstanding)
        counterpart = payment.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual((liquidity.debit, counterpart.credit), (amount, settled or amount))
        self.assertFalse(liquidity.reconciled, "the money waits for the provider's payout on the bank statement")
        self.assertTrue(counterpart.reconciled)
        self.assertEqual(order.receivable_line_id.matched_credit_ids.credit_move_id, counterpart)
        self.assertEqual(counterpart.partner_id, order.partner_id.commercial_partner_id)
        receipt = order.receipt_ids.filtered(lambda r: r.state == 'valid')
        self.assertEqual((len(receipt), receipt.amount, receipt.channel, receipt.payment_id),
                         (1, amount, 'online', payment))
        self.assertEqual(payment.move_id.munipay_payment_channel, 'online')
        return payment
