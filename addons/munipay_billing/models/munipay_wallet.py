from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MunipayWallet(models.Model):
    """A wallet may top up an account kept by an external billing system (the school
    canteen's): each top-up is posted there through the outbox."""
    _inherit = 'munipay.wallet'

    billing_system_id = fields.Many2one('munipay.billing.system', string="Billing System", check_company=True,
                                        tracking=True, index='btree_not_null')
    billing_account_number = fields.Char(string="Account in the Billing System", tracking=True, copy=False)
    billing_outbox_ids = fields.One2many('munipay.billing.outbox', 'wallet_id', string="Posted to Billing System",
                                         readonly=True, groups='munipay_base.group_officer')

    @api.constrains('billing_system_id', 'billing_account_number')
    def _check_billing_account(self):
        for wallet in self:
            if bool(wallet.billing_system_id) != bool((wallet.billing_account_number or '').strip()):
                raise ValidationError(_("Wallet %s needs both a billing system and an account number in it, or "
                                        "neither.", wallet.pan))

    def _munipay_credit(self, amount, counterpart_account, ref=None):
        move = super()._munipay_credit(amount, counterpart_account, ref=ref)
        if self.billing_system_id:
            self.env['munipay.billing.outbox']._billing_enqueue([{
                'system_id': self.billing_system_id.id,
                'account_number': self.billing_account_number.strip(),
                'amount': self.currency_id.round(amount),
                'currency_id': self.currency_id.id,
                'reference': move.ref or self.pan,
                'wallet_id': self.id,
                'move_id': move.id,
            }])
        return move
