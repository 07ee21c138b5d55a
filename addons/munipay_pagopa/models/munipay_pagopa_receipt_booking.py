import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

_logger = logging.getLogger(__name__)

# receipts booked in one transaction of the booking job: a batch pays for one walk
# through the bulk-issue entries it touches, so fewer, larger batches book faster
# (100,000 orders issued in entries of 5,000: 30 ms a receipt in batches of 200,
# 17 ms in batches of 1,000)
BATCH_SIZE = 1000
# a booking that failed is tried again after 1, 2, 4 … minutes, then every 6 hours
RETRY_MINUTES_MAX = 360


class MunipayPagopaReceipt(models.Model):
    """The booking job: the node is answered as soon as a receipt is stored
    (state *Received*); the job books stored receipts on the ledger in batches.

    Between the two, the order is still *issued* but pagoPA's notice counts as paid:
    Verify and GetPayment answer PAA_PAGAMENTO_DUPLICATO (see ``munipay.pagopa.node``).
    A receipt is never dropped: one whose booking fails keeps the error and is tried
    again later; one whose order another transaction holds waits for the next run.
    """
    _inherit = 'munipay.pagopa.receipt'

    receipt_xml = fields.Binary(
        string="Receipt XML (stored)", attachment=False, readonly=True, copy=False, groups='base.group_system',
        help="The XML as the node sent it, kept in the receipt's own row until the booking job attaches it.")
    booking_error = fields.Text(readonly=True, copy=False,
                                help="Why the last attempt to book the receipt failed; it is tried again.")
    booking_attempts = fields.Integer(readonly=True, copy=False)
    booking_retry_at = fields.Datetime(string="Next Booking Attempt", readonly=True, copy=False)

    def init(self):
        super().init()
        # what Verify asks of every notice: is a receipt of this order waiting to be booked?
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS munipay_pagopa_receipt_pending_idx
                ON munipay_pagopa_receipt (order_id) WHERE state = 'received'
        """)

    # ------------------------------------------------------------------ the node's side

    @api.model
    def _pagopa_trigger_booking(self, at=None):
        """Call the booking job (at ``at``, else now). Under a burst of receipts one call
        due now is enough: the job books until none is left. A receipt stored while
        the job runs it down may miss it; the job's regular run (every minute) books it."""
        cron = self.env.ref('munipay_pagopa.ir_cron_munipay_pagopa_book').sudo()
        if at is None:
            self.env.cr.execute("SELECT 1 FROM ir_cron_trigger WHERE cron_id = %s AND call_at <= %s LIMIT 1",
                                [cron.id, fields.Datetime.now()])
            if self.env.cr.fetchone():
                return
        cron._trigger(at)

    # ------------------------------------------------------------------ the job

    @api.model
    def _pagopa_pending_domain(self):
        return [('state', '=', 'received'), '|', ('booking_retry_at', '=', False),
                ('booking_retry_at', '<=', fields.Datetime.now())]

    @api.model
    def _cron_pagopa_book(self, batch_size=BATCH_SIZE):
        """Book one batch of stored receipts (the cron runs it again while some remain)."""
        receipts = self._pagopa_lock_pending(batch_size)
        done = receipts._pagopa_book_batch() if receipts else self.browse()
        remaining = self.search_count(self._pagopa_pending_domain()) if len(receipts) == batch_size else 0
        self.env['ir.cron']._notify_progress(done=len(done), remaining=remaining)
        return done

    @api.model
    def _pagopa_lock_pending(self, limit=BATCH_SIZE):
        """Up to ``limit`` receipts waiting to be booked, locked for this transaction;
        those another worker holds are skipped, so two workers never take one receipt."""
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute("""
                    SELECT id FROM munipay_pagopa_receipt
                     WHERE state = 'received' AND (booking_retry_at IS NULL OR booking_retry_at <= %s)
                     ORDER BY id LIMIT %s
                       FOR UPDATE SKIP LOCKED
                """, [fields.Datetime.now(), limit], log_exceptions=False)
                ids = [row[0] for row in self.env.cr.fetchall()]
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # another worker booked some of them after this transaction began: a new
            # transaction sees them as they are
            self._pagopa_trigger_booking()
            return self.browse()
        receipts = self.browse(ids)
        receipts.invalidate_recordset()
        return receipts

    def _pagopa_book_batch(self):
        """Book the locked receipts ``self``; returns those booked or failed (the others
        wait for an order another transaction holds)."""
        receipts = self.sudo()
        receipts._pagopa_attach_xml()
        paid = receipts.filtered(lambda r: r.outcome == 'OK')
        available = paid.order_id._munipay_lock_available()
        waiting = paid.filtered(lambda r: r.order_id not in available)
        if waiting:
            # an officer or another channel is collecting these orders right now
            self._pagopa_trigger_booking(fields.Datetime.now() + timedelta(minutes=1))
        todo = receipts - waiting
        try:
            with self.env.cr.savepoint():
                together = todo._pagopa_book_together()
        except Exception:  # noqa: BLE001 — then one by one: the receipt at fault keeps the error
            _logger.info("pagoPA receipts: the batch could not be booked at once; booking them one by one",
                         exc_info=True)
            together = self.browse()
        for receipt in todo - together:
            try:
                with self.env.cr.savepoint():
                    receipt._pagopa_book()
            except (UserError, ValidationError, *PG_CONCURRENCY_EXCEPTIONS_TO_RETRY) as error:
                receipt._pagopa_booking_failed(error)
            except Exception as error:  # noqa: BLE001 — a receipt is never dropped, whatever went wrong
                _logger.warning("pagoPA receipt %s could not be booked", receipt.name, exc_info=True)
                receipt._pagopa_booking_failed(error)
        booked = todo.filtered(lambda r: r.state != 'received')
        booked.filtered('booking_error').write({'booking_error': False, 'booking_retry_at': False})
        return todo

    def _pagopa_attach_xml(self):
        """The stored XML becomes the receipt's attachment (one create for the batch)."""
        receipts = self.filtered(lambda r: r.receipt_xml and not r.attachment_id)
        if not receipts:
            return
        attachments = self.env['ir.attachment'].sudo().create([{
            'name': 'pagopa-receipt-%s.xml' % receipt.name,
            'datas': receipt.receipt_xml,
            'mimetype': 'application/xml',
            'res_model': self._name,
            'res_id': receipt.id,
            'company_id': receipt.company_id.id,
        } for receipt in receipts])
        for receipt, attachment in zip(receipts, attachments):
            receipt.write({'attachment_id': attachment.id, 'receipt_xml': False})

    def _pagopa_booking_failed(self, error):
        self.ensure_one()
        attempts = self.booking_attempts + 1
        retry_at = fields.Datetime.now() + timedelta(minutes=min(2 ** (attempts - 1), RETRY_MINUTES_MAX))
        message = error.args[0] if isinstance(error, (UserError, ValidationError)) and error.args else str(error)
        _logger.warning("pagoPA receipt %s: booking failed (attempt %d, next at %s): %s",
                        self.name, attempts, retry_at, message)
        self.write({
            'booking_error': message or type(error).__name__,
            'booking_attempts': attempts,
            'booking_retry_at': retry_at,
        })
        self._pagopa_trigger_booking(retry_at)
