from odoo.tests import tagged

from .test_outbox_reversal import ReversalCommon


@tagged('post_install', '-at_install')
class TestOutboxReversalChain(ReversalCommon):
    """A wallet top-up's entry reversed, and that reversal reversed in turn: the money is
    on the wallet again, so the billing system counts it again (once), and taking it
    back a third time reverses it there again."""

    def test_reversal_of_a_reversed_top_up_posts_it_again(self):
        wallet = self.env['munipay.wallet'].create({
            'holder_id': self.payer.id, 'service_fee_type_id': self.env['munipay.fee.type'].create({
                'name': 'School canteen', 'code': 'MENSA', 'category': 'service',
                'product_id': self.product_fee.id, 'amount': 5.0}).id,
            'billing_system_id': self.rest_system.id, 'billing_account_number': 'CANTEEN-7'})
        cash = self.cash_journal.default_account_id
        liability = self.company._munipay_get('munipay_wallet_account_id')
        move = wallet._munipay_credit(30.1, cash)
        payment = wallet.billing_outbox_ids
        self.run_job()
        self.assertEqual(self.rest.booked_cents('CANTEEN-7'), 3010)

        reversal = move._reverse_moves(cancel=True)
        self.assertEqual(wallet.balance, 0.0)
        self.run_job()
        self.assertEqual(payment.reversal_ids.state, 'sent')
        self.assertEqual(self.rest.booked_cents('CANTEEN-7'), 0)

        # the accountant reverses the reversal: the top-up stands again
        again = reversal._reverse_moves(cancel=True)
        self.assertEqual((again.state, again.reversed_entry_id), ('posted', reversal))
        self.assertRecordValues(again.line_ids.sorted('credit'), [
            {'account_id': cash.id, 'debit': 30.1, 'credit': 0.0, 'munipay_wallet_id': False},
            {'account_id': liability.id, 'debit': 0.0, 'credit': 30.1, 'munipay_wallet_id': wallet.id},
        ])
        wallet.invalidate_recordset(['balance'])
        self.assertEqual(wallet.balance, 30.1)
        reposted = wallet.billing_outbox_ids.filtered(lambda r: r.kind == 'payment') - payment
        self.assertEqual(len(reposted), 1, "the top-up that stands again is posted to the system again")
        self.assertRecordValues(reposted, [{'move_id': again.id, 'amount': 30.1, 'state': 'pending',
                                            'account_number': 'CANTEEN-7', 'wallet_id': wallet.id}])
        self.assertNotEqual(reposted.idempotency_key, payment.idempotency_key)
        self.run_job()
        self.assertEqual(self.rest.booked_cents('CANTEEN-7'), 3010, "the system counts it once again")

        # and a third reversal takes it back there again
        third = again._reverse_moves(cancel=True)
        wallet.invalidate_recordset(['balance'])
        self.assertEqual(wallet.balance, 0.0)
        self.assertEqual(reposted.reversal_ids.original_id, reposted)
        self.assertEqual(third.line_ids.filtered(lambda l: l.account_id == liability).debit, 30.1)
        self.run_job()
        self.assertEqual(self.rest.booked_cents('CANTEEN-7'), 0)
        self.assertEqual(len(wallet.billing_outbox_ids.filtered(lambda r: r.kind == 'payment')), 2)

    def test_reversal_reset_to_draft_posts_the_top_up_again(self):
        wallet = self.env['munipay.wallet'].create({
            'holder_id': self.payer.id, 'service_fee_type_id': self.env['munipay.fee.type'].create({
                'name': 'School canteen', 'code': 'MENSA', 'category': 'service',
                'product_id': self.product_fee.id, 'amount': 5.0}).id,
            'billing_system_id': self.rest_system.id, 'billing_account_number': 'CANTEEN-7'})
        liability = self.company._munipay_get('munipay_wallet_account_id')
        move = wallet._munipay_credit(30.1, self.cash_journal.default_account_id)
        payment = wallet.billing_outbox_ids
        self.run_job()
        reversal = move._reverse_moves(cancel=True)
        self.run_job()
        self.assertEqual(self.rest.booked_cents('CANTEEN-7'), 0)

        reversal.button_draft()
        wallet.invalidate_recordset(['balance'])
        self.assertEqual(wallet.balance, 30.1)
        self.assertEqual(move.line_ids.filtered(lambda l: l.account_id == liability).credit, 30.1)
        restored = wallet.billing_outbox_ids.filtered(lambda r: r.kind == 'payment') - payment
        self.assertRecordValues(restored, [{'move_id': move.id, 'amount': 30.1, 'state': 'pending'}])
        self.run_job()
        self.assertEqual(self.rest.booked_cents('CANTEEN-7'), 3010)

        # the reversal posted again takes it back once more
        reversal.action_post()
        wallet.invalidate_recordset(['balance'])
        self.assertEqual(wallet.balance, 0.0)
        self.assertEqual(restored.reversal_ids.original_id, restored)
        self.run_job()
        self.assertEqual(self.rest.booked_cents('CANTEEN-7'), 0)
