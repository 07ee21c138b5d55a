from odoo import fields, models


class MunipaySuspenseAssign(models.TransientModel):
    _name = 'munipay.suspense.assign'
    _description = "Assign an Unmatched Payment to a Payment Order"

    line_id = fields.Many2one('account.move.line', string="Unmatched Payment", required=True, readonly=True)
    company_id = fields.Many2one(related='line_id.company_id')
    currency_id = fields.Many2one(related='line_id.company_currency_id')
    amount = fields.Monetary(related='line_id.amount_residual', string="Amount")
    order_id = fields.Many2one(
        'munipay.payment.order', string="Payment Order", required=True,
        domain="[('company_id', '=', company_id), ('state', '!=', 'draft')]")

    def action_confirm(self):
        self.ensure_one()
        # the user's own rights (and companies) on both sides, before munipay books as superuser
        self.line_id.check_access('read')
        self.order_id.check_access('write')
        self.order_id._munipay_settle_suspense_item(self.line_id)
        return {'type': 'ir.actions.act_window_close'}
