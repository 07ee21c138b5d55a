from odoo.tests import tagged

from odoo.addons.munipay_base.tests.common import CommittedCursorsCase

from . import fake_billing
from .common import REST_MAPPING


@tagged('post_install', '-at_install')
class TestOutboxConcurrency(CommittedCursorsCase):
    """Two workers (the job and a manager's "Retry Now") never post one payment at once:
    a payment being sent is locked, the other worker skips it."""

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
        env['munipay.billing.outbox'].browse(outbox_id).unlink()
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
