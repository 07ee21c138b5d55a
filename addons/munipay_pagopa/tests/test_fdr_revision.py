from odoo.exceptions import UserError
from odoo.tests import tagged

from .fdr_common import FLOW_ID, FdrCommon

FIRST = '2026-11-18BCITITMM-S0001'


@tagged('post_install', '-at_install')
class TestFdrRevision(FdrCommon):
    """Revoked payments reopen their orders; a revision of a report replaces the older one."""

    def reported_and_settled(self, orders):
        """The orders' receipts in a first report, settled by the bank."""
        report = self.import_xml(self.flow_xml([self.payment(o, o.amount_total) for o in orders], flow_id=FIRST,
                                               regulation='TRN-FIRST'))
        self.bank_line(report.amount_settled, '/PUR/LGPE-RIVERSAMENTO/URI/%s' % FIRST)
        self.assertTrue(report.statement_line_id)
        return report

    def revocations(self):
        return self.env['account.move'].search([('ref', 'like', 'pagoPA revocation')])

    def test_revoked_payment_reopens_the_order(self):
        revoked, kept = self.paid_orders(2)
        self.reported_and_settled(revoked | kept)
        third = self.make_order(amount=50.0)
        self.book_receipt(third, 'R3')
        receipt = revoked.pagopa_receipt_ids
        report = self.import_xml(self.flow_xml([self.payment(third, 50.0), self.payment(revoked, 22.21, outcome='3')]))
        self.assertEqual((report.version, report.amount_settled, report.state), ('1.0.4', 27.79, 'matched'))
        line = report.line_ids[1]
        self.assertRecordValues(line, [{'state': 'revoked', 'amount': -22.21, 'receipt_id': receipt.id,
                                        'order_id': revoked.id}])
        # the revocation moves the money from the transit account back onto the payer...
        move = line.reversal_move_id
        self.assertEqual(move.state, 'posted')
        self.assertEqual(move.journal_id, self.company.munipay_pagopa_journal_id)
        debit = move.line_ids.filtered(lambda l: l.debit)
        credit = move.line_ids.filtered(lambda l: l.credit)
        self.assertEqual((debit.account_id, debit.partner_id, debit.debit), (self.receivable, self.payer, 22.21))
        self.assertEqual((credit.account_id, credit.credit), (self.transit, 22.21))
        # ...where it cancels the receipt's payment, taken off the order: the order is open again
        paid = self.receipt_items(receipt, self.receivable)
        self.assertEqual(paid.full_reconcile_id, debit.full_reconcile_id)
        self.assertEqual((revoked.state, revoked.amount_residual, revoked.receivable_line_id.reconciled),
                         ('issued', 22.21, False))
        self.assertFalse(revoked.needs_refund)
        self.assertTrue(any('pagoPA revoked the payment' in body for body in revoked.message_ids.mapped('body')))
        self.assertEqual(receipt.settlement_state, 'revoked')
        self.assertEqual((kept.state, third.state), ('paid', 'paid'))
        # the PSP transfers paid minus revoked: the transit account is cleared
        line = self.bank_line(27.79, '/PUR/LGPE-RIVERSAMENTO/URI/%s' % FLOW_ID)
        self.assertEqual(report.statement_line_id, line)
        self.assertEqual(self.balance_of(self.transit), 0.0)
        self.assertFalse(self.open_transit())
        self.assertBalanced()

    def test_a_revision_supersedes_the_older_one(self):
        first, second, third = self.paid_orders(3)
        old = self.import_xml(self.flow_xml([self.payment(first, 22.21), self.payment(second, 20.0)]))
        self.assertEqual((old.state, len(old.activity_ids)), ('difference', 1))
        new = self.import_xml(self.flow_xml([self.payment(o, 22.21) for o in (first, second, third)],
                                            flow_time='2026-11-20T18:00:00'))
        self.assertEqual((new.revision, new.state, new.amount_settled), (2, 'matched', 66.63))
        self.assertEqual((old.state, old.superseded_by_id), ('superseded', new))
        self.assertFalse(old.activity_ids)
        self.assertEqual(new.display_name, '%s (2)' % FLOW_ID)
        # each receipt counts once: in the live revision
        live = (first | second | third).pagopa_fdr_line_ids.filtered(lambda l: l.fdr_state != 'superseded')
        self.assertEqual(live.fdr_id, new)
        self.assertEqual(len(live), 3)
        self.assertEqual(set((first | second | third).pagopa_receipt_ids.mapped('settlement_state')), {'reported'})
        with self.raises(UserError, 'older than the one already imported'):
            self.import_xml(self.flow_xml([self.payment(first, 22.21)], flow_time='2026-11-19T08:00:00'))
        # the bank's credit is the revision's
        line = self.bank_line(66.63, '/PUR/LGPE-RIVERSAMENTO/URI/%s' % FLOW_ID)
        self.assertEqual((new.statement_line_id, old.statement_line_id), (line, self.env['account.bank.statement.line']))
        self.assertEqual(self.balance_of(self.transit), 0.0)
        self.assertBalanced()

    def test_a_revision_takes_over_or_undoes_a_revocation(self):
        revoked, kept = self.paid_orders(2)
        self.reported_and_settled(revoked | kept)
        third = self.make_order(amount=50.0)
        self.book_receipt(third, 'R3')
        payments = [self.payment(third, 50.0), self.payment(revoked, 22.21, outcome='3')]
        rev1 = self.import_xml(self.flow_xml(payments))
        rev2 = self.import_xml(self.flow_xml(payments, flow_time='2026-11-20T12:00:00'))
        # the same revocation, booked once
        self.assertEqual(len(self.revocations()), 1)
        self.assertEqual(rev2.line_ids[1].reversal_move_id, rev1.line_ids[1].reversal_move_id)
        self.assertEqual(revoked.state, 'issued')
        # a third revision no longer revokes it: the payment is back on the order
        rev3 = self.import_xml(self.flow_xml(payments[:1], flow_time='2026-11-20T14:00:00'))
        self.assertEqual((rev3.revision, rev3.amount_settled), (3, 50.0))
        self.assertEqual((revoked.state, revoked.amount_residual), ('paid', 0.0))
        self.assertFalse(revoked.needs_refund)
        reversal = rev1.line_ids[1].reversal_move_id
        self.assertFalse(rev2.line_ids[1].reversal_move_id)
        self.assertTrue(all(reversal.line_ids.mapped('reconciled')), "cancelled by its own reversal")
        self.assertEqual(revoked.pagopa_receipt_ids.settlement_state, 'settled')
        self.bank_line(50.0, '/PUR/LGPE-RIVERSAMENTO/URI/%s' % FLOW_ID)
        self.assertEqual(rev3.statement_line_id.amount, 50.0)
        self.assertEqual(self.balance_of(self.transit), 0.0)
        self.assertFalse(self.open_transit())
        self.assertBalanced()

    def test_revocation_of_a_payment_never_reported_paid_is_a_difference(self):
        order = self.paid_orders(1)
        kept = self.make_order(amount=50.0)
        self.book_receipt(kept, 'R-KEPT')
        report = self.import_xml(self.flow_xml([self.payment(kept, 50.0), self.payment(order, 22.21, outcome='3')]))
        self.assertEqual(report.line_ids[1].state, 'difference')
        self.assertEqual(order.state, 'paid')
        self.assertFalse(self.revocations())

    def test_a_revision_after_the_bank_credit_keeps_it(self):
        first, second, third = self.paid_orders(3)
        old = self.import_xml(self.flow_xml([self.payment(o, 22.21) for o in (first, second)]))
        line = self.bank_line(44.42, '/PUR/LGPE-RIVERSAMENTO/URI/%s' % FLOW_ID)
        same = self.import_xml(self.flow_xml([self.payment(o, 22.21) for o in (first, second)],
                                             flow_time='2026-11-20T12:00:00'))
        self.assertEqual((same.statement_line_id, old.statement_line_id, same.transit_pending),
                         (line, self.env['account.bank.statement.line'], False))
        self.assertFalse(same.activity_ids)
        # only the third receipt, in no report yet, waits on the transit account
        self.assertEqual(self.open_transit(), self.receipt_items(third.pagopa_receipt_ids, self.transit))
        # a revision that transfers more than the bank brought: the officer is told, nothing is forced
        more = self.import_xml(self.flow_xml([self.payment(o, 22.21) for o in (first, second, third)],
                                             flow_time='2026-11-20T14:00:00'))
        self.assertEqual(more.statement_line_id, line)
        self.assertIn('was revised after its bank credit', more.activity_ids.note)
        self.assertEqual(self.balance_of(self.transit), 22.21)
        self.assertBalanced()
