import json
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..lib import mapping as mp
from .common import SLOW, BillingCommon


@tagged('post_install', '-at_install')
class TestOutboxRest(BillingCommon):
    """A paid order of an external account is queued in the payment's transaction and
    posted by the job, once, whatever the REST system answers."""

    def posted(self):
        return [json.loads(request['body']) for request in self.rest.posts()]

    def test_payment_is_queued_then_posted_with_mapping_cents_and_key(self):
        order = self.pay_order(self.rest_system)
        outbox = order.billing_outbox_ids
        self.assertEqual(len(outbox), 1)
        self.assertEqual((outbox.state, outbox.amount, outbox.account_number, outbox.reference),
                         ('pending', 22.21, 'W-1001', order.payment_reference))
        self.assertEqual(outbox.move_id, order._munipay_money_moves())
        self.assertFalse(self.rest.requests, "the cashier's transaction does not wait for the remote")
        self.assertTrue(self.env['ir.cron.trigger'].search(
            [('cron_id', '=', self.env.ref('munipay_billing.ir_cron_munipay_billing_outbox').id)]))
        self.run_job()
        self.assertEqual(self.posted(), [{'payment': {
            'customer': 'W-1001', 'amountCents': 2221, 'ref': order.payment_reference,
            'requestId': outbox.idempotency_key}}])
        self.assertEqual(self.rest.posts()[0]['headers']['Idempotency-Key'], outbox.idempotency_key)
        self.assertEqual((outbox.state, outbox.remote_id, outbox.attempts, outbox.last_error),
                         ('sent', 'PAY-1', 1, False))
        self.assertEqual(self.rest.accounts['W-1001']['cents'], 4599 - 2221)
        self.run_job(outbox)
        self.assertEqual(len(self.rest.posts()), 1, "a sent payment is not posted again")
        order._munipay_on_paid()
        self.assertEqual(order.billing_outbox_ids, outbox, "one payment is queued once")

    def test_order_without_billing_account_is_not_queued(self):
        order = self.make_order()
        self.register_native(order.move_id, 'account.move')
        self.assertFalse(self.Outbox.search([('order_id', '=', order.id)]))

    def test_server_errors_back_off_exponentially_with_jitter(self):
        order = self.pay_order(self.rest_system)
        outbox = order.billing_outbox_ids
        self.rest.then('status', status=500, times=2)
        self.run_job()
        self.assertWaits(outbox, 1, 60)
        self.assertIn('HTTP 500', outbox.last_error)
        self.run_job()
        self.assertEqual(outbox.attempts, 1, "not retried before its time")
        self.run_job(outbox)
        self.assertWaits(outbox, 2, 60)
        self.run_job(outbox)
        self.assertEqual((outbox.state, outbox.attempts), ('sent', 3))
        keys = {post['payment']['requestId'] for post in self.posted()}
        self.assertEqual(keys, {outbox.idempotency_key}, "every try carries the same key")
        self.assertEqual(len(self.rest.payments), 1)

    def test_given_up_after_the_policy_tries_then_retried_by_hand(self):
        order = self.pay_order(self.rest_system)
        outbox = order.billing_outbox_ids
        self.rest.then('status', status=503, times=4)
        for attempt in range(1, 4):
            self.run_job(outbox)
            self.assertWaits(outbox, attempt, 60)
        self.run_job(outbox)
        self.assertEqual((outbox.state, outbox.attempts, outbox.next_attempt), ('failed', 4, False))
        self.assertIn('Given up after 4 tries', outbox.last_error)
        self.run_job(outbox)
        self.assertEqual(len(self.rest.posts()), 4, "the job leaves failed payments alone")
        action = outbox.action_retry_now()
        self.assertEqual(action['params']['type'], 'success')
        self.assertEqual((outbox.state, outbox.remote_id), ('sent', 'PAY-1'))

    def test_backoff_is_capped(self):
        self.assertEqual(mp.backoff_delay(12, 60, 3600, rng=lambda: 1.0), 3600)
        with patch('odoo.addons.munipay_billing.lib.mapping.random.random', return_value=0.0):
            order = self.pay_order(self.rest_system)
            outbox = order.billing_outbox_ids
            outbox.attempts = 2
            self.rest.then('status', status=502)
            self.run_job()
        wait = (outbox.next_attempt - fields.Datetime.now()).total_seconds()
        self.assertAlmostEqual(wait, 60 * 4 / 2, delta=5)

    def test_conflict_counts_as_sent(self):
        order = self.pay_order(self.rest_system)
        outbox = order.billing_outbox_ids
        self.rest.payments[outbox.idempotency_key] = {'id': 'PAY-7', 'account': 'W-1001'}
        self.run_job()
        self.assertEqual(outbox.state, 'sent')
        self.assertIn('already had this payment (already received (HTTP 409))', outbox.last_error)
        self.assertEqual(len(self.rest.payments), 1)

    def test_mapping_duplicate_code_counts_as_sent(self):
        order = self.pay_order(self.rest_system)
        outbox = order.billing_outbox_ids
        self.rest.payments[outbox.idempotency_key] = {'id': 'PAY-7', 'account': 'W-1001'}
        self.rest.then('duplicate422')
        self.run_job()
        self.assertEqual(outbox.state, 'sent')
        self.assertIn('HTTP 422', outbox.last_error)

    def test_client_error_fails_for_good_with_the_reason(self):
        order = self.pay_order(self.rest_system)
        outbox = order.billing_outbox_ids
        self.rest.then('status', status=422, body={'message': 'account W-1001 is closed'})
        self.run_job()
        self.assertEqual((outbox.state, outbox.attempts), ('failed', 1))
        self.assertEqual(outbox.last_error,
                         'Water billing (REST) refused the request: HTTP 422: account W-1001 is closed')
        self.run_job(outbox)
        self.assertEqual(len(self.rest.posts()), 1)

    def test_lost_answer_is_not_posted_twice(self):
        """The remote booked the payment but its answer came too late: the retry
        carries the same key, the remote says it has it, nothing is booked twice."""
        order = self.pay_order(self.rest_system)
        outbox = order.billing_outbox_ids
        self.rest.then('slow', delay=SLOW)
        self.run_job()
        self.assertWaits(outbox, 1, 60)
        self.assertIn('no answer within', outbox.last_error)
        self.assertEqual(len(self.rest.payments), 1, "the remote got the first try")
        self.run_job(outbox)
        self.assertEqual(outbox.state, 'sent')
        self.assertEqual([request['fields']['key'] for request in self.rest.posts()], [outbox.idempotency_key] * 2)
        self.assertEqual(len(self.rest.payments), 1)
        self.assertEqual(self.rest.accounts['W-1001']['cents'], 4599 - 2221)

    def test_malformed_answer_to_a_post_is_asked_again(self):
        order = self.pay_order(self.rest_system)
        outbox = order.billing_outbox_ids
        self.rest.then('malformed')
        self.run_job()
        self.assertWaits(outbox, 1, 60)
        self.assertIn('unreadable answer to a payment', outbox.last_error)
        self.run_job(outbox)
        self.assertEqual(outbox.state, 'sent')
        self.assertEqual(len(self.rest.payments), 1, "booked once, by the try after the malformed answer")

    def test_batches_and_pause_when_the_system_keeps_failing(self):
        orders = [self.pay_order(self.rest_system, account='W-%d' % index) for index in range(6)]
        outboxes = self.Outbox.search([('order_id', 'in', [order.id for order in orders])])
        self.assertEqual(len(self.run_job(batch_size=2)), 2)
        self.assertEqual(len(self.rest.posts()), 2)
        self.rest.then('status', status=500, times=10)
        self.run_job(outboxes)
        self.assertEqual(len(self.rest.posts()), 5, "after three failures in a row the rest of the batch waits")
        waiting = outboxes.filtered(lambda r: r.state == 'pending')
        self.assertEqual(sorted(waiting.mapped('attempts')), [0, 1, 1, 1])
        put_off = waiting.filtered(lambda r: not r.attempts)
        self.assertAlmostEqual((put_off.next_attempt - fields.Datetime.now()).total_seconds(), 60, delta=5)

    def test_wallet_top_up_is_posted(self):
        fee = self.env['munipay.fee.type'].create({
            'name': 'School canteen', 'code': 'MENSA', 'category': 'service', 'product_id': self.product_fee.id,
            'amount': 5.0})
        wallet = self.env['munipay.wallet'].create({
            'holder_id': self.payer.id, 'service_fee_type_id': fee.id, 'billing_system_id': self.rest_system.id,
            'billing_account_number': 'CANTEEN-7'})
        move = wallet._munipay_credit(30.1, self.cash_journal.default_account_id)
        outbox = wallet.billing_outbox_ids
        self.assertEqual((outbox.move_id, outbox.amount, outbox.account_number), (move, 30.1, 'CANTEEN-7'))
        self.run_job()
        self.assertEqual(self.posted()[0]['payment']['amountCents'], 3010)
        self.assertEqual(outbox.state, 'sent')
