from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    munipay_cashdesk_journal_id = fields.Many2one(
        related='company_id.munipay_cashdesk_journal_id', readonly=False)
    munipay_cashdesk_transit_account_id = fields.Many2one(
        related='company_id.munipay_cashdesk_transit_account_id', readonly=False)
