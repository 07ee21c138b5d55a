from uuid import uuid4

import psycopg2.errors

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.munipay_base.tests.common import CommittedCursorsCase

from .common import MunipayCashdeskCommon


@tagged('post_install', '-at_install')
class TestReviewS8(MunipayCashdeskCommon):
    """What a tampered, outdated or offline POS may send for a sale of payment orders:
    the server refuses it with a clear error and books nothing, or books it once."""

    def refused_sale(self, message, lines, payments, partner=None):
        """The sale is refused as sync_from_ui's transaction would be: nothing of it remains."""
        with self.assertRaisesRegex(UserError, message), self.env.cr.savepoint():
            self.sale(self.session, lines, payments, partner=partner or self.payer)
        self.env.invalidate_all()

    def setUp(self):
        super().setUp()
        self.session = self.open_session()

    def assertNothingBooked(self, order):
        self.assertEqual(order.state, 'issued')
        self.assertFalse(order.receivable_line_id.matched_credit_ids, "no payment reached the order")
        self.assertFalse(self.session.order_ids)
        self.assertFalse(self.env['account.payment'].search([('partner_id', '=', order.partner_id.id)]))

    # ------------------------------------------------------------------ amounts

    def test_underpaid_sale_is_refused(self):
        """10.00 in cash for a 22.21 order: Odoo logs 'not fully paid' and keeps the sale, the
        order must not be settled for money the desk never took."""
        order = self.make_order()
        self.refused_sale('not paid in full', [self.order_line(22.21, munipay_order_id=order.id)],
                          [(self.cash_pm, 10.0)])
        self.assertNothingBooked(order)

    def test_line_subtotal_is_recomputed_on_the_server(self):
        """Unit price 10, subtotal 22.21 (what the closing entry books is the unit price):
        the server's total is 10, the 22.21 received is not what the sale costs."""
        order = self.make_order()
        line = self.order_line(10.0, munipay_order_id=order.id)
        line[2].update(price_subtotal=22.21, price_subtotal_incl=22.21)
        self.refused_sale('not paid in full', [line], [(self.cash_pm, 22.21)])
        self.assertNothingBooked(order)

    def test_line_priced_below_the_amount_due_is_refused(self):
        order = self.make_order()
        self.refused_sale('is due .*22.21', [self.order_line(10.0, munipay_order_id=order.id)],
                          [(self.cash_pm, 10.0)])
        self.assertNothingBooked(order)

    def test_amount_with_three_decimals_is_refused(self):
        order = self.make_order()
        self.refused_sale('whole cents', [self.order_line(22.213, munipay_order_id=order.id)],
                          [(self.cash_pm, 22.213)])
        self.assertNothingBooked(order)

    def test_negative_quantities_are_refused(self):
        """A handling fee taken back (-1 × 1.50) would give the citizen 1.50 of the sale's income."""
        order = self.make_order()
        fee = self.order_line(1.5, munipay_order_id=order.id, munipay_handling_fee=True)
        fee[2].update(qty=-1, price_subtotal=-1.5, price_subtotal_incl=-1.5)
        self.refused_sale('quantity', [self.order_line(22.21, munipay_order_id=order.id), fee],
                          [(self.cash_pm, 20.71)])
        self.assertNothingBooked(order)
        line = self.order_line(-22.21, munipay_order_id=order.id)
        line[2]['qty'] = -1
        self.refused_sale('quantity', [self.order_line(22.21, munipay_order_id=order.id), line,
                                       self.order_line(22.21, munipay_order_id=order.id)], [(self.cash_pm, 22.21)])
        self.assertNothingBooked(order)

    def test_tampered_handling_fee_and_desk_item_prices_are_refused(self):
        order = self.make_order()
        self.refused_sale('costs .*1.50', [
            self.order_line(22.21, munipay_order_id=order.id),
            self.order_line(0.01, munipay_order_id=order.id, munipay_handling_fee=True)], [(self.card_pm, 22.22)])
        self.assertNothingBooked(order)
        # a handling fee with no order to collect: the order's money as the sale's income
        self.refused_sale('comes with the payment order', [
            self.order_line(22.21, munipay_order_id=order.id, munipay_handling_fee=True)], [(self.card_pm, 22.21)])
        self.assertNothingBooked(order)
        # a certificate (5.00 + 0.50) sold for 1.00
        self.refused_sale('costs .*5.50', [self.order_line(1.0, munipay_fee_type_id=self.fee_certificate.id)],
                          [(self.cash_pm, 1.0)])
        self.assertFalse(self.env['munipay.payment.order'].search([('fee_type_id', '=', self.fee_certificate.id)]))

    def test_payment_is_dated_in_the_municipality_time_zone(self):
        """Near midnight the cashier's (or the server's) day is not the municipality's:
        the order's payment, receipt and amount due follow the municipality's day."""
        now = fields.Datetime.now()
        tz = 'Pacific/Kiritimati' if now.hour >= 10 else 'Pacific/Pago_Pago'  # another day than UTC now
        self.company.resource_calendar_id.tz = tz
        self.env.user.tz = 'UTC'
        order = self.make_order()
        municipality_today = order._munipay_today()
        self.assertNotEqual(municipality_today, now.date())
        pos_order = self.sale(self.session, [self.order_line(22.21, munipay_order_id=order.id)],
                              [(self.cash_pm, 22.21)], partner=self.payer)
        self.assertEqual(pos_order.munipay_payment_ids.date, municipality_today)
        self.assertEqual(order.date_paid, municipality_today)

    # ------------------------------------------------------------------ what the sale names

    def test_unknown_order_id_is_a_clear_error(self):
        missing = self.env['munipay.payment.order'].search([], order='id desc', limit=1).id + 1000
        self.refused_sale('does not exist', [self.order_line(22.21, munipay_order_id=missing)], [(self.cash_pm, 22.21)])
        self.assertFalse(self.session.order_ids)

    def test_order_of_another_company_is_refused(self):
        other = self.setup_other_company()['company']
        other._munipay_ensure_setup()
        product = self.env['product.product'].create({
            'name': 'Other fee', 'type': 'service', 'company_id': other.id, 'taxes_id': [Command.clear()]})
        fee = self.env['munipay.fee.type'].create({
            'name': 'Other fee', 'code': 'OTH', 'product_id': product.id, 'amount': 9.0, 'company_id': other.id})
        theirs = self.make_order(fee, company_id=other.id)
        self.refused_sale('another municipality', [self.order_line(9.0, munipay_order_id=theirs.id)],
                          [(self.cash_pm, 9.0)])
        self.assertEqual(theirs.state, 'issued')
        self.assertFalse(self.session.order_ids)

    def test_desk_in_another_currency_is_refused(self):
        """A desk whose journal takes another currency: its amounts are not the order's."""
        other_currency = self.setup_other_currency('CHF')
        cash = self.env['account.journal'].create({
            'name': 'Cash CHF', 'type': 'cash', 'code': 'CSHF', 'currency_id': other_currency.id,
            'company_id': self.company.id})
        sales = self.env['account.journal'].create({
            'name': 'POS CHF', 'type': 'general', 'code': 'POSF', 'currency_id': other_currency.id,
            'company_id': self.company.id})
        pm = self.env['pos.payment.method'].create({
            'name': 'Cash CHF', 'journal_id': cash.id, 'company_id': self.company.id})
        pricelist = self.env['product.pricelist'].create({'name': 'CHF', 'currency_id': other_currency.id})
        config = self.env['pos.config'].create({
            'name': 'Desk CHF', 'company_id': self.company.id, 'journal_id': sales.id,
            'pricelist_id': pricelist.id, 'available_pricelist_ids': [Command.set(pricelist.ids)],
            'payment_method_ids': [Command.set(pm.ids)]})
        self.assertEqual(config.currency_id, other_currency)
        self.config, self.cash_pm = config, pm
        self.session = self.open_session()
        order = self.make_order()
        Order = self.env['munipay.payment.order']
        result = Order.munipay_cashdesk_lookup(config.id, order.payment_reference)
        self.assertEqual(result['status'], 'refused')
        self.assertIn('takes CHF', result['message'])
        self.assertIn('takes CHF', Order.munipay_cashdesk_check(config.id, order.ids)[order.id])
        self.assertIn('takes CHF', Order.munipay_cashdesk_search(config.id, self.payer.name)['message'])
        self.refused_sale('takes CHF', [self.order_line(22.21, munipay_order_id=order.id)], [(pm, 22.21)])
        self.assertNothingBooked(order)

    # ------------------------------------------------------------------ synced twice, joint debtors

    def test_sale_synced_twice_is_booked_once(self):
        order = self.make_order()
        line = self.order_line(22.21, munipay_order_id=order.id)
        pos_order = self.sale(self.session, [line], [(self.cash_pm, 22.21)], partner=self.payer)
        # the POS did not get the answer and sends the same sale (same uuid) again
        data = {'uuid': pos_order.uuid, 'session_id': self.session.id, 'state': 'paid', 'lines': [line],
                'payment_ids': [Command.create({'amount': 22.21, 'payment_method_id': self.cash_pm.id,
                                                'name': fields.Datetime.now()})],
                'amount_paid': 22.21, 'amount_total': 22.21, 'amount_tax': 0, 'amount_return': 0,
                'name': pos_order.pos_reference, 'partner_id': self.payer.id, 'user_id': self.env.uid,
                'pricelist_id': self.config.pricelist_id.id, 'date_order': fields.Datetime.to_string(fields.Datetime.now()),
                'sequence_number': 2, 'to_invoice': False, 'fiscal_position_id': False}
        result = self.env['pos.order'].sync_from_ui([data])
        self.assertEqual([o['id'] for o in result['pos.order']], pos_order.ids)
        self.assertEqual(len(self.session.order_ids), 1)
        self.assertEqual(len(pos_order.munipay_payment_ids), 1)
        self.assertEqual(order.receivable_line_id.matched_credit_ids.credit_move_id.payment_id,
                         pos_order.munipay_payment_ids)
        self.assertEqual(len(order.receipt_ids), 1)

    def test_joint_debtors_at_the_desk(self):
        """One debt of two payers: the desk collects it from one, the other's order is
        cancelled; the other one's notice sold anyway (offline desk) is a flagged credit."""
        order_a, order_b = self.joint_pair()
        pos_a = self.sale(self.session, [self.order_line(22.21, munipay_order_id=order_a.id)],
                          [(self.cash_pm, 22.21)], partner=self.payer)
        self.assertEqual((order_a.state, order_b.state), ('paid', 'cancelled'))
        self.assertEqual(order_b.joint_cancelled_by_id, order_a)
        pos_b = self.sale(self.session, [self.order_line(22.21, munipay_order_id=order_b.id)],
                          [(self.cash_pm, 22.21)], partner=self.payer_2)
        self.assertEqual(order_b.state, 'cancelled')
        self.assertTrue(order_b.needs_refund)
        self.assertEqual(order_b.refund_line_ids.move_id, pos_b.munipay_payment_ids.move_id)
        self.assertEqual(order_b.refund_line_ids.amount_residual, -22.21)
        self.assertFalse(order_b.receipt_ids)

        self.close_session(self.session)
        self.assertTransitCleared()
        receivable = order_a.receivable_line_id.account_id
        self.assertEqual(self.account_balance(receivable), -22.21, "only the credit to refund is open")
        self.assertEqual(self.account_balance(self.cash_journal.default_account_id), 44.42)
        self.assertEqual(self.account_balance(self.income_account), -22.21, "one debt, booked once")
        self.assertEqual(len(pos_a.munipay_payment_ids | pos_b.munipay_payment_ids), 2)
        self.assertBalanced()

    # ------------------------------------------------------------------ session close

    def test_session_close_with_split_payment_card_fee_flagged_credit_and_refund(self):
        """Part cash, part card with the card handling fee; a sale of an order paid by bank
        meanwhile (flagged credit), refunded afterwards by an officer; a POS return of the
        sale refused. After close: transit zero and reconciled, every balance as expected."""
        order = self.make_order()
        paid_by_bank = self.make_order(partner=self.payer_2)
        paid_by_bank._munipay_pay(self.bank_journal)
        income_before = self.account_balance(self.income_account)

        split = self.sale(self.session, [
            self.order_line(22.21, munipay_order_id=order.id),
            self.order_line(1.5, munipay_order_id=order.id, munipay_handling_fee=True),
        ], [(self.cash_pm, 20.0), (self.card_pm, 3.71)], partner=self.payer)
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.receipt_ids.amount, 22.21)
        credit = self.sale(self.session, [self.order_line(22.21, munipay_order_id=paid_by_bank.id)],
                           [(self.card_pm, 22.21)], partner=self.payer_2)
        self.assertTrue(paid_by_bank.needs_refund)
        self.assertEqual(len(paid_by_bank.receipt_ids), 1, "never a second settlement")
        # a return from the POS (Odoo's refund screen) of the paid order is refused
        refund_line = self.order_line(-22.21, munipay_order_id=order.id, refunded_orderline_id=split.lines[0].id)
        refund_line[2]['qty'] = -1
        self.refused_sale('cannot be refunded', [refund_line], [(self.cash_pm, -22.21)])

        self.close_session(self.session)

        transit = self.company.munipay_cashdesk_transit_account_id
        closing = self.session.move_id.line_ids
        self.assertEqual(sum(closing.filtered(lambda l: l.account_id == transit).mapped('balance')), -44.42)
        self.assertEqual(sum(closing.filtered(lambda l: l.account_id == self.income_account).mapped('balance')), -1.5)
        self.assertTransitCleared()
        self.assertEqual(self.account_balance(self.cash_journal.default_account_id), 20.0)
        card_money = self.env['account.move.line'].search([
            ('journal_id', '=', self.card_journal.id), ('balance', '>', 0), ('parent_state', '=', 'posted')])
        self.assertEqual(sum(card_money.mapped('balance')), 25.92)
        self.assertEqual(self.account_balance(self.pos_receivable), 0.0)
        self.assertEqual(self.account_balance(self.income_account), income_before - 1.5)
        receivable = order.receivable_line_id.account_id
        self.assertEqual(self.account_balance(receivable), -22.21, "the credit to refund")
        self.assertTrue(split.munipay_payment_ids.move_id.line_ids.filtered(
            lambda l: l.account_id == receivable).reconciled)

        # the officer refunds the credit with Odoo's payment wizard
        action = paid_by_bank.action_refund_credit()
        wizard = self.env['account.payment.register'].with_context(action['context']).create(
            {'journal_id': self.bank_journal.id})
        wizard._create_payments()
        self.assertFalse(paid_by_bank.needs_refund)
        self.assertEqual(self.account_balance(receivable), 0.0)
        self.assertTrue(credit.munipay_payment_ids.move_id.line_ids.filtered(
            lambda l: l.account_id == receivable).reconciled)
        self.assertBalanced()


