from odoo.tests import tagged

from odoo.addons.munipay_base.tests.common import CommittedCursorsCase


@tagged('post_install', '-at_install')
class TestMatchingJobMeetsAnOfficer(CommittedCursorsCase):
    """The matching job books a statement while an officer collects one of its
    orders at the desk: neither waits for the other, nothing is collected twice."""

    def test_job_leaves_an_order_being_paid_for_its_next_run(self):
        env = self.env_on_new_cursor()
        company, fee = self.committed_fee_type(env, 'Bank race', 30.0)
        Order = env['munipay.payment.order']
        orders = Order.create([{
            'partner_id': env['res.partner'].create({'name': name}).id, 'fee_type_id': fee.id,
            'company_id': company.id, 'line_ids': Order._munipay_lines_for_fee_type(fee)}
            for name in ('Race Payer A', 'Race Payer B')])
        orders.action_issue()
        journal = env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'bank')], limit=1)
        lines = env['account.bank.statement.line'].with_context(munipay_no_match=True).create([{
            'journal_id': journal.id, 'amount': 30.0, 'payment_ref': order.payment_reference,
        } for order in orders])
        env.cr.commit()

        officer, job = self.env_on_new_cursor(), self.env_on_new_cursor()
        desk_order = officer['munipay.payment.order'].browse(orders[0].id)
        desk_order._munipay_pay(officer['account.journal'].browse(journal.id))  # not committed yet
        StLine = job['account.bank.statement.line']
        StLine.browse(lines.ids)._munipay_match()
        job.cr.commit()
        line_a, line_b = StLine.browse(lines.ids)
        self.assertEqual((line_b.munipay_match_state, line_b.munipay_order_id.state), ('order', 'paid'))
        self.assertFalse(line_a.munipay_match_state, "left for the next run, not failed and not booked")
        self.assertFalse(line_a.is_reconciled)
        officer.cr.commit()

        # next run, a new transaction: the order is paid at the desk, so the transfer
        # is a credit to refund
        job.cr.rollback()
        job.invalidate_all()
        self.assertIn(line_a, StLine.search(StLine._munipay_matchable_domain()))
        line_a._munipay_match()
        job.cr.commit()
        self.assertEqual(line_a.munipay_match_state, 'credit')
        order_a = job['munipay.payment.order'].browse(orders[0].id)
        self.assertEqual(order_a.state, 'paid')
        self.assertTrue(order_a.needs_refund)
        counterpart = line_a.move_id.line_ids.filtered(lambda l: l.account_id.account_type == 'asset_receivable')
        self.assertEqual((counterpart.credit, counterpart.partner_id, counterpart.reconciled),
                         (30.0, order_a.partner_id, False))
        job.cr.execute("SELECT SUM(balance) FROM account_move_line WHERE company_id = %s", [company.id])
        self.assertAlmostEqual(job.cr.fetchone()[0], 0.0, places=2)
        settlements = order_a.receivable_line_id.matched_credit_ids
        self.assertEqual(len(settlements), 1, "collected once, at the desk")
        self.assertFalse(settlements.credit_move_id.move_id.statement_line_id)
