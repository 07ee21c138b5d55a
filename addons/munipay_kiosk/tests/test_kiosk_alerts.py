from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MunipayKioskCommon


@tagged('post_install', '-at_install')
class TestKioskAlerts(MunipayKioskCommon):
    """The page reports its heartbeat with the bill acceptor's status; the job e-mails the
    kiosk's address once per problem: a fault, a kiosk that stopped reporting."""

    def alert_mails(self):
        return self.env['mail.mail'].search([('email_to', '=', 'kiosk-alerts@example.com')])

    def heartbeat(self, status):
        return self.env(user=self.kiosk_user)['pos.config']._munipay_kiosk_check(self.kiosk.id) \
            ._munipay_kiosk_report(status)

    def test_fault_then_silence(self):
        Config = self.env['pos.config']
        self.heartbeat({'connected': True, 'device_state': 'idling', 'faults': [], 'cassette': 'ok'})
        self.assertTrue(self.kiosk.munipay_kiosk_heartbeat)
        self.assertFalse(self.kiosk.munipay_kiosk_fault)
        Config._cron_munipay_kiosk_alerts()
        self.assertFalse(self.alert_mails(), "all well: no mail")

        fault = self.heartbeat({'connected': True, 'device_state': 'cassette_removed', 'cassette': 'removed',
                                'faults': [{'name': 'cassette_removed', 'text': 'Out of order: cassette removed'}]})
        self.assertEqual(fault, 'Out of order: cassette removed')
        Config._cron_munipay_kiosk_alerts()
        mail = self.alert_mails()
        self.assertEqual(len(mail), 1)
        self.assertIn('Kiosk 1', mail.subject)
        self.assertIn('cassette removed', mail.body_html)
        Config._cron_munipay_kiosk_alerts()
        self.assertEqual(len(self.alert_mails()), 1, "the same problem is mailed once")

        # the bridge stops answering the page
        self.assertEqual(self.heartbeat(None), 'The device bridge does not answer.')
        Config._cron_munipay_kiosk_alerts()
        self.assertEqual(len(self.alert_mails()), 2)

        # then the page itself stops reporting
        self.kiosk.munipay_kiosk_heartbeat = fields.Datetime.now() - timedelta(minutes=11)
        Config._cron_munipay_kiosk_alerts()
        mails = self.alert_mails()
        self.assertEqual(len(mails), 3)
        self.assertIn('has not reported for more than 10 minutes', mails.sorted('id')[-1].body_html)

        # back to normal: no mail, and the next problem is mailed again
        self.heartbeat({'connected': True, 'faults': [], 'cassette': 'ok'})
        Config._cron_munipay_kiosk_alerts()
        self.assertFalse(self.kiosk.munipay_kiosk_alerted)
        self.assertEqual(len(self.alert_mails()), 3)

    def test_cassette_should_hold_what_it_took(self):
        self.assertEqual(self.kiosk.munipay_kiosk_cassette_amount, 0.0)
        self.book(self.new_key(), self.make_order(), [2000, 1000])
        self.book(self.new_key(), self.make_order(), [500], due=2221)
        self.kiosk.invalidate_recordset(['munipay_kiosk_cassette_amount'])
        self.assertEqual(self.kiosk.munipay_kiosk_cassette_amount, 35.0)
        self.assertEqual(self.kiosk.munipay_kiosk_cassette_bills.count(' × '), 3, "a 5, a 10 and a 20")
        self.assertTrue(self.kiosk.munipay_kiosk_cassette_bills.startswith('1 × '))
        # emptied: the session is closed with the counted cash and taken out
        self.close_kiosk()
        self.kiosk.invalidate_recordset(['munipay_kiosk_cassette_amount'])
        self.assertEqual(self.kiosk.munipay_kiosk_cassette_amount, 0.0)
        self.assertEqual(self.account_balance(self.kiosk_journal.default_account_id), 35.0)

    def test_emptying_the_cassette_counts_banknotes_and_closes_the_session(self):
        self.book(self.new_key(), self.make_order(), [2000, 1000])
        self.book(self.new_key(), self.make_order(), [500], due=2221)
        session = self.kiosk_session()
        Wizard = self.env['munipay.kiosk.encashment'].with_context(active_id=self.kiosk.id)
        wizard = Wizard.create({})
        self.assertEqual((wizard.session_id, wizard.expected_amount), (session, 35.0))
        counts = {20.0: 1, 10.0: 1, 5.0: 1}
        for line in wizard.line_ids:
            line.count = counts.get(line.value, 0)
        self.assertEqual(wizard.counted_amount, 35.0)
        wizard.action_confirm()
        self.assertEqual(session.state, 'closed')
        self.assertIn('1 × ', session.closing_notes)
        self.assertIn('35', session.closing_notes)
        self.assertEqual(session.cash_register_balance_end_real, 35.0)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.kiosk_journal.default_account_id), 35.0)
        self.assertBalanced()
        with self.assertRaisesRegex(UserError, 'no open session'):
            Wizard.create({}).action_confirm()

    def test_a_short_cassette_books_the_difference(self):
        self.book(self.new_key(), self.make_order(), [2000, 1000])
        session = self.kiosk_session()
        wizard = self.env['munipay.kiosk.encashment'].with_context(active_id=self.kiosk.id).create({})
        wizard.line_ids.filtered(lambda l: l.value == 20.0).count = 1
        wizard.action_confirm()
        self.assertEqual(session.state, 'closed')
        self.assertEqual(session.cash_register_difference, -10.0)
        self.assertEqual(self.account_balance(self.kiosk_journal.default_account_id), 20.0,
                         "the cash journal holds what was counted; the difference went to the loss account")
        self.assertBalanced()
