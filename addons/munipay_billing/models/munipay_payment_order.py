from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class MunipayPaymentOrder(models.Model):
    """An order may pay an account kept by an external billing system: its payment is
    posted there (through the outbox) once the order is paid."""
    _inherit = 'munipay.payment.order'

    billing_system_id = fields.Many2one('munipay.billing.system', string="Billing System", check_company=True,
                                        tracking=True, index='btree_not_null',
                                        help="The external system that keeps the account this order pays.")
    billing_account_number = fields.Char(string="Account in the Billing System", tracking=True, copy=False)
    billing_outbox_ids = fields.One2many('munipay.billing.outbox', 'order_id', string="Posted to Billing System",
                                         readonly=True, groups='munipay_base.group_officer')

    @api.constrains('billing_system_id', 'billing_account_number')
    def _check_billing_account(self):
        for order in self:
            if bool(order.billing_system_id) != bool((order.billing_account_number or '').strip()):
                raise ValidationError(_("Order %s needs both a billing system and an account number in it, or "
                                        "neither.", order.name))

    def _munipay_on_paid(self):
        super()._munipay_on_paid()
        # internal: the orders were just paid, by whichever channel and user
        linked = self.sudo().filtered(lambda o: o.billing_system_id and o.state == 'paid')
        vals_list = []
        for order in linked:
            moves = order._munipay_money_moves()
            money = order._munipay_settlement()['money']
            if not moves or order.currency_id.compare_amounts(money, 0.0) <= 0:
                continue
            vals_list.append({
                'system_id': order.billing_system_id.id,
                'account_number': order.billing_account_number.strip(),
                'amount': money,
                'currency_id': order.currency_id.id,
                'reference': order.payment_reference or order.name,
                'order_id': order.id,
                'move_id': max(moves.ids),
            })
        if vals_list:
            self.env['munipay.billing.outbox']._billing_enqueue(vals_list)

    def _munipay_on_reopened(self):
        super()._munipay_on_reopened()
        # internal: the orders' payments were undone in accounting, by whichever user
        payments = self.env['munipay.billing.outbox'].sudo().search(
            [('order_id', 'in', self.ids), ('kind', '=', 'payment')])
        payments._billing_undo(_("the order's payment was undone in accounting"))
