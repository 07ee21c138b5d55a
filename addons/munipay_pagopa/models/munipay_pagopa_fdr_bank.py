import re

from odoo import _, api, fields, models

# transit items reconciled in the transaction that books the bank credit; a job reconciles the rest
INLINE_RECONCILE_LIMIT = 2000
# the remittance of a PSP's transfer for a settlement report
FLOW_REF_RE = re.compile(r'LGPE-RIVERSAMENTO/URI/([A-Za-z0-9\-_]{1,35})', re.IGNORECASE)


class MunipayPagopaFdr(models.Model):
    """The PSP's bank transfer for a report clears the report's money on the pagoPA transit account."""
    _inherit = 'munipay.pagopa.fdr'

    transit_pending = fields.Boolean(
        string="Clearing in Progress", readonly=True, copy=False, index=True,
        help="The bank credit is booked on the transit account; a background job reconciles it with the "
             "report's receipts, a few thousand at a time.")

    def _pagopa_transit_items(self, limit=None):
        """The open transit items of the report: its revocations, then what its paid
        receipts booked there (one query; at most ``limit`` of the latter)."""
        self.ensure_one()
        transit = self.company_id.munipay_pagopa_transit_account_id
        if not transit:
            return self.env['account.move.line']
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT aml.id FROM munipay_pagopa_fdr_line l
              JOIN account_move_line aml ON aml.move_id = l.reversal_move_id
             WHERE l.fdr_id = %(report)s AND l.state = 'revoked'
               AND aml.account_id = %(transit)s AND NOT aml.reconciled
        """, {'report': self.id, 'transit': transit.id})
        revocations = [row[0] for row in self.env.cr.fetchall()]
        # a receipt's transit item: its own in the entry of its batch, or its payment's
        self.env.cr.execute("""
            SELECT id FROM (
                SELECT aml.id FROM munipay_pagopa_fdr_line l
                  JOIN account_move_line aml ON aml.munipay_pagopa_receipt_id = l.receipt_id
                 WHERE l.fdr_id = %(report)s AND l.state IN ('paid', 'standin')
                   AND aml.account_id = %(transit)s AND NOT aml.reconciled AND aml.parent_state = 'posted'
                UNION
                SELECT aml.id FROM munipay_pagopa_fdr_line l
                  JOIN munipay_pagopa_receipt_payment_rel rel ON rel.receipt_id = l.receipt_id
                  JOIN account_payment p ON p.id = rel.payment_id
                  JOIN account_move_line aml ON aml.move_id = p.move_id
                 WHERE l.fdr_id = %(report)s AND l.state IN ('paid', 'standin')
                   AND aml.account_id = %(transit)s AND NOT aml.reconciled AND aml.parent_state = 'posted'
            ) items ORDER BY id LIMIT %(limit)s
        """, {'report': self.id, 'transit': transit.id, 'limit': limit})
        return self.env['account.move.line'].browse(revocations + [row[0] for row in self.env.cr.fetchall()])

    def _pagopa_bank_counterpart(self):
        """The open transit item of the report's bank credit."""
        self.ensure_one()
        return self.statement_line_id.move_id.line_ids.filtered(
            lambda l: l.account_id == self.company_id.munipay_pagopa_transit_account_id and not l.reconciled)

    def _pagopa_reconcile_transit(self, limit=None):
        """Reconcile up to ``limit`` of the report's transit items with its bank credit;
        the job takes the rest. Reconciling is what costs (Odoo follows up each
        receipt's payment and entry), so a large report is cleared over several
        transactions rather than in the one that books the bank line."""
        limit = limit or INLINE_RECONCILE_LIMIT
        for report in self.filtered('transit_pending'):
            counterpart = report._pagopa_bank_counterpart()
            items = report._pagopa_transit_items(limit=limit + 1)
            batch = items[:len(items) - 1] if len(items) > limit else items
            debits = batch.filtered(lambda l: l.balance > 0)
            if counterpart and debits:
                Line = self.env['account.move.line'].with_context(skip_invoice_sync=True)
                Line._reconcile_plan([counterpart | batch])
            if len(items) <= limit or not counterpart or not debits:
                report.transit_pending = False
            else:
                self.env.ref('munipay_pagopa.ir_cron_munipay_pagopa_fdr_reconcile').sudo()._trigger()

    @api.model
    def _cron_pagopa_reconcile_transit(self, batch_size=None):
        reports = self.search([('transit_pending', '=', True)], limit=1)
        reports._pagopa_reconcile_transit(batch_size)
        remaining = self.search_count([('transit_pending', '=', True)])
        self.env['ir.cron']._notify_progress(done=len(reports), remaining=remaining)

    def _pagopa_settle(self, st_line):
        """Book the PSP's transfer ``st_line`` for this report: its counterpart goes to
        the transit account, reconciled with the report's items there; what the
        transfer brought beyond them (payments without a receipt) waits on the
        unmatched payments account for an officer."""
        self.ensure_one()
        st_line = st_line.sudo()
        company = self.company_id
        currency = company.currency_id
        _liquidity, suspense, other = st_line.with_context(skip_account_move_synchronization=True)._seek_for_lines()
        counterpart = suspense or other.filtered(lambda l: l.munipay_suspense and not l.reconciled)
        if len(counterpart) != 1:
            return False
        was_suspense = counterpart.munipay_suspense
        items = self._pagopa_transit_items()
        company._munipay_pagopa_journal()  # the transit account, created with the journal
        transit = company.munipay_pagopa_transit_account_id
        matched = currency.round(sum(items.mapped('amount_residual')))
        rest = currency.round(st_line.amount - matched)
        note = _("pagoPA settlement report %s", self.display_name)
        if currency.is_zero(rest):
            counterpart._munipay_rebook_counterpart(transit, partner=self.env['res.partner'])
        else:
            note = _("pagoPA settlement report %(flow)s: %(rest)s of the transfer matches no receipt of the report "
                     "and waits on the unmatched payments account.", flow=self.display_name,
                     rest=currency.format(rest))
            move = st_line.move_id
            with move._check_balanced({'records': move, 'self': move}):
                counterpart.with_context(skip_account_move_synchronization=True, skip_invoice_sync=True,
                                         check_move_validity=False).write({
                    'account_id': transit.id, 'partner_id': False, 'balance': -matched, 'amount_currency': -matched})
                self.env['account.move.line'].with_context(
                    skip_account_move_synchronization=True, skip_invoice_sync=True, check_move_validity=False,
                ).create({
                    'move_id': move.id, 'name': note[:250], 'account_id': company._munipay_suspense_account().id,
                    'balance': -rest, 'amount_currency': -rest, 'currency_id': currency.id,
                })
        st_line.with_context(skip_account_move_synchronization=True).write({
            'munipay_match_state': 'pagopa', 'munipay_match_note': note[:250]})
        self.write({'statement_line_id': st_line.id, 'transit_pending': bool(items)})
        self._pagopa_reconcile_transit()
        if was_suspense:
            st_line.move_id.activity_ids.action_feedback(feedback=note)
        if not currency.is_zero(rest):
            st_line._munipay_tell_officer(note)
        self.message_post(body=_("Settled by the bank credit %(line)s of %(amount)s.", line=st_line.display_name,
                                 amount=currency.format(st_line.amount)))
        return True

    def _pagopa_settle_waiting_lines(self):
        """The PSP's transfer came before the report: take it off the unmatched payments
        account now that the report says what it pays."""
        for report in self.filtered(lambda r: not r.statement_line_id and r.state != 'superseded'):
            texts = [report.name] + ([report.regulation] if report.regulation and len(report.regulation) >= 6 else [])
            domain = [('company_id', '=', report.company_id.id), ('munipay_match_state', '=', 'suspense'),
                      ('amount', '=', report.amount_settled)]
            domain += ['|'] * (len(texts) - 1) + [('payment_ref', 'ilike', text) for text in texts]
            for line in self.env['account.bank.statement.line'].sudo().search(domain, order='date, id'):
                if report._pagopa_settle(line):
                    break


