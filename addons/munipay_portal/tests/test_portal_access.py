import uuid

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import MunipayPortalCommon


@tagged('post_install', '-at_install')
class TestPortalAccess(MunipayPortalCommon):
    """No order, receipt or attachment of another citizen is reachable by id or token."""

    def test_citizen_reaches_only_own_orders_receipts_and_attachments(self):
        mine = self.make_order()
        my_paid = self.paid_order()
        theirs = self.make_order(partner=self.payer_2)
        their_paid = self.paid_order(partner=self.payer_2)
        attachment = self.env['ir.attachment'].create({
            'name': 'appeal.pdf', 'raw': b'%PDF-1.4 their appeal', 'res_model': theirs._name, 'res_id': theirs.id})
        theirs.message_post(body="Appeal", attachment_ids=attachment.ids, message_type='comment',
                            subtype_xmlid='mail.mt_comment')
        Order = self.env['munipay.payment.order'].sudo()
        everyone = Order.search([])
        receipts = self.env['munipay.receipt'].sudo().search([])
        self.assertGreater(len(everyone), 4)

        # record rules: the citizen reads their own orders and receipts only
        self.assertEqual(Order.with_user(self.citizen).search([]).sudo(), mine | my_paid)
        self.assertEqual(receipts.with_user(self.citizen).search([]).sudo(), my_paid.receipt_ids)
        for record in (theirs, their_paid.receipt_ids, attachment):
            with self.assertRaises(AccessError):
                record.with_user(self.citizen).read(['name'])

        self.authenticate('citizen_a', 'citizen_a')
        for order in everyone:
            for suffix in ('', f'?access_token={mine._portal_ensure_token()}', f'?access_token={uuid.uuid4()}'):
                response = self.get(f'/my/munipay/orders/{order.id}{suffix}')
                if order in (mine, my_paid):
                    self.assertEqual(response.status_code, 200, order.name)
                else:
                    self.assertEqual((response.status_code, response.headers['Location'].split('/')[-1]),
                                     (303, 'my'), order.name)
        for receipt in receipts:
            for order in (my_paid, receipt.order_id or my_paid):
                response = self.get(f'/my/munipay/orders/{order.id}/receipts/{receipt.id}')
                self.assertEqual(response.status_code, 200 if receipt in my_paid.receipt_ids else 404, receipt.name)
        for url in (f'/web/content/{attachment.id}', f'/web/content/{attachment.id}?download=true',
                    f'/web/content/ir.attachment/{attachment.id}/datas'):
            self.assertIn(self.get(url).status_code, (403, 404), url)
        self.assertNotIn(theirs.name, self.url_open('/my/munipay/orders').text)

    def test_visitor_without_login_needs_the_right_token(self):
        order = self.make_order()
        other = self.make_order(partner=self.payer_2)
        draft = self.make_order(issue=False)
        draft._portal_ensure_token()
        for target in self.env['munipay.payment.order'].sudo().search([]):
            for token in (None, str(uuid.uuid4()), order._portal_ensure_token() if target != order else None):
                url = f'/my/munipay/orders/{target.id}' + (f'?access_token={token}' if token else '')
                self.assertEqual(self.get(url).status_code, 303, url)
        self.assertEqual(self.get(self.link(order)).status_code, 200)
        self.assertEqual(self.get(self.link(draft)).status_code, 303, "a draft has no page")
        self.assertEqual(self.get('/my/munipay/orders').status_code, 303, "the list asks for a login")
        self.assertNotIn(other.partner_id.name, self.get(self.link(order)).text)
