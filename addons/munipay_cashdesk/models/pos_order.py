from odoo import _, api, fields, models
from odoo.exceptions import UserError


class PosOrder(models.Model):
    """A sale of payment orders: the order is paid the moment the sale is validated."""
    _inherit = 'pos.order'

    munipay_payment_ids = fields.Many2many(
        'account.payment', 'pos_order_munipay_payment_rel', 'pos_order_id', 'payment_id',
        string="Payment Order Payments", readonly=True, copy=False,
        help="The payments that settled the payment orders of this sale; their money waits on the cash-desk "
             "transit account until the session's closing entry brings it in.")
    munipay_order_ids = fields.Many2many(
        'munipay.payment.order', string="Payment Orders", compute='_compute_munipay_order_ids')

    @api.depends('lines.munipay_order_id')
    def _compute_munipay_order_ids(self):
        for order in self:
            order.munipay_order_ids = order.lines.munipay_order_id

    @api.model
    def _process_order(self, order, existing_order):
        lines = [line[2] for line in order.get('lines', []) if line[0] in (0, 1) and isinstance(line[2], dict)]
        if any(line.get('munipay_order_id') or line.get('munipay_fee_type_id') for line in lines):
            # the payment order has its own invoice: the sale is never invoiced again
            order['to_invoice'] = False
        refunded = self.env['pos.order.line'].browse(
            [line['refunded_orderline_id'] for line in lines if line.get('refunded_orderline_id')]).exists()
        if refunded.filtered(lambda l: l.munipay_order_id or l.munipay_fee_type_id):
            raise UserError(_("A payment order collected at the cash desk cannot be refunded from the Point of Sale: "
                              "an officer refunds it from the payment order."))
        return super()._process_order(order, existing_order)

    def _process_saved_order(self, draft):
        order_id = super()._process_saved_order(draft)
        if not draft and self.state in ('paid', 'done') and not self.munipay_payment_ids:
            self._munipay_cashdesk_settle()
        return order_id

    def _refund(self):
        if self.lines.filtered(lambda l: l.munipay_order_id or l.munipay_fee_type_id):
            raise UserError(_("A payment order collected at the cash desk cannot be refunded from the Point of Sale: "
                              "an officer refunds it from the payment order."))
        return super()._refund()

    def read_pos_data(self, data, config_id):
        result = super().read_pos_data(data, config_id)
        orders = self.lines.munipay_order_id
        if orders and config_id:
            # the orders the sale paid (a desk item's is new) come back with it: the
            # cashier cannot read payment orders by themselves
            records = orders._munipay_cashdesk_records(self.env['pos.config'].browse(config_id))
            result['munipay.payment.order'] = records['munipay.payment.order']
        return result

    def _munipay_cashdesk_channel(self):
        """'cash' or 'card': how the citizen paid (cash when any cash was taken)."""
        self.ensure_one()
        return 'cash' if any(p.payment_method_id.is_cash_count for p in self.payment_ids if p.amount > 0) else 'card'

    def _munipay_cashdesk_settle(self):
        """Pay the payment orders of the sale through munipay's channel method: each
        payment debits the transit account that the sale credits. Money for an order
        that can no longer take it (paid, cancelled meanwhile: the desk may have been
        offline) becomes a credit on the payer, flagged for an officer."""
        for pos_order in self:
            lines = pos_order.lines.filtered(
                lambda l: (l.munipay_order_id or l.munipay_fee_type_id) and not l.munipay_handling_fee)
            if not lines:
                continue
            company = pos_order.company_id
            # the sale's own session checked who may sell here; the ledger work is munipay's
            lines = lines.sudo().with_company(company)
            lines.filtered(lambda l: not l.munipay_order_id)._munipay_cashdesk_create_orders()
            journal = company._munipay_cashdesk_journal()
            payment_date = fields.Date.context_today(pos_order, pos_order.date_order)
            channel = pos_order._munipay_cashdesk_channel()
            payments = self.env['account.payment'].sudo()
            for order, order_lines in lines.grouped('munipay_order_id').items():
                amount = order.currency_id.round(sum(order_lines.mapped('price_subtotal_incl')))
                if order.currency_id.compare_amounts(amount, 0.0) <= 0:
                    raise UserError(_("The sale %(sale)s takes no money for payment order %(order)s.",
                                      sale=pos_order.name, order=order.name))
                payments |= order.with_context(munipay_channel=channel)._munipay_pay(
                    journal, amount=amount, payment_date=payment_date, external=True,
                    memo=_("%(reference)s, cash desk %(sale)s", reference=order.payment_reference,
                           sale=pos_order.pos_reference or pos_order.name))
            payments.move_id.munipay_payment_channel = 'cash'
            pos_order.sudo().munipay_payment_ids = payments
