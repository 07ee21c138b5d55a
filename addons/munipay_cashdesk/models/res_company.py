from odoo import _, fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    munipay_cashdesk_journal_id = fields.Many2one(
        'account.journal', string="Cash Desk Collection Journal", check_company=True,
        domain="[('type', '=', 'bank')]",
        help="Journal of the payments that settle payment orders sold at the cash desk; their money waits on "
             "the cash-desk transit account until the Point of Sale session's closing entry brings it in.")
    munipay_cashdesk_transit_account_id = fields.Many2one(
        'account.account', string="Cash Desk Transit Account", check_company=True,
        help="Credited by the Point of Sale for the payment orders it sells, debited by the orders' payments: "
             "zero once the session is closed.")
    munipay_cashdesk_walkin_partner_id = fields.Many2one(
        'res.partner', string="Cash Desk Walk-in Payer", check_company=True,
        help="Payer of the fee items sold at the desk when the sale names no customer.")

    def _munipay_cashdesk_transit_account(self):
        """The transit account, created on first use (a reconcilable current asset)."""
        self.ensure_one()
        company = self.sudo()
        if not company.munipay_cashdesk_transit_account_id:
            company.munipay_cashdesk_transit_account_id = company._munipay_create_account(
                'MPC', _("Cash desk payments in transit (munipay)"), 'asset_current', reconcile=True)
        return company.munipay_cashdesk_transit_account_id

    def _munipay_cashdesk_journal(self):
        """The cash desk's collection journal, created on first use: a bank journal
        whose incoming payments are booked on the transit account."""
        self.ensure_one()
        company = self.sudo()
        if company.munipay_cashdesk_journal_id:
            return company.munipay_cashdesk_journal_id
        transit = company._munipay_cashdesk_transit_account()
        journal = company._munipay_create_transit_journal(_("Cash desk (munipay)"), 'MPCD', transit)
        company.munipay_cashdesk_journal_id = journal
        return journal

    def _munipay_cashdesk_walkin_partner(self):
        """The payer of fee items sold at the desk to someone who gave no name."""
        self.ensure_one()
        company = self.sudo()
        if not company.munipay_cashdesk_walkin_partner_id:
            company.munipay_cashdesk_walkin_partner_id = self.env['res.partner'].sudo().create({
                'name': _("Cash desk customer (%s)", company.name),
                'company_id': company.id,
            })
        return company.munipay_cashdesk_walkin_partner_id
