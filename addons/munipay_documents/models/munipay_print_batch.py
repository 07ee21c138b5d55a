import logging
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
    done_count = fields.Integer(readonly=True)
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
        """Render the next chunks; each chunk is stored as a part, merged at the end."""
        self.ensure_one()
        report = self.env.ref('munipay_documents.action_report_payment_notice')
        started = time.monotonic()
        while self.done_count < self.order_count:
            chunk = self.order_ids.sorted('id')[self.done_count:self.done_count + self.chunk_size]
            pdf, _type = self.env['ir.actions.report'].with_context(munipay_print_batch=True)._render_qweb_pdf(
                report, chunk.ids)
            part = self.env['ir.attachment'].create({
                'name': f'{self.name}-{self.done_count:06d}.pdf', 'raw': pdf, 'mimetype': 'application/pdf',
                'res_model': self._name, 'res_id': self.id})
            self.write({'part_ids': [(4, part.id)], 'done_count': self.done_count + len(chunk)})
            if commit:
                self.env.cr.commit()
            if time_limit and time.monotonic() - started > time_limit:
                return False
        merged = merge_pdf([part.raw for part in self.part_ids.sorted('name')])
        self.attachment_id = self.env['ir.attachment'].create({
            'name': f'{self.name}.pdf', 'raw': merged, 'mimetype': 'application/pdf',
            'res_model': self._name, 'res_id': self.id})
        self.part_ids.unlink()
        self.state = 'done'
        self.message_post(body=_("%s notices are ready.", self.order_count), partner_ids=self.user_id.partner_id.ids)
        return True

    @api.model
    def _cron_process(self):
        for batch in self.search([('state', '=', 'running')], order='id'):
            try:
                if not batch._process(commit=True, time_limit=240):
                    self.env.ref('munipay_documents.ir_cron_munipay_print_batch')._trigger()
                    return
            except Exception as error:  # a broken batch must not block the others
                self.env.cr.rollback()
                _logger.exception("printing batch %s failed", batch.id)
                batch.write({'state': 'failed', 'error': str(error)})
                self.env.cr.commit()

    def action_download(self):
        self.ensure_one()
        return {'type': 'ir.actions.act_url', 'url': f'/web/content/{self.attachment_id.id}?download=true',
                'target': 'self'}
