from collections import defaultdict

from odoo import _, fields, models, Command
from odoo.exceptions import UserError
from odoo.osv import expression

from ..lib import references


class MunipayPaymentOrder(models.Model):
    """Issuing: the payment reference and the receivable on the payer."""
    _inherit = 'munipay.payment.order'

    def _munipay_check_issuable(self):
        self._munipay_add_missing_costs()
        for order in self:
            if order.state != 'draft':
                raise UserError(_("Payment order %(name)s is already %(state)s: it can be issued only once.",
                                  name=order.name, state=order._munipay_state_label()))
            if not order.line_ids:
                raise UserError(_("Payment order %s has no lines.", order.name))
            if not order.fee_type_id:
                raise UserError(_("Payment order %s has no fee type.", order.name))
            for line in order.line_ids:
                if order.currency_id.compare_amounts(line.amount, 0.0) <= 0:
                    raise UserError(_("Line “%(line)s” of %(order)s has no positive amount.",
                                      line=line.name or line.fee_type_id.name, order=order.name))
            if order.currency_id.compare_amounts(order.amount_total, 0.0) <= 0:
                raise UserError(_("Payment order %s has no positive total.", order.name))
            order.line_ids.fee_type_id._munipay_check_taxes()
        self.filtered('joint_group')._check_joint_group()

    def _munipay_new_reference(self):
        """The payment reference of a new order. Hook: munipay_pagopa gives IUVs."""
        self.ensure_one()
        return references.make_rf(self.name)

    def _munipay_reference_fields(self):
        """Fields whose values identify an order when a payer writes them (in a bank
        transfer's remittance text). Hook: munipay_pagopa adds its second notice number."""
        return ['payment_reference', 'name']

    def _munipay_reference_domain(self, values):
        """Orders any of whose reference fields is one of ``values``."""
        return expression.OR([[(key, 'in', list(values))] for key in self._munipay_reference_fields()])

    def _munipay_assign_references(self):
        todo = self.filtered(lambda o: not o.payment_reference)
        new_refs = {order: order._munipay_new_reference() for order in todo}
        if len(set(new_refs.values())) != len(new_refs):
            raise UserError(_("Two orders of this batch would share a payment reference."))
        if new_refs:
            taken = self.sudo().search_read(
                [('payment_reference', 'in', list(new_refs.values())), ('company_id', 'in', todo.company_id.ids)],
                ['payment_reference', 'name', 'company_id'])
            clashes = [(r['payment_reference'], r['name']) for r in taken
                       if any(o.company_id.id == r['company_id'][0] and ref == r['payment_reference']
                              for o, ref in new_refs.items())]
            if clashes:
                raise UserError(_("Payment reference %(ref)s is already used by order %(order)s.",
                                  ref=clashes[0][0], order=clashes[0][1]))
        for order, ref in new_refs.items():
            order.sudo().payment_reference = ref

    def action_issue(self):
        """Assign the reference and post the receivable on the payer (one invoice per order)."""
        self.check_access('write')
        self._munipay_check_issuable()
        orders = self.sudo()
        orders._munipay_assign_references()
        invoices = self.env['account.move'].sudo().with_context(default_move_type='out_invoice').create(
            [order._munipay_prepare_invoice_vals() for order in orders])
        invoices.action_post()
        for order, invoice in zip(orders, invoices):
            receivable = invoice.line_ids.filtered(lambda l: l.display_type == 'payment_term')
            if len(receivable) != 1 or order.currency_id.compare_amounts(invoice.amount_total, order.amount_total):
                raise UserError(_("The invoice of %s does not match the order's total; check the taxes of its fee "
                                  "products (only taxes included in the price are supported).", order.name))
            receivable.munipay_order_id = order
            order.write({'state': 'issued', 'move_id': invoice.id, 'receivable_line_id': receivable.id})
        orders._munipay_update_discount_terms()
        orders._munipay_update_next_surcharge()
        return True

    def _munipay_prepare_invoice_vals(self):
        self.ensure_one()
        journal = self.company_id._munipay_get('munipay_journal_id')
        return {
            'move_type': 'out_invoice',
            'partner_id': self.partner_id.id,
            'journal_id': journal.id,
            'company_id': self.company_id.id,
            'currency_id': self.currency_id.id,
            'invoice_date': self.date_issue,
            'invoice_date_due': self.date_due or self.date_issue,
            'invoice_payment_term_id': False,
            'payment_reference': self.payment_reference,
            'ref': self.origin or False,
            'invoice_origin': self.name,
            'invoice_line_ids': [Command.create(line._munipay_prepare_invoice_line_vals()) for line in self.line_ids],
        }

    def _munipay_issue_batch(self, journal=None, date=None):
        """Issue many orders at once on one journal entry: one receivable item per
        order (each reconciles on its own), income summed per account."""
        if not self:
            return self.env['account.move']
        self._munipay_check_issuable()
        company = self.company_id
        if len(company) != 1:
            raise UserError(_("A batch issue covers the orders of one company."))
        taxed = self.line_ids.filtered(lambda l: l.fee_type_id.product_id.taxes_id.filtered(
            lambda t: t.company_id == company))
        if taxed:
            raise UserError(_("Fee “%s” carries taxes: issue such orders one by one.", taxed[0].fee_type_id.name))
        orders = self.sudo()
        orders._munipay_assign_references()
        journal = journal or company._munipay_get('munipay_journal_id')
        date = date or orders._munipay_today()
        income = defaultdict(float)
        receivable_vals = []
        partner_accounts = {}
        for partner in orders.partner_id.with_company(company):
            partner_accounts[partner.id] = partner.property_account_receivable_id.id
        currency = company.currency_id
        for order in orders:
            receivable_vals.append(Command.create({
                'name': order.payment_reference,
                'partner_id': order.partner_id.id,
                'account_id': partner_accounts[order.partner_id.id],
                'debit': order.amount_total,
                'credit': 0.0,
                'date_maturity': order.date_due or date,
                'munipay_order_id': order.id,
            }))
            for line in order.line_ids:
                income[line._munipay_income_account().id] += line.amount
        income_label = _("Payment orders issued in batch")
        income_vals = [Command.create({
            'name': income_label,
            'account_id': account_id,
            'debit': 0.0,
            'credit': currency.round(amount),
        }) for account_id, amount in income.items()]
        move = self.env['account.move'].sudo().with_context(skip_invoice_sync=True, tracking_disable=True).create({
            'move_type': 'entry',
            'journal_id': journal.id,
            'company_id': company.id,
            'date': date,
            'ref': _("Payment orders %(first)s … %(last)s", first=orders[:1].name, last=orders[-1:].name),
            'line_ids': receivable_vals + income_vals,
        })
        move._post(soft=False)
        lines_by_order = {line.munipay_order_id.id: line for line in move.line_ids if line.munipay_order_id}
        orders.write({'state': 'issued', 'move_id': move.id})
        for order in orders:
            order.receivable_line_id = lines_by_order[order.id]
        with_rules = orders.filtered('fee_type_id.amount_rule_ids')
        with_rules._munipay_update_discount_terms()
        with_rules._munipay_update_next_surcharge()
        return move
