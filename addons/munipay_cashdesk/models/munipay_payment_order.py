from odoo import api, fields, models


class MunipayPaymentOrder(models.Model):
    """What the cash desk's screen shows of an order. Nothing is preloaded: the
    screen fetches orders on demand (scan, search)."""
    _name = 'munipay.payment.order'
    _inherit = ['munipay.payment.order', 'pos.load.mixin']

    cashdesk_amount_due = fields.Monetary(
        string="Due Today at the Desk", compute='_compute_cashdesk_values',
        help="What the desk collects today: the amount still open on today's amount rules.")
    cashdesk_handling_fee = fields.Monetary(string="Card Handling Fee", compute='_compute_cashdesk_values')
    cashdesk_fee_name = fields.Char(string="Fee", compute='_compute_cashdesk_values')
    cashdesk_payer_name = fields.Char(string="Payer Name", compute='_compute_cashdesk_values')

    @api.depends_context('date')
    def _compute_cashdesk_values(self):
        for order in self:
            order.cashdesk_amount_due = order.get_amount_open() if order.state == 'issued' else 0.0
            order.cashdesk_handling_fee = order.fee_type_id.handling_fee
            order.cashdesk_fee_name = order.fee_type_id.name
            order.cashdesk_payer_name = order.partner_id.name

    @api.model
    def _load_pos_data_domain(self, data):
        return False

    @api.model
    def _load_pos_data_fields(self, config_id):
        return ['id', 'name', 'payment_reference', 'partner_id', 'state', 'date_due', 'origin', 'amount_total',
                'cashdesk_amount_due', 'cashdesk_handling_fee', 'cashdesk_fee_name', 'cashdesk_payer_name']

    def _munipay_cashdesk_records(self, config):
        """The orders and their payers as the POS loads records."""
        orders = self.sudo().with_company(config.company_id)
        partners = orders.partner_id
        return {
            'munipay.payment.order': orders.read(self._load_pos_data_fields(config.id), load=False),
            'res.partner': partners.read(self.env['res.partner']._load_pos_data_fields(config.id), load=False),
        }
