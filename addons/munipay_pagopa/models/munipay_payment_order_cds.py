from odoo import api, fields, models

from odoo.addons.munipay_documents.models.munipay_receipt import amount_to_cents
from ..lib import notice_numbers


class MunipayPaymentOrder(models.Model):
    """Traffic fines (Codice della Strada) on pagoPA: a second notice number for the
    reduced payment within 5 days. The order's own notice number (its payment
    reference) stays the one that holds for as long as the order is open; the amount
    either asks is the amount rules' amount on the day of payment."""
    _inherit = 'munipay.payment.order'

    pagopa_reduced_iuv = fields.Char(
        string="IUV (reduced)", readonly=True, copy=False, index='btree_not_null',
        help="IUV of the traffic fine's reduced payment option (within 5 days of notification).")
    pagopa_reduced_notice_number = fields.Char(
        string="Notice Number (reduced)", readonly=True, copy=False, index='btree_not_null',
        help="Notice number of the traffic fine's reduced payment option: pagoPA refuses it as expired "
             "once its window has passed, the order's notice number then applies.")
    pagopa_reduced_notice_display = fields.Char(
        string="pagoPA Notice (reduced)", compute='_compute_pagopa_reduced_notice_display')

    _sql_constraints = [
        ('pagopa_reduced_iuv_uniq', 'unique(pagopa_fiscal_code, pagopa_reduced_iuv)',
         "This IUV is already used by another payment order of the creditor."),
        ('pagopa_reduced_notice_number_uniq', 'unique(pagopa_fiscal_code, pagopa_reduced_notice_number)',
         "This pagoPA notice number is already used by another payment order of the creditor."),
    ]

    @api.depends('pagopa_reduced_notice_number')
    def _compute_pagopa_reduced_notice_display(self):
        for order in self:
            order.pagopa_reduced_notice_display = notice_numbers.format_in_groups(order.pagopa_reduced_notice_number)

    def _munipay_reference_fields(self):
        return super()._munipay_reference_fields() + ['pagopa_reduced_notice_number']

    # ------------------------------------------------------------------ numbers

    def _pagopa_cds_used(self):
        self.ensure_one()
        return bool(self.fee_type_id.pagopa_cds and self._pagopa_used())

    def _munipay_assign_references(self):
        fines = self.filtered(lambda o: not o.payment_reference and o._pagopa_cds_used())
        for order in fines:
            order.fee_type_id._pagopa_check_cds()
        super()._munipay_assign_references()
        for order in fines:
            # from the creditor's one sequence, right after the order's own number
            notice, iuv = order.company_id._munipay_pagopa_next_notice()
            order.sudo().write({'pagopa_reduced_notice_number': notice, 'pagopa_reduced_iuv': iuv})

    def _pagopa_iuv_for(self, notice_number):
        """The IUV of one of the order's notice numbers."""
        self.ensure_one()
        if notice_number and notice_number == self.pagopa_reduced_notice_number:
            return self.pagopa_reduced_iuv
        return self.pagopa_iuv

    # ------------------------------------------------------------------ options

    def _pagopa_reduced_last_day(self):
        """Last day of the reduced option: the end of the first amount rule (a holiday moves it on)."""
        self.ensure_one()
        schedule = self._munipay_rule_schedule()
        return schedule[0][1] if schedule else None

    def _pagopa_payment_options(self):
        """What the notice offers today: [{'kind', 'notice_number', 'iuv', 'amount', 'cents',
        'last_day'}]. A traffic fine offers its reduced and its full option while their
        windows last (each amount is the amount rules' on the option's last day); any
        other order, or a fine past both windows, one option: the amount due today."""
        self.ensure_one()
        today = self._munipay_today()
        options = []
        schedule = self._munipay_rule_schedule()[:2]
        if self._pagopa_cds_used() and self.pagopa_reduced_notice_number and len(schedule) == 2 \
                and all(day for _rule, day in schedule):
            (_reduced_rule, reduced_day), (_full_rule, full_day) = schedule
            for kind, notice, iuv, last_day in (
                    ('reduced', self.pagopa_reduced_notice_number, self.pagopa_reduced_iuv, reduced_day),
                    ('full', self.pagopa_notice_number, self.pagopa_iuv, full_day)):
                if last_day >= today:
                    options.append(self._pagopa_option(kind, notice, iuv, self.get_amount_open(last_day), last_day))
        if not options:
            options.append(self._pagopa_option('single', self.pagopa_notice_number, self.pagopa_iuv,
                                               self.get_amount_open(today), self._pagopa_due_date(today)))
        return [option for option in options if option['cents'] > 0]

    def _pagopa_option(self, kind, notice, iuv, amount, last_day):
        return {
            'kind': kind,
            'notice_number': notice,
            'notice_display': notice_numbers.format_in_groups(notice),
            'iuv': iuv,
            'amount': amount,
            'cents': amount_to_cents(self.currency_id, amount),
            'last_day': last_day,
        }

    # ------------------------------------------------------------------ what pagoPA is told

    def _pagopa_check_notice_open(self, notice_number):
        """The reduced notice number is refused once its window has passed (the node then
        takes the order's own notice number)."""
        self.ensure_one()
        if notice_number != self.pagopa_reduced_notice_number:
            return True
        last_day = self._pagopa_reduced_last_day()
        return bool(last_day and self._munipay_today() <= last_day)

    def _pagopa_payment_payload(self, postal=False):
        payload = super()._pagopa_payment_payload(postal)
        notice = self.env.context.get('pagopa_notice_number')
        if notice:
            payload['iuv'] = self._pagopa_iuv_for(notice)
        return payload
