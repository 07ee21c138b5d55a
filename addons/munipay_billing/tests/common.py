from odoo import fields

from odoo.addons.munipay_base.tests.common import MunipayCommon

from . import fake_billing

REST_MAPPING = {
    'rest_lookup_path': 'api/v2/customers/{account}', 'rest_payment_path': 'api/v2/payments',
    'map_account': 'payment.customer', 'map_holder': '$.data.customer.name',
    'map_amount_due': 'data.customer.open.cents', 'map_amount': 'payment.amountCents',
    'map_reference': 'payment.ref', 'map_payment_key': 'payment.requestId', 'map_payment_id': 'result.id',
    'map_error_code': 'error.code', 'duplicate_marker': 'DUPLICATE_REQUEST',
    'rest_reversal_path': 'api/v2/payments/{payment_key}/reversal', 'unknown_marker': 'UNKNOWN_PAYMENT',
}
SOAP_MAPPING = {
    'soap_lookup_operation': 'GetCustomer', 'soap_payment_operation': 'BookPayment',
    'map_account': 'CustomerNo', 'map_holder': 'CustomerName', 'map_amount_due': 'OpenAmountCents',
    'map_amount': 'AmountCents', 'map_reference': 'Reference', 'map_payment_key': 'RequestId',
    'map_payment_id': 'TransactionId', 'duplicate_marker': 'duplicate', 'map_original_key': 'OriginalRequestId',
}
# Odoo's test runner makes every request wait at least 10 s before it times out
SLOW = 10.5


class BillingCommon(MunipayCommon):
    """A REST and a SOAP billing system of the company, each a real HTTP server on the
    loopback (fake_billing.py), with mappings unlike the defaults."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rest = fake_billing.FakeBilling('rest').start()
        cls.addClassCleanup(cls.rest.stop)
        cls.soap = fake_billing.FakeBilling('soap').start()
        cls.addClassCleanup(cls.soap.stop)
        System = cls.env['munipay.billing.system']
        cls.rest_system = System.create(dict(
            REST_MAPPING, name='Water billing (REST)', protocol='rest', base_url=cls.rest.url, auth_type='token',
            api_key_header='X-Api-Key', api_key=fake_billing.REST_KEY, timeout=2.0, retry_base_delay=60,
            retry_max_delay=3600, retry_max_attempts=4))
        cls.soap_system = System.create(dict(
            SOAP_MAPPING, name='Waste billing (SOAP)', protocol='soap', sequence=20,
            wsdl_url=cls.soap.url + '/soap/billing?wsdl', auth_type='basic', username=fake_billing.SOAP_USER,
            password=fake_billing.SOAP_PASSWORD, timeout=2.0))
        cls.Outbox = cls.env['munipay.billing.outbox']

    def setUp(self):
        super().setUp()
        for fake in (self.rest, self.soap):
            fake.reset()
            fake.accounts['W-1001'] = {'name': 'Mario Rossi', 'cents': 4599}

    def pay_order(self, system, account='W-1001', **vals):
        order = self.make_order(billing_system_id=system.id, billing_account_number=account, **vals)
        self.register_native(order.move_id, 'account.move')
        self.assertEqual(order.state, 'paid')
        return order

    def run_job(self, records=None, batch_size=100):
        """One run of the scheduled job; the given records' next try made due first."""
        if records:
            records.filtered(lambda r: r.state == 'pending').write({'next_attempt': fields.Datetime.now()})
        done = self.Outbox._cron_send(batch_size=batch_size)
        self.env.invalidate_all()
        return done

    def assertWaits(self, record, attempts, base):
        """Pending after ``attempts`` tries, the next one between half and all of
        base × 2^(attempts − 1) seconds from now (the jitter)."""
        self.assertEqual((record.state, record.attempts), ('pending', attempts))
        wait = (record.next_attempt - fields.Datetime.now()).total_seconds()
        full = base * 2 ** (attempts - 1)
        self.assertGreaterEqual(wait, full / 2 - 5)
        self.assertLessEqual(wait, full + 5)
        return wait
