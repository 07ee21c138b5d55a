from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, format_date


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
            self._munipay_cashdesk_check_references(lines)
        refunded = self.env['pos.order.line'].browse(
            [line['refunded_orderline_id'] for line in lines if line.get('refunded_orderline_id')]).exists()
        if refunded.filtered(lambda l: l.munipay_order_id or l.munipay_fee_type_id):
            raise UserError(_("A payment order collected at the cash desk cannot be refunded from the Point of Sale: "
                              "an officer refunds it from the payment order."))
        return super()._process_order(order, existing_order)

    @api.model
    def _munipay_cashdesk_check_references(self, lines):
        """The orders and fee items a sale names exist (a tampered or outdated
        client), before any record refers to them."""
        for field, model in (('munipay_order_id', 'munipay.payment.order'), ('munipay_fee_type_id', 'munipay.fee.type')):
            ids = {line[field] for line in lines if line.get(field)}
            if not all(isinstance(i, int) for i in ids) or len(self.env[model].sudo().browse(ids).exists()) != len(ids):
                raise UserError(_("This sale names a payment order or a fee that does not exist: it was not recorded."))

    def _process_saved_order(self, draft):
        if not draft and self.state != 'cancel' and not self.munipay_payment_ids \
                and self.lines.filtered(lambda l: l.munipay_order_id or l.munipay_fee_type_id):
            self._munipay_cashdesk_check_sale()
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

    def _munipay_cashdesk_takes_part_payments(self):
        """Hook: may this sale pay less than an order's amount due today? Not at a desk
        (the cashier collects what is due); a channel where the money is already in hand
        when the sale is made (a kiosk's cassette) books it as a part payment."""
        self.ensure_one()
        return False

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
            # munipay counts days in the municipality's time zone, not the cashier's
            tz = self.env['munipay.payment.order']._munipay_company_tz(company)
            payment_date = fields.Date.context_today(pos_order.with_context(tz=tz), pos_order.date_order)
            channel = pos_order._munipay_cashdesk_channel()
            payments = self.env['account.payment'].sudo()
            for order, order_lines in lines.grouped('munipay_order_id').items():
                amount = order.currency_id.round(sum(order_lines.mapped('price_subtotal_incl')))
                if order.currency_id.compare_amounts(amount, 0.0) <= 0:
                    raise UserError(_("The sale %(sale)s takes no money for payment order %(order)s.",
                                      sale=pos_order.name, order=order.name))
                order._munipay_lock()
                due = order.get_amount_open(payment_date)
                if order.state == 'issued' and order.currency_id.compare_amounts(amount, due) < 0 \
                        and not pos_order._munipay_cashdesk_takes_part_payments():
                    # less than due would leave the order open although the citizen has a receipt in hand;
                    # more (paid elsewhere in part meanwhile) is kept as a credit to refund
                    raise UserError(_(
                        "Payment order %(order)s is due %(due)s on %(date)s, but the sale takes %(amount)s: "
                        "scan the notice again to collect the amount due today.",
                        order=order.name, due=order.currency_id.format(due),
                        date=format_date(self.env, payment_date), amount=order.currency_id.format(amount)))
                payments |= order.with_context(munipay_channel=channel)._munipay_pay(
                    journal, amount=amount, payment_date=payment_date, external=True,
                    memo=_("%(reference)s, cash desk %(sale)s", reference=order.payment_reference,
                           sale=pos_order.pos_reference or pos_order.name))
            payments.move_id.munipay_payment_channel = 'cash'
            pos_order.sudo().munipay_payment_ids = payments

    def _munipay_cashdesk_check_sale(self):
        """The sale as the server sees it, before it settles anything: the client may be
        tampered with (or out of date), so munipay lines are one unit at whole cents, of
        this company and currency, a desk item at its price and a handling fee at its fee
        type's; the line subtotals and the sale's total are recomputed here, and the
        payments must cover that total."""
        self.ensure_one()
        currency = self.currency_id
        lines = self.lines.filtered(lambda l: l.munipay_order_id or l.munipay_fee_type_id).sudo()
        foreign = lines.filtered(lambda l: (l.munipay_order_id.company_id | l.munipay_fee_type_id.company_id)
                                 != self.company_id)[:1]
        if foreign:
            raise UserError(_("%s belongs to another municipality than this Point of Sale.", foreign.full_product_name))
        if lines.munipay_order_id.currency_id | self.company_id.currency_id != currency:
            raise UserError(_("This Point of Sale takes %(pos)s: payment orders due in %(company)s are collected at "
                              "a desk that takes %(company)s.", pos=currency.name, company=self.company_id.currency_id.name))
        for line in lines:
            fee_type = line.munipay_fee_type_id or line.munipay_order_id.fee_type_id
            if float_compare(line.qty, 1.0, precision_digits=6) or line.discount:
                raise UserError(_("%s: a payment order is collected once and whole; its quantity or discount "
                                  "cannot be changed at the desk.", line.full_product_name))
            if float_compare(line.price_unit, currency.round(line.price_unit), precision_digits=6):
                raise UserError(_("%(line)s: %(amount)s is not an amount in %(currency)s (whole cents only).",
                                  line=line.full_product_name, amount=line.price_unit, currency=currency.name))
            if line.munipay_handling_fee:
                expected = fee_type.handling_fee
                collected = lines.filtered(lambda l, line=line: not l.munipay_handling_fee and (
                    l.munipay_order_id, l.munipay_fee_type_id) == (line.munipay_order_id, line.munipay_fee_type_id))
                if not collected:
                    raise UserError(_("%s: a card handling fee comes with the payment order it is charged for.",
                                      line.full_product_name))
            elif not line.munipay_order_id:
                expected = fee_type.amount + fee_type.cost_amount
            else:
                expected = None  # the order's amount due on the sale's day: checked when it is paid
            if expected is not None and currency.compare_amounts(line.price_unit, expected):
                raise UserError(_("%(line)s costs %(expected)s, not %(amount)s.", line=line.full_product_name,
                                  expected=currency.format(expected), amount=currency.format(line.price_unit)))
            if currency.compare_amounts(line.price_subtotal_incl, line.price_unit) \
                    or currency.compare_amounts(line.price_subtotal, line.price_unit):
                line.write({'price_subtotal': line.price_unit, 'price_subtotal_incl': line.price_unit})
        self._compute_prices()
        if not self._is_pos_order_paid():
            raise UserError(_("Sale %(sale)s is not paid in full: %(paid)s received for %(total)s. Nothing was "
                              "booked.", sale=self.pos_reference or self.name, paid=currency.format(self.amount_paid),
                              total=currency.format(self.amount_total)))
