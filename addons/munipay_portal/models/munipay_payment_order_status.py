from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import consteq
from odoo.tools.misc import hmac as odoo_hmac

# the scope of Odoo's hmac on database.secret from which an order's look-up code is derived
STATUS_CODE_SCOPE = 'munipay_portal.status_code'
STATUS_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'
STATUS_CODE_LENGTH = 10
# a personal link of a settled order shows its status and receipts this many days, then expires
LINK_DAYS_PARAM = 'munipay_portal.link_days_after_settlement'
LINK_DAYS_DEFAULT = 90
# candidates compared per look-up: a case number shared by more orders is not looked up
MAX_CASE_ORDERS = 20

CASE_STATUSES = [
    ('received', "Received"),
    ('in_progress', "Being processed"),
    ('waiting', "Waiting for documents from you"),
    ('decided', "Decided"),
    ('appealed', "Under appeal"),
    ('closed', "Closed"),
]


def normalize_code(code):
    return ''.join(ch for ch in (code or '').upper() if ch.isalnum())


class MunipayPaymentOrder(models.Model):
    _inherit = 'munipay.payment.order'

    case_status = fields.Selection(
        CASE_STATUSES, string="Case Status", tracking=True, copy=False,
        help="Where the case stands, as the office sets it: anyone holding the case number and the look-up code "
             "printed on the notice can read it (and whether the order is paid) on the public status page.")
    portal_link_closed_on = fields.Date(
        string="Settled on", compute='_compute_portal_link_closed_on', store=True, copy=False,
        help="When the order was paid, cancelled or expired: its personal link expires some days later.")

    @api.depends('state')
    def _compute_portal_link_closed_on(self):
        today = fields.Date.context_today(self)
        for order in self:
            order.portal_link_closed_on = (order.portal_link_closed_on or today) \
                if order.state in ('paid', 'cancelled', 'expired') else False

    def _munipay_check_writable(self, vals):
        # the office moves the case along whatever the order's state
        return super()._munipay_check_writable({k: v for k, v in vals.items() if k != 'case_status'})

    # ------------------------------------------------------------------ link expiry

    def _munipay_portal_link_expired(self):
        """Has the personal link of this settled order expired?"""
        self.ensure_one()
        if self.state == 'issued' or not self.portal_link_closed_on:
            return False
        days = int(self.env['ir.config_parameter'].sudo().get_param(LINK_DAYS_PARAM, LINK_DAYS_DEFAULT) or 0)
        return fields.Date.context_today(self) > self.portal_link_closed_on + timedelta(days=days)

    # ------------------------------------------------------------------ status look-up

    def _munipay_status_code(self):
        """The look-up code printed on the notice: derived from the order with the
        database secret, never stored."""
        self.ensure_one()
        return self._munipay_status_code_of(self.id)

    @api.model
    def _munipay_status_code_of(self, order_id):
        digest = int(odoo_hmac(self.env(su=True), STATUS_CODE_SCOPE, str(order_id)), 16)
        chars = []
        for _i in range(STATUS_CODE_LENGTH):
            digest, index = divmod(digest, len(STATUS_CODE_ALPHABET))
            chars.append(STATUS_CODE_ALPHABET[index])
        return ''.join(chars)

    def _munipay_status_code_display(self):
        code = self._munipay_status_code()
        return f'{code[:5]}-{code[5:]}'

    @api.model
    def _munipay_status_case_key(self, case_number):
        return ' '.join((case_number or '').split()).upper()[:64]

    @api.model
    def _munipay_status_lookup(self, case_number, code):
        """The order whose case number (or number, when it has no case) and look-up
        code are these, or an empty recordset. Every candidate is compared, in
        constant time, whether or not one matches."""
        key = self._munipay_status_case_key(case_number)
        pattern = key.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
        given = normalize_code(code)
        Order = self.browse().sudo().with_context(active_test=False)
        candidates = Order.search([('state', '!=', 'draft'), '|', ('origin', '=ilike', pattern), ('name', '=ilike', pattern)],
                                  limit=MAX_CASE_ORDERS + 1) if key else Order
        if len(candidates) > MAX_CASE_ORDERS:
            candidates = Order
        # an unknown case costs what a known one does: one code derived and compared
        found = Order
        if not candidates:
            consteq(given, Order._munipay_status_code_of(0))
        for order in candidates:
            if consteq(given, order._munipay_status_code()):
                found |= order
        return found[:1]

    def _munipay_public_status(self):
        """What the public status page tells: the case's status and the order's, nothing else."""
        self.ensure_one()
        return {
            'case_number': self.origin or self.name,
            'case_status': dict(self._fields['case_status']._description_selection(self.env)).get(self.case_status),
            'status': self._munipay_portal_status(),
        }
