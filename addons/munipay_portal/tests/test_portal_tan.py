from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import consteq

from ..models import munipay_payment_order as order_module
from .common import MunipayPortalCommon, RpcError


@tagged('post_install', '-at_install')
class TestPortalTan(MunipayPortalCommon):
    """Pay-by-link: the notice's personal link opens the order without a login, after
    the TAN printed beside it when the fee type asks for one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_card.portal_tan_required = True

    def chatter(self, order):
        """The portal chatter's messages of the order, fetched with its token (403: refused)."""
        try:
            result = self.rpc('/mail/chatter_fetch', {
                'thread_model': order._name, 'thread_id': order.id, 'token': order.access_token})
        except RpcError:
            return 403
        self.assertIn("A note for the payer", str(result))
        return 200

    def personal_data(self, order):
        return [order.partner_id.name, 'Via Roma', order.name, order.payment_reference, 'CASE-SECRET', '22.21']

    def test_notice_prints_the_link_and_its_tan(self):
        order = self.make_order()
        tan = order._munipay_portal_tan()
        self.assertRegex(tan, r'^\d{6}$')
        html = self.notice_html(order)
        self.assertIn(order._munipay_portal_url(), html)
        self.assertIn(tan, html)
        self.assertIn('munipay_notice_tan', html)
        # the TAN follows the link: a new token makes a new TAN
        order.sudo().access_token = False
        self.assertNotEqual(order._munipay_portal_tan(), tan)
        # a fee without a TAN prints the link alone; a paid notice has no TAN
        fine = self.make_order(self.fee_fine)
        self.assertNotIn('munipay_notice_tan', self.notice_html(fine))
        paid = self.paid_order()
        self.assertNotIn('munipay_notice_tan', self.notice_html(paid))

    def test_tan_is_asked_before_anything_personal(self):
        order = self.make_order(origin='CASE-SECRET')
        order.message_post(body="A note for the payer", message_type='comment', subtype_xmlid='mail.mt_comment')
        response = self.get(self.link(order))
        self.assertEqual(response.status_code, 200)
        self.assertIn('o_munipay_tan_form', response.text)
        for secret in self.personal_data(order):
            self.assertNotIn(secret, response.text)
        # nothing around the page answers without the TAN: notice, chatter, payment
        notice = self.get(self.link(order) + '&report_type=pdf&download=true')
        self.assertIn('o_munipay_tan_form', notice.text)
        self.assertNotIn('attachment', notice.headers.get('Content-Disposition', ''))
        self.assertEqual(self.chatter(order), 403)
        with self.assertRaisesRegex(RpcError, 'TAN'):
            self.start_transaction(order, access_token=order.access_token)

        response = self.give_tan(order)
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers['Location'].endswith(self.link(order)))
        page = self.get(self.link(order)).text
        self.assertIn(order.partner_id.name, page)
        self.assertIn('o_munipay_pay_button', page)
        self.assertIn('o_portal_chatter', page)
        self.assertEqual(self.chatter(order), 200)
        self.assertEqual(self.get(self.link(order) + '&report_type=pdf&download=true').status_code, 200)
        self.assertTrue(self.start_transaction(order, access_token=order.access_token)['reference'])

    def test_wrong_tans_are_locked_out_per_order_and_per_address(self):
        order = self.make_order()
        other = self.make_order(partner=self.payer_2)
        wrong = str((int(order._munipay_portal_tan()) + 1) % 10 ** 6).zfill(6)
        for _i in range(4):
            response = self.give_tan(order, wrong)
            self.assertEqual(response.status_code, 403)
            self.assertIn('o_munipay_tan_wrong', response.text)
        response = self.give_tan(order, wrong)
        self.assertEqual(response.status_code, 429)
        self.assertIn('o_munipay_tan_locked', response.text)
        # locked: even the right TAN opens nothing, for this order and from this address
        self.assertEqual(self.give_tan(order).status_code, 429)
        self.assertIn('o_munipay_tan_form', self.get(self.link(order)).text)
        self.assertEqual(self.give_tan(other).status_code, 429)
        failures = self.env['munipay.portal.tan.failure'].sudo().search([('order_id', '=', order.id)])
        self.assertEqual(len(failures), 5)
        # from elsewhere: the order stays locked, another order opens
        failures.write({'address': '203.0.113.7'})
        self.assertEqual(self.give_tan(order).status_code, 429)
        self.assertEqual(self.give_tan(other).status_code, 303)
        # once the window has passed, the right TAN opens the order
        failures.write({'date': fields.Datetime.now() - timedelta(minutes=16)})
        self.assertEqual(self.give_tan(order).status_code, 303)
        self.assertIn(order.partner_id.name, self.get(self.link(order)).text)

    def test_tan_is_compared_in_constant_time(self):
        order = self.make_order()
        with patch.object(order_module, 'consteq', wraps=consteq) as compare:
            self.assertEqual(self.give_tan(order, '12 34 56').status_code,
                             303 if order._munipay_portal_tan() == '123456' else 403)
        compare.assert_called_once_with('123456', order._munipay_portal_tan())

    def test_settled_link_shows_status_and_receipt_only(self):
        order = self.make_order(origin='CASE-SECRET')
        order.message_post(body="A note for the payer", message_type='comment', subtype_xmlid='mail.mt_comment')
        self.give_tan(order)
        self.assertEqual(self.chatter(order), 200)
        tx = self.transaction(self.start_transaction(order, access_token=order.access_token)['reference'])
        self.demo_pay(tx.reference)
        self.assertPaidOnline(order, tx, 22.21)
        receipt = order.receipt_ids
        page = self.get(self.link(order)).text
        self.assertIn('o_munipay_settled_page', page)
        self.assertIn('munipay_status_paid', page)
        self.assertIn(f'/my/munipay/orders/{order.id}/receipts/{receipt.id}', page)
        for secret in [order.partner_id.name, 'Via Roma', 'CASE-SECRET', 'o_portal_chatter', 'o_payment_form']:
            self.assertNotIn(secret, page)
        download = self.get(f'/my/munipay/orders/{order.id}/receipts/{receipt.id}?download=true'
                            f'&access_token={order.access_token}')
        self.assertEqual(download.status_code, 200)
        notice = self.get(self.link(order) + '&report_type=pdf&download=true')
        self.assertIn('o_munipay_settled_page', notice.text)
        self.assertEqual(self.chatter(order), 403)
        # a cancelled order's link (a fee without TAN): its status, nothing personal
        cancelled = self.make_order(self.fee_fine, origin='CASE-SECRET')
        cancelled.action_cancel("Withdrawn")
        page = self.get(self.link(cancelled)).text
        self.assertIn('munipay_status_cancelled', page)
        for secret in [order.partner_id.name, 'Via Roma', 'CASE-SECRET', 'o_portal_chatter', 'o_payment_form',
                       'o_munipay_receipt_download']:
            self.assertNotIn(secret, page)
        # another browser holding the link: the TAN first, still
        self.authenticate(None, None)
        self.assertIn('o_munipay_tan_form', self.get(self.link(order)).text)
        self.assertEqual(self.get(f'/my/munipay/orders/{order.id}/receipts/{receipt.id}'
                                  f'?access_token={order.access_token}').status_code, 404)

    def test_link_never_reveals_other_orders(self):
        mine = self.paid_order()
        theirs = self.paid_order(partner=self.payer_2)
        open_theirs = self.make_order(partner=self.payer_2)
        self.give_tan(mine)
        token = mine.access_token
        their_receipt = theirs.receipt_ids
        self.assertEqual(self.get(f'/my/munipay/orders/{mine.id}/receipts/{their_receipt.id}'
                                  f'?access_token={token}').status_code, 404)
        everyone = self.env['munipay.payment.order'].sudo().search([('id', '!=', mine.id)])
        for order in everyone:
            response = self.get(f'/my/munipay/orders/{order.id}?access_token={token}')
            self.assertEqual((response.status_code, response.headers.get('Location', '').split('/')[-1]),
                             (303, 'my'), order.name)
        for receipt in self.env['munipay.receipt'].sudo().search([('order_id', '!=', mine.id)]):
            self.assertEqual(self.get(f'/my/munipay/orders/{receipt.order_id.id or mine.id}/receipts/{receipt.id}'
                                      f'?access_token={token}').status_code, 404)
        # the TAN of one order opens no other, and its token pays no other
        self.assertEqual(self.give_tan(open_theirs, mine._munipay_portal_tan()).status_code, 403)
        with self.assertRaises(RpcError):
            self.start_transaction(open_theirs, access_token=token)
