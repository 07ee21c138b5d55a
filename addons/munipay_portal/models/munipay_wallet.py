from odoo import _, fields, models
from odoo.tools import float_is_zero

# a wallet's journal items, newest first, each with the balance it left
HISTORY_QUERY = """
    SELECT id, running FROM (
        SELECT aml.id, aml.date, SUM(-aml.balance) OVER (ORDER BY aml.date, aml.id) AS running
          FROM account_move_line aml
         WHERE aml.munipay_wallet_id = %s AND aml.parent_state = 'posted'
    ) history
    ORDER BY date DESC, id DESC
    LIMIT %s OFFSET %s
"""


class MunipayWallet(models.Model):
    _inherit = 'munipay.wallet'

    transaction_ids = fields.One2many('payment.transaction', 'munipay_wallet_id', string="Online Top-ups",
                                      readonly=True, groups='account.group_account_invoice')

    # ------------------------------------------------------------------ top-up limits

    def _munipay_topup_error(self, amount):
        """Why ``amount`` cannot top the wallet up online, or False."""
        self.ensure_one()
        currency = self.currency_id
        if not self.active:
            return _("Wallet %s is closed: it cannot be topped up.", self.pan)
        minimum, maximum = self._munipay_topup_limits()
        if amount is None:
            return _("Enter the amount to top up.")
        if not float_is_zero(amount - currency.round(amount), precision_digits=6):
            return _("The amount has more decimals than %s allows.", currency.name)
        if currency.compare_amounts(amount, minimum) < 0:
            return _("A top-up of %(service)s is at least %(min)s.", service=self.sudo().service_fee_type_id.name,
                     min=currency.format(minimum))
        if maximum and currency.compare_amounts(amount, maximum) > 0:
            return _("A top-up of %(service)s is at most %(max)s.", service=self.sudo().service_fee_type_id.name,
                     max=currency.format(maximum))
        return False

    def _munipay_personal_data_allowed(self):
        """May a payment provider learn who tops the wallet up?"""
        return all(wallet.service_fee_type_id.portal_personal_data for wallet in self.sudo())

    # ------------------------------------------------------------------ history

    def _munipay_history_count(self):
        self.ensure_one()
        return self.env['account.move.line'].sudo().search_count(
            [('munipay_wallet_id', '=', self.id), ('parent_state', '=', 'posted')])

    def _munipay_history(self, limit, offset=0):
        """[{'line', 'kind', 'amount', 'balance'}], newest first: each top-up and use
        of the wallet with the balance it left (read from the journal items)."""
        self.ensure_one()
        self.env['account.move.line'].flush_model(['munipay_wallet_id', 'parent_state', 'balance', 'date'])
        self.env.cr.execute(HISTORY_QUERY, [self.id, limit, offset])
        rows = self.env.cr.fetchall()
        lines = self.env['account.move.line'].sudo().browse([row[0] for row in rows])
        currency = self.currency_id
        return [{
            'line': line,
            'kind': 'topup' if currency.compare_amounts(line.credit, 0.0) > 0 else 'use',
            'amount': currency.round(abs(line.balance)),
            'balance': currency.round(running),
        } for line, (_id, running) in zip(lines, rows)]
