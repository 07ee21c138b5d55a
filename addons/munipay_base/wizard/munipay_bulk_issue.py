import base64
import logging
import time
from decimal import Decimal

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import csv_rows

_logger = logging.getLogger(__name__)

# The database asks to retry the transaction, or the connection is gone: never
# worth retrying row by row (TransactionRollbackError and LockNotAvailable are
# OperationalErrors too).
FATAL_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)
CSV_MAX_BYTES = 20 * 1024 * 1024  # ir.config_parameter munipay_base.bulk_csv_max_bytes overrides it


class MunipayBulkIssue(models.Model):
    """Issue payment orders for many payers at once, in batches.

    Each batch is one transaction (orders, their journal entry and the rows
    marked done), so a run stopped half-way resumes where it stopped and never
    issues an order twice.
    """
    _name = 'munipay.bulk.issue'
    _description = "Bulk Issue of Payment Orders"
    _inherit = ['mail.thread']
    _order = 'id desc'
    _check_company_auto = True

    name = fields.Char(required=True, default=lambda self: _("Bulk issue %s", fields.Date.context_today(self)))
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    fee_type_id = fields.Many2one('munipay.fee.type', string="Fee Type", required=True, check_company=True)
    source = fields.Selection([('partners', "Selected payers"), ('csv', "CSV file")], required=True, default='partners')
    partner_ids = fields.Many2many('res.partner', string="Payers")
    amount = fields.Monetary(help="Amount per payer for selected payers; empty for the fee type's amount.")
    origin = fields.Char(help="Origin written on each order of selected payers.")
    csv_file = fields.Binary(string="CSV File", help="Kept as an attachment until the run ends.")
    csv_filename = fields.Char()
    date_issue = fields.Date(required=True, default=fields.Date.context_today)
    batch_size = fields.Integer(default=500, required=True)
    mode = fields.Selection(
        [('batch', "One journal entry per batch"), ('invoice', "One invoice per order")],
        required=True, default='batch',
        help="A journal entry per batch carries one receivable item per order and is much faster; "
             "fee types with taxes need one invoice per order.")
    state = fields.Selection([('draft', "Draft"), ('ready', "Ready"), ('running', "Running"), ('done', "Done")],
                             default='draft', required=True, tracking=True)
    line_ids = fields.One2many('munipay.bulk.issue.line', 'bulk_id', string="Rows")
    order_ids = fields.One2many('munipay.payment.order', 'bulk_issue_id', string="Orders")
    count_total = fields.Integer(compute='_compute_counts')
    count_done = fields.Integer(compute='_compute_counts')
    count_refused = fields.Integer(compute='_compute_counts')
    count_pending = fields.Integer(compute='_compute_counts')
    progress = fields.Float(compute='_compute_counts')

    _sql_constraints = [('batch_size_positive', 'CHECK(batch_size > 0)', "The batch size must be positive.")]

    @api.depends('line_ids.state')
    def _compute_counts(self):
        data = {(bulk, state): count for bulk, state, count in self.env['munipay.bulk.issue.line']._read_group(
            [('bulk_id', 'in', self.ids)], ['bulk_id', 'state'], ['__count'])}
        for bulk in self:
            bulk.count_done = data.get((bulk, 'done'), 0)
            bulk.count_refused = data.get((bulk, 'refused'), 0)
            bulk.count_pending = data.get((bulk, 'pending'), 0)
            bulk.count_total = bulk.count_done + bulk.count_refused + bulk.count_pending
            usable = bulk.count_done + bulk.count_pending
            bulk.progress = 100.0 * bulk.count_done / usable if usable else 0.0

    # ------------------------------------------------------------------ rows

    @api.model
    def _munipay_csv_max_bytes(self):
        value = self.env['ir.config_parameter'].sudo().get_param('munipay_base.bulk_csv_max_bytes')
        return int(value) if value and value.isdigit() else CSV_MAX_BYTES

    def _munipay_check_csv_size(self, size):
        limit = self._munipay_csv_max_bytes()
        if size > limit:
            raise ValidationError(_("The CSV file is too large: %(size)s KB, at most %(limit)s KB.",
                                    size=-(-size // 1024), limit=limit // 1024))

    @api.constrains('csv_file')
    def _check_csv_file_size(self):
        attachments = self.env['ir.attachment'].sudo().search_read([
            ('res_model', '=', self._name), ('res_field', '=', 'csv_file'), ('res_id', 'in', self.ids),
        ], ['file_size'])
        for attachment in attachments:
            self._munipay_check_csv_size(attachment['file_size'])

    def action_prepare(self):
        """Turn the payers or the CSV file into rows, refusing the bad ones with a reason."""
        self.ensure_one()
        if self.state != 'draft':
            raise UserError(_("This bulk issue has already been prepared."))
        if self.currency_id.compare_amounts(self.amount, 0.0) < 0:
            raise UserError(_("The amount cannot be negative."))
        if self.source == 'partners':
            if not self.partner_ids:
                raise UserError(_("Select the payers."))
            amount = self.amount or self.fee_type_id.amount
            if self.currency_id.compare_amounts(amount, 0.0) <= 0:
                raise UserError(_("Fee type “%s” has no amount: give the amount per payer.", self.fee_type_id.name))
            rows = [{'sequence': i, 'identifier': p.munipay_national_id or p.display_name, 'partner_id': p.id,
                     'amount': amount, 'origin': self.origin, 'fee_type_id': self.fee_type_id.id, 'state': 'pending'}
                    for i, p in enumerate(self.partner_ids, start=1)]
        else:
            if not self.csv_file:
                raise UserError(_("Upload the CSV file."))
            rows = self._prepare_csv_rows(base64.b64decode(self.csv_file))
        self.env['munipay.bulk.issue.line'].create([dict(row, bulk_id=self.id) for row in rows])
        self.state = 'ready'
        return True

    def _prepare_csv_rows(self, data):
        self._munipay_check_csv_size(len(data))
        try:
            parsed, refusals = csv_rows.parse(data)
        except UnicodeDecodeError:
            raise UserError(_("The CSV file is not UTF-8 text.")) from None
        if not parsed and not refusals:
            raise UserError(_("The CSV file has no rows."))
        reasons = {
            'no_identifier': _("no payer identifier"),
            'bad_amount': _("the amount is not a number with at most two decimals"),
            'non_positive_amount': _("the amount is zero or negative"),
            'unreadable_line': _("the line cannot be read: a line break inside a value, or a quote left open"),
            'control_character': _("a value holds a control character"),
        }
        rows = [{'sequence': r['line'], 'identifier': r['raw'][:64], 'state': 'refused',
                 'reason': reasons[r['reason']]} for r in refusals]
        identifiers = list({r['identifier'] for r in parsed})
        partners = self.env['res.partner'].search_read(
            ['|', ('munipay_national_id', 'in', identifiers), ('vat', 'in', identifiers),
             *self.env['res.partner']._check_company_domain(self.company_id)],
            ['munipay_national_id', 'vat'])
        by_identifier = {}
        for partner in partners:
            for key in (partner['munipay_national_id'], partner['vat']):
                if key:
                    by_identifier.setdefault(key, set()).add(partner['id'])
        fee_types = {}
        if any(r['fee_code'] for r in parsed):
            fee_types = {f.code.upper(): f for f in self.env['munipay.fee.type'].search(
                [('company_id', '=', self.company_id.id)])}
        for row in parsed:
            vals = {'sequence': row['line'], 'identifier': row['identifier'], 'amount': float(Decimal(row['amount'])),
                    'origin': row['origin'] or False}
            matches = by_identifier.get(row['identifier'], set())
            fee_type = fee_types.get(row['fee_code']) if row['fee_code'] else self.fee_type_id
            if not matches:
                vals.update(state='refused', reason=_("unknown payer identifier %s", row['identifier']))
            elif len(matches) > 1:
                vals.update(state='refused', reason=_("several payers have identifier %s", row['identifier']))
            elif not fee_type:
                vals.update(state='refused', reason=_("unknown fee code %s", row['fee_code']))
            else:
                vals.update(state='pending', partner_id=next(iter(matches)), fee_type_id=fee_type.id)
            rows.append(vals)
        return rows

    # ------------------------------------------------------------------ run

    def action_start(self):
        """Run in the background: the scheduled action processes the rows batch by batch."""
        for bulk in self:
            if bulk.state == 'draft':
                bulk.action_prepare()
        self.filtered(lambda b: b.state == 'ready').state = 'running'
        self.env.ref('munipay_base.ir_cron_munipay_bulk_issue')._trigger()
        return True

    def action_run_now(self):
        """Process every row now, in this request (for small issues)."""
        for bulk in self:
            if bulk.state == 'draft':
                bulk.action_prepare()
            bulk.state = 'running'
            bulk._process(commit=False)
        return True

    def _process(self, commit=True, time_limit=None, on_batch=None):
        """Issue the pending rows batch by batch. With ``commit`` each batch is
        committed (background runs); otherwise each batch is a savepoint.
        ``on_batch(rows)`` is called before each commit with the rows just
        processed. Returns True when every row is processed."""
        self.ensure_one()
        started = time.monotonic()
        Line = self.env['munipay.bulk.issue.line']
        while True:
            batch = Line.search([('bulk_id', '=', self.id), ('state', '=', 'pending')],
                                order='sequence, id', limit=self.batch_size)
            if not batch:
                break
            try:
                with self.env.cr.savepoint():
                    self._process_batch(batch)
            except FATAL_ERRORS:
                raise
            except Exception:  # one bad row must not hold back the others: retry row by row
                _logger.warning("bulk issue %s: batch failed, issuing its rows one by one", self.id, exc_info=True)
                for line in batch:
                    try:
                        with self.env.cr.savepoint():
                            self._process_batch(line)
                    except FATAL_ERRORS:
                        raise
                    except Exception as error:
                        line.write({'state': 'refused', 'reason': str(error)[:250]})
            if on_batch:
                on_batch(batch)
            if commit:
                self.env.cr.commit()
            if time_limit and time.monotonic() - started > time_limit:
                return False
        self._munipay_finish()
        if commit:
            self.env.cr.commit()
        return True

    def _munipay_finish(self):
        """The run is over: the uploaded file is no longer needed."""
        self.write({'state': 'done', 'csv_file': False})

    def _process_batch(self, lines):
        orders = self.env['munipay.payment.order'].create([line._prepare_order_vals() for line in lines])
        if self.mode == 'batch':
            orders._munipay_issue_batch(date=self.date_issue)
        else:
            orders.action_issue()
        for line, order in zip(lines, orders):
            line.write({'order_id': order.id, 'state': 'done'})
        _logger.info("bulk issue %s: %d orders issued", self.id, len(orders))

    @api.model
    def _cron_process(self, time_limit=240):
        """Process running bulk issues for about ``time_limit`` seconds, committing
        each batch; the scheduler runs it again at once while rows remain
        (``ir.cron._notify_progress``)."""
        Line = self.env['munipay.bulk.issue.line']
        pending = [('bulk_id.state', '=', 'running'), ('state', '=', 'pending')]
        started = time.monotonic()
        done = 0

        def notify(rows):
            nonlocal done
            done += len(rows)
            self.env['ir.cron']._notify_progress(done=done, remaining=Line.search_count(pending))

        for bulk in self.search([('state', '=', 'running')], order='id'):
            left = time_limit - (time.monotonic() - started)
            if left <= 0 or not bulk._process(commit=True, time_limit=left, on_batch=notify):
                break
        self.env['ir.cron']._notify_progress(done=done, remaining=Line.search_count(pending))

    def action_view_orders(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('munipay_base.action_munipay_payment_order')
        action['domain'] = [('bulk_issue_id', '=', self.id)]
        return action

