from odoo.tests import tagged

from .common import BROKER, FISCAL_CODE, STATION, PagopaCommon


@tagged('post_install', '-at_install')
class TestPaForNodeSpeed(PagopaCommon):
    """Verify and GetPayment cost a fixed number of queries: one indexed lookup of the
    notice (with its pending receipts), nothing per item of a bulk issue's entry."""

    def queries_to_answer(self, operation, order):
        data = {'operation': operation, 'id_pa': FISCAL_CODE, 'id_broker': BROKER, 'id_station': STATION,
                'fiscal_code': FISCAL_CODE, 'notice_number': order.pagopa_notice_number}
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        payload = self.env['munipay.pagopa.node'].sudo()._pagopa_answer(data)
        self.assertEqual(payload['amount_cents'], 2221)
        return self.env.cr.sql_log_count - before

    def issued_together(self, count):
        Order = self.env['munipay.payment.order']
        orders = Order.create([{
            'partner_id': self.payer.id, 'fee_type_id': self.fee_card.id,
            'line_ids': Order._munipay_lines_for_fee_type(self.fee_card)} for _i in range(count)])
        orders._munipay_issue_batch()
        self.assertEqual(len(orders.move_id), 1)
        return orders

    def test_queries_do_not_grow_with_the_entry(self):
        small, large = self.issued_together(2), self.issued_together(40)
        for operation in ('paVerifyPaymentNotice', 'paGetPayment'):
            counts = [self.queries_to_answer(operation, orders[-1]) for orders in (small, large, large[:1])]
            self.assertEqual(len(set(counts)), 1, "%s: %s queries" % (operation, counts))
            self.assertLessEqual(counts[0], 16, operation)
