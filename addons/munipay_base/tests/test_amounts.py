from datetime import date, datetime, timedelta

from odoo.tests import tagged

from .common import MunipayCommon


@tagged('post_install', '-at_install')
class TestAmountDue(MunipayCommon):

    def test_italian_fine_windows(self):
        notified = date(2026, 3, 4)  # a Wednesday
        order = self.make_order(self.fee_fine, issue=False, date_issue=notified, date_notified=notified)
        self.assertEqual(order.get_amount_due(notified), 42.9)
        self.assertEqual(order.get_amount_due(notified + timedelta(days=5)), 42.9)   # Monday 9: day 5
        self.assertEqual(order.get_amount_due(notified + timedelta(days=6)), 55.5)   # day 6: minimum + costs
        self.assertEqual(order.get_amount_due(notified + timedelta(days=60)), 55.5)  # Sunday 3 May... still covered
        self.assertEqual(order.get_amount_due(notified + timedelta(days=90)), 100.0)  # half the maximum + costs

    def test_deadline_on_weekend_or_holiday_moves_to_next_working_day(self):
        notified = date(2026, 3, 2)  # Monday: day 5 is Saturday 7 → Monday 9
        order = self.make_order(self.fee_fine, issue=False, date_issue=notified, date_notified=notified)
        self.assertEqual(order.get_amount_due(date(2026, 3, 9)), 42.9)
        self.assertEqual(order.get_amount_due(date(2026, 3, 10)), 55.5)
        # a public holiday on Monday 9 pushes it to Tuesday 10
        self.company.resource_calendar_id.tz = 'UTC'
        self.env['resource.calendar.leaves'].create({
            'name': 'Holiday', 'calendar_id': self.company.resource_calendar_id.id, 'company_id': self.company.id,
            'date_from': datetime(2026, 3, 9, 0, 0), 'date_to': datetime(2026, 3, 9, 23, 59)})
        self.assertEqual(order.get_amount_due(date(2026, 3, 10)), 42.9)
        self.assertEqual(order.get_amount_due(date(2026, 3, 11)), 55.5)

    def test_holidays_in_the_calendar_time_zone(self):
        calendar = self.company.resource_calendar_id
        calendar.tz = 'Europe/Rome'
        # Tuesday 2 June 2026 in Rome is 1 June 22:00 – 2 June 21:59 UTC
        self.env['resource.calendar.leaves'].create({
            'name': 'Festa della Repubblica', 'calendar_id': calendar.id, 'company_id': self.company.id,
            'date_from': datetime(2026, 6, 1, 22, 0), 'date_to': datetime(2026, 6, 2, 21, 59)})
        notified = date(2026, 5, 27)  # Wednesday: day 5 is Monday 1 June, a working day
        order = self.make_order(self.fee_fine, issue=False, date_issue=notified, date_notified=notified)
        self.assertEqual(order.get_amount_due(date(2026, 6, 1)), 42.9)
        self.assertEqual(order.get_amount_due(date(2026, 6, 2)), 55.5)

    def test_without_notification_counts_from_issue(self):
        order = self.make_order(self.fee_fine, issue=False, date_issue=date(2026, 3, 4))
        self.assertEqual(order.get_amount_due(date(2026, 3, 6)), 42.9)

    def test_no_rules_is_total(self):
        order = self.make_order(issue=False)
        self.assertEqual(order.get_amount_due(date(2030, 1, 1)), 22.21)

    def test_discount_terms_follow_notification_date(self):
        order = self.make_order(self.fee_fine)  # not notified: window from issue day
        line = order.receivable_line_id
        self.assertEqual(line.discount_amount_currency, 42.9)
        notified = date.today() + timedelta(days=3)
        order.date_notified = notified
        self.assertGreaterEqual(line.discount_date, notified + timedelta(days=5))
        self.assertEqual(order.discount_date, line.discount_date)
