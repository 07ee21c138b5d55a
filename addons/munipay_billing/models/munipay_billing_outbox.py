import logging
import uuid
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import clients
from ..lib import mapping as mp

_logger = logging.getLogger(__name__)

FAILURES_TO_PAUSE = 3  # a system failing this many times in a row: the rest of its batch waits


class MunipayBillingOutbox(models.Model):
    """One payment to post to a billing system.

    Written in the payment's own transaction (the cashier never waits for the remote),
    posted afterwards by a scheduled job. Its idempotency key goes with every try, so a
    try whose answer was lost is simply made again: the system answers that it already
    has the key, and the payment counts as sent.
    """
    _name = 'munipay.billing.outbox'
    _description = "Payment to Post to a Billing System"
    _order = 'id desc'
    _rec_name = 'idempotency_key'
    _check_company_auto = True

    system_id = fields.Many2one('munipay.billing.system', string="Billing System", required=True, index=True,
                                ondelete='restrict', readonly=True, check_company=True)
    company_id = fields.Many2one(related='system_id.company_id', store=True, index=True)
    currency_id = fields.Many2one('res.currency', required=True, readonly=True)
    account_number = fields.Char(required=True, readonly=True)
    amount = fields.Monetary(required=True, readonly=True)
    reference = fields.Char(string="Payment Reference", readonly=True)
    order_id = fields.Many2one('munipay.payment.order', string="Payment Order", index='btree_not_null',
                               readonly=True, ondelete='restrict')
    wallet_id = fields.Many2one('munipay.wallet', string="Wallet", index='btree_not_null', readonly=True,
                                ondelete='restrict')
    move_id = fields.Many2one('account.move', string="Payment Entry", readonly=True, ondelete='restrict',
                              help="The journal entry that brought the money.")
    idempotency_key = fields.Char(required=True, readonly=True, copy=False, default=lambda self: str(uuid.uuid4()))
    state = fields.Selection([('pending', "Waiting"), ('sent', "Sent"), ('failed', "Failed")], required=True,
                             default='pending', index=True, readonly=True)
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(string="Next Try", readonly=True, index=True, default=fields.Datetime.now)
    last_error = fields.Text(readonly=True)
    sent_date = fields.Datetime(string="Sent On", readonly=True)
    remote_id = fields.Char(string="Payment ID in the System", readonly=True)

    _sql_constraints = [
        ('idempotency_key_uniq', 'unique(idempotency_key)', "The idempotency key of a payment must be unique."),
        ('order_move_uniq', 'unique(order_id, move_id)', "This payment of the order is already queued."),
        ('wallet_move_uniq', 'unique(wallet_id, move_id)', "This top-up of the wallet is already queued."),
    ]

    # ------------------------------------------------------------------ queue

    @api.model
    def _billing_enqueue(self, vals_list):
        """Queue payments (in the caller's transaction) and wake the job up; a payment
        already queued (same order or wallet and entry) is not queued twice."""
        Outbox = self.sudo()
        known = set()
        moves = [vals['move_id'] for vals in vals_list if vals.get('move_id')]
        if moves:
            known = {(row.order_id.id, row.wallet_id.id, row.move_id.id)
                     for row in Outbox.search([('move_id', 'in', moves)])}
        vals_list = [vals for vals in vals_list
                     if (vals.get('order_id', False), vals.get('wallet_id', False), vals.get('move_id', False))
                     not in known]
        if not vals_list:
            return Outbox
        records = Outbox.create(vals_list)
        self.env.ref('munipay_billing.ir_cron_munipay_billing_outbox').sudo()._trigger()
        return records

    # ------------------------------------------------------------------ sending

    @api.model
    def _cron_send(self, batch_size=100):
        Outbox = self.sudo()
        # an archived system (or a neutralised copy's) gets nothing: its payments wait
        domain = [('state', '=', 'pending'), ('next_attempt', '<=', fields.Datetime.now()),
                  ('system_id.active', '=', True)]
        records = Outbox.search(domain, order='next_attempt, id', limit=batch_size)._billing_lock()
        records._billing_send()
        self.env['ir.cron']._notify_progress(done=len(records), remaining=Outbox.search_count(domain))
        return records

    def _billing_lock(self):
        """The waiting records no other worker is sending; those are locked until commit."""
        if not self:
            return self
        self.flush_recordset()
        self.env.cr.execute("""SELECT id FROM munipay_billing_outbox WHERE id IN %s AND state = 'pending'
                               FOR UPDATE SKIP LOCKED""", [tuple(self.ids)])
        locked = self.browse(row[0] for row in self.env.cr.fetchall())
        locked.invalidate_recordset()
        return self.filtered(lambda r: r in locked)

    def _billing_send(self):
        now = fields.Datetime.now()
        for system, records in self.grouped('system_id').items():
            try:
                client = system._billing_client()
            except clients.BillingError as error:
                for record in records:
                    record._billing_failed(error, now)
                continue
            failures = 0
            for index, record in enumerate(records):
                if failures >= FAILURES_TO_PAUSE:
                    records[index:].write({'next_attempt': now + timedelta(seconds=system.retry_base_delay)})
                    break
                failures = failures + 1 if record._billing_send_one(client, now) else 0

    def _billing_send_one(self, client, now):
        """Post the payment; True when it failed in a way worth trying again."""
        self.ensure_one()
        try:
            cents = mp.to_cents(self.amount, self.currency_id.decimal_places)
            outcome = client.post(self.account_number, cents, self.reference or '', self.idempotency_key)
        except clients.BillingError as error:
            if error.kind != clients.DUPLICATE:
                return self._billing_failed(error, now)
            outcome = {'remote_id': False}
            note = _("The system already had this payment (%s): counted as sent.", error)
        except psycopg2.Error:
            raise
        except Exception as error:  # noqa: BLE001 - one payment's bug must not stop the queue
            _logger.exception("billing outbox %s: post failed", self.id)
            return self._billing_failed(clients.BillingError(clients.CONFIG, repr(error)), now)
        else:
            note = False
        self.write({'state': 'sent', 'sent_date': now, 'remote_id': outcome['remote_id'] or self.remote_id,
                    'attempts': self.attempts + 1, 'next_attempt': False, 'last_error': note})
        return False

    def _billing_failed(self, error, now):
        # the wait counts from the failure (a timeout ends long after the batch began)
        now = max(now, fields.Datetime.now())
        system = self.system_id
        attempts = self.attempts + 1
        text = system._billing_error_text(error, self.account_number)
        if error.transient and attempts < system.retry_max_attempts:
            delay = mp.backoff_delay(attempts, system.retry_base_delay, system.retry_max_delay)
            self.write({'attempts': attempts, 'last_error': text, 'next_attempt': now + timedelta(seconds=delay)})
            return True
        if error.transient:
            text = _("Given up after %(count)s tries; the last one: %(error)s", count=attempts, error=text)
        self.write({'state': 'failed', 'attempts': attempts, 'last_error': text, 'next_attempt': False})
        _logger.warning("billing outbox %s: %s", self.id, text)
        return error.transient

    def action_retry_now(self):
        """Send the chosen payments that are not sent yet, now."""
        self.check_access('write')
        to_send = self.filtered(lambda r: r.state != 'sent')
        if not to_send:
            raise UserError(_("These payments were sent already."))
        archived = to_send.system_id.filtered(lambda s: not s.active)
        if archived:
            raise UserError(_("%s is archived: its payments wait until it is active again.",
                              ', '.join(archived.mapped('name'))))
        to_send.sudo().write({'state': 'pending', 'attempts': 0, 'next_attempt': fields.Datetime.now()})
        locked = to_send.sudo()._billing_lock()
        if locked != to_send.sudo():
            raise UserError(_("Some of these payments are being sent right now; try again in a moment."))
        locked._billing_send()
        counts = {state: len(locked.filtered(lambda r: r.state == state)) for state in ('sent', 'pending', 'failed')}
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'success' if counts['sent'] == len(locked) else 'warning',
                'message': _("%(sent)s sent, %(pending)s waiting for another try, %(failed)s failed.", **counts),
                'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'},
            },
        }
