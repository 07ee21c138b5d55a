import uuid
from collections import defaultdict
from datetime import timedelta

import psycopg2.errors
import pytz

from odoo import _, api, fields, models, Command
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from ..lib import amount_rules as amount_rules_lib
from ..lib import references

PAYABLE_STATES = ('issued',)


class MunipayPaymentOrder(models.Model):
    _name = 'munipay.payment.order'
    _description = "Payment Order"
    _inherit = ['portal.mixin', 'mail.thread', 'mail.activity.mixin']
    _order = 'date_issue desc, id desc'
    _check_company_auto = True

    name = fields.Char(string="Number", required=True, readonly=True, copy=False, default='/', index='trigram')
    partner_id = fields.Many2one(
        'res.partner', string="Payer", required=True, tracking=True, index=True, check_company=True)
    fee_type_id = fields.Many2one(
        'munipay.fee.type', string="Fee Type", tracking=True, check_company=True, index=True,
        help="The fee whose amount rules (discounts, surcharges) and expiry apply to this order.")
    line_ids = fields.One2many('munipay.payment.order.line', 'order_id', string="Lines", copy=True)
    currency_id = fields.Many2one(related='company_id.currency_id', store=True)
    amount_total = fields.Monetary(string="Total", compute='_compute_amount_total', store=True, tracking=True)
    amount_residual = fields.Monetary(
        string="Amount Open", compute='_compute_amount_residual', store=True,
        help="What is still open on the order's receivable journal items.")
    amount_due_today = fields.Monetary(string="Due Today", compute='_compute_amount_due_today')
    date_issue = fields.Date(string="Issue Date", required=True, default=fields.Date.context_today, tracking=True)
    date_notified = fields.Date(string="Notification Date", tracking=True, copy=False,
                                help="Day the payer was notified; amount rules count the days from it.")
    date_due = fields.Date(string="Due Date", compute='_compute_date_due', store=True, readonly=False,
                           precompute=True, tracking=True)
    date_paid = fields.Date(string="Payment Date", readonly=True, copy=False)
    discount_date = fields.Date(related='receivable_line_id.discount_date', string="Discount until")
    origin = fields.Char(string="Origin", tracking=True, index='trigram', help="Case, fine or file number in the case system.")
    payment_reference = fields.Char(string="Payment Reference", readonly=True, copy=False, index=True, tracking=True)
    move_id = fields.Many2one('account.move', string="Journal Entry", readonly=True, copy=False, index='btree_not_null')
    receivable_line_id = fields.Many2one('account.move.line', string="Receivable Item", readonly=True, copy=False,
                                         index='btree_not_null')
    ledger_line_ids = fields.One2many('account.move.line', 'munipay_order_id', string="Receivable Items", readonly=True)
    joint_group = fields.Char(copy=False, index='btree_not_null')
    joint_order_ids = fields.Many2many(
        'munipay.payment.order', string="Joint Debtors' Orders",
        compute='_compute_joint_order_ids', inverse='_inverse_joint_order_ids',
        help="The same debt addressed to other jointly liable payers: when one is paid, the others are cancelled.")
    state = fields.Selection(
        [('draft', "Draft"), ('issued', "Issued"), ('paid', "Paid"), ('cancelled', "Cancelled"), ('expired', "Expired")],
        default='draft', required=True, readonly=True, copy=False, tracking=True, index=True)
    cancel_reason = fields.Text(readonly=True, copy=False)
    needs_refund = fields.Boolean(
        string="Credit to Refund", readonly=True, copy=False, tracking=True,
        help="A payment arrived for an order that was no longer payable; it waits as a credit on the payer.")
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company, index=True)
    bulk_issue_id = fields.Many2one('munipay.bulk.issue', readonly=True, copy=False, index='btree_not_null')

    _sql_constraints = [
        ('payment_reference_uniq', 'unique(company_id, payment_reference)',
         "This payment reference is already used by another order of the company."),
        ('name_uniq', 'unique(company_id, name)', "The order number must be unique per company."),
    ]

    # ------------------------------------------------------------------ computes

    @api.depends('line_ids.amount')
    def _compute_amount_total(self):
        for order in self:
            order.amount_total = order.currency_id.round(sum(order.line_ids.mapped('amount')))

    @api.depends('ledger_line_ids.amount_residual', 'state')
    def _compute_amount_residual(self):
        for order in self:
            if order.ledger_line_ids:
                order.amount_residual = order.currency_id.round(sum(order.ledger_line_ids.mapped('amount_residual')))
            else:
                order.amount_residual = order.amount_total if order.state == 'draft' else 0.0

    @api.depends('state', 'amount_total', 'date_notified', 'date_issue')
    def _compute_amount_due_today(self):
        today = fields.Date.context_today(self)
        for order in self:
            order.amount_due_today = order.get_amount_open(today)

    @api.depends('date_issue', 'fee_type_id')
    def _compute_date_due(self):
        for order in self:
            if order.date_issue and not order.date_due:
                order.date_due = order.date_issue + timedelta(days=order.fee_type_id.due_days or 30)

    @api.depends('joint_group')
    def _compute_joint_order_ids(self):
        groups = {g for g in self.mapped('joint_group') if g}
        members = defaultdict(lambda: self.browse())
        if groups:
            for other in self.search([('joint_group', 'in', list(groups))]):
                members[other.joint_group] |= other
        for order in self:
            order.joint_order_ids = (members[order.joint_group] - order) if order.joint_group else False

    def _inverse_joint_order_ids(self):
        for order in self:
            group = order.joint_group or order.joint_order_ids.filtered('joint_group')[:1].joint_group or uuid.uuid4().hex
            old = self.search([('joint_group', '=', group)]) if order.joint_group else self.browse()
            new = order | order.joint_order_ids
            (old - new).write({'joint_group': False})
            new.write({'joint_group': group if order.joint_order_ids else False})

    def _compute_access_url(self):
        super()._compute_access_url()
        for order in self:
            order.access_url = f'/my/munipay/orders/{order.id}'

    @api.constrains('joint_group', 'company_id')
    def _check_joint_company(self):
        for order in self.filtered('joint_group'):
            if order.joint_order_ids.company_id - order.company_id:
                raise ValidationError(_("Joint debtors' orders must belong to the same company."))

    @api.onchange('fee_type_id')
    def _onchange_fee_type_id(self):
        if self.fee_type_id and not self.line_ids:
            self.line_ids = self._munipay_lines_for_fee_type(self.fee_type_id)

    @api.model
    def _munipay_lines_for_fee_type(self, fee_type, amount=None):
        lines = [Command.create({'fee_type_id': fee_type.id, 'name': fee_type.name,
                                 'price_unit': amount or fee_type.amount})]
        if fee_type.cost_amount:
            lines.append(Command.create({'fee_type_id': fee_type.id, 'is_cost': True,
                                         'name': _("Costs: %s", fee_type.name), 'price_unit': fee_type.cost_amount}))
        return lines

    def _track_subtype(self, init_values):
        self.ensure_one()
        if 'state' in init_values and self.state == 'paid':
            return self.env.ref('munipay_base.mt_order_paid')
        return super()._track_subtype(init_values)

    # ------------------------------------------------------------------ ORM

    @api.model_create_multi
    def create(self, vals_list):
        todo = [vals for vals in vals_list if vals.get('name', '/') == '/']
        by_company = defaultdict(list)
        for vals in todo:
            by_company[vals.get('company_id') or self.env.company.id].append(vals)
        for company_id, company_vals in by_company.items():
            names = self._munipay_next_names(self.env['res.company'].browse(company_id), len(company_vals))
            for vals, name in zip(company_vals, names):
                vals['name'] = name
        return super().create(vals_list)

    @api.model
    def _munipay_next_names(self, company, count):
        sequence = self.env['ir.sequence'].sudo().with_company(company).search([
            ('code', '=', 'munipay.payment.order'), ('company_id', 'in', [company.id, False]),
        ], order='company_id', limit=1)
        if not sequence:
            raise UserError(_("The sequence of payment orders is missing."))
        return [sequence._next() for _i in range(count)]

    def write(self, vals):
        if 'date_notified' in vals and any(o.state not in ('draft', 'issued') for o in self):
            raise UserError(_("The notification date of a paid, cancelled or expired order cannot change."))
        res = super().write(vals)
        if 'date_notified' in vals:
            self.filtered(lambda o: o.state == 'issued')._munipay_update_discount_terms()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(order.state != 'draft' for order in self):
            raise UserError(_("Only draft payment orders can be deleted; cancel an issued order instead."))

    def _get_report_base_filename(self):
        self.ensure_one()
        return _("Payment order %s", self.name)

    # ------------------------------------------------------------------ amounts

    def _munipay_principal_and_costs(self):
        self.ensure_one()
        costs = sum(self.line_ids.filtered('is_cost').mapped('amount'))
        return self.currency_id.round(self.amount_total - costs), self.currency_id.round(costs)

    def _munipay_working_day_checker(self, start, end):
        """A predicate telling whether a date is a working day for the company
        (its working calendar and public holidays, in the calendar's time zone)."""
        self.ensure_one()
        calendar = self.company_id.resource_calendar_id
        if not calendar:
            return lambda day: day.weekday() < 5
        tz = pytz.timezone(calendar.tz or 'UTC')
        leaves = self.env['resource.calendar.leaves'].sudo().search([
            ('resource_id', '=', False),
            ('calendar_id', 'in', [calendar.id, False]),
            ('company_id', 'in', [self.company_id.id, False]),
            ('date_from', '<=', fields.Datetime.to_datetime(end + timedelta(days=60))),
            ('date_to', '>=', fields.Datetime.to_datetime(start - timedelta(days=1))),
        ])
        holidays = set()
        for leave in leaves:
            day = pytz.utc.localize(leave.date_from).astimezone(tz).date()
            last = pytz.utc.localize(leave.date_to).astimezone(tz).date()
            while day <= last:
                holidays.add(day)
                day += timedelta(days=1)
        return lambda day: day not in holidays and calendar._works_on_date(day)

    def _munipay_rules(self):
        return self.fee_type_id.amount_rule_ids.sorted(lambda r: (r.sequence, r.id))

    def _munipay_rules_start_and_checker(self, rules, checkers=None):
        """Day the rules count from, and its working-day predicate; ``checkers``
        shares the calendar look-up between the orders of a batch."""
        start = self.date_notified or self.date_issue
        horizon = max((r.up_to_day for r in rules if r.up_to_day), default=0)
        checkers = {} if checkers is None else checkers
        key = (self.company_id.id, start, horizon)
        if key not in checkers:
            checkers[key] = self._munipay_working_day_checker(start, start + timedelta(days=horizon))
        return start, checkers[key]

    def _munipay_rule_on(self, on_date):
        """(rule, deadline) applying on ``on_date``, or (None, None) without rules."""
        self.ensure_one()
        rules = self._munipay_rules()
        if not rules:
            return None, None
        start, is_working_day = self._munipay_rules_start_and_checker(rules)
        index, deadline = amount_rules_lib.select_rule(
            [r.up_to_day or None for r in rules], start, on_date, is_working_day)
        return (rules[index], deadline) if index is not None else (None, None)

    def _munipay_rule_schedule(self, checkers=None):
        """[(rule, last day or None)] of the order's amount rules, in order."""
        self.ensure_one()
        rules = self._munipay_rules()
        if not rules:
            return []
        start, is_working_day = self._munipay_rules_start_and_checker(rules, checkers)
        return [(rule, amount_rules_lib.rule_deadline(start, rule.up_to_day or None, is_working_day))
                for rule in rules]

    def _munipay_amount_for_rule(self, rule):
        self.ensure_one()
        principal, costs = self._munipay_principal_and_costs()
        base = principal if rule.base == 'amount' else self.fee_type_id.amount_max
        return amount_rules_lib.amount_for(rule.factor, base, costs, self.currency_id.decimal_places)

    def get_amount_due(self, on_date=None):
        """The amount to collect on ``on_date`` (today by default).

        factor × base of the first rule covering the days since notification (or
        issue), plus the costs; the order's total when its fee type has no rules.
        """
        self.ensure_one()
        on_date = fields.Date.to_date(on_date) or fields.Date.context_today(self)
        rule, _deadline = self._munipay_rule_on(on_date)
        if not rule:
            return self.amount_total
        return self._munipay_amount_for_rule(rule)

    def _munipay_discount_terms(self, checkers=None):
        """(discounted amount, last day) of the first window when it is below the total."""
        self.ensure_one()
        schedule = self._munipay_rule_schedule(checkers)
        if not schedule or not schedule[0][1]:
            return None, None
        first_rule, last_day = schedule[0]
        amount = self._munipay_amount_for_rule(first_rule)
        if float_compare(amount, self.amount_total, precision_rounding=self.currency_id.rounding) >= 0:
            return None, None
        return amount, last_day

    def _munipay_update_discount_terms(self):
        """Put the discount window on the receivable item, where Odoo's payment
        wizard reads it as an early payment discount."""
        groups = defaultdict(lambda: self.env['account.move.line'])
        checkers = {}
        for order in self:
            line = order.receivable_line_id
            if not line or line.matched_credit_ids:
                continue
            groups[order._munipay_discount_terms(checkers)] |= line
        for (amount, last_day), lines in groups.items():
            lines.write({
                'discount_date': last_day or False,
                'discount_amount_currency': amount or 0.0,
                'discount_balance': amount or 0.0,
            })

    # ------------------------------------------------------------------ issue

    def _munipay_check_issuable(self):
        for order in self:
            if order.state != 'draft':
                raise UserError(_("Payment order %(name)s is already %(state)s: it can be issued only once.",
                                  name=order.name, state=order._munipay_state_label()))
            if not order.line_ids:
                raise UserError(_("Payment order %s has no lines.", order.name))
            for line in order.line_ids:
                if order.currency_id.compare_amounts(line.amount, 0.0) <= 0:
                    raise UserError(_("Line “%(line)s” of %(order)s has no positive amount.",
                                      line=line.name or line.fee_type_id.name, order=order.name))
            if order.currency_id.compare_amounts(order.amount_total, 0.0) <= 0:
                raise UserError(_("Payment order %s has no positive total.", order.name))

    def _munipay_state_label(self):
        return dict(self._fields['state']._description_selection(self.env))[self.state]

    def _munipay_new_reference(self):
        """The payment reference of a new order. Hook: munipay_pagopa gives IUVs."""
        self.ensure_one()
        return references.make_rf(self.name)

    def _munipay_assign_references(self):
        todo = self.filtered(lambda o: not o.payment_reference)
        new_refs = {order: order._munipay_new_reference() for order in todo}
        if len(set(new_refs.values())) != len(new_refs):
            raise UserError(_("Two orders of this batch would share a payment reference."))
        if new_refs:
            taken = self.search_read(
                [('payment_reference', 'in', list(new_refs.values())), ('company_id', 'in', todo.company_id.ids)],
                ['payment_reference', 'name', 'company_id'])
            clashes = [(r['payment_reference'], r['name']) for r in taken
                       if any(o.company_id.id == r['company_id'][0] and ref == r['payment_reference']
                              for o, ref in new_refs.items())]
            if clashes:
                raise UserError(_("Payment reference %(ref)s is already used by order %(order)s.",
                                  ref=clashes[0][0], order=clashes[0][1]))
        for order, ref in new_refs.items():
            order.payment_reference = ref

    def action_issue(self):
        """Assign the reference and post the receivable on the payer (one invoice per order)."""
        self._munipay_check_issuable()
        self._munipay_assign_references()
        invoice_vals = [order._munipay_prepare_invoice_vals() for order in self]
        invoices = self.env['account.move'].sudo().with_context(default_move_type='out_invoice').create(invoice_vals)
        invoices.action_post()
        for order, invoice in zip(self, invoices):
            receivable = invoice.line_ids.filtered(lambda l: l.display_type == 'payment_term')
            if len(receivable) != 1 or order.currency_id.compare_amounts(invoice.amount_total, order.amount_total):
                raise UserError(_("The invoice of %s does not match the order's total; check the taxes of its fee products "
                                  "(only taxes included in the price are supported).", order.name))
            receivable.munipay_order_id = order
            order.write({'state': 'issued', 'move_id': invoice.id, 'receivable_line_id': receivable.id})
        self._munipay_update_discount_terms()
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
        self._munipay_assign_references()
        journal = journal or company._munipay_get('munipay_journal_id')
        date = date or fields.Date.context_today(self)
        income = defaultdict(float)
        receivable_vals = []
        partner_accounts = {}
        for partner in self.partner_id.with_company(company):
            partner_accounts[partner.id] = partner.property_account_receivable_id.id
        currency = company.currency_id
        for order in self:
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
        move = self.env['account.move'].sudo().with_context(
            check_move_validity=False, skip_invoice_sync=True, tracking_disable=True,
        ).create({
            'move_type': 'entry',
            'journal_id': journal.id,
            'company_id': company.id,
            'date': date,
            'ref': _("Payment orders %(first)s … %(last)s", first=self[:1].name, last=self[-1:].name),
            'line_ids': receivable_vals + income_vals,
        })
        move._post(soft=False)
        lines_by_order = {line.munipay_order_id.id: line for line in move.line_ids if line.munipay_order_id}
        self.write({'state': 'issued', 'move_id': move.id})
        for order in self:
            order.receivable_line_id = lines_by_order[order.id]
        self.filtered('fee_type_id.amount_rule_ids')._munipay_update_discount_terms()
        return move

    # ------------------------------------------------------------------ payment

    def _munipay_lock(self):
        """Take the orders' rows for this transaction, or tell the user someone else has them."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    "SELECT id FROM munipay_payment_order WHERE id IN %s FOR UPDATE NOWAIT", [tuple(self.ids)],
                    log_exceptions=False)
        except psycopg2.errors.LockNotAvailable:
            raise UserError(_("Payment order %s is being paid through another channel right now; "
                              "try again in a moment.", ", ".join(self.mapped('name')))) from None
        self.invalidate_recordset()

    def _munipay_check_payable(self):
        for order in self:
            if order.state == 'paid':
                raise UserError(_("Payment order %s is already paid: it cannot be collected twice.", order.name))
            if order.state != 'issued':
                raise UserError(_("Payment order %(name)s is %(state)s and cannot be paid.",
                                  name=order.name, state=order._munipay_state_label()))

    def _munipay_open_lines(self):
        return self.ledger_line_ids.filtered(lambda l: not l.reconciled and l.parent_state == 'posted')

    def action_register_payment(self):
        """Open Odoo's own payment wizard on the order's receivable items."""
        self._munipay_check_payable()
        self._munipay_book_surcharge()
        lines = self._munipay_open_lines()
        return {
            'name': _("Register Payment"),
            'type': 'ir.actions.act_window',
            'res_model': 'account.payment.register',
            'view_mode': 'form',
            'target': 'new',
            'context': {
                'active_model': 'account.move.line',
                'active_ids': lines.ids,
                'default_communication': ' '.join(self.mapped('payment_reference')),
                'default_group_payment': True,
            },
        }

    def _munipay_amount_paid(self):
        """What payments have settled of the order's receivable so far."""
        self.ensure_one()
        return self.currency_id.round(sum(self.ledger_line_ids.mapped('balance')) - self.amount_residual)

    def get_amount_open(self, on_date=None):
        """The amount still to collect on ``on_date``: amount due less what was paid."""
        self.ensure_one()
        if self.state not in ('draft', 'issued'):
            return 0.0
        return self.currency_id.round(max(self.get_amount_due(on_date) - self._munipay_amount_paid(), 0.0))

    def _munipay_pay(self, journal, amount=None, payment_date=None, memo=None, external=False):
        """Collect the order through ``journal``: the payment channels call this.

        The amount must be what is open on the payment date. ``external``
        payments (the money has already moved: pagoPA, a bank) are never refused:
        what cannot settle the order is kept as a credit to refund and flagged.
        Returns the posted account.payment records.
        """
        self.ensure_one()
        payment_date = fields.Date.to_date(payment_date) or fields.Date.context_today(self)
        self._munipay_lock()
        if self.state != 'issued':
            if external and amount:
                return self._munipay_book_unexpected_payment(journal, amount, payment_date, memo)
            self._munipay_check_payable()
        self._munipay_book_surcharge(payment_date)
        due = self.get_amount_open(payment_date)
        amount = due if amount is None else amount
        cmp = self.currency_id.compare_amounts(amount, due)
        if cmp and not external:
            raise UserError(_("The amount due for %(order)s on %(date)s is %(due)s, not %(amount)s.",
                              order=self.name, date=payment_date,
                              due=self.currency_id.format(due), amount=self.currency_id.format(amount)))
        if self.currency_id.compare_amounts(amount, 0.0) <= 0:
            raise UserError(_("A payment must be positive."))
        excess = self.currency_id.round(amount - due) if cmp > 0 else 0.0
        lines = self._munipay_open_lines()
        wizard = self.env['account.payment.register'].with_context(
            active_model='account.move.line', active_ids=lines.ids,
        ).create({
            'payment_date': payment_date,
            'journal_id': journal.id,
            'currency_id': self.currency_id.id,
            'amount': amount - excess,
            'communication': memo or self.payment_reference,
            'group_payment': True,
        })
        open_amount = self.currency_id.round(sum(lines.mapped('amount_residual')))
        if cmp < 0:
            wizard.payment_difference_handling = 'open'
        elif not wizard.early_payment_discount_mode and self.currency_id.compare_amounts(due, open_amount) < 0:
            # the rules ask less than the ledger holds: a discount after a partial
            # payment, or a surcharge booked after the payment date
            surcharge_open = sum(lines.filtered('munipay_surcharge').mapped('amount_residual'))
            writeoff = (self._munipay_surcharge_account() if surcharge_open
                        else self.company_id._munipay_get('munipay_discount_account_id'))
            wizard.write({'payment_difference_handling': 'reconcile', 'writeoff_account_id': writeoff.id,
                          'writeoff_label': _("Amount rules of %s", self.name)})
        if not wizard.can_edit_wizard:
            raise UserError(_("The open items of %s cannot be paid in one payment; register it from the order's "
                              "journal items.", self.name))
        payments = wizard._create_payments()
        if excess:
            payments |= self._munipay_book_unexpected_payment(journal, excess, payment_date, memo)
        return payments

    def _munipay_surcharge_account(self):
        self.ensure_one()
        return self.company_id.munipay_surcharge_account_id or self.fee_type_id._get_income_account()

    def _munipay_book_unexpected_payment(self, journal, amount, payment_date, memo=None):
        """Money that arrived for an order that cannot take it: a credit on the payer,
        flagged for an officer."""
        self.ensure_one()
        payment = self.env['account.payment'].sudo().create({
            'payment_type': 'inbound',
            'partner_type': 'customer',
            'partner_id': self.partner_id.commercial_partner_id.id,
            'amount': amount,
            'date': payment_date,
            'journal_id': journal.id,
            'memo': memo or self.payment_reference,
            'company_id': self.company_id.id,
        })
        payment.action_post()
        self.sudo().needs_refund = True
        body = _("A payment of %(amount)s arrived for this order, which is %(state)s; it is kept as a credit "
                 "on the payer to refund (%(payment)s).",
                 amount=self.currency_id.format(amount), state=self._munipay_state_label(), payment=payment.name)
        self.sudo().message_post(body=body)
        self.sudo().activity_schedule(
            'mail.mail_activity_data_todo', summary=_("Refund a payment received twice"), note=body,
            user_id=self._munipay_responsible().id)
        return payment

    def _munipay_book_surcharge(self, on_date=None):
        """Book as income what the order owes above its receivable on ``on_date``
        (late payment past the last window), on a receivable item of the order."""
        on_date = fields.Date.to_date(on_date) or fields.Date.context_today(self)
        moves = self.env['account.move']
        candidates = self.filtered(lambda o: o.state == 'issued' and o.fee_type_id.amount_rule_ids)
        # same company and bank account as the order's entry: Odoo's payment wizard
        # then pays the order's items in one payment
        for (company, bank), orders in candidates.grouped(lambda o: (o.company_id, o.move_id.partner_bank_id)).items():
            vals, booked_orders = [], self.browse()
            for order in orders:
                booked = sum(order.ledger_line_ids.mapped('balance'))
                extra = order.currency_id.round(order.get_amount_due(on_date) - booked)
                if order.currency_id.compare_amounts(extra, 0.0) <= 0:
                    continue
                booked_orders |= order
                label = _("Late payment surcharge %s", order.name)
                vals += [
                    Command.create({'name': label, 'partner_id': order.partner_id.id,
                                    'account_id': order.receivable_line_id.account_id.id, 'debit': extra,
                                    'date_maturity': on_date, 'munipay_order_id': order.id, 'munipay_surcharge': True}),
                    Command.create({'name': label, 'partner_id': order.partner_id.id,
                                    'account_id': order._munipay_surcharge_account().id, 'credit': extra}),
                ]
            if not vals:
                continue
            move = self.env['account.move'].sudo().with_context(check_move_validity=False).create({
                'move_type': 'entry',
                'journal_id': company._munipay_get('munipay_journal_id').id,
                'company_id': company.id,
                'partner_bank_id': bank.id,
                'date': on_date,
                'ref': _("Late payment surcharge"),
                'line_ids': vals,
            })
            move._post(soft=False)
            for order in booked_orders:
                order.message_post(body=_("Late payment: %s booked as income.", order.currency_id.format(
                    sum(order.ledger_line_ids.filtered('munipay_surcharge').mapped('balance')))))
            moves |= move
        return moves

    def _munipay_settled_by_payment(self):
        """Was the order's receivable settled by money (a payment, a bank statement
        line, a channel's transit entry) rather than by a credit note? Hook for channels."""
        self.ensure_one()
        counterparts = self.ledger_line_ids.matched_credit_ids.credit_move_id.move_id
        return any(move.origin_payment_id or move.statement_line_id or move.munipay_payment_channel
                   for move in counterparts)

    def _munipay_sync_payment_state(self):
        """Follow the ledger: an order whose receivable items are all settled is paid
        when money settled them, cancelled when a credit note did."""
        self = self.sudo()  # the reconciliation that calls this was the access check
        self.flush_recordset(['amount_residual'])
        today = fields.Date.context_today(self)
        settled = self.filtered(lambda o: o.state == 'issued' and o.ledger_line_ids
                                and o.currency_id.is_zero(o.amount_residual))
        paid = settled.filtered(lambda o: o._munipay_settled_by_payment())
        credited = settled - paid
        reopened = self.filtered(lambda o: o.state == 'paid' and not o.currency_id.is_zero(o.amount_residual))
        if paid:
            paid.write({'state': 'paid', 'date_paid': today})
            joint = (paid.joint_order_ids - paid).filtered(lambda o: o.state in ('draft', 'issued'))
            for order in joint:
                payer = (order.joint_order_ids & paid)[:1]
                reason = _("Paid by joint debtor %(payer)s (order %(order)s).",
                           payer=payer.partner_id.display_name, order=payer.name)
                partly_paid = order.state == 'issued' and order.ledger_line_ids.matched_credit_ids
                order._munipay_cancel(reason, force=bool(partly_paid))
                if partly_paid:
                    # money already came in on this one too: an officer refunds it
                    order.needs_refund = True
                    order.activity_schedule('mail.mail_activity_data_todo', summary=_("Refund a joint debtor"),
                                            note=reason, user_id=order._munipay_responsible().id)
        for order in credited:
            order.write({'state': 'cancelled', 'cancel_reason': _("Credited in accounting.")})
            order.message_post(body=_("The receivable was settled by a credit note: the order is cancelled."))
        if reopened:
            reopened.write({'state': 'issued', 'date_paid': False})

    def _munipay_responsible(self):
        self.ensure_one()
        user = self.create_uid
        return user if user.active and not user.share else self.env.user

    # ------------------------------------------------------------------ cancel / expire

    def action_cancel(self, reason=None):
        """Cancel the orders: reverse their receivable, log the reason."""
        return self._munipay_cancel(reason or _("Cancelled by %s.", self.env.user.name))

    def action_open_cancel_wizard(self):
        """The form's Cancel button: ask the reason first."""
        self._munipay_check_cancellable()
        return {
            'name': _("Cancel Payment Order"),
            'type': 'ir.actions.act_window',
            'res_model': 'munipay.order.cancel',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_order_ids': self.ids},
        }

    def _munipay_check_cancellable(self):
        for order in self:
            if order.state == 'paid':
                raise UserError(_("Payment order %s is paid and cannot be cancelled: refund it instead.", order.name))
            if order.state in ('cancelled', 'expired'):
                raise UserError(_("Payment order %(name)s is already %(state)s.",
                                  name=order.name, state=order._munipay_state_label()))
            if order.state == 'issued' and order.ledger_line_ids.matched_credit_ids:
                raise UserError(_("Payment order %s is partly paid: refund the payment before cancelling it.", order.name))

    def _munipay_cancel(self, reason, state='cancelled', force=False):
        """Cancel; ``force`` also takes a partly paid order off the ledger (what was
        paid stays with the payer, to refund)."""
        if force:
            if self.filtered(lambda o: o.state not in ('draft', 'issued')):
                self._munipay_check_cancellable()
        else:
            self._munipay_check_cancellable()
        issued = self.filtered(lambda o: o.state == 'issued')
        self.write({'state': state, 'cancel_reason': reason})
        issued._munipay_reverse_receivables(reason)
        for order in self:
            order.message_post(body=reason)
        return True

    def _munipay_reverse_receivables(self, reason):
        """Take the orders' open receivables off the ledger: a credit note for an
        order's own invoice, a reversal entry for batch and surcharge items."""
        today = fields.Date.context_today(self)
        own_invoices = self.env['account.move']
        for order in self:
            move = order.move_id
            if move.move_type == 'out_invoice' and move.payment_state == 'not_paid' and move.state == 'posted':
                own_invoices |= move
        if own_invoices:
            own_invoices._reverse_moves(
                [{'ref': reason[:200], 'date': max(today, m.date), 'invoice_date': max(today, m.date)}
                 for m in own_invoices], cancel=True)
        for company, orders in self.grouped('company_id').items():
            orders._munipay_reverse_open_lines(company, reason, today)

    def _munipay_reverse_open_lines(self, company, reason, today):
        to_reverse = self._munipay_open_lines()
        if not to_reverse:
            return
        vals, pairs = [], []
        for line in to_reverse:
            order = line.munipay_order_id
            vals.append(Command.create({
                'name': _("Cancelled: %s", order.name),
                'partner_id': line.partner_id.id,
                'account_id': line.account_id.id,
                'credit': line.amount_residual,
            }))
            pairs.append(line)
            if line.munipay_surcharge:
                vals.append(Command.create({'name': _("Cancelled surcharge: %s", order.name),
                                            'account_id': order._munipay_surcharge_account().id,
                                            'debit': line.amount_residual}))
            elif order.currency_id.compare_amounts(line.amount_residual, line.balance) == 0:
                for order_line in order.line_ids:
                    vals.append(Command.create({'name': _("Cancelled: %s", order.name),
                                                'account_id': order_line._munipay_income_account().id,
                                                'debit': order_line.amount}))
            else:  # partly paid: the rest comes off the order's main income
                vals.append(Command.create({'name': _("Cancelled: %s", order.name),
                                            'account_id': order.line_ids[:1]._munipay_income_account().id,
                                            'debit': line.amount_residual}))
        move = self.env['account.move'].sudo().with_context(check_move_validity=False).create({
            'move_type': 'entry',
            'journal_id': company._munipay_get('munipay_journal_id').id,
            'company_id': company.id,
            'date': today,
            'ref': reason[:200],
            'line_ids': vals,
        })
        move._post(soft=False)
        credit_lines = move.line_ids.filtered(lambda l: l.credit)
        for original, counterpart in zip(pairs, credit_lines):
            (original | counterpart).reconcile()

    @api.model
    def _cron_expire(self, batch_size=500):
        """Expire issued, unpaid orders past their due date whose fee type says so."""
        today = fields.Date.context_today(self)
        orders = self.search([
            ('state', '=', 'issued'), ('date_due', '<', today), ('fee_type_id.expire_after_due', '=', True),
            ('ledger_line_ids', 'not any', [('matched_credit_ids', '!=', False)]),  # partly paid: an officer decides
        ], order='date_due, id', limit=batch_size)
        for order in orders:
            order._munipay_cancel(_("Expired: not paid by %s.", order.date_due), state='expired')
        if len(orders) == batch_size:
            self.env.ref('munipay_base.ir_cron_munipay_expire')._trigger()
        return orders

    @api.model
    def _cron_book_surcharges(self, batch_size=1000):
        """Book the late-payment surcharge of orders whose last window has passed."""
        today = fields.Date.context_today(self)
        shortest = min((max(f.amount_rule_ids.mapped('up_to_day') or [0]) for f in self.env['munipay.fee.type'].search(
            [('amount_rule_ids', '!=', False)])), default=None)
        if shortest is None:
            return self.env['account.move']
        orders = self.search([
            ('state', '=', 'issued'), ('fee_type_id.amount_rule_ids', '!=', False),
            ('date_issue', '<', today - timedelta(days=shortest)),
            ('ledger_line_ids', 'not any', [('munipay_surcharge', '=', True)]),
        ], order='date_issue, id', limit=batch_size)
        moves = orders._munipay_book_surcharge()
        if len(orders) == batch_size and moves:
            self.env.ref('munipay_base.ir_cron_munipay_surcharge')._trigger()
        return moves

    @api.model
    def _munipay_demo_settle(self, paid_ids, cancelled_ids):
        """Demo data: pay some orders by bank, cancel others."""
        for order in self.browse(paid_ids):
            journal = self.env['account.journal'].search([
                *self.env['account.journal']._check_company_domain(order.company_id), ('type', '=', 'bank')], limit=1)
            order._munipay_pay(journal, payment_date=order.date_notified or order.date_issue)
        self.browse(cancelled_ids)._munipay_cancel(_("Registration withdrawn by the applicant."))

    # ------------------------------------------------------------------ actions

    def action_view_journal_items(self):
        self.ensure_one()
        lines = self.ledger_line_ids | self.ledger_line_ids.matched_credit_ids.credit_move_id
        return {
            'name': _("Journal Items of %s", self.name),
            'type': 'ir.actions.act_window',
            'res_model': 'account.move.line',
            'view_mode': 'list,form',
            'domain': [('id', 'in', lines.ids)],
        }

    def action_view_move(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'account.move',
            'res_id': self.move_id.id,
            'view_mode': 'form',
        }
