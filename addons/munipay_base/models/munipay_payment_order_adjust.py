from odoo import _, models, Command
from odoo.exceptions import UserError


class MunipayPaymentOrder(models.Model):
    """munipay's own adjusting entries: the rest written off once the amount due
    was received, joint debts settled once, and taking such entries back."""
    _inherit = 'munipay.payment.order'

    def _munipay_write_off_rest(self):
        """An order that received the amount due on the day its money came is settled
        in full: write off what its items still hold (the early payment discount
        when a bank paid the reduced amount, a surcharge booked after that day)."""
        todo = self.filtered(lambda o: o.state == 'issued' and o.currency_id.compare_amounts(o.amount_residual, 0) > 0
                             and o._munipay_money_covers_due())
        for order in todo:
            money_date = order._munipay_settlement()['date']
            discount_account = order.company_id._munipay_get('munipay_discount_account_id')
            vals = []
            for line in order._munipay_open_lines():
                vals += [
                    Command.create({'name': _("Settled with the amount due: %s", order.name),
                                    'partner_id': line.partner_id.id, 'account_id': line.account_id.id,
                                    'credit': line.amount_residual, 'munipay_reversed_line_id': line.id}),
                    Command.create({'name': _("Early payment discount %s", order.name) if not line.munipay_surcharge
                                    else _("Late payment surcharge given back %s", order.name),
                                    'partner_id': line.partner_id.id,
                                    'account_id': (order._munipay_surcharge_account() if line.munipay_surcharge
                                                   else discount_account).id,
                                    'debit': line.amount_residual, 'munipay_discount_order_id': order.id}),
                ]
            move = self.env['account.move'].sudo().create({
                'move_type': 'entry',
                'journal_id': order.company_id._munipay_get('munipay_journal_id').id,
                'company_id': order.company_id.id,
                'date': money_date,
                'ref': _("Amount due of %s reached", order.name),
                'line_ids': vals,
            })
            move._post(soft=False)
            move.line_ids._munipay_reconcile_with_originals()

    def _munipay_undo_unjustified_write_offs(self):
        """The rest written off because the amount due had been received goes when
        that money goes (the payment was unreconciled, reversed, reset)."""
        for order in self.filtered(lambda o: o.state == 'issued'):
            partials = order.ledger_line_ids.matched_credit_ids.filtered(
                lambda p: p.credit_move_id.munipay_reversed_line_id and not p.credit_move_id.move_id._munipay_is_money())
            if partials and not order._munipay_money_covers_due():
                partials.unlink()  # the adjustment is taken back (see account.partial.reconcile)

    def _munipay_take_back_adjustments(self, adjustment_lines):
        """Book the mirror of munipay's adjustments whose receivable items were just
        unreconciled from the order, so that the ledger and the order agree again:
        a credit note of the order's invoice is reversed, a line of a shared
        entry (batch cancellation, write-off) is mirrored for this order only."""
        self.ensure_one()
        credit_notes = adjustment_lines.move_id.filtered(lambda m: m.move_type == 'out_refund')
        for credit_note in credit_notes:
            credit_note._reverse_moves([{'ref': _("Reopened: %s", self.name),
                                         'date': max(credit_note.date, self._munipay_today()),
                                         'invoice_date': max(credit_note.date, self._munipay_today())}], cancel=True)
        lines = adjustment_lines.filtered(lambda l: l.move_id not in credit_notes and not l.reconciled)
        if not lines:
            return
        own = lines | lines.move_id.line_ids.filtered(lambda l: l.munipay_discount_order_id == self)
        vals = [Command.create({
            'name': _("Taken back: %s", line.name or self.name),
            'partner_id': line.partner_id.id,
            'account_id': line.account_id.id,
            'debit': line.credit,
            'credit': line.debit,
            'munipay_reversed_line_id': line.id if line in lines else False,
        }) for line in own]
        move = self.env['account.move'].sudo().create({
            'move_type': 'entry',
            'journal_id': self.company_id._munipay_get('munipay_journal_id').id,
            'company_id': self.company_id.id,
            'date': max(lines.move_id.mapped('date') + [self._munipay_today()]),
            'ref': _("Reopened: %s", self.name),
            'line_ids': vals,
        })
        move._post(soft=False)
        move.line_ids._munipay_reconcile_with_originals()

    # ------------------------------------------------------------------ joint debtors

    def _munipay_settle_joint_debtors(self):
        """One debt, one payment: the other orders of a paid order's joint group are
        cancelled; money that reached them too is taken off and kept to refund."""
        handled = self.browse()
        for order in self.sorted(lambda o: (o.date_paid, o.id)):
            if order in handled or order.state != 'paid':
                continue
            others = order.joint_order_ids.filtered(lambda o: o.state in ('draft', 'issued', 'paid'))
            handled |= order | others
            for other in others:
                reason = _("Paid by joint debtor %(payer)s (order %(order)s).",
                           payer=order.partner_id.display_name, order=order.name)
                other._munipay_detach_money(reason)
                other.write({'joint_cancelled_by_id': order.id})
                other._munipay_cancel(reason, force=True)

    def _munipay_detach_money(self, reason):
        """Take the money off an order that can no longer take it: its payments stay
        as open credits on the payer, flagged to refund."""
        self.ensure_one()
        partials = self.ledger_line_ids.matched_credit_ids.filtered(
            lambda p: p.credit_move_id.move_id._munipay_is_money())
        if not partials:
            return
        money_lines = partials.credit_move_id
        if self.state == 'paid':
            self.write({'state': 'issued', 'date_paid': False})  # so that reopening is not taken for a reversal
        partials.unlink()
        self._munipay_undo_unjustified_write_offs()
        self._munipay_flag_refund(money_lines, _("%(reason)s The money it received is kept as a credit on the "
                                                 "payer to refund.", reason=reason))

    def _munipay_restore_cancelled(self):
        """Joint debtors' orders cancelled because of a payment that was undone: take
        their cancellation off the ledger, they are open again; money of theirs that
        was kept to refund settles them again."""
        for order in self:
            order.ledger_line_ids.matched_credit_ids.unlink()  # the cancellation is taken back, the order reopens
            order.message_post(body=_("The payment that cancelled this order was undone: it is open again."))
            kept = order.refund_line_ids.filtered(lambda l: l.parent_state == 'posted' and not l.reconciled)
            open_lines = order._munipay_open_lines()
            if kept and open_lines and order.state == 'issued':
                (kept | open_lines).reconcile()

    def _munipay_check_reopenable(self):
        """A joint debtor's order cancelled because the other paid stays cancelled
        while that payment stands."""
        for order in self.filtered(lambda o: o.state in ('cancelled', 'expired')):
            payer = order.joint_order_ids.filtered(lambda o: o.state == 'paid')[:1]
            if payer:
                raise UserError(_("Order %(order)s was cancelled because joint debtor %(payer)s paid it "
                                  "(order %(paid)s): undo that payment instead.",
                                  order=order.name, payer=payer.partner_id.display_name, paid=payer.name))
