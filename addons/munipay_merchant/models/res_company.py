from odoo import _, fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    munipay_merchant_commission_account_id = fields.Many2one(
        'account.account', string="Merchant Commission Expense Account", check_company=True,
        help="Debited with each merchant's commission on the top-ups it sells.")
    munipay_merchant_payable_account_id = fields.Many2one(
        'account.account', string="Merchant Commission Payable Account", check_company=True,
        help="Credited with what the municipality owes each merchant in commissions (by merchant).")
    munipay_merchant_journal_id = fields.Many2one(
        'account.journal', string="Merchant Journal", check_company=True, domain="[('type', '=', 'general')]",
        help="Journal of the merchants' commissions and settlements; the munipay journal when empty.")

    def _munipay_merchant_accounts(self):
        """(commission expense, merchant payable, journal), created on first use."""
        self.ensure_one()
        company = self.sudo()
        if not company.munipay_merchant_commission_account_id:
            company.munipay_merchant_commission_account_id = company._munipay_create_account(
                'MPMC', _("Merchant commissions (munipay)"), 'expense', reconcile=False)
        if not company.munipay_merchant_payable_account_id:
            company.munipay_merchant_payable_account_id = company._munipay_create_account(
                'MPMP', _("Commissions payable to merchants (munipay)"), 'liability_payable', reconcile=True)
        journal = company.munipay_merchant_journal_id or company._munipay_get('munipay_journal_id')
        return company.munipay_merchant_commission_account_id, company.munipay_merchant_payable_account_id, journal
