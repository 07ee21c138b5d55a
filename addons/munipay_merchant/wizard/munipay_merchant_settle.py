from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError


class MunipayMerchantSettle(models.TransientModel):
    """A merchant pays over what it collected in a period, less its commission: one
    entry takes the cash out of the merchant's till account, into the journal the
    transfer reached, and clears the commissions owed to the merchant."""
    _name = 'munipay.merchant.settle'
    _description = "Merchant Settlement"
    _check_company_auto = True

    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    merchant_id = fields.Many2one('res.partner', string="Merchant", required=True)
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    journal_id = fields.Many2one('account.journal', string="Paid into", required=True, check_company=True,
                                 domain="[('type', 'in', ('bank', 'cash'))]",
                                 help="Where the merchant's transfer of the amount due arrived.")
    line_ids = fields.Many2many('pos.order.line', compute='_compute_lines', string="Sale Lines")
    collected = fields.Monetary(compute='_compute_lines')
    commission = fields.Monetary(compute='_compute_lines')
    amount_due = fields.Monetary(string="Due to the Municipality", compute='_compute_lines')

    @api.depends('merchant_id', 'date_from', 'date_to', 'company_id')
    def _compute_lines(self):
        for wizard in self:
            lines = wizard._munipay_lines() if wizard.merchant_id and wizard.date_from and wizard.date_to else \
                self.env['pos.order.line']
            wizard.line_ids = lines
            wizard.collected = wizard.currency_id.round(sum(lines.mapped('price_subtotal_incl')))
            wizard.commission = wizard.currency_id.round(sum(lines.mapped('munipay_commission_amount')))
            wizard.amount_due = wizard.currency_id.round(wizard.collected - wizard.commission)

    def _munipay_lines(self):
        """The merchant's sale lines of the period, of closed sessions, not settled yet."""
        self.ensure_one()
        lines = self.env['pos.order.line'].search([
            ('munipay_merchant_partner_id', '=', self.merchant_id.id),
            ('order_id.company_id', '=', self.company_id.id),
            ('order_id.state', 'in', ('paid', 'done', 'invoiced')),
            ('order_id.session_id.state', '=', 'closed'),
            ('munipay_settlement_move_id', '=', False),
        ])
        return lines.filtered(lambda l: self.date_from <= fields.Date.to_date(l.order_id.date_order) <= self.date_to)

    def _munipay_till_account(self, config):
        method = config.payment_method_ids.filtered('is_cash_count')[:1]
        if not method.journal_id.default_account_id:
            raise UserError(_("Point of Sale %s takes no cash: there is nothing the merchant holds to settle.",
                              config.name))
        return method.journal_id.default_account_id

    def action_settle(self):
        self.ensure_one()
        lines = self._munipay_lines()
        if not lines:
            raise UserError(_("%s has nothing to settle in this period (only closed sessions are settled).",
                              self.merchant_id.name))
        if lines.order_id.payment_ids.filtered(lambda p: not p.payment_method_id.is_cash_count):
            raise UserError(_("Some sales of the period were not paid in cash: settle card payments with the acquirer."))
        currency = self.currency_id
        ref = _("Settlement %(merchant)s, %(start)s – %(end)s", merchant=self.merchant_id.name,
                start=self.date_from, end=self.date_to)
        commands = []
        for config, config_lines in lines.grouped(lambda l: l.order_id.config_id).items():
            commands.append(Command.create({
                'name': ref, 'account_id': self._munipay_till_account(config).id, 'partner_id': self.merchant_id.id,
                'credit': currency.round(sum(config_lines.mapped('price_subtotal_incl')))}))
        commission = currency.round(sum(lines.mapped('munipay_commission_amount')))
        _expense, payable, journal = self.company_id._munipay_merchant_accounts()
        if not currency.is_zero(commission):
            commands.append(Command.create({'name': ref, 'account_id': payable.id, 'partner_id': self.merchant_id.id,
                                            'debit': commission}))
        due = currency.round(sum(lines.mapped('price_subtotal_incl')) - commission)
        commands.append(Command.create({'name': ref, 'account_id': self.journal_id.default_account_id.id,
                                        'partner_id': self.merchant_id.id, 'debit': due}))
        move = self.env['account.move'].sudo().with_company(self.company_id).create({
            'move_type': 'entry', 'journal_id': journal.id, 'company_id': self.company_id.id, 'ref': ref,
            'line_ids': commands})
        move._post(soft=False)
        to_reconcile = (move.line_ids | lines.munipay_commission_move_id.line_ids).filtered(
            lambda l: l.account_id == payable and not l.reconciled)
        if to_reconcile and currency.is_zero(sum(to_reconcile.mapped('balance'))):
            to_reconcile.reconcile()
        lines.sudo().munipay_settlement_move_id = move
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'account.move',
            'res_id': move.id,
            'view_mode': 'form',
        }
