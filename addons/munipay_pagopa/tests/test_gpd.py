from datetime import datetime, time

import pytz

from odoo import fields
from odoo.tests import tagged

from .common import FISCAL_CODE, PagopaCommon
from .gpd_server import GpdServer

IBAN = 'IT60X0542811101000000123456'
OTHER_IBAN = 'IT86X0306909606100000063208'
POSITIONS = '/organizations/%s/debtpositions' % FISCAL_CODE


class GpdCommon(PagopaCommon):
    """The comune publishes on a local stand-in of GPD that checks every request
    against GPD's OpenAPI (gpd_server.py)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gpd = GpdServer().start()
        cls.addClassCleanup(cls.gpd.stop)
        cls.company.sudo().write({
            'munipay_pagopa_gpd_url': cls.gpd.base_url, 'munipay_pagopa_gpd_key': cls.gpd.key,
            'munipay_pagopa_gpd_enabled': True,
        })
        # below 10 s, which Odoo's test runner makes the least timeout of a request
        cls.env['ir.config_parameter'].sudo().set_param('munipay_pagopa.gpd_timeout', '0.5')
        cls.Gpd = cls.env['munipay.pagopa.gpd']

    def setUp(self):
        super().setUp()
        with self.gpd.lock:
            self.gpd.positions.clear()
            self.gpd.log.clear()
            self.gpd.violations.clear()
            self.gpd.faults.clear()
        self.addCleanup(lambda: self.assertEqual(self.gpd.violations, [], "requests GPD's OpenAPI refuses"))

    def run_job(self, orders=None, batch_size=100):
        """One run of the scheduled job; the orders' retries made due first."""
        if orders:
            orders.sudo().filtered('pagopa_gpd_pending').write({'pagopa_gpd_next_try': fields.Datetime.now()})
        done = self.Gpd._cron_sync(batch_size=batch_size)
        self.env.invalidate_all()
        return done

    def on_gpd(self, order):
        return self.gpd.position(FISCAL_CODE, order.pagopa_gpd_iupd)

    def assertWaits(self, order, operation, attempts, delay):
        """The operation waits for its next try ``delay`` seconds from now."""
        self.assertEqual((order.pagopa_gpd_pending, order.pagopa_gpd_attempts), (operation, attempts))
        wait = (order.pagopa_gpd_next_try - fields.Datetime.now()).total_seconds()
        self.assertAlmostEqual(wait, delay, delta=15)

    @staticmethod
    def end_of_day_utc(day):
        rome = pytz.timezone('Europe/Rome')
        moment = rome.localize(datetime.combine(day, time(23, 59, 59))).astimezone(pytz.utc)
        return moment.replace(tzinfo=None).isoformat() + 'Z'


