from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    munipay_qr_standard = fields.Selection(related='company_id.munipay_qr_standard', readonly=False)
    munipay_bank_account_id = fields.Many2one(related='company_id.munipay_bank_account_id', readonly=False)
    munipay_creditor_fiscal_code = fields.Char(related='company_id.munipay_creditor_fiscal_code', readonly=False)
    munipay_trusted_hosts = fields.Char(related='company_id.munipay_trusted_hosts', readonly=False)
