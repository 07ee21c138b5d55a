from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import get_lang

from ..lib import amount_rules as amount_rules_lib


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
    window = fields.Selection(
        [('until', "Up to day"), ('after', "Afterwards")], string="Applies",
        compute='_compute_window', inverse='_inverse_window',
        help="Up to a last day after notification, or without limit after the previous rules.")
    base = fields.Selection(
        [('amount', "of the amount"), ('amount_max', "of the maximum")],
        required=True, default='amount',
        help="The fee type's amount (the minimum, for fines) or its maximum amount.")
    factor = fields.Float(required=True, default=1.0, digits=(6, 4))
    percent = fields.Float(
        string="Percent", digits=(5, 2), compute='_compute_percent', inverse='_inverse_percent',
        help="On the amount: the change in per cent (−30 takes 30 % off, 0 is the full amount, 20 adds 20 %). "
             "On the maximum: its share in per cent (50 is half the maximum).")
    name = fields.Char(string="Reads as", compute='_compute_name')

    _sql_constraints = [
        ('factor_positive', 'CHECK(factor > 0)', "The factor of an amount rule must be positive."),
        ('up_to_day_positive', 'CHECK(up_to_day IS NULL OR up_to_day >= 0)', "The last day of a rule cannot be negative."),
    ]

    @api.depends('up_to_day')
    def _compute_window(self):
        for rule in self:
            rule.window = 'until' if rule.up_to_day else 'after'

    def _inverse_window(self):
        for rule in self:
            if rule.window == 'after':
                rule.up_to_day = 0
            elif not rule.up_to_day:
                raise ValidationError(_("Give the last day of the rule, or choose “Afterwards”."))

    @api.depends('factor', 'base')
    def _compute_percent(self):
        for rule in self:
            rule.percent = amount_rules_lib.factor_to_percent(rule.factor, rule.base)

    def _inverse_percent(self):
        for rule in self:
            rule.factor = amount_rules_lib.percent_to_factor(rule.percent, rule.base)

    @api.onchange('percent')
    def _onchange_percent(self):
        # the form shows the rule's text as the officer types, before saving
        self._inverse_percent()

    @api.onchange('window')
    def _onchange_window(self):
        for rule in self.filtered(lambda r: r.window == 'after'):
            rule.up_to_day = 0

    @api.depends('up_to_day', 'base', 'factor', 'sequence', 'fee_type_id.amount_rule_ids')
    @api.depends_context('lang')
    def _compute_name(self):
        for rule in self:
            if rule.up_to_day:
                window = _("Up to day %s", rule.up_to_day)
            elif rule == rule.fee_type_id.amount_rule_ids.sorted(lambda r: (r.sequence, r.id or 0))[:1]:
                window = _("Any day")
            else:
                window = _("Afterwards")
            rule.name = _("%(window)s: %(amount)s", window=window, amount=rule._munipay_amount_text())

    def _munipay_amount_text(self):
        """The factor in words: “−30 % of the amount”, “full amount”, “50 % of the maximum”."""
        self.ensure_one()
        percent = amount_rules_lib.factor_to_percent(self.factor, self.base)
        if self.base == 'amount_max':
            if percent == 100:
                return _("the maximum")
            return _("%s of the maximum", self._munipay_format_percent(percent))
        if percent == 0:
            return _("full amount")
        sign = '+' if percent > 0 else '\N{MINUS SIGN}'
        return _("%s of the amount", sign + self._munipay_format_percent(abs(percent)))

    def _munipay_format_percent(self, value):
        text = ('%.2f' % value).rstrip('0').rstrip('.')
        return '%s\N{NO-BREAK SPACE}%%' % text.replace('.', get_lang(self.env).decimal_point)

    @api.constrains('base', 'fee_type_id')
    def _check_base(self):
        for rule in self:
            if rule.base == 'amount_max' and not rule.fee_type_id.amount_max:
                raise ValidationError(_("Fee type “%s” has a rule on the maximum amount but no maximum amount.", rule.fee_type_id.name))

    @api.constrains('up_to_day', 'sequence', 'fee_type_id')
    def _check_schedule(self):
        self.fee_type_id._munipay_check_amount_rules()
