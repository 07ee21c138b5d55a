from odoo import _, api, fields, models


class MunipayPaymentOrder(models.Model):
    """The order follows its journal items: what settled them, and with what."""
    _inherit = 'munipay.payment.order'

    refund_line_ids = fields.Many2many(
        'account.move.line', 'munipay_order_refund_line_rel', 'order_id', 'line_id',
        string="Credits to Refund", readonly=True, copy=False,
        help="Money received for this order that it could not take: open credits on the payer.")
    needs_refund = fields.Boolean(
        string="Credit to Refund", compute='_compute_needs_refund', store=True, tracking=True,
        help="A payment arrived for an order that was no longer payable, or was taken off it; it waits "
             "as a credit on the payer until it is refunded or used.")
    amount_paid = fields.Monetary(
        string="Paid", compute='_compute_amount_paid',
        help="Money received for the order: payments, bank statement lines and channel receipts.")
    amount_written_off = fields.Monetary(
        string="Discounted, Credited or Written Off", compute='_compute_amount_paid',
        help="What settled the order's receivable without being money: an early payment discount, "
             "a surcharge given back, a credit note.")
    amount_surcharge = fields.Monetary(string="Late Payment Surcharge", compute='_compute_amount_paid')

    @api.depends('refund_line_ids.amount_residual', 'refund_line_ids.parent_state')
    def _compute_needs_refund(self):
        for order in self:
            order.needs_refund = any(
                line.parent_state == 'posted' and not line.company_currency_id.is_zero(line.amount_residual)
                for line in order.refund_line_ids)

    @api.depends('ledger_line_ids.amount_residual')
    def _compute_amount_paid(self):
        for order in self:
            settlement = order._munipay_settlement()
            order.amount_paid = settlement['money']
            order.amount_written_off = order.currency_id.round(order._munipay_amount_settled() - settlement['money'])
            order.amount_surcharge = sum(order.ledger_line_ids.filtered('munipay_surcharge').mapped('balance'))

    # ------------------------------------------------------------------ money

    def _munipay_settlement(self):
        """What settled the order's receivable items, by kind:

        - ``money``: what came through a payment, a bank statement line or a channel's
          entry, less what that entry wrote off for the order (a discount, a bank fee);
        - ``credits``: credit notes and write-off entries of accounting, which reduce the debt;
        - ``date``: the day of the last money.

        munipay's own adjustments (the rest written off once the amount due was
        received, a cancellation) are neither.
        """
        self.ensure_one()
        money, credits, last_date = 0.0, 0.0, False
        partials = self.ledger_line_ids.matched_credit_ids
        for move, move_partials in partials.grouped(lambda p: p.credit_move_id.move_id).items():
            allocated = sum(move_partials.mapped('amount'))
            if move._munipay_is_money():
                money += allocated - move._munipay_writeoff_for(self, allocated)
                money_date = move._munipay_money_date()
                last_date = max(last_date, money_date) if last_date else money_date
            elif not move_partials.credit_move_id.munipay_reversed_line_id:
                credits += allocated
        return {'money': self.currency_id.round(money), 'credits': self.currency_id.round(credits), 'date': last_date}

    def _munipay_money_received(self):
        """(money, date of the last money): see :meth:`_munipay_settlement`."""
        settlement = self._munipay_settlement()
        return settlement['money'], settlement['date']

    def _munipay_money_moves(self):
        """The entries that brought money to the order's items."""
        return self.ledger_line_ids.matched_credit_ids.credit_move_id.move_id.filtered(
            lambda m: m._munipay_is_money())

    def _munipay_money_covers_due(self, settlement=None):
        """Did money (with the credits that reduced the debt) reach the amount due
        on the day the money came?"""
        self.ensure_one()
        settlement = settlement or self._munipay_settlement()
        if not settlement['date'] or self.currency_id.compare_amounts(settlement['money'], 0.0) <= 0:
            return False
        due = self.get_amount_due(settlement['date'])
        return self.currency_id.compare_amounts(settlement['money'] + settlement['credits'], due) >= 0

    # ------------------------------------------------------------------ sync

    def _munipay_sync_payment_state(self, unreconciled=False):
        """Follow the ledger, both ways.

        An order whose money (with the credits that reduced it) covers the amount
        due on the day the money came is paid, and what its items still hold above
        it is written off; settled otherwise (a credit note, a write-off), it is
        cancelled. A paid order whose items reopen is issued again, the write-offs
        its money justified are undone and the joint debtors' orders its payment
        cancelled are restored; a cancelled order whose cancellation is
        ``unreconciled`` reopens.
        """
        orders = self.sudo().exists()
        if not orders:
            return
        orders.flush_recordset(['amount_residual'])
        orders._munipay_undo_unjustified_write_offs()
        orders._munipay_write_off_rest()
        settled = orders.filtered(lambda o: o.state == 'issued' and o.ledger_line_ids
                                  and o.currency_id.is_zero(o.amount_residual))
        paid = self.browse()
        for order in settled:
            settlement = order._munipay_settlement()
            if order._munipay_money_covers_due(settlement):
                order.write({'state': 'paid', 'date_paid': settlement['date']})
                paid |= order
            else:
                reason = _("Settled in accounting by a credit note or write-off: %(money)s received of %(due)s due.",
                           money=order.currency_id.format(settlement['money']),
                           due=order.currency_id.format(order.get_amount_due(settlement['date']) if settlement['date']
                                                        else order.amount_total))
                order.write({'state': 'cancelled', 'cancel_reason': reason, 'date_next_surcharge': False})
                order.message_post(body=reason)
        if paid:
            paid._munipay_settle_joint_debtors()
            paid = paid.filtered(lambda o: o.state == 'paid')
            paid._munipay_flag_overpayments()
            paid._munipay_on_paid()
        reopenable = ('paid', 'cancelled', 'expired') if unreconciled else ('paid',)
        reopened = orders.filtered(lambda o: o.state in reopenable and not o.currency_id.is_zero(o.amount_residual))
        if reopened:
            was_paid = reopened.filtered(lambda o: o.state == 'paid')
            reopened.write({'state': 'issued', 'date_paid': False, 'cancel_reason': False, 'joint_cancelled_by_id': False})
            for order in reopened:
                order.message_post(body=_("The order's receivable was reopened in accounting: it is open again."))
            if was_paid:
                was_paid._munipay_undo_unjustified_write_offs()
                was_paid._munipay_on_reopened()
                self.search([('joint_cancelled_by_id', 'in', was_paid.ids)])._munipay_restore_cancelled()
            reopened._munipay_update_next_surcharge()

    def _munipay_on_paid(self):
        """Hook: the orders have just been paid (munipay_documents issues their receipts)."""

    def _munipay_on_reopened(self):
        """Hook: paid orders whose payment was undone (munipay_documents voids their receipts)."""

    def _munipay_flag_overpayments(self):
        """What a payment brought above the order stays open on the payer: flag it."""
        # a channel's entry may carry the money of a whole batch: its open credits are
        # looked up once, not once per order it paid, and only those that went to this
        # order's items are this order's (another order's credit there is not)
        open_credits = {}
        for order in self:
            credits = self.env['account.move.line']
            for move in order._munipay_money_moves():
                if move not in open_credits:
                    open_credits[move] = move.line_ids.filtered(
                        lambda l: l.account_id.account_type == 'asset_receivable' and l.parent_state == 'posted'
                        and not l.reconciled and l.balance < 0)
                if move.origin_payment_id or move.statement_line_id:
                    credits |= open_credits[move]
                else:
                    credits |= open_credits[move].filtered(
                        lambda l: l.matched_debit_ids.debit_move_id & order.ledger_line_ids)
            credits -= order.refund_line_ids
            if credits:
                order._munipay_flag_refund(credits, _(
                    "The payment brought %(amount)s more than the order asked: it waits as a credit on the payer "
                    "to refund.", amount=order.currency_id.format(-sum(credits.mapped('amount_residual')))))
