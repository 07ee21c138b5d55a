from odoo import Command, _, api, fields, models


class PosOrderLine(models.Model):
    _inherit = 'pos.order.line'

    # set when the sale is recorded, never recomputed: a Point of Sale given to another merchant
    # later does not hand it the sales (settled or not) of the one before
    munipay_merchant_partner_id = fields.Many2one(
        'res.partner', string="Merchant", compute='_compute_munipay_merchant_partner_id', store=True,
        index='btree_not_null', readonly=True)
    munipay_commission_amount = fields.Monetary(
        string="Merchant Commission", readonly=True, copy=False, currency_field='currency_id')
    munipay_commission_move_id = fields.Many2one('account.move', string="Commission Entry", readonly=True, copy=False)
    munipay_settlement_move_id = fields.Many2one(
        'account.move', string="Merchant Settlement", readonly=True, copy=False, index='btree_not_null',
        help="The entry that settled this line between the merchant and the municipality.")
    munipay_wallet_offline = fields.Boolean(
        string="Topped up Offline", readonly=True, copy=False,
        help="The merchant's Point of Sale could not reach Odoo: it found the wallet in its snapshot and printed a "
             "provisional receipt; the top-up was credited when the sale reached Odoo.")
    munipay_wallet_flagged = fields.Boolean(
        string="Credited to a Closed Wallet", readonly=True, copy=False,
        help="Topped up offline on a wallet closed meanwhile: the money is kept on the wallet for an officer to "
             "refund or move.")

    @api.depends('order_id')
    def _compute_munipay_merchant_partner_id(self):
        for line in self:
            line.munipay_merchant_partner_id = line.order_id.config_id.munipay_merchant_partner_id

    @api.model
    def _load_pos_data_fields(self, config_id):
        return super()._load_pos_data_fields(config_id) + ['munipay_wallet_offline']

    def _munipay_merchant_book_commission(self):
        """One entry per top-up: the commission is the municipality's expense and a
        debt to the merchant, settled with what the merchant collected."""
        for line in self.sudo():
            config = line.order_id.config_id
            company = line.order_id.company_id
            amount = config._munipay_merchant_commission(line.price_subtotal_incl)
            if line.currency_id.is_zero(amount):
                continue
            expense, payable, journal = company._munipay_merchant_accounts()
            merchant = config.munipay_merchant_partner_id
            ref = _("Commission %(merchant)s, top-up %(pan)s (%(sale)s)", merchant=merchant.name,
                    pan=line.munipay_wallet_id.pan, sale=line.order_id.pos_reference or line.order_id.name)
            move = self.env['account.move'].sudo().with_company(company).create({
                'move_type': 'entry',
                'journal_id': journal.id,
                'company_id': company.id,
                'ref': ref,
                'line_ids': [
                    Command.create({'name': ref, 'account_id': expense.id, 'partner_id': merchant.id, 'debit': amount}),
                    Command.create({'name': ref, 'account_id': payable.id, 'partner_id': merchant.id, 'credit': amount}),
                ],
            })
            move._post(soft=False)
            line.write({'munipay_commission_amount': amount, 'munipay_commission_move_id': move.id})
