from odoo import api, fields, models
from odoo.tools import SQL


class MunipaySuspenseReport(models.Model):
    """The unmatched payments account as of a date (``munipay_as_of`` in the
    context, else today): one row per journal item on it up to that day, with
    what each still held open on that day. Summed, the rows give the account's
    balance, and so do the open amounts of the open items (a reconciliation counts
    from the later of its two items' dates)."""
    _name = 'munipay.suspense.report'
    _description = "Unmatched Payments Balance"
    _auto = False
    _order = 'date desc, id desc'
    _depends = {
        'account.move.line': ['account_id', 'balance', 'amount_currency', 'currency_id', 'date', 'parent_state',
                              'partner_id', 'name', 'munipay_suspense', 'move_id', 'company_id', 'journal_id'],
        'account.partial.reconcile': ['amount', 'max_date', 'debit_move_id', 'credit_move_id'],
        'account.move': ['statement_line_id', 'origin_payment_id', 'munipay_payment_channel', 'ref'],
        'account.bank.statement.line': ['partner_name', 'account_number', 'payment_ref', 'munipay_value_date'],
        'res.company': ['munipay_suspense_account_id'],
    }

    date = fields.Date(readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', string="Currency", readonly=True)
    account_id = fields.Many2one('account.account', string="Account", readonly=True)
    journal_id = fields.Many2one('account.journal', readonly=True)
    move_id = fields.Many2one('account.move', string="Journal Entry", readonly=True)
    line_id = fields.Many2one('account.move.line', string="Journal Item", readonly=True)
    kind = fields.Selection([
        ('received', "Unmatched payment received"),
        ('assigned', "Assigned to a payment order"),
        ('returned', "Returned to the sender"),
        ('other', "Other entry"),
    ], readonly=True)
    partner_id = fields.Many2one('res.partner', string="Payer", readonly=True)
    payer_name = fields.Char(string="Payer Name", readonly=True, help="The payer's name as the bank gave it.")
    payer_account = fields.Char(string="Payer IBAN", readonly=True)
    reference = fields.Char(readonly=True)
    statement_date = fields.Date(readonly=True)
    value_date = fields.Date(readonly=True)
    age = fields.Integer(string="Age (Days)", readonly=True, aggregator='max',
                         help="Days from the journal item's date to the report's date.")
    balance = fields.Monetary(string="Amount", readonly=True,
                              help="Credit minus debit: money received is positive, what assigned or returned it negative.")
    amount_open = fields.Monetary(string="Open Amount", readonly=True,
                                  help="What the item still held on the report's date.")
    transaction_currency_id = fields.Many2one('res.currency', string="Transfer Currency", readonly=True)
    amount_currency = fields.Monetary(string="Amount in Transfer Currency", readonly=True,
                                      currency_field='transaction_currency_id')

    @api.model
    def _as_of(self):
        return fields.Date.to_date(self.env.context.get('munipay_as_of')) or fields.Date.context_today(self)

    @property
    def _table_query(self):
        return SQL("""
            SELECT l.id AS id,
                   l.id AS line_id,
                   l.date AS date,
                   l.company_id AS company_id,
                   l.company_currency_id AS currency_id,
                   l.account_id AS account_id,
                   l.journal_id AS journal_id,
                   l.move_id AS move_id,
                   CASE WHEN l.munipay_suspense THEN 'received'
                        WHEN m.origin_payment_id IS NOT NULL THEN 'returned'
                        WHEN m.munipay_payment_channel IS NOT NULL THEN 'assigned'
                        ELSE 'other' END AS kind,
                   COALESCE(l.partner_id, st.partner_id) AS partner_id,
                   st.partner_name AS payer_name,
                   st.account_number AS payer_account,
                   COALESCE(NULLIF(st.payment_ref, '/'), NULLIF(m.ref, ''), l.name) AS reference,
                   CASE WHEN st.id IS NOT NULL THEN m.date END AS statement_date,
                   CASE WHEN st.id IS NOT NULL THEN COALESCE(st.munipay_value_date, m.date) END AS value_date,
                   %(as_of)s - l.date AS age,
                   -l.balance AS balance,
                   -(l.balance
                     - COALESCE((SELECT SUM(p.amount) FROM account_partial_reconcile p
                                  WHERE p.debit_move_id = l.id AND p.max_date <= %(as_of)s), 0)
                     + COALESCE((SELECT SUM(p.amount) FROM account_partial_reconcile p
                                  WHERE p.credit_move_id = l.id AND p.max_date <= %(as_of)s), 0)) AS amount_open,
                   l.currency_id AS transaction_currency_id,
                   -l.amount_currency AS amount_currency
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
         LEFT JOIN account_bank_statement_line st ON st.id = m.statement_line_id
             WHERE l.parent_state = 'posted'
               AND l.date <= %(as_of)s
               AND l.account_id IN (SELECT c.munipay_suspense_account_id FROM res_company c
                                     WHERE c.munipay_suspense_account_id IS NOT NULL
                                    UNION
                                    SELECT s.account_id FROM account_move_line s WHERE s.munipay_suspense)
        """, as_of=self._as_of())
