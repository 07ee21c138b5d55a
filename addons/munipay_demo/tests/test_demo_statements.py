import base64
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_open

STATEMENT_DATE = date(2026, 11, 20)


@tagged('post_install', '-at_install')
class TestDemoStatements(TransactionCase):
    """The sample CAMT.053 statements shipped with the demo, imported with OCA's
    wizard into the municipality's bank journal, pay the demo orders they name."""

    def wizard(self, company, filename):
        """OCA's import wizard as the administrator working in that municipality opens it
        from its bank journal (Invoicing dashboard > bank journal > Import Statement),
        with the shipped file."""
        env = self.env(user=self.env.ref('base.user_admin'),
                       context=dict(self.env.context, allowed_company_ids=[company.id]))
        journal = env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'bank')], limit=1)
        with file_open(f'munipay_demo/static/statements/{filename}', 'rb') as sample:
            data = sample.read()
        wizard_action = journal.import_account_statement()
        return env['account.statement.import'].with_context(wizard_action['context']).create({
            'statement_filename': filename, 'statement_file': base64.b64encode(data)}), journal

    def import_sample(self, company_xmlid, filename):
        company = self.env.ref(f'munipay_demo.{company_xmlid}')
        wizard, journal = self.wizard(company, filename)
        self.assertEqual(journal.bank_statements_source, 'file_import_oca', "the dashboard offers Import (OCA)")
        action = wizard.import_file_button()
        action = action.get('params', {}).get('next', action)
        statement = wizard.env['account.bank.statement'].search(action['domain'])
        self.assertEqual(len(statement), 1)
        self.assertEqual(statement.journal_id, journal)
        self.assertTrue(statement.is_complete, "the file's closing balance is the opening plus its lines")
        return company, journal, statement

    def assertPaidByLine(self, line, order, amount, liquidity_account):
        self.assertEqual((line.munipay_match_state, line.munipay_order_id, line.is_reconciled), ('order', order, True))
        items = line.move_id.line_ids
        self.assertEqual(sorted((l.account_id, l.debit, l.credit) for l in items),
                         sorted([(liquidity_account, amount, 0.0),
                                 (order.receivable_line_id.account_id, 0.0, amount)]))
        counterpart = items.filtered(lambda l: l.account_id == order.receivable_line_id.account_id)
        self.assertEqual(counterpart.partner_id, order.partner_id.commercial_partner_id)
        self.assertTrue(counterpart.reconciled)
        self.assertIn(counterpart, order.receivable_line_id.matched_credit_ids.credit_move_id)

    def assertSuspense(self, line, company, amount, payer, iban):
        self.assertEqual((line.munipay_match_state, line.partner_name, line.account_number), ('suspense', payer, iban))
        item = line.move_id.line_ids.filtered('munipay_suspense')
        self.assertEqual((item.account_id, item.credit, item.reconciled),
                         (company.munipay_suspense_account_id, amount, False))
        self.assertTrue(line.move_id.activity_ids, "the officer is asked to look at it")
        row = self.env['munipay.suspense.report'].with_context(munipay_as_of=STATEMENT_DATE).search(
            [('line_id', '=', item.id)])
        self.assertEqual((row.payer_name, row.payer_account, row.amount_open), (payer, iban, amount))

    def assertBalanced(self, company):
        self.env.flush_all()
        self.env.cr.execute("SELECT COALESCE(SUM(balance), 0) FROM account_move_line WHERE company_id = %s",
                            [company.id])
        self.assertAlmostEqual(self.env.cr.fetchone()[0], 0.0, places=2)

    def test_valfiorita_statement(self):
        cie = self.env.ref('munipay_demo.it_order_cie')
        tari = self.env.ref('munipay_demo.it_order_tari')
        untouched = self.env.ref('munipay_demo.it_order_fine_window')
        self.assertEqual((cie.state, tari.state, tari.amount_residual), ('issued', 'issued', 128.4))
        company, journal, statement = self.import_sample('company_it', 'valfiorita_camt053.xml')
        self.assertEqual((statement.name, statement.balance_start, statement.balance_end_real),
                         ('VF-2026-11-20', 18240.55, 18397.76))
        lines = statement.line_ids.sorted('id')
        self.assertEqual(lines.mapped('amount'), [22.21, 100.0, 35.0])
        self.assertEqual(set(lines.mapped('date')), {STATEMENT_DATE})
        bank = journal.default_account_id

        # the identity card, paid in full by its structured reference
        self.assertPaidByLine(lines[0], cie, 22.21, bank)
        self.assertEqual((cie.state, cie.date_paid, cie.amount_paid, cie.amount_residual),
                         ('paid', STATEMENT_DATE, 22.21, 0.0))
        self.assertTrue(cie.receivable_line_id.full_reconcile_id)
        self.assertEqual(len(cie.receipt_ids.filtered(lambda r: r.state == 'valid')), 1)

        # the TARI instalment, 100.00 of 128.40 (reference typed in the text): partly paid
        self.assertPaidByLine(lines[1], tari, 100.0, bank)
        self.assertEqual(lines[1].munipay_value_date, date(2026, 11, 19))
        self.assertEqual((tari.state, tari.amount_paid, tari.amount_residual), ('issued', 100.0, 28.4))
        self.assertEqual(tari.receivable_line_id.amount_residual, 28.4)
        self.assertFalse(tari.receipt_ids)

        # the festival contribution names no order: it waits as an unmatched payment
        self.assertSuspense(lines[2], company, 35.0, 'Associazione Pro Loco Valfiorita', 'IT63X9999999999000000008152')

        self.assertEqual(untouched.state, 'issued')
        self.assertBalanced(company)
        # the same file again books nothing twice
        with self.assertRaises(UserError):
            self.wizard(company, 'valfiorita_camt053.xml')[0].import_file_button()
        self.assertEqual(len(cie.receivable_line_id.matched_credit_ids), 1)

    def test_eichenfeld_statement(self):
        pa = self.env.ref('munipay_demo.de_order_pa')
        hund = self.env.ref('munipay_demo.de_order_hund')
        company, journal, statement = self.import_sample('company_de', 'eichenfeld_camt053.xml')
        lines = statement.line_ids.sorted('id')
        self.assertEqual(lines.mapped('amount'), [37.0, 90.0, 50.0])
        bank = journal.default_account_id
        self.assertPaidByLine(lines[0], pa, 37.0, bank)
        self.assertPaidByLine(lines[1], hund, 90.0, bank)
        self.assertEqual((pa.state, hund.state, hund.date_paid), ('paid', 'paid', STATEMENT_DATE))
        self.assertSuspense(lines[2], company, 50.0, 'Förderverein Freiwillige Feuerwehr Eichenfeld e.V.',
                            'DE26999999990000231000')
        self.assertBalanced(company)
