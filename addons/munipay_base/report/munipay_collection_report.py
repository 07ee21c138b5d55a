from odoo import fields, models, tools

CHANNELS = [
    ('cash', "Cash desk"),
    ('bank', "Bank"),
    ('online', "Online"),
    ('pagopa', "pagoPA"),
    ('kiosk', "Kiosk"),
    ('merchant', "Merchant"),
    ('other', "Other"),
]


class MunipayCollectionReport(models.Model):
    """Money collected for payment orders, one row per order and money entry: what
    an accountant pivots by fee type, channel, period and company."""
    _name = 'munipay.collection.report'
    _description = "Collections of Payment Orders"
    _auto = False
    _order = 'date desc'

    date = fields.Date(readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    fee_type_id = fields.Many2one('munipay.fee.type', string="Fee Type", readonly=True)
    order_id = fields.Many2one('munipay.payment.order', string="Payment Order", readonly=True)
    partner_id = fields.Many2one('res.partner', string="Payer", readonly=True)
    journal_id = fields.Many2one('account.journal', readonly=True)
    move_id = fields.Many2one('account.move', string="Money Entry", readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    amount = fields.Monetary(string="Collected", readonly=True,
                             help="Money received: what the entry settled of the order less its write-off for it.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                SELECT MIN(p.id) AS id,
                       cm.date AS date,
                       o.company_id AS company_id,
                       o.currency_id AS currency_id,
                       o.fee_type_id AS fee_type_id,
                       o.id AS order_id,
                       o.partner_id AS partner_id,
                       cm.journal_id AS journal_id,
                       cm.id AS move_id,
                       CASE WHEN cm.statement_line_id IS NOT NULL THEN 'bank'
                            WHEN cm.munipay_payment_channel IN ('cash', 'bank', 'online', 'pagopa', 'kiosk', 'merchant')
                                THEN cm.munipay_payment_channel
                            WHEN j.type = 'cash' THEN 'cash'
                            WHEN j.type = 'bank' THEN 'bank'
                            ELSE 'other' END AS channel,
                       SUM(p.amount) - COALESCE(MAX(w.writeoff), 0) AS amount
                  FROM account_partial_reconcile p
                  JOIN account_move_line dl ON dl.id = p.debit_move_id AND dl.munipay_order_id IS NOT NULL
                  JOIN munipay_payment_order o ON o.id = dl.munipay_order_id
                  JOIN account_move_line cl ON cl.id = p.credit_move_id
                  JOIN account_move cm ON cm.id = cl.move_id
                  JOIN account_journal j ON j.id = cm.journal_id
             LEFT JOIN LATERAL (
                       SELECT SUM(wl.balance) AS writeoff
                         FROM account_move_line wl
                        WHERE wl.move_id = cm.id AND wl.munipay_discount_order_id = o.id AND wl.balance > 0
                       ) w ON TRUE
                 WHERE cm.origin_payment_id IS NOT NULL
                    OR cm.statement_line_id IS NOT NULL
                    OR cm.munipay_payment_channel IS NOT NULL
              GROUP BY cm.id, o.id, j.type
            )
        """)
