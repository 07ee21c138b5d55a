from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MunipayKioskCommon


@tagged('post_install', '-at_install')
class TestKioskZReport(MunipayKioskCommon):
    """The Z-report of a kiosk for a period: payments, banknotes by value, encashments,
    and the kiosk's cash journal, which must hold what the cassette gave up."""

    def encash(self, counts):
        wizard = self.env['munipay.kiosk.encashment'].with_context(active_id=self.kiosk.id).create({})
        for line in wizard.line_ids:
            line.count = counts.get(line.value, 0)
        wizard.action_confirm()

    def zreport(self, **vals):
        today = fields.Date.context_today(self.env['munipay.kiosk.zreport'])
        return self.env['munipay.kiosk.zreport'].with_context(active_model='pos.config', active_id=self.kiosk.id).create(
            dict({'date_from': today - timedelta(days=1), 'date_to': today + timedelta(days=1)}, **vals))

    def test_payments_banknotes_and_encashments_of_the_period(self):
        self.book(self.new_key(), self.make_order(), [2000, 1000])
        self.book(self.new_key(), self.make_order(), [500], due=2221)
        self.book(self.new_key(), self.make_order(), [2000])
        self.encash({20.0: 2, 10.0: 1})  # a 5 is missing
        wizard = self.zreport()
        self.assertEqual(wizard.config_id, self.kiosk)
        values = wizard._munipay_report_values()
        self.assertEqual(len(values['payments']), 3)
        self.assertEqual((values['inserted'], values['applied'], values['credited']), (55.0, 47.21, 7.79))
        self.assertEqual(values['bills'], [{'value': 5.0, 'count': 1, 'amount': 5.0},
                                           {'value': 10.0, 'count': 1, 'amount': 10.0},
                                           {'value': 20.0, 'count': 2, 'amount': 40.0}])
        self.assertEqual(len(values['encashments']), 1)
        session = values['encashments']
        self.assertEqual((session.cash_register_balance_end_real, session.cash_register_difference), (50.0, -5.0))
        self.assertEqual(values['encashed'], 50.0)
        # the journal items of the kiosk's cash: what the encashment counted, no more
        cash_account = self.kiosk_journal.default_account_id
        self.assertEqual(values['cash_account'], cash_account)
        self.assertEqual(values['cash_in'] - values['cash_out'], self.account_balance(cash_account))
        self.assertEqual(self.account_balance(cash_account), 50.0)
        self.assertBalanced()
        html = str(self.env['ir.actions.report']._render_qweb_html(
            'munipay_kiosk.report_kiosk_z', wizard.ids)[0])
        self.assertIn('Z-Report', html)
        self.assertIn('Kiosk 1', html)
        self.assertIn('55.00', html)
        self.assertIn('Cassette emptied', html, "the counts of the encashment")
        pdf_action = wizard.action_print()
        self.assertEqual(pdf_action['report_name'], 'munipay_kiosk.report_kiosk_z')

    def test_another_period_is_empty(self):
        self.book(self.new_key(), self.make_order(), [2000, 1000])
        today = fields.Date.context_today(self.env['munipay.kiosk.zreport'])
        values = self.zreport(date_from=today - timedelta(days=10), date_to=today - timedelta(days=5)) \
            ._munipay_report_values()
        self.assertEqual((len(values['payments']), values['inserted'], values['bills']), (0, 0.0, []))
        with self.assertRaisesRegex(UserError, 'ends before it starts'):
            self.zreport(date_from=today, date_to=today - timedelta(days=1))
        with self.assertRaisesRegex(UserError, 'not a self-service kiosk'):
            self.zreport(config_id=self.config.id).action_print()
