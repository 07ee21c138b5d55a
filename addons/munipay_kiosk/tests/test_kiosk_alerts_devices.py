from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import MunipayKioskCommon

ACCEPTOR_OK = {'connected': True, 'device_state': 'idling', 'faults': [], 'cassette': 'ok'}
PRINTER_OK = {'connected': True, 'state': 'ready', 'online': True, 'cover_open': False, 'paper': 'ok', 'error': False}


@tagged('post_install', '-at_install')
class TestKioskAlertsDevices(MunipayKioskCommon):
    """The receipt printer's problems and a stuck offline queue are the kiosk's fault too,
    mailed once per problem by the alert job."""

    def alert_mails(self):
        return self.env['mail.mail'].search([('email_to', '=', 'kiosk-alerts@example.com')]).sorted('id')

    def report(self, status=ACCEPTOR_OK, printer=None, queue=None):
        kiosk = self.env(user=self.kiosk_user)['pos.config']._munipay_kiosk_check(self.kiosk.id)
        return kiosk._munipay_kiosk_report(status, printer=printer, queue=queue)

    def printer(self, **vals):
        return dict(PRINTER_OK, **vals)

    def test_printer_problems(self):
        Config = self.env['pos.config']
        self.assertEqual(self.report(printer=PRINTER_OK), '')
        self.assertEqual(self.report(printer=None), '', "a kiosk without a printer is not faulted for it")
        cases = [
            (self.printer(state='paper_near_end', paper='near_end'), 'nearly used up'),
            (self.printer(state='paper_out', paper='out'), 'out of paper'),
            (self.printer(state='cover_open', cover_open=True), 'cover is open'),
            ({'connected': False, 'state': 'offline', 'online': None, 'paper': None}, 'does not answer'),
        ]
        for count, (printer, text) in enumerate(cases, start=1):
            with self.subTest(text=text):
                self.assertIn(text, self.report(printer=printer))
                self.assertIn(text, self.kiosk.munipay_kiosk_fault)
                Config._cron_munipay_kiosk_alerts()
                Config._cron_munipay_kiosk_alerts()
                self.assertEqual(len(self.alert_mails()), count, "each problem is mailed once")
                self.assertIn(text, self.alert_mails()[-1].body_html)
        self.assertEqual(self.report(printer=PRINTER_OK), '')
        Config._cron_munipay_kiosk_alerts()
        self.assertFalse(self.kiosk.munipay_kiosk_alerted)

    def test_a_kiosk_with_a_printer_misses_it(self):
        self.kiosk.munipay_kiosk_printer = True
        self.assertEqual(self.report(printer=None), 'The receipt printer does not answer.')
        self.assertIn('no receipt printer', self.report(printer={'result': 'no_printer', 'error': 'no_printer'}))
        # with the acceptor's fault, both are told
        fault = self.report(status={'connected': False}, printer=self.printer(state='paper_out'))
        self.assertEqual(fault, 'The bill acceptor is not connected.; Receipt printer: out of paper.')
        self.env['pos.config']._cron_munipay_kiosk_alerts()
        self.assertIn('out of paper', self.alert_mails()[-1].body_html)
        self.assertIn('not connected', self.alert_mails()[-1].body_html)

    def test_sync_problems(self):
        Config = self.env['pos.config']
        now = fields.Datetime.now()
        recent = (now - timedelta(minutes=5)).strftime('%Y-%m-%dT%H:%M:%SZ')
        old = (now - timedelta(minutes=16)).strftime('%Y-%m-%dT%H:%M:%SZ')
        self.assertEqual(self.report(queue={'pending': 0, 'oldest': None}), '')
        self.assertEqual(self.report(queue={'pending': 2, 'oldest': recent}), '', "a short wait is no problem")
        self.assertEqual(self.report(queue={'pending': 2, 'oldest': 'not a date'}), '')
        fault = self.report(queue={'pending': 2, 'oldest': old})
        self.assertIn('have waited to reach Odoo since', fault)
        Config._cron_munipay_kiosk_alerts()
        # more payments queue up behind the stuck one: the same problem, no new mail
        self.assertEqual(self.report(queue={'pending': 5, 'oldest': old}), fault)
        Config._cron_munipay_kiosk_alerts()
        self.assertEqual(len(self.alert_mails()), 1)
        self.assertIn('have waited to reach Odoo', self.alert_mails().body_html)
        # the limit is a parameter
        self.env['ir.config_parameter'].set_param('munipay_kiosk.sync_alert_minutes', '30')
        self.assertEqual(self.report(queue={'pending': 2, 'oldest': old}), '')
        # the page's own sync error
        fault = self.report(queue={'pending': 1, 'oldest': recent, 'error': 'HTTP 502 Bad Gateway'})
        self.assertEqual(fault, 'Sync fails: HTTP 502 Bad Gateway')
        Config._cron_munipay_kiosk_alerts()
        self.assertEqual(len(self.alert_mails()), 2)
        self.assertIn('HTTP 502', self.alert_mails()[-1].body_html)
