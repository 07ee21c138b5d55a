from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError


class PosOrderLine(models.Model):
    """A line selling a payment order (or a fee item that becomes one) credits the
    cash-desk transit account, never income: the order's own invoice booked the
    revenue and its taxes."""
    _inherit = 'pos.order.line'

    munipay_order_id = fields.Many2one(
        'munipay.payment.order', string="Payment Order", index='btree_not_null', readonly=True,
        help="The payment order this line collects.")
    munipay_fee_type_id = fields.Many2one(
        'munipay.fee.type', string="Fee Sold at the Desk", readonly=True,
        help="A fee item sold at the desk: validating the sale creates its payment order and settles it.")
    munipay_handling_fee = fields.Boolean(
        string="Card Handling Fee", readonly=True,
        help="The fee type's fixed surcharge for a card payment (income of the sale itself).")
    munipay_receipt_name = fields.Char(compute='_compute_munipay_receipt')
    munipay_receipt_qr = fields.Char(
        compute='_compute_munipay_receipt',
        help="The signed confirmation QR code of the order's receipt (PNG data URI) for the POS receipt.")

    @api.depends('munipay_order_id.receipt_ids')
    def _compute_munipay_receipt(self):
        for line in self:
            receipt = line.munipay_order_id.sudo().receipt_ids.filtered(lambda r: r.state == 'valid')[:1] \
                if not line.munipay_handling_fee else False
            line.munipay_receipt_name = receipt.name if receipt else False
            line.munipay_receipt_qr = receipt and self.env['munipay.payment.order']._munipay_qr_data_uri(
                receipt.verify_url, box_size=4)

    @api.model
    def _load_pos_data_fields(self, config_id):
        return super()._load_pos_data_fields(config_id) + [
            'munipay_order_id', 'munipay_fee_type_id', 'munipay_handling_fee', 'munipay_receipt_name',
            'munipay_receipt_qr']

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('munipay_order_id') or vals.get('munipay_fee_type_id'):
                # what a payment order costs is decided by munipay, taxes included
                vals['tax_ids'] = [Command.clear()]
        return super().create(vals_list)

    def _munipay_is_collection(self):
        self.ensure_one()
        return bool(self.munipay_order_id or self.munipay_fee_type_id) and not self.munipay_handling_fee

    def _prepare_base_line_for_taxes_computation(self):
        values = super()._prepare_base_line_for_taxes_computation()
        if not (self.munipay_order_id or self.munipay_fee_type_id):
            return values
        company = self.order_id.company_id
        if self.munipay_handling_fee:
            fee_type = self.munipay_fee_type_id or self.munipay_order_id.fee_type_id
            account = fee_type.sudo().with_company(company)._get_income_account()
        else:
            account = company._munipay_cashdesk_transit_account()
        values.update(account_id=account, tax_ids=self.env['account.tax'])
        return values

    def _munipay_cashdesk_create_orders(self):
        """Fee items sold at the desk become issued payment orders of the buyer."""
        Order = self.env['munipay.payment.order'].sudo()
        for line in self:
            fee_type = line.munipay_fee_type_id
            pos_order = line.order_id
            if fee_type.company_id != pos_order.company_id or not fee_type.munipay_cashdesk_sale:
                raise UserError(_("%s is not sold at this cash desk.", fee_type.display_name))
            partner = pos_order.partner_id or pos_order.company_id._munipay_cashdesk_walkin_partner()
            if line.qty <= 0:
                raise UserError(_("%s is sold at the desk, not taken back.", fee_type.display_name))
            # one order for the line: the fee (as many times as sold) and its costs
            amount = pos_order.currency_id.round(line.price_subtotal_incl - fee_type.cost_amount)
            order = Order.with_company(pos_order.company_id).create({
                'partner_id': partner.id,
                'fee_type_id': fee_type.id,
                'company_id': pos_order.company_id.id,
                'origin': pos_order.pos_reference or pos_order.name,
                'line_ids': Order._munipay_lines_for_fee_type(fee_type, amount),
            })
            order.action_issue()
            line.munipay_order_id = order
