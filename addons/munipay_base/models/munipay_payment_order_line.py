from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class MunipayPaymentOrderLine(models.Model):
    _name = 'munipay.payment.order.line'
    _description = "Payment Order Line"
    _order = 'order_id, sequence, id'
    _check_company_auto = True

    order_id = fields.Many2one('munipay.payment.order', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='order_id.company_id', store=True)
    currency_id = fields.Many2one(related='order_id.currency_id')
    sequence = fields.Integer(default=10)
    fee_type_id = fields.Many2one('munipay.fee.type', string="Fee Type", required=True, check_company=True)
    name = fields.Char(string="Description", compute='_compute_name', store=True, readonly=False, precompute=True)
    is_cost = fields.Boolean(string="Costs", help="Notification or procedure costs: never discounted.")
    quantity = fields.Float(default=1.0, digits='Product Unit of Measure', required=True)
    price_unit = fields.Monetary(string="Unit Amount", compute='_compute_price_unit', store=True, readonly=False,
                                 precompute=True)
    amount = fields.Monetary(compute='_compute_amount', store=True)

    _sql_constraints = [
        ('quantity_positive', 'CHECK(quantity > 0)', "The quantity of a payment order line must be positive."),
    ]

    @api.depends('fee_type_id', 'is_cost')
    def _compute_name(self):
        for line in self:
            if line.fee_type_id and not line.name:
                line.name = _("Costs: %s", line.fee_type_id.name) if line.is_cost else line.fee_type_id.name

    @api.depends('fee_type_id', 'is_cost')
    def _compute_price_unit(self):
        for line in self:
            if line.fee_type_id and not line.price_unit:
                line.price_unit = line.fee_type_id.cost_amount if line.is_cost else line.fee_type_id.amount

    @api.depends('quantity', 'price_unit')
    def _compute_amount(self):
        for line in self:
            line.amount = line.currency_id.round(line.quantity * line.price_unit) if line.currency_id else line.quantity * line.price_unit

    @api.constrains('price_unit')
    def _check_price_unit(self):
        for line in self:
            if line.currency_id.compare_amounts(line.price_unit, 0.0) <= 0:
                raise ValidationError(_("The line “%s” needs an amount above zero.", line.name or line.fee_type_id.name))

    def _munipay_check_order_draft(self, orders):
        locked = orders.filtered(lambda o: o.state != 'draft')
        if locked and not self.env.su:
            raise UserError(_("Payment order %(order)s is %(state)s: its lines can no longer change.",
                              order=locked[0].name, state=locked[0]._munipay_state_label()))

    @api.model_create_multi
    def create(self, vals_list):
        self._munipay_check_order_draft(self.env['munipay.payment.order'].browse(
            {vals['order_id'] for vals in vals_list if vals.get('order_id')}))
        return super().create(vals_list)

    def write(self, vals):
        orders = self.order_id
        if vals.get('order_id'):
            orders |= self.env['munipay.payment.order'].browse(vals['order_id'])
        self._munipay_check_order_draft(orders)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        self._munipay_check_order_draft(self.order_id)

    def _munipay_income_account(self):
        self.ensure_one()
        return self.fee_type_id._get_income_account()

    def _munipay_prepare_invoice_line_vals(self):
        self.ensure_one()
        product = self.fee_type_id.product_id
        taxes = product.taxes_id.filtered(lambda t: t.company_id == self.company_id and t.price_include)
        return {
            'product_id': product.id,
            'name': self.name,
            'quantity': self.quantity,
            'price_unit': self.price_unit,
            'account_id': self._munipay_income_account().id,
            'tax_ids': [(6, 0, taxes.ids)],
        }
