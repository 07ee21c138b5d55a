from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    munipay_merchant_commission_account_id = fields.Many2one(
        related='company_id.munipay_merchant_commission_account_id', readonly=False)
    munipay_merchant_payable_account_id = fields.Many2one(
        related='company_id.munipay_merchant_payable_account_id', readonly=False)
    munipay_merchant_journal_id = fields.Many2one(related='company_id.munipay_merchant_journal_id', readonly=False)
