import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from . import fake_billing
from .common import BillingCommon


@tagged('post_install', '-at_install')
class TestLookup(BillingCommon):
    """munipay.billing.system.lookup_account over real HTTP, through each mapping."""

    def test_rest_lookup_reads_the_mapped_fields(self):
        self.rest.accounts['W 77/3'] = {'name': '  Anna   Schmidt ', 'cents': 123456}
        info = self.rest_system.lookup_account(' W 77/3 ')
        self.assertEqual(info, {
            'system_id': self.rest_system.id, 'account_number': 'W 77/3', 'holder': 'Anna Schmidt',
            'amount_due': 1234.56, 'amount_due_cents': 123456, 'currency_id': self.company.currency_id.id})
        request = self.rest.requests[-1]
        self.assertEqual((request['method'], request['path']), ('GET', '/api/v2/customers/W%2077%2F3'))
        self.assertEqual(request['headers']['X-Api-Key'], fake_billing.REST_KEY)

    def test_soap_lookup_reads_the_mapped_elements(self):
        info = self.soap_system.lookup_account('W-1001')
        self.assertEqual((info['holder'], info['amount_due'], info['amount_due_cents']), ('Mario Rossi', 45.99, 4599))
        request = self.soap.requests[-1]
        self.assertEqual((request['operation'], request['fields']), ('lookup', {'account': 'W-1001'}))
        self.assertIn(b'<ns0:CustomerNo>W-1001</ns0:CustomerNo>', request['body'])

    def test_called_on_no_record_uses_the_company_first_system(self):
        self.assertEqual(self.env['munipay.billing.system'].lookup_account('W-1001')['system_id'],
                         self.rest_system.id)
        (self.rest_system | self.soap_system).action_archive()
        with self.assertRaisesRegex(UserError, 'No external billing system is set up'):
            self.env['munipay.billing.system'].lookup_account('W-1001')

    def test_unknown_account(self):
        with self.assertRaisesRegex(UserError, r'Water billing \(REST\) has no account X-9'):
            self.rest_system.lookup_account('X-9')
        with self.assertRaisesRegex(UserError, r'refused the request: SOAP fault soap:Client: Unknown customer'):
            self.soap_system.lookup_account('X-9')
        with self.assertRaisesRegex(UserError, 'Enter the account number'):
            self.rest_system.lookup_account('  ')

    def test_bad_answers_are_clear_errors(self):
        cannot_read = 'answered with something munipay cannot read'
        self.rest.then('malformed', 'lookup')
        with self.assertRaisesRegex(UserError, cannot_read + r' \(the answer is not JSON'):
            self.rest_system.lookup_account('W-1001')
        self.rest.then('status', 'lookup', status=200, body={'data': {'customer': {'name': 'Mario Rossi'}}})
        with self.assertRaisesRegex(UserError, cannot_read + r" \(no 'data.customer.open.cents' in the answer\)"):
            self.rest_system.lookup_account('W-1001')
        self.rest.then('status', 'lookup', status=200,
                       body={'data': {'customer': {'name': 'Mario Rossi', 'open': {'cents': 45.99}}}})
        with self.assertRaisesRegex(UserError, cannot_read + r' \(45.99 is not a number of cents\)'):
            self.rest_system.lookup_account('W-1001')
        self.rest.then('status', 'lookup', status=503)
        with self.assertRaisesRegex(UserError, 'could not be reached or did not answer: HTTP 503'):
            self.rest_system.lookup_account('W-1001')
        self.soap.then('malformed', 'lookup')
        with self.assertRaisesRegex(UserError, cannot_read + r' \(the answer is not SOAP'):
            self.soap_system.lookup_account('W-1001')

    def test_soap_mapping_that_does_not_fit_the_wsdl(self):
        self.soap_system.map_account = 'CustomerNumber'
        with self.assertRaisesRegex(UserError, 'is not set up correctly: the request does not fit the WSDL'):
            self.soap_system.lookup_account('W-1001')
        self.assertFalse(self.soap.requests, "nothing is sent")

    def test_wrong_credentials(self):
        self.rest_system.api_key = 'wrong'
        with self.assertRaisesRegex(UserError, 'refused the request: HTTP 401: bad API key'):
            self.rest_system.lookup_account('W-1001')
        self.soap_system.password = 'wrong'
        with self.assertRaisesRegex(UserError, 'refused the request: HTTP 401'):
            self.soap_system.lookup_account('W-1001')

    def test_errors_in_the_user_language(self):
        self.env['res.lang']._activate_lang('de_DE')
        self.env['ir.module.module']._load_module_terms(['munipay_billing'], ['de_DE'], overwrite=True)
        with self.assertRaisesRegex(UserError, 'Water billing \\(REST\\) hat kein Konto X-9'):
            self.rest_system.with_context(lang='de_DE').lookup_account('X-9')

    def test_test_connection(self):
        action = self.rest_system.action_test_connection()
        self.assertEqual(action['params']['type'], 'success')
        self.assertEqual(self.soap_system.action_test_connection()['params']['type'], 'success')
        self.soap_system.soap_payment_operation = 'PostPayment'
        with self.assertRaisesRegex(UserError, "the WSDL has no operation PostPayment"):
            self.soap_system.action_test_connection()
        self.rest_system.api_key = 'wrong'
        with self.assertRaisesRegex(UserError, 'HTTP 401'):
            self.rest_system.action_test_connection()
        self.rest_system.base_url = 'http://127.0.0.1:9'  # nothing listens there
        with self.assertRaisesRegex(UserError, 'could not be reached'):
            self.rest_system.lookup_account('W-1001')
