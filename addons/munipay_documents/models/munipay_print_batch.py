import contextlib
import logging
import threading
import time

from odoo import _, api, fields, models
from odoo.tools.pdf import merge_pdf

_logger = logging.getLogger(__name__)


class MunipayPrintBatch(models.Model):
    """Notices for a large selection of orders, rendered in the background
    chunk by chunk into one merged PDF."""
    _name = 'munipay.print.batch'
    _description = "Bulk Printing of Payment Notices"
    _inherit = ['mail.thread']
    _order = 'id desc'

    name = fields.Char(required=True, default=lambda self: _("Notices of %s", fields.Datetime.now().strftime('%Y-%m-%d %H:%M')))
    user_id = fields.Many2one('res.users', default=lambda self: self.env.user, readonly=True)
    company_id = fields.Many2one('res.company', default=lambda self: self.env.company, readonly=True)
    order_ids = fields.Many2many('munipay.payment.order', string="Orders", readonly=True)
    order_count = fields.Integer(compute='_compute_order_count')
    done_count = fields.Integer(readonly=True, help="Orders handled so far: printed or skipped.")
    skipped_count = fields.Integer(string="Skipped", readonly=True)
    skipped_note = fields.Text(string="Not Printed", readonly=True,
                               help="Orders left out because they changed after the batch was queued.")
    chunk_size = fields.Integer(default=100, required=True)
    progress = fields.Float(compute='_compute_order_count')
    state = fields.Selection([('queued', "Queued"), ('running', "Printing"), ('done', "Ready"), ('failed', "Failed")],
                             default='queued', required=True, readonly=True, tracking=True)
    attachment_id = fields.Many2one('ir.attachment', string="Merged PDF", readonly=True)
    part_ids = fields.Many2many('ir.attachment', 'munipay_print_batch_part_rel', string="Parts", readonly=True)
    error = fields.Text(readonly=True)

    @api.depends('order_ids', 'done_count')
    def _compute_order_count(self):
        for batch in self:
            batch.order_count = len(batch.order_ids)
            batch.progress = 100.0 * batch.done_count / batch.order_count if batch.order_count else 0.0

    def action_start(self):
        self.write({'state': 'running'})
        self.env.ref('munipay_documents.ir_cron_munipay_print_batch')._trigger()
        return True

    def _process(self, commit=True, time_limit=None):
        """Render the next chunks; each chunk is stored as a part, merged at the end.
        Returns True when the batch is finished, False when the time ran out."""
        self.ensure_one()
        started = time.monotonic()
        while self.done_count < self.order_count:
            chunk = self.order_ids.sorted('id')[self.done_count:self.done_count + self.chunk_size]
            printable, skipped = chunk._munipay_notice_printable()
            vals = {'done_count': self.done_count + len(chunk)}
            if printable:
                pdf, _type = self.env['ir.actions.report'].with_context(munipay_print_batch=True)._render_qweb_pdf(
                    printable._munipay_notice_report(), printable.ids)
                part = self.env['ir.attachment'].create({
                    'name': f'{self.name}-{self.done_count:06d}.pdf', 'raw': pdf, 'mimetype': 'application/pdf',
                    'res_model': self._name, 'res_id': self.id})
                vals['part_ids'] = [(4, part.id)]
            if skipped:
                vals['skipped_count'] = self.skipped_count + len(skipped)
                vals['skipped_note'] = '\n'.join(filter(None, [self.skipped_note, *skipped.values()]))
            self.write(vals)
            if commit:
                self.env.cr.commit()
            if time_limit is not None and time.monotonic() - started > time_limit:
                return False
        if self.part_ids:
            merged = merge_pdf([part.raw for part in self.part_ids.sorted('name')])
            self.attachment_id = self.env['ir.attachment'].create({
                'name': f'{self.name}.pdf', 'raw': merged, 'mimetype': 'application/pdf',
                'res_model': self._name, 'res_id': self.id})
            self.part_ids.unlink()
        self.state = 'done'
        body = _("%s notices are ready.", self.order_count - self.skipped_count)
        if self.skipped_count:
            body = _("%(body)s %(count)s orders were not printed: %(why)s",
                     body=body, count=self.skipped_count, why=self.skipped_note)
        self.message_post(body=body, partner_ids=self.user_id.partner_id.ids)
        return True

    @api.model
    def _cron_process(self, time_limit=240):
        """Print the running batches; Odoo's cron runner calls again at once while
        notices remain (progress reported with ``_notify_progress``)."""
        auto_commit = not getattr(threading.current_thread(), 'testing', False)
        started = time.monotonic()
        done = 0
        for batch in self.search([('state', '=', 'running')], order='id'):
            left = time_limit - (time.monotonic() - started)
            if done and left <= 0:
                break
            before = batch.done_count
            try:
                with contextlib.nullcontext() if auto_commit else self.env.cr.savepoint():
                    batch._process(commit=auto_commit, time_limit=left)
            except Exception as error:  # a broken batch must not block the others
                if auto_commit:
                    self.env.cr.rollback()
                _logger.exception("printing batch %s failed", batch.id)
                batch.write({'state': 'failed', 'error': str(error)})
                if auto_commit:
                    self.env.cr.commit()
            done += max(batch.done_count - before, 1)
        remaining = sum(batch.order_count - batch.done_count for batch in self.search([('state', '=', 'running')]))
        self.env['ir.cron']._notify_progress(done=done, remaining=remaining)
        return remaining

    def action_download(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'url': f'/web/content/{self.attachment_id.id}?download=true',
                'target': 'self'}
