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
    """One payment to post to a billing system, or the reversal of one.

    Written in the payment's own transaction (the cashier never waits for the remote),
    posted afterwards by a scheduled job. Its idempotency key goes with every try, so a
    try whose answer was lost is simply made again: the system answers that it already
    has the key, and the payment counts as sent. A payment undone in accounting before
    it was tried is cancelled; once tried, a reversal (its own row and key) takes it back.
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
                              index='btree_not_null', help="The journal entry that brought the money.")
    kind = fields.Selection([('payment', "Payment"), ('reversal', "Reversal")], required=True, default='payment',
                            readonly=True, index=True)
    original_id = fields.Many2one('munipay.billing.outbox', string="Reverses", readonly=True, ondelete='restrict',
                                  index='btree_not_null',
                                  help="The payment, undone in accounting, that this reversal takes back in the system.")
    reversal_ids = fields.One2many('munipay.billing.outbox', 'original_id', string="Reversed By", readonly=True)
    idempotency_key = fields.Char(required=True, readonly=True, copy=False, default=lambda self: str(uuid.uuid4()))
    state = fields.Selection([('pending', "Waiting"), ('sent', "Sent"), ('failed', "Failed"),
                              ('cancelled', "Cancelled")], required=True, default='pending', index=True, readonly=True,
                             help="Cancelled: undone in accounting, and never sent after that.")
    attempts = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(string="Next Try", readonly=True, index=True, default=fields.Datetime.now)
    last_error = fields.Text(readonly=True)
    sent_date = fields.Datetime(string="Sent On", readonly=True)
    remote_id = fields.Char(string="Payment ID in the System", readonly=True)

    # An entry undone and then brought back (reconciled again, posted again) is queued
    # again: "queued once" holds for the payments not undone, in _billing_enqueue.
    _sql_constraints = [
        ('idempotency_key_uniq', 'unique(idempotency_key)', "The idempotency key of a payment must be unique."),
        ('reversal_original', "CHECK((kind = 'reversal') = (original_id IS NOT NULL))",
         "A reversal, and only a reversal, names the payment it takes back."),
    ]

    # ------------------------------------------------------------------ queue

    @api.model
    def _billing_enqueue(self, vals_list):
        """Queue payments (in the caller's transaction) and wake the job up; a payment
        already queued (same order or wallet and entry) and not undone is not queued twice."""
        Outbox = self.sudo()
        known = set()
        moves = [vals['move_id'] for vals in vals_list if vals.get('move_id')]
        if moves:
            known = {(row.order_id.id, row.wallet_id.id, row.move_id.id)
                     for row in Outbox.search([('move_id', 'in', moves)])._billing_live_payments()}
        vals_list = [vals for vals in vals_list
                     if (vals.get('order_id', False), vals.get('wallet_id', False), vals.get('move_id', False))
                     not in known]
        if not vals_list:
            return Outbox
        records = Outbox.create(vals_list)
        self.env.ref('munipay_billing.ir_cron_munipay_billing_outbox').sudo()._trigger()
        return records

    def _billing_live_payments(self, reversals=False):
        """The payments neither cancelled nor reversed (with ``reversals``: and the reversals)."""
        return self.filtered(lambda r: (r.kind == 'payment' and r.state != 'cancelled' and not r.reversal_ids)
                             or (reversals and r.kind == 'reversal'))

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

    def _billing_lock(self, pending_only=True):
        """The (waiting) records no other worker is sending or undoing; those are locked
        until commit. NO KEY UPDATE: a reversal may still be queued for a payment being
        sent (the reversal's reference to it takes a key-share lock, which FOR UPDATE
        would keep waiting until the sending worker commits)."""
        if not self:
            return self
        self.flush_recordset()
        self.env.cr.execute("""SELECT id FROM munipay_billing_outbox WHERE id IN %%s %s
                               FOR NO KEY UPDATE SKIP LOCKED""" % ("AND state = 'pending'" if pending_only else ''),
                            [tuple(self.ids)])
        locked = self.browse(row[0] for row in self.env.cr.fetchall())
        locked.invalidate_recordset()
        return self.filtered(lambda r: r in locked)

    def _billing_send(self):
        now = fields.Datetime.now()
        # undone while another worker was sending it (so it was not cancelled then): its reversal follows
        undone = self.filtered(lambda r: r.kind == 'payment' and r.reversal_ids)
        undone.write({'state': 'cancelled', 'next_attempt': False, 'last_error': _(
            "Undone in accounting while it was being sent: not sent again; its reversal takes it back in case "
            "the system got it.")})
        # a reversal goes after its payment's last try (that one may be on its way still)
        early = self.filtered(lambda r: r.kind == 'reversal' and r.original_id.state == 'pending')
        for system, reversals in early.grouped('system_id').items():
            reversals.write({'next_attempt': now + timedelta(seconds=system.retry_base_delay)})
        for system, records in (self - undone - early).grouped('system_id').items():
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
        """Post the payment (or reversal); True when it failed in a way worth trying again."""
        self.ensure_one()
        reversal = self.kind == 'reversal'
        try:
            if reversal:
                original = self.original_id
                outcome = client.reverse(original.idempotency_key, original.remote_id or '', self.idempotency_key)
            else:
                cents = mp.to_cents(self.amount, self.currency_id.decimal_places)
                outcome = client.post(self.account_number, cents, self.reference or '', self.idempotency_key)
        except clients.BillingError as error:
            if error.kind == clients.DUPLICATE:
                note = _("The system had taken this payment back already (%s): counted as sent.", error) if reversal \
                    else _("The system already had this payment (%s): counted as sent.", error)
            elif error.kind == clients.NOT_FOUND and reversal:
                note = _("The system has no payment %(key)s, so nothing to take back (%(error)s): counted as sent.",
                         key=self.original_id.idempotency_key, error=error)
            else:
                return self._billing_failed(error, now)
            outcome = {'remote_id': False}
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
        """Send the chosen payments that are not sent yet, now (not those undone in accounting)."""
        self.check_access('write')
        to_send = self.filtered(lambda r: r.state in ('pending', 'failed'))._billing_live_payments(reversals=True)
        if not to_send:
            raise UserError(_("These payments were sent already, or undone in accounting (cancelled or reversed)."))
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
