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

    def _munipay_method_account(self, sessions, method):
        """Where the sessions' closing left the money ``method`` took, and the items to clear:
        a till's cash account; for a card (or any bank) method, the outstanding account of
        the payments the sessions booked for it."""
        if method.type == 'pay_later':
            raise UserError(_("%s is a customer account, not money the merchant holds: sales paid with it are not "
                              "settled here.", method.name))
        if method.is_cash_count:
            return method.journal_id.default_account_id, self.env['account.move.line']
        payments = sessions.sudo().bank_payment_ids.filtered(lambda p: p.pos_payment_method_id == method)
        items = payments.move_id.line_ids.filtered(
            lambda l: l.account_id not in payments.destination_account_id and l.account_id.account_type != 'asset_receivable')
        account = items.account_id[:1] or method.outstanding_account_id
        if not account:
            raise UserError(_("The sales paid with %s were booked on no account the settlement can clear: close "
                              "their sessions first.", method.name))
        return account, items.filtered(lambda l: l.account_id == account)

    def action_settle(self):
        self.ensure_one()
        lines = self._munipay_lines()
        if not lines:
            raise UserError(_("%s has nothing to settle in this period (only closed sessions are settled).",
                              self.merchant_id.name))
        currency = self.currency_id
        ref = _("Settlement %(merchant)s, %(start)s – %(end)s", merchant=self.merchant_id.name,
                start=self.date_from, end=self.date_to)
        # what the merchant holds, per Point of Sale and payment method (cash in its till, the
        # card payments its terminal's acquirer paid it): each credited where its session left it
        commands, to_clear, received = [], [], 0.0
        payments = lines.order_id.payment_ids.sudo()
        for (config, method), method_payments in payments.grouped(
                lambda p: (p.pos_order_id.config_id, p.payment_method_id)).items():
            amount = currency.round(sum(method_payments.mapped('amount')))
            if currency.is_zero(amount):
                continue
            account, items = self._munipay_method_account(method_payments.session_id, method)
            received += amount
            name = _("%(ref)s – %(method)s (%(pos)s)", ref=ref, method=method.name, pos=config.name)
            commands.append(Command.create({
                'name': name, 'account_id': account.id, 'partner_id': self.merchant_id.id,
                'credit': amount if amount > 0 else 0.0, 'debit': -amount if amount < 0 else 0.0}))
            if items and account.reconcile:
                to_clear.append((account, items))
        commission = currency.round(sum(lines.mapped('munipay_commission_amount')))
        _expense, payable, journal = self.company_id._munipay_merchant_accounts()
        if not currency.is_zero(commission):
            commands.append(Command.create({'name': ref, 'account_id': payable.id, 'partner_id': self.merchant_id.id,
                                            'debit': commission}))
        due = currency.round(received - commission)
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
        for account, items in to_clear:
            # the card payments of the sessions, cleared by the merchant's transfer: in part when the
            # period holds only some of a session's sales (the next period's settlement clears the rest)
            settled = (move.line_ids.filtered(lambda l, a=account: a == l.account_id) | items).filtered(
                lambda l: not l.reconciled)
            if settled.filtered(lambda l: l.balance > 0) and settled.filtered(lambda l: l.balance < 0):
                settled.reconcile()
        lines.sudo().munipay_settlement_move_id = move
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'account.move',
            'res_id': move.id,
            'view_mode': 'form',
        }
