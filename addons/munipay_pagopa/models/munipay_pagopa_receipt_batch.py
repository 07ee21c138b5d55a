from collections import defaultdict

from odoo import _, fields, models


class MunipayPagopaReceipt(models.Model):
    """Booking many receipts at once: the common case, a receipt paying an open order
    exactly what it asks on the payment day, costs a few queries per receipt
    instead of a payment wizard each (whose reconciliation recomputes a bulk issue's
    whole entry, thousands of items, for every receipt)."""
    _inherit = 'munipay.pagopa.receipt'

    def _pagopa_book_together(self):
        """Book those of the receipts ``self`` (paid, orders locked by the caller) that
        settle their open order exactly: one payment each, created and posted
        together, one reconciliation for all. Returns them; the others (more or less
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
        # the surcharge steps due on the payment day are booked first, as a payment of the order does
        fits = {receipt: receipt._pagopa_amount_fit() for receipt in receipts}
        amount_dates = {receipt: date for receipt, (date, _fit) in fits.items()}
        by_date = defaultdict(lambda: self.env['munipay.payment.order'])
        for receipt in receipts:
            by_date[amount_dates[receipt]] |= receipt.order_id
        for date, dated in by_date.items():
            dated.filtered(lambda o: o.state == 'issued')._munipay_book_surcharge(date)
        together, seen = self.browse(), set()
        for receipt in receipts:
            order = receipt.order_id
            group = {order.id, *order.joint_order_ids.ids}
            if seen & group or order.state != 'issued' or not fits[receipt][1]:
                continue
            seen |= group
            together |= receipt
        if not together:
            return together
        journal = self.env.company._munipay_pagopa_journal()
        vals_list = []
        for receipt in together:
            vals_list.append({
                'payment_type': 'inbound',
                'partner_type': 'customer',
                'partner_id': receipt.order_id.partner_id.commercial_partner_id.id,
                'destination_account_id': receipt.order_id.receivable_line_id.account_id.id,
                'amount': receipt.amount,
                'date': amount_dates[receipt],
                'journal_id': journal.id,
                'company_id': receipt.company_id.id,
                'memo': _("pagoPA %(iuv)s, receipt %(receipt)s", iuv=receipt.iuv, receipt=receipt.name),
            })
        # created by a job: no chatter of their own (the receipt and its order tell the story)
        payments = self.env['account.payment'].sudo().with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True, mail_notrack=True,
        ).create(vals_list)
        payments.action_post()
        payments.move_id.munipay_payment_channel = 'pagopa'
        plan = []
        for receipt, payment in zip(together, payments):
            receivable = payment.move_id.line_ids.filtered(
                lambda l: l.account_id == receipt.order_id.receivable_line_id.account_id and not l.reconciled)
            plan.append(receivable | receipt.order_id._munipay_open_lines())
        # the orders' entries change only by their reconciliation: Odoo's invoice
        # synchronisation is skipped, as the bank's matching does
        self.env['account.move.line'].with_context(skip_invoice_sync=True, munipay_channel='pagopa')\
            ._reconcile_plan(plan)
        for receipt, payment in zip(together, payments):
            receipt.write({'state': 'booked', 'payment_ids': [fields.Command.set(payment.ids)]})
        return together
