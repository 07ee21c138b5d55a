import base64
import json
import os
import pathlib
import sys
import time
from contextlib import contextmanager

from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from .common import MunipayKioskCommon

# The device bridge is the package munipay_bridge/ at the repository root
# (addons/munipay_kiosk/tests/ -> three levels up), which Odoo does not put on sys.path.
REPO_ROOT = str(pathlib.Path(__file__).resolve().parents[3])


@tagged('post_install', '-at_install')
class TestKioskTour(MunipayKioskCommon):
    """In the browser: the kiosk page drives the real device bridge, which speaks CCNET
    over a pseudo-terminal pair to the simulated bill acceptor; then the kiosk's
    session is closed and its journal items checked."""

    def test_kiosk_page_requires_a_kiosk_user(self):
        self.authenticate('kiosk_1', 'kiosk_1')
        page = self.url_open('/munipay/kiosk/%d' % self.kiosk.id)
        self.assertEqual(page.status_code, 200)
        self.assertIn('o_munipay_kiosk', page.text)
        self.assertIn('kiosk-token', page.text, "the page pairs with the kiosk's bridge")
        self.assertEqual(self.url_open('/munipay/kiosk/%d' % self.config.id).status_code, 403, "a desk is no kiosk")
        self.authenticate(None, None)
        page = self.url_open('/munipay/kiosk/%d' % self.kiosk.id, allow_redirects=False)
        self.assertIn(page.status_code, (302, 303))
        self.assertNotIn('kiosk-token', page.text)

    @contextmanager
    def cash_bridge(self, feed):
        """The real bridge with the simulated acceptor on a pty pair, fed ``feed`` (bill types:
        1 = 10.00, 2 = 20.00 of the company's currency) while it accepts."""
        if REPO_ROOT not in sys.path:
            sys.path.append(REPO_ROOT)
        from munipay_bridge import ccnet  # noqa: PLC0415
        from munipay_bridge.ccnet_simulator import Behaviour, Simulator  # noqa: PLC0415
        from munipay_bridge.testing import running_cash_bridge  # noqa: PLC0415

        currency = self.company.currency_id.name
        simulator = Simulator(Behaviour(), bills=[ccnet.Bill(1, 1, currency, 1), ccnet.Bill(2, 2, currency, 1)],
                              feed=feed, feed_every=40).start_pty()
        try:
            with running_cash_bridge(simulator=simulator, origin=self.base_url(), token='kiosk-token',
                                     currency=currency, silence_limit=10) as rig:
                self.kiosk.munipay_kiosk_bridge_url = rig.url
                yield rig
        finally:
            simulator.stop()

    def test_cash_payment_through_the_bill_acceptor(self):
        self.env['res.lang']._activate_lang('de_DE')
        order = self.make_order()
        # the citizen puts in a 20 and a 10 note for 22.21: no change, 7.79 is credited
        with self.cash_bridge([2, 1]) as rig:
            self.start_tour('/munipay/kiosk/%d?ref=%s' % (self.kiosk.id, order.payment_reference),
                            'munipay_kiosk_cash_tour', login='kiosk_1', timeout=300)
            sessions = rig.desk.journal.recent()
        simulator = rig.simulator
        self.assertEqual(simulator.cassette, [2, 1], "both notes stacked")
        payment = self.env['munipay.kiosk.payment'].search([('config_id', '=', self.kiosk.id)])
        self.assertEqual(len(payment), 1)
        self.assertRecordValues(payment, [{
            'order_id': order.id, 'outcome': 'paid', 'amount_inserted': 30.0, 'amount_applied': 22.21,
            'amount_credited': 7.79, 'bridge_state': 'paid'}])
        self.assertEqual([(s['session_id'], s['state'], s['inserted'], s['amount_due']) for s in sessions],
                         [(payment.name, 'paid', 3000, 2221)], "one acceptor session, the booking's key")
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.receipt_ids.channel, 'cash')
        self.assertRecordValues(order.refund_line_ids, [{'partner_id': self.payer.id, 'balance': -7.79,
                                                         'reconciled': False}])
        pos_order = payment.pos_order_id
        self.assertRecordValues(pos_order.payment_ids, [{'payment_method_id': self.kiosk_pm.id, 'amount': 30.0}])
        self.assertTrue(self.kiosk.munipay_kiosk_heartbeat, "the page reported its heartbeat")
        self.assertFalse(self.kiosk.munipay_kiosk_fault)

        session = self.close_kiosk()
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.kiosk_journal.default_account_id), 30.0)
        self.assertEqual(self.account_balance(self.income_account), -22.21, "revenue once, by the order's invoice")
        self.assertEqual(self.account_balance(order.receivable_line_id.account_id), -7.79, "the payer's credit")
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertBalanced()

    def test_screenshots(self):
        """Not a check: pictures of the kiosk's screens for the documentation, taken when
        MUNIPAY_KIOSK_SCREENSHOTS names a folder."""
        folder = os.environ.get('MUNIPAY_KIOSK_SCREENSHOTS')
        if not folder:
            self.skipTest("MUNIPAY_KIOSK_SCREENSHOTS is not set")
        self.env['res.lang']._activate_lang('it_IT')
        self.env['res.lang']._activate_lang('ru_RU')
        order = self.make_order()
        with self.cash_bridge([2, 1]):
            browser = ChromeBrowser(self)
            try:
                self.authenticate('kiosk_1', 'kiosk_1', browser=browser)
                self.cr.flush()
                self.cr.clear()

                def evaluate(expression):
                    answer = browser._websocket_request('Runtime.evaluate', params={
                        'expression': expression, 'returnByValue': True}, timeout=20)
                    return answer.get('result', {}).get('value')

                def wait_for(selector, timeout=60):
                    deadline = time.time() + timeout
                    while not evaluate('!!document.querySelector(%s)' % json.dumps(selector)):
                        self.assertLess(time.time(), deadline, "%s never showed" % selector)
                        time.sleep(0.2)
                    time.sleep(0.5)

                def shoot(name):
                    data = browser._websocket_request('Page.captureScreenshot', timeout=20)['data']
                    with open(os.path.join(folder, 'kiosk_%s.png' % name), 'wb') as png:
                        png.write(base64.b64decode(data))

                browser._websocket_request('Emulation.setDeviceMetricsOverride', params={
                    'width': 1280, 'height': 1024, 'deviceScaleFactor': 1, 'mobile': False})
                for lang, name in (('ru_RU', '0_start_ru'), ('it_IT', '1_start')):
                    browser.navigate_to('%s/munipay/kiosk/%d?lang=%s' % (self.base_url(), self.kiosk.id, lang),
                                        wait_stop=True)
                    wait_for('.o_munipay_kiosk input[name=reference]')
                    shoot(name)
                evaluate("""(() => { const input = document.querySelector('.o_munipay_kiosk input[name=reference]');
                    input.value = %s; input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); })()"""
                         % json.dumps(order.payment_reference))
                wait_for('.o_munipay_kiosk_pay')
                shoot('2_amount_due')
                evaluate("document.querySelector('.o_munipay_kiosk_pay').click()")
                wait_for('.o_munipay_kiosk_inserted')
                shoot('3_inserting')
                wait_for('.o_munipay_kiosk_receipt_qr img', timeout=90)
                shoot('4_paid_receipt')
            finally:
                browser.stop()
                self._wait_remaining_requests()