@tagged('post_install', '-at_install')
class TestGpdPublish(GpdCommon):

    def test_issue_queues_and_the_job_publishes(self):
        order = self.make_order()
        self.assertEqual(order.pagopa_gpd_pending, 'publish')
        self.assertEqual(order.pagopa_gpd_iupd, '%s-%s' % (FISCAL_CODE, order.pagopa_iuv))
        self.assertFalse(self.gpd.log, "nothing is sent while the order is issued")
        self.run_job()
        self.assertEqual((order.pagopa_gpd_status, order.pagopa_gpd_pending, order.pagopa_gpd_error),
                         ('VALID', False, False))
        self.assertEqual((order.pagopa_gpd_amount, order.pagopa_gpd_due_date), (22.21, order.date_due))
        create = self.gpd.calls('POST', POSITIONS)
        self.assertEqual(len(create), 1)
        self.assertEqual(create[0][2], {'toPublish': 'true'})
        sent = create[0][3]
        self.assertEqual((sent['iupd'], sent['type'], sent['fiscalCode'], sent['fullName'], sent['companyName']),
                         (order.pagopa_gpd_iupd, 'F', 'RSSMRA70C03H501D', 'Mario Rossi', 'Comune di Prova'))
        self.assertNotIn('email', sent, "the payer's e-mail is shared only when the company allows it")
        self.assertFalse(sent['switchToExpired'])
        [option] = sent['paymentOption']
        self.assertEqual((option['iuv'], option['nav'], option['amount'], option['isPartialPayment']),
                         (order.pagopa_iuv, order.pagopa_notice_number, 2221, False))
        self.assertEqual(option['dueDate'], self.end_of_day_utc(order.date_due))
        self.assertEqual(option['transfer'], [{
            'idTransfer': '1', 'amount': 2221, 'remittanceInformation': 'Identity card', 'category': '9/0101108TS/',
            'iban': IBAN}])
        self.assertEqual(self.on_gpd(order)['status'], 'VALID')

    def test_transfers_per_iban_and_taxonomy_add_up(self):
        other = self.env['res.partner.bank'].create({'acc_number': OTHER_IBAN, 'partner_id': self.company.partner_id.id})
        self.fee_fine.write({'pagopa_bank_account_id': other.id, 'pagopa_transfer_category': '9/0201102IM/',
                             'pagopa_postal_bank_account_id': self.postal_account.id})
        Order = self.env['munipay.payment.order']
        order = self.make_order(line_ids=Order._munipay_lines_for_fee_type(self.fee_card)
                                + Order._munipay_lines_for_fee_type(self.fee_fine))
        self.company.munipay_pagopa_gpd_share_email = True
        self.run_job()
        sent = self.gpd.calls('POST', POSITIONS)[0][3]
        option = sent['paymentOption'][0]
        self.assertEqual(option['amount'], 7771)  # 22.21 + 42.00 + 13.50
        self.assertEqual([(t['idTransfer'], t['amount'], t['iban'], t['category'], t.get('postalIban'))
                          for t in option['transfer']],
                         [('1', 2221, IBAN, '9/0101108TS/', None),
                          ('2', 5550, OTHER_IBAN, '9/0201102IM/', 'IT88N0760103200000010123456')])
        self.assertEqual(sum(t['amount'] for t in option['transfer']), option['amount'])
        self.assertEqual(sent['email'], 'mario.rossi@example.com')
        self.assertEqual(order.pagopa_gpd_status, 'VALID')

    def test_fine_asks_todays_amount_until_its_rule_ends(self):
        order = self.fine_notified(days_ago=1)
        self.run_job()
        deadline = order._munipay_rule_on(fields.Date.today())[1]
        sent = self.gpd.calls('POST', POSITIONS)[0][3]
        self.assertEqual(sent['paymentOption'][0]['amount'], 4290)  # 0.7 × 42 + 13.50
        self.assertEqual(sent['paymentOption'][0]['dueDate'], self.end_of_day_utc(deadline))
        self.assertTrue(sent['switchToExpired'], "the reduced amount must not be paid after its last day")
        self.assertEqual((order.pagopa_gpd_amount, order.pagopa_gpd_due_date), (42.90, deadline))
        # notified earlier (a correction): the full amount, sent again
        order.date_notified = self.days_ago(10)
        self.assertEqual(order.pagopa_gpd_pending, 'update')
        self.run_job()
        put = self.gpd.calls('PUT', order.pagopa_gpd_iupd)
        self.assertEqual(len(put), 1)
        self.assertEqual(put[0][3]['paymentOption'][0]['amount'], 5550)
        self.assertEqual(self.on_gpd(order)['paymentOption'][0]['amount'], 5550)
        self.assertEqual((order.pagopa_gpd_status, order.pagopa_gpd_amount), ('VALID', 55.5))

    def test_due_date_passed_sends_the_position_again(self):
        order = self.make_order()
        self.run_job()
        order.sudo().pagopa_gpd_due_date = self.days_ago(1)  # as if the day had passed
        self.run_job()
        self.assertEqual(len(self.gpd.calls('PUT', order.pagopa_gpd_iupd)), 1)
        self.assertEqual((order.pagopa_gpd_pending, order.pagopa_gpd_due_date), (False, order.date_due))

    def test_partial_payment_elsewhere_lowers_the_position(self):
        order = self.make_order()
        self.run_job()
        order._munipay_pay(self.bank_journal, amount=10.0, external=True)
        self.assertEqual((order.state, order.pagopa_gpd_pending), ('issued', 'update'))
        self.run_job()
        self.assertEqual(self.on_gpd(order)['paymentOption'][0]['amount'], 1221)
        self.assertEqual(order.pagopa_gpd_amount, 12.21)

    def test_company_not_on_gpd_queues_nothing(self):
        self.company.munipay_pagopa_gpd_enabled = False
        order = self.make_order()
        self.assertFalse(order.pagopa_gpd_pending or order.pagopa_gpd_iupd)
        self.run_job()
        self.assertFalse(self.gpd.log)

    def test_order_form_shows_the_position(self):
        order = self.make_order()
        self.run_job()
        arch = order.get_view(view_type='form')['arch']
        for field in ('pagopa_gpd_status', 'pagopa_gpd_error', 'pagopa_gpd_pending', 'action_pagopa_gpd_sync'):
            self.assertIn(field, arch)


