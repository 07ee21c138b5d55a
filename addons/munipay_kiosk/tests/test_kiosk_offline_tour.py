import json
import sys
import tempfile
from contextlib import contextmanager
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from .common import KioskBrowserMixin, MunipayKioskCommon
from .link import Link
from .test_kiosk_tour import REPO_ROOT

TWENTY, TEN = 2, 1  # bill types of the simulated acceptor


@tagged('post_install', '-at_install')
class TestKioskOfflineTour(KioskBrowserMixin, MunipayKioskCommon):
    """In the browser, through a link the test cuts: the kiosk page stores its snapshot in the
    real bridge; offline it takes cash through the simulated acceptor, queues the payment and
    prints a provisional receipt on the simulated ESC/POS printer; the bridge restarts, the
    page reloads from its service worker's cache; the link returns and the queue is booked,
    once, with a flagged credit where the order was paid at the desk meanwhile."""

    @contextmanager
    def devices(self):
        if REPO_ROOT not in sys.path:
            sys.path.append(REPO_ROOT)
        from munipay_bridge import ccnet  # noqa: PLC0415
        from munipay_bridge.ccnet_simulator import Behaviour, Simulator  # noqa: PLC0415
        from munipay_bridge.escpos_simulator import Simulator as Paper  # noqa: PLC0415
        currency = self.company.currency_id.name
        validator = Simulator(Behaviour(), bills=[ccnet.Bill(1, 1, currency, 1), ccnet.Bill(2, 2, currency, 1)],
                              feed=[], feed_every=10).start_pty()
        paper = Paper().start_pty()
        try:
            with tempfile.TemporaryDirectory() as state:
                yield validator, paper, state
        finally:
            validator.stop()
            paper.stop()

    def bridge(self, validator, paper, state, port=0):
        from munipay_bridge.testing import running_kiosk_bridge  # noqa: PLC0415
        return running_kiosk_bridge(state, validator, paper, origins=(self.link.origin, self.base_url()),
                                    token='kiosk-token', currency=self.company.currency_id.name, port=port)

    def diagnose(self):
        rig = getattr(self, 'rig', None)
        if not rig:
            return None
        return {'sessions': rig.desk.journal.recent(3), 'device': rig.desk.status()['device_state'],
                'queue': rig.offline.stats()}

    def pay(self, order, bills, cut_after_first=False):
        """Type the order's reference, pay in cash with ``bills``; ``cut_after_first``: the link
        goes down once the first note is in, before the booking."""
        self.evaluate("""(() => { const input = document.querySelector('.o_munipay_kiosk input[name=reference]');
            input.value = %s; input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); })()"""
                      % json.dumps(order.payment_reference))
        self.wait_selector('.o_munipay_kiosk_pay')
        self.evaluate("document.querySelector('.o_munipay_kiosk_pay').click()")
        self.wait_selector('.o_munipay_kiosk_inserted')
        for position, bill in enumerate(bills):
            inserted = self.validator_cassette_len() + 1
            self.validator.insert(bill)
            self.wait_for('note stacked', lambda n=inserted: self.validator_cassette_len() >= n, 30)
            if cut_after_first and position == 0:
                self.link.cut()

    def validator_cassette_len(self):
        return len(self.validator.cassette)

    def test_offline_payment_synced_after_the_link_returns(self):
        paid_at_desk = self.make_order()   # paid at the desk while the kiosk is offline
        still_open = self.make_order()     # paid at the kiosk offline only
        self.link = Link(self.http_port()).start()
        with self.devices() as (validator, paper, state):
            self.validator = validator
            self.browser = ChromeBrowser(self)
            try:
                with self.bridge(validator, paper, state) as rig:
                    self.rig = rig
                    port = rig.server.server_address[1]
                    self.kiosk.munipay_kiosk_bridge_url = rig.url
                    self.authenticate('kiosk_1', 'kiosk_1', browser=self.browser)
                    self.cr.flush()
                    self.cr.clear()
                    page = '%s/munipay/kiosk/%d' % (self.link.origin, self.kiosk.id)
                    self.browser.navigate_to(page, wait_stop=True)
                    self.wait_selector('.o_munipay_kiosk input[name=reference]')
                    self.wait_for('snapshot stored', lambda: rig.offline.snapshot_info()['targets'] >= 2)
                    self.wait_selector('.o_munipay_kiosk[data-cached]')
                    # the citizen pays 30.00 for 22.21; the link goes down mid-payment
                    self.pay(paid_at_desk, [TWENTY, TEN], cut_after_first=True)
                    self.wait_selector('.o_munipay_kiosk_provisional', timeout=90)
                    self.assertTrue(self.evaluate(
                        "getComputedStyle(document.querySelector('.o_munipay_kiosk_offline_banner')).display"
                        " !== 'none'"), "the banner says the kiosk is offline")
                    key = self.evaluate("document.querySelector('.o_munipay_kiosk_provisional').dataset.key")
                    self.wait_for('provisional receipt printed', lambda: paper.receipts, 30)
                    printed = '\n'.join(line['text'] for line in paper.receipts[-1]['lines'])
                    self.assertIn('PROVISIONAL RECEIPT', printed)
                    self.assertLessEqual(max(len(line['text']) for line in paper.receipts[-1]['lines']), 42,
                                         "laid out for 80 mm paper, nothing cut off")
                    self.assertIn('it proves your payment.', ' '.join(printed.split()))
                    self.assertIn(key, printed)
                    self.assertIn(paid_at_desk.name, printed)
                    self.assertEqual([p['key'] for p in rig.offline.pending()], [key])
                # meanwhile the same order is paid at the cash desk
                desk = self.open_session()
                self.sale(desk, [self.order_line(22.21, munipay_order_id=paid_at_desk.id)],
                          [(self.cash_pm, 22.21)], partner=self.payer)
                self.assertEqual(paid_at_desk.state, 'paid')
                self.cr.flush()  # Odoo's requests read the database, not this test's cache
                # the bridge restarts and the kiosk page reloads while the link is still down
                with self.bridge(validator, paper, state, port=port) as rig:
                    self.rig = rig
                    self.assertEqual([p['key'] for p in rig.offline.pending()], [key], "the queue survived")
                    self.browser.navigate_to(page, wait_stop=True)
                    self.wait_selector('.o_munipay_kiosk input[name=reference]')
                    # the other order, offline: found in the snapshot, paid, queued
                    self.pay(still_open, [TWENTY, TEN])
                    self.wait_for('second provisional receipt', lambda: len(paper.receipts) >= 2, 90)
                    second = self.evaluate("document.querySelector('.o_munipay_kiosk_provisional').dataset.key")
                    self.assertNotEqual(second, key)
                    self.assertEqual(self.env['munipay.kiosk.payment'].search_count(
                        [('config_id', '=', self.kiosk.id)]), 0, "nothing reached Odoo while offline")
                    # the link returns: the page syncs the queue through /book
                    self.link.restore()
                    self.wait_for('queue synced', lambda: not rig.offline.pending(), 120)
                    answers = {p: rig.offline.get(p)['answer'] for p in (key, second)}
            finally:
                self.browser.stop()
                self._wait_remaining_requests()
                self.link.stop()
        self.assertEqual(answers[key]['outcome'], 'credit')
        self.assertEqual(answers[second]['outcome'], 'paid')
        self.env.invalidate_all()
        payments = self.env['munipay.kiosk.payment'].search([('config_id', '=', self.kiosk.id)])
        self.assertEqual(sorted(payments.mapped('name')), sorted([key, second]), "each queued payment once")
        credit = payments.filtered(lambda p: p.name == key)
        self.assertRecordValues(credit, [{'order_id': paid_at_desk.id, 'booked_offline': True, 'outcome': 'credit',
                                          'amount_inserted': 30.0, 'amount_applied': 0.0, 'amount_credited': 30.0}])
        self.assertTrue(credit.cash_taken_at)
        self.assertRecordValues(paid_at_desk.refund_line_ids, [{'partner_id': self.payer.id, 'balance': -30.0,
                                                                'reconciled': False}])
        self.assertEqual(len(paid_at_desk.receipt_ids), 1, "one receipt: the desk's")
        self.assertRecordValues(credit.pos_order_id.payment_ids, [{'payment_method_id': self.kiosk_pm.id,
                                                                   'amount': 30.0}])
        paid = payments - credit
        self.assertRecordValues(paid, [{'order_id': still_open.id, 'booked_offline': True, 'outcome': 'paid',
                                        'amount_applied': 22.21, 'amount_credited': 7.79}])
        self.assertEqual(still_open.state, 'paid')
        # synced again (a page that missed the answer): the same answer, nothing booked twice
        again = self.book(key, paid_at_desk, [2000, 1000], offline=True)
        self.assertEqual(again['outcome'], 'credit')
        self.assertEqual(self.env['munipay.kiosk.payment'].search_count([('config_id', '=', self.kiosk.id)]), 2)
        self.assertEqual(len(self.kiosk_session().order_ids), 2)
        self.close_kiosk()
        self.close_session(desk)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.kiosk_journal.default_account_id), 60.0)
        self.assertBalanced()

    def test_wallet_top_up_runs_to_its_maximum(self):
        """A lookup may answer a wallet to top up (another add-on's kind): the screen shows its
        balance and the acceptor session runs up to its maximum until the citizen stops."""
        wallet = {'status': 'ok', 'message': '', 'kind': 'wallet', 'target_id': 41, 'name': 'Mensa 0042',
                  'fee': 'Canteen', 'initials': 'M. R.', 'amount_due': 0, 'max_amount': 15000, 'balance': 1250,
                  'top_up': True, 'currency': self.company.currency_id.name}
        Order = type(self.env['munipay.payment.order'])
        self.link = Link(self.http_port()).start()
        with patch.object(Order, '_munipay_kiosk_lookup_other', lambda self, config, text: dict(wallet)), \
                self.devices() as (validator, paper, state), self.bridge(validator, paper, state) as rig:
            self.validator, self.rig = validator, rig
            self.kiosk.munipay_kiosk_bridge_url = rig.url
            self.browser = ChromeBrowser(self)
            try:
                self.authenticate('kiosk_1', 'kiosk_1', browser=self.browser)
                self.cr.flush()
                self.cr.clear()
                self.browser.navigate_to('%s/munipay/kiosk/%d' % (self.link.origin, self.kiosk.id), wait_stop=True)
                self.wait_selector('.o_munipay_kiosk input[name=reference]')
                self.evaluate("""(() => { const input = document.querySelector('.o_munipay_kiosk input[name=reference]');
                    input.value = '6001000000000018';
                    input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); })()""")
                self.wait_selector('.o_munipay_kiosk_balance')
                self.assertIn('12.50', self.text('.o_munipay_kiosk_balance'))
                self.evaluate("document.querySelector('.o_munipay_kiosk_pay').click()")
                self.wait_selector('.o_munipay_kiosk_stop')
                validator.insert(TEN)
                self.wait_for('note stacked', lambda: validator.cassette, 30)
                self.evaluate("document.querySelector('.o_munipay_kiosk_stop').click()")
                session = self.wait_for('session stopped', lambda: [
                    s for s in rig.desk.journal.recent() if s['state'] == 'stopped'], 30)[0]
            finally:
                self.browser.stop()
                self._wait_remaining_requests()
                self.link.stop()
        self.assertEqual((session['amount_due'], session['max_amount'], session['inserted']), (15000, 15000, 1000))
