from odoo import fields, models, tools


class MunipayCashdeskOperation(models.Model):
    """One row per payment order collected at the cash desk (a line of a validated
    sale): what the back office lists, pivots and exports (CSV/XLSX) for any period."""
    _name = 'munipay.cashdesk.operation'
    _description = "Cash Desk Operation"
    _auto = False
    _order = 'date desc, id desc'
    _rec_name = 'pos_reference'

    date = fields.Datetime(readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    config_id = fields.Many2one('pos.config', string="Cash Desk", readonly=True)
    session_id = fields.Many2one('pos.session', string="Session", readonly=True)
    cashier_id = fields.Many2one('res.users', string="Cashier", readonly=True)
    pos_order_id = fields.Many2one('pos.order', string="Sale", readonly=True)
    pos_reference = fields.Char(string="Sale Reference", readonly=True)
    partner_id = fields.Many2one('res.partner', string="Payer", readonly=True)
    order_id = fields.Many2one('munipay.payment.order', string="Payment Order", readonly=True)
    order_name = fields.Char(string="Payment Order Number", readonly=True)
    fee_type_id = fields.Many2one('munipay.fee.type', string="Fee Type", readonly=True)
    fee_code = fields.Char(string="Fee Code", readonly=True)
    payment_method_id = fields.Many2one(
        'pos.payment.method', string="Payment Method", readonly=True,
        help="How the sale was paid; empty when it was paid with several methods.")
    amount = fields.Monetary(string="Amount", readonly=True, help="What the desk collected for the order.")
    handling_fee = fields.Monetary(string="Card Handling Fee", readonly=True)
    receipt_name = fields.Char(string="Receipt Number", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # a handling-fee line belongs to the collection line of the same sale and order (or
        # desk-sold fee): the n-th fee line of a key pairs with the n-th collection line
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                WITH lines AS (
                    SELECT l.id, l.order_id, l.munipay_order_id, l.munipay_fee_type_id,
                           COALESCE(l.munipay_handling_fee, FALSE) AS is_fee, l.price_subtotal_incl,
                           ROW_NUMBER() OVER (
                               PARTITION BY l.order_id, COALESCE(l.munipay_handling_fee, FALSE),
                                            COALESCE('f' || l.munipay_fee_type_id, 'o' || l.munipay_order_id)
                               ORDER BY l.id) AS rank
                      FROM pos_order_line l
                     WHERE l.munipay_order_id IS NOT NULL OR l.munipay_fee_type_id IS NOT NULL
                )
                SELECT l.id AS id,
                       po.date_order AS date,
                       po.company_id AS company_id,
                       COALESCE(j.currency_id, c.currency_id) AS currency_id,
                       s.config_id AS config_id,
                       po.session_id AS session_id,
                       po.user_id AS cashier_id,
                       po.id AS pos_order_id,
                       po.pos_reference AS pos_reference,
                       COALESCE(o.partner_id, po.partner_id) AS partner_id,
                       o.id AS order_id,
                       o.name AS order_name,
                       ft.id AS fee_type_id,
                       ft.code AS fee_code,
                       pm.method_id AS payment_method_id,
                       l.price_subtotal_incl AS amount,
                       COALESCE(h.price_subtotal_incl, 0.0) AS handling_fee,
                       r.name AS receipt_name
                  FROM lines l
                  JOIN pos_order po ON po.id = l.order_id AND po.state IN ('paid', 'done', 'invoiced')
                  JOIN pos_session s ON s.id = po.session_id
                  JOIN pos_config pc ON pc.id = s.config_id
                  JOIN res_company c ON c.id = po.company_id
             LEFT JOIN account_journal j ON j.id = pc.journal_id
             LEFT JOIN munipay_payment_order o ON o.id = l.munipay_order_id
             LEFT JOIN munipay_fee_type ft ON ft.id = COALESCE(l.munipay_fee_type_id, o.fee_type_id)
             LEFT JOIN lines h ON h.order_id = l.order_id AND h.is_fee AND h.rank = l.rank
                       AND COALESCE('f' || h.munipay_fee_type_id, 'o' || h.munipay_order_id)
                         = COALESCE('f' || l.munipay_fee_type_id, 'o' || l.munipay_order_id)
             LEFT JOIN LATERAL (
                       SELECT CASE WHEN COUNT(DISTINCT p.payment_method_id) = 1
                                   THEN MIN(p.payment_method_id) END AS method_id
                         FROM pos_payment p
                        WHERE p.pos_order_id = po.id
                       ) pm ON TRUE
             LEFT JOIN LATERAL (
                       SELECT rc.name
                         FROM munipay_receipt rc
                         JOIN pos_order_munipay_payment_rel rel
                           ON rel.payment_id = rc.payment_id AND rel.pos_order_id = po.id
                        WHERE rc.order_id = o.id AND rc.state = 'valid'
                     ORDER BY rc.id
                        LIMIT 1
                       ) r ON TRUE
                 WHERE NOT l.is_fee
            )
        """)
