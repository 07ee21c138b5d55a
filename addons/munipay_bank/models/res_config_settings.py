from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    munipay_suspense_account_id = fields.Many2one(related='company_id.munipay_suspense_account_id', readonly=False)
    munipay_suspense_user_id = fields.Many2one(related='company_id.munipay_suspense_user_id', readonly=False)
    munipay_bank_auto_match = fields.Boolean(related='company_id.munipay_bank_auto_match', readonly=False)
