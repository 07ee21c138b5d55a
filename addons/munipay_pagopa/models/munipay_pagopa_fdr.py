from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import config

from ..controllers.pafornode import SHIPPED_XSD_DIR, XSD_DIR_OPTION
from ..lib import fdr as fdr_lib


class MunipayPagopaFdr(models.Model):
    """A settlement report (FdR) of a PSP: the payments it transferred to the
    creditor in one SEPA credit transfer, each matched to its receipt."""
    _name = 'munipay.pagopa.fdr'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _description = "pagoPA Settlement Report"
    _order = 'flow_datetime desc, id desc'
    _check_company_auto = True

    name = fields.Char(string="Flow ID", required=True, readonly=True, index=True,
                       help="identificativoFlusso: the remittance of the PSP's transfer names it.")
    revision = fields.Integer(required=True, readonly=True, default=1,
                              help="A newer revision of a flow replaces the older one.")
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    fiscal_code = fields.Char(string="Creditor", required=True, readonly=True)
    psp_id = fields.Char(string="PSP", required=True, readonly=True)
    psp_name = fields.Char(string="PSP Name", readonly=True)
    bic = fields.Char(string="BIC of the Transfer", readonly=True)
    flow_datetime = fields.Datetime(string="Flow Date", readonly=True)
    regulation = fields.Char(string="Regulation ID", readonly=True, index='btree_not_null',
                             help="identificativoUnivocoRegolamento: the PSP's reference (IUR, TRN) of its transfer.")
    regulation_date = fields.Date(string="Regulation Date", readonly=True)
    payment_count = fields.Integer(string="Number of Payments", readonly=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    amount_total = fields.Monetary(string="Reported Total", readonly=True)
    amount_settled = fields.Monetary(
        string="Transferred", readonly=True,
        help="Paid minus revoked payments: the amount of the PSP's bank transfer.")
    amount_matched = fields.Monetary(string="Matched", readonly=True,
                                     help="What the payments matched to their receipts add up to.")
    difference_count = fields.Integer(string="Differences", readonly=True)
    source = fields.Selection([('xml', "XML file"), ('api', "FdR service")], required=True, readonly=True)
    version = fields.Char(readonly=True)
    state = fields.Selection([
        ('matched', "Matched"),
        ('difference', "Differences"),
        ('superseded', "Superseded"),
    ], required=True, readonly=True, default='matched', index=True, tracking=True)
    superseded_by_id = fields.Many2one('munipay.pagopa.fdr', string="Superseded by", readonly=True)
    line_ids = fields.One2many('munipay.pagopa.fdr.line', 'fdr_id', string="Payments", readonly=True)
    statement_line_id = fields.Many2one(
        'account.bank.statement.line', string="Bank Credit", readonly=True, index='btree_not_null', copy=False,
        tracking=True, help="The PSP's transfer on the bank statement; it cleared the pagoPA transit account.")
    attachment_id = fields.Many2one('ir.attachment', string="Report File", readonly=True)

    _sql_constraints = [
        ('flow_revision_uniq', 'unique(company_id, name, psp_id, revision)',
         "This revision of the settlement report is already imported."),
    ]

    @api.depends('name', 'revision')
    def _compute_display_name(self):
        for flow in self:
            flow.display_name = flow.name if flow.revision <= 1 else '%s (%d)' % (flow.name, flow.revision)

    # ------------------------------------------------------------------ reading

    @api.model
    def _pagopa_schemas(self):
        return fdr_lib.load_schemas(config.get(XSD_DIR_OPTION) or SHIPPED_XSD_DIR)

    @api.model
    def _pagopa_parse_xml(self, data):
        try:
            flow = fdr_lib.parse_xml(data, self._pagopa_schemas())
            fdr_lib.check_totals(flow)
        except fdr_lib.FdrError as error:
            raise UserError(_("This pagoPA settlement report cannot be imported: %s", error)) from None
        return flow

    # ------------------------------------------------------------------ importing

    @api.model
    def _pagopa_import(self, company, flow, raw=None, filename=None, skip_known=False):
        """Store ``flow`` (a :class:`fdr.Flow`) for ``company``, match its payments and
        book what they say. Returns the new report, or nothing when ``skip_known``
        and this revision (or a newer one) is already here; otherwise a report
        already imported is a :class:`UserError`. One transaction: nothing is
        written when anything is refused."""
        company = company.sudo()
        if flow.receiver_id != company.munipay_creditor_fiscal_code:
            raise UserError(_("Settlement report %(flow)s is for the creditor %(receiver)s, not for %(company)s "
                              "(%(code)s).", flow=flow.flow_id, receiver=flow.receiver_id, company=company.name,
                              code=company.munipay_creditor_fiscal_code or _("no fiscal code")))
        try:
            fdr_lib.check_totals(flow)
        except fdr_lib.FdrError as error:
            raise UserError(_("This pagoPA settlement report cannot be imported: %s", error)) from None
        Fdr = self.sudo().with_company(company)
        # one import of a flow at a time: a second one waits, then sees the first
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                            ['munipay_pagopa_fdr:%s:%s:%s' % (company.id, flow.flow_id, flow.psp_id)])
        known = Fdr.search([('company_id', '=', company.id), ('name', '=', flow.flow_id),
                            ('psp_id', '=', flow.psp_id)], order='revision desc')
        latest = known[:1]
        if flow.revision is None:
            # an XML report has no revision: one sent again with a newer date replaces the earlier one
            same = known.filtered(lambda f: f.flow_datetime == flow.flow_datetime)
            if same:
                if skip_known:
                    return self.browse()
                raise UserError(_("Settlement report %(flow)s of %(date)s is already imported (%(report)s): "
                                  "nothing was imported again.", flow=flow.flow_id,
                                  date=fields.Datetime.to_string(flow.flow_datetime), report=same[0].display_name))
            if latest and latest.flow_datetime and flow.flow_datetime < latest.flow_datetime:
                raise UserError(_("Settlement report %(flow)s of %(date)s is older than the one already imported "
                                  "(%(known)s): it was not imported.", flow=flow.flow_id,
                                  date=fields.Datetime.to_string(flow.flow_datetime),
                                  known=fields.Datetime.to_string(latest.flow_datetime)))
            revision = (latest.revision or 0) + 1
        else:
            revision = flow.revision
            if latest and latest.revision >= revision:
                if skip_known:
                    return self.browse()
                raise UserError(_("Revision %(revision)s of settlement report %(flow)s is already imported (or a "
                                  "newer one): nothing was imported again.", revision=revision, flow=flow.flow_id))
        older = known.filtered(lambda f: f.state != 'superseded')
        currency = company.currency_id
        report = Fdr.create({
            'name': flow.flow_id,
            'revision': revision,
            'company_id': company.id,
            'fiscal_code': flow.receiver_id,
            'psp_id': flow.psp_id,
            'psp_name': flow.psp_name,
            'bic': flow.bic,
            'flow_datetime': flow.flow_datetime,
            'regulation': flow.regulation,
            'regulation_date': flow.regulation_date,
            'payment_count': flow.count,
            'amount_total': currency.round(flow.total_cents / 100),
            'amount_settled': currency.round(flow.net_cents / 100),
            'source': 'api' if flow.version == 'api' else 'xml',
            'version': flow.version,
        })
        if raw:
            report.attachment_id = self.env['ir.attachment'].sudo().create({
                'name': filename or '%s.xml' % flow.flow_id, 'raw': raw, 'mimetype': 'application/xml',
                'res_model': self._name, 'res_id': report.id, 'company_id': company.id})
        Line = self.env['munipay.pagopa.fdr.line'].sudo()
        Line._pagopa_create(report, flow.payments, ignore_reports=older)
        if older:
            report._pagopa_supersede(older)
        Line.search([('fdr_id', '=', report.id), ('state', 'in', ('revoked', 'standin'))])._pagopa_book()
        report._pagopa_update_totals()
        report._pagopa_settle_waiting_lines()
        return report

    def _pagopa_update_totals(self):
        """Totals and state from the lines (one query), and a to-do for the officer on differences."""
        self.env['munipay.pagopa.fdr.line'].flush_model()
        for report in self:
            self.env.cr.execute("""
                SELECT COALESCE(SUM(amount) FILTER (WHERE state != 'difference'), 0),
                       COUNT(*) FILTER (WHERE state = 'difference')
                  FROM munipay_pagopa_fdr_line WHERE fdr_id = %s""", [report.id])
            matched, differences = self.env.cr.fetchone()
            vals = {'amount_matched': matched, 'difference_count': differences}
            had_differences = report.state == 'difference'
            if report.state != 'superseded':
                vals['state'] = 'difference' if differences else 'matched'
            report.write(vals)
            if differences and report.state != 'superseded':
                report._pagopa_tell_officer(_(
                    "%(count)s payments of settlement report %(flow)s could not be matched to a receipt: see its "
                    "Differences. Nothing was booked for them.", count=differences, flow=report.display_name))
            elif had_differences and not differences:
                report.activity_ids.action_feedback(feedback=_("All payments matched."))

    def _pagopa_tell_officer(self, note):
        self.ensure_one()
        company = self.company_id
        user = company.munipay_suspense_user_id or self.env.ref('base.user_admin', raise_if_not_found=False) \
            or self.env.user
        self.activity_ids.unlink()
        self.activity_schedule('mail.mail_activity_data_todo', user_id=user.id,
                               summary=_("pagoPA settlement differences"), note=note)

    def _pagopa_supersede(self, older):
        """This revision replaces ``older``: what the older one booked is taken over when
        this one says the same, undone otherwise; its bank credit becomes this one's."""
        self.ensure_one()
        older.write({'state': 'superseded', 'superseded_by_id': self.id})
        older.activity_ids.action_feedback(feedback=_("Superseded by %s.", self.display_name))
        Line = self.env['munipay.pagopa.fdr.line']
        reversals = {line.receipt_id: line for line in Line.search([('fdr_id', 'in', older.ids),
                                                                    ('reversal_move_id', '!=', False)])}
        for line in Line.search([('fdr_id', '=', self.id), ('state', '=', 'revoked')]):
            old = reversals.pop(line.receipt_id, None)
            if old:
                line.reversal_move_id = old.reversal_move_id
        for old in reversals.values():
            old._pagopa_undo_revocation(self)
        settled = older.filtered('statement_line_id')[:1]
        if settled:
            # the job clearing the transit account goes on with this revision's receipts
            self.write({'statement_line_id': settled.statement_line_id.id,
                        'transit_pending': settled.transit_pending or bool(self._pagopa_transit_items(limit=1))})
            older.write({'statement_line_id': False, 'transit_pending': False})
            self._pagopa_reconcile_transit()
            if self.currency_id.compare_amounts(settled.amount_settled, self.amount_settled):
                self._pagopa_tell_officer(_(
                    "Settlement report %(flow)s was revised after its bank credit %(line)s of %(amount)s was booked: "
                    "the revision transfers %(new)s. Check the pagoPA transit account.", flow=self.display_name,
                    line=settled.statement_line_id.display_name,
                    amount=self.currency_id.format(settled.amount_settled),
                    new=self.currency_id.format(self.amount_settled)))
        self.message_post(body=_("Replaces %s.", older[:1].display_name))

    def action_match_again(self):
        """Match the differences again (a receipt may have arrived since)."""
        self.check_access('write')
        for report in self.sudo().filtered(lambda r: r.state == 'difference'):
            report.line_ids.filtered(lambda l: l.state == 'difference')._pagopa_rematch()
            report._pagopa_update_totals()
        return True

    def action_view_differences(self):
        self.ensure_one()
        return {
            'name': _("Differences of %s", self.display_name),
            'type': 'ir.actions.act_window',
            'res_model': 'munipay.pagopa.fdr.line',
            'view_mode': 'list,form',
            'domain': [('fdr_id', '=', self.id), ('state', '=', 'difference')],
        }
