from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    munipay_journal_id = fields.Many2one(related='company_id.munipay_journal_id', readonly=False)
    munipay_discount_account_id = fields.Many2one(related='company_id.munipay_discount_account_id', readonly=False)
    munipay_surcharge_account_id = fields.Many2one(related='company_id.munipay_surcharge_account_id', readonly=False)
    munipay_wallet_account_id = fields.Many2one(related='company_id.munipay_wallet_account_id', readonly=False)
    munipay_collection_journal_id = fields.Many2one(related='company_id.munipay_collection_journal_id', readonly=False)