@tagged('post_install', '-at_install')
class TestGpdFailures(GpdCommon):

    def test_answer_lost_after_500_is_not_created_twice(self):
        order = self.make_order()
        self.gpd.fail('POST', POSITIONS, status=500, after=True)
        self.run_job()
        self.assertTrue(self.on_gpd(order), "GPD did create it, its answer was lost")
        self.assertWaits(order, 'publish', 1, 60)
        self.assertIn('GPD answered 500', order.pagopa_gpd_error)
        self.assertFalse(order.pagopa_gpd_status)
        self.assertFalse(order.message_ids.filtered(lambda m: 'GPD' in (m.body or '')), "a retry is no news")
        self.run_job(order)
        self.assertEqual((order.pagopa_gpd_status, order.pagopa_gpd_pending, order.pagopa_gpd_error),
                         ('VALID', False, False))
        self.assertEqual([call[4] for call in self.gpd.calls('POST', POSITIONS)], [500, 409])
        self.assertEqual(len(self.gpd.positions), 1)

    def test_timeout_is_tried_again(self):
        order = self.make_order()
        # Odoo's test runner makes every request wait at least 10 s before it times out
        self.gpd.fail('POST', POSITIONS, status=None, after=True, delay=10.5)
        self.run_job()
        self.assertWaits(order, 'publish', 1, 60)
        self.assertIn('did not answer in time', order.pagopa_gpd_error)
        self.run_job(order)
        self.assertEqual(order.pagopa_gpd_status, 'VALID')
        self.assertEqual(len(self.gpd.positions), 1)

    def test_backoff_schedule_then_given_up(self):
        order = self.make_order()
        self.gpd.fail('POST', POSITIONS, status=503, times=10)
        for attempt, delay in enumerate([60, 120, 240, 480, 960, 1920, 3840, 7680, 15360], start=1):
            self.run_job(order)
            self.assertWaits(order, 'publish', attempt, delay)
        self.run_job(order)
        self.assertEqual((order.pagopa_gpd_pending, order.pagopa_gpd_attempts), (False, 10))
        self.assertIn('given up after 10 failed tries', order.pagopa_gpd_error)
        self.assertIn('given up', order.message_ids[0].body)
        self.assertFalse(self.gpd.positions)
        # the officer sends it again
        order.action_pagopa_gpd_sync()
        self.assertEqual((order.pagopa_gpd_pending, order.pagopa_gpd_attempts), ('publish', 0))
        self.run_job()
        self.assertEqual((order.pagopa_gpd_status, order.pagopa_gpd_error), ('VALID', False))

    def test_429_waits_as_long_as_gpd_asks(self):
        order = self.make_order()
        self.gpd.fail('POST', POSITIONS, status=429, retry_after=900)
        self.run_job()
        self.assertWaits(order, 'publish', 1, 900)

    def test_gpd_down_pauses_the_batch(self):
        orders = self.make_order() | self.make_order() | self.make_order() | self.make_order() | self.make_order()
        self.gpd.fail('POST', POSITIONS, status=502, times=5)
        self.run_job()
        self.assertEqual(len(self.gpd.calls('POST', POSITIONS)), 3)
        self.assertEqual(orders.mapped('pagopa_gpd_attempts'), [1, 1, 1, 0, 0])
        self.assertTrue(all(o.pagopa_gpd_next_try > fields.Datetime.now() for o in orders))

    def test_position_already_there_is_updated(self):
        """A position GPD has under the order's IUPD (created by a try whose answer
        never came back, as a draft) is updated and published, not created again."""
        order = self.make_order()
        data, _cents, _due = order._pagopa_gpd_data(fields.Date.today(), {})
        self.company._munipay_pagopa_gpd_client().create(data, publish=False)
        self.assertEqual(self.on_gpd(order)['status'], 'DRAFT')
        self.run_job()
        self.assertEqual([call[4] for call in self.gpd.calls(path_end='')],
                         [201, 409, 200, 200])  # the draft, then create → 409, read, update
        self.assertEqual((order.pagopa_gpd_status, self.on_gpd(order)['status']), ('VALID', 'VALID'))

    def test_iuv_taken_by_another_position_is_an_error(self):
        order = self.make_order()
        data, _cents, _due = order._pagopa_gpd_data(fields.Date.today(), {})
        data['iupd'] = 'someone-else'
        self.gpd.positions[FISCAL_CODE, 'someone-else'] = dict(data, status='VALID')
        self.run_job()
        self.assertEqual((order.pagopa_gpd_pending, order.pagopa_gpd_status), (False, False))
        self.assertIn('another position with IUV %s' % order.pagopa_iuv, order.pagopa_gpd_error)
        self.assertIn('GPD refused', order.message_ids[0].body)

    def test_wrong_key_is_written_on_the_order(self):
        self.company.sudo().munipay_pagopa_gpd_key = 'not-the-key'
        order = self.make_order()
        self.run_job()
        self.assertEqual(order.pagopa_gpd_pending, False)
        self.assertIn('GPD answered 401', order.pagopa_gpd_error)
        self.assertIn('GPD refused “Publish”', order.message_ids[0].body)

    def test_data_gpd_refuses_is_not_sent(self):
        order = self.make_order()
        self.company.munipay_bank_account_id = False  # the fee's transfers have no IBAN any more
        self.run_job()
        self.assertFalse(self.gpd.log)
        self.assertRegex(order.pagopa_gpd_error, 'cannot be sent: .*has no IBAN for pagoPA')
        self.assertEqual((order.pagopa_gpd_pending, order.pagopa_gpd_status), (False, False))
        self.assertIn('cannot be sent', order.message_ids[0].body)


