from odoo import api, fields, models
from odoo.tools import SQL

# (age key, its amount column, the last day past due it holds); the keys sort in this order
AGE_BUCKETS = [
    ('0_not_due', 'amount_not_due', 0),
    ('1_30', 'amount_1_30', 30),
    ('2_60', 'amount_31_60', 60),
    ('3_90', 'amount_61_90', 90),
    ('4_180', 'amount_91_180', 180),
    ('5_older', 'amount_older', None),
]


class MunipayReceivableAgeReport(models.Model):
    """What payers still owe on their payment orders, by days past the due date,
    read from the orders' own receivable journal items (Odoo Community has no
    aged receivable report). One row per open order."""
    _name = 'munipay.receivable.age.report'
    _description = "Open Receivables of Payment Orders by Age"
    _auto = False
    _order = 'date_due, id'
    _depends = {
        'account.move.line': ['munipay_order_id', 'amount_residual', 'parent_state'],
        'munipay.payment.order': ['company_id', 'currency_id', 'fee_type_id', 'partner_id', 'state',
                                  'date_issue', 'date_due'],
    }

    order_id = fields.Many2one('munipay.payment.order', string="Payment Order", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    fee_type_id = fields.Many2one('munipay.fee.type', string="Fee Type", readonly=True)
    partner_id = fields.Many2one('res.partner', string="Payer", readonly=True)
    state = fields.Selection(
        [('draft', "Draft"), ('issued', "Issued"), ('paid', "Paid"), ('cancelled', "Cancelled"), ('expired', "Expired")],
        readonly=True)
    date_issue = fields.Date(string="Issue Date", readonly=True)
    date_due = fields.Date(string="Due Date", readonly=True)
    days_overdue = fields.Integer(string="Days Past Due", readonly=True, aggregator='max')
    age = fields.Selection([
        ('0_not_due', "Not yet due"),
        ('1_30', "1–30 days"),
        ('2_60', "31–60 days"),
        ('3_90', "61–90 days"),
        ('4_180', "91–180 days"),
        ('5_older', "Over 180 days"),
    ], string="Age", readonly=True, group_expand=True)
    amount_residual = fields.Monetary(string="Open", readonly=True,
                                      help="What is still open on the order's receivable journal items.")
    amount_not_due = fields.Monetary(string="Not Yet Due", readonly=True)
    amount_1_30 = fields.Monetary(string="1–30", readonly=True)
    amount_31_60 = fields.Monetary(string="31–60", readonly=True)
    amount_61_90 = fields.Monetary(string="61–90", readonly=True)
    amount_91_180 = fields.Monetary(string="91–180", readonly=True)
    amount_older = fields.Monetary(string="Older", readonly=True)

    @api.model
    def _as_of(self):
        return fields.Date.to_date(self.env.context.get('munipay_as_of')) or fields.Date.context_today(self)

    @property
    def _table_query(self):
        today = self._as_of()
        age = SQL("CASE %s END", SQL(" ").join(
            SQL("WHEN o.date_due IS NULL OR %s - o.date_due <= %s THEN %s", today, days, key)
            if days is not None else SQL("ELSE %s", key)
            for key, _column, days in AGE_BUCKETS))
        columns = SQL(", ").join(
            SQL("CASE WHEN a.age = %s THEN r.residual ELSE 0 END AS %s", key, SQL.identifier(column))
            for key, column, _days in AGE_BUCKETS)
        return SQL("""
            SELECT o.id AS id,
                   o.id AS order_id,
                   o.company_id AS company_id,
                   o.currency_id AS currency_id,
                   o.fee_type_id AS fee_type_id,
                   o.partner_id AS partner_id,
                   o.state AS state,
                   o.date_issue AS date_issue,
                   o.date_due AS date_due,
                   GREATEST(%(today)s - o.date_due, 0) AS days_overdue,
                   a.age AS age,
                   r.residual AS amount_residual,
                   %(columns)s
              FROM munipay_payment_order o
              JOIN (SELECT l.munipay_order_id, SUM(l.amount_residual) AS residual
                      FROM account_move_line l
                     WHERE l.munipay_order_id IS NOT NULL AND l.parent_state = 'posted'
                  GROUP BY l.munipay_order_id) r ON r.munipay_order_id = o.id
              CROSS JOIN LATERAL (SELECT %(age)s AS age) a
             WHERE r.residual <> 0
        """, today=today, age=age, columns=columns)
