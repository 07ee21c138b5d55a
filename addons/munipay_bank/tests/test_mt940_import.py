"""MT940 statements imported through OCA's statement import wizard pay the orders
they name, exactly as CAMT files do.

The files under tests/files are written by hand after the SWIFT MT940 field
specifications and the examples of the German DFÜ agreement: a German bank's two
messages in SWIFT blocks (CRLF, structured ?20 details with SEPA keywords) and an
Italian bank's bare statement (free text carrying pagoPA's /RFB/<IUV>/ and the
notice number). The ${...} fields are filled by the tests with the orders they issue.
"""
import base64
from string import Template

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.misc import file_open

from odoo.addons.munipay_base.lib.references import format_in_groups
from odoo.addons.munipay_base.tests.common import MunipayCommon

from .test_camt_import import issue_with_notice_number

GERMAN_IBAN = 'DE89370400440532013000'  # the German file's account 37040044/532013000
ITALIAN_ACCOUNT = 'IT60X0542811101000000654321'


def yymmdd(date):
    return date.strftime('%y%m%d')


@tagged('post_install', '-at_install')
class TestMt940Import(MunipayCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receivable = cls.payer.property_account_receivable_id
        cls.suspense_account = cls.company._munipay_suspense_account()
        cls.liquidity_account = cls.bank_journal.default_account_id

    def set_account(self, acc_number, journal=None, company=None):
        (journal or self.bank_journal).bank_account_id = self.env['res.partner.bank'].create({
            'acc_number': acc_number, 'partner_id': (company or self.company).partner_id.id})

    def mt940(self, name, **values):
        today = fields.Date.today()
        values = {'currency': self.company.currency_id.name, 'entry_date': yymmdd(today),
                  'entry_mmdd': today.strftime('%m%d'), 'opening_date': yymmdd(self.days_ago(1)), **values}
        with file_open('munipay_bank/tests/files/%s' % name, 'rb') as template:
            return Template(template.read().decode()).substitute(values).encode()

    def german_file(self, card, fine, licence, **values):
        spaced = format_in_groups(fine.payment_reference).lower()
        # "SVWZ+Bussgeld " and 13 characters fill the 27 of subfield ?21; the reference goes on in ?22
        return self.mt940('mt940_de_template.sta', value_date=yymmdd(self.days_ago(1)),
                          ref_card=card.payment_reference, rf_fine_head=spaced[:13], rf_fine_tail=spaced[13:],
                          order_name=licence.name, **values)

    def italian_file(self, notice_order, named_order):
        notice = notice_order.payment_reference
        return self.mt940('mt940_it_template.sta', iban=ITALIAN_ACCOUNT, value_date=yymmdd(self.days_ago(2)),
                          amount_notice='22,21', amount_notice_dot='22.21', iuv=notice[1:],
                          notice_spaced=format_in_groups(notice), order_name=named_order.name, closing='559,42')

    def import_file(self, data, name='statement.sta', company=None):
        Wizard = self.env['account.statement.import']
        if company:
            Wizard = Wizard.with_company(company)
        return Wizard.create({'statement_filename': name, 'statement_file': base64.b64encode(data)}).import_file_button()

    def statement_lines(self, journal=None):
        return self.env['account.bank.statement.line'].search(
            [('journal_id', '=', (journal or self.bank_journal).id)], order='id')

    def assertNothingImported(self, *orders):
        self.assertFalse(self.statement_lines())
        self.assertFalse(self.env['account.bank.statement'].search([('journal_id', '=', self.bank_journal.id)]))
        for order in orders:
            self.assertEqual(order.state, 'issued')

    # ------------------------------------------------------------------ German

    def test_german_mt940_pays_the_orders_it_names(self):
        card = self.make_order()
        fine = self.make_order(self.fee_fine, partner=self.payer_2, date_notified=self.days_ago(4))
        licence = self.make_order()
        self.set_account(GERMAN_IBAN)
        data = self.german_file(card, fine, licence)
        self.import_file(data, 'MT940_Eichenfeld.sta')

        statements = self.env['account.bank.statement'].search([('journal_id', '=', self.bank_journal.id)], order='id')
        self.assertEqual(statements.mapped('name'), ['00042/001', '00043/001'], "two messages, two statements")
        self.assertEqual([(s.balance_start, s.balance_end_real, bool(s.is_complete)) for s in statements],
                         [(1000.0, 1077.61, True), (1077.61, 1099.82, True)])
        lines = self.statement_lines()
        self.assertEqual(lines.mapped('amount'), [22.21, 42.9, 15.0, -2.5, 22.21])
        self.assertEqual(lines.mapped('munipay_match_state'), ['order', 'order', 'suspense', 'manual', 'order'])
        self.assertEqual(lines.mapped('munipay_order_id'), card | fine | licence)
        self.assertEqual((card.state, fine.state, licence.state), ('paid', 'paid', 'paid'))
        # what the bank wrote, where the matcher and the accountant read it
        self.assertEqual((lines[0].date, lines[0].munipay_value_date), (fields.Date.today(), self.days_ago(1)))
        self.assertEqual((lines[0].partner_name, lines[0].account_number, lines[0].ref),
                         ('Rossi, Mario', 'DE02120300000000202051', card.payment_reference))
        self.assertEqual(lines[0].payment_ref, 'Personalausweis Mario Rossi')
        self.assertIn(format_in_groups(fine.payment_reference).lower(), lines[1].payment_ref)
        self.assertEqual(lines[0].transaction_type, 'NTRF/166')
        self.assertEqual(fine.date_paid, self.days_ago(1), "judged on the value date, inside the discount window")

        # journal items: the bank debited, each order's own receivable item reconciled
        for line, order, amount in ((lines[0], card, 22.21), (lines[4], licence, 22.21)):
            items = line.move_id.line_ids
            self.assertEqual(items.filtered(lambda l: l.account_id == self.liquidity_account).debit, amount)
            credit = items.filtered(lambda l: l.account_id == self.receivable)
            self.assertEqual(credit.credit, amount)
            self.assertEqual(order.receivable_line_id.matched_credit_ids.credit_move_id, credit)
            self.assertTrue(order.receivable_line_id.reconciled)
        discount = self.env['account.move.line'].search([('munipay_discount_order_id', '=', fine.id)])
        self.assertEqual((discount.account_id, discount.debit), (self.discount_account, 12.6))
        self.assertTrue(fine.receivable_line_id.reconciled)
        suspense = lines[2].move_id.line_ids.filtered('munipay_suspense')
        self.assertEqual((suspense.account_id, suspense.credit), (self.suspense_account, 15.0))
        self.assertEqual(lines[2].partner_name, 'Musterfrau, Erika')
        charges = lines[3].move_id.line_ids
        self.assertEqual(charges.filtered(lambda l: l.account_id == self.liquidity_account).credit, 2.5)
        self.assertFalse(lines[3].is_reconciled, "bank charges are the accountant's")
        self.assertBalanced()

        # the same file again, under another name, books nothing twice
        with self.assertRaises(UserError):
            self.import_file(data, 'MT940_Eichenfeld_copy.txt')
        self.assertEqual(self.statement_lines(), lines)
        self.assertEqual(len(card.receivable_line_id.matched_credit_ids), 1)
        self.assertFalse(card.needs_refund)
        self.assertBalanced()

    # ------------------------------------------------------------------ Italian

    def test_italian_mt940_with_iuv_notice_and_order_number(self):
        by_notice = issue_with_notice_number(self.make_order(issue=False))
        by_name = self.make_order(partner=self.payer_2)
        self.set_account(ITALIAN_ACCOUNT)
        self.import_file(self.italian_file(by_notice, by_name), 'estratto_conto.mt940')
        (statement,) = self.env['account.bank.statement'].search([('journal_id', '=', self.bank_journal.id)])
        self.assertEqual((statement.name, statement.balance_start, statement.balance_end_real), ('15/1', 500.0, 559.42))
        self.assertTrue(statement.is_complete)
        lines = self.statement_lines()
        self.assertEqual(lines.mapped('munipay_match_state'), ['order', 'order', 'suspense'])
        self.assertEqual((by_notice.state, by_name.state), ('paid', 'paid'))
        self.assertIn('/RFB/%s/22.21/TXT/' % by_notice.payment_reference[1:], lines[0].payment_ref)
        self.assertEqual(lines[0].munipay_value_date, self.days_ago(2))
        for line, order in ((lines[0], by_notice), (lines[1], by_name)):
            credit = line.move_id.line_ids.filtered(lambda l: l.account_id == self.receivable)
            self.assertEqual(credit.credit, 22.21)
            self.assertEqual(order.receivable_line_id.matched_credit_ids.credit_move_id, credit)
        suspense = lines[2].move_id.line_ids.filtered('munipay_suspense')
        self.assertEqual((suspense.account_id, suspense.credit), (self.suspense_account, 15.0))
        self.assertBalanced()

    # ------------------------------------------------------------------ bad files

    def test_damaged_mt940_imports_nothing(self):
        card, fine, licence = self.make_order(), self.make_order(), self.make_order()
        self.set_account(GERMAN_IBAN)
        data = self.german_file(card, fine, licence)
        damaged = {
            'truncated': data[:len(data) * 2 // 3],
            'cut after a whole statement line': data[:data.index(b':62F:', data.index(b'00043/001'))],
            'closing balance off by a cent': data.replace(b'1077,61\r\n:64:', b'1077,62\r\n:64:'),
            'amount with a decimal point': data.replace(b'CR42,90NTRF', b'CR42.90NTRF'),
            'impossible date': data.replace(b':60F:C' + yymmdd(self.days_ago(1)).encode(), b':60F:C261332'),
        }
        for case, content in damaged.items():
            with self.subTest(case=case), self.assertRaises(UserError) as error:
                self.import_file(content)
            self.assertIn('nothing was imported', str(error.exception))
        with self.assertRaisesRegex(UserError, 'does not add up'):
            self.import_file(damaged['closing balance off by a cent'])
        self.assertNothingImported(card, fine, licence)

    def test_file_of_two_accounts_is_imported_whole_or_not_at_all(self):
        """The second statement's account is unknown: even a caller that catches the
        error finds nothing of the first one."""
        card, fine, licence = self.make_order(), self.make_order(), self.make_order()
        self.set_account(ITALIAN_ACCOUNT)
        data = self.italian_file(issue_with_notice_number(self.make_order(issue=False)), card) + self.german_file(card, fine, licence)
        try:
            self.import_file(data)
        except UserError as error:
            self.assertIn(GERMAN_IBAN, str(error))
        else:
            self.fail("a statement of an unknown account was imported")
        self.assertNothingImported(card, fine, licence)

    def test_unknown_account_other_company_and_currency(self):
        card, fine, licence = self.make_order(), self.make_order(), self.make_order()
        data = self.german_file(card, fine, licence)
        # nobody's account
        self.set_account(ITALIAN_ACCOUNT)
        with self.assertRaisesRegex(UserError, GERMAN_IBAN):
            self.import_file(data)
        self.assertNothingImported(card, fine, licence)
        # another town's account
        other = self.setup_other_company(name='Stadt Nebenan')
        other_journal = other['default_journal_bank']
        self.set_account(GERMAN_IBAN, journal=other_journal, company=other['company'])
        with self.assertRaisesRegex(UserError, 'Stadt Nebenan'):
            self.import_file(data)
        self.assertNothingImported(card, fine, licence)
        # ... which the other town imports itself, on its own journal
        self.import_file(data, company=other['company'])
        self.assertEqual(len(self.statement_lines(other_journal)), 5)
        self.assertEqual(self.statement_lines(other_journal).company_id, other['company'])
        self.assertNothingImported(card, fine, licence)
        # our account, in another currency than the journal's
        self.set_account(GERMAN_IBAN)
        code = 'PLN' if self.company.currency_id.name != 'PLN' else 'EUR'
        self.setup_other_currency(code)
        foreign = self.german_file(card, fine, licence, currency=code)
        with self.assertRaisesRegex(UserError, code):
            self.import_file(foreign)
        self.assertNothingImported(card, fine, licence)
