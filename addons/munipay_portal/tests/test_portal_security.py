import re
import uuid
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import MunipayPortalCommon, RpcError


@tagged('post_install', '-at_install')
class TestPortalSecurity(MunipayPortalCommon):
    """Nothing of another citizen by id, token or TAN guessing; links expire."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._canteen()
        cls.wallet._munipay_credit(20.0, cls.cash_journal.default_account_id)
        cls.wallet_2._munipay_credit(30.0, cls.cash_journal.default_account_id)

    def test_wallets_and_their_receipts_only_to_their_holder(self):
        Wallet = self.env['munipay.wallet'].sudo()
        wallets = Wallet.with_context(active_test=False).search([])
        receipts = self.env['munipay.receipt'].sudo().search([])
        mine = self.wallet
        my_receipt = receipts.filtered(lambda r: r.wallet_id == mine)
        self.assertEqual(len(my_receipt), 1)
        self.assertGreater(len(receipts), 1)
        self.assertEqual(Wallet.with_user(self.citizen).search([]).sudo(), mine)

        self.authenticate('citizen_a', 'citizen_a')
        their_token = self.wallet_2._portal_ensure_token()
        for wallet in wallets:
            for suffix in ('', '/page/2', '?amount=10', f'?access_token={their_token}'):
                response = self.get(f'/my/munipay/wallets/{wallet.id}{suffix}')
                expected = 200 if wallet == mine else 404
                self.assertEqual(response.status_code, expected, f'{wallet.pan}{suffix}')
            for receipt in receipts:
                response = self.get(f'/my/munipay/wallets/{wallet.id}/receipts/{receipt.id}')
                self.assertEqual(response.status_code, 200 if receipt == my_receipt and wallet == mine else 404,
                                 receipt.name)
            if wallet != mine:
                with self.assertRaises(RpcError):
                    self.start_topup(wallet, 10)
                self.assertNotIn(wallet.pan, self.get('/my/munipay/wallets').text)
        # a wallet's receipt is no order's receipt
        my_order = self.make_order()
        for receipt in receipts:
            self.assertEqual(self.get(f'/my/munipay/orders/{my_order.id}/receipts/{receipt.id}').status_code, 404)
        self.assertFalse(self.env['payment.transaction'].sudo().search([('munipay_wallet_id', '!=', False)]))

        # without a login: nothing, whichever id or token
        self.authenticate(None, None)
        for wallet in wallets:
            for suffix in ('', f'?access_token={wallet._portal_ensure_token()}', f'?access_token={uuid.uuid4()}'):
                response = self.get(f'/my/munipay/wallets/{wallet.id}{suffix}')
                self.assertEqual(response.status_code, 303)
                self.assertIn('/web/login', response.headers['Location'])
            self.assertEqual(self.get(f'/my/munipay/wallets/{wallet.id}/receipts/{my_receipt.id}').status_code, 303)
            with self.assertRaises(RpcError):
                self.start_topup(wallet, 10)

    def test_attachments_not_reachable_by_id_or_token_guessing(self):
        theirs = self.make_order(partner=self.payer_2)
        attachment = self.env['ir.attachment'].create({
            'name': 'appeal.pdf', 'raw': b'%PDF-1.4 their appeal', 'res_model': theirs._name, 'res_id': theirs.id})
        theirs.message_post(body="Appeal", attachment_ids=attachment.ids, message_type='comment',
                            subtype_xmlid='mail.mt_comment')
        real_token = attachment.sudo().generate_access_token()[0]
        mine = self.make_order()
        my_token = mine._portal_ensure_token()
        self.authenticate('citizen_a', 'citizen_a')
        for attachment_id in range(attachment.id - 20, attachment.id + 1):
            for token in (None, str(uuid.uuid4()), my_token, real_token[:-1] + ('0' if real_token[-1] != '0' else '1')):
                url = f'/web/content/{attachment_id}' + (f'?access_token={token}' if token else '')
                self.assertIn(self.get(url).status_code, (403, 404), url)
        # the page of the order that carries it, with a guessed token: redirected, not shown
        for token in (str(uuid.uuid4()), my_token, real_token):
            self.assertEqual(self.get(f'/my/munipay/orders/{theirs.id}?access_token={token}').status_code, 303)

    def test_tan_of_one_order_opens_no_other_by_id(self):
        self.fee_card.portal_tan_required = True
        mine = self.make_order()
        token = mine._portal_ensure_token()
        tan = mine._munipay_portal_tan()
        others = self.env['munipay.payment.order'].sudo().search([('id', '!=', mine.id)]) | \
            self.make_order(partner=self.payer_2)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.get(self.link(mine)).text).group(1)
        for order in others:
            response = self.url_open(f'/my/munipay/orders/{order.id}/tan', data={
                'csrf_token': csrf, 'access_token': token, 'tan': tan}, allow_redirects=False)
            self.assertEqual((response.status_code, response.headers['Location'].split('/')[-1]), (303, 'my'),
                             order.name)
        self.assertFalse(self.env['munipay.portal.tan.failure'].sudo().search([]),
                         "a token that opens nothing checks no TAN")

    def test_settled_links_expire(self):
        paid = self.paid_order()
        token = paid._portal_ensure_token()
        receipt = paid.receipt_ids
        self.assertEqual(paid.portal_link_closed_on, fields.Date.context_today(paid))
        receipt_url = f'/my/munipay/orders/{paid.id}/receipts/{receipt.id}?access_token={token}'
        self.assertIn('o_munipay_settled_page', self.get(self.link(paid)).text)
        self.assertEqual(self.get(receipt_url).status_code, 200)

        paid.sudo().portal_link_closed_on = fields.Date.today() - timedelta(days=91)
        response = self.get(self.link(paid))
        self.assertEqual(response.status_code, 410)
        self.assertIn('o_munipay_link_expired_page', response.text)
        for secret in ('munipay_status_paid', receipt.name, paid.name, paid.partner_id.name):
            self.assertNotIn(secret, response.text)
        self.assertEqual(self.get(receipt_url).status_code, 404)
        # the validity is a setting
        self.env['ir.config_parameter'].sudo().set_param('munipay_portal.link_days_after_settlement', 120)
        self.assertEqual(self.get(self.link(paid)).status_code, 200)
        self.env['ir.config_parameter'].sudo().set_param('munipay_portal.link_days_after_settlement', 30)
        # the payer, logged in, still sees their order and receipt
        self.authenticate('citizen_a', 'citizen_a')
        self.assertEqual(self.get(paid.access_url).status_code, 200)
        self.assertEqual(self.get(f'/my/munipay/orders/{paid.id}/receipts/{receipt.id}').status_code, 200)

    def test_open_orders_links_never_expire(self):
        order = self.make_order(date_issue=fields.Date.today() - timedelta(days=400))
        self.assertFalse(order.portal_link_closed_on)
        self.assertFalse(order._munipay_portal_link_expired())
        self.assertIn('o_munipay_amount_due', self.get(self.link(order)).text)
