from odoo import _, api, fields, models, Command


class MunipayPaymentOrder(models.Model):
    """The order follows its journal items: what settled them, and with what."""
    _inherit = 'munipay.payment.order'

    refund_line_ids = fields.Many2many(
        'account.move.line', 'munipay_order_refund_line_rel', 'order_id', 'line_id',
        string="Credits to Refund", readonly=True, copy=False,
        help="Money received for this order that it could not take: open credits on the payer.")
    needs_refund = fields.Boolean(
        string="Credit to Refund", compute='_compute_needs_refund', store=True, tracking=True,
        help="A payment arrived for an order that was no longer payable; it waits as a credit on the payer "
             "until it is refunded or used.")
    amount_paid = fields.Monetary(
        string="Paid", compute='_compute_amount_paid',
        help="Money received for the order: payments, bank statement lines and channel receipts.")
    amount_written_off = fields.Monetary(
        string="Discounted or Written Off", compute='_compute_amount_paid',
        help="What settled the order's receivable without being money: an early payment discount, "
             "a surcharge given back, a credit note.")
    amount_surcharge = fields.Monetary(string="Late Payment Surcharge", compute='_compute_amount_paid')

    @api.depends('refund_line_ids.amount_residual')
    def _compute_needs_refund(self):
        for order in self:
            order.needs_refund = any(not line.currency_id.is_zero(line.amount_residual) if line.currency_id
                                     else line.amount_residual for line in order.refund_line_ids)

    @api.depends('ledger_line_ids.amount_residual')
    def _compute_amount_paid(self):
        for order in self:
            money, _date = order._munipay_money_received()
            order.amount_paid = money
            order.amount_written_off = order.currency_id.round(order._munipay_amount_settled() - money)
            order.amount_surcharge = sum(order.ledger_line_ids.filtered('munipay_surcharge').mapped('balance'))

    # ------------------------------------------------------------------ money

    def _munipay_money_received(self):
        """(money, date of the last money) that settled the order's receivable items.

        Money is what came through a payment, a bank statement line or a channel's
        entry, less what that entry wrote off for the order (a discount, a bank fee);
        credit notes and write-off entries are no money.
        """
        self.ensure_one()
        money, last_date = 0.0, False
        partials = self.ledger_line_ids.matched_credit_ids
        for move, move_partials in partials.grouped(lambda p: p.credit_move_id.move_id).items():
            if not move._munipay_is_money():
                continue
            allocated = sum(move_partials.mapped('amount'))
            money += allocated - move._munipay_writeoff_for(self, allocated)
            last_date = max(last_date, move.date) if last_date else move.date
        return self.currency_id.round(money), last_date

    def _munipay_money_moves(self):
        """The entries that brought money to the order's items."""
        return self.ledger_line_ids.matched_credit_ids.credit_move_id.move_id.filtered(
            lambda m: m._munipay_is_money())

    # ------------------------------------------------------------------ sync

    def _munipay_sync_payment_state(self, unreconciled=False):
        """Follow the ledger, both ways.

        An order whose money covers the amount due on the day the money came is
        paid (what the ledger still holds above it is written off); settled by
        less money (a credit note, a write-off), it is cancelled. A paid order
        whose items reopen is issued again, and the joint debtors' orders its
        payment cancelled are restored; a cancelled order whose credit is
        unreconciled reopens.
        """
        orders = self.sudo().exists()
        if not orders:
            return
        orders.flush_recordset(['amount_residual'])
        orders._munipay_write_off_rest()
        settled = orders.filtered(lambda o: o.state == 'issued' and o.ledger_line_ids
                                  and o.currency_id.is_zero(o.amount_residual))
        paid = self.browse()
        for order in settled:
            money, money_date = order._munipay_money_received()
            due = order.get_amount_due(money_date) if money_date else order.amount_total
            if money_date and order.currency_id.compare_amounts(money, due) >= 0:
                order.write({'state': 'paid', 'date_paid': money_date})
                paid |= order
            else:
                reason = _("Settled in accounting by a credit note or write-off: %(money)s received of %(due)s due.",
                           money=order.currency_id.format(money), due=order.currency_id.format(due))
                order.write({'state': 'cancelled', 'cancel_reason': reason})
                order.message_post(body=reason)
        if paid:
            paid._munipay_settle_joint_debtors()
            paid.filtered(lambda o: o.state == 'paid')._munipay_on_paid()
        reopenable = ('paid', 'cancelled', 'expired') if unreconciled else ('paid',)
        reopened = orders.filtered(lambda o: o.state in reopenable and not o.currency_id.is_zero(o.amount_residual))
        if reopened:
            was_paid = reopened.filtered(lambda o: o.state == 'paid')
            reopened.write({'state': 'issued', 'date_paid': False, 'cancel_reason': False, 'joint_cancelled_by_id': False})
            for order in reopened:
                order.message_post(body=_("The order's receivable was reopened in accounting: it is open again."))
            reopened._munipay_update_next_surcharge()
            if was_paid:
                was_paid._munipay_on_reopened()
                self.search([('joint_cancelled_by_id', 'in', was_paid.ids)])._munipay_restore_cancelled()

    def _munipay_on_paid(self):
        """Hook: the orders have just been paid (munipay_documents issues their receipts)."""

    def _munipay_on_reopened(self):
        """Hook: paid orders whose payment was undone (munipay_documents voids their receipts)."""

    def _munipay_write_off_rest(self):
        """An order that received the amount due on the day its money came is settled
        in full: write off what its items still hold (the early payment discount
        when a bank paid the reduced amount, a surcharge booked after that day)."""
        todo = {}
        for order in self.filtered(lambda o: o.state == 'issued' and o.currency_id.compare_amounts(o.amount_residual, 0) > 0):
            money, money_date = order._munipay_money_received()
            if money_date and order.currency_id.compare_amounts(money, order.get_amount_due(money_date)) >= 0:
                todo[order] = money_date
        for order, money_date in todo.items():
            open_lines = order._munipay_open_lines()
            discount_account = order.company_id._munipay_get('munipay_discount_account_id')
            vals = []
            for line in open_lines:
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
        money_lines = self.ledger_line_ids.matched_credit_ids.credit_move_id.filtered(
            lambda l: l.move_id._munipay_is_money())
        if not money_lines:
            return
        partials = self.ledger_line_ids.matched_credit_ids.filtered(lambda p: p.credit_move_id in money_lines)
        if self.state == 'paid':
            self.write({'state': 'issued', 'date_paid': False})  # so that reopening is not taken for a reversal
        partials.unlink()
        self._munipay_flag_refund(money_lines, _("%(reason)s The money it received is kept as a credit on the "
                                                 "payer to refund.", reason=reason))

    def _munipay_restore_cancelled(self):
        """Joint debtors' orders cancelled because of a payment that was undone: take
        their cancellation off the ledger, they are open again."""
        for order in self:
            cancelling = order.ledger_line_ids.matched_credit_ids.credit_move_id.move_id
            partials = order.ledger_line_ids.matched_credit_ids
            partials.unlink()  # the order reopens (see _munipay_sync_payment_state)
            for move in cancelling:
                move._reverse_moves([{'ref': _("Restored: %s", order.name), 'date': max(move.date, order._munipay_today())}],
                                    cancel=True)
            order.message_post(body=_("The payment that cancelled this order was undone: it is open again."))
