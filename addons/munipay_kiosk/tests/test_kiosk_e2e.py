import json
import sys
import tempfile
import time
from contextlib import contextmanager

from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from odoo.addons.munipay_cashdesk.models import munipay_wallet_pos

from .common import KioskBrowserMixin, MunipayKioskCommon
from .test_kiosk_tour import REPO_ROOT

TWENTY, TEN = 2, 1  # bill types of the simulated acceptor
PENDING = 'munipay_kiosk_pending'
# before any script of the page: a browser print is counted, and the page may not take the
# test browser for one (it skips window.print under webdriver), so a fallback would show
SPY = """
Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false, configurable: true});
window.print = () => window.localStorage.setItem(
    'e2e_window_print', String(1 + Number(window.localStorage.getItem('e2e_window_print') || 0)));
"""


@tagged('post_install', '-at_install')
class TestKioskEndToEnd(KioskBrowserMixin, MunipayKioskCommon):
    """Both halves of the kiosk together, in the browser, against one real bridge driving the
    simulated bill acceptor (CCNET) and the simulated receipt printer (ESC/POS): what Odoo
    answers is what the page prints, the heartbeat's printer status becomes the kiosk's fault."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_canteen_wallet()

    def setUp(self):
        super().setUp()
        munipay_wallet_pos._misses._misses.clear()
        self.browser = self.rig = None
        if REPO_ROOT not in sys.path:
            sys.path.append(REPO_ROOT)

    # ------------------------------------------------------------ rig

    @contextmanager
    def kiosk_page(self, paper_behaviour=None):
        """The kiosk's bridge (acceptor + printer simulators) and a browser on the kiosk page."""
        from munipay_bridge import ccnet  # noqa: PLC0415
        from munipay_bridge.ccnet_simulator import Behaviour, Simulator  # noqa: PLC0415
        from munipay_bridge.escpos_simulator import Simulator as Paper  # noqa: PLC0415
        from munipay_bridge.testing import running_kiosk_bridge  # noqa: PLC0415
        currency = self.company.currency_id.name
        self.validator = Simulator(Behaviour(), bills=[ccnet.Bill(1, 1, currency, 1), ccnet.Bill(2, 2, currency, 1)],
                                   feed=[], feed_every=10).start_pty()
        self.paper = Paper(paper_behaviour).start_pty()
        try:
            with tempfile.TemporaryDirectory() as state, running_kiosk_bridge(
                    state, self.validator, self.paper, origins=(self.base_url(),), token='kiosk-token',
                    currency=currency) as rig:
                self.rig = rig
                self.kiosk.munipay_kiosk_bridge_url = rig.url
                self.browser = ChromeBrowser(self)
                try:
                    self.browser._websocket_request('Page.addScriptToEvaluateOnNewDocument', params={'source': SPY})
                    self.authenticate('kiosk_1', 'kiosk_1', browser=self.browser)
                    self.cr.flush()
                    self.cr.clear()
                    self.open_page()
                    yield rig
                finally:
                    self.browser.stop()
                    self._wait_remaining_requests()
        finally:
            self.validator.stop()
            self.paper.stop()

    def open_page(self):
        self.browser.navigate_to('%s/munipay/kiosk/%d' % (self.base_url(), self.kiosk.id), wait_stop=True)
        self.wait_selector('.o_munipay_kiosk input[name=reference]')

    def diagnose(self):
        return self.rig and {'sessions': self.rig.desk.journal.recent(3), 'receipts': self.paper.receipts}

    def answered(self, route):
        """How many calls of the page to the kiosk's ``route`` Odoo answered."""
        return self.evaluate("""performance.getEntriesByType('resource').filter(
            (e) => e.name.endsWith(%s) && e.responseEnd > 0).length""" % json.dumps('/' + route))

    def heartbeats_done(self):
        return self.answered('heartbeat')

    def wait_page_idle(self):
        """The page's start-up calls to Odoo are over (heartbeat, then the offline snapshot):
        the test may use the database (shared with the server's requests) until the next one."""
        self.wait_for('the first heartbeat and snapshot', lambda: self.answered('heartbeat') and self.answered('snapshot'))

    def fail_requests(self, path):
        """The browser's requests to URLs containing ``path`` fail from now on."""
        passing = self.browser._handlers['Fetch.requestPaused']

        def paused(**params):
            if path in params['request']['url']:
                self.browser._websocket_send('Fetch.failRequest', params={
                    'requestId': params['requestId'], 'errorReason': 'ConnectionRefused'})
            else:
                passing(**params)
        self.browser._handlers['Fetch.requestPaused'] = paused

    def browser_prints(self):
        return int(self.evaluate("window.localStorage.getItem('e2e_window_print') || '0'"))

    def type_reference(self, text):
        self.evaluate("""(() => { const input = document.querySelector('.o_munipay_kiosk input[name=reference]');
            input.value = %s; input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); })()"""
                      % json.dumps(text))

    def insert(self, bills):
        self.wait_selector('.o_munipay_kiosk_inserted')
        for bill in bills:
            stacked = len(self.validator.cassette) + 1
            self.validator.insert(bill)
            self.wait_for('note stacked', lambda n=stacked: len(self.validator.cassette) >= n, 30)

    def printed(self, receipt):
        return [line['text'] for line in receipt['lines']]

    def row(self, receipt, label):
        """The amount printed on the row of ``label`` (on its line, or on the next when it
        does not fit after a long label)."""
        lines = self.printed(receipt)
        index = next((i for i, text in enumerate(lines) if text.startswith(label)), None)
        self.assertIsNotNone(index, "no %s row in\n%s" % (label, '\n'.join(lines)))
        value = lines[index][len(label):].strip()
        if not value or not value[-1].isdigit():
            value = lines[index + 1].strip()
        return value.rsplit('  ', 1)[-1].strip()

    def money(self, amount):
        return self.company.currency_id.format(amount).replace('\xa0', ' ')

    # ------------------------------------------------------------ tests

    def test_cash_payment_printed_by_the_bridge_once(self):
        order = self.make_order()
        with self.kiosk_page():
            self.wait_page_idle()
            self.type_reference(order.payment_reference)
            self.wait_selector('.o_munipay_kiosk_pay')
            self.evaluate("document.querySelector('.o_munipay_kiosk_pay').click()")
            self.insert([TWENTY, TEN])
            pending = self.evaluate('window.localStorage.getItem(%s)' % json.dumps(PENDING))
            self.assertTrue(pending, "the page keeps the session until it is booked")
            self.wait_selector('.o_munipay_kiosk_result_paid', 90)
            self.wait_for('receipt printed', lambda: self.paper.receipts, 30)
            # the page reloads before it forgot the session (a crash right after the booking):
            # it books the same key again and asks to print the same receipt: not printed twice
            self.evaluate('window.localStorage.setItem(%s, %s)' % (json.dumps(PENDING), json.dumps(pending)))
            # and prints before its heartbeat learnt of the printer (a race it may lose): here the
            # bridge's printer status never reaches the reloaded page
            self.fail_requests('/v1/devices/printer')
            self.browser.navigate_to('%s/munipay/kiosk/%d' % (self.base_url(), self.kiosk.id), wait_stop=True)
            self.wait_selector('.o_munipay_kiosk_result_paid', 90)
            self.wait_for('the page forgot the session',
                          lambda: not self.evaluate('window.localStorage.getItem(%s)' % json.dumps(PENDING)))
            time.sleep(2)
            self.assertEqual(len(self.paper.receipts), 1, "printed once: the bridge knows the receipt id")
            # the citizen asks for it again: a copy
            self.evaluate("document.querySelector('.o_munipay_kiosk_print').click()")
            self.wait_for('the copy printed', lambda: len(self.paper.receipts) == 2, 30)
            receipts = list(self.paper.receipts)
            prints = self.browser_prints()
        self.assertEqual(self.printed(receipts[1]), self.printed(receipts[0]), "the same receipt")
        self.assertEqual(prints, 0, "the bridge's printer, not the browser's print")
        payment = self.env['munipay.kiosk.payment'].search([('config_id', '=', self.kiosk.id)])
        self.assertRecordValues(payment, [{'order_id': order.id, 'outcome': 'paid', 'amount_inserted': 30.0,
                                           'amount_applied': 22.21, 'amount_credited': 7.79}])
        text = '\n'.join(self.printed(receipts[0]))
        receipt = order.receipt_ids
        self.assertEqual(len(receipt), 1)
        for expected in (order.name, order.payment_reference, receipt.name, 'M. R.'):
            self.assertIn(expected, text)
        self.assertNotIn('Rossi', text)
        for label, amount in (('Inserted', 30.0), ('Applied', 22.21), ('Credited', 7.79)):
            self.assertEqual(self.row(receipts[0], label), self.money(amount), "%s in\n%s" % (label, text))
        self.assertEqual([qr['payload'] for qr in receipts[0]['qr']], [receipt.verify_url],
                         "the QR is the receipt's signed verification link")
        self.close_kiosk()
        self.assertTransitCleared()
        self.assertBalanced()

    def test_wallet_top_up_by_pan(self):
        self.wallet._munipay_credit(12.5, self.cash_journal.default_account_id)
        liability = self.company.munipay_wallet_account_id
        transit = self.company._munipay_cashdesk_transit_account()
        with self.kiosk_page() as rig:
            self.wait_page_idle()
            self.type_reference(self.wallet.pan)
            self.wait_selector('.o_munipay_kiosk_balance')
            self.assertIn('12.50', self.text('.o_munipay_kiosk_balance'), "the balance before")
            screen = self.evaluate('document.body.innerText')
            for private in ('Bianchi', 'Giulia', self.wallet.pan):
                self.assertNotIn(private, screen)
            self.evaluate("document.querySelector('.o_munipay_kiosk_pay').click()")
            self.insert([TWENTY, TEN])
            self.evaluate("document.querySelector('.o_munipay_kiosk_stop').click()")
            self.wait_selector('.o_munipay_kiosk_result_topup', 90)
            result = self.text('.o_munipay_kiosk_result_topup')
            self.wait_for('receipt printed', lambda: self.paper.receipts, 30)
            receipts = list(self.paper.receipts)
            sessions = rig.desk.journal.recent()
            prints = self.browser_prints()
        self.assertEqual([(s['state'], s['inserted']) for s in sessions], [('stopped', 3000)])
        self.assertIn(self.company.currency_id.format(42.5), result, "the new balance on screen")
        self.assertEqual(len(receipts), 1)
        self.assertEqual(prints, 0)
        lines = self.printed(receipts[0])
        self.assertEqual(self.row(receipts[0], 'New balance'), self.money(42.5), '\n'.join(lines))
        self.assertEqual(self.row(receipts[0], 'Topped up'), self.money(30.0), '\n'.join(lines))
        self.assertNotIn(self.wallet.pan, '\n'.join(lines))
        payment = self.env['munipay.kiosk.payment'].search([('config_id', '=', self.kiosk.id)])
        self.assertRecordValues(payment, [{'wallet_id': self.wallet.id, 'outcome': 'topup', 'amount_inserted': 30.0,
                                           'wallet_balance': 42.5}])
        line = payment.pos_order_id.lines
        self.assertRecordValues(line.munipay_wallet_move_id.line_ids.sorted('credit'), [
            {'account_id': transit.id, 'debit': 30.0, 'credit': 0.0, 'munipay_wallet_id': False},
            {'account_id': liability.id, 'debit': 0.0, 'credit': 30.0, 'munipay_wallet_id': self.wallet.id},
        ])
        self.assertEqual([qr['payload'] for qr in receipts[0]['qr']], [line.munipay_wallet_receipt_id.verify_url])
        self.assertEqual(self.wallet.balance, 42.5)
        self.close_kiosk()
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(liability), -42.5)
        self.assertBalanced()

    def test_heartbeat_reports_the_printer_out_of_paper(self):
        Config = self.env['pos.config'].sudo()  # as the scheduler runs it

        def mails():
            return self.env['mail.mail'].search([('email_to', '=', 'kiosk-alerts@example.com')])

        from munipay_bridge.escpos_simulator import Behaviour  # noqa: PLC0415
        with self.kiosk_page(Behaviour(paper_lines=0)):
            self.wait_page_idle()
            self.env.invalidate_all()
            self.assertIn('out of paper', self.kiosk.munipay_kiosk_fault or '')
            Config._cron_munipay_kiosk_alerts()
            self.assertEqual(len(mails()), 1)
            self.assertIn('out of paper', mails().body_html)
            # the page reports again, same problem: no second mail
            self.open_page()
            self.wait_page_idle()
            self.env.invalidate_all()
            Config._cron_munipay_kiosk_alerts()
            self.assertEqual(len(mails()), 1, "the same problem is mailed once")
            # paper loaded: the next heartbeat clears the fault
            self.paper.load_paper()
            self.open_page()
            self.wait_page_idle()
            self.env.invalidate_all()
            self.assertFalse(self.kiosk.munipay_kiosk_fault)
            Config._cron_munipay_kiosk_alerts()
            self.assertEqual(len(mails()), 1)
