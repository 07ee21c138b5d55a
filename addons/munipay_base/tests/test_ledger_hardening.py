from datetime import datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import MunipayCommon


@tagged('post_install', '-at_install')
class TestLedgerHardening(MunipayCommon):
    """The order stays true to its journal items, whatever users and channels do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receivable = cls.payer.property_account_receivable_id
        cls.officer = new_test_user(cls.env, login='hardening_officer',
                                    groups='base.group_user,munipay_base.group_officer')

    def open_items(self, partner=None):
        return self.env['account.move.line'].search([
            ('partner_id', '=', (partner or self.payer).id), ('account_id', '=', self.receivable.id),
            ('reconciled', '=', False), ('parent_state', '=', 'posted')])

    def reconcile_statement_line(self, order, amount, date):
        """What an accountant does in a reconciliation screen: the statement line's
        suspense item becomes the payer's receivable, matched with the order's item."""
        st_line = self.env['account.bank.statement.line'].with_context(munipay_no_match=True).create({
            'journal_id': self.bank_journal.id, 'date': date, 'amount': amount,
            'payment_ref': order.payment_reference, 'partner_id': order.partner_id.id})
        _liquidity, suspense, _other = st_line.with_context(skip_account_move_synchronization=True)._seek_for_lines()
        suspense.with_context(skip_account_move_synchronization=True).write({
            'account_id': order.receivable_line_id.account_id.id, 'partner_id': order.partner_id.id})
        (suspense | order._munipay_open_lines()).reconcile()
        return st_line

    # ------------------------------------------------------------------ 1. header fee type, costs

    def test_01_fee_type_from_lines_and_costs_on_every_path(self):
        order = self.env['munipay.payment.order'].create({
            'partner_id': self.payer.id,
            'line_ids': [Command.create({'fee_type_id': self.fee_fine.id, 'price_unit': 42.0})],
        })
        self.assertEqual(order.fee_type_id, self.fee_fine, "the header fee type comes from the lines")
        self.assertEqual(order.line_ids.filtered('is_cost').amount, 13.5, "the fee's costs are added through the ORM too")
        self.assertEqual(order.amount_total, 55.5)
        with Form(self.env['munipay.payment.order']) as form:
            form.partner_id = self.payer
            form.fee_type_id = self.fee_fine
        self.assertEqual(form.record.amount_total, 55.5, "the form applies the same rule")
        order.date_notified = self.days_ago(20)
        order.action_issue()
        self.register_native(order.move_id, 'account.move')
        self.assertEqual(order.state, 'paid')
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertEqual(order.receivable_line_id.debit, 55.5)
        self.assertBalanced()

    # ------------------------------------------------------------------ 2. the discount write-off

    def test_02_discount_line_is_not_an_order_item_and_unreconcile_is_clean(self):
        orders = self.env['munipay.payment.order'].create([{
            'partner_id': self.payer.id, 'fee_type_id': self.fee_fine.id, 'date_notified': fields.Date.today(),
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(self.fee_fine),
        } for _i in range(2)])
        orders._munipay_issue_batch()
        order = orders[0]
        _wizard, payment = self.register_native(order.receivable_line_id, 'account.move.line')
        self.assertEqual(payment.amount, 42.9)
        discount = payment.move_id.line_ids.filtered(lambda l: l.account_id == self.discount_account)
        self.assertEqual((discount.debit, discount.munipay_discount_order_id, discount.munipay_order_id),
                         (12.6, order, self.env['munipay.payment.order']))
        self.assertEqual(order.ledger_line_ids, order.receivable_line_id, "only receivable items belong to the order")
        self.assertEqual((order.amount_paid, order.amount_written_off), (42.9, 12.6))
        order.receivable_line_id.remove_move_reconcile()
        self.assertEqual(order.state, 'issued')
        self.assertEqual((order.amount_paid, order.amount_residual), (0.0, 55.5), "nothing is shown as paid")
        order.action_cancel("Fine withdrawn")
        self.assertEqual(order.state, 'cancelled')
        reversal = order.receivable_line_id.matched_credit_ids.credit_move_id
        self.assertEqual((reversal.credit, reversal.munipay_reversed_line_id), (55.5, order.receivable_line_id))
        self.assertEqual(orders[1].receivable_line_id.amount_residual, 55.5, "the other order of the entry is untouched")
        self.assertBalanced()

    # ------------------------------------------------------------------ 3. issued orders are locked

    def test_03_issued_order_cannot_be_rewritten(self):
        order = self.make_order()
        as_officer = order.with_user(self.officer)
        for vals in ({'state': 'paid'}, {'partner_id': self.payer_2.id}, {'payment_reference': 'RF18X'},
                     {'move_id': False}, {'origin': 'other case'},
                     {'line_ids': [Command.update(order.line_ids[0].id, {'price_unit': 1.0})]}):
            with self.assertRaises(UserError), self.env.cr.savepoint():
                as_officer.write(vals)
        with self.assertRaises(UserError), self.env.cr.savepoint():
            order.line_ids[0].with_user(self.officer).price_unit = 1.0
        with self.assertRaises(UserError), self.env.cr.savepoint():
            order.line_ids[0].with_user(self.officer).unlink()
        with self.assertRaises(UserError), self.env.cr.savepoint():
            self.env['munipay.payment.order.line'].with_user(self.officer).create({
                'order_id': order.id, 'fee_type_id': self.fee_card.id, 'price_unit': 5.0})
        as_officer.date_notified = fields.Date.today()  # the notification date may still be set
        # the accountant cannot take the invoice back to draft, cancel it or delete it
        accountant = new_test_user(self.env, login='accountant3', groups='base.group_user,account.group_account_manager')
        invoice = order.move_id.with_user(accountant)
        with self.assertRaisesRegex(UserError, 'cancel or refund the order'):
            invoice.button_draft()
        with self.assertRaisesRegex(UserError, 'cancel or refund the order'):
            invoice.button_cancel()
        self.assertEqual((order.state, order.move_id.state, order.amount_total), ('issued', 'posted', 22.21))
        # a draft stays editable, but its state is not
        draft = self.make_order(issue=False).with_user(self.officer)
        draft.origin = 'case 12'
        with self.assertRaises(UserError):
            draft.write({'state': 'issued'})

    # ------------------------------------------------------------------ 4. money, not credits

    def test_04_credit_note_and_write_off_are_not_money(self):
        order = self.make_order(amount=100.0)
        self.register_native(order.move_id, 'account.move', amount=40.0, payment_difference_handling='open')
        self.credit_note(order, 60.0, 'Reduced on appeal')
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertEqual(order.state, 'paid', "the credit note reduced the debt to the 40 that were paid")
        self.assertEqual((order.amount_paid, order.amount_written_off), (40.0, 60.0))

        credited = self.make_order(amount=100.0)
        credited.action_cancel("Withdrawn")
        self.assertEqual((credited.state, credited.amount_paid), ('cancelled', 0.0), "a credit alone pays nothing")

        fee_order = self.make_order(amount=100.0)
        bank_fees = self.company_data['default_account_expense']
        self.register_native(fee_order.move_id, 'account.move', amount=90.0, payment_difference_handling='reconcile',
                             writeoff_account_id=bank_fees.id, writeoff_label='Bank fee')
        self.assertTrue(fee_order.receivable_line_id.reconciled)
        self.assertEqual(fee_order.amount_paid, 90.0, "a bank-fee write-off is no money received")
        self.assertNotEqual(fee_order.state, 'paid')
        self.assertBalanced()

    # ------------------------------------------------------------------ 5. joint debtors

    def test_05_joint_debtors_paid_together_settle_once(self):
        order_a = self.make_order(issue=False)
        order_b = self.make_order(partner=self.payer_2, issue=False)
        order_a.joint_order_ids = order_b
        (order_a | order_b).action_issue()
        self.register_native(order_a.move_id | order_b.move_id, 'account.move', group_payment=False)
        self.assertEqual(sorted((order_a | order_b).mapped('state')), ['cancelled', 'paid'])
        paid, cancelled = (order_a, order_b) if order_a.state == 'paid' else (order_b, order_a)
        self.assertEqual(cancelled.joint_cancelled_by_id, paid)
        self.assertTrue(cancelled.needs_refund, "the second payment is flagged, never a second settlement")
        credit = cancelled.refund_line_ids
        self.assertEqual((credit.account_id, credit.credit, credit.amount_residual), (self.receivable, 22.21, -22.21))
        self.assertTrue(cancelled.receivable_line_id.reconciled)
        self.assertEqual(cancelled.amount_paid, 0.0)
        self.assertEqual(paid.amount_paid, 22.21)
        self.assertBalanced()

    def test_05b_joint_orders_are_one_debt(self):
        order_a = self.make_order(issue=False)
        order_b = self.make_order(partner=self.payer_2, amount=30.0, issue=False)
        with self.assertRaisesRegex(ValidationError, 'same fee type and the same total'):
            order_a.joint_order_ids = order_b

    def test_05c_removing_one_link_keeps_the_rest_of_the_group(self):
        orders = [self.make_order(partner=p, issue=False) for p in (self.payer, self.payer_2, self.payer)]
        orders[0].joint_order_ids = orders[1] | orders[2]
        orders[0].joint_order_ids = False
        self.assertFalse(orders[0].joint_group)
        self.assertEqual(orders[1].joint_order_ids, orders[2], "the two others stay jointly liable")

    # ------------------------------------------------------------------ 6. surcharge steps

    def test_06_surcharge_cron_books_each_step_and_never_starves(self):
        discount_only = self.env['munipay.fee.type'].create({
            'name': 'Discount only', 'code': 'DISC', 'product_id': self.product_fee.id, 'amount': 10.0,
            'amount_rule_ids': [Command.create({'sequence': 1, 'up_to_day': 5, 'factor': 0.7}),
                                Command.create({'sequence': 2, 'factor': 1.0})]})
        steps = self.env['munipay.fee.type'].create({
            'name': 'Two steps', 'code': 'STEP', 'product_id': self.product_fee.id, 'amount': 100.0,
            'amount_rule_ids': [Command.create({'sequence': 1, 'up_to_day': 10, 'factor': 1.0}),
                                Command.create({'sequence': 2, 'up_to_day': 20, 'factor': 1.1}),
                                Command.create({'sequence': 3, 'factor': 1.2})]})
        never = [self.make_order(discount_only, date_issue=self.days_ago(90), date_notified=self.days_ago(90))
                 for _i in range(3)]
        self.assertFalse(any(o.date_next_surcharge for o in never), "orders that never owe a surcharge wait for nothing")
        order = self.make_order(steps, date_issue=self.days_ago(15), date_notified=self.days_ago(15))
        first_step = order.date_next_surcharge
        self.assertTrue(self.days_ago(5) <= first_step <= fields.Date.today(), "day 11, or the next working day")
        Order = self.env['munipay.payment.order']
        _cron, progress = self.env.ref('munipay_base.ir_cron_munipay_surcharge')._add_progress()
        Order.with_context(ir_cron_progress_id=progress.id)._cron_book_surcharges(batch_size=1)
        surcharges = order.ledger_line_ids.filtered('munipay_surcharge')
        self.assertEqual(surcharges.mapped('debit'), [10.0], "the first step, booked")
        self.assertGreater(order.date_next_surcharge, fields.Date.today(), "the second step waits for its day")
        self.assertEqual((progress.done, progress.remaining), (1, 0))
        order.date_notified = self.days_ago(25)  # the officer corrects the notification date: day 25 now
        self.assertLessEqual(order.date_next_surcharge, fields.Date.today())
        Order._cron_book_surcharges(batch_size=1)
        surcharges = order.ledger_line_ids.filtered('munipay_surcharge')
        self.assertEqual(sorted(surcharges.mapped('debit')), [10.0, 10.0])
        self.assertFalse(order.date_next_surcharge)
        income = surcharges.move_id.line_ids.filtered(lambda l: l.account_id == self.income_account)
        self.assertEqual(sum(income.mapped('credit')), 20.0)
        self.assertEqual(order.amount_residual, 120.0)
        self.assertFalse(Order._cron_book_surcharges(), "nothing twice")
        self.assertBalanced()

    # ------------------------------------------------------------------ 7. both ways

    def test_07_cancelled_by_credit_note_reopens_when_unreconciled(self):
        order = self.make_order()
        order.action_cancel("Wrong payer")
        self.assertEqual(order.state, 'cancelled')
        order.receivable_line_id.remove_move_reconcile()
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.amount_residual, 22.21)
        self.assertEqual(self.open_items().filtered(lambda l: l.munipay_order_id == order), order.receivable_line_id)

    def test_07b_undone_payment_restores_joint_debtors(self):
        order_a = self.make_order(self.fee_fine, issue=False, date_notified=self.days_ago(20))
        order_b = self.make_order(self.fee_fine, partner=self.payer_2, issue=False, date_notified=self.days_ago(20))
        order_a.joint_order_ids = order_b
        (order_a | order_b).action_issue()
        payment = order_a._munipay_pay(self.bank_journal)
        self.assertEqual((order_a.state, order_b.state), ('paid', 'cancelled'))
        self.assertTrue(order_b.receivable_line_id.reconciled)
        payment.move_id.button_draft()  # the accountant undoes the payment
        self.assertEqual((order_a.state, order_b.state), ('issued', 'issued'))
        self.assertFalse(order_b.joint_cancelled_by_id)
        self.assertEqual(order_b.amount_residual, 55.5)
        self.assertEqual(order_b._munipay_open_lines(), order_b.receivable_line_id)
        self.assertBalanced()
        order_b._munipay_pay(self.bank_journal)
        self.assertEqual((order_a.state, order_b.state), ('cancelled', 'paid'))

    # ------------------------------------------------------------------ 8. bank statement lines

    def test_08_statement_line_inside_the_window_gets_the_discount(self):
        orders = self.env['munipay.payment.order'].create([{
            'partner_id': partner.id, 'fee_type_id': self.fee_fine.id, 'date_notified': fields.Date.today(),
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(self.fee_fine),
        } for partner in (self.payer, self.payer_2)])
        orders._munipay_issue_batch()
        orders[0]._munipay_pay(self.bank_journal, amount=10.0, external=True)  # one order of the entry is partly paid
        st_line = self.reconcile_statement_line(orders[1], 42.9, fields.Date.today())
        self.assertEqual(orders[1].state, 'paid', "decided on its own item, not on the whole batch entry")
        self.assertTrue(orders[1].receivable_line_id.reconciled)
        discount = self.env['account.move.line'].search([('munipay_discount_order_id', '=', orders[1].id)])
        self.assertEqual((discount.account_id, discount.debit), (self.discount_account, 12.6))
        self.assertEqual(orders[1].amount_paid, 42.9)
        self.assertEqual(orders[1].date_paid, st_line.date)
        self.assertEqual(orders[0].state, 'issued')
        self.assertBalanced()

    def test_08b_statement_line_after_the_window_stays_partial(self):
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(20))
        self.reconcile_statement_line(order, 42.9, fields.Date.today())
        self.assertEqual(order.state, 'issued')
        self.assertEqual(order.amount_residual, 12.6)

    # ------------------------------------------------------------------ 9. taxes

    def test_09_tax_not_included_is_refused_at_configuration(self):
        tax = self.env['account.tax'].create({'name': 'VAT 22', 'amount': 22.0, 'price_include_override': 'tax_excluded'})
        product = self.env['product.product'].create({'name': 'Taxed service', 'type': 'service',
                                                      'taxes_id': [Command.set(tax.ids)]})
        with self.assertRaisesRegex(ValidationError, 'not included in the price'), self.env.cr.savepoint():
            self.env['munipay.fee.type'].create({'name': 'Copy', 'code': 'CPY', 'product_id': product.id, 'amount': 5.0})
        included = self.env['account.tax'].create({'name': 'VAT 22 incl', 'amount': 22.0,
                                                   'price_include_override': 'tax_included'})
        product.taxes_id = included
        fee = self.env['munipay.fee.type'].create({'name': 'Copy', 'code': 'CPY', 'product_id': product.id, 'amount': 12.2})
        order = self.make_order(fee)
        tax_line = order.move_id.line_ids.filtered('tax_line_id')
        self.assertEqual((tax_line.credit, order.receivable_line_id.debit), (2.2, 12.2))
        with self.assertRaisesRegex(ValidationError, 'tax base'):
            fee.amount_rule_ids = [Command.create({'up_to_day': 5, 'factor': 0.7}), Command.create({'factor': 1.0})]

    # ------------------------------------------------------------------ 10. refunds

    def test_10_refund_clears_the_flag(self):
        order = self.make_order()
        order._munipay_pay(self.bank_journal)
        order._munipay_pay(self.bank_journal, amount=22.21, external=True)
        self.assertTrue(order.needs_refund)
        action = order.action_refund_credit()
        wizard = self.env['account.payment.register'].with_context(action['context']).create(
            {'journal_id': self.bank_journal.id})
        self.assertEqual((wizard.payment_type, wizard.amount), ('outbound', 22.21))
        refund = wizard._create_payments()
        self.assertFalse(order.needs_refund)
        self.assertTrue(order.refund_line_ids.reconciled)
        self.assertEqual(refund.partner_id, self.payer)
        self.assertEqual(order.state, 'paid')
        self.assertBalanced()

    # ------------------------------------------------------------------ 12, 18, 19: smaller

    def test_12_draft_open_amount_and_dates(self):
        order = self.make_order(issue=False, date_issue=self.days_ago(5))
        self.assertEqual((order.amount_residual, order.amount_due_today), (22.21, 22.21),
                         "a draft owes its total, not twice it")
        order.line_ids.price_unit = 30.0
        self.assertEqual((order.amount_residual, order.amount_due_today), (30.0, 30.0))
        self.assertIn(str(self.days_ago(5).year), order.name)
        order.action_issue()
        payment = order._munipay_pay(self.bank_journal, payment_date=self.days_ago(3))
        self.assertEqual(order.date_paid, payment.date)
        self.assertEqual(order.date_paid, self.days_ago(3))

    def test_12b_today_is_the_companys(self):
        self.company.resource_calendar_id.tz = 'Pacific/Kiritimati'  # UTC+14
        east = self.env['munipay.payment.order']._munipay_company_today(self.company)
        self.company.resource_calendar_id.tz = 'Pacific/Pago_Pago'  # UTC-11
        west = self.env['munipay.payment.order']._munipay_company_today(self.company)
        now = datetime.utcnow()
        # one day apart, or two between 10:00 and 11:00 UTC (Kiritimati is already on the next day)
        self.assertEqual((east, west), ((now + timedelta(hours=14)).date(), (now - timedelta(hours=11)).date()))

    def test_18_due_days_of_the_fee_type(self):
        with Form(self.env['munipay.payment.order']) as form:
            form.partner_id = self.payer
            form.fee_type_id = self.fee_fine
        order = form.record
        self.assertEqual(order.date_due, order.date_issue + timedelta(days=60))

    def test_12c_opening_the_wizard_books_nothing(self):
        order = self.make_order(self.fee_fine, date_issue=self.days_ago(90), date_notified=self.days_ago(90))
        items = self.env['account.move.line'].search_count([])
        order.action_register_payment()
        self.assertEqual(self.env['account.move.line'].search_count([]), items, "a wizard opened and closed leaves no entry")
        self.assertLessEqual(order.date_next_surcharge, fields.Date.today(), "the daily job books it")
        order._munipay_pay(self.bank_journal)  # a channel's payment books the step with the payment
        self.assertEqual(order.ledger_line_ids.filtered('munipay_surcharge').debit, 44.5)
        self.assertEqual(order.state, 'paid')

    def test_19b_cash_desk_payment_on_the_companys_outstanding_account(self):
        cash = self.company.munipay_collection_journal_id
        cash.inbound_payment_method_line_ids.payment_account_id = False  # the company's default outstanding account
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(1))
        payment = order._munipay_pay(cash)
        self.assertNotIn(payment.outstanding_account_id, payment._get_valid_liquidity_accounts(),
                         "the scenario: money on an account the journal's methods do not name")
        self.assertEqual((order.state, order.amount_paid, order.amount_written_off), ('paid', 42.9, 12.6))

    def test_19_register_payment_lands_on_the_order(self):
        order = self.make_order()
        action = order.action_register_payment()
        self.assertTrue(action['context']['dont_redirect_to_payments'])
        cash = self.company.munipay_collection_journal_id
        self.assertEqual(cash.type, 'cash')
        wizard = self.env['account.payment.register'].with_context(action['context']).create({})
        self.assertEqual(wizard.journal_id, cash)
        result = wizard.action_create_payments()
        self.assertIs(result, True, "no redirection to the technical payment record")
        self.assertEqual((order.state, order.amount_paid), ('paid', 22.21))

    def test_20_collections_report_counts_money_by_channel(self):
        card = self.make_order()
        fine = self.make_order(self.fee_fine, partner=self.payer_2, date_notified=self.days_ago(1))
        credited = self.make_order(amount=50.0)
        card._munipay_pay(self.bank_journal)
        fine._munipay_pay(self.company.munipay_collection_journal_id)  # cash desk, inside the window
        credited.action_cancel("Withdrawn")
        self.env.flush_all()
        rows = self.env['munipay.collection.report'].search([('order_id', 'in', (card | fine | credited).ids)])
        self.assertEqual({(r.order_id, r.channel, r.amount) for r in rows},
                         {(card, 'bank', 22.21), (fine, 'cash', 42.9)},
                         "money only: the discount and the credit note are no collection")
        self.assertEqual(rows.filtered(lambda r: r.order_id == fine).fee_type_id, self.fee_fine)
        totals = self.env['munipay.collection.report']._read_group(
            [('order_id', 'in', (card | fine).ids)], ['channel'], ['amount:sum'])
        self.assertEqual(dict(totals), {'bank': 22.21, 'cash': 42.9})
