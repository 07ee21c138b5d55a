from odoo.tests import tagged

from .common import MunipayCommon

CHECKED = ['amount_untaxed', 'amount_tax', 'amount_total', 'amount_residual', 'amount_untaxed_signed',
           'amount_tax_signed', 'amount_total_signed', 'amount_residual_signed', 'amount_total_in_currency_signed',
           'payment_state', 'invoice_date_due']


@tagged('post_install', '-at_install')
class TestReconcileWalk(MunipayCommon):
    """Reconciling an order's items leaves the amounts of posted miscellaneous
    entries as they are (only their debits make them): what is stored must be
    what Odoo computes afresh, for those entries and for the invoices."""

    def stored(self, moves):
        self.env.flush_all()
        self.env.cr.execute("SELECT id, %s FROM account_move WHERE id IN %%s ORDER BY id" % ', '.join(CHECKED),
                            [tuple(moves.ids)])
        return self.env.cr.fetchall()

    def assertStoredIsComputed(self, moves):
        before = self.stored(moves)
        self.env.invalidate_all()
        Move = self.env['account.move']
        for fname in CHECKED:
            self.env.add_to_compute(Move._fields[fname], moves)
        self.env.flush_all()
        self.assertEqual(self.stored(moves), before)

    def test_batch_entry_invoice_and_payments_stay_true(self):
        orders = self.env['munipay.payment.order'].create([{
            'partner_id': partner.id, 'fee_type_id': self.fee_card.id,
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(self.fee_card),
        } for partner in (self.payer, self.payer_2, self.payer)])
        entry = orders._munipay_issue_batch()
        single = self.make_order(partner=self.payer_2)
        payments = orders[0]._munipay_pay(self.bank_journal)
        payments |= orders[1]._munipay_pay(self.bank_journal, amount=10.0, external=True)
        payments |= single._munipay_pay(self.bank_journal)
        self.assertEqual((orders | single).mapped('state'), ['paid', 'issued', 'issued', 'paid'])
        self.assertIn(single.move_id.payment_state, ('in_payment', 'paid'))
        self.assertEqual(single.move_id.amount_residual, 0.0)
        self.assertTrue(orders[0].receivable_line_id.reconciled)
        self.assertEqual(orders[1].receivable_line_id.amount_residual, 12.21)
        self.assertStoredIsComputed(entry | single.move_id | payments.move_id)
        # and back: the payment undone reopens the order, amounts still true
        orders[0].receivable_line_id.remove_move_reconcile()
        self.assertEqual(orders[0].state, 'issued')
        self.assertStoredIsComputed(entry | single.move_id | payments.move_id)
