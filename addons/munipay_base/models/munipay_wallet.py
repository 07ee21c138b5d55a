import secrets

from stdnum import luhn

from odoo import _, api, fields, models, Command
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_is_zero


class MunipayWallet(models.Model):
    _name = 'munipay.wallet'
    _description = "Prepaid Wallet"
    _inherit = ['portal.mixin', 'mail.thread']
    _order = 'id desc'
    _rec_name = 'pan'
    _check_company_auto = True

    pan = fields.Char(string="Personal Access Number", required=True, copy=False, readonly=True, index=True,
                      default=lambda self: self._munipay_new_pan())
    holder_id = fields.Many2one('res.partner', string="Holder", required=True, tracking=True, index=True,
                                check_company=True, help="Who tops the wallet up and owns its balance.")
    beneficiary_id = fields.Many2one('res.partner', string="Beneficiary", tracking=True, check_company=True,
                                     help="Who uses the service, e.g. the pupil eating at the school canteen.")
    service_fee_type_id = fields.Many2one(
        'munipay.fee.type', string="Service", required=True, check_company=True, tracking=True,
        domain="[('category', 'in', ('service', 'topup'))]",
        help="The prepaid service; its product gives the income account charged when the service is used.")
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    line_ids = fields.One2many('account.move.line', 'munipay_wallet_id', string="Journal Items", readonly=True)
    balance = fields.Monetary(compute='_compute_balance', help="Read from the journal items on the prepaid-liability account.")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ('pan_company_uniq', 'unique(company_id, pan)', "The personal access number must be unique per company."),
    ]

    @api.model
    def _munipay_new_pan(self):
        body = '%09d' % secrets.randbelow(10 ** 9)
        return body + luhn.calc_check_digit(body)

    @api.depends('line_ids.balance', 'line_ids.parent_state')
    def _compute_balance(self):
        data = dict(self.env['account.move.line'].sudo()._read_group(
            [('munipay_wallet_id', 'in', self.ids), ('parent_state', '=', 'posted')],
            ['munipay_wallet_id'], ['balance:sum']))
        for wallet in self:
            wallet.balance = wallet.currency_id.round(-data.get(wallet, 0.0))

    @api.depends('pan', 'beneficiary_id', 'holder_id')
    def _compute_display_name(self):
        for wallet in self:
            wallet.display_name = f"{wallet.pan} – {(wallet.beneficiary_id or wallet.holder_id).name or ''}"

    @api.model
    def _search_display_name(self, operator, value):
        if operator in ('ilike', 'like', '=', '=ilike') and value:
            return ['|', '|', ('pan', operator, value), ('holder_id', operator, value), ('beneficiary_id', operator, value)]
        return super()._search_display_name(operator, value)

    def _compute_access_url(self):
        super()._compute_access_url()
        for wallet in self:
            wallet.access_url = f'/my/munipay/wallets/{wallet.id}'

    def _munipay_lock(self):
        # An UPDATE, not a bare FOR UPDATE: a concurrent charge then fails to
        # serialise (and is retried) instead of spending a balance read from an
        # older snapshot.
        self.env.cr.execute("UPDATE munipay_wallet SET write_date = write_date WHERE id IN %s", [tuple(self.ids)])
        self.invalidate_recordset(['balance'])

    def _munipay_post(self, amount, counterpart_account, ref, wallet_side):
        """Post one entry between the wallet's liability and ``counterpart_account``."""
        self.ensure_one()
        account = self.company_id._munipay_get('munipay_wallet_account_id')
        journal = self.company_id._munipay_get('munipay_journal_id')
        wallet_line = {'name': ref, 'partner_id': self.holder_id.id, 'account_id': account.id,
                       'munipay_wallet_id': self.id, wallet_side: amount}
        other_side = 'debit' if wallet_side == 'credit' else 'credit'
        move = self.env['account.move'].sudo().create({
            'move_type': 'entry',
            'journal_id': journal.id,
            'company_id': self.company_id.id,
            'ref': ref,
            'line_ids': [Command.create(wallet_line),
                         Command.create({'name': ref, 'partner_id': self.holder_id.id,
                                         'account_id': counterpart_account.id, other_side: amount})],
        })
        move._post(soft=False)
        return move

    def _munipay_check_amount(self, amount):
        if self.currency_id.compare_amounts(amount, 0.0) <= 0:
            raise UserError(_("The amount must be above zero."))
        if not float_is_zero(amount - self.currency_id.round(amount), precision_digits=6):
            raise UserError(_("The amount has more decimals than the currency allows."))

    def _munipay_credit(self, amount, counterpart_account, ref=None):
        """Top up: the money received (on ``counterpart_account``) becomes prepaid balance."""
        self.ensure_one()
        self._munipay_check_amount(amount)
        # munipay_keep_closed: money already taken for a wallet closed since (a merchant's offline
        # top-up) is kept on it, for an officer to refund, rather than refused and lost
        if not self.active and not self.env.context.get('munipay_keep_closed'):
            raise UserError(_("Wallet %s is archived.", self.pan))
        move = self._munipay_post(amount, counterpart_account, ref or _("Top-up %s", self.pan), 'credit')
        self.message_post(body=_("Credited %(amount)s; new balance %(balance)s.",
                                 amount=self.currency_id.format(amount), balance=self.currency_id.format(self.balance)))
        return move

    def _munipay_topup_limits(self):
        """(minimum, maximum or None) of one top-up: the service's amount and maximum amount."""
        self.ensure_one()
        service = self.sudo().service_fee_type_id
        minimum = service.amount if self.currency_id.compare_amounts(service.amount, 0.0) > 0 else \
            self.currency_id.rounding
        return minimum, (service.amount_max or None)

    def _munipay_spendable(self):
        """What the service may still charge: the balance, plus the negative balance
        its service allows."""
        self.ensure_one()
        service = self.sudo().service_fee_type_id
        overdraft = service.wallet_negative_limit if service.wallet_negative_allowed else 0.0
        return self.currency_id.round(self.balance + overdraft)

    def _munipay_charge(self, amount, ref=None):
        """Use of the service: the prepaid balance becomes income of the service."""
        self.ensure_one()
        self._munipay_check_amount(amount)
        self._munipay_lock()
        if self.currency_id.compare_amounts(amount, self._munipay_spendable()) > 0:
            if self.sudo().service_fee_type_id.wallet_negative_allowed:
                raise UserError(_(
                    "Wallet %(pan)s holds %(balance)s and may go down to %(limit)s: %(amount)s is too much.",
                    pan=self.pan, balance=self.currency_id.format(self.balance), amount=self.currency_id.format(amount),
                    limit=self.currency_id.format(-self.sudo().service_fee_type_id.wallet_negative_limit)))
            raise UserError(_("Wallet %(pan)s holds %(balance)s, less than %(amount)s.", pan=self.pan,
                              balance=self.currency_id.format(self.balance), amount=self.currency_id.format(amount)))
        move = self._munipay_post(amount, self.service_fee_type_id._get_income_account(),
                                  ref or _("Use of %s", self.service_fee_type_id.name), 'debit')
        self.invalidate_recordset(['balance'])
        self.message_post(body=_("Charged %(amount)s; new balance %(balance)s.",
                                 amount=self.currency_id.format(amount), balance=self.currency_id.format(self.balance)))
        return move

    @api.constrains('pan')
    def _check_pan(self):
        for wallet in self:
            if not wallet.pan.isdigit() or not luhn.is_valid(wallet.pan):
                raise ValidationError(_("Personal access number %s is not valid.", wallet.pan))

    def action_open_operation(self):
        self.ensure_one()
        return {
            'name': _("Wallet Operation"),
            'type': 'ir.actions.act_window',
            'res_model': 'munipay.wallet.operation',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_wallet_id': self.id, 'default_operation': self.env.context.get('operation', 'credit')},
        }

    def action_view_journal_items(self):
        self.ensure_one()
        return {
            'name': _("Journal Items of %s", self.pan),
            'type': 'ir.actions.act_window',
            'res_model': 'account.move.line',
            'view_mode': 'list,form',
            'domain': [('munipay_wallet_id', '=', self.id)],
        }
