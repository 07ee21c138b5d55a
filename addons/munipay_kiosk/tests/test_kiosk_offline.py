import json
import pathlib
import sys
from datetime import datetime

from odoo.tests import tagged

from .common import MunipayKioskCommon

REPO_ROOT = str(pathlib.Path(__file__).resolve().parents[3])


def bridge_offline():
    """munipay_bridge/offline.py (at the repository root, not on Odoo's path)."""
    if REPO_ROOT not in sys.path:
        sys.path.append(REPO_ROOT)
    from munipay_bridge import offline  # noqa: PLC0415
    return offline


@tagged('post_install', '-at_install')
class TestKioskOffline(MunipayKioskCommon):
    """What a kiosk needs while Odoo is unreachable: its snapshot (for the page and as
    files for a USB stick, in the bridge's format) and the booking of what it queued."""

    def test_snapshot_lists_the_open_orders_the_kiosk_can_take(self):
        order = self.make_order()
        paid = self.make_order()
        paid._munipay_pay(self.bank_journal)
        snapshot = self.kiosk._munipay_kiosk_snapshot()
        targets = {t['target_id']: t for t in snapshot['targets']}
        self.assertNotIn(paid.id, targets, "nothing left to pay, nothing to offer")
        target = dict(targets[order.id])
        keys = target.pop('keys')
        self.assertEqual(target, {
            'kind': 'order', 'target_id': order.id, 'name': order.name, 'fee': order.fee_type_id.name,
            'initials': 'M. R.', 'amount_due': 2221, 'currency': self.company.currency_id.name})
        self.assertLessEqual({order.payment_reference.upper(), order.name.replace(' ', '').upper()}, set(keys))
        self.assertNotIn('Rossi', str(snapshot), "initials only, as on the screen")
        # the bridge finds it by the notice's QR as the desk does
        store = bridge_offline().OfflineStore(None)
        store.load(json.dumps(snapshot).encode())
        self.assertEqual(store.lookup(order.payment_reference)['target_id'], order.id)
        self.env['ir.config_parameter'].sudo().set_param('munipay_kiosk.snapshot_limit', '1')
        self.make_order()
        self.assertEqual(len(self.kiosk._munipay_kiosk_snapshot()['targets']), 1, "capped")

    def test_snapshot_names_the_municipality_as_creditor(self):
        # notice numbers are unique per creditor only: offline, the bridge refuses another town's notice
        self.company.munipay_creditor_fiscal_code = '01234567890'
        order = self.make_order()
        snapshot = self.kiosk._munipay_kiosk_snapshot()
        self.assertIn('01234567890', snapshot['creditors'])
        store = bridge_offline().OfflineStore(None)
        store.load(json.dumps(snapshot).encode())
        ours = 'PAGOPA|002|%s|01234567890|2221' % order.payment_reference
        self.assertEqual(store.lookup(ours)['target_id'], order.id)
        self.assertEqual(store.lookup(ours.replace('01234567890', '98765432109'))['reason'], 'other_creditor')
        iban = self.company.munipay_bank_account_id.acc_number
        if iban:
            self.assertIn(iban.replace(' ', '').upper(), snapshot['creditors'])

    def test_snapshot_reads_in_batches(self):
        for _i in range(9):
            self.make_order()
        # nine orders cost no more queries than a handful more than one
        Order = self.env['munipay.payment.order'].sudo()
        one = Order.search([('company_id', '=', self.company.id), ('state', '=', 'issued')], limit=1)
        nine = Order.search([('company_id', '=', self.company.id), ('state', '=', 'issued')])
        counts = []
        for orders in (one, nine):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Order.browse(orders.ids)._munipay_kiosk_snapshot_targets()
            counts.append(self.env.cr.sql_log_count - before)
        self.assertGreaterEqual(len(nine), 9)
        self.assertLessEqual(counts[1], counts[0] + 3, "no query per order: %s" % counts)

    def test_snapshot_files_load_into_the_bridge(self):
        self.company.munipay_creditor_fiscal_code = '01234567890'
        order = self.make_order()
        offline = bridge_offline()
        self.authenticate('kiosk_1', 'kiosk_1')
        for fmt, content_type in (('csv', 'text/csv'), ('xml', 'application/xml')):
            response = self.url_open('/munipay/kiosk/%d/snapshot.%s' % (self.kiosk.id, fmt))
            self.assertEqual(response.status_code, 200, response.text[:300])
            self.assertTrue(response.headers['Content-Type'].startswith(content_type))
            self.assertIn('attachment', response.headers['Content-Disposition'])
            store = offline.OfflineStore(None)
            store.load(response.content, content_type)
            found = store.lookup('PAGOPA|002|%s|01234567890|2221' % order.payment_reference)
            self.assertEqual((found['target_id'], found['amount_due'], found['initials']), (order.id, 2221, 'M. R.'))
        self.assertEqual(self.url_open('/munipay/kiosk/%d/snapshot.csv' % self.config.id).status_code, 403,
                         "a desk is no kiosk")
        self.assertEqual(self.url_open('/munipay/kiosk/%d/snapshot.txt' % self.kiosk.id).status_code, 404)
        action = self.kiosk.with_context(munipay_snapshot_format='xml').action_munipay_kiosk_snapshot()
        self.assertEqual(action['url'], '/munipay/kiosk/%d/snapshot.xml' % self.kiosk.id)
        self.authenticate(None, None)
        self.assertIn(self.url_open('/munipay/kiosk/%d/snapshot.csv' % self.kiosk.id,
                                    allow_redirects=False).status_code, (302, 303))
        worker = self.url_open('/munipay/kiosk/sw.js')
        self.assertEqual(worker.headers['Service-Worker-Allowed'], '/munipay/kiosk/')
        self.assertIn('networkFirst', worker.text)

    def test_queued_payment_booked_after_the_order_was_paid_at_the_desk(self):
        order = self.make_order()
        key = self.new_key()
        # offline, the kiosk took 30.00; meanwhile the order is paid at the cash desk
        session = self.open_session()
        self.sale(session, [self.order_line(22.21, munipay_order_id=order.id)], [(self.cash_pm, 22.21)],
                  partner=self.payer)
        self.assertEqual(order.state, 'paid')
        answer = self.book(key, order, [2000, 1000], offline=True, updated_at='2026-11-22T19:58:02Z')
        self.assertEqual((answer['outcome'], answer['amount_applied'], answer['amount_credited']), ('credit', 0, 3000))
        payment = self.env['munipay.kiosk.payment'].search([('name', '=', key)])
        self.assertRecordValues(payment, [{'booked_offline': True, 'cash_taken_at': datetime(2026, 11, 22, 19, 58, 2),
                                           'outcome': 'credit', 'amount_credited': 30.0}])
        self.assertRecordValues(order.refund_line_ids, [{'partner_id': self.payer.id, 'balance': -30.0,
                                                         'reconciled': False}])
        self.assertEqual(self.book(key, order, [2000, 1000], offline=True, updated_at='2026-11-22T19:58:02Z'), answer,
                         "synced twice: booked once")
        self.assertEqual(len(self.env['munipay.kiosk.payment'].search([('config_id', '=', self.kiosk.id)])), 1)
        self.assertEqual(len(self.kiosk_session().order_ids), 1)
        online = self.book(self.new_key(), self.make_order(), [2000, 1000])
        self.assertFalse(self.env['munipay.kiosk.payment'].search([], limit=1).booked_offline)
        self.assertEqual(online['outcome'], 'paid')
