from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError


def _group_by_date(matches):
    by_date = defaultdict(list)
    for order, st_line, _note in matches:
        by_date[st_line._munipay_value_date()].append(order)
    return by_date


class MunipayPaymentOrder(models.Model):
    _inherit = 'munipay.payment.order'

    def _munipay_settle_statement_line(self, st_line, note=None):
        """The bank channel: the statement line's counterpart becomes the payer's
        receivable, reconciled with this order's own items, exactly as an accountant
        matches it in a reconciliation screen. The amount is judged on the value
        date (discount window, surcharge steps); what cannot settle the order stays
        a credit on the payer, flagged."""
        self.ensure_one()
        self._munipay_settle_statement_lines([(self, st_line, note)])

    @api.model
    def _munipay_settle_statement_lines(self, matches):
        """:meth:`_munipay_settle_statement_line` for many ``(order, line, note)`` at
        once: one lock, one reconciliation, one synchronisation of the orders."""
        orders = self.browse().union(*(order for order, _line, _note in matches)).sudo()
        if not orders:
            return
        available = orders._munipay_lock_available()
        if available != orders:
            # an officer or another channel is paying some of these orders right now:
            # their lines stay open for the matching job's next run, which then sees
            # the orders as they are after that payment
            matches = [match for match in matches if match[0] in available]
            orders = available
            self.env.ref('munipay_bank.ir_cron_munipay_bank_match')._trigger(
                fields.Datetime.now() + timedelta(minutes=1))
            if not orders:
                return
        st_lines = self.env['account.bank.statement.line'].union(*(line for _order, line, _note in matches)).sudo()
        # the records come one by one: read them as one batch (one query per field,
        # not one per line)
        matches = [(order.sudo().with_prefetch(orders._prefetch_ids), line.sudo().with_prefetch(st_lines._prefetch_ids),
                    note) for order, line, note in matches]
        for date, dated in _group_by_date(matches).items():
            self.browse().union(*dated).sudo().filtered(lambda o: o.state == 'issued')._munipay_book_surcharge(date)
        by_account = defaultdict(lambda: self.env['account.move.line'])
        by_partner = defaultdict(lambda: self.env['account.move.line'])
        booked = []
        for order, st_line, note in matches:
            _liquidity, suspense, _other = st_line.with_context(skip_account_move_synchronization=True)._seek_for_lines()
            if len(suspense) != 1:
                raise UserError(_("Statement line %s is already reconciled.", st_line.display_name))
            partner = order.partner_id.commercial_partner_id
            by_account[order.receivable_line_id.account_id] |= suspense
            by_partner[partner] |= suspense
            booked.append((order, st_line, note, suspense, partner))
        # the account in one write per account; the payers (one each) after it
        all_counterparts = self.env['account.move.line'].union(*by_account.values())
        with all_counterparts._munipay_analytic_unchanged():
            for account, lines in by_account.items():
                lines.with_prefetch(all_counterparts._prefetch_ids)._munipay_rebook_counterpart(account)
            for partner, lines in by_partner.items():
                lines.with_prefetch(all_counterparts._prefetch_ids)._munipay_rebook_counterpart(partner=partner)
        plan, credits = [], []
        for order, st_line, note, suspense, partner in booked:
            st_line.with_context(skip_account_move_synchronization=True).write({
                'partner_id': st_line.partner_id.id or partner.id,
                'munipay_order_id': order.id,
                'munipay_match_note': (note or '')[:250],
                'munipay_match_state': 'order' if order.state == 'issued' else 'credit',
            })
            if order.state == 'issued':
                plan.append(suspense | order._munipay_open_lines())
            else:
                credits.append((order, suspense, st_line))
        if plan:
            # an order's entry may be a batch entry of thousands of items: nothing of it
            # changes but reconciliation, so Odoo's invoice synchronisation is skipped
            self.env['account.move.line'].with_context(skip_invoice_sync=True)._reconcile_plan(plan)
            for order, st_line, _note, suspense, _partner in booked:
                if st_line.munipay_match_state != 'order' or suspense.matched_debit_ids:
                    continue
                # nothing of this money reached the order: another line of this batch paid it
                # (the same transfer twice) or its joint debtor's (then it is flagged already)
                st_line.with_context(skip_account_move_synchronization=True).munipay_match_state = 'credit'
                if suspense not in order.refund_line_ids:
                    credits.append((order, suspense, st_line))
        for order, suspense, st_line in credits:
            order._munipay_flag_refund(suspense, _(
                "A bank transfer of %(amount)s (%(line)s) arrived for this order, which is %(state)s: it is kept "
                "as a credit on the payer to refund.", amount=order.currency_id.format(st_line.amount),
                line=st_line.payment_ref or st_line.display_name, state=order._munipay_state_label()))

    def _munipay_refund_statement_line(self, st_line):
        """Is the outgoing transfer ``st_line`` the refund of this order's credit? The
        refund payment registered in Odoo (waiting on its outstanding account for its
        bank line) or, sent from the bank's own portal, the flagged credit itself: then
        the line is reconciled with it, as an accountant would, and the order stays as
        it is. Returns whether it was one."""
        self.ensure_one()
        order = self.sudo()
        currency = st_line.company_id.currency_id
        # the payments that refunded the order's credits, from this bank account
        payments = order.refund_line_ids.matched_debit_ids.debit_move_id.move_id.origin_payment_id.filtered(
            lambda p: p.payment_type == 'outbound' and p.journal_id == st_line.journal_id)
        sent = payments.move_id.line_ids.filtered(
            lambda l: l.account_id == l.move_id.origin_payment_id.outstanding_account_id)
        item = (sent | order.refund_line_ids).filtered(
            lambda l: l.parent_state == 'posted' and not l.reconciled
            and not currency.compare_amounts(l.amount_residual, st_line.amount))[:1]
        if not item:
            return False
        self._munipay_lock()
        _liquidity, suspense, _other = st_line.with_context(skip_account_move_synchronization=True)._seek_for_lines()
        if len(suspense) != 1:
            raise UserError(_("Statement line %s is already reconciled.", st_line.display_name))
        suspense._munipay_rebook_counterpart(item.account_id, item.partner_id)
        st_line.with_context(skip_account_move_synchronization=True).write({
            'partner_id': st_line.partner_id.id or item.partner_id.id, 'munipay_order_id': order.id,
            'munipay_match_state': 'refund', 'munipay_match_note': _("Refunds the credit of %s", order.name)[:250],
        })
        (suspense | item).with_context(skip_invoice_sync=True).reconcile()
        return True

    def _munipay_return_statement_line(self, st_line, original):
        """The bank returned the transfer whose counterpart is ``original``: take that
        payment off the order (it reopens, its receipt is voided) and reconcile the
        return with it."""
        self.ensure_one()
        self._munipay_lock()
        order = self.sudo()
        _liquidity, suspense, _other = st_line.with_context(skip_account_move_synchronization=True)._seek_for_lines()
        if len(suspense) != 1:
            raise UserError(_("Statement line %s is already reconciled.", st_line.display_name))
        suspense.with_context(skip_account_move_synchronization=True).write({
            'account_id': original.account_id.id, 'partner_id': original.partner_id.id})
        st_line.with_context(skip_account_move_synchronization=True).write({
            'partner_id': original.partner_id.id, 'munipay_order_id': order.id, 'munipay_match_state': 'return',
            'munipay_match_note': _("Returns %s", original.move_id.statement_line_id.payment_ref or original.move_id.name)[:250],
        })
        order.ledger_line_ids.matched_credit_ids.filtered(lambda p: p.credit_move_id == original).unlink()
        (suspense | original).with_context(skip_invoice_sync=True).reconcile()
        if not original.reconciled and order.state == 'issued':
            # part of the money came back: what stays is still paid on the order
            (original | order._munipay_open_lines()).with_context(skip_invoice_sync=True).reconcile()
        order.message_post(body=_("The bank returned %(amount)s of the payment %(payment)s: the order is open again.",
                                  amount=order.currency_id.format(-st_line.amount),
                                  payment=original.move_id.statement_line_id.payment_ref or original.move_id.name))

    def _munipay_settle_suspense_item(self, item):
        """Move an unmatched payment from the suspense account to this order, in one
        entry dated on the day the money came (it counts as bank money)."""
        self.ensure_one()
        self._munipay_lock()
        order = self.sudo()
        item = item.sudo()
        amount = -item.amount_residual
        if not item.munipay_suspense or item.reconciled or order.currency_id.compare_amounts(amount, 0) <= 0:
            raise UserError(_("This unmatched payment has already been assigned or returned."))
        if self.env['account.payment'].sudo().search_count([('munipay_suspense_line_id', '=', item.id),
                                                            ('state', '!=', 'canceled')]):
            raise UserError(_("A return of this payment to its sender is prepared: cancel it before assigning "
                              "the payment to an order."))
        if item.company_id != order.company_id:
            raise UserError(_("The payment and order %s belong to different companies.", order.name))
        if order.state == 'issued':
            order._munipay_book_surcharge(item.move_id.statement_line_id._munipay_value_date())
        partner = order.partner_id.commercial_partner_id
        receivable = order.receivable_line_id.account_id
        move = self.env['account.move'].sudo().create({
            'move_type': 'entry',
            'journal_id': item.journal_id.id,
            'company_id': order.company_id.id,
            'date': item.date,
            'ref': _("Unmatched payment assigned to %s", order.name),
            'munipay_payment_channel': 'bank',
            'line_ids': [
                (0, 0, {'name': item.name, 'account_id': item.account_id.id, 'partner_id': item.partner_id.id,
                        'debit': amount}),
                (0, 0, {'name': _("Payment of %s", order.name), 'account_id': receivable.id,
                        'partner_id': partner.id, 'credit': amount}),
            ],
        })
        move._post(soft=False)
        (move.line_ids.filtered(lambda l: l.account_id == item.account_id) | item).reconcile()
        credit = move.line_ids.filtered(lambda l: l.account_id == receivable)
        if order.state == 'issued':
            (credit | order._munipay_open_lines()).reconcile()
        else:
            order._munipay_flag_refund(credit, _(
                "An unmatched payment of %(amount)s was assigned to this order, which is %(state)s: it is kept as "
                "a credit on the payer to refund.", amount=order.currency_id.format(amount),
                state=order._munipay_state_label()))
        item.move_id.activity_ids.action_feedback(feedback=_("Assigned to %s.", order.name))
        return move
