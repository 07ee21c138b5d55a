from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.misc import file_open

from odoo.addons.munipay_base.tests.common import MunipayCommon

COMPANY_IBAN = 'IT60X0542811101000000654321'


@tagged('post_install', '-at_install')
class TestBankTour(MunipayCommon, HttpCase):
    """An accountant imports a CAMT.053 statement in the browser, then matches the
    transfer munipay could not match by hand in OCA's reconciliation screen."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.receivable = cls.payer.property_account_receivable_id
        cls.bank_journal.write({
            'name': 'Tesoreria',
            'bank_account_id': cls.env['res.partner.bank'].create({
                'acc_number': COMPANY_IBAN, 'partner_id': cls.company.partner_id.id}).id,
        })
        cls.accountant = new_test_user(
            cls.env, login='munipay_accountant', name='Tour Accountant',
            groups='account.group_account_manager,account.group_account_user',
            company_id=cls.company.id, company_ids=cls.company.ids)

    def statement_file(self, card):
        with file_open('munipay_bank/tests/files/camt053_tour.xml') as template:
            return template.read().format(
                stmt_id='TOUR-2026-11', date=fields.Date.today(), iban=COMPANY_IBAN,
                currency=self.company.currency_id.name, opening='1000.00', closing='1057.21',
                amount_ref='22.21', payer_ref='Mario Rossi', reference=card.payment_reference,
                amount_free='35.00', payer_free='Luca Bianchi',
                text_free='tassa occupazione suolo pubblico per la mamma').encode()

    def test_accountant_imports_a_statement_and_matches_a_suspense_item_by_hand(self):
        if 'account.reconcile.abstract' not in self.env:
            self.skipTest("OCA's account_reconcile_oca (the reconciliation screen) is not installed")
        card = self.make_order()
        fine = self.make_order(partner=self.payer_2, amount=35.0)
        # the file the accountant picks (an attachment of their own, for the tour to read)
        self.env['ir.attachment'].with_user(self.accountant).create({
            'name': 'munipay_bank_tour_statement.xml', 'raw': self.statement_file(card)})
        suspense_account = self.company._munipay_suspense_account()

        self.start_tour('/odoo/action-account.open_account_journal_dashboard_kanban', 'munipay_bank_reconcile_tour',
                        login=self.accountant.login, timeout=120)

        lines = self.env['account.bank.statement.line'].search(
            [('statement_id.name', '=', 'TOUR-2026-11')], order='id')
        self.assertEqual(lines.mapped('amount'), [22.21, 35.0])
        by_reference, by_hand = lines
        # the RF reference paid the card order on import: the statement line's
        # counterpart is the payer's receivable, reconciled with the order's own item
        self.assertEqual((by_reference.munipay_match_state, by_reference.munipay_order_id), ('order', card))
        liquidity, _suspense, counterpart = by_reference._seek_for_lines()
        self.assertEqual((liquidity.account_id, liquidity.debit), (self.bank_journal.default_account_id, 22.21))
        self.assertEqual((counterpart.account_id, counterpart.partner_id, counterpart.credit),
                         (self.receivable, self.payer, 22.21))
        self.assertTrue(counterpart.reconciled)
        self.assertEqual(card.receivable_line_id.matched_credit_ids.credit_move_id, counterpart)
        # the accountant's hand match moved the transfer off the unmatched payments
        # account onto the fine's receivable
        liquidity, suspense, counterpart = by_hand._seek_for_lines()
        self.assertFalse(suspense)
        self.assertEqual((liquidity.account_id, liquidity.debit), (self.bank_journal.default_account_id, 35.0))
        self.assertEqual((counterpart.account_id, counterpart.partner_id, counterpart.credit),
                         (self.receivable, self.payer_2, 35.0))
        self.assertTrue(by_hand.is_reconciled)
        self.assertEqual(fine.receivable_line_id.matched_credit_ids.credit_move_id, counterpart)
        self.assertFalse(self.env['account.move.line'].search([('account_id', '=', suspense_account.id)]),
                         "nothing waits on the unmatched payments account")
        self.assertFalse(self.env['account.move.line'].search([('munipay_suspense', '=', True),
                                                               ('company_id', '=', self.company.id)]))
        self.assertEqual((card.state, fine.state), ('paid', 'paid'))
        self.assertEqual((card.amount_residual, fine.amount_residual), (0.0, 0.0))
        self.assertEqual(fine.date_paid, fields.Date.today())
        if 'receipt_ids' in fine._fields:  # munipay_documents issues receipts on payment
            self.assertEqual(len(card.receipt_ids), 1)
            self.assertEqual(len(fine.receipt_ids), 1)
        self.assertFalse(by_hand.move_id.activity_ids, "the officer's to-do about the unmatched payment is done")
        self.assertBalanced()