@tagged('post_install', '-at_install')
class TestGpdLifecycle(GpdCommon):

    def test_cancel_invalidates(self):
        order = self.make_order()
        self.run_job()
        order.action_cancel("Issued by mistake")
        self.assertEqual(order.pagopa_gpd_pending, 'invalidate')
        self.run_job()
        self.assertEqual(self.on_gpd(order)['status'], 'INVALID')
        self.assertEqual((order.pagopa_gpd_status, order.pagopa_gpd_pending), ('INVALID', False))
        self.assertEqual(len(self.gpd.calls('POST', order.pagopa_gpd_iupd + '/invalidate')), 1)

    def test_cancel_before_publication(self):
        order = self.make_order()
        order.action_cancel("Issued by mistake")
        self.run_job()
        self.assertFalse(self.gpd.positions)
        self.assertEqual([call[4] for call in self.gpd.calls()], [404])
        self.assertEqual((order.pagopa_gpd_status, order.pagopa_gpd_pending, order.pagopa_gpd_error),
                         (False, False, False))

    def test_joint_debtor_paid_invalidates_the_other(self):
        order_a, order_b = self.joint_pair()
        self.run_job()
        order_a._munipay_pay(self.bank_journal)
        self.assertEqual((order_a.pagopa_gpd_pending, order_b.state, order_b.pagopa_gpd_pending),
                         ('paid', 'cancelled', 'invalidate'))
        self.run_job()
        self.assertEqual((self.on_gpd(order_a)['status'], self.on_gpd(order_b)['status']), ('PAID', 'INVALID'))

    def test_paid_elsewhere_is_marked_paid(self):
        order = self.make_order()
        self.run_job()
        order._munipay_pay(self.cash_journal, payment_date=self.days_ago(1))
        self.assertEqual(order.pagopa_gpd_pending, 'paid')
        self.run_job()
        [call] = self.gpd.calls('POST', '/paymentoptions/paids/' + order.pagopa_notice_number)
        rome_noon = pytz.timezone('Europe/Rome').localize(datetime.combine(self.days_ago(1), time(12)))
        self.assertEqual(call[3], {'paymentDate': rome_noon.astimezone(pytz.utc).replace(tzinfo=None).isoformat()
                                   + 'Z'})
        self.assertEqual((order.pagopa_gpd_status, self.on_gpd(order)['status']), ('PAID', 'PAID'))

    def test_paid_through_pagopa_reads_the_status(self):
        order = self.make_order()
        self.run_job()
        self.gpd.pay(FISCAL_CODE, order.pagopa_notice_number)
        self.send_rt(order, 'r-gpd-1', '22.21')
        self.book_receipts()
        self.assertEqual((order.state, order.pagopa_gpd_pending), ('paid', 'read'))
        self.run_job()
        self.assertFalse(self.gpd.calls('POST', '/paymentoptions/paids/' + order.pagopa_notice_number))
        self.assertEqual(order.pagopa_gpd_status, 'PAID')

    def test_cancelled_order_paid_on_pagopa_meanwhile(self):
        order = self.make_order()
        self.run_job()
        self.gpd.pay(FISCAL_CODE, order.pagopa_notice_number)
        order.action_cancel("Withdrawn")
        self.run_job()
        self.assertEqual(order.pagopa_gpd_status, 'PAID')
        self.assertIn('can no longer change there', order.message_ids[0].body)
