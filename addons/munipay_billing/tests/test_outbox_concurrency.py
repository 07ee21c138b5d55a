from odoo.tests import tagged

from odoo.addons.munipay_base.tests.common import CommittedCursorsCase

from . import fake_billing
from .common import REST_MAPPING


@tagged('post_install', '-at_install')
class TestOutboxConcurrency(CommittedCursorsCase):
    """Two workers (the job and a manager's "Retry Now") never post one payment at once:
    a payment being sent is locked, the other worker skips it. A payment undone in
    accounting while it is being sent is not cancelled (it may be reaching the system)
    but reversed, without waiting for the worker sending it."""

    def setUp(self):
        super().setUp()
        self.rest = fake_billing.FakeBilling('rest').start()
        self.addCleanup(self.rest.stop)
        env = self.env_on_new_cursor()
        company = env.ref('base.main_company')
        self.system = env['munipay.billing.system'].create(dict(
            REST_MAPPING, name='Concurrent billing', company_id=company.id, base_url=self.rest.url,
            auth_type='token', api_key_header='X-Api-Key', api_key=fake_billing.REST_KEY))
        self.outbox = env['munipay.billing.outbox'].create({
            'system_id': self.system.id, 'account_number': 'W-1', 'amount': 12.5,
            'currency_id': company.currency_id.id, 'reference': 'RF-CONCURRENT'})
        env.cr.commit()
        self.addCleanup(self._cleanup, self.system.id, self.outbox.id)

    def _cleanup(self, system_id, outbox_id):
        env = self.env_on_new_cursor()
        outbox = env['munipay.billing.outbox'].search([('system_id', '=', system_id)])
        outbox.filtered(lambda r: r.kind == 'reversal').unlink()
        (outbox | outbox.browse(outbox_id)).exists().unlink()
        env['munipay.billing.system'].browse(system_id).unlink()
        env.cr.commit()

    def test_a_payment_being_sent_is_skipped_by_the_other_worker(self):
        first = self.env_on_new_cursor()
        locked = first['munipay.billing.outbox'].browse(self.outbox.id)._billing_lock()
        self.assertEqual(locked.ids, [self.outbox.id])
        second = self.env_on_new_cursor()
        self.assertFalse(second['munipay.billing.outbox']._cron_send())
        self.assertFalse(self.rest.requests)
        first.cr.rollback()
        sent = second['munipay.billing.outbox']._cron_send()
        self.assertEqual(sent.ids, [self.outbox.id])
        self.assertEqual(sent.state, 'sent')
        self.assertEqual(len(self.rest.posts()), 1)

    def _undo_while_sending(self):
        job = self.env_on_new_cursor()
        sending = job['munipay.billing.outbox'].browse(self.outbox.id)._billing_lock()
        self.assertEqual(sending.ids, [self.outbox.id])
        accountant = self.env_on_new_cursor()
        accountant.cr.execute("SET LOCAL lock_timeout = '5s'")  # waiting for the job would fail, not hang
        reversal = accountant['munipay.billing.outbox'].browse(self.outbox.id)._billing_undo('undone in a test')
        self.assertEqual((reversal.kind, reversal.original_id.id, reversal.state), ('reversal', self.outbox.id, 'pending'))
        self.assertEqual(reversal.original_id.state, 'pending', "not cancelled: it may be reaching the system")
        accountant.cr.commit()
        return job, sending, reversal.id

    def test_a_payment_undone_while_being_sent_is_reversed_after_it(self):
        job, sending, reversal_id = self._undo_while_sending()
        sending._billing_send()
        self.assertEqual(sending.state, 'sent')
        job.cr.commit()
        done = self.env_on_new_cursor()['munipay.billing.outbox']._cron_send()
        self.assertEqual(done.ids, [reversal_id])
        self.assertEqual((done.state, done.remote_id), ('sent', 'REV-1'))
        self.assertEqual((len(self.rest.posts()), len(self.rest.reversal_requests())), (1, 1))
        self.assertEqual(self.rest.booked_cents('W-1'), 0)

    def test_a_payment_undone_while_its_try_failed_is_cancelled_then_reversed(self):
        job, sending, reversal_id = self._undo_while_sending()
        job.cr.rollback()  # the worker died before its try
        done = self.env_on_new_cursor()['munipay.billing.outbox']._cron_send()
        self.assertEqual(set(done.ids), {self.outbox.id, reversal_id})
        payment = done.browse(self.outbox.id)
        self.assertEqual(payment.state, 'cancelled')
        self.assertFalse(self.rest.posts(), "undone before the system got it: not posted")
        reversal = done.browse(reversal_id)
        self.assertEqual(reversal.state, 'sent')
        self.assertIn('nothing to take back', reversal.last_error)
