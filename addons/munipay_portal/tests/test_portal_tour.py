from odoo.tests import tagged

from .common import MunipayPortalCommon


@tagged('post_install', '-at_install')
class TestPortalTour(MunipayPortalCommon):
    """In the browser: a citizen pays an order by its link, with the TAN."""

    def test_citizen_pays_by_link_with_tan(self):
        self.fee_card.portal_tan_required = True
        order = self.make_order()
        tan = order._munipay_portal_tan()

        self.start_tour(f'{self.link(order)}#tan={tan}', 'munipay_portal_pay_by_link_tour', timeout=300)

        tx = order.sudo().transaction_ids
        self.assertEqual((len(tx), tx.state, tx.is_post_processed, tx.amount), (1, 'done', True, 22.21))
        self.assertTrue(tx.reference.startswith('MP'), "the provider got a pseudonym")
        self.assertEqual(tx.partner_name, tx.reference)
        self.assertPaidOnline(order, tx, 22.21)
        self.assertFalse(self.env['munipay.portal.tan.failure'].sudo().search([('order_id', '=', order.id)]))
        self.assertBalanced()
