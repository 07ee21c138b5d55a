from odoo import _, fields, models


class ResCompany(models.Model):
    _inherit = 'res.company'

    munipay_suspense_account_id = fields.Many2one(
        'account.account', string="Unmatched Payments Account", check_company=True,
        help="Where bank transfers that match no payment order wait (suspense items), with the payer's "
             "details, until an officer assigns or returns them.")
    munipay_suspense_user_id = fields.Many2one(
        'res.users', string="Officer for Unmatched Payments", check_company=True,
        help="Gets an activity for each bank transfer that matches no payment order.")
    munipay_bank_auto_match = fields.Boolean(
        string="Match Bank Statements on Import", default=True,
        help="Match new statement lines to payment orders as soon as they are imported.")

    def _munipay_suspense_account(self):
        """The suspense account, created on first use (a reconcilable current liability)."""
        self.ensure_one()
        if not self.munipay_suspense_account_id:
            Account = self.env['account.account'].sudo().with_company(self)
            code = 'MPS001'
            while Account.search_count([('code', '=', code), *Account._check_company_domain(self)], limit=1):
                code = 'MPS%03d' % (int(code[3:]) + 1)
            self.sudo().munipay_suspense_account_id = Account.create({
                'name': _("Unmatched payments (munipay)"),
                'code': code,
                'account_type': 'liability_current',
                'reconcile': True,
                'company_ids': [(6, 0, self.ids)],
            })
        return self.munipay_suspense_account_id
