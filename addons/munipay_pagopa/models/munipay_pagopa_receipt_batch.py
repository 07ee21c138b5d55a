from odoo import _, fields, models
from odoo.tools import format_date


class MunipayPagopaReceipt(models.Model):
    """Booking many receipts at once: the common case, a receipt paying an open order
    exactly what it asks on the payment day, costs a few queries per receipt
    instead of a payment each: one journal entry per day for the whole batch."""
    _inherit = 'munipay.pagopa.receipt'

    def _pagopa_book_together(self):
        """Book those of the receipts ``self`` (paid, orders locked by the caller) that
        settle their open order exactly: one journal entry per payment day with a
        pair of items per receipt (transit account / payer's receivable), one
        reconciliation for all. Returns them; the others (more or less
        than due, an order no longer open, a second receipt for one debt) are left
        to :meth:`_pagopa_book`, one by one."""
        together = self.browse()
        for company, receipts in self.sudo().grouped('company_id').items():
            together |= receipts.with_company(company)._pagopa_book_together_of_company()
        return together

    def _pagopa_book_together_of_company(self):
        receipts = self.filtered(lambda r: r.outcome == 'OK' and r.order_id.state == 'issued')
        if not receipts:
            return self.browse()
        fits = {receipt: receipt._pagopa_amount_fit() for receipt in receipts}
        # one receipt per debt (a joint group is one debt): a second one is left to the
        # one-by-one booking, which keeps it as a credit
        chosen, seen = self.browse(), set()
        for receipt in receipts:
            order = receipt.order_id
            group = {order.id, *order.joint_order_ids.ids}
            if seen & group or not fits[receipt][1]:
                continue
            seen |= group
            chosen |= receipt
        amount_dates = {receipt: fits[receipt][0] for receipt in chosen}
        # the surcharge steps due on the day a chosen receipt paid are booked first, as a
        # payment of the order does (not those of another receipt's later day)
        for date, dated in chosen.grouped(lambda r: amount_dates[r]).items():
            dated.order_id._munipay_book_surcharge(date)
        together = chosen.filtered(lambda r: r.order_id.state == 'issued')
        if not together:
            return together
        company = self.env.company
        journal = company._munipay_pagopa_journal()
        transit = company.munipay_pagopa_transit_account_id
        entries_vals = []
        for day, receipts_of_day in sorted(together.grouped(lambda r: amount_dates[r]).items()):
            lines = []
            for receipt in receipts_of_day:
                order = receipt.order_id
                label = _("pagoPA %(iuv)s, receipt %(receipt)s", iuv=receipt.iuv, receipt=receipt.name)
                partner = order.partner_id.commercial_partner_id.id
                lines += [
                    fields.Command.create({'name': label, 'account_id': transit.id, 'partner_id': partner,
                                           'debit': receipt.amount, 'munipay_pagopa_receipt_id': receipt.id}),
                    fields.Command.create({'name': label, 'account_id': order.receivable_line_id.account_id.id,
                                           'partner_id': partner, 'credit': receipt.amount,
                                           'munipay_pagopa_receipt_id': receipt.id}),
                ]
            entries_vals.append({
                'move_type': 'entry',
                'journal_id': journal.id,
                'company_id': company.id,
                'date': day,
                'ref': _("pagoPA receipts of %s", format_date(self.env, day)),
                'munipay_payment_channel': 'pagopa',
                'line_ids': lines,
            })
        # one entry per day for the batch, an item pair per receipt: the receipts are
        # booked in a handful of queries, not a payment (with its sequence and
        # synchronisation) each; the entry tells no story of its own in the chatter
        entries = self.env['account.move'].sudo().with_context(
            skip_invoice_sync=True, tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True,
        ).create(entries_vals)
        entries._post(soft=False)
        credits = {line.munipay_pagopa_receipt_id: line
                   for line in entries.line_ids if line.account_id != transit}
        plan = [credits[receipt] | receipt.order_id._munipay_open_lines() for receipt in together]
        # the orders' entries change only by their reconciliation: Odoo's invoice
        # synchronisation is skipped, as the bank's matching does
        self.env['account.move.line'].with_context(skip_invoice_sync=True, munipay_channel='pagopa')\
            ._reconcile_plan(plan)
        together.write({'state': 'booked'})
        return together
