from stdnum import exceptions as stdnum_exceptions
from stdnum.de import idnr
from stdnum.it import codicefiscale
from stdnum.pl import pesel

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

NATIONAL_ID_VALIDATORS = {
    'it_cf': codicefiscale,
    'pl_pesel': pesel,
    'de_idnr': idnr,
}
COUNTRY_ID_TYPES = {'IT': 'it_cf', 'PL': 'pl_pesel', 'DE': 'de_idnr'}


class ResPartner(models.Model):
    _inherit = 'res.partner'

    munipay_national_id_type = fields.Selection(
        [('it_cf', "Italian codice fiscale"),
         ('pl_pesel', "Polish PESEL"),
         ('de_idnr', "German tax identification number"),
         ('other', "Other identifier")],
        string="National ID Type",
        compute='_compute_munipay_national_id_type', store=True, readonly=False, precompute=True)
    munipay_national_id = fields.Char(
        string="National ID", index='btree_not_null', copy=False, groups='munipay_base.group_cashier',
        help="The identifier the office uses for a person: codice fiscale, PESEL, Steuer-ID...")
    munipay_payment_order_ids = fields.One2many(
        'munipay.payment.order', 'partner_id', string="Payment Orders", groups='munipay_base.group_cashier')
    munipay_payment_order_count = fields.Integer(
        compute='_compute_munipay_open_amounts', string="Payment Order Count", groups='munipay_base.group_cashier')
    munipay_open_order_count = fields.Integer(
        compute='_compute_munipay_open_amounts', string="Open Orders", groups='munipay_base.group_cashier',
        help="Issued orders of the payer that are not paid yet.")
    munipay_amount_open = fields.Monetary(
        compute='_compute_munipay_open_amounts', string="Open Amount", groups='munipay_base.group_cashier',
        currency_field='munipay_currency_id', help="What the payer still owes on issued orders.")
    munipay_currency_id = fields.Many2one(
        'res.currency', compute='_compute_munipay_open_amounts', groups='munipay_base.group_cashier')

    @api.depends('country_id')
    def _compute_munipay_national_id_type(self):
        for partner in self:
            if not partner.munipay_national_id_type:
                country = partner.country_id or self.env.company.country_id
                partner.munipay_national_id_type = COUNTRY_ID_TYPES.get(country.code)

    def _compute_munipay_open_amounts(self):
        Order = self.env['munipay.payment.order']
        counts = dict(Order._read_group([('partner_id', 'in', self.ids)], ['partner_id'], ['__count']))
        open_data = {partner: (count, amount) for partner, count, amount in Order._read_group(
            [('partner_id', 'in', self.ids), ('state', '=', 'issued')], ['partner_id'],
            ['__count', 'amount_residual:sum'])}
        currency = self.env.company.currency_id
        for partner in self:
            count, amount = open_data.get(partner, (0, 0.0))
            partner.munipay_payment_order_count = counts.get(partner, 0)
            partner.munipay_open_order_count = count
            partner.munipay_amount_open = currency.round(amount)
            partner.munipay_currency_id = currency

    @api.model
    def _search_display_name(self, operator, value):
        """In munipay's own views (context key ``munipay_payer_search``), a payer
        is also found by national ID and address; elsewhere Odoo's search is unchanged."""
        domain = super()._search_display_name(operator, value)
        if (self.env.context.get('munipay_payer_search') and value and isinstance(value, str)
                and operator in ('ilike', '=ilike', 'like', '=like', '=')):
            fnames = ['street', 'city', 'zip']
            if self.env.su or self.env.user.has_group('munipay_base.group_cashier'):
                fnames.append('munipay_national_id')
            domain = expression.OR([domain] + [[(fname, operator, value)] for fname in fnames])
        return domain

    @api.model
    def _munipay_normalize_national_id(self, id_type, value):
        value = (value or '').strip().upper().replace(' ', '').replace('-', '')
        validator = NATIONAL_ID_VALIDATORS.get(id_type)
        if not value or not validator:
            return value
        try:
            return validator.validate(value)
        except stdnum_exceptions.ValidationError as error:
            labels = dict(self._fields['munipay_national_id_type']._description_selection(self.env))
            raise ValidationError(_(
                "“%(value)s” is not a valid %(type)s: %(reason)s",
                value=value, type=labels[id_type], reason=self._munipay_stdnum_reason(error))) from None

    @api.model
    def _munipay_stdnum_reason(self, error):
        if isinstance(error, stdnum_exceptions.InvalidChecksum):
            return _("the check digit is wrong")
        if isinstance(error, stdnum_exceptions.InvalidLength):
            return _("the length is wrong")
        if isinstance(error, stdnum_exceptions.InvalidFormat):
            return _("the format is wrong")
        return _("the number is invalid")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('munipay_national_id'):
                id_type = vals.get('munipay_national_id_type') or self._munipay_default_id_type(vals)
                vals['munipay_national_id'] = self._munipay_normalize_national_id(id_type, vals['munipay_national_id'])
        return super().create(vals_list)

    def write(self, vals):
        if vals.get('munipay_national_id') or 'munipay_national_id_type' in vals:
            for partner in self:
                id_type = vals.get('munipay_national_id_type', partner.munipay_national_id_type)
                value = vals.get('munipay_national_id', partner.munipay_national_id)
                normalized = self._munipay_normalize_national_id(id_type, value)
                if value and normalized != value and len(self) == 1:
                    vals = dict(vals, munipay_national_id=normalized)
        return super().write(vals)

    @api.model
    def _munipay_default_id_type(self, vals):
        country = self.env['res.country'].browse(vals['country_id']) if vals.get('country_id') else self.env.company.country_id
        return COUNTRY_ID_TYPES.get(country.code)

    def action_view_munipay_payment_orders(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('munipay_base.action_munipay_payment_order')
        action['domain'] = [('partner_id', '=', self.id)]
        action['context'] = {'default_partner_id': self.id, 'munipay_payer_search': True}
        if self.env.context.get('munipay_open_only'):
            action['context']['search_default_issued'] = True
        return action
