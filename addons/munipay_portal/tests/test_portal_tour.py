from odoo import fields
from odoo.tests import tagged

from .common import MunipayPortalCommon


@tagged('post_install', '-at_install')
class TestPortalTour(MunipayPortalCommon):
    """In the browser: a citizen pays an order by its link, with the TAN; a logged-in
    citizen pays two orders at once; a wallet top-up."""

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

    def test_logged_in_citizen_pays_two_orders_at_once(self):
        card = self.make_order()
        fine = self.make_order(self.fee_fine, date_notified=fields.Date.today())
        other = self.make_order(partner=self.payer_2)

        self.start_tour('/my/munipay/orders', 'munipay_portal_pay_two_orders_tour', login='citizen_a', timeout=300)

        tx = card.transaction_ids
        self.assertEqual((len(tx), tx.state, tx.is_post_processed, tx.amount, tx.munipay_order_ids),
                         (1, 'done', True, 65.11, card | fine))
        # one payment per order, each reconciling only that order's receivable item,
        # the money on the provider's outstanding account
        card_payment = self.assertPaidOnline(card, tx, 22.21)
        fine_payment = self.assertPaidOnline(fine, tx, 42.9, settled=55.5)
        self.assertNotEqual(card_payment, fine_payment)
        outstanding = card_payment.outstanding_account_id
        self.assertEqual(fine_payment.outstanding_account_id, outstanding)
        money = (card_payment | fine_payment).move_id.line_ids.filtered(lambda l: l.account_id == outstanding)
        self.assertEqual(sum(money.mapped('debit')), 65.11)
        self.assertEqual(other.state, 'issued')
        self.assertFalse(other.receivable_line_id.reconciled)
        self.assertBalanced()

    def test_wallet_topup(self):
        self._canteen()
        self.wallet._munipay_credit(10.0, self.cash_journal.default_account_id)

        self.start_tour(self.wallet.access_url, 'munipay_portal_wallet_topup_tour', login='citizen_a', timeout=300)

        tx = self.wallet.transaction_ids
        self.assertEqual((len(tx), tx.amount, tx.partner_id), (1, 25.0, self.payer))
        self.assertTrue(tx.reference.startswith('MW'), "the provider got a pseudonym")
        self.assertToppedUpOnline(self.wallet, tx, 25.0, 35.0)
        self.assertBalanced()
