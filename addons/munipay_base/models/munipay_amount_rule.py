from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MunipayAmountRule(models.Model):
    _name = 'munipay.amount.rule'
    _description = "Time-dependent amount rule"
    _order = 'fee_type_id, sequence, id'

    fee_type_id = fields.Many2one('munipay.fee.type', string="Fee Type", required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='fee_type_id.company_id', store=True)
    sequence = fields.Integer(default=10)
    up_to_day = fields.Integer(
        string="Up to Day",
        help="Last day (inclusive) after notification this rule covers; empty for no limit. "
             "A last day on a non-working day extends to the next working day.")
    base = fields.Selection(
        [('amount', "Amount (minimum)"), ('amount_max', "Maximum amount")],
        required=True, default='amount')
    factor = fields.Float(required=True, default=1.0, digits=(6, 4))
    name = fields.Char(compute='_compute_name')

    _sql_constraints = [
        ('factor_positive', 'CHECK(factor > 0)', "The factor of an amount rule must be positive."),
        ('up_to_day_positive', 'CHECK(up_to_day IS NULL OR up_to_day >= 0)', "The last day of a rule cannot be negative."),
    ]

    @api.depends('up_to_day', 'base', 'factor')
    def _compute_name(self):
        bases = dict(self._fields['base']._description_selection(self.env))
        for rule in self:
            window = _("up to day %s", rule.up_to_day) if rule.up_to_day else _("after that")
            rule.name = "%s: %s × %s" % (window, rule.factor, bases.get(rule.base, ''))

    @api.constrains('base', 'fee_type_id')
    def _check_base(self):
        for rule in self:
            if rule.base == 'amount_max' and not rule.fee_type_id.amount_max:
                raise ValidationError(_("Fee type “%s” has a rule on the maximum amount but no maximum amount.", rule.fee_type_id.name))
