import json

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import BillingCommon


class ReversalCommon(BillingCommon):

    def undo_payment(self, order):
        """Take the payment off the order in accounting; the order is open again."""
        credit = order.receivable_line_id.matched_credit_ids.credit_move_id
        self.assertEqual(len(credit), 1)
        order.receivable_line_id.remove_move_reconcile()
        self.assertEqual(order.state, 'issued')
        receivable = order.receivable_line_id
        self.assertFalse(receivable.reconciled)
        self.assertEqual((receivable.debit, receivable.amount_residual), (22.21, 22.21))
        self.assertEqual(credit.account_id, receivable.account_id)
        self.assertEqual((credit.credit, credit.amount_residual), (22.21, -22.21))
        self.assertFalse(credit.reconciled)
        self.assertEqual(order.refund_line_ids, credit, "the money waits as a credit on the payer")
        return credit

    def pay_again(self, order, credit):
        """The accountant reconciles the same payment with the order again."""
        (order.receivable_line_id | credit).reconcile()
        self.assertEqual(order.state, 'paid')
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertEqual((order.receivable_line_id.amount_residual, credit.amount_residual), (0.0, 0.0))
        self.assertFalse(order.needs_refund)

    def payments(self, order):
        return self.Outbox.search([('order_id', '=', order.id), ('kind', '=', 'payment')], order='id')

    def reversals(self, order):
        return self.Outbox.search([('order_id', '=', order.id), ('kind', '=', 'reversal')], order='id')


