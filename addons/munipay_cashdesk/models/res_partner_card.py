from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import sql

from ..lib import wallet_lookup


class ResPartner(models.Model):
    """The number of the smart card a beneficiary carries (the Italian health card /
    CNS): a keyboard-wedge reader at the desk or the merchant types it to find the
    beneficiary's wallets."""
    _inherit = 'res.partner'

    munipay_card_number = fields.Char(
        string="Service Card Number", copy=False, groups='munipay_base.group_cashier',
        help="Number of the smart card (e.g. health card / CNS) that identifies the beneficiary of prepaid "
             "services; unique per company. Typed or swiped at the cash desk and by merchants.")

    def init(self):
        super().init()
        sql.create_unique_index(self.env.cr, 'res_partner_munipay_card_number_company_uniq', self._table,
                                ['munipay_card_number', 'COALESCE(company_id, 0)'])

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('munipay_card_number'):
                vals['munipay_card_number'] = self._munipay_normalize_card_number(vals['munipay_card_number'])
                self._munipay_check_card_free(vals['munipay_card_number'], vals.get('company_id') or False)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get('munipay_card_number'):
            vals = dict(vals, munipay_card_number=self._munipay_normalize_card_number(vals['munipay_card_number']))
            companies = {vals['company_id'] or False} if 'company_id' in vals else {p.company_id.id for p in self}
            for company_id in companies:
                self._munipay_check_card_free(vals['munipay_card_number'], company_id, self.ids)
        return super().write(vals)

    @api.model
    def _munipay_check_card_free(self, number, company_id, exclude_ids=()):
        """A clear error before the unique index refuses a card number already given."""
        if self.sudo().with_context(active_test=False).search_count(
                [('munipay_card_number', '=', number), ('company_id', '=', company_id or False),
                 ('id', 'not in', list(exclude_ids))], limit=1):
            raise ValidationError(_("Card number %s already belongs to someone else.", number))

    @api.model
    def _munipay_normalize_card_number(self, value):
        number = wallet_lookup.normalize_card_number(value)
        if not number:
            raise ValidationError(_("“%s” is not a card number: it has 12 to 24 digits.", value))
        return number

    @api.constrains('munipay_card_number', 'company_id')
    def _check_munipay_card_number(self):
        for partner in self.sudo().filtered('munipay_card_number'):
            self._munipay_check_card_free(partner.munipay_card_number, partner.company_id.id, partner.ids)
