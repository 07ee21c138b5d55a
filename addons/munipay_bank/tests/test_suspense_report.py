from odoo import fields
from odoo.tests import new_test_user, tagged

from odoo.addons.munipay_base.tests.common import MunipayCommon


@tagged('post_install', '-at_install')
class TestSuspenseReport(MunipayCommon):
    """The unmatched payments balance as of a date is the sum of the journal items
    on the account, and the open items behind it say who sent what."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.suspense_account = cls.company._munipay_suspense_account()
        cls.Report = cls.env['munipay.suspense.report']

    def unmatched(self, amount, text, days_ago, **vals):
        line = self.env['account.bank.statement.line'].create({
            'journal_id': self.bank_journal.id, 'date': self.days_ago(days_ago), 'amount': amount,
            'payment_ref': text, **vals})
        self.assertEqual(line.munipay_match_state, 'suspense')
        return line.move_id.line_ids.filtered('munipay_suspense')

    def ledger_balance(self, as_of):
        """Credit minus debit of the posted journal items on the account up to that day."""
        self.env.flush_all()
        self.env.cr.execute("""SELECT COALESCE(-SUM(balance), 0) FROM account_move_line
                                WHERE account_id = %s AND company_id = %s AND parent_state = 'posted' AND date <= %s""",
                            [self.suspense_account.id, self.company.id, as_of])
        return self.env.cr.fetchone()[0]

    def report(self, as_of):
        self.Report.invalidate_model()  # the rows keep their ids from one date to the next
        return self.Report.with_context(munipay_as_of=as_of)

    def balance(self, as_of):
        """The pivot's figure: the open amounts, per company, currency and account."""
        groups = self.report(as_of)._read_group(
            [('company_id', '=', self.company.id), ('amount_open', '!=', 0)],
            ['company_id', 'currency_id', 'account_id'], ['amount_open:sum'])
        self.assertLessEqual(len(groups), 1)
        for company, currency, account, amount in groups:
            self.assertEqual((company, currency, account), (self.company, self.company.currency_id, self.suspense_account))
        total = groups[0][3] if groups else 0.0
        # every journal item up to that day, summed, gives the same balance
        rows = self.report(as_of).search([('company_id', '=', self.company.id)])
        self.assertAlmostEqual(sum(rows.mapped('balance')), total, places=2)
        self.assertAlmostEqual(self.ledger_balance(as_of), total, places=2, msg="the balance is the ledger's")
        return total

    def test_balance_and_open_items_follow_assignments_and_returns(self):
        today = fields.Date.today()
        first = self.unmatched(50.0, 'quota associativa', 10, partner_name='Circolo Bocciofila',
                               account_number='IT02L1234512345123456789012')
        second = self.unmatched(30.0, 'no idea', 3, partner_id=self.payer_2.id, partner_name='G. Bianchi',
                                account_number='IT60X0542811101000000123456')
        # a structured reference only (CAMT's Strd): the import leaves '/' as the text
        third = self.unmatched(20.0, '/', 0, ref='RF19539007547034', partner_name='Anna Verdi')
        self.assertEqual(self.balance(today), 100.0)

        open_items = self.report(today).search([('company_id', '=', self.company.id), ('amount_open', '!=', 0)],
                                               order='date')
        self.assertEqual(open_items.line_id, first | second | third)
        row = open_items[0]
        self.assertEqual((row.payer_name, row.payer_account, row.reference, row.statement_date, row.age,
                          row.amount_open, row.kind),
                         ('Circolo Bocciofila', 'IT02L1234512345123456789012', 'quota associativa',
                          self.days_ago(10), 10, 50.0, 'received'))
        self.assertEqual((open_items[1].partner_id, open_items[1].age), (self.payer_2, 3))
        self.assertEqual((open_items[2].reference, open_items[2].age), ('RF19539007547034', 0))

        # assigned to an order: the balance drops by exactly that amount
        order = self.make_order(amount=50.0)
        self.env['munipay.suspense.assign'].create({'line_id': first.id, 'order_id': order.id}).action_confirm()
        self.assertEqual(order.state, 'paid')
        self.assertEqual(self.balance(today), 50.0)
        self.assertNotIn(first, self.report(today).search([('amount_open', '!=', 0)]).line_id)
        assignment = self.report(today).search([('kind', '=', 'assigned'), ('company_id', '=', self.company.id)])
        self.assertEqual((assignment.balance, assignment.date), (-50.0, first.date))

        # a return prepared is no money yet; posted, the balance drops by exactly that amount
        payment = self.env['account.payment'].browse(second.action_munipay_return()['res_id'])
        self.assertEqual(self.balance(today), 50.0)
        payment.action_post()
        self.assertTrue(second.reconciled)
        self.assertEqual(self.balance(today), 20.0)
        self.assertEqual(self.report(today).search([('company_id', '=', self.company.id), ('amount_open', '!=', 0)])
                         .line_id, third)
        returned = self.report(today).search([('kind', '=', 'returned'), ('company_id', '=', self.company.id)])
        self.assertEqual(returned.balance, -30.0)

        # as of yesterday: the first was assigned on its own day, the return and the third came later
        yesterday = self.days_ago(1)
        self.assertEqual(self.balance(yesterday), 30.0)
        row = self.report(yesterday).search([('company_id', '=', self.company.id), ('amount_open', '!=', 0)])
        self.assertEqual((row.line_id, row.amount_open, row.age), (second, 30.0, 2))
        self.assertEqual(self.balance(self.days_ago(11)), 0.0)
        self.assertBalanced()

    def test_wizard_opens_the_report_on_its_date(self):
        self.unmatched(12.0, 'sconosciuto', 5)
        action = self.env['munipay.suspense.balance'].create({'date': self.days_ago(2)}).action_open()
        self.assertEqual(action['res_model'], 'munipay.suspense.report')
        self.assertEqual(action['context']['munipay_as_of'], fields.Date.to_string(self.days_ago(2)))
        rows = self.Report.with_context(action['context']).search([('company_id', '=', self.company.id)])
        self.assertEqual((rows.amount_open, rows.age), (12.0, 3))

    def test_other_companies_items_stay_hidden(self):
        self.unmatched(12.0, 'sconosciuto', 0)
        officer = new_test_user(self.env, login='suspense_officer', groups='base.group_user,munipay_base.group_officer',
                                company_id=self.company.id, company_ids=[self.company.id])
        row = self.Report.with_user(officer).search([('amount_open', '!=', 0)])
        self.assertEqual(row.amount_open, 12.0)
        values = row.read(['account_id', 'journal_id', 'move_id', 'line_id', 'partner_id', 'currency_id'])[0]
        self.assertEqual(values['account_id'][0], self.suspense_account.id, "the officer may read what the list shows")
        other = self.env['res.company'].create({'name': 'Comune di Altrove'})
        stranger = new_test_user(self.env, login='suspense_stranger', groups='base.group_user,munipay_base.group_officer',
                                 company_id=other.id, company_ids=[other.id])
        self.assertFalse(self.Report.with_user(stranger).search([]))