@tagged('post_install', '-at_install')
class TestOutboxReversalRest(ReversalCommon):
    """A payment undone in accounting after the system got it is taken back there
    (REST), once; paid again, it is posted again."""

    def test_sent_payment_undone_is_reversed_then_posted_again(self):
        order = self.pay_order(self.rest_system)
        payment = order.billing_outbox_ids
        self.run_job()
        self.assertEqual((payment.state, payment.remote_id), ('sent', 'PAY-1'))
        self.assertEqual(self.rest.booked_cents('W-1001'), 2221)

        credit = self.undo_payment(order)
        reversal = payment.reversal_ids
        self.assertEqual(len(reversal), 1)
        self.assertEqual((reversal.kind, reversal.original_id, reversal.state, reversal.amount, reversal.order_id),
                         ('reversal', payment, 'pending', 22.21, order))
        self.assertNotEqual(reversal.idempotency_key, payment.idempotency_key)
        self.assertEqual(payment.state, 'sent', "what the system got stays sent; its reversal takes it back")
        self.assertFalse(self.rest.reversal_requests(), "the accountant's transaction does not wait for the remote")

        self.run_job()
        [request] = self.rest.reversal_requests()
        self.assertEqual(request['path'], '/api/v2/payments/%s/reversal' % payment.idempotency_key)
        self.assertEqual(json.loads(request['body']), {'payment': {'requestId': reversal.idempotency_key}})
        self.assertEqual(request['headers']['Idempotency-Key'], reversal.idempotency_key)
        self.assertEqual((reversal.state, reversal.remote_id, reversal.last_error), ('sent', 'REV-1', False))
        self.assertEqual(self.rest.booked_cents('W-1001'), 0, "the system's book nets to zero")
        self.assertEqual(self.rest.accounts['W-1001']['cents'], 4599)
        order._munipay_on_reopened()
        self.assertEqual(payment.reversal_ids, reversal, "a payment is taken back once")

        self.pay_again(order, credit)
        again = self.payments(order) - payment
        self.assertEqual(len(again), 1, "the same entry, reconciled again, is a new payment")
        self.assertEqual((again.move_id, again.state, again.amount), (payment.move_id, 'pending', 22.21))
        self.assertNotEqual(again.idempotency_key, payment.idempotency_key)
        self.run_job()
        self.assertEqual(again.state, 'sent')
        self.assertEqual(len(self.rest.posts()), 2)
        self.assertEqual(self.rest.booked_cents('W-1001'), 2221, "counted once")
        self.assertEqual(self.rest.accounts['W-1001']['cents'], 4599 - 2221)

        self.undo_payment(order)
        self.assertEqual(self.reversals(order).original_id, payment | again, "only the live payment is taken back")

    def test_unsent_payment_is_cancelled_and_never_sent(self):
        order = self.pay_order(self.rest_system)
        payment = order.billing_outbox_ids
        credit = self.undo_payment(order)
        self.assertEqual((payment.state, payment.next_attempt, payment.reversal_ids),
                         ('cancelled', False, self.Outbox))
        self.assertEqual(payment.last_error,
                         "Cancelled before it was sent: the order's payment was undone in accounting.")
        self.run_job(payment)
        self.assertFalse(self.rest.requests, "a cancelled payment never reaches the system")
        with self.assertRaises(UserError):
            payment.action_retry_now()
        self.pay_again(order, credit)
        again = self.payments(order) - payment
        self.run_job()
        self.assertEqual([post['fields']['key'] for post in self.rest.posts()], [again.idempotency_key])
        self.assertFalse(self.rest.reversal_requests())
        self.assertEqual(self.rest.booked_cents('W-1001'), 2221)

    def test_tried_payment_is_stopped_and_reversal_of_unknown_payment_is_done(self):
        """Tried once (a 503, so the system may or may not have it): stopped, and
        reversed; the system never got it and answers 404: nothing to take back."""
        order = self.pay_order(self.rest_system)
        payment = order.billing_outbox_ids
        self.rest.then('status', status=503)
        self.run_job()
        self.assertWaits(payment, 1, 60)
        self.undo_payment(order)
        self.assertEqual((payment.state, payment.next_attempt), ('cancelled', False))
        self.assertIn("Cancelled after 1 tries", payment.last_error)
        reversal = payment.reversal_ids
        self.run_job(payment | reversal)
        self.assertEqual(len(self.rest.posts()), 1, "the payment is not tried again")
        self.assertEqual(len(self.rest.reversal_requests()), 1)
        self.assertEqual((reversal.state, reversal.attempts), ('sent', 1))
        self.assertIn("has no payment %s, so nothing to take back" % payment.idempotency_key, reversal.last_error)
        self.assertIn("HTTP 404", reversal.last_error)
        self.assertEqual(self.rest.booked_cents('W-1001'), 0)

    def test_unknown_payment_error_code_counts_as_done(self):
        order = self.pay_order(self.rest_system)
        payment = order.billing_outbox_ids
        self.run_job()
        self.undo_payment(order)
        self.rest.then('status', operation='reverse', status=422,
                       body={'error': {'code': 'UNKNOWN_PAYMENT'}, 'message': 'no such payment'})
        self.run_job()
        self.assertEqual(payment.reversal_ids.state, 'sent')
        self.assertIn("nothing to take back", payment.reversal_ids.last_error)

    def test_reversal_is_retried_with_backoff(self):
        order = self.pay_order(self.rest_system)
        payment = order.billing_outbox_ids
        self.run_job()
        self.undo_payment(order)
        reversal = payment.reversal_ids
        self.rest.then('status', operation='reverse', status=503, times=2)
        self.run_job()
        self.assertWaits(reversal, 1, 60)
        self.assertIn('HTTP 503', reversal.last_error)
        self.run_job()
        self.assertEqual(reversal.attempts, 1, "not retried before its time")
        self.run_job(reversal)
        self.assertWaits(reversal, 2, 60)
        self.run_job(reversal)
        self.assertEqual((reversal.state, reversal.attempts, reversal.remote_id), ('sent', 3, 'REV-1'))
        keys = {request['fields']['key'] for request in self.rest.reversal_requests()}
        self.assertEqual(keys, {reversal.idempotency_key}, "every try carries the reversal's own key")
        self.assertEqual(self.rest.booked_cents('W-1001'), 0)
        self.assertEqual(len(self.rest.reversals), 1)

    def test_reversal_the_system_has_already_counts_as_sent(self):
        order = self.pay_order(self.rest_system)
        payment = order.billing_outbox_ids
        self.run_job()
        self.undo_payment(order)
        reversal = payment.reversal_ids
        self.rest._unbook(payment.idempotency_key, reversal.idempotency_key)  # a try whose answer was lost
        self.run_job()
        self.assertEqual(reversal.state, 'sent')
        self.assertIn('had taken this payment back already', reversal.last_error)
        self.assertEqual(self.rest.booked_cents('W-1001'), 0)
        self.assertEqual(self.rest.accounts['W-1001']['cents'], 4599)

    def test_reversal_waits_for_its_payment_still_pending(self):
        """Queued for a payment another worker was sending: the reversal goes after
        that payment's last try; the payment itself is then cancelled."""
        order = self.pay_order(self.rest_system)
        payment = order.billing_outbox_ids
        reversal = self.Outbox.sudo().create({
            'kind': 'reversal', 'original_id': payment.id, 'system_id': self.rest_system.id,
            'currency_id': payment.currency_id.id, 'account_number': 'W-1001', 'amount': 22.21,
            'order_id': order.id}).with_env(self.env)
        reversal.sudo()._billing_send()
        self.assertEqual((reversal.state, reversal.attempts), ('pending', 0))
        self.assertFalse(self.rest.requests)
        self.run_job(payment | reversal)
        self.assertEqual(payment.state, 'cancelled')
        self.assertIn('while it was being sent', payment.last_error)
        self.assertFalse(self.rest.posts())
        self.assertEqual((reversal.state, len(self.rest.reversal_requests())), ('sent', 1))

    def test_reversal_settings_are_checked(self):
        self.assertEqual(self.env['munipay.billing.system'].default_get(['rest_reversal_path'])['rest_reversal_path'],
                         'payments/{payment_key}/reversal')
        with self.assertRaises(ValidationError):
            self.rest_system.rest_reversal_path = 'api/v2/reversals'
        self.rest_system.rest_reversal_path = 'api/v2/payments/by-id/{payment_id}/cancel'
        with self.assertRaises(ValidationError):
            self.soap_system.map_original_key = 'RequestId'
        self.soap_system.soap_reversal_operation = 'UndoPayment'
        with self.assertRaisesRegex(UserError, 'the WSDL has no operation UndoPayment'):
            self.soap_system.action_test_connection()

    def test_reversal_by_payment_id(self):
        self.rest_system.rest_reversal_path = 'api/v2/payments/{payment_id}/reversal'
        order = self.pay_order(self.rest_system)
        self.run_job()
        self.undo_payment(order)
        self.run_job()
        [request] = self.rest.reversal_requests()
        self.assertEqual(request['path'], '/api/v2/payments/PAY-1/reversal')
        self.assertEqual(self.rest.booked_cents('W-1001'), 0)

    def test_outbox_views_show_kind_and_original(self):
        views = self.Outbox.get_views([(False, 'list'), (False, 'form'), (False, 'search')])['views']
        for view in ('list', 'form'):
            self.assertIn('name="kind"', views[view]['arch'])
            self.assertIn('name="original_id"', views[view]['arch'])
        self.assertIn('name="reversal_ids"', views['form']['arch'])
        self.assertIn('name="reversals"', views['search']['arch'])
        system_form = self.env['munipay.billing.system'].get_views([(False, 'form')])['views']['form']['arch']
        for name in ('rest_reversal_path', 'soap_reversal_operation', 'map_original_key', 'unknown_marker'):
            self.assertIn('name="%s"' % name, system_form)

    def test_wallet_top_up_reset_to_draft_is_reversed_and_posted_again(self):
        wallet = self.canteen_wallet()
        move = wallet._munipay_credit(30.1, self.cash_journal.default_account_id)
        payment = wallet.billing_outbox_ids
        self.run_job()
        self.assertEqual(payment.state, 'sent')
        move.button_draft()
        self.assertEqual(wallet.balance, 0.0)
        self.assertEqual(set(move.line_ids.mapped('parent_state')), {'draft'})
        reversal = payment.reversal_ids
        self.assertEqual((reversal.wallet_id, reversal.amount), (wallet, 30.1))
        self.run_job()
        self.assertEqual(reversal.state, 'sent')
        self.assertEqual(self.rest.booked_cents('CANTEEN-7'), 0)
        move.action_post()
        self.assertEqual(wallet.balance, 30.1)
        again = wallet.billing_outbox_ids.filtered(lambda r: r.kind == 'payment') - payment
        self.assertEqual((again.move_id, again.state), (move, 'pending'))
        self.run_job()
        self.assertEqual(self.rest.booked_cents('CANTEEN-7'), 3010)
        self.assertEqual(len(self.rest.posts()), 2)

    def test_wallet_top_up_reversed_before_it_was_sent_is_cancelled(self):
        wallet = self.canteen_wallet()
        move = wallet._munipay_credit(30.1, self.cash_journal.default_account_id)
        payment = wallet.billing_outbox_ids
        reverse = move._reverse_moves(cancel=True)
        self.assertEqual((reverse.state, reverse.reversed_entry_id), ('posted', move))
        wallet_account = self.company._munipay_get('munipay_wallet_account_id')
        self.assertEqual(reverse.line_ids.filtered(lambda l: l.account_id == wallet_account).debit, 30.1)
        self.assertEqual(reverse.line_ids.filtered(
            lambda l: l.account_id == self.cash_journal.default_account_id).credit, 30.1)
        self.assertEqual((payment.state, payment.reversal_ids), ('cancelled', self.Outbox))
        self.assertIn("the top-up's entry was reversed", payment.last_error)
        self.run_job()
        self.assertFalse(self.rest.requests)

    def canteen_wallet(self):
        fee = self.env['munipay.fee.type'].create({
            'name': 'School canteen', 'code': 'MENSA', 'category': 'service', 'product_id': self.product_fee.id,
            'amount': 5.0})
        return self.env['munipay.wallet'].create({
            'holder_id': self.payer.id, 'service_fee_type_id': fee.id, 'billing_system_id': self.rest_system.id,
            'billing_account_number': 'CANTEEN-7'})


