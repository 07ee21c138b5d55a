from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from ..controllers.portal import MunipayPortal
from .common import MunipayPortalCommon


@tagged('post_install', '-at_install')
class TestPortalPages(MunipayPortalCommon):
    """The citizen's pages under /my: the list and the order's page."""

    def test_list_search_filters_sorting_and_pager(self):
        card = self.make_order(origin='CASE-CARD')
        fine = self.make_order(self.fee_fine, date_notified=fields.Date.today(), origin='VERBALE-77')
        paid = self.paid_order()
        cancelled = self.make_order()
        cancelled.action_cancel("Issued by mistake")
        others = self.make_order(partner=self.payer_2)
        draft = self.make_order(issue=False)
        self.authenticate('citizen_a', 'citizen_a')

        page = self.get('/my/munipay/orders').text
        for order in (card, fine, paid, cancelled):
            self.assertIn(f'o_munipay_order_{order.id}"', page)
        for order in (others, draft):
            self.assertNotIn(f'o_munipay_order_{order.id}"', page)
        self.assertIn('42.90', page)  # the fine's amount due today

        def listed(**params):
            text = self.url_open('/my/munipay/orders?' + '&'.join(f'{k}={v}' for k, v in params.items())).text
            return {o for o in (card, fine, paid, cancelled, others, draft) if f'o_munipay_order_{o.id}"' in text}

        self.assertEqual(listed(filterby='open'), {card, fine})
        self.assertEqual(listed(filterby='paid'), {paid})
        self.assertEqual(listed(filterby='cancelled'), {cancelled})
        self.assertEqual(listed(search='VERBALE', search_in='origin'), {fine})
        self.assertEqual(listed(search=card.name, search_in='name'), {card})
        self.assertEqual(listed(search=fine.payment_reference, search_in='reference'), {fine})
        self.assertEqual(listed(search='Parking', search_in='fee'), {fine})
        self.assertEqual(listed(search=others.name, search_in='all'), set())
        text = self.url_open('/my/munipay/orders?sortby=name').text
        names = sorted((card, fine, paid, cancelled), key=lambda o: o.name, reverse=True)
        positions = [text.index(f'o_munipay_order_{o.id}"') for o in names]
        self.assertEqual(positions, sorted(positions))
        # the pager: two orders a page
        with self.patch_page_size(2):
            first = self.url_open('/my/munipay/orders?sortby=name').text
            second = self.url_open('/my/munipay/orders/page/2?sortby=name').text
        self.assertEqual({o for o in names if f'o_munipay_order_{o.id}"' in first}, set(names[:2]))
        self.assertEqual({o for o in names if f'o_munipay_order_{o.id}"' in second}, set(names[2:]))
        self.assertIn('/my/munipay/orders/page/2', first)

    def patch_page_size(self, size):
        return patch.object(MunipayPortal, '_items_per_page', size)

    def test_home_counters(self):
        self.make_order()
        self.make_order()
        self.paid_order()
        self.make_order(partner=self.payer_2)
        self.authenticate('citizen_a', 'citizen_a')
        self.assertIn('munipay_order_count', self.url_open('/my/home').text)
        counters = self.make_jsonrpc_request('/my/counters', {
            'counters': ['munipay_order_count', 'munipay_open_order_count']})
        self.assertEqual((counters['munipay_order_count'], counters['munipay_open_order_count']), (3, 2))

    def test_order_page_shows_amount_due_today_schedule_lines_documents_and_chatter(self):
        fine = self.make_order(self.fee_fine, date_notified=fields.Date.today(), origin='VERBALE-77')
        fine.message_post(body="Your appeal was received.", message_type='comment',
                          subtype_xmlid='mail.mt_comment')
        self.authenticate('citizen_a', 'citizen_a')
        response = self.get(fine.access_url)
        self.assertEqual(response.status_code, 200)
        page = response.text
        # due today: the discounted amount of the first window (0.7 × 42 + 13.50 costs)
        self.assertIn('o_munipay_amount_due', page)
        self.assertIn('42.90', page)
        schedule = fine._munipay_portal_schedule()
        self.assertEqual([row['amount'] for row in schedule], [42.9, 55.5, 100.0])
        self.assertTrue(schedule[0]['current'])
        self.assertIn('o_munipay_schedule_current', page)
        for amount in ('55.50', '100.00'):
            self.assertIn(amount, page)
        self.assertIn('Costs: Parking fine', page)
        self.assertIn('VERBALE-77', page)
        self.assertIn('o_munipay_pay_button', page)
        self.assertIn('o_payment_form', page)
        self.assertIn(f'data-transaction-route="/my/munipay/orders/transaction/{fine.id}"', page)
        self.assertIn('o_portal_chatter', page)
        notice = self.get(f'{fine.access_url}?report_type=pdf&download=true')
        self.assertEqual(notice.status_code, 200)
        self.assertIn('attachment', notice.headers.get('Content-Disposition', ''))

        paid = self.paid_order()
        page = self.get(paid.access_url).text
        receipt = paid.receipt_ids
        self.assertIn(f'/my/munipay/orders/{paid.id}/receipts/{receipt.id}', page)
        self.assertNotIn('o_munipay_pay_button', page)
        self.assertIn('munipay_status_paid', page)
        self.assertEqual(self.get(f'/my/munipay/orders/{paid.id}/receipts/{receipt.id}?download=true').status_code, 200)

    def test_joint_debtor_sees_paid_by_another_debtor(self):
        mine, theirs = self.joint_pair()
        theirs._munipay_pay(self.bank_journal)
        mine.invalidate_recordset()
        self.assertEqual((mine.state, mine.joint_cancelled_by_id), ('cancelled', theirs))
        self.authenticate('citizen_a', 'citizen_a')
        page = self.get(mine.access_url).text
        self.assertIn('o_munipay_paid_by_other', page)
        self.assertIn('munipay_status_paid_by_other', page)
        self.assertNotIn(theirs.partner_id.name, page, "who paid stays private")
        self.assertNotIn('o_munipay_pay_button', page)
        listed = self.url_open('/my/munipay/orders?filterby=paid').text
        self.assertIn(f'o_munipay_order_{mine.id}"', listed)