class AccountBankStatementLine(models.Model):
    _inherit = 'account.bank.statement.line'

    munipay_match_state = fields.Selection(selection_add=[('pagopa', "pagoPA settlement")],
                                           ondelete={'pagopa': 'set null'})

    def _munipay_match_special(self):
        """A PSP's transfer for a pagoPA settlement report (its remittance names the
        report, or it carries the report's regulation id and amount) settles that
        report; one naming a report that is not here, or for another amount, waits
        on the unmatched payments account."""
        done = super()._munipay_match_special()
        lines = (self - done).sudo()._munipay_matchable().filtered(
            lambda l: not l.foreign_currency_id and l.currency_id == l.company_id.currency_id
            and l.company_id._munipay_pagopa_enabled())
        if not lines:
            return done
        texts = {line: ' '.join(t for t in line._munipay_texts() if t) for line in lines}
        named = {line: {ref.upper() for ref in FLOW_REF_RE.findall(text)} for line, text in texts.items()}
        flow_ids = set().union(*named.values())
        # the reports the lines name, and the unsettled ones of their amounts (to look for a regulation id)
        domain = [('company_id', 'in', lines.company_id.ids), ('state', '!=', 'superseded'),
                  '|', ('name', 'in', list(flow_ids)),
                  '&', ('statement_line_id', '=', False), ('amount_settled', 'in', list(set(lines.mapped('amount'))))]
        reports = self.env['munipay.pagopa.fdr'].sudo().search(domain)
        booked = self.browse()
        for line in lines:
            same_company = reports.filtered(lambda r, l=line: r.company_id == l.company_id)
            if named[line]:
                candidates = same_company.filtered(lambda r, l=line: r.name.upper() in named[l])
            else:
                text = texts[line].upper()
                candidates = same_company.filtered(lambda r, t=text: not r.statement_line_id and r.regulation
                                                   and len(r.regulation) >= 6 and r.regulation.upper() in t)
                if not candidates:
                    continue
            fitting = candidates.filtered(lambda r, l=line: not r.statement_line_id
                                          and not r.currency_id.compare_amounts(r.amount_settled, l.amount))
            if len(fitting) == 1 and fitting._pagopa_settle(line):
                booked |= line
                continue
            if not candidates:
                reason = _("The transfer settles pagoPA report %s, which is not imported yet: it waits here and is "
                           "settled when the report arrives.", ", ".join(sorted(named[line])))
            elif len(fitting) > 1:
                reason = _("The transfer fits several pagoPA settlement reports: %s.",
                           ", ".join(fitting.mapped('display_name')))
            elif all(report.statement_line_id for report in candidates):
                reason = _("pagoPA settlement report %s is already settled by another bank credit.",
                           ", ".join(candidates.mapped('display_name')))
            else:
                reason = _("The transfer of %(amount)s is not the total of pagoPA settlement report %(flow)s "
                           "(%(total)s): match it by hand.", amount=line.currency_id.format(line.amount),
                           flow=", ".join(candidates.mapped('display_name')),
                           total=", ".join(r.currency_id.format(r.amount_settled) for r in candidates))
            line._munipay_to_suspense(reason)
            booked |= line
        return done | booked

    def action_undo_reconciliation(self):
        reports = self.env['munipay.pagopa.fdr'].sudo().search([('statement_line_id', 'in', self.ids)])
        res = super().action_undo_reconciliation()
        reports.write({'statement_line_id': False, 'transit_pending': False})
        return res
