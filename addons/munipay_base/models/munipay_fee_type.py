from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import amount_rules as amount_rules_lib


class MunipayFeeType(models.Model):
    _name = 'munipay.fee.type'
    _description = "Fee Type"
    _inherit = ['mail.thread']
    _order = 'category, name'
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, tracking=True, help="Short code, unique per company, used in imports and by the case system.")
    category = fields.Selection(
        [('fee', "Fee"), ('fine', "Fine"), ('tax', "Tax"), ('service', "Service"), ('topup', "Prepaid Top-up")],
        required=True, default='fee', tracking=True)
    product_id = fields.Many2one(
        'product.product', string="Service Product", required=True, check_company=True,
        domain="[('type', '=', 'service')]",
        help="Gives the income account and the taxes of the fee.")
    currency_id = fields.Many2one(related='company_id.currency_id')
    amount = fields.Monetary(string="Amount", tracking=True, help="Base amount, or the minimum for fines.")
    amount_max = fields.Monetary(string="Maximum Amount", tracking=True, help="For fines: the statutory maximum.")
    cost_amount = fields.Monetary(string="Costs", tracking=True, help="Notification and procedure costs, never discounted.")
    handling_fee = fields.Monetary(string="Card Handling Fee", help="Fixed surcharge for card payments.")
    due_days = fields.Integer(string="Due in (days)", default=30)
    expire_after_due = fields.Boolean(
        string="Expires after Due Date",
        help="Issued orders of this fee type expire when their due date has passed: "
             "they can no longer be paid and their receivable is reversed.")
    amount_rule_ids = fields.One2many('munipay.amount.rule', 'fee_type_id', string="Amount Rules", copy=True)
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company, index=True)
    active = fields.Boolean(default=True)
    description = fields.Html(translate=True, help="Text for the payer, printed on notices.")
    wallet_negative_allowed = fields.Boolean(
        string="Negative Balance Allowed", tracking=True,
        help="Prepaid services: the service may be charged to a wallet beyond its balance, down to the limit below.")
    wallet_negative_limit = fields.Monetary(
        string="Negative Balance down to", tracking=True,
        help="How far below zero a wallet of this service may go (an amount, e.g. 20.00 lets it go down to -20.00).")

    _sql_constraints = [
        ('code_company_uniq', 'unique(code, company_id)', "The fee code must be unique per company."),
        ('amount_not_negative', 'CHECK(amount >= 0 AND cost_amount >= 0 AND handling_fee >= 0)',
         "Amounts of a fee type cannot be negative."),
        ('wallet_negative_limit_not_negative', 'CHECK(wallet_negative_limit IS NULL OR wallet_negative_limit >= 0)',
         "The negative balance limit is an amount below zero written without its sign: it cannot be negative."),
    ]

    @api.constrains('amount', 'amount_max')
    def _check_amount_max(self):
        for fee in self:
            if fee.amount_max and fee.currency_id.compare_amounts(fee.amount_max, fee.amount) < 0:
                raise ValidationError(_("The maximum amount of “%s” is below its amount.", fee.name))

    def _munipay_check_amount_rules(self):
        """The rules must cover increasing days, an open-ended rule only last."""
        for fee in self:
            rules = fee.amount_rule_ids.sorted(lambda r: (r.sequence, r.id))
            problem = amount_rules_lib.schedule_problem([r.up_to_day or None for r in rules])
            if not problem:
                continue
            code, index = problem
            if code == 'not_increasing':
                raise ValidationError(_(
                    "The amount rules of “%(fee)s” must end on increasing days: the rule up to day %(day)s "
                    "comes after the rule up to day %(previous)s.",
                    fee=fee.name, day=rules[index].up_to_day, previous=rules[index - 1].up_to_day))
            raise ValidationError(_(
                "The amount rules of “%(fee)s” can have only one rule without a last day, and it must be the "
                "last one: it applies after all the others.", fee=fee.name))

    @api.depends('code')
    def _compute_display_name(self):
        for fee in self:
            fee.display_name = f"[{fee.code}] {fee.name}" if fee.code else fee.name

    @api.model
    def _search_display_name(self, operator, value):
        if operator in ('ilike', 'like', '=', '=like', '=ilike') and value:
            return ['|', ('code', operator, value), ('name', operator, value)]
        return super()._search_display_name(operator, value)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for fee, vals in zip(self, vals_list):
            if 'code' not in (default or {}):
                vals['code'] = _("%s-copy", fee.code)
        return vals_list

    @api.constrains('product_id', 'amount_rule_ids', 'company_id')
    def _check_taxes(self):
        self._munipay_check_taxes()

    def _munipay_check_taxes(self):
        """Fees are amounts the payer owes as printed: a tax can only be included in
        them, and a fee whose amount changes with time (discounts) carries none."""
        for fee in self:
            taxes = fee.product_id.taxes_id.filtered(lambda t, c=fee.company_id: t.company_id == c)
            if taxes.filtered(lambda t: not t.price_include):
                raise ValidationError(_(
                    "The product of fee type “%(fee)s” carries a tax not included in the price (%(tax)s): "
                    "payment orders collect the amount as printed, so use a tax included in the price "
                    "or no tax.", fee=fee.name, tax=taxes.filtered(lambda t: not t.price_include)[0].name))
            if taxes and fee.amount_rule_ids:
                raise ValidationError(_(
                    "Fee type “%s” has time-dependent amount rules and a taxed product: a discount or surcharge "
                    "would change the tax base. Use an untaxed product for it.", fee.name))

    def _get_income_account(self):
        self.ensure_one()
        accounts = self.product_id.product_tmpl_id.with_company(self.company_id)._get_product_accounts()
        if not accounts['income']:
            raise ValidationError(_("The product of fee type “%s” has no income account.", self.name))
        return accounts['income']
