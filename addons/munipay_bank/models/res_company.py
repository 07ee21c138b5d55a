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
            self.sudo().munipay_suspense_account_id = self._munipay_create_account(
                'MPS', _("Unmatched payments (munipay)"), 'liability_current', reconcile=True)
        return self.munipay_suspense_account_id
