from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.munipay_documents.lib import qr_payloads
from odoo.addons.munipay_documents.models.munipay_receipt import amount_to_cents
from ..lib import notice_numbers, pafornode


class MunipayPaymentOrder(models.Model):
    """pagoPA numbers of an order: its IUV and notice number, given when it is issued."""
    _inherit = 'munipay.payment.order'

    pagopa_iuv = fields.Char(string="IUV", readonly=True, copy=False, index='btree_not_null',
                             help="pagoPA's unique payment identifier (creditorReferenceId).")
    pagopa_notice_number = fields.Char(string="Notice Number", readonly=True, copy=False,
                                       help="The 18-digit pagoPA notice number printed on the notice and in its QR code.")
    pagopa_fiscal_code = fields.Char(string="pagoPA Creditor", readonly=True, copy=False,
                                     help="Fiscal code of the creditor the notice number belongs to.")
    pagopa_notice_display = fields.Char(string="pagoPA Notice", compute='_compute_pagopa_notice_display')
    pagopa_receipt_ids = fields.One2many('munipay.pagopa.receipt', 'order_id', string="pagoPA Receipts", readonly=True)

    _sql_constraints = [
        # IUVs and notice numbers are a creditor's forever: never two orders with one, whatever their state
        ('pagopa_iuv_uniq', 'unique(pagopa_fiscal_code, pagopa_iuv)',
         "This IUV is already used by another payment order of the creditor."),
        ('pagopa_notice_number_uniq', 'unique(pagopa_fiscal_code, pagopa_notice_number)',
         "This pagoPA notice number is already used by another payment order of the creditor."),
    ]

    @api.depends('pagopa_notice_number')
    def _compute_pagopa_notice_display(self):
        for order in self:
            order.pagopa_notice_display = notice_numbers.format_in_groups(order.pagopa_notice_number)

    def _pagopa_used(self):
        self.ensure_one()
        return self._munipay_qr_standard() == 'pagopa'

    # ------------------------------------------------------------------ numbers

    def _munipay_new_reference(self):
        self.ensure_one()
        if not self._pagopa_used():
            return super()._munipay_new_reference()
        return self.company_id._munipay_pagopa_next_notice()[0]

    def _munipay_assign_references(self):
        pagopa = self.filtered(lambda o: not o.payment_reference and o._pagopa_used())
        for order in pagopa:
            # before any number is taken: an order pagoPA could not collect is not issued
            order._pagopa_transfer_groups()
        super()._munipay_assign_references()
        for order in pagopa:
            parsed = notice_numbers.parse_notice_number(order.payment_reference)
            order.sudo().write({
                'pagopa_notice_number': parsed.notice,
                'pagopa_iuv': parsed.iuv,
                'pagopa_fiscal_code': order.company_id.munipay_creditor_fiscal_code,
            })

    def _munipay_notice_number(self):
        if self.pagopa_notice_number:
            return self.pagopa_notice_number
        return super()._munipay_notice_number()

    def _munipay_payment_qr_payload(self, amount=None):
        """The pagoPA QR of an order with a notice number carries its own creditor
        (the one the number was issued for)."""
        self.ensure_one()
        if not (self.pagopa_notice_number and self._pagopa_used()):
            return super()._munipay_payment_qr_payload(amount)
        amount = self.get_amount_due() if amount is None else amount
        try:
            return qr_payloads.encode_pagopa(self.pagopa_notice_number, self.pagopa_fiscal_code,
                                             amount_to_cents(self.currency_id, amount))
        except qr_payloads.PayloadError as error:
            raise UserError(_("The pagoPA QR code of %(order)s cannot be made: %(reason)s",
                              order=self.name, reason=str(error))) from None

    # ------------------------------------------------------------------ what pagoPA is told

    def _pagopa_transfer_groups(self, postal=False):
        """The order's lines grouped into pagoPA transfers: [{'cents', 'iban', 'category',
        'names', 'fees'}], the group of the fee itself first (what a discount reduces)."""
        self.ensure_one()
        groups = {}
        main_fee = self.fee_type_id
        for line in self.line_ids.sorted(lambda l: (l.is_cost, l.fee_type_id != main_fee, l.sequence, l.id)):
            fee = line.fee_type_id or main_fee
            fee._pagopa_check_ready()
            key = (fee._pagopa_iban(postal), fee.pagopa_transfer_category.strip())
            group = groups.setdefault(key, {'cents': 0, 'iban': key[0], 'category': key[1], 'names': [],
                                            'fees': self.env['munipay.fee.type']})
            group['cents'] += amount_to_cents(self.currency_id, line.amount)
            group['names'].append(line.name or fee.name)
            group['fees'] |= fee
        if not 1 <= len(groups) <= 5:
            raise UserError(_("Order %(order)s would make %(count)s pagoPA transfers; pagoPA takes 1 to 5 "
                              "(one per IBAN and taxonomy).", order=self.name, count=len(groups)))
        return list(groups.values())

    def _pagopa_description(self):
        self.ensure_one()
        return " – ".join(filter(None, [self.fee_type_id.name or self.line_ids[:1].name, self.origin or self.name]))

    def _pagopa_due_date(self, today):
        """Until when the amount asked today holds: the end of its amount rule, else the due date."""
        self.ensure_one()
        _rule, deadline = self._munipay_rule_on(today)
        return max(deadline or self.date_due or self.date_issue, today)

    def _pagopa_debtor(self):
        partner = self.partner_id.sudo().commercial_partner_id
        identifier = (partner.munipay_national_id or '').replace(' ', '').upper()
        if not identifier and partner.vat:
            identifier = partner.vat.replace(' ', '').upper().removeprefix('IT')
        return {
            'type': 'G' if partner.is_company else 'F',
            'id': identifier if 2 <= len(identifier) <= 16 else 'ANONIMO',
            'name': partner.name,
            'street': partner.street,
            'postal_code': partner.zip,
            'city': partner.city,
            'province': partner.state_id.code,
            'country': partner.country_id.code,
            'email': partner.email,
        }

    def _pagopa_amount_cents(self, today):
        return amount_to_cents(self.currency_id, self.get_amount_open(today))

    def _pagopa_prefetch_answer(self):
        """Read at once, and only, what Verify and GetPayment need of the order."""
        fields_of = self.env['munipay.pagopa.node']._pagopa_answer_fields()
        self.fetch(fields_of['munipay.payment.order'])
        self.line_ids.fetch(fields_of['munipay.payment.order.line'])
        self.ledger_line_ids.fetch(fields_of['account.move.line'])
        fees = self.fee_type_id | self.line_ids.fee_type_id
        fees.fetch(fields_of['munipay.fee.type'])
        (fees.pagopa_bank_account_id | fees.pagopa_postal_bank_account_id | self.company_id.munipay_bank_account_id)\
            .fetch(fields_of['res.partner.bank'])

    def _pagopa_verify_payload(self):
        self.ensure_one()
        today = self._munipay_today()
        groups = self._pagopa_transfer_groups()
        return {
            'amount_cents': self._pagopa_amount_cents(today),
            'due_date': fields.Date.to_string(self._pagopa_due_date(today)),
            'detail': self.fee_type_id.name,
            'all_ccp': all(fee.pagopa_postal_bank_account_id for group in groups for fee in group['fees']),
            'description': self._pagopa_description(),
            'fiscal_code': self.pagopa_fiscal_code,
            'company_name': self.company_id.name,
        }

    def _pagopa_payment_payload(self, postal=False):
        """Everything paGetPayment answers: the amount due today split into 1 to 5
        transfers that add up to it."""
        self.ensure_one()
        self.partner_id.fetch(self.env['munipay.pagopa.node']._pagopa_answer_fields()['res.partner'])
        today = self._munipay_today()
        total = self._pagopa_amount_cents(today)
        groups = self._pagopa_transfer_groups(postal)
        amounts = pafornode.allocate_cents([group['cents'] for group in groups], total)
        return {
            'iuv': self.pagopa_iuv,
            'amount_cents': total,
            'due_date': fields.Date.to_string(self._pagopa_due_date(today)),
            'description': self._pagopa_description(),
            'company_name': self.company_id.name,
            'debtor': self._pagopa_debtor(),
            'transfers': [{
                'amount_cents': cents,
                'fiscal_code': self.pagopa_fiscal_code,
                'iban': group['iban'],
                'remittance': ", ".join(group['names']),
                'category': group['category'],
                'company_name': self.company_id.name,
            } for group, cents in zip(groups, amounts) if cents],
        }
