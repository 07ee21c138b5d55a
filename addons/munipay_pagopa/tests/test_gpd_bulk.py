import logging

from odoo.tests import tagged

from .common import FISCAL_CODE
from .test_gpd import POSITIONS, GpdCommon

_logger = logging.getLogger(__name__)


@tagged('post_install', '-at_install')
class TestGpdBulk(GpdCommon):

    def issue_many(self, count):
        Order = self.env['munipay.payment.order']
        orders = Order.create([{
            'partner_id': (self.payer if index % 2 else self.payer_2).id, 'fee_type_id': self.fee_card.id,
            'line_ids': Order._munipay_lines_for_fee_type(self.fee_card, 10 + index % 7),
        } for index in range(count)])
        orders._munipay_issue_batch()
        return orders

    def queries_of_a_run(self, batch_size):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        done = self.Gpd._cron_sync(batch_size=batch_size)
        self.env.flush_all()
        return len(done), self.env.cr.sql_log_count - before

    def test_250_orders_in_batches(self):
        orders = self.issue_many(250)
        self.assertEqual(set(orders.mapped('pagopa_gpd_pending')), {'publish'})
        runs = [self.queries_of_a_run(10)]
        while True:
            done, queries = self.queries_of_a_run(100)
            if not done:
                break
            runs.append((done, queries))
        _logger.info("GPD runs (orders, queries): %s", runs)
        self.assertEqual([done for done, _queries in runs], [10, 100, 100, 40])
        # the queries of a run do not grow with its orders: no search or write per order
        q10, q100 = runs[0][1], runs[1][1]
        self.assertLess(q100, 30, runs)
        self.assertLessEqual(q100 - q10, 5, runs)
        self.env.invalidate_all()
        self.assertEqual(set(orders.mapped('pagopa_gpd_status')), {'VALID'})
        self.assertFalse(any(orders.mapped('pagopa_gpd_pending')))
        self.assertEqual(len(self.gpd.positions), 250)
        self.assertEqual(len(self.gpd.calls('POST', POSITIONS)), 250)
        for order in orders[:20]:
            sent = self.gpd.position(FISCAL_CODE, order.pagopa_gpd_iupd)['paymentOption'][0]
            self.assertEqual(sent['amount'], round(order.amount_total * 100))
            self.assertEqual(sum(t['amount'] for t in sent['transfer']), sent['amount'])

    def test_bulk_cancel_invalidates_in_one_run(self):
        orders = self.issue_many(30)
        self.run_job()
        orders.action_cancel("Issued twice")
        self.assertEqual(set(orders.mapped('pagopa_gpd_pending')), {'invalidate'})
        self.run_job()
        self.assertEqual({p['status'] for p in self.gpd.positions.values()}, {'INVALID'})
        self.assertEqual(set(orders.mapped('pagopa_gpd_status')), {'INVALID'})
