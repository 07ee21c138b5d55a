from odoo import fields, models


class ResUsers(models.Model):
    _inherit = 'res.users'

    munipay_merchant_partner_id = fields.Many2one(
        'res.partner', string="Works for Merchant", index='btree_not_null',
        help="The authorised merchant this user sells for: a merchant user sees only that merchant's Points of "
             "Sale, sales and receipts.")
