import base64
from datetime import datetime, timedelta

import pytz

from odoo import _, api, fields, models

NODE_TZ = pytz.timezone('Europe/Rome')


class MunipayPagopaReceipt(models.Model):
    """A payment receipt the pagoPA node sent (paSendRT): kept as received, booked once."""
    _name = 'munipay.pagopa.receipt'
    _description = "pagoPA Receipt"
    _order = 'date_received desc, id desc'
    _check_company_auto = True

    name = fields.Char(string="Receipt ID", required=True, readonly=True, index=True,
                       help="receiptId: the node's identifier of the payment.")
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    order_id = fields.Many2one('munipay.payment.order', string="Payment Order", readonly=True, index='btree_not_null')
    partner_id = fields.Many2one(related='order_id.partner_id', string="Payer")
    fiscal_code = fields.Char(string="Creditor", required=True, readonly=True)
    notice_number = fields.Char(required=True, readonly=True)
    iuv = fields.Char(string="IUV", readonly=True)
    outcome = fields.Selection([('OK', "OK"), ('KO', "KO")], readonly=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    amount = fields.Monetary(readonly=True)
    fee = fields.Monetary(string="PSP Fee", readonly=True, help="What the payer paid the payment provider.")
    payment_datetime = fields.Datetime(string="Paid at", readonly=True)
    payment_date = fields.Date(string="Payment Date", readonly=True)
    date_received = fields.Datetime(string="Received", readonly=True, default=fields.Datetime.now)
    psp_id = fields.Char(string="PSP", readonly=True)
    psp_name = fields.Char(string="PSP Name", readonly=True)
    psp_channel = fields.Char(string="PSP Channel", readonly=True)
    payment_method = fields.Char(readonly=True)
    payer_name = fields.Char(readonly=True)
    version = fields.Selection([('v1', "paSendRT"), ('v2', "paSendRTV2")], readonly=True)
    standin = fields.Boolean(string="Stand-in", readonly=True, help="Paid while the creditor was not answering.")
    state = fields.Selection([
        ('received', "Received"),
        ('booked', "Booked"),
        ('credit', "Credit to Refund"),
        ('not_booked', "Not a Payment"),
    ], default='received', required=True, readonly=True, index=True)
    payment_ids = fields.Many2many(
        'account.payment', 'munipay_pagopa_receipt_payment_rel', 'receipt_id', 'payment_id', string="Payments",
        readonly=True, help="What the receipt booked: the order's payment, and what it brought above the amount due.")
    move_line_ids = fields.One2many(
        'account.move.line', 'munipay_pagopa_receipt_id', string="Journal Items", readonly=True,
        help="The receipt's items in the entry that booked it with the others of its batch.")
    move_ids = fields.Many2many(
        'account.move', string="Journal Entries", compute='_compute_move_ids',
        help="What booked the receipt: the entry of its batch, or its payments.")
    attachment_id = fields.Many2one('ir.attachment', string="Receipt XML", readonly=True)

    _sql_constraints = [
        ('receipt_uniq', 'unique(fiscal_code, notice_number, name)', "This pagoPA receipt was already received."),
    ]

    @api.model
    def _pagopa_claim(self, company, receipt):
        """Create the receipt row, or None when the same receipt is already stored.

        A plain INSERT … ON CONFLICT: two copies of one receipt sent at once do not
        both pass; under Odoo's repeatable-read transactions the later one gets a
        serialisation failure, and Odoo retries its request, which then finds the
        stored receipt.
        """
        self.env.cr.execute("""
            INSERT INTO munipay_pagopa_receipt (name, company_id, fiscal_code, notice_number, state, date_received,
                                                create_uid, write_uid, create_date, write_date)
            VALUES (%(name)s, %(company)s, %(fiscal_code)s, %(notice)s, 'received', now() AT TIME ZONE 'UTC',
                    %(uid)s, %(uid)s, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
            ON CONFLICT (fiscal_code, notice_number, name) DO NOTHING
            RETURNING id
        """, {'name': receipt['receipt_id'], 'company': company.id, 'fiscal_code': receipt['fiscal_code'],
              'notice': receipt['notice_number'], 'uid': self.env.uid}, log_exceptions=False)
        row = self.env.cr.fetchone()
        return self.browse(row[0]) if row else None

    @api.model
    def _pagopa_payment_moment(self, company, receipt):
        """(UTC datetime or None, date in the company's time zone) of the payment."""
        tz = pytz.timezone(self.env['munipay.payment.order']._munipay_company_tz(company))
        text = receipt.get('payment_datetime')
        if text:
            moment = datetime.fromisoformat(text)
            # the node writes Italian local time without an offset; the day is the company's,
            # as in the amount Verify and GetPayment quoted
            moment = moment if moment.tzinfo else NODE_TZ.localize(moment)
            return moment.astimezone(pytz.utc).replace(tzinfo=None), moment.astimezone(tz).date()
        if receipt.get('application_date'):
            return None, fields.Date.to_date(receipt['application_date'])
        return None, self.env['munipay.payment.order']._munipay_company_today(company)

    def _pagopa_store(self, receipt, raw, version, order):
        """Fill the claimed receipt from the node's data and keep the XML (in the row:
        stored with it in one transaction)."""
        self.ensure_one()
        company = order.company_id  # the receipt's (claimed for it)
        currency = company.currency_id
        moment, date = self._pagopa_payment_moment(company, receipt)
        payer = receipt.get('payer') or receipt.get('debtor') or {}
        self.write({
            'receipt_xml': base64.b64encode(raw or b''),  # attached by the booking job
            'order_id': order.id,
            'iuv': receipt['iuv'],
            'outcome': receipt['outcome'],
            'amount': currency.round(receipt['amount_cents'] / 100),
            'fee': currency.round((receipt.get('fee_cents') or 0) / 100),
            'payment_datetime': moment,
            'payment_date': date,
            'psp_id': receipt['psp_id'],
            'psp_name': receipt['psp_name'],
            'psp_channel': receipt['psp_channel'],
            'payment_method': receipt.get('payment_method'),
            'payer_name': payer.get('name'),
            'version': version,
            'standin': receipt.get('standin', False),
        })

    def _pagopa_amount_date(self):
        """The day whose amount the receipt paid, on which the order is settled: the
        payment day, or the day before when the citizen's payment crossed midnight."""
        return self._pagopa_amount_fit()[0]

    def _pagopa_amount_fit(self):
        """(day, whether the receipt pays exactly what is open on that day). The node
        takes the amount paGetPayment quoted when the payment began, so a receipt of
        yesterday's amount (the last day of a discount) that differs from today's was
        quoted yesterday: it settles the order as it stood then."""
        self.ensure_one()
        order, date = self.order_id, self.payment_date
        if not date or order.state != 'issued' or self.outcome != 'OK':
            return date, False
        currency = order.currency_id
        if not currency.compare_amounts(self.amount, order.get_amount_open(date)):
            return date, True
        previous = date - timedelta(days=1)
        if not currency.compare_amounts(self.amount, order.get_amount_open(previous)):
            return previous, True
        return date, False

    def _pagopa_book(self):
        """Book the payment on the pagoPA journal: it settles the order through the
        channel method of munipay_base (whose joint debtors are then cancelled); for
        an order that can no longer take it, it stays a credit on the payer, flagged
        to refund."""
        self.ensure_one()
        if self.outcome != 'OK':
            self.state = 'not_booked'
            return
        company = self.company_id
        order = self.order_id.with_company(company).with_context(munipay_channel='pagopa')
        journal = company._munipay_pagopa_journal()
        was_open = order.state == 'issued'
        payments = order._munipay_pay(
            journal, amount=self.amount, payment_date=self._pagopa_amount_date(), external=True,
            memo=_("pagoPA %(iuv)s, receipt %(receipt)s", iuv=self.iuv, receipt=self.name))
        payments.move_id.sudo().munipay_payment_channel = 'pagopa'
        self.write({'state': 'booked' if was_open else 'credit', 'payment_ids': [fields.Command.set(payments.ids)]})

    @api.depends('move_line_ids', 'payment_ids')
    def _compute_move_ids(self):
        for receipt in self:
            receipt.move_ids = receipt.move_line_ids.move_id | receipt.payment_ids.move_id

    def action_view_moves(self):
        self.ensure_one()
        return {
            'name': _("Journal entries of pagoPA receipt %s", self.name),
            'type': 'ir.actions.act_window',
            'res_model': 'account.move',
            'view_mode': 'list,form',
            'domain': [('id', 'in', self.move_ids.ids)],
        }

    def action_view_payments(self):
        self.ensure_one()
        return {
            'name': _("Payments of pagoPA receipt %s", self.name),
            'type': 'ir.actions.act_window',
            'res_model': 'account.payment',
            'view_mode': 'list,form',
            'domain': [('id', 'in', self.payment_ids.ids)],
        }
