from odoo import fields, models, tools


class MunipayMerchantStatement(models.Model):
    """What each merchant collected and owes the municipality: one row per sale line
    of a merchant's Point of Sale, to pivot by merchant and period. Due = collected −
    the merchant's commission."""
    _name = 'munipay.merchant.statement'
    _description = "Merchant Statement"
    _auto = False
    _order = 'date desc, id desc'

    date = fields.Date(readonly=True)
    merchant_id = fields.Many2one('res.partner', string="Merchant", readonly=True)
    config_id = fields.Many2one('pos.config', string="Point of Sale", readonly=True)
    pos_order_id = fields.Many2one('pos.order', string="Sale", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    kind = fields.Selection([('topup', "Wallet top-up"), ('fee', "Fee collected")], readonly=True)
    fee_type_id = fields.Many2one('munipay.fee.type', string="Service or Fee", readonly=True)
    collected = fields.Monetary(readonly=True, help="What the merchant took from the citizen.")
    commission = fields.Monetary(readonly=True, help="The merchant's commission, booked per top-up.")
    amount_due = fields.Monetary(string="Due to the Municipality", readonly=True)
    settled = fields.Boolean(readonly=True)
    settlement_move_id = fields.Many2one('account.move', string="Settlement Entry", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT l.id AS id,
                       (o.date_order AT TIME ZONE 'UTC')::date AS date,
                       l.munipay_merchant_partner_id AS merchant_id,
                       o.config_id AS config_id,
                       o.id AS pos_order_id,
                       o.company_id AS company_id,
                       rc.currency_id AS currency_id,
                       CASE WHEN l.munipay_wallet_id IS NOT NULL THEN 'topup' ELSE 'fee' END AS kind,
                       COALESCE(w.service_fee_type_id, l.munipay_fee_type_id, po.fee_type_id) AS fee_type_id,
                       l.price_subtotal_incl AS collected,
                       COALESCE(l.munipay_commission_amount, 0) AS commission,
                       l.price_subtotal_incl - COALESCE(l.munipay_commission_amount, 0) AS amount_due,
                       l.munipay_settlement_move_id IS NOT NULL AS settled,
                       l.munipay_settlement_move_id AS settlement_move_id
                  FROM pos_order_line l
                  JOIN pos_order o ON o.id = l.order_id
                  JOIN res_company rc ON rc.id = o.company_id
             LEFT JOIN munipay_wallet w ON w.id = l.munipay_wallet_id
             LEFT JOIN munipay_payment_order po ON po.id = l.munipay_order_id
                 WHERE l.munipay_merchant_partner_id IS NOT NULL
                   AND o.state IN ('paid', 'done', 'invoiced')
            )
        """)
