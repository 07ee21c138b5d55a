from odoo import _, fields, models
from odoo.tools import frozendict


class AccountMove(models.Model):
    _inherit = 'account.move'

    munipay_payment_channel = fields.Char(
        copy=False, readonly=True,
        help="Set by a munipay channel (cash desk, pagoPA...) on the entries that move money: "
             "reconciling them with an order counts as a payment.")

    def _munipay_discount_items(self):
        """The order receivable items of this move that carry a discount window."""
        return self.line_ids.filtered(lambda l: l.munipay_order_id and l.discount_date and not l.munipay_surcharge)

    def _munipay_discount_lines(self):
        """The discount items, narrowed to those being paid when the payment wizard says which."""
        lines = self._munipay_discount_items()
        if self.env.context.get('active_model') == 'account.move.line' and self.env.context.get('active_ids'):
            selected = lines.filtered(lambda l: l.id in self.env.context['active_ids'])
            lines = selected or lines
        return lines

    def _is_eligible_for_early_payment_discount(self, currency, reference_date):
        lines = self._munipay_discount_lines()
        if not lines:
            return super()._is_eligible_for_early_payment_discount(currency, reference_date)
        return self.currency_id == currency and all(
            (not reference_date or reference_date <= line.discount_date)
            and not (line.sudo().matched_debit_ids + line.sudo().matched_credit_ids)
            for line in lines
        )

    def _get_invoice_counterpart_amls_for_early_payment_discount_per_payment_term_line(self):
        lines = self._munipay_discount_items()
        if not lines:
            return super()._get_invoice_counterpart_amls_for_early_payment_discount_per_payment_term_line()
        res = super()._get_invoice_counterpart_amls_for_early_payment_discount_per_payment_term_line()
        for line in lines:
            account = line.company_id._munipay_get('munipay_discount_account_id')
            # one discount item per order (the key keeps them apart when a payment covers several)
            res['term_lines'][line] = {frozendict({'account_id': account.id, 'munipay_order_id': line.munipay_order_id.id}): {
                'name': _("Early payment discount %s", line.munipay_order_id.name),
                'partner_id': line.partner_id.id,
                'currency_id': line.currency_id.id,
                'amount_currency': line.amount_currency - line.discount_amount_currency,
                'balance': line.balance - line.discount_balance,
            }}
        return res
