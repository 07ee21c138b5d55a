from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import MunipayKioskCommon


@tagged('post_install', '-at_install')
class TestKioskInput(MunipayKioskCommon):
    """Bad input gets a clear message in the kiosk's language and books nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company()['company']
        cls.other_company._munipay_ensure_setup()
        other_product = cls.env['product.product'].create({
            'name': 'Other fee', 'type': 'service', 'company_id': cls.other_company.id,
            'taxes_id': [Command.clear()]})
        cls.other_fee = cls.env['munipay.fee.type'].create({
            'name': 'Other fee', 'code': 'OTH', 'product_id': other_product.id, 'amount': 9.0,
            'company_id': cls.other_company.id})
        other_journal = cls.env['account.journal'].create({
            'name': 'Other kiosk cash', 'type': 'cash', 'code': 'KIO9', 'company_id': cls.other_company.id})
        other_pm = cls.env['pos.payment.method'].create({
            'name': 'Other kiosk cash', 'journal_id': other_journal.id, 'company_id': cls.other_company.id})
        cls.other_kiosk = cls.env['pos.config'].with_company(cls.other_company).create({
            'name': 'Other kiosk', 'company_id': cls.other_company.id, 'munipay_kiosk': True,
            'payment_method_ids': [Command.set(other_pm.ids)]})

    def assertNothingBooked(self):
        self.assertFalse(self.env['munipay.kiosk.payment'].search([]))
        self.assertFalse(self.env['pos.order'].search([('config_id', 'in', (self.kiosk | self.other_kiosk).ids)]))

    def test_unknown_reference_and_other_municipality(self):
        answer = self.lookup('RF18539007547034')
        self.assertEqual(answer['status'], 'not_found')
        self.assertIn('No payment order of', answer['message'])
        self.assertEqual(self.lookup('   ')['status'], 'not_found')
        theirs = self.make_order(self.other_fee, company_id=self.other_company.id)
        answer = self.lookup(theirs.payment_reference)
        self.assertEqual((answer['status'], answer.get('target_id')), ('not_found', None))
        # a forged post names the other municipality's order
        with self.assertRaisesRegex(UserError, 'not a payment order of'):
            self.book(self.new_key(), theirs, [1000])
        with self.assertRaisesRegex(UserError, 'not a payment order of'):
            self.book(self.new_key(), 999999, [1000])
        self.assertNothingBooked()
        self.assertFalse(self.kiosk_session(), "no session opened for nothing")

    def test_paid_order_is_refused_at_lookup(self):
        order = self.paid_order()
        answer = self.lookup(order.payment_reference)
        self.assertEqual(answer['status'], 'refused')
        self.assertIn('already paid', answer['message'])
        cancelled = self.make_order()
        cancelled.action_cancel()
        self.assertEqual(self.lookup(cancelled.payment_reference)['status'], 'refused')

    def test_wrong_user_or_kiosk(self):
        order = self.make_order()
        clerk = new_test_user(self.env, login='clerk', groups='base.group_user',
                              company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        with self.assertRaises(AccessError):
            self.lookup(order.payment_reference, user=clerk)
        with self.assertRaises(AccessError):
            self.book(self.new_key(), order, [1000], user=clerk)
        # a kiosk user of this municipality runs no kiosk of another one
        with self.assertRaises(AccessError):
            self.book(self.new_key(), order, [1000], config=self.other_kiosk)
        # a cash desk is no kiosk
        with self.assertRaisesRegex(AccessError, 'not a self-service kiosk'):
            self.book(self.new_key(), order, [1000], config=self.config)
        self.assertNothingBooked()
        self.assertEqual(order.state, 'issued')

    def test_bad_sessions(self):
        order = self.make_order()
        key = self.new_key()
        cases = [
            ({'final': False, 'state': 'accepting'}, 'not finished'),
            ({'currency': 'PLN'}, 'another currency'),
            ({'inserted': 2500}, 'do not add up'),
            ({'session_id': 'other-key'}, 'no valid key'),
        ]
        for vals, message in cases:
            session = self.bridge_session(key, [2000, 1000])
            session.update(vals)
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, message):
                self.env(user=self.kiosk_user)['munipay.kiosk.payment'].munipay_kiosk_book(
                    self.kiosk.id, key, 'order', order.id, session)
        with self.assertRaisesRegex(UserError, 'names nothing this kiosk collects'):
            self.book(key, order, [1000], kind='parking')
        self.assertNothingBooked()

    def test_same_key_for_something_else_is_refused(self):
        order = self.make_order()
        other = self.make_order()
        key = self.new_key()
        self.book(key, order, [2000, 1000])
        with self.assertRaisesRegex(UserError, 'booked already, for something else'):
            self.book(key, other, [2000, 1000])
        with self.assertRaisesRegex(UserError, 'booked already, for something else'):
            self.book(key, order, [2000])
        self.assertEqual(other.state, 'issued')
        self.assertEqual(len(self.env['munipay.kiosk.payment'].search([])), 1)

    def test_errors_in_the_kiosk_language(self):
        self.env['res.lang']._activate_lang('ru_RU')
        self.env['res.lang']._activate_lang('de_DE')
        answer = self.lookup('RF18539007547034', lang='ru_RU')
        self.assertIn('Нет платёжного поручения', answer['message'])
        with self.assertRaisesRegex(UserError, 'nicht abgeschlossen'):
            session = self.bridge_session('k-de', [1000])
            session.update(final=False, state='accepting')
            self.env(user=self.kiosk_user, context={'lang': 'de_DE'})['munipay.kiosk.payment'].munipay_kiosk_book(
                self.kiosk.id, 'k-de', 'order', self.make_order().id, session)

    def test_kiosk_takes_its_own_cash_only(self):
        with self.assertRaisesRegex(ValidationError, 'its own'):
            self.config.write({'payment_method_ids': [Command.link(self.env['pos.payment.method'].create({
                'name': 'Borrowed', 'journal_id': self.kiosk_journal.id, 'company_id': self.company.id}).id)]})
        with self.assertRaisesRegex(ValidationError, 'takes cash only'):
            self.kiosk.write({'payment_method_ids': [Command.link(self.card_pm.id)]})
