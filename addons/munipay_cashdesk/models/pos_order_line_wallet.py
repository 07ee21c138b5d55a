from odoo import Command, api, fields, models


class PosOrderLine(models.Model):
    """A wallet top-up sold at a Point of Sale (cash desk, merchant, kiosk): the line
    credits the cash-desk transit account, which the wallet's credit clears; the
    wallet's balance lives on the prepaid-liability account."""
    _inherit = 'pos.order.line'

    munipay_wallet_id = fields.Many2one(
        'munipay.wallet', string="Topped-up Wallet", index='btree_not_null', readonly=True,
        help="The prepaid wallet this line tops up.")
    munipay_wallet_move_id = fields.Many2one(
        'account.move', string="Top-up Entry", readonly=True, copy=False,
        help="The entry that credited the wallet: set once, so a re-synced sale never credits twice.")
    munipay_wallet_balance = fields.Monetary(
        string="New Wallet Balance", readonly=True, copy=False, currency_field='currency_id',
        help="The wallet's balance right after this top-up, as printed on the receipt.")
    munipay_wallet_receipt_id = fields.Many2one('munipay.receipt', string="Top-up Receipt", readonly=True, copy=False)

    @api.model
    def _load_pos_data_fields(self, config_id):
        return super()._load_pos_data_fields(config_id) + ['munipay_wallet_id', 'munipay_wallet_balance']

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('munipay_wallet_id'):
                vals['tax_ids'] = [Command.clear()]  # a top-up is money held for the citizen: no tax
        return super().create(vals_list)

    def _prepare_base_line_for_taxes_computation(self):
        values = super()._prepare_base_line_for_taxes_computation()
        if self.munipay_wallet_id:
            values.update(account_id=self.order_id.company_id._munipay_cashdesk_transit_account(),
                          tax_ids=self.env['account.tax'])
        return values

    @api.depends('munipay_wallet_receipt_id')
    def _compute_munipay_receipt(self):
        super()._compute_munipay_receipt()
        for line in self.filtered('munipay_wallet_id'):
            receipt = line.sudo().munipay_wallet_receipt_id
            line.munipay_receipt_name = receipt.name if receipt else False
            line.munipay_receipt_qr = receipt and self.env['munipay.payment.order']._munipay_qr_data_uri(
                receipt.verify_url, box_size=4)
