from odoo import _, models, Command
from odoo.exceptions import UserError


class MunipayPaymentOrder(models.Model):
    """Cancelling an order takes its open receivable off the ledger."""
    _inherit = 'munipay.payment.order'

    def action_cancel(self, reason=None):
        """Cancel the orders: reverse their receivable, log the reason."""
        self.check_access('write')
        return self.sudo()._munipay_cancel(reason or _("Cancelled by %s.", self.env.user.name))

    def action_open_cancel_wizard(self):
        """The form's Cancel button: ask the reason first."""
        self._munipay_check_cancellable()
        return {
            'name': _("Cancel Payment Order"),
            'type': 'ir.actions.act_window',
            'res_model': 'munipay.order.cancel',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_order_ids': self.ids},
        }

    def _munipay_check_cancellable(self):
        for order in self:
            if order.state == 'paid':
                raise UserError(_("Payment order %s is paid and cannot be cancelled: refund it instead.", order.name))
            if order.state in ('cancelled', 'expired'):
                raise UserError(_("Payment order %(name)s is already %(state)s.",
                                  name=order.name, state=order._munipay_state_label()))
            if order.state == 'issued' and order.ledger_line_ids.matched_credit_ids:
                raise UserError(_("Payment order %s is partly paid: refund the payment before cancelling it.", order.name))

    def _munipay_cancel(self, reason, state='cancelled', force=False):
        """Cancel; ``force`` also takes a partly paid order off the ledger (its money
        is taken off first and kept on the payer, to refund)."""
        orders = self.sudo()
        if force:
            orders.filtered(lambda o: o.state not in ('draft', 'issued'))._munipay_check_cancellable()
            for order in orders.filtered(lambda o: o.state == 'issued'):
                order._munipay_detach_money(reason)
        else:
            orders._munipay_check_cancellable()
        issued = orders.filtered(lambda o: o.state == 'issued')
        orders.write({'state': state, 'cancel_reason': reason, 'date_next_surcharge': False})
        issued._munipay_reverse_receivables(reason)
        for order in orders:
            order.message_post(body=reason)
        return True

    def _munipay_reverse_receivables(self, reason):
        """Take the orders' open receivables off the ledger: a credit note for an
        order's own invoice, a reversal entry for batch and surcharge items."""
        own_invoices = self.env['account.move']
        for order in self:
            move = order.move_id
            if move.move_type == 'out_invoice' and move.payment_state == 'not_paid' and move.state == 'posted':
                own_invoices |= move
        today = self._munipay_today()
        if own_invoices:
            credit_notes = own_invoices._reverse_moves(
                [{'ref': reason[:200], 'date': max(today, m.date), 'invoice_date': max(today, m.date)}
                 for m in own_invoices], cancel=True)
            for credit_note in credit_notes:
                # munipay's own cancellation: taken back if the accountant unreconciles it
                original = credit_note.reversed_entry_id.line_ids.filtered('munipay_order_id')
                credit_note.line_ids.filtered(lambda l: l.account_id == original.account_id).write(
                    {'munipay_reversed_line_id': original.id})
        for company, orders in self.grouped('company_id').items():
            orders._munipay_reverse_open_lines(company, reason, today)

    def _munipay_reverse_open_lines(self, company, reason, today):
        to_reverse = self._munipay_open_lines()
        if not to_reverse:
            return
        vals = []
        for line in to_reverse:
            order = line.munipay_order_id
            vals.append(Command.create({
                'name': _("Cancelled: %s", order.name),
                'partner_id': line.partner_id.id,
                'account_id': line.account_id.id,
                'credit': line.amount_residual,
                'munipay_reversed_line_id': line.id,
            }))
            if line.munipay_surcharge:
                vals.append(Command.create({'name': _("Cancelled surcharge: %s", order.name),
                                            'account_id': order._munipay_surcharge_account().id,
                                            'debit': line.amount_residual, 'munipay_discount_order_id': order.id}))
            elif order.currency_id.compare_amounts(line.amount_residual, line.balance) == 0:
                for order_line in order.line_ids:
                    vals.append(Command.create({'name': _("Cancelled: %s", order.name),
                                                'account_id': order_line._munipay_income_account().id,
                                                'debit': order_line.amount, 'munipay_discount_order_id': order.id}))
            else:  # partly settled: the rest comes off the order's main income
                main = order.line_ids.filtered(lambda l: not l.is_cost)[:1] or order.line_ids[:1]
                vals.append(Command.create({'name': _("Cancelled: %s", order.name),
                                            'account_id': main._munipay_income_account().id,
                                            'debit': line.amount_residual, 'munipay_discount_order_id': order.id}))
        move = self.env['account.move'].sudo().create({
            'move_type': 'entry',
            'journal_id': company._munipay_get('munipay_journal_id').id,
            'company_id': company.id,
            'date': today,
            'ref': reason[:200],
            'line_ids': vals,
        })
        move._post(soft=False)
        move.line_ids._munipay_reconcile_with_originals()
