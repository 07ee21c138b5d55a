from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MunipayFeeTypeProvider(models.Model):
    """Which payment provider may collect a fee online, and up to what amount."""
    _name = 'munipay.fee.type.provider'
    _description = "Online Payment Provider of a Fee Type"
    _order = 'fee_type_id, sequence, id'
    _check_company_auto = True

    sequence = fields.Integer(default=10)
    fee_type_id = fields.Many2one('munipay.fee.type', required=True, ondelete='cascade', index=True,
                                  check_company=True)
    provider_id = fields.Many2one('payment.provider', string="Provider", required=True, ondelete='cascade',
                                  check_company=True)
    company_id = fields.Many2one(related='fee_type_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='fee_type_id.currency_id')
    amount_max = fields.Monetary(
        string="Maximum Amount",
        help="The most this provider may collect for orders of this fee in one payment; empty: no limit "
             "beyond the provider's own.")

    _sql_constraints = [
        ('fee_provider_uniq', 'unique(fee_type_id, provider_id)', "A provider is listed once per fee type."),
        ('amount_max_not_negative', 'CHECK(amount_max >= 0)', "The maximum amount cannot be negative."),
    ]

    @api.constrains('provider_id', 'fee_type_id')
    def _check_provider_company(self):
        for line in self:
            if line.provider_id.company_id != line.fee_type_id.company_id:
                raise ValidationError(_("Provider %(provider)s belongs to another company than fee “%(fee)s”.",
                                        provider=line.provider_id.name, fee=line.fee_type_id.name))

    def _munipay_allows(self, amount):
        """Does this line let its provider collect ``amount`` (orders of its fee type)?"""
        self.ensure_one()
        return not self.amount_max or self.currency_id.compare_amounts(amount, self.amount_max) <= 0
