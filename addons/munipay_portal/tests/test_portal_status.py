import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import consteq

from ..controllers import status as status_controller
from ..models import munipay_payment_order_status as status_module
from .common import MunipayPortalCommon


@tagged('post_install', '-at_install')
class TestPortalCaseStatus(MunipayPortalCommon):
    """Where a case stands without logging in: case number + the code printed on the notice."""

    def setUp(self):
        super().setUp()
        status_controller._hits.clear()
        self.env['munipay.portal.status.failure'].sudo().search([]).unlink()

    def look_up(self, case_number, code, headers=None):
        page = self.url_open('/munipay/status', headers=headers)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self.url_open('/munipay/status', data={'csrf_token': csrf, 'case_number': case_number, 'code': code},
                             headers=headers)

    @staticmethod
    def status_box(html):
        box = html[html.index('o_munipay_case_status_page'):html.index('</form>')]
        return re.sub(r'name="csrf_token" value="[^"]+"', '', box)

    def test_the_notice_link_heads_the_page_with_its_municipality(self):
        order = self.make_order(origin='PM-2026/0043')
        company = order.company_id
        company.name = 'Comune di Prova Stato'
        self.assertIn(f'/munipay/status?company={company.id}', self.notice_html(order))
        other = self.env['res.company'].create({'name': 'Altro Comune'})
        page = self.get(f'/munipay/status?company={company.id}')
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'/logo.png?company={company.id}', page.text)
        self.assertIn('Comune di Prova Stato', page.text)
        self.assertIn(f'name="company" value="{company.id}"', page.text)
        # a wrong look-up keeps the municipality's heading; a bad or unknown id is only ignored
        response = self.url_open('/munipay/status', data={
            'csrf_token': re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1),
            'case_number': 'PM-2026/0043', 'code': 'WRONG-CODE0', 'company': str(company.id)})
        self.assertEqual(response.status_code, 404)
        self.assertIn('Comune di Prova Stato', response.text)
        for value in ('abc', '-1', '999999999'):
            page = self.get(f'/munipay/status?company={value}')
            self.assertEqual(page.status_code, 200)
            self.assertNotIn('name="company"', page.text)
        self.assertIn('Altro Comune', self.get(f'/munipay/status?company={other.id}').text)

    def test_notice_prints_the_code_and_the_page_shows_the_status_only(self):
        order = self.make_order(origin='PM-2026/0042')
        self.assertEqual(self.get('/munipay/status').status_code, 200)
        code = order._munipay_status_code_display()
        self.assertRegex(code, r'^[2-9A-Z]{5}-[2-9A-Z]{5}$')
        html = self.notice_html(order)
        self.assertIn('munipay_notice_status_code', html)
        self.assertIn(code, html)
        self.assertIn('/munipay/status', html)

        order.case_status = 'in_progress'  # the office moves the case along an issued order
        response = self.look_up(' pm-2026/0042 ', code.lower())
        self.assertEqual(response.status_code, 200)
        self.assertIn('o_munipay_case_status_result', response.text)
        self.assertIn('Being processed', response.text)
        self.assertIn('munipay_status_issued', response.text)
        for secret in (order.partner_id.name, 'Via Roma', order.name, order.payment_reference, '22.21',
                       order.access_token or 'no-token', 'o_payment_form'):
            self.assertNotIn(secret, response.text)

        self.paid_order()  # another order: no effect
        order.sudo()._munipay_pay(self.bank_journal)
        order.case_status = 'closed'
        response = self.look_up('PM-2026/0042', code.replace('-', ''))
        self.assertIn('munipay_status_paid', response.text)
        self.assertIn('Closed', response.text)

        # an order without case number is looked up by its number
        bare = self.make_order()
        response = self.look_up(bare.name, bare._munipay_status_code())
        self.assertIn('o_munipay_case_status_result', response.text)
        self.assertIn('No status given by the office yet', response.text)

    def test_guessing_is_locked_out(self):
        order = self.make_order(origin='PM-7')
        code = order._munipay_status_code()
        for guess in ('AAAAAAAAAA', 'BBBBBBBBBB', code[:-1], '%'):
            response = self.look_up('PM-7', guess)
            self.assertEqual(response.status_code, 404, guess)
            self.assertIn('o_munipay_case_status_wrong', response.text)
            self.assertNotIn('o_munipay_case_status_result', response.text)
        self.assertEqual(self.look_up('PM-7', code[1:] + code[0]).status_code, 429)
        # from this address: locked, even with the right code, for any case
        response = self.look_up('PM-7', code)
        self.assertEqual(response.status_code, 429)
        self.assertIn('o_munipay_case_status_locked', response.text)
        self.assertNotIn('o_munipay_case_status_result', response.text)
        failures = self.env['munipay.portal.status.failure'].sudo().search([])
        self.assertEqual(len(failures), 5)
        # from other addresses: the case locks after ten wrong look-ups from anywhere
        failures.write({'address': '203.0.113.7'})
        self.assertEqual(self.look_up('PM-7', code).status_code, 200)
        self.env['munipay.portal.status.failure'].sudo().create([
            {'case_key': 'PM-7', 'address': f'198.51.100.{i}'} for i in range(5)])
        self.assertEqual(self.look_up('PM-7', code).status_code, 429)
        # the window passes
        self.env['munipay.portal.status.failure'].sudo().search([]).write(
            {'date': fields.Datetime.now() - timedelta(minutes=16)})
        self.assertEqual(self.look_up('PM-7', code).status_code, 200)

    def test_unknown_case_and_wrong_code_read_alike(self):
        order = self.make_order(origin='PM-8')
        wrong = self.look_up('PM-8', 'ZZZZZ-ZZZZZ')
        unknown = self.look_up('PM-9999', 'ZZZZZ-ZZZZZ')
        self.assertEqual((wrong.status_code, unknown.status_code), (404, 404))
        self.assertEqual(self.status_box(wrong.text).replace('PM-8', 'X'),
                         self.status_box(unknown.text).replace('PM-9999', 'X'))
        # wildcards are no case numbers: they match nothing
        self.assertFalse(order._munipay_status_lookup('PM-%', order._munipay_status_code()))
        self.assertFalse(order._munipay_status_lookup('PM-_', order._munipay_status_code()))
        self.assertEqual(order._munipay_status_lookup('pm-8', order._munipay_status_code()), order)

    def test_codes_are_compared_in_constant_time(self):
        order = self.make_order(origin='PM-9')
        joint = self.make_order(partner=self.payer_2, origin='PM-9')
        with patch.object(status_module, 'consteq', wraps=consteq) as compare:
            self.assertEqual(order._munipay_status_lookup('PM-9', joint._munipay_status_code()), joint)
        # every order of the case was compared, not only until the match
        self.assertEqual(compare.call_count, 2)
        with patch.object(status_module, 'consteq', wraps=consteq) as compare:
            self.assertFalse(order._munipay_status_lookup('NO-SUCH-CASE', 'AAAAAAAAAA'))
        self.assertEqual(compare.call_count, 1, "an unknown case is compared all the same")

    def test_lookups_are_rate_limited(self):
        order = self.make_order(origin='PM-10')
        code = order._munipay_status_code()
        with patch.object(status_controller, 'LOOKUPS_PER_MINUTE', 3):
            statuses = [self.look_up('PM-10', code).status_code for _i in range(4)]
        self.assertEqual(statuses, [200, 200, 200, 429])

    def test_draft_orders_have_no_status(self):
        draft = self.make_order(issue=False, origin='PM-11')
        self.assertFalse(draft._munipay_status_lookup('PM-11', draft._munipay_status_code()))