@tagged('post_install', '-at_install')
class TestReviewS8TwoDesks(CommittedCursorsCase):
    """Two desks (two POS sessions, two database transactions) sell the same order at once."""

    def sale_data(self, session, order, amount, payment_method):
        product = session.env.ref('munipay_cashdesk.product_payment_order')
        uuid = str(uuid4())
        return {
            'uuid': uuid, 'name': 'Order %s' % uuid, 'session_id': session.id, 'state': 'paid',
            'amount_paid': amount, 'amount_total': amount, 'amount_tax': 0, 'amount_return': 0,
            'date_order': fields.Datetime.to_string(fields.Datetime.now()), 'fiscal_position_id': False,
            'pricelist_id': session.config_id.pricelist_id.id, 'partner_id': order.partner_id.id,
            'user_id': session.env.uid, 'sequence_number': 1, 'to_invoice': False,
            'last_order_preparation_change': '{}',
            'lines': [Command.create({
                'uuid': str(uuid4()), 'product_id': product.id, 'qty': 1, 'price_unit': amount,
                'price_subtotal': amount, 'price_subtotal_incl': amount, 'discount': 0, 'tax_ids': [],
                'full_product_name': 'Payment order', 'munipay_order_id': order.id})],
            'payment_ids': [Command.create({'amount': amount, 'name': fields.Datetime.now(),
                                            'payment_method_id': payment_method.id})],
        }

    def test_two_desks_sell_one_order(self):
        """Desk B's sale waits for desk A's; then the order is paid and B's money is a
        flagged credit: one settlement, every amount on the ledger."""
        env = self.env_on_new_cursor()
        company, fee = self.committed_fee_type(env, 'Two desks fee', 10.0)
        payer = env['res.partner'].create({'name': 'Two Desks Payer'})
        order = env['munipay.payment.order'].create({
            'partner_id': payer.id, 'fee_type_id': fee.id, 'company_id': company.id,
            'line_ids': env['munipay.payment.order']._munipay_lines_for_fee_type(fee)})
        order.action_issue()
        company._munipay_cashdesk_journal()  # set up once, not by two desks at once
        bank = env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'bank')], limit=1)
        sessions = []
        for desk in ('A', 'B'):
            method = env['pos.payment.method'].create({
                'name': 'Card %s %s' % (desk, fee.id), 'journal_id': bank.id, 'company_id': company.id})
            config = env['pos.config'].create({
                'name': 'Desk %s %s' % (desk, fee.id), 'company_id': company.id,
                'payment_method_ids': [Command.set(method.ids)]})
            config.open_ui()
            config.current_session_id.set_opening_control(0, None)
            sessions.append((config.current_session_id.id, method.id))
        env.cr.commit()

        env_a = self.env_on_new_cursor()

        def sell(env_x, desk):
            session_id, method_id = sessions[desk]
            session = env_x['pos.session'].browse(session_id)
            data = self.sale_data(session, env_x['munipay.payment.order'].browse(order.id), 10.0,
                                  env_x['pos.payment.method'].browse(method_id))
            return env_x['pos.order'].sync_from_ui([data])

        sell(env_a, 0)  # desk A settles the order, not yet committed
        # desk B's sale names the order too: it waits for desk A's transaction (the order's
        # row); here it gives up after a moment, as a sync the POS sends again later
        env_b = self.env_on_new_cursor()
        env_b.cr.execute("SET LOCAL lock_timeout = '1s'")
        with self.assertRaises(psycopg2.errors.LockNotAvailable), mute_logger('odoo.sql_db'):
            sell(env_b, 1)
        env_b.cr.rollback()
        env_a.cr.commit()
        sell(env_b, 1)  # the POS sends desk B's sale again
        env_b.cr.commit()

        check = self.env_on_new_cursor()
        order = check['munipay.payment.order'].browse(order.id)
        self.assertEqual(order.state, 'paid')
        self.assertEqual(len(order.receipt_ids), 1)
        self.assertTrue(order.needs_refund)
        self.assertEqual(order.refund_line_ids.amount_residual, -10.0)
        payments = check['pos.order'].search([('session_id', 'in', [s for s, _m in sessions])]).munipay_payment_ids
        self.assertEqual(sorted(payments.mapped('amount')), [10.0, 10.0])
        transit = company.munipay_cashdesk_transit_account_id
        self.assertEqual(sum(payments.move_id.line_ids.filtered(lambda l: l.account_id.id == transit.id)
                             .mapped('balance')), 20.0)
        self.assertTrue(order.receivable_line_id.reconciled)
        check.cr.execute("SELECT SUM(balance) FROM account_move_line WHERE company_id = %s", [company.id])
        self.assertAlmostEqual(check.cr.fetchone()[0], 0.0, places=2)

    def test_busy_joint_debtor_is_refused_at_validation(self):
        """The co-debtor's order is being paid by another channel (its row is locked): the
        desk's check refuses the order before the money is taken, not after (the payment
        of the sale would fail on the joint group's lock)."""
        env = self.env_on_new_cursor()
        company, orders, _journal = self.committed_joint_pair(env, 'Desk joint', 30.0, ['Desk Joint A', 'Desk Joint B'])
        config = env['pos.config'].create({'name': 'Desk joint %s' % orders[0].id, 'company_id': company.id})
        env.cr.commit()

        env_a, env_b = self.env_on_new_cursor(), self.env_on_new_cursor()
        env_a.cr.execute("SELECT id FROM munipay_payment_order WHERE id = %s FOR UPDATE", [orders[1].id])
        desk = env_b(user=env_b.ref('base.user_admin'))['munipay.payment.order']
        refused = desk.munipay_cashdesk_check(config.id, orders[0].ids)
        self.assertIn('another channel', refused.get(orders[0].id, ''))
        result = desk.munipay_cashdesk_lookup(config.id, orders[0].payment_reference)
        self.assertEqual(result['status'], 'refused')
