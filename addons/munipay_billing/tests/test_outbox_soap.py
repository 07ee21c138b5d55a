from odoo.tests import tagged

from .common import SLOW, BillingCommon


@tagged('post_install', '-at_install')
class TestOutboxSoap(BillingCommon):
    """The same outbox over SOAP: zeep against the WSDL of tests/files, faults mapped."""

    def test_payment_is_posted_with_the_mapped_elements(self):
        order = self.pay_order(self.soap_system)
        outbox = order.billing_outbox_ids
        self.run_job()
        self.assertEqual((outbox.state, outbox.remote_id), ('sent', 'PAY-1'))
        [post] = self.soap.posts()
        self.assertEqual(post['fields'], {'account': 'W-1001', 'cents': 2221, 'reference': order.payment_reference,
                                          'key': outbox.idempotency_key})
        self.assertIn(b'<ns0:AmountCents>2221</ns0:AmountCents>', post['body'])
        self.assertTrue(post['headers']['Authorization'].startswith('Basic '))

    def test_duplicate_fault_counts_as_sent(self):
        order = self.pay_order(self.soap_system)
        outbox = order.billing_outbox_ids
        self.soap.payments[outbox.idempotency_key] = {'id': 'PAY-9', 'account': 'W-1001'}
        self.run_job()
        self.assertEqual(outbox.state, 'sent')
        self.assertIn('Duplicate RequestId', outbox.last_error)

    def test_server_fault_is_retried_client_fault_fails(self):
        order = self.pay_order(self.soap_system)
        outbox = order.billing_outbox_ids
        self.soap.then('fault', code='soap:Server', text='database busy')
        self.run_job()
        self.assertWaits(outbox, 1, 60)
        self.assertIn('SOAP fault soap:Server: database busy', outbox.last_error)
        self.soap.then('fault', code='soap:Client', text='account closed')
        self.run_job(outbox)
        self.assertEqual((outbox.state, outbox.attempts), ('failed', 2))
        self.assertIn('refused the request: SOAP fault soap:Client: account closed', outbox.last_error)
        self.assertFalse(self.soap.payments)

    def test_http_errors_and_malformed_answers_are_retried(self):
        order = self.pay_order(self.soap_system)
        outbox = order.billing_outbox_ids
        self.soap.then('status', status=503)
        self.run_job()
        self.assertWaits(outbox, 1, 60)
        self.soap.then('malformed')
        self.run_job(outbox)
        self.assertWaits(outbox, 2, 60)
        self.assertIn('unreadable answer to a payment', outbox.last_error)
        self.run_job(outbox)
        self.assertEqual(outbox.state, 'sent')
        self.assertEqual(len(self.soap.payments), 1)

    def test_lost_answer_is_not_posted_twice(self):
        order = self.pay_order(self.soap_system)
        outbox = order.billing_outbox_ids
        self.soap.then('slow', delay=SLOW)
        self.run_job()
        self.assertWaits(outbox, 1, 60)
        self.run_job(outbox)
        self.assertEqual(outbox.state, 'sent')
        self.assertIn('Duplicate RequestId', outbox.last_error)
        self.assertEqual(len(self.soap.posts()), 2)
        self.assertEqual(len(self.soap.payments), 1)

    def test_mapping_that_does_not_fit_the_wsdl_fails_for_good(self):
        order = self.pay_order(self.soap_system)
        outbox = order.billing_outbox_ids
        self.soap_system.map_payment_key = 'IdempotencyKey'
        self.run_job()
        self.assertEqual((outbox.state, outbox.attempts), ('failed', 1))
        self.assertIn('the request does not fit the WSDL', outbox.last_error)
        self.assertFalse(self.soap.posts())

    def test_unreachable_wsdl_waits(self):
        order = self.pay_order(self.soap_system)
        outbox = order.billing_outbox_ids
        self.soap_system.wsdl_url = 'http://127.0.0.1:9/billing?wsdl'
        self.run_job()
        self.assertWaits(outbox, 1, 60)
        self.assertIn('the WSDL is unreachable', outbox.last_error)
