from collections import defaultdict

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class MunipayPaymentOrder(models.Model):
    """Collecting an order: the one method every channel calls, and Odoo's own wizard."""
    _inherit = 'munipay.payment.order'

    def _munipay_lock(self):
        """Take the rows of the orders and of their joint debtors' orders for this
        transaction (in id order, so two payers never deadlock), or tell the user
        someone else holds them."""
        orders = self | self.sudo().joint_order_ids
        if not orders:
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM munipay_payment_order WHERE id IN %s ORDER BY id FOR UPDATE NOWAIT",
                    [tuple(orders.ids)], log_exceptions=False)
        except psycopg2.errors.LockNotAvailable:
            raise UserError(_("Payment order %s is being paid through another channel right now; "
                              "try again in a moment.", ", ".join(self.mapped('name')))) from None
        orders.invalidate_recordset()

    def _munipay_lock_available(self):
        """Lock what no other transaction holds and return those orders: the ones
        whose whole joint group could be locked. A background job books these and
        leaves the others for its next run instead of failing the whole batch."""
        orders = self | self.sudo().joint_order_ids
        if not orders:
            return self
        self.env.cr.execute(
            "SELECT id FROM munipay_payment_order WHERE id IN %s ORDER BY id FOR UPDATE SKIP LOCKED",
            [tuple(orders.ids)])
        locked = {row[0] for row in self.env.cr.fetchall()}
        orders.invalidate_recordset()
        # the joint groups as they are now, read in one query (not one per order)
        names = {name for name in orders.sudo().mapped('joint_group') if name}
        groups = defaultdict(set)
        for member in self.sudo().search([('joint_group', 'in', list(names))]) if names else ():
            groups[member.joint_group].add(member.id)

        def available(order):
            group = order.sudo().joint_group
            return order.id in locked and (not group or groups[group] <= locked)
        return self.filtered(available)

    def _munipay_check_payable(self):
        for order in self:
            if order.state == 'paid':
                raise UserError(_("Payment order %s is already paid: it cannot be collected twice.", order.name))
            if order.state != 'issued':
                raise UserError(_("Payment order %(name)s is %(state)s and cannot be paid.",
                                  name=order.name, state=order._munipay_state_label()))

    def _munipay_open_lines(self):
        return self.ledger_line_ids.filtered(lambda l: not l.reconciled and l.parent_state == 'posted')

    def action_register_payment(self):
        """Open Odoo's own payment wizard on the order's open receivable items; the
        user comes back to the order afterwards."""
        self.check_access('write')
        self._munipay_check_payable()
        # opening the wizard books nothing: surcharge steps are booked by their daily
        # job on the day they start, or by a channel's payment (_munipay_pay)
        journal = self.company_id[:1].munipay_collection_journal_id
        return self._munipay_payment_wizard_action(
            _("Register Payment"), self.sudo()._munipay_open_lines(), ' '.join(self.mapped('payment_reference')),
            default_group_payment=True, **({'default_journal_id': journal.id} if journal else {}))

    @api.model
    def _munipay_payment_wizard_action(self, title, lines, communication, **context):
        """Odoo's own payment wizard on ``lines``; the user comes back to the order."""
        return {
            'name': title,
            'type': 'ir.actions.act_window',
            'res_model': 'account.payment.register',
            'view_mode': 'form',
            'target': 'new',
            'context': {
                'active_model': 'account.move.line',
                'active_ids': lines.ids,
                'default_communication': communication,
                'dont_redirect_to_payments': True,
                **context,
            },
        }

    def _munipay_pay(self, journal, amount=None, payment_date=None, memo=None, external=False):
        """Collect the order through ``journal``: the payment channels call this.

        The amount must be what is open on the payment date. ``external``
        payments (the money has already moved: pagoPA, a bank) are never refused:
        what cannot settle the order is kept as a credit to refund and flagged.
        Returns the posted account.payment records.
        """
        self.ensure_one()
        payment_date = fields.Date.to_date(payment_date) or self._munipay_today()
        if amount is not None and self.currency_id.compare_amounts(amount, 0.0) <= 0:
            raise UserError(_("A payment of %s must be positive.", self.name))
        if journal.company_id and journal.company_id not in self.company_id.parent_ids:
            raise UserError(_("Journal %(journal)s belongs to another company than order %(order)s.",
                              journal=journal.display_name, order=self.name))
        self._munipay_lock()
        order = self.sudo()
        if order.state != 'issued':
            if external and amount:
                return order._munipay_book_unexpected_payment(journal, amount, payment_date, memo)
            order._munipay_check_payable()
        order._munipay_book_surcharge(payment_date)
        due = order.get_amount_open(payment_date)
        amount = due if amount is None else order.currency_id.round(amount)
        if order.currency_id.compare_amounts(amount, 0.0) <= 0:
            raise UserError(_("A payment of %s must be positive.", order.name))
        cmp = order.currency_id.compare_amounts(amount, due)
        if cmp and not external:
            raise UserError(_("The amount due for %(order)s on %(date)s is %(due)s, not %(amount)s.",
                              order=order.name, date=payment_date,
                              due=order.currency_id.format(due), amount=order.currency_id.format(amount)))
        excess = order.currency_id.round(amount - due) if cmp > 0 else 0.0
        lines = order._munipay_open_lines()
        wizard = self.env['account.payment.register'].sudo().with_context(
            active_model='account.move.line', active_ids=lines.ids,
        ).create({
            'payment_date': payment_date,
            'journal_id': journal.id,
            'currency_id': order.currency_id.id,
            'amount': amount - excess,
            'communication': memo or order.payment_reference,
            'group_payment': True,
        })
        if not wizard.early_payment_discount_mode:
            # what the rules ask less than the ledger holds (a discount after a partial
            # payment, a surcharge booked after the payment date) is written off when
            # the order is synchronised with its ledger
            wizard.payment_difference_handling = 'open'
        if not wizard.can_edit_wizard:
            raise UserError(_("The open items of %s cannot be paid in one payment; register it from the order's "
                              "journal items.", order.name))
        payments = wizard._create_payments()
        if excess:
            payments |= order._munipay_book_unexpected_payment(journal, excess, payment_date, memo)
        return payments

    def _munipay_surcharge_account(self):
        self.ensure_one()
        fee_type = self.fee_type_id or self.line_ids.fee_type_id[:1]
        return self.company_id.munipay_surcharge_account_id or fee_type._get_income_account()

    def _munipay_book_unexpected_payment(self, journal, amount, payment_date, memo=None):
        """Money that arrived for an order that cannot take it: a credit on the payer,
        flagged for an officer."""
        self.ensure_one()
        payment = self.env['account.payment'].sudo().create({
            'payment_type': 'inbound',
            'partner_type': 'customer',
            'partner_id': self.partner_id.commercial_partner_id.id,
            'amount': amount,
            'date': payment_date,
            'journal_id': journal.id,
            'memo': memo or self.payment_reference,
            'company_id': self.company_id.id,
        })
        payment.action_post()
        credit_lines = payment.move_id.line_ids.filtered(
            lambda l: l.account_id.account_type == 'asset_receivable' and not l.reconciled)
        self._munipay_flag_refund(credit_lines, _(
            "A payment of %(amount)s arrived for this order, which is %(state)s; it is kept as a credit "
            "on the payer to refund (%(payment)s).",
            amount=self.currency_id.format(amount), state=self._munipay_state_label(), payment=payment.name))
        return payment

    def _munipay_flag_refund(self, credit_lines, body):
        """Keep ``credit_lines`` (open credits on the payer) as what the order must
        refund, and ask its officer to do it."""
        self.ensure_one()
        order = self.sudo()
        order.refund_line_ids = [fields.Command.link(line.id) for line in credit_lines]
        order.message_post(body=body)
        order.activity_schedule('mail.mail_activity_data_todo', summary=_("Refund a payment"), note=body,
                                user_id=order._munipay_responsible().id)

    def action_refund_credit(self):
        """Refund the open credits of the order with Odoo's own payment wizard (money sent to the payer)."""
        self.ensure_one()
        self.check_access('write')
        lines = self.sudo().refund_line_ids.filtered(lambda l: not l.reconciled)
        if not lines:
            raise UserError(_("Payment order %s has no credit left to refund.", self.name))
        return self._munipay_payment_wizard_action(
            _("Refund"), lines, _("Refund %s", self.payment_reference or self.name))
