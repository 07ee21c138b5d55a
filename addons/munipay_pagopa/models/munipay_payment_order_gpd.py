from datetime import datetime, time

import pytz

from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.munipay_documents.models.munipay_receipt import amount_to_cents
from ..lib import gpd, pafornode

GPD_STATUSES = [
    ('DRAFT', "Draft"), ('PUBLISHED', "Published"), ('VALID', "Valid"), ('INVALID', "Invalidated"),
    ('EXPIRED', "Expired"), ('PARTIALLY_PAID', "Partially Paid"), ('PAID', "Paid"), ('REPORTED', "Reported"),
]
GPD_OPERATIONS = [
    ('publish', "Publish"), ('update', "Update"), ('invalidate', "Invalidate"), ('paid', "Mark as Paid"),
    ('read', "Read the Status"),
]
# positions GPD may still show a changed amount for
GPD_OPEN = ('DRAFT', 'PUBLISHED', 'VALID', 'EXPIRED')


class MunipayPaymentOrder(models.Model):
    """The order's debt position on pagoPA's GPD: what is waiting to be sent, and
    what GPD last said. The calls themselves are made by a scheduled job
    (munipay.pagopa.gpd), never inside a request of the pagoPA node or a user."""
    _inherit = 'munipay.payment.order'

    pagopa_gpd_iupd = fields.Char(
        string="IUPD", readonly=True, copy=False, index='btree_not_null',
        help="The debt position's identifier on GPD: the creditor's fiscal code and the IUV.")
    pagopa_gpd_status = fields.Selection(GPD_STATUSES, string="GPD Status", readonly=True, copy=False,
                                         help="The position's status on GPD when munipay last heard from it.")
    pagopa_gpd_pending = fields.Selection(
        GPD_OPERATIONS, string="GPD Operation Waiting", readonly=True, copy=False, index='btree_not_null',
        help="What the scheduled job will ask GPD next for this order.")
    pagopa_gpd_next_try = fields.Datetime(string="GPD Next Try", readonly=True, copy=False)
    pagopa_gpd_attempts = fields.Integer(string="GPD Failed Tries", readonly=True, copy=False)
    pagopa_gpd_error = fields.Text(string="GPD Error", readonly=True, copy=False,
                                   help="The last error of GPD about this order.")
    pagopa_gpd_sync_date = fields.Datetime(string="GPD Last Answer", readonly=True, copy=False)
    pagopa_gpd_amount = fields.Monetary(string="Amount on GPD", readonly=True, copy=False,
                                        help="The amount of the position as last sent to GPD.")
    pagopa_gpd_due_date = fields.Date(
        string="Due on GPD", readonly=True, copy=False, index='btree_not_null',
        help="The due date last sent to GPD: when it passes, the position is sent again with the amount due then.")

    # ------------------------------------------------------------------ queue

    def write(self, vals):
        before = {order.id: order.state for order in self} if 'state' in vals else None
        res = super().write(vals)
        if before is not None:
            self._pagopa_gpd_follow_state(before)
        if 'date_notified' in vals:
            self.filtered(lambda o: o.state == 'issued' and o.pagopa_gpd_iupd)._pagopa_gpd_queue('update')
        return res

    def _pagopa_gpd_follow_state(self, before):
        """Queue what GPD must hear about orders whose state just changed."""
        changed = self.filtered(lambda o: o.state != before.get(o.id))
        published = changed.filtered('pagopa_gpd_iupd')
        new = changed.filtered(lambda o: before.get(o.id) == 'draft' and o.state == 'issued'
                               and o.pagopa_notice_number and o.company_id._munipay_pagopa_gpd_on())
        new._pagopa_gpd_queue('publish')
        (published - new).filtered(lambda o: o.state == 'issued')._pagopa_gpd_queue('update')
        published.filtered(lambda o: o.state in ('cancelled', 'expired'))._pagopa_gpd_queue('invalidate')
        paid = published.filtered(lambda o: o.state == 'paid')
        by_pagopa = paid.filtered(lambda o: self.env.context.get('munipay_channel') == 'pagopa'
                                  or o.pagopa_receipt_ids.filtered(lambda r: r.outcome == 'OK'))
        # paid through pagoPA, GPD knows it from the receipt; paid elsewhere, it is told
        by_pagopa._pagopa_gpd_queue('read')
        (paid - by_pagopa)._pagopa_gpd_queue('paid')

    def _pagopa_gpd_queue(self, operation):
        """Let the scheduled job ``operation`` the orders' positions on GPD soon.
        A newer operation replaces a waiting one (it carries the order's state now);
        a mere status read never replaces one."""
        orders = self.sudo()
        if operation == 'read':
            orders = orders.filtered(lambda o: not o.pagopa_gpd_pending)
        if not orders:
            return
        vals = {'pagopa_gpd_pending': operation, 'pagopa_gpd_next_try': fields.Datetime.now(),
                'pagopa_gpd_attempts': 0}
        if operation == 'publish':
            for order in orders.filtered(lambda o: not o.pagopa_gpd_iupd):
                order.pagopa_gpd_iupd = gpd.iupd_for(order.pagopa_fiscal_code, order.pagopa_iuv)
        orders.write(vals)
        cron = self.env.ref('munipay_pagopa.ir_cron_munipay_pagopa_gpd', raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    def _munipay_sync_payment_state(self, unreconciled=False):
        super()._munipay_sync_payment_state(unreconciled)
        # a partial payment elsewhere lowers what GPD must ask
        today = self._munipay_today()
        for order in self.sudo().exists().filtered(
                lambda o: o.state == 'issued' and o.pagopa_gpd_status in GPD_OPEN and not o.pagopa_gpd_pending):
            if amount_to_cents(order.currency_id, order.get_amount_open(today)) != \
                    amount_to_cents(order.currency_id, order.pagopa_gpd_amount):
                order._pagopa_gpd_queue('update')

    def _pagopa_gpd_operation(self):
        """What GPD needs to hear for the order's present state."""
        self.ensure_one()
        if self.state == 'issued':
            return 'update' if self.pagopa_gpd_status else 'publish'
        if self.state in ('cancelled', 'expired'):
            return 'invalidate'
        if self.state == 'paid':
            return 'read' if self.pagopa_receipt_ids.filtered(lambda r: r.outcome == 'OK') else 'paid'
        return False

    def action_pagopa_gpd_sync(self):
        """The form's button: send the order's position to GPD again soon."""
        self.check_access('write')
        for order in self:
            if not (order.pagopa_notice_number and order.company_id._munipay_pagopa_gpd_on()):
                raise UserError(_("Order %s is not published on GPD: its company does not publish on GPD or it "
                                  "has no pagoPA notice number.", order.name))
            operation = order._pagopa_gpd_operation()
            if not operation:
                raise UserError(_("Order %s is a draft: issue it first.", order.name))
            order.sudo().pagopa_gpd_pending = False  # a read is queued even over a waiting one
            order._pagopa_gpd_queue(operation)
        return True

    # ------------------------------------------------------------------ the position

    def _pagopa_gpd_terms(self, today, checkers):
        """(cents still to collect today, the last day of that amount, whether the
        amount changes after it): munipay_base's amount rules, calendars shared
        through ``checkers`` across a batch."""
        self.ensure_one()
        rule = deadline = None
        for candidate, last_day in self._munipay_rule_schedule(checkers):
            if last_day is None or today <= last_day:
                rule, deadline = candidate, last_day
                break
        due = self._munipay_amount_for_rule(rule) if rule else self.amount_total
        open_amount = max(self.currency_id.round(due - self._munipay_amount_settled()), 0.0)
        due_date = max(deadline or self.date_due or self.date_issue, today)
        return amount_to_cents(self.currency_id, open_amount), due_date, \
            bool(deadline) or self.fee_type_id.expire_after_due

    def _pagopa_gpd_end_of_day(self, day):
        """The last second of ``day`` in the company's time zone, as GPD's naive UTC."""
        company = self.company_id.sudo()
        tz = pytz.timezone(company.resource_calendar_id.tz or company.partner_id.tz or 'Europe/Rome')
        return tz.localize(datetime.combine(day, time(23, 59, 59))).astimezone(pytz.utc).replace(tzinfo=None)

    def _pagopa_gpd_data(self, today, checkers):
        """The PaymentPositionModel of the order (raises gpd.GpdError 'payload')."""
        self.ensure_one()
        cents, due_date, changes = self._pagopa_gpd_terms(today, checkers)
        if cents <= 0:
            raise gpd.GpdError('payload', _("nothing is left to pay on order %s.", self.name))
        try:
            groups = self._pagopa_transfer_groups()
        except (UserError, ValueError) as error:
            raise gpd.GpdError('payload', str(error)) from None
        amounts = pafornode.allocate_cents([group['cents'] for group in groups], cents)
        transfers = []
        for group, amount in zip(groups, amounts):
            if not amount:
                continue
            postal = group['fees'].pagopa_postal_bank_account_id
            transfers.append({
                'amount': amount, 'category': group['category'], 'remittance': ", ".join(group['names']),
                'iban': group['iban'], 'postal_iban': len(postal) == 1 and postal.sanitized_acc_number,
            })
        debtor = self._pagopa_debtor()
        debtor.update(fiscal_code=debtor['id'],
                      email=self.company_id.munipay_pagopa_gpd_share_email and debtor['email'])
        option = {'iuv': self.pagopa_iuv, 'nav': self.pagopa_notice_number, 'amount': cents,
                  'description': self._pagopa_description(), 'due': self._pagopa_gpd_end_of_day(due_date),
                  'transfers': transfers}
        data = gpd.position(self.pagopa_gpd_iupd, debtor, self.company_id.name, option, switch_to_expired=changes)
        return data, cents, due_date

    def _pagopa_gpd_paid_at(self):
        """When the order was paid, as GPD's naive UTC (noon of the payment day)."""
        self.ensure_one()
        if not self.date_paid:
            return fields.Datetime.now().replace(microsecond=0)
        company = self.company_id.sudo()
        tz = pytz.timezone(company.resource_calendar_id.tz or company.partner_id.tz or 'Europe/Rome')
        return tz.localize(datetime.combine(self.date_paid, time(12))).astimezone(pytz.utc).replace(tzinfo=None)
