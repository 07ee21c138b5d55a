"""Adversarial review of the bank channel: what banks, payers, officers and
accountants do to statement lines and suspense items. Every test states what an
accountant expects of the journal items; each failing one documents a defect."""
import base64
from unittest.mock import patch

from stdnum import iso11649

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.misc import file_open

from odoo.addons.munipay_base.tests.common import MunipayCommon
from odoo.addons.munipay_base.lib.references import format_in_groups

COMPANY_IBAN = 'IT60X0542811101000000654321'
ST_LINE_MODULE = 'odoo.addons.munipay_bank.models.account_bank_statement_line'


@tagged('post_install', '-at_install')
class TestBankAdversarial(MunipayCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receivable = cls.payer.property_account_receivable_id
        cls.suspense_account = cls.company._munipay_suspense_account()
        cls.payer.bank_ids = [Command.create({'acc_number': 'IT60 X054 2811 1010 0000 0123 456'})]

    # ------------------------------------------------------------------ helpers

    def st_line(self, amount, ref='', date=None, journal=None, **vals):
        return self.env['account.bank.statement.line'].create({
            'journal_id': (journal or self.bank_journal).id, 'date': date or fields.Date.today(), 'amount': amount,
            'payment_ref': ref, **vals})

    def account_balance(self, account):
        self.env.flush_all()
        lines = self.env['account.move.line'].search([('account_id', '=', account.id), ('parent_state', '=', 'posted')])
        return self.company.currency_id.round(sum(lines.mapped('balance')))

    def assertFollowsLedger(self, *orders):
        """The order's state says what its receivable items say."""
        for order in orders:
            residual = order.amount_residual
            if order.state == 'issued':
                self.assertFalse(order.currency_id.is_zero(residual), "%s issued but settled" % order.name)
            else:
                self.assertTrue(order.currency_id.is_zero(residual),
                                "%s is %s but still owes %s" % (order.name, order.state, residual))

    def other_company_order(self, name='Other town', partner=None):
        other = self.setup_other_company(name=name)
        company = other['company']
        company._munipay_ensure_setup()
        self.product_fee.with_company(company).taxes_id = False
        fee = self.fee_card.copy({'company_id': company.id, 'code': 'CIE-%s' % company.id})
        # a few orders first, so that the other town's numbers differ from ours
        for _i in range(3):
            self.make_order(issue=False)
        order = self.env['munipay.payment.order'].with_company(company).create({
            'partner_id': (partner or self.payer).id, 'fee_type_id': fee.id, 'company_id': company.id,
            'line_ids': self.env['munipay.payment.order']._munipay_lines_for_fee_type(fee)})
        order.with_company(company).action_issue()
        return other, order

    def suspense_item(self, line):
        return line.move_id.line_ids.filtered('munipay_suspense')

    def assign(self, item, order, user=None):
        Wizard = self.env['munipay.suspense.assign']
        if user:
            Wizard = Wizard.with_user(user)
        return Wizard.create({'line_id': item.id, 'order_id': order.id}).action_confirm()

    # ------------------------------------------------------------------ references

    def test_b01_other_company_reference_is_never_paid_by_payer_fallback(self):
        """The payer pays the other town's order into our account, naming its RF
        reference. Our town has one open order of the payer for the same amount:
        the reference names another order, so the line must wait in suspense, not
        pay our order by 'payer and amount'."""
        _other, foreign_order = self.other_company_order()
        ours = self.make_order()
        self.assertNotEqual(ours.payment_reference, foreign_order.payment_reference)
        line = self.st_line(22.21, 'Bonifico %s' % foreign_order.payment_reference, partner_id=self.payer.id)
        self.assertEqual(line.munipay_match_state, 'suspense')
        self.assertEqual(ours.state, 'issued', "our order was paid with money meant for another town")
        self.assertEqual(foreign_order.state, 'issued')
        self.assertEqual(self.suspense_item(line).credit, 22.21)
        self.assertBalanced()

    def test_b02_cancelled_and_expired_orders_keep_a_flagged_credit(self):
        cancelled = self.make_order()
        cancelled.action_cancel('Duplicate')
        expired = self.make_order()
        expired._munipay_cancel('Expired', state='expired')
        for order in (cancelled, expired):
            line = self.st_line(22.21, format_in_groups(order.payment_reference))
            self.assertEqual((line.munipay_match_state, line.munipay_order_id), ('credit', order))
            credit = line.move_id.line_ids.filtered(lambda l, o=order: l.account_id == self.receivable)
            self.assertEqual((credit.credit, credit.reconciled, credit.partner_id), (22.21, False, order.partner_id))
            self.assertIn(credit, order.refund_line_ids)
            self.assertTrue(order.needs_refund)
            self.assertEqual(order.amount_paid, 0.0)
            self.assertFollowsLedger(order)
        self.assertBalanced()

    def test_b03_two_valid_rf_references_wait_in_suspense(self):
        first, second = self.make_order(), self.make_order(partner=self.payer_2)
        line = self.st_line(22.21, 'Pagamento %s e %s' % (first.payment_reference,
                                                          format_in_groups(second.payment_reference)))
        self.assertEqual(line.munipay_match_state, 'suspense')
        self.assertEqual((first.state, second.state), ('issued', 'issued'))
        self.assertFalse(first.receivable_line_id.matched_credit_ids | second.receivable_line_id.matched_credit_ids)
        self.assertTrue(line.move_id.activity_ids)
        self.assertBalanced()

    def test_b04_wrong_check_digits_never_guessed_through_the_payer(self):
        """Issue: references with wrong check digits go to suspense, never a guess;
        the payer's only open order must not be paid by 'payer and amount'."""
        order = self.make_order()
        ref = order.payment_reference
        wrong = next('RF%02d%s' % (n, ref[4:]) for n in range(2, 99)
                     if not iso11649.is_valid('RF%02d%s' % (n, ref[4:])))
        line = self.st_line(22.21, wrong, account_number='IT60X0542811101000000123456')
        self.assertEqual(line.munipay_match_state, 'suspense', "a mistyped reference was guessed through the payer")
        self.assertEqual(order.state, 'issued')
        self.assertBalanced()

    # ------------------------------------------------------------------ joint debtors

    def _joint_paid_twice_in_one_batch(self):
        order_a, order_b = self.joint_pair()
        lines = self.env['account.bank.statement.line'].with_context(munipay_no_match=True).create([{
            'journal_id': self.bank_journal.id, 'amount': 22.21, 'payment_ref': order.payment_reference,
            'date': fields.Date.today()} for order in (order_a, order_b)])
        lines._munipay_match()
        return order_a, order_b, lines

    def test_b05_joint_debtors_each_paid_by_a_line_of_one_batch(self):
        """One debt, two payers, both transfers in the same statement: one order is
        paid, the other cancelled, its money kept as a credit to refund."""
        order_a, order_b, lines = self._joint_paid_twice_in_one_batch()
        self.assertEqual(sorted([order_a.state, order_b.state]), ['cancelled', 'paid'])
        winner, loser = (order_a, order_b) if order_a.state == 'paid' else (order_b, order_a)
        self.assertEqual(winner.amount_paid + loser.amount_paid, 22.21, "one debt, settled once")
        self.assertTrue(loser.needs_refund)
        loser_line = lines.filtered(lambda l: l.munipay_order_id == loser)
        credit = loser_line.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
        self.assertEqual((credit.reconciled, credit.amount_residual), (False, -22.21))
        self.assertIn(credit, loser.refund_line_ids)
        self.assertTrue(all(lines.mapped('is_reconciled')))
        self.assertFollowsLedger(order_a, order_b)
        self.assertBalanced()

    def test_b06_joint_loser_line_is_marked_as_credit(self):
        """Same batch: the line whose money became a credit to refund says so
        ('credit'), not 'Paid a payment order'."""
        order_a, order_b, lines = self._joint_paid_twice_in_one_batch()
        loser = order_a if order_a.state == 'cancelled' else order_b
        loser_line = lines.filtered(lambda l: l.munipay_order_id == loser)
        self.assertEqual(loser_line.munipay_match_state, 'credit',
                         "the line of the cancelled joint order claims it paid the order")

    # ------------------------------------------------------------------ currency

    def test_b07_foreign_currency_line_is_not_left_silent(self):
        """A line the bank converted (foreign currency amount) naming an order: the
        issue asks a clear error or a suspense item for a currency mismatch."""
        chf = self.setup_other_currency('CHF', rates=[('1900-01-01', 2.0)])
        order = self.make_order()
        line = self.st_line(22.21, order.payment_reference, foreign_currency_id=chf.id, amount_currency=44.42)
        self.assertTrue(line.munipay_match_state, "the line is neither matched nor a suspense item")
        self.assertTrue(line.move_id.activity_ids or line.munipay_order_id, "nobody is told about it")
        self.assertBalanced()

    def test_b08_lines_the_job_cannot_match_do_not_block_the_others(self):
        """The job takes the first lines by id; lines it cannot book (foreign
        currency) stay 'matchable' for ever and fill every batch."""
        chf = self.setup_other_currency('CHF', rates=[('1900-01-01', 2.0)])
        order = self.make_order()
        Line = self.env['account.bank.statement.line'].with_context(munipay_no_match=True)
        Line.create([{'journal_id': self.bank_journal.id, 'amount': 10.0 + i, 'payment_ref': 'fx %d' % i,
                      'foreign_currency_id': chf.id, 'amount_currency': 20.0 + 2 * i} for i in range(2)])
        good = Line.create({'journal_id': self.bank_journal.id, 'amount': 22.21,
                            'payment_ref': order.payment_reference})
        for _run in range(3):
            self.env['account.bank.statement.line']._cron_munipay_match(batch_size=2)
        self.assertEqual(good.munipay_match_state, 'order', "the job never reaches the line")
        self.assertEqual(order.state, 'paid')

    # ------------------------------------------------------------------ returns

    def test_b09_return_of_an_order_paid_by_a_payment(self):
        """The bank returns a transfer that had been booked as a payment (not a
        statement line): the return is not left silent: it reopens the order or
        waits as a suspense item for the officer."""
        order = self.make_order()
        order._munipay_pay(self.bank_journal)
        self.assertEqual(order.state, 'paid')
        back = self.st_line(-22.21, 'RETURN %s AC04' % order.payment_reference)
        self.assertIn(back.munipay_match_state, ('return', 'suspense', 'manual'), "a returned transfer is ignored")
        if back.munipay_match_state == 'manual':  # left to the accountant, who is told
            self.assertTrue(back.move_id.activity_ids and back.munipay_match_note)
        if back.munipay_match_state == 'return':
            self.assertEqual((order.state, order.amount_residual), ('issued', 22.21))
        self.assertFollowsLedger(order)
        self.assertBalanced()

    def test_b10_partial_return_is_not_left_silent(self):
        """The bank returns 10.00 of a 22.21 transfer (a chargeback for part of it)."""
        order = self.make_order()
        self.st_line(22.21, order.payment_reference)
        self.assertEqual(order.state, 'paid')
        back = self.st_line(-10.0, 'RETURN %s' % order.payment_reference)
        self.assertIn(back.munipay_match_state, ('return', 'suspense', 'manual'), "a partial return is ignored")
        if back.munipay_match_state == 'manual':  # left to the accountant, who is told
            self.assertTrue(back.move_id.activity_ids and back.munipay_match_note)
        if back.munipay_match_state == 'return':
            self.assertEqual((order.state, order.amount_residual), ('issued', 10.0))
        self.assertFollowsLedger(order)
        self.assertBalanced()

    def test_b11_returns_matched_by_the_job_and_the_button(self):
        """A big import goes to the job; the job (and the button) must handle the
        returns too, as the import does."""
        order = self.make_order()
        self.st_line(22.21, order.payment_reference)
        with patch(ST_LINE_MODULE + '.INLINE_MATCH_LIMIT', 1):
            lines = self.env['account.bank.statement.line'].create([
                {'journal_id': self.bank_journal.id, 'amount': -22.21, 'payment_ref': 'RETURN %s' % order.payment_reference},
                {'journal_id': self.bank_journal.id, 'amount': 5.0, 'payment_ref': 'something else'},
            ])
        back = lines[0]
        self.assertFalse(back.munipay_match_state)
        self.env['account.bank.statement.line']._cron_munipay_match()
        back.action_munipay_match()
        self.assertEqual(back.munipay_match_state, 'return', "returns are matched only while importing small files")
        self.assertEqual(order.state, 'issued')
        self.assertBalanced()

    def test_b12_return_of_an_overpayment_takes_the_whole_transfer(self):
        order = self.make_order()
        self.st_line(30.0, order.payment_reference)
        self.assertTrue(order.needs_refund)
        back = self.st_line(-30.0, 'RETURN %s' % order.payment_reference)
        self.assertEqual(back.munipay_match_state, 'return')
        self.assertEqual((order.state, order.amount_residual), ('issued', 22.21))
        self.assertFalse(order.needs_refund, "the whole transfer went back: nothing to refund")
        self.assertFollowsLedger(order)
        self.assertBalanced()

    # ------------------------------------------------------------------ suspense items

    def test_b13_assign_to_paid_order_overpaid_order_twice_other_company(self):
        paid = self.make_order()
        self.st_line(22.21, paid.payment_reference)
        item = self.suspense_item(self.st_line(22.21, 'boh'))
        self.assign(item, paid)
        self.assertTrue(item.reconciled)
        self.assertTrue(paid.needs_refund)
        self.assertEqual(paid.amount_paid, 22.21, "money counted once")
        with self.assertRaises(UserError):
            self.assign(item, self.make_order())
        # more than the order asks: the rest is a flagged credit
        big = self.suspense_item(self.st_line(100.0, 'boh'))
        order = self.make_order()
        self.assign(big, order)
        self.assertEqual((order.state, order.amount_paid), ('paid', 22.21))
        self.assertEqual(-sum(order.refund_line_ids.mapped('amount_residual')), 77.79)
        # another town's order
        _other, foreign_order = self.other_company_order()
        third = self.suspense_item(self.st_line(22.21, 'boh'))
        with self.assertRaises(UserError):
            self.assign(third, foreign_order)
        self.assertFalse(third.reconciled)
        self.assertEqual(foreign_order.state, 'issued')
        self.assertEqual(self.account_balance(self.suspense_account), -22.21)
        self.assertFollowsLedger(paid, order, foreign_order)
        self.assertBalanced()

    def test_b14_return_without_partner_is_refused(self):
        item = self.suspense_item(self.st_line(15.0, 'no idea', partner_name='Unknown sender'))
        with self.assertRaisesRegex(UserError, 'sender'):
            item.action_munipay_return()
        self.assertFalse(self.env['account.payment'].search([('munipay_suspense_line_id', '=', item.id)]))

    def _post_all_returns(self, item):
        for payment in self.env['account.payment'].search([('munipay_suspense_line_id', '=', item.id),
                                                           ('state', '=', 'draft')]):
            try:
                with self.env.cr.savepoint():
                    payment.action_post()
            except UserError:
                pass
        posted = self.env['account.payment'].search([('munipay_suspense_line_id', '=', item.id),
                                                     ('state', 'not in', ('draft', 'canceled'))])
        return sum(posted.mapped('amount'))

    def test_b15_return_prepared_twice_sends_the_money_once(self):
        item = self.suspense_item(self.st_line(15.0, 'no idea', partner_id=self.payer_2.id))
        item.action_munipay_return()
        try:
            with self.env.cr.savepoint():
                item.action_munipay_return()
        except UserError:
            pass
        self.assertEqual(self._post_all_returns(item), 15.0, "the sender gets the money twice")
        self.assertEqual(self.account_balance(self.suspense_account), 0.0)
        self.assertBalanced()

    def test_b16_return_prepared_then_assigned_pays_nothing_out(self):
        """The officer prepares the return, a colleague assigns the item to an
        order; posting the prepared return must not send the money again."""
        order = self.make_order(partner=self.payer_2)
        item = self.suspense_item(self.st_line(15.0, 'no idea', partner_id=self.payer_2.id))
        item.action_munipay_return()
        with self.assertRaisesRegex(UserError, 'return of this payment to its sender is prepared'):
            self.assign(item, order)
        self.assertEqual((order.state, order.amount_residual), ('issued', 22.21))
        self.assertEqual(self._post_all_returns(item), 15.0, "the prepared return goes out once, nothing assigned")
        self.assertEqual(self.account_balance(self.suspense_account), 0.0)
        self.assertBalanced()

    # ------------------------------------------------------------------ undoing

    def test_b17_undo_a_matched_line_reopens_the_order(self):
        """The accountant undoes the reconciliation of a line that paid an order in
        its discount window: the order owes the full amount again, the discount
        goes, nothing is flagged to refund, and the line is matchable again."""
        order = self.make_order(self.fee_fine, date_notified=self.days_ago(1))
        line = self.st_line(42.9, order.payment_reference)
        self.assertEqual(order.state, 'paid')
        line.action_undo_reconciliation()
        self.assertEqual((order.state, order.amount_residual), ('issued', 55.5))
        self.assertEqual(self.account_balance(self.discount_account), 0.0, "the discount stays without its money")
        self.assertFalse(order.needs_refund)
        self.assertFollowsLedger(order)
        self.assertBalanced()
        self.assertFalse(line.is_reconciled)
        self.assertFalse(line.munipay_match_state, "the undone line still says it paid the order")
        self.assertFalse(line.munipay_order_id)

    def test_b18_undone_line_is_matched_again_by_the_job(self):
        order = self.make_order()
        line = self.st_line(22.21, order.payment_reference)
        line.action_undo_reconciliation()
        self.assertEqual(order.state, 'issued')
        self.env['account.bank.statement.line']._cron_munipay_match()
        self.assertEqual(order.state, 'paid', "an undone line is never matched again")
        self.assertTrue(line.is_reconciled)
        self.assertBalanced()

    def test_b19_undo_a_suspense_line_leaves_no_orphan(self):
        line = self.st_line(15.0, 'no idea')
        line.action_undo_reconciliation()
        self.assertEqual(self.account_balance(self.suspense_account), 0.0)
        self.assertFalse(line.munipay_match_state == 'suspense' and not self.suspense_item(line),
                         "the line still says 'Unmatched payment' but no suspense item exists")
        self.assertBalanced()

    def test_b20_deleting_a_matched_line_is_refused_or_reopens_the_order(self):
        order = self.make_order()
        line = self.st_line(22.21, order.payment_reference)
        try:
            with self.env.cr.savepoint():
                line.unlink()
        except UserError:
            self.assertEqual(order.state, 'paid')
        else:
            self.assertEqual((order.state, order.amount_residual), ('issued', 22.21))
        self.assertFalse(order.needs_refund)
        self.assertFollowsLedger(order)
        self.assertBalanced()

    # ------------------------------------------------------------------ import

    def test_b21_camt_twice_under_another_file_name(self):
        self.bank_journal.bank_account_id = self.env['res.partner.bank'].create({
            'acc_number': COMPANY_IBAN, 'partner_id': self.company.partner_id.id})
        card = self.make_order()
        fine = self.make_order(self.fee_fine, partner=self.payer_2, date_notified=self.days_ago(4))
        with file_open('munipay_bank/tests/files/camt053_template.xml') as template:
            data = template.read().format(
                iban=COMPANY_IBAN, currency=self.company.currency_id.name, closing='1080.11', stmt_id='2026-11-Z',
                date=fields.Date.today(), value_date=self.days_ago(1), ref_card=card.payment_reference,
                ref_fine_spaced=fine.payment_reference).encode()

        def import_file(name):
            return self.env['account.statement.import'].create({
                'statement_filename': name, 'statement_file': base64.b64encode(data)}).import_file_button()
        import_file('statement.xml')
        count = self.env['account.bank.statement.line'].search_count([])
        with self.assertRaises(UserError):
            import_file('estratto_conto_copy.camt')
        self.assertEqual(self.env['account.bank.statement.line'].search_count([]), count)
        self.assertEqual(len(card.receivable_line_id.matched_credit_ids), 1)
        self.assertFalse(card.needs_refund)
        self.assertFollowsLedger(card, fine)
        self.assertBalanced()

    # ------------------------------------------------------------------ the job and the officer

    def test_b22_job_then_officer_books_nothing_twice(self):
        order = self.make_order()
        Line = self.env['account.bank.statement.line'].with_context(munipay_no_match=True)
        line = Line.create({'journal_id': self.bank_journal.id, 'amount': 22.21, 'payment_ref': order.payment_reference})
        unknown = Line.create({'journal_id': self.bank_journal.id, 'amount': 9.0, 'payment_ref': 'boh'})
        moves = self.env['account.move'].search_count([])
        self.env['account.bank.statement.line']._cron_munipay_match()
        (line | unknown).action_munipay_match()
        (line | unknown)._munipay_match()
        self.assertEqual(self.env['account.move'].search_count([]), moves, "an exact payment is a reconciliation, no new entry")
        self.assertEqual(len(order.receivable_line_id.matched_credit_ids), 1)
        self.assertEqual(len(unknown.move_id.activity_ids), 1)
        self.assertFalse(order.needs_refund)
        self.assertBalanced()

    # ------------------------------------------------------------------ rights

    def test_b23_cashier_and_portal_are_refused(self):
        cashier = new_test_user(self.env, login='bank_cashier', groups='base.group_user,munipay_base.group_cashier')
        portal = new_test_user(self.env, login='bank_portal', groups='base.group_portal', partner_id=self.payer.id)
        order = self.make_order()
        line = self.env['account.bank.statement.line'].with_context(munipay_no_match=True).create({
            'journal_id': self.bank_journal.id, 'amount': 22.21, 'payment_ref': order.payment_reference})
        item = self.suspense_item(self.st_line(9.0, 'boh', partner_id=self.payer.id))
        for user in (cashier, portal):
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                line.with_user(user).action_munipay_match()
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                item.with_user(user).action_munipay_return()
            with self.assertRaises(AccessError), self.env.cr.savepoint():
                self.assign(item, order, user=user)
        self.assertFalse(line.munipay_match_state)
        self.assertEqual(order.state, 'issued')
        self.assertFalse(item.reconciled)
        self.assertFalse(self.env['account.payment'].search([('munipay_suspense_line_id', '=', item.id)]))

    def test_b24_officer_of_one_town_cannot_assign_another_towns_item(self):
        """An officer of our town only assigns the other town's suspense item to the
        other town's order through the wizard (everything runs as superuser)."""
        other, foreign_order = self.other_company_order()
        foreign_line = self.st_line(22.21, 'boh', journal=other['default_journal_bank'])
        item = self.suspense_item(foreign_line)
        self.assertTrue(item)
        officer = new_test_user(self.env, login='bank_officer_a', groups='base.group_user,munipay_base.group_officer',
                                company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        error = None
        try:
            with self.env.cr.savepoint():
                self.assign(item, foreign_order, user=officer)
        except Exception as e:  # noqa: BLE001 - what matters is how it stops
            error = e
        self.assertIsInstance(error, (AccessError, UserError),
                              "the wizard did not refuse another town's item and order cleanly: %r" % error)
        self.assertEqual(foreign_order.state, 'issued', "an officer settled another town's order")
        self.assertFalse(item.reconciled)