@tagged('post_install', '-at_install')
class TestOutboxReversalSoap(ReversalCommon):
    """The same reversal over SOAP: the WSDL's ReversePayment with the payment's key."""

    def test_sent_payment_undone_is_reversed_then_posted_again(self):
        order = self.pay_order(self.soap_system)
        payment = order.billing_outbox_ids
        self.run_job()
        self.assertEqual(payment.state, 'sent')
        credit = self.undo_payment(order)
        reversal = payment.reversal_ids
        self.run_job()
        [request] = self.soap.reversal_requests()
        self.assertEqual(request['fields'], {'original': payment.idempotency_key, 'key': reversal.idempotency_key})
        self.assertIn(b'<ns0:OriginalRequestId>%s</ns0:OriginalRequestId>' % payment.idempotency_key.encode(),
                      request['body'])
        self.assertEqual((reversal.state, reversal.remote_id), ('sent', 'REV-1'))
        self.assertEqual(self.soap.booked_cents('W-1001'), 0)
        self.pay_again(order, credit)
        self.run_job()
        self.assertEqual(len(self.soap.posts()), 2)
        self.assertEqual(self.soap.booked_cents('W-1001'), 2221)

    def test_unsent_payment_is_cancelled(self):
        order = self.pay_order(self.soap_system)
        payment = order.billing_outbox_ids
        self.undo_payment(order)
        self.run_job(payment)
        self.assertEqual(payment.state, 'cancelled')
        self.assertFalse(self.soap.requests)

    def test_server_fault_retried_unknown_payment_fault_is_done(self):
        order = self.pay_order(self.soap_system)
        payment = order.billing_outbox_ids
        self.run_job()
        self.undo_payment(order)
        reversal = payment.reversal_ids
        self.soap.then('fault', operation='reverse', code='soap:Server', text='database busy')
        self.run_job()
        self.assertWaits(reversal, 1, 60)
        self.soap.payments.clear()  # the system lost the payment meanwhile
        self.run_job(reversal)
        self.assertEqual((reversal.state, reversal.attempts), ('sent', 2))
        self.assertIn('Unknown payment %s' % payment.idempotency_key, reversal.last_error)
        self.assertIn('nothing to take back', reversal.last_error)

    def test_already_reversed_fault_counts_as_sent(self):
        order = self.pay_order(self.soap_system)
        payment = order.billing_outbox_ids
        self.run_job()
        self.undo_payment(order)
        reversal = payment.reversal_ids
        self.soap._unbook(payment.idempotency_key, reversal.idempotency_key)
        self.run_job()
        self.assertEqual(reversal.state, 'sent')
        self.assertIn('Duplicate RequestId', reversal.last_error)
        self.assertEqual(self.soap.booked_cents('W-1001'), 0)
