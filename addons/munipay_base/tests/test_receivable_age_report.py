from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import MunipayCommon


@tagged('post_install', '-at_install')
class TestReceivableAgeReport(MunipayCommon):
    """Open receivables of payment orders by days past due, read from the orders'
    own receivable journal items (Odoo Community has no aged receivable)."""

    def order_due(self, days_past_due, **vals):
        due = fields.Date.today() - timedelta(days=days_past_due)
        return self.make_order(date_issue=due - timedelta(days=30), date_due=due, **vals)

    def rows(self, orders, **context):
        return self.env['munipay.receivable.age.report'].with_context(**context).search(
            [('order_id', 'in', orders.ids)])

    def test_orders_land_in_their_age_buckets_with_what_is_still_open(self):
        due_in_10 = self.order_due(-10)
        due_today = self.order_due(0)
        ages = {days: self.order_due(days) for days in (1, 30, 31, 60, 61, 90, 91, 180, 181, 400)}
        partly = self.order_due(75, partner=self.payer_2, amount=100.0)
        partly._munipay_pay(self.bank_journal, amount=40.0, external=True)
        paid = self.order_due(45)
        paid._munipay_pay(self.bank_journal)
        cancelled = self.order_due(45)
        cancelled.action_cancel("Withdrawn")
        draft = self.make_order(issue=False)
        self.assertEqual((partly.state, partly.amount_residual, paid.state, cancelled.state),
                         ('issued', 60.0, 'paid', 'cancelled'))
        everything = due_in_10 | due_today | partly | paid | cancelled | draft
        for order in ages.values():
            everything |= order

        rows = self.rows(everything)
        expected = {
            due_in_10: '0_not_due', due_today: '0_not_due',
            ages[1]: '1_30', ages[30]: '1_30', ages[31]: '2_60', ages[60]: '2_60', ages[61]: '3_90',
            ages[90]: '3_90', ages[91]: '4_180', ages[180]: '4_180', ages[181]: '5_older', ages[400]: '5_older',
            partly: '3_90',
        }
        self.assertEqual({row.order_id: row.age for row in rows}, expected,
                         "paid, cancelled and draft orders owe nothing: not in the report")
        by_order = {row.order_id: row for row in rows}
        self.assertEqual(by_order[partly].amount_residual, 60.0, "the partly paid order shows what is still open")
        self.assertEqual((by_order[partly].amount_61_90, by_order[partly].amount_1_30), (60.0, 0.0))
        self.assertEqual((by_order[partly].partner_id, by_order[partly].fee_type_id), (self.payer_2, self.fee_card))
        self.assertEqual(by_order[ages[400]].days_overdue, 400)
        self.assertEqual(by_order[due_in_10].days_overdue, 0)
        for row in rows:
            self.assertEqual(row.amount_residual, sum(row[column] for column in (
                'amount_not_due', 'amount_1_30', 'amount_31_60', 'amount_61_90', 'amount_91_180', 'amount_older')))

        # the total is what the orders' receivable journal items still hold
        items = self.env['account.move.line'].search([('munipay_order_id', 'in', everything.ids),
                                                       ('parent_state', '=', 'posted')])
        self.assertEqual(items.account_id.mapped('account_type'), ['asset_receivable'])
        self.assertAlmostEqual(sum(rows.mapped('amount_residual')), sum(items.mapped('amount_residual')), places=2)
        self.assertAlmostEqual(sum(rows.mapped('amount_residual')), 12 * 22.21 + 60.0, places=2)
        totals = dict(self.env['munipay.receivable.age.report']._read_group(
            [('order_id', 'in', everything.ids)], ['age'], ['amount_residual:sum']))
        self.assertEqual(totals['3_90'], 2 * 22.21 + 60.0)
        self.assertEqual(totals['0_not_due'], 2 * 22.21)

        # as of another day, the same orders age (the rows keep their ids: read them anew)
        self.env['munipay.receivable.age.report'].invalidate_model()
        later = self.rows(everything, munipay_as_of=fields.Date.today() + timedelta(days=31))
        self.assertEqual({row.order_id: row.age for row in later}[due_today], '2_60')

        # the receivable follows the ledger: the rest paid, the order leaves the report
        partly._munipay_pay(self.bank_journal, amount=60.0, external=True)
        self.assertEqual(partly.state, 'paid')
        self.assertFalse(self.rows(partly))

    def test_officers_see_their_companies_only(self):
        order = self.order_due(5)
        officer = new_test_user(self.env, login='age_report_officer', groups='base.group_user,munipay_base.group_officer',
                                company_id=self.company.id, company_ids=[self.company.id])
        Report = self.env['munipay.receivable.age.report'].with_user(officer)
        row = Report.search([('order_id', '=', order.id)])
        self.assertEqual(row.amount_residual, 22.21)
        self.assertTrue(row.read(['order_id', 'partner_id', 'fee_type_id', 'currency_id', 'company_id']))
        other = self.env['res.company'].create({'name': 'Comune di Altrove'})
        officer_elsewhere = new_test_user(self.env, login='age_report_other', groups='base.group_user,munipay_base.group_officer',
                                          company_id=other.id, company_ids=[other.id])
        self.assertFalse(self.env['munipay.receivable.age.report'].with_user(officer_elsewhere).search(
            [('order_id', '=', order.id)]))
