from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression


class PosConfig(models.Model):
    """A merchant's Point of Sale: it tops up wallets of the services, and sells the
    fee types, that the municipality allows the merchant; nothing else."""
    _inherit = 'pos.config'

    munipay_merchant_partner_id = fields.Many2one(
        'res.partner', string="Authorised Merchant", index='btree_not_null',
        help="Makes this Point of Sale a merchant's: it only tops up wallets and collects the fee types allowed "
             "below, and the merchant earns the commission below on each top-up.")
    munipay_merchant_fee_type_ids = fields.Many2many(
        'munipay.fee.type', 'pos_config_munipay_merchant_fee_type_rel', 'config_id', 'fee_type_id',
        string="Allowed Services and Fees", check_company=True,
        help="Prepaid services whose wallets the merchant tops up, and fee types whose payment orders it collects.")
    munipay_merchant_commission_percent = fields.Float(
        string="Commission (%)", digits=(5, 2), help="The merchant's commission on each top-up, in percent.")
    munipay_merchant_commission_fixed = fields.Monetary(
        string="Commission per Top-up", help="A fixed commission per top-up, added to the percentage.")

    _sql_constraints = [
        ('munipay_merchant_commission_positive',
         'CHECK(munipay_merchant_commission_percent >= 0 AND munipay_merchant_commission_percent < 100 '
         'AND munipay_merchant_commission_fixed >= 0)',
         "A merchant's commission is a percentage below 100 and a fixed amount, neither negative."),
    ]

    @api.constrains('munipay_merchant_partner_id', 'munipay_merchant_fee_type_ids')
    def _check_munipay_merchant(self):
        for config in self.filtered('munipay_merchant_partner_id'):
            if not config.munipay_merchant_fee_type_ids:
                raise ValidationError(_("Point of Sale %s is a merchant's: allow it at least one service or fee.",
                                        config.name))

    def write(self, vals):
        if 'munipay_merchant_partner_id' in vals:
            self.filtered(lambda c: c.munipay_merchant_partner_id.id != (vals['munipay_merchant_partner_id'] or False)
                          )._munipay_merchant_check_handover()
        return super().write(vals)

    def _munipay_merchant_check_handover(self):
        """A Point of Sale changes merchant (or stops being one) only once the merchant's
        sessions are closed and its sales settled: nothing it owes is left behind."""
        for config in self.filtered('munipay_merchant_partner_id'):
            merchant = config.munipay_merchant_partner_id
            if config.sudo().session_ids.filtered(lambda s: s.state != 'closed'):
                raise UserError(_("Point of Sale %(pos)s has a session open for %(merchant)s: close it before the "
                                  "Point of Sale changes merchant.", pos=config.name, merchant=merchant.name))
            if self.env['pos.order.line'].sudo().search_count([
                    ('order_id.config_id', '=', config.id), ('munipay_merchant_partner_id', '=', merchant.id),
                    ('order_id.state', 'in', ('paid', 'done', 'invoiced')),
                    ('munipay_settlement_move_id', '=', False)], limit=1):
                raise UserError(_("%(merchant)s has not settled all its sales at Point of Sale %(pos)s: settle them "
                                  "before the Point of Sale changes merchant.", pos=config.name, merchant=merchant.name))

    def _munipay_merchant_allows(self, fee_types):
        """May this Point of Sale sell ``fee_types`` (a wallet's service, an order's fee)?"""
        self.ensure_one()
        return not self.munipay_merchant_partner_id or not (fee_types - self.munipay_merchant_fee_type_ids)

    def _get_available_product_domain(self):
        domain = super()._get_available_product_domain()
        if self.munipay_merchant_partner_id:
            # a merchant's POS sells through munipay's screens only: its product grid stays empty
            domain = expression.AND([domain, [('id', 'in', self._get_special_products().ids)]])
        return domain

    def _munipay_merchant_commission(self, amount):
        """The commission on a top-up of ``amount``, rounded to the currency."""
        self.ensure_one()
        currency = self.currency_id
        return currency.round(amount * self.munipay_merchant_commission_percent / 100.0
                              + self.munipay_merchant_commission_fixed)
