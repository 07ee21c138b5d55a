from odoo import _, fields, models


class MunipayPagopaFdrLine(models.Model):
    """A revoked payment (outcome 3): the PSP gave the money back to the payer and
    took it off its transfer. Its receipt's payment is taken off the order, which is
    open again, the way munipay_bank takes a returned transfer off its order."""
    _inherit = 'munipay.pagopa.fdr.line'

    def _pagopa_receipt_credits(self):
        """The receivable items the receipt credited (its items in its batch's entry,
        or its payments')."""
        receipt = self.receipt_id
        return (receipt.move_line_ids | receipt.payment_ids.move_id.line_ids).filtered(
            lambda l: l.account_id.account_type == 'asset_receivable' and l.balance < 0 and l.parent_state == 'posted')

    def _pagopa_revoke(self):
        """Book the revocation of one receipt (the lines are its revoked transfers):
        an entry on the pagoPA journal moves the amount from the transit account
        back onto the payer, reconciled with the payment it cancels."""
        receipt = self.receipt_id
        receipt.ensure_one()
        report = self.fdr_id
        company = report.company_id
        order = receipt.order_id
        if order:
            order._munipay_lock()
        credits = self._pagopa_receipt_credits()
        elsewhere = credits.matched_debit_ids.filtered(lambda p: not p.debit_move_id.munipay_order_id)
        if not credits or elsewhere:
            self.write({'state': 'difference', 'note': _(
                "The receipt's payment was already refunded or taken off its order: match the revocation by hand.")})
            return
        journal = company._munipay_pagopa_journal()
        transit = company.munipay_pagopa_transit_account_id
        label = _("pagoPA revocation of receipt %(receipt)s (settlement report %(flow)s)",
                  receipt=receipt.name, flow=report.display_name)
        amount = -sum(credits.mapped('balance'))
        move = self.env['account.move'].sudo().create({
            'move_type': 'entry',
            'journal_id': journal.id,
            'company_id': company.id,
            'date': report.regulation_date or fields.Date.context_today(self),
            'ref': label,
            'munipay_payment_channel': 'pagopa',
            'line_ids': [fields.Command.create({
                'name': label, 'account_id': credit.account_id.id, 'partner_id': credit.partner_id.id,
                'debit': -credit.balance}) for credit in credits] + [fields.Command.create({
                    'name': label, 'account_id': transit.id, 'partner_id': credits[:1].partner_id.id,
                    'credit': amount})],
        })
        move._post(soft=False)
        # the payment comes off the order (it reopens through munipay_base), then is cancelled by this entry
        credits.matched_debit_ids.unlink()
        debits = move.line_ids.filtered(lambda l: l.balance > 0)
        for credit, debit in zip(credits, debits):
            (credit | debit).reconcile()
        self.write({'reversal_move_id': move.id})
        if order:
            order.message_post(body=_(
                "pagoPA revoked the payment of %(amount)s of receipt %(receipt)s (settlement report %(flow)s): "
                "the order is open again.", amount=order.currency_id.format(amount), receipt=receipt.name,
                flow=report.display_name))

    def _pagopa_undo_revocation(self, report):
        """A revision of the report no longer revokes this payment: cancel the
        revocation entry and give the payment back to its order (or keep it as a
        credit to refund, when the order took other money meanwhile)."""
        self.ensure_one()
        move = self.reversal_move_id
        receipt, order = self.receipt_id, self.receipt_id.order_id
        if order:
            order._munipay_lock()
        debits = move.line_ids.filtered(lambda l: l.balance > 0)
        credits = debits.matched_credit_ids.credit_move_id
        debits.matched_credit_ids.unlink()
        move._reverse_moves([{
            'date': report.regulation_date or fields.Date.context_today(self),
            'ref': _("Revocation cancelled by settlement report %s", report.display_name),
        }], cancel=True)
        self.reversal_move_id = False
        if not order:
            return
        body = _("Settlement report %(flow)s no longer revokes receipt %(receipt)s: its payment is back.",
                 flow=report.display_name, receipt=receipt.name)
        if order.state == 'issued':
            (credits | order._munipay_open_lines()).reconcile()
            order.message_post(body=body)
        else:
            order._munipay_flag_refund(credits, body)
