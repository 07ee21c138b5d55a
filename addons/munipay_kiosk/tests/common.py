import json
import time

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.munipay_cashdesk.tests.common import MunipayCashdeskCommon


class MunipayKioskCommon(MunipayCashdeskCommon):
    """A kiosk of the test municipality: its own cash journal and cash method, a kiosk user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kiosk_journal = cls.env['account.journal'].create({
            'name': 'Kiosk 1 cash', 'type': 'cash', 'code': 'KIO1', 'company_id': cls.company.id})
        cls.kiosk_pm = cls.env['pos.payment.method'].create({
            'name': 'Kiosk 1 cash', 'journal_id': cls.kiosk_journal.id, 'company_id': cls.company.id})
        cls.kiosk = cls.env['pos.config'].create({
            'name': 'Kiosk 1', 'company_id': cls.company.id, 'munipay_kiosk': True,
            'munipay_kiosk_bridge_token': 'kiosk-token', 'munipay_kiosk_alert_email': 'kiosk-alerts@example.com',
            'payment_method_ids': [Command.set(cls.kiosk_pm.ids)]})
        cls.kiosk_user = new_test_user(
            cls.env, login='kiosk_1', groups='base.group_user,point_of_sale.group_pos_user',
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])
        cls.kiosk.munipay_kiosk_user_id = cls.kiosk_user
        cls.key_counter = 0

    @classmethod
    def make_canteen_wallet(cls):
        """A school-canteen service (top-ups of 5 to 200) and a wallet of the payer's child."""
        cls.fee_canteen = cls.env['munipay.fee.type'].create({
            'name': 'School canteen', 'code': 'MENSA', 'category': 'topup', 'product_id': cls.product_fee.id,
            'amount': 5.0, 'amount_max': 200.0})
        cls.wallet = cls.env['munipay.wallet'].create({
            'holder_id': cls.payer.id, 'beneficiary_id': cls.payer_2.id, 'service_fee_type_id': cls.fee_canteen.id})

    def new_key(self):
        type(self).key_counter += 1
        return 'k%d-test-%04d' % (self.kiosk.id, self.key_counter)

    def bridge_session(self, key, bills, state=None, due=None, updated_at=None):
        """A final session as the bridge reports it; ``bills`` in cents."""
        inserted = sum(bills)
        due = inserted if due is None else due
        return {
            'session_id': key, 'final': True, 'state': state or ('paid' if inserted >= due else 'stopped'),
            'amount_due': due, 'currency': self.company.currency_id.name, 'inserted': inserted,
            'remaining': max(due - inserted, 0), 'excess': max(inserted - due, 0),
            'bills': [{'bill_type': 1, 'amount': cents, 'currency': self.company.currency_id.name} for cents in bills],
            'message': '', **({'updated_at': updated_at} if updated_at else {}),
        }

    def lookup(self, text, user=None, lang=None):
        env = self.env(user=user or self.kiosk_user, context=dict(self.env.context, lang=lang or 'en_US'))
        return env['munipay.payment.order'].munipay_kiosk_lookup(self.kiosk.id, text)

    def book(self, key, target, bills, user=None, config=None, kind='order', lang=None, offline=False,
             **session_vals):
        env = self.env(user=user or self.kiosk_user, context=dict(self.env.context, lang=lang or 'en_US'))
        session = self.bridge_session(key, bills, **session_vals)
        return env['munipay.kiosk.payment'].munipay_kiosk_book(
            (config or self.kiosk).id, key, kind, target.id if hasattr(target, 'id') else target, session,
            offline=offline)

    def kiosk_session(self):
        return self.kiosk.current_session_id

    def close_kiosk(self):
        session = self.kiosk_session()
        cash = sum(session.order_ids.payment_ids.mapped('amount'))
        session.post_closing_cash_details(cash)
        result = session.close_session_from_ui()
        self.assertTrue(result.get('successful'), result)
        self.assertEqual(session.state, 'closed')
        return session


class KioskBrowserMixin:
    """Driving the kiosk page in ``self.browser`` (Chrome over CDP) from the test, waiting on
    what it shows; ``diagnose()`` says what the bridge was doing when a wait fails."""

    def diagnose(self):
        return None

    def evaluate(self, expression):
        answer = self.browser._websocket_request('Runtime.evaluate', params={
            'expression': expression, 'returnByValue': True, 'awaitPromise': True}, timeout=30)
        return answer.get('result', {}).get('value')

    def wait_for(self, what, condition, timeout=60):
        deadline = time.time() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.time() > deadline:
                self.fail("never: %s; the screen: %s; the bridge: %s" % (
                    what, self.evaluate('document.body.innerText'), self.diagnose()))
            time.sleep(0.25)

    def wait_selector(self, selector, timeout=60):
        return self.wait_for(selector, lambda: self.evaluate('!!document.querySelector(%s)' % json.dumps(selector)),
                             timeout)

    def text(self, selector):
        return self.evaluate('document.querySelector(%s)?.innerText || ""' % json.dumps(selector))
