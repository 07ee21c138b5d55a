from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import consteq
from odoo.tools.misc import hmac as odoo_hmac

# the scope of Odoo's hmac on database.secret from which an order's TAN is derived
TAN_SCOPE = 'munipay_portal.tan'
TAN_DIGITS = 6
# session key: the orders whose TAN this browser session has given
SESSION_TAN_KEY = 'munipay_portal_tan_orders'
# two int4 keys of pg_advisory_xact_lock: TAN checks of one order wait for each other
TAN_LOCK_CLASS = 0x6D70


class MunipayPaymentOrder(models.Model):
    _inherit = 'munipay.payment.order'

    transaction_ids = fields.Many2many(
        'payment.transaction', 'munipay_order_transaction_rel', 'order_id', 'transaction_id',
        string="Online Transactions", readonly=True, copy=False, groups='account.group_account_invoice')

    # ------------------------------------------------------------------ TAN

    def _munipay_portal_tan_required(self):
        self.ensure_one()
        return bool(self.fee_type_id.portal_tan_required)

    def _munipay_portal_tan(self):
        """The TAN printed on the notice: derived from the order and its access token
        with the database secret, so it is never stored and changes with the token."""
        self.ensure_one()
        order = self.sudo()
        token = order._portal_ensure_token()
        digest = odoo_hmac(self.env(su=True), TAN_SCOPE, f'{order.id}:{token}')
        return str(int(digest, 16) % 10 ** TAN_DIGITS).zfill(TAN_DIGITS)

    def _munipay_portal_check_tan(self, tan, address):
        """'ok', 'wrong' or 'locked': the TAN given from ``address``. Wrong TANs are
        counted per order and per address; once either is over the limit, no TAN is
        checked until the window has passed."""
        self.ensure_one()
        # concurrent guesses for one order are checked one after the other, so that
        # the count of failures cannot be raced past
        self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TAN_LOCK_CLASS, self.id])
        Failure = self.env['munipay.portal.tan.failure'].sudo()
        if Failure._munipay_locked(self, address):
            return 'locked'
        given = ''.join((tan or '').split())
        if consteq(given, self._munipay_portal_tan()):
            return 'ok'
        Failure.create({'order_id': self.id, 'address': address})
        return 'locked' if Failure._munipay_locked(self, address) else 'wrong'

    def _munipay_portal_tan_given(self):
        """Has this browser session given the order's TAN?"""
        self.ensure_one()
        return bool(request) and self.id in request.session.get(SESSION_TAN_KEY, [])

    def _munipay_portal_remember_tan(self):
        self.ensure_one()
        given = list(request.session.get(SESSION_TAN_KEY, []))
        if self.id not in given:
            # a new list: the session is saved only when one of its keys is assigned
            request.session[SESSION_TAN_KEY] = (given + [self.id])[-50:]

    def _munipay_portal_visitor_may_see(self):
        """May someone who holds only the order's link (not its payer's login) see
        the order's page, chatter and payment? Only while it is open, and after the
        TAN when its fee type asks for one."""
        self.ensure_one()
        return self.state == 'issued' and (not self._munipay_portal_tan_required() or self._munipay_portal_tan_given())

    @api.model
    def _get_thread_with_access(self, thread_id, mode="read", **kwargs):
        # portal's chatter lets the order's token (or a signed link) stand for access:
        # not without the TAN, and not once the link shows only the order's status
        thread = super()._get_thread_with_access(thread_id, mode, **kwargs)
        if thread and thread.env.su and not self.env.su and not self.browse(thread_id).has_access('read'):
            if not thread._munipay_portal_visitor_may_see():
                return self.browse()
        return thread

    # ------------------------------------------------------------------ notice

    def _munipay_notice_values(self):
        values = super()._munipay_notice_values()
        if values.get('portal_url') and not values.get('paid') and self._munipay_portal_tan_required():
            values['portal_tan'] = self._munipay_portal_tan()
        values['status_code'] = self._munipay_status_code_display()
        values['status_url'] = self._munipay_status_url()
        return values

    def _munipay_status_url(self):
        """The case-status page printed on the notice, headed by the order's municipality."""
        self.ensure_one()
        return f'{self.get_base_url()}/munipay/status?company={self.company_id.id}'

    # ------------------------------------------------------------------ portal values

    def _munipay_portal_status(self):
        """(key, label) of the order as the citizen reads it."""
        self.ensure_one()
        if self.state == 'cancelled' and self.joint_cancelled_by_id:
            return 'paid_by_other', _("Paid by another debtor")
        if self.state == 'issued' and self.sudo()._munipay_online_transactions_in_flight():
            return 'processing', _("Payment being processed")
        labels = {'issued': _("To pay"), 'paid': _("Paid"), 'cancelled': _("Cancelled"), 'expired': _("Expired")}
        return self.state, labels.get(self.state, self._munipay_state_label())

    def _munipay_portal_schedule(self, today=None):
        """[{'until', 'amount', 'current'}] of the amount-by-deadline table."""
        self.ensure_one()
        today = today or self._munipay_today()
        rows, previous = [], None
        for deadline, amount in self._munipay_amount_schedule():
            current = (previous is None or today > previous) and (deadline is None or today <= deadline)
            rows.append({'until': deadline, 'after': previous, 'amount': amount, 'current': current})
            previous = deadline
        return rows

    # ------------------------------------------------------------------ online payment

    def _munipay_online_transactions_in_flight(self):
        """Transactions of the orders that may still bring money: the provider is
        processing them, or their money has not been booked yet."""
        return self.sudo().transaction_ids.filtered(
            lambda tx: tx.state in ('pending', 'authorized') or (tx.state == 'done' and not tx.is_post_processed))

    def _munipay_online_payable_error(self):
        """Why the orders cannot be paid online now, or False."""
        for order in self.sudo():
            if order.state == 'paid' or (order.state == 'cancelled' and order.joint_cancelled_by_id):
                return _("Payment order %s is already paid: it cannot be paid twice.", order.name)
            if order.state != 'issued':
                return _("Payment order %(order)s is %(state)s and cannot be paid.",
                         order=order.name, state=order._munipay_state_label())
            if order.currency_id.compare_amounts(order.get_amount_open(), 0.0) <= 0:
                return _("Nothing is left to pay on payment order %s.", order.name)
            if order._munipay_online_transactions_in_flight():
                return _("A payment of order %s is already being processed: wait for its result before paying "
                         "again.", order.name)
        if len(self.company_id) > 1 or len(self.currency_id) > 1:
            return _("Orders of different municipalities or currencies are paid one by one.")
        if len(self.partner_id.commercial_partner_id) > 1:
            return _("Orders of different payers are paid one by one.")
        return False

    def _munipay_check_online_payable(self):
        error = self._munipay_online_payable_error()
        if error:
            raise UserError(error)

    def _munipay_online_amounts(self):
        """{order id: amount open today} of orders about to be paid online."""
        return {order.id: order.get_amount_open() for order in self.sudo()}

    def _munipay_personal_data_allowed(self):
        """May a payment provider learn who pays these orders?"""
        return all(order.fee_type_id.portal_personal_data for order in self.sudo())
