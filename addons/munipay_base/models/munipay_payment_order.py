import uuid
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models, Command
from odoo.exceptions import UserError, ValidationError

# What may change on an order once it is issued: the notification date (it moves
# the amount rules) and what mail, activities and the portal keep on any record.
WRITABLE_AFTER_DRAFT = {'date_notified', 'access_token'}
WRITABLE_PREFIXES = ('message_', 'activity_', 'website_message')


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
        compute='_compute_fee_type_id', store=True, readonly=False, precompute=True,
        help="The fee whose amount rules (discounts, surcharges), due days and expiry apply to this order; "
             "taken from its first line when left empty.")
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
    date_paid = fields.Date(string="Payment Date", readonly=True, copy=False,
                            help="Date of the payment that settled the order.")
    discount_date = fields.Date(related='receivable_line_id.discount_date', string="Discount until")
    origin = fields.Char(string="Origin", tracking=True, index='trigram', help="Case, fine or file number in the case system.")
    payment_reference = fields.Char(string="Payment Reference", readonly=True, copy=False, index=True, tracking=True)
    move_id = fields.Many2one('account.move', string="Journal Entry", readonly=True, copy=False, index='btree_not_null')
    receivable_line_id = fields.Many2one('account.move.line', string="Receivable Item", readonly=True, copy=False,
                                         index='btree_not_null')
    ledger_line_ids = fields.One2many(
        'account.move.line', 'munipay_order_id', string="Receivable Items", readonly=True,
        help="The order's own receivable items: what it was issued for and its surcharges.")
    joint_group = fields.Char(copy=False, index='btree_not_null')
    joint_order_ids = fields.Many2many(
        'munipay.payment.order', string="Joint Debtors' Orders",
        compute='_compute_joint_order_ids', inverse='_inverse_joint_order_ids',
        help="The same debt addressed to other jointly liable payers: when one is paid, the others are cancelled.")
    joint_cancelled_by_id = fields.Many2one(
        'munipay.payment.order', string="Cancelled by the Payment of", readonly=True, copy=False,
        index='btree_not_null')
    state = fields.Selection(
        [('draft', "Draft"), ('issued', "Issued"), ('paid', "Paid"), ('cancelled', "Cancelled"), ('expired', "Expired")],
        default='draft', required=True, readonly=True, copy=False, tracking=True, index=True)
    cancel_reason = fields.Text(readonly=True, copy=False)
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company, index=True)
    bulk_issue_id = fields.Many2one('munipay.bulk.issue', readonly=True, copy=False, index='btree_not_null')

    _sql_constraints = [
        ('payment_reference_uniq', 'unique(company_id, payment_reference)',
         "This payment reference is already used by another order of the company."),
        ('name_uniq', 'unique(company_id, name)', "The order number must be unique per company."),
    ]

    # ------------------------------------------------------------------ computes

    @api.depends('line_ids.fee_type_id', 'line_ids.is_cost')
    def _compute_fee_type_id(self):
        for order in self:
            if not order.fee_type_id:
                main = order.line_ids.filtered(lambda l: not l.is_cost)[:1] or order.line_ids[:1]
                order.fee_type_id = main.fee_type_id

    @api.depends('line_ids.amount')
    def _compute_amount_total(self):
        for order in self:
            order.amount_total = order.currency_id.round(sum(order.line_ids.mapped('amount')))

    @api.depends('ledger_line_ids.amount_residual', 'state', 'amount_total')
    def _compute_amount_residual(self):
        for order in self:
            if order.ledger_line_ids:
                order.amount_residual = order.currency_id.round(sum(order.ledger_line_ids.mapped('amount_residual')))
            else:
                order.amount_residual = order.amount_total if order.state == 'draft' else 0.0

    @api.depends('state', 'amount_total', 'date_notified', 'date_issue', 'amount_residual')
    def _compute_amount_due_today(self):
        for order in self:
            order.amount_due_today = order.get_amount_open(order._munipay_today())

    @api.depends('date_issue', 'fee_type_id')
    def _compute_date_due(self):
        for order in self:
            if order.state == 'draft' and order.date_issue:
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
            linked = order.joint_order_ids
            old_members = self.search([('joint_group', '=', order.joint_group)]) if order.joint_group else self.browse()
            group = order.joint_group or linked.filtered('joint_group')[:1].joint_group or uuid.uuid4().hex
            if not linked:
                # the order leaves its group; the others stay joint with each other
                order.joint_group = False
                rest = old_members - order
                if len(rest) == 1:
                    rest.joint_group = False
                continue
            (old_members - order - linked).write({'joint_group': False})
            (order | linked).write({'joint_group': group})
        self.invalidate_model(['joint_order_ids'])

    def _compute_access_url(self):
        super()._compute_access_url()
        for order in self:
            order.access_url = f'/my/munipay/orders/{order.id}'

    @api.constrains('joint_group', 'company_id', 'amount_total', 'fee_type_id')
    def _check_joint_group(self):
        for order in self.filtered('joint_group'):
            others = order.joint_order_ids
            if others.company_id - order.company_id:
                raise ValidationError(_("Joint debtors' orders must belong to the same company."))
            if others.fee_type_id - order.fee_type_id or any(
                    order.currency_id.compare_amounts(other.amount_total, order.amount_total) for other in others):
                raise ValidationError(_(
                    "Joint debtors' orders are one debt: %(order)s and %(others)s must have the same fee type "
                    "and the same total.", order=order.name, others=", ".join(others.mapped('name'))))

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

    def _munipay_add_missing_costs(self):
        """The costs of an order's fee type are always charged, whichever way the
        order was made: add the cost line the order lacks."""
        vals_list = [
            {'order_id': order.id, 'fee_type_id': order.fee_type_id.id, 'is_cost': True,
             'name': self.env._("Costs: %s", order.fee_type_id.name), 'price_unit': order.fee_type_id.cost_amount}
            for order in self
            if order.state == 'draft' and order.fee_type_id.cost_amount and order.line_ids
            and not order.line_ids.filtered(lambda l, f=order.fee_type_id: l.is_cost and l.fee_type_id == f)
        ]
        if vals_list:
            self.env['munipay.payment.order.line'].create(vals_list)

    def _track_subtype(self, init_values):
        self.ensure_one()
        if 'state' in init_values and self.state == 'paid':
            return self.env.ref('munipay_base.mt_order_paid')
        return super()._track_subtype(init_values)

    def _munipay_today(self):
        """Today in the order's company's time zone, not the server's."""
        return self._munipay_company_today(self[:1].company_id or self.env.company)

    @api.model
    def _munipay_company_today(self, company):
        """Today in ``company``'s time zone (its working calendar's, else its address's)."""
        return fields.Date.context_today(self.with_context(tz=self._munipay_company_tz(company)))

    @api.model
    def _munipay_company_tz(self, company):
        """The time zone ``company``'s days are counted in (amounts due, payment dates)."""
        company = company.sudo()
        return company.resource_calendar_id.tz or company.partner_id.tz or self.env.context.get('tz') or 'UTC'

    # ------------------------------------------------------------------ ORM

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any('state' in vals for vals in vals_list):
            raise UserError(_("A payment order starts as a draft: issue it to change its state."))
        todo = [vals for vals in vals_list if vals.get('name', '/') == '/']
        by_key = defaultdict(list)
        for vals in todo:
            date_issue = fields.Date.to_date(vals.get('date_issue')) or fields.Date.context_today(self)
            by_key[vals.get('company_id') or self.env.company.id, date_issue].append(vals)
        for (company_id, date_issue), key_vals in by_key.items():
            names = self._munipay_next_names(self.env['res.company'].browse(company_id), len(key_vals), date_issue)
            for vals, name in zip(key_vals, names):
                vals['name'] = name
        orders = super().create(vals_list)
        orders._munipay_add_missing_costs()
        return orders

    @api.model
    def _munipay_next_names(self, company, count, date_issue=None):
        sequence = self.env['ir.sequence'].sudo().with_company(company).search([
            ('code', '=', 'munipay.payment.order'), ('company_id', 'in', [company.id, False]),
        ], order='company_id', limit=1)
        if not sequence:
            raise UserError(_("The sequence of payment orders is missing."))
        return [sequence._next(sequence_date=date_issue) for _i in range(count)]

    def _munipay_check_writable(self, vals):
        """Outside draft an order is a ledger document: only munipay's own methods
        (which check access, then write as superuser) change it."""
        if self.env.su:
            return
        if 'state' in vals:
            raise UserError(_("The state of a payment order follows its journal items: use Issue, Cancel or a payment."))
        changed = {f for f in vals if f not in WRITABLE_AFTER_DRAFT and not f.startswith(WRITABLE_PREFIXES)}
        locked = self.filtered(lambda o: o.state != 'draft')
        if locked and changed:
            field_names = ", ".join(sorted(self._fields[f].get_description(self.env)['string']
                                           for f in changed if f in self._fields))
            raise UserError(_("Payment order %(order)s is %(state)s: %(fields)s can no longer change. "
                              "Cancel it and issue a new one instead.",
                              order=locked[0].name, state=locked[0]._munipay_state_label(), fields=field_names))
        if 'date_notified' in vals and self.filtered(lambda o: o.state not in ('draft', 'issued')):
            raise UserError(_("The notification date of a paid, cancelled or expired order cannot change."))

    def write(self, vals):
        self.check_access('write')
        self._munipay_check_writable(vals)
        res = super().write(vals)
        if 'date_notified' in vals:
            issued = self.filtered(lambda o: o.state == 'issued')
            issued._munipay_update_discount_terms()
            issued._munipay_update_next_surcharge()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(order.state != 'draft' for order in self):
            raise UserError(_("Only draft payment orders can be deleted; cancel an issued order instead."))

    def _get_report_base_filename(self):
        self.ensure_one()
        return _("Payment order %s", self.name)

    def _munipay_state_label(self):
        return dict(self._fields['state']._description_selection(self.env))[self.state]

    def _munipay_responsible(self):
        self.ensure_one()
        user = self.create_uid
        return user if user.active and not user.share else self.env.user

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
