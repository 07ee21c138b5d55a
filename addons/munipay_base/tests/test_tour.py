from odoo.tests import HttpCase, tagged

from .common import MunipayCommon


@tagged('post_install', '-at_install')
class TestOrderTour(MunipayCommon, HttpCase):

    def test_officer_issues_an_order_in_the_browser(self):
        self.env['res.partner'].create({'name': 'Tour Payer', 'munipay_national_id_type': 'it_cf',
                                        'munipay_national_id': 'VRDLCA90C12L219Q'})
        self.fee_card.name = 'Tour identity card'
        self.env.ref('base.user_admin').write({'company_ids': [(4, self.company.id)], 'company_id': self.company.id})
        self.start_tour('/odoo/action-munipay_base.action_munipay_payment_order', 'munipay_order_issue_tour',
                        login='admin')
        order = self.env['munipay.payment.order'].search([('partner_id.name', '=', 'Tour Payer')])
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.amount_total, 22.21)
        self.assertEqual(order.move_id.state, 'posted')
