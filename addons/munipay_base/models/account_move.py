from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import frozendict


class AccountMove(models.Model):
    _inherit = 'account.move'

    munipay_payment_channel = fields.Char(
        copy=False, readonly=True,
        help="Set by a munipay channel (cash desk, pagoPA...) on the entries that move money: "
             "reconciling them with an order counts as a payment.")

    # ------------------------------------------------------------------ protection

    def _munipay_check_not_order_entry(self):
        """An entry carrying payment orders' receivables changes only through the orders."""
        if self.env.su:
            return
        orders = self.sudo().line_ids.munipay_order_id
        if orders:
            raise UserError(_("Entry %(move)s carries payment order %(order)s: cancel or refund the order from "
                              "munipay instead of changing its entry.",
                              move=self[:1].display_name, order=orders[:1].name))

    def button_draft(self):
        self._munipay_check_not_order_entry()
        return super().button_draft()

    def button_cancel(self):
        self._munipay_check_not_order_entry()
        return super().button_cancel()

    def unlink(self):
        self._munipay_check_not_order_entry()
        return super().unlink()

    # ------------------------------------------------------------------ money

    def _munipay_is_money(self):
        """Does this entry bring money (a payment, a bank statement line, a channel's receipt)?"""
        self.ensure_one()
        return bool(self.origin_payment_id or self.statement_line_id or self.munipay_payment_channel)

    def _munipay_writeoff_for(self, order, allocated):
        """What this money entry wrote off (debit lines that are neither money nor
        receivable: a discount, a bank fee) for ``order``, of which ``allocated``
        settles the order's items."""
        self.ensure_one()
        if self.origin_payment_id:
            payment = self.origin_payment_id
            # Odoo finds the money line by the journal's accounts; a payment method without its
            # own outstanding account (the default of the localised charts) books the money on
            # the company's outstanding receipts account, which that lookup misses
            writeoffs = payment._seek_for_lines()[2].filtered(
                lambda l: l.account_id != payment.outstanding_account_id)
        elif self.statement_line_id:
            writeoffs = self.statement_line_id._seek_for_lines()[2].filtered(
                lambda l: l.account_id.account_type not in ('asset_receivable', 'liability_payable'))
        else:
            return 0.0
        writeoffs = writeoffs.filtered(lambda l: l.balance > 0)
        own = sum(writeoffs.filtered(lambda l: l.munipay_discount_order_id == order).mapped('balance'))
        shared = writeoffs.filtered(lambda l: not l.munipay_discount_order_id)
        if not shared:
            return own
        settled = self.line_ids.filtered(lambda l: l.account_id.account_type == 'asset_receivable').matched_debit_ids
        total = sum(settled.mapped('amount'))
        share = allocated / total if total else 1.0
        return own + order.currency_id.round(sum(shared.mapped('balance')) * share)

    # ------------------------------------------------------------------ early payment discount

    def _munipay_discount_items(self):
        """The order receivable items of this move that carry a discount window."""
        return self.line_ids.filtered(lambda l: l.munipay_order_id and l.discount_date and not l.munipay_surcharge)

    def _munipay_discount_lines(self):
        """The open discount items, narrowed to those being paid when the payment wizard says which."""
        lines = self._munipay_discount_items().filtered(lambda l: not l.reconciled)
        selected = self.env.context.get('munipay_epd_line_ids')
        if not selected and self.env.context.get('active_model') == 'account.move.line':
            selected = self.env.context.get('active_ids')
        return lines.filtered(lambda l: l.id in selected) if selected else lines

    def _is_eligible_for_early_payment_discount(self, currency, reference_date):
        if not self._munipay_discount_items():
            return super()._is_eligible_for_early_payment_discount(currency, reference_date)
        lines = self._munipay_discount_lines()
        return bool(lines) and self.currency_id == currency and all(
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
            # one discount item per order, tagged with it (but not one of its receivable items)
            key = frozendict({'account_id': account.id, 'munipay_discount_order_id': line.munipay_order_id.id})
            res['term_lines'][line] = {key: {
                'name': _("Early payment discount %s", line.munipay_order_id.name),
                'partner_id': line.partner_id.id,
                'currency_id': line.currency_id.id,
                'amount_currency': line.amount_currency - line.discount_amount_currency,
                'balance': line.balance - line.discount_balance,
            }}
        return res
