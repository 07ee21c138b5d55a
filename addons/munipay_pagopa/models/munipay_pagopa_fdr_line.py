from collections import defaultdict, namedtuple

from odoo import _, api, fields, models

from ..lib import fdr as fdr_lib

OUTCOMES = [
    ('0', "Paid"),
    ('9', "Paid without RPT"),
    ('3', "Revoked"),
    ('4', "Stand-in"),
    ('8', "Stand-in without RPT"),
]
_Payment = namedtuple('_Payment', 'iuv iur transfer cents outcome date')


class MunipayPagopaFdrLine(models.Model):
    """One payment of a settlement report, matched to the receipt (and order) it settles."""
    _name = 'munipay.pagopa.fdr.line'
    _description = "pagoPA Settlement Report Payment"
    _order = 'fdr_id, sequence, id'
    _check_company_auto = True

    fdr_id = fields.Many2one('munipay.pagopa.fdr', string="Settlement Report", required=True, readonly=True,
                             ondelete='cascade', index=True)
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    sequence = fields.Integer(readonly=True)
    iuv = fields.Char(string="IUV", required=True, readonly=True, index=True)
    iur = fields.Char(string="Receipt ID (IUR)", required=True, readonly=True)
    transfer_index = fields.Integer(string="Transfer", readonly=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    amount = fields.Monetary(readonly=True, help="Negative for a revoked payment.")
    outcome = fields.Selection(OUTCOMES, required=True, readonly=True)
    payment_date = fields.Date(string="Outcome Date", readonly=True)
    receipt_id = fields.Many2one('munipay.pagopa.receipt', string="Receipt", readonly=True, index='btree_not_null')
    order_id = fields.Many2one('munipay.payment.order', string="Payment Order", readonly=True,
                               index='btree_not_null')
    state = fields.Selection([
        ('paid', "Paid"),
        ('standin', "Stand-in"),
        ('revoked', "Revoked"),
        ('difference', "Difference"),
    ], required=True, readonly=True, index=True)
    note = fields.Char(string="Difference Note", readonly=True)
    reversal_move_id = fields.Many2one('account.move', string="Revocation Entry", readonly=True,
                                       index='btree_not_null')
    fdr_state = fields.Selection(related='fdr_id.state', string="Report Status")

    # ------------------------------------------------------------------ matching

    @api.model
    def _pagopa_create(self, report, payments, ignore_reports=None):
        """Create the lines of ``report`` from its payments, matched in bulk.

        One INSERT of all rows: a report may list 50,000 payments, and creating
        them through the ORM alone would take longer than the whole import may.
        The lines have no computed stored field and no default but the audit
        columns, written here."""
        vals_list = self._pagopa_match(report.company_id, payments, ignore_reports=(ignore_reports or report) | report)
        company_id, report_id, uid = report.company_id.id, report.id, self.env.uid
        digits = report.currency_id.decimal_places
        rows = [(report_id, company_id, sequence, payment.iuv, payment.iur, payment.transfer,
                 round(payment.cents / 100, digits), payment.outcome, payment.date, vals.get('receipt_id'),
                 vals.get('order_id'), vals['state'], vals.get('note'), uid, uid)
                for sequence, (payment, vals) in enumerate(zip(payments, vals_list), start=1)]
        self.flush_model()
        for start in range(0, len(rows), 10000):
            self.env.cr.execute_values("""
                INSERT INTO munipay_pagopa_fdr_line (fdr_id, company_id, sequence, iuv, iur, transfer_index, amount,
                    outcome, payment_date, receipt_id, order_id, state, note, create_uid, write_uid, create_date,
                    write_date)
                VALUES %s""", rows[start:start + 10000], page_size=10000,
                template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                         "now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')")
        self.invalidate_model()
        report.invalidate_recordset(['line_ids'])
        self.env['munipay.pagopa.receipt'].invalidate_model(['fdr_line_ids'])
        self.env['munipay.payment.order'].invalidate_model(['pagopa_fdr_line_ids'])

    @api.model
    def _pagopa_match(self, company, payments, ignore_reports):
        """``{state, receipt_id, order_id, note}`` of each payment: its receipt is the one
        with its IUV and receipt id (IUR); what the report says of that receipt must
        be all of it, paid or revoked, reported once."""
        self.env.flush_all()  # the SQL below reads receipts, lines and reports
        self.env.cr.execute("""
            SELECT id, iuv, name, order_id, amount, state FROM munipay_pagopa_receipt
             WHERE company_id = %s AND name = ANY(%s)""", [company.id, list({p.iur for p in payments})])
        receipts = defaultdict(list)
        for row in self.env.cr.fetchall():
            receipts[(row[1], row[2])].append(row)
        found = {key: rows[0] for key, rows in receipts.items() if len(rows) == 1}
        # receipts other live reports already say were paid (or revoked)
        reported = {}
        if found:
            self.env.cr.execute("""
                SELECT l.receipt_id, l.state = 'revoked', MIN(f.name) FROM munipay_pagopa_fdr_line l
                  JOIN munipay_pagopa_fdr f ON f.id = l.fdr_id
                 WHERE l.receipt_id = ANY(%s) AND l.state != 'difference' AND f.state != 'superseded'
                   AND NOT f.id = ANY(%s)
                 GROUP BY 1, 2""", [[row[0] for row in found.values()], ignore_reports.ids])
            reported = {(receipt_id, revoked): name for receipt_id, revoked, name in self.env.cr.fetchall()}
        by_receipt = defaultdict(list)
        for payment in payments:
            row = found.get((payment.iuv, payment.iur))
            if row:
                by_receipt[row[0]].append(payment)
        cents = company.currency_id.decimal_places
        result = []
        for payment in payments:
            key = (payment.iuv, payment.iur)
            row = found.get(key)
            if not row:
                note = _("Several receipts have this IUV and receipt id.") if key in receipts else \
                    _("No receipt with this IUV and receipt id was received.")
                result.append({'state': 'difference', 'note': note})
                continue
            receipt_id, _iuv, _name, order_id, amount, receipt_state = row
            vals = {'receipt_id': receipt_id, 'order_id': order_id}
            kind = fdr_lib.OUTCOME_KINDS[payment.outcome]
            group = by_receipt[receipt_id]
            revoked = kind == fdr_lib.REVOKED
            receipt_cents = round(amount * 10 ** cents)
            note = None
            if receipt_state not in ('booked', 'credit'):
                note = _("The receipt was not booked (its outcome was not OK).")
            elif len({(p.transfer, p.outcome) for p in group}) != len(group):
                note = _("The report lists this transfer of the receipt more than once.")
            elif len({fdr_lib.OUTCOME_KINDS[p.outcome] == fdr_lib.REVOKED for p in group}) > 1:
                note = _("The report says this receipt was both paid and revoked.")
            elif (receipt_id, revoked) in reported:
                note = _("Already reported as %(what)s in settlement report %(flow)s.",
                         what=_("revoked") if revoked else _("paid"), flow=reported[(receipt_id, revoked)])
            elif revoked and (receipt_id, False) not in reported:
                note = _("A revocation of a payment no settlement report has said was paid.")
            elif sum(p.cents for p in group) != (-receipt_cents if revoked else receipt_cents):
                note = _("The report has %(reported)s for this receipt of %(amount)s.",
                         reported=fdr_lib.format_cents(sum(p.cents for p in group)),
                         amount=fdr_lib.format_cents(receipt_cents))
            vals.update({'state': 'difference', 'note': note} if note else {'state': kind})
            result.append(vals)
        return result

    def _pagopa_rematch(self):
        """Match these lines again (after a receipt arrived) and book what now matches."""
        for report, lines in self.grouped('fdr_id').items():
            payments = [_Payment(l.iuv, l.iur, l.transfer_index, round(l.amount * 100), l.outcome, l.payment_date)
                        for l in lines]
            vals_list = self._pagopa_match(report.company_id, payments, ignore_reports=report)
            for line, vals in zip(lines, vals_list):
                line.write(dict({'receipt_id': False, 'order_id': False, 'note': False}, **vals))
            lines._pagopa_book()

    # ------------------------------------------------------------------ booking

    def _pagopa_book(self):
        """What matched lines book: a revocation takes the receipt's payment back off
        its order; a stand-in payment flags its receipt. Paid lines book nothing
        here: their money waits on the transit account for the bank's credit."""
        standin = self.filtered(lambda l: l.state == 'standin').receipt_id.filtered(lambda r: not r.standin)
        if standin:
            standin.write({'standin': True})
        for _receipt, lines in self.filtered(lambda l: l.state == 'revoked' and not l.reversal_move_id) \
                .grouped('receipt_id').items():
            lines._pagopa_revoke()
