from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.munipay_base.lib.references import format_in_groups
from ..models import munipay_pagopa_fdr_bank
from .fdr_common import FLOW_ID, TRN, FdrCommon

REMITTANCE = '/PUR/LGPE-RIVERSAMENTO/URI/%s' % FLOW_ID


@tagged('post_install', '-at_install')
class TestFdrBank(FdrCommon):
    """The PSP's bank transfer for a settlement report clears the pagoPA transit account."""

    def settled_orders_and_report(self, count=3):
        orders = self.paid_orders(count)
        report = self.import_xml(self.flow_xml([self.payment(order, 22.21) for order in orders]))
        return orders, report

    def assertTransitCleared(self, line, amount):
        self.assertEqual(self.balance_of(self.transit), 0.0)
        self.assertFalse(self.open_transit())
        _liquidity, _suspense, other = line._seek_for_lines()
        self.assertEqual((other.account_id, other.credit, other.reconciled), (self.transit, amount, True))
        self.assertTrue(line.is_reconciled)

    def test_bank_credit_of_the_report_clears_the_transit_account(self):
        orders, report = self.settled_orders_and_report()
        receivable = self.balance_of(self.receivable)
        receivable_items = orders.receivable_line_id.read(['amount_residual', 'reconciled', 'matched_credit_ids'])
        line = self.bank_line(66.63, 'BONIFICO %s' % REMITTANCE, partner_name='Intesa Sanpaolo')
        self.assertEqual((line.munipay_match_state, report.statement_line_id), ('pagopa', line))
        self.assertTransitCleared(line, 66.63)
        # every receipt's transit item is reconciled with the bank's credit
        transit_items = self.receipt_items(orders.pagopa_receipt_ids, self.transit)
        self.assertEqual(len(transit_items), 3)
        self.assertTrue(all(transit_items.mapped('reconciled')))
        self.assertEqual(transit_items.full_reconcile_id, line.move_id.line_ids.full_reconcile_id)
        # the settlement touches neither the payers' receivables nor the orders
        self.assertEqual(self.balance_of(self.receivable), receivable)
        self.assertEqual(orders.receivable_line_id.read(['amount_residual', 'reconciled', 'matched_credit_ids']),
                         receivable_items)
        self.assertEqual(orders.mapped('state'), ['paid'] * 3)
        self.assertEqual(set(orders.pagopa_receipt_ids.mapped('settlement_state')), {'settled'})
        self.assertBalanced()

    def test_regulation_id_and_amount_settle_too(self):
        _orders, report = self.settled_orders_and_report(2)
        line = self.bank_line(44.42, 'RIVERSAMENTO PAGOPA %s INTESA' % TRN)
        self.assertEqual(report.statement_line_id, line)
        self.assertTransitCleared(line, 44.42)

    def test_other_amount_waits_as_suspense_never_forced(self):
        _orders, report = self.settled_orders_and_report(2)
        line = self.bank_line(40.00, REMITTANCE)
        self.assertEqual(line.munipay_match_state, 'suspense')
        self.assertIn("is not the total of pagoPA settlement report %s" % FLOW_ID, line.munipay_match_note)
        item = line.move_id.line_ids.filtered('munipay_suspense')
        self.assertEqual((item.account_id, item.credit), (self.suspense_account, 40.0))
        self.assertTrue(line.move_id.activity_ids)
        self.assertFalse(report.statement_line_id)
        self.assertEqual(self.balance_of(self.transit), 44.42)
        # a transfer with only the regulation id and another amount is not this report's
        other = self.bank_line(12.00, 'TRN %s' % TRN)
        self.assertNotEqual(other.munipay_match_state, 'pagopa')

    def test_bank_credit_before_the_report_is_settled_when_it_arrives(self):
        orders = self.paid_orders(2)
        line = self.bank_line(44.42, REMITTANCE)
        self.assertEqual(line.munipay_match_state, 'suspense')
        self.assertIn('not imported yet', line.munipay_match_note)
        self.assertEqual(len(line.move_id.activity_ids), 1)
        report = self.import_xml(self.flow_xml([self.payment(order, 22.21) for order in orders]))
        self.assertEqual((report.statement_line_id, line.munipay_match_state), (line, 'pagopa'))
        self.assertTransitCleared(line, 44.42)
        self.assertFalse(line.move_id.line_ids.filtered('munipay_suspense'))
        self.assertFalse(line.move_id.activity_ids, "the officer's to-do is done")
        self.assertEqual(self.balance_of(self.suspense_account), 0.0)
        self.assertBalanced()

    def test_what_no_receipt_explains_waits_as_suspense(self):
        orders = self.paid_orders(2)
        payments = [self.payment(order, 22.21) for order in orders] + [('01999999999999999', 'X-1', 1, '5.00', '0')]
        report = self.import_xml(self.flow_xml(payments))
        line = self.bank_line(49.42, REMITTANCE)
        self.assertEqual((report.statement_line_id, line.munipay_match_state), (line, 'pagopa'))
        self.assertEqual(self.balance_of(self.transit), 0.0)
        self.assertFalse(self.open_transit())
        rest = line.move_id.line_ids.filtered('munipay_suspense')
        self.assertEqual((rest.account_id, rest.credit, rest.reconciled), (self.suspense_account, 5.0, False))
        self.assertTrue(line.is_reconciled)
        self.assertIn('5.00', line.munipay_match_note)
        self.assertTrue(line.move_id.activity_ids)
        self.assertBalanced()

    def test_a_report_is_settled_once(self):
        _orders, report = self.settled_orders_and_report(1)
        first = self.bank_line(22.21, REMITTANCE)
        second = self.bank_line(22.21, REMITTANCE)
        self.assertEqual((first.munipay_match_state, second.munipay_match_state), ('pagopa', 'suspense'))
        self.assertIn('already settled', second.munipay_match_note)
        self.assertEqual(report.statement_line_id, first)

    def test_undo_reconciliation_frees_the_report(self):
        _orders, report = self.settled_orders_and_report(1)
        line = self.bank_line(22.21, REMITTANCE)
        line.action_undo_reconciliation()
        self.assertFalse(report.statement_line_id)
        self.assertEqual(self.balance_of(self.transit), 22.21)
        line.action_munipay_match()
        self.assertEqual((report.statement_line_id, line.munipay_match_state), (line, 'pagopa'))
        self.assertEqual(self.balance_of(self.transit), 0.0)

    def test_transfer_naming_only_the_iuv_or_notice_number_pays_the_order(self):
        by_iuv, by_notice = self.make_order(), self.make_order()
        line = self.bank_line(22.21, 'Pagamento avviso IUV %s' % by_iuv.pagopa_iuv)
        self.assertEqual((line.munipay_match_state, line.munipay_order_id, by_iuv.state), ('order', by_iuv, 'paid'))
        line = self.bank_line(22.21, 'avviso %s' % format_in_groups(by_notice.pagopa_notice_number))
        self.assertEqual((line.munipay_order_id, by_notice.state), (by_notice, 'paid'))

    def test_a_large_report_is_cleared_by_the_job_in_batches(self):
        orders, report = self.settled_orders_and_report(5)
        with patch.object(munipay_pagopa_fdr_bank, 'INLINE_RECONCILE_LIMIT', 2):
            line = self.bank_line(111.05, REMITTANCE)
            self.assertEqual((report.statement_line_id, report.transit_pending), (line, True))
            self.assertEqual(len(self.open_transit()), 4, "two receipts and the bank's credit wait for the job")
            Fdr = self.env['munipay.pagopa.fdr']
            Fdr._cron_pagopa_reconcile_transit(batch_size=2)
            self.assertEqual(len(self.open_transit()), 2)
            Fdr._cron_pagopa_reconcile_transit(batch_size=2)
        self.assertFalse(report.transit_pending)
        self.assertTransitCleared(line, 111.05)
        self.assertEqual(len(self.receipt_items(orders.pagopa_receipt_ids, self.transit).full_reconcile_id), 1)
        self.assertBalanced()
