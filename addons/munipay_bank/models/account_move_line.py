from contextlib import nullcontext

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.sql import column_exists, create_column


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    munipay_suspense = fields.Boolean(
        string="Unmatched Payment", compute='_compute_munipay_suspense', store=True, readonly=True, copy=False,
        index=True, help="A bank transfer that matched no payment order, waiting on the unmatched payments account.")

    def _auto_init(self):
        # nothing is on the unmatched payments account before this add-on creates it:
        # an empty column, rather than a computation over every journal item
        if not column_exists(self.env.cr, 'account_move_line', 'munipay_suspense'):
            create_column(self.env.cr, 'account_move_line', 'munipay_suspense', 'boolean')
        return super()._auto_init()

    @api.depends('account_id', 'balance', 'move_id.statement_line_id')
    def _compute_munipay_suspense(self):
        # whoever put it there, munipay or an accountant in a reconciliation screen:
        # money received on the unmatched payments account is a suspense item
        for line in self:
            line.munipay_suspense = bool(line.move_id.statement_line_id) and line.balance < 0 \
                and line.account_id == line.company_id.munipay_suspense_account_id

    def _munipay_rebook_counterpart(self, account=None, partner=None, **extra):
        """Move statement lines' open counterparts to ``account`` (and ``partner``) in
        one write. Only account and partner change, never an amount, so the entries
        stay balanced and Odoo's per-write balance check, invoice synchronisation and
        item-by-item change log are skipped: on a statement of thousands of lines
        they cost more than the booking itself. Lock dates are still checked."""
        vals = dict(extra)
        if account is not None:
            vals['account_id'] = account.id
        if partner is not None:
            vals['partner_id'] = partner.id
        self.with_context(skip_account_move_synchronization=True, skip_invoice_sync=True,
                          check_move_validity=False, tracking_disable=True).write(vals)

    def _munipay_analytic_unchanged(self):
        """A context in which rebooking these items does not ask the analytic
        distribution models again (a search per item) where their companies have
        none, which would change nothing."""
        has_models = self.env['account.analytic.distribution.model'].sudo().search_count(
            [('company_id', 'in', [False, *self.company_id.ids])], limit=1)
        return nullcontext() if has_models else self.env.protecting([self._fields['analytic_distribution']], self)

    def action_munipay_assign(self):
        self.ensure_one()
        return {
            'name': _("Assign to a Payment Order"),
            'type': 'ir.actions.act_window',
            'res_model': 'munipay.suspense.assign',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_line_id': self.id},
        }

    def action_munipay_return(self):
        """Prepare the transfer back to the sender (a draft outgoing payment that
        clears the suspense item once posted)."""
        self.ensure_one()
        self.check_access('write')
        item = self.sudo()
        if not item.munipay_suspense or item.reconciled:
            raise UserError(_("This unmatched payment has already been assigned or returned."))
        if not item.partner_id:
            raise UserError(_("Set the sender (partner) of this payment before returning it."))
        prepared = self.env['account.payment'].search([('munipay_suspense_line_id', '=', item.id),
                                                        ('state', '!=', 'canceled')], limit=1)
        if prepared:
            return {'type': 'ir.actions.act_window', 'res_model': 'account.payment', 'res_id': prepared.id,
                    'view_mode': 'form'}
        st_line = item.move_id.statement_line_id
        payment = self.env['account.payment'].create({
            'payment_type': 'outbound',
            'partner_type': 'customer',
            'partner_id': item.partner_id.id,
            'amount': -item.amount_residual,
            'date': fields.Date.context_today(self),
            'journal_id': (st_line.journal_id or item.journal_id).id,
            'destination_account_id': item.account_id.id,
            'memo': _("Return: %s", st_line.payment_ref or item.name),
            'munipay_suspense_line_id': item.id,
        })
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'account.payment',
            'res_id': payment.id,
            'view_mode': 'form',
        }
