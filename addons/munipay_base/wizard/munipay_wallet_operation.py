from odoo import _, api, fields, models
from odoo.exceptions import UserError


class MunipayWalletOperation(models.TransientModel):
    _name = 'munipay.wallet.operation'
    _description = "Credit or Charge a Wallet"

    wallet_id = fields.Many2one('munipay.wallet', required=True)
    company_id = fields.Many2one(related='wallet_id.company_id')
    currency_id = fields.Many2one(related='wallet_id.currency_id')
    balance = fields.Monetary(related='wallet_id.balance', string="Current Balance")
    operation = fields.Selection([('credit', "Credit (money received)"), ('charge', "Charge (service used)")],
                                 required=True, default='credit')
    amount = fields.Monetary(required=True)
    journal_id = fields.Many2one('account.journal', string="Received in", check_company=True,
                                 domain="[('type', 'in', ('cash', 'bank'))]")
    ref = fields.Char(string="Reference")

    @api.onchange('operation')
    def _onchange_operation(self):
        if self.operation == 'credit' and not self.journal_id:
            self.journal_id = self.env['account.journal'].search([
                *self.env['account.journal']._check_company_domain(self.company_id), ('type', '=', 'cash')], limit=1)

    def action_confirm(self):
        self.ensure_one()
        if self.operation == 'credit':
            if not self.journal_id.default_account_id:
                raise UserError(_("Choose the cash or bank journal that received the money."))
            self.wallet_id._munipay_credit(self.amount, self.journal_id.default_account_id, self.ref)
        else:
            self.wallet_id._munipay_charge(self.amount, self.ref)
        return {'type': 'ir.actions.act_window_close'}
