from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..lib import statement_refs

# Imports up to this many lines are matched in the importing request; more go to the job.
INLINE_MATCH_LIMIT = 200
# Lines the matching job books per transaction: a batch pays for one walk through the
# bulk-issue entries it touches, so fewer, larger batches book faster (100,000 orders
# issued in entries of 5,000: 15 ms of Odoo CPU a line in batches of 1,000, 11 ms in 2,000).
MATCH_BATCH_SIZE = 2000


class AccountBankStatementLine(models.Model):
    _inherit = 'account.bank.statement.line'

    munipay_match_state = fields.Selection(
        [('order', "Paid a payment order"), ('credit', "Credit to refund"), ('suspense', "Unmatched payment"),
         ('return', "Payment returned"), ('refund', "Credit refunded"), ('manual', "Left to the accountant")],
        string="munipay", readonly=True, copy=False, index='btree_not_null')
    munipay_order_id = fields.Many2one(
        'munipay.payment.order', string="Payment Order", readonly=True, copy=False, index='btree_not_null')
    munipay_match_note = fields.Char(string="Matching", readonly=True, copy=False)
    munipay_value_date = fields.Date(
        string="Value Date", readonly=True, copy=False,
        help="The day the money was credited, as the bank reports it; amounts due are judged on it.")

    def _munipay_value_date(self):
        self.ensure_one()
        return self.munipay_value_date or self.date

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        if not self.env.context.get('munipay_no_match'):
            todo = lines.filtered(lambda l: l.company_id.munipay_bank_auto_match)
            if len(todo) > INLINE_MATCH_LIMIT:
                self.env.ref('munipay_bank.ir_cron_munipay_bank_match')._trigger()
            elif todo:
                todo._munipay_match()
                todo._munipay_match_returns()
        return lines

    def _auto_reconcile(self):
        # Called by OCA's reconciliation add-on on new lines. Where munipay matches
        # statement lines, its matching is the automatic reconciliation: OCA's rules
        # would compete for the same lines without knowing the amounts due on the
        # value date, and look up each line's partner by a regular expression over
        # every partner's name first (a tenth of a second per line in a town).
        others = self.filtered(lambda l: not l.company_id.munipay_bank_auto_match)
        return super(AccountBankStatementLine, others)._auto_reconcile()

    def action_munipay_match(self):
        """Match the selected lines now (the lines an accountant reconciled are left alone)."""
        self.check_access('write')
        self._munipay_match()
        self._munipay_match_returns()
        return True

    def action_undo_reconciliation(self):
        # an unmatched payment already assigned or sent back is booked elsewhere: undoing
        # the line would leave that entry without its money and book the money again
        settled = self.sudo().line_ids.filtered(
            lambda l: l.munipay_suspense and (l.matched_debit_ids or l.matched_credit_ids))
        if settled:
            raise UserError(_(
                "The unmatched payment of %(line)s was already assigned to an order or returned to its sender: "
                "reverse that entry (or cancel the return) first.",
                line=settled[0].move_id.statement_line_id.display_name))
        # the line is open again: munipay may match it anew. What it could not match is
        # in the accountant's hands now (a reconciliation screen): the officer's to-do is done.
        flagged = self.filtered(lambda l: l.munipay_match_state in ('suspense', 'manual'))
        res = super().action_undo_reconciliation()
        self.with_context(skip_account_move_synchronization=True).write({
            'munipay_match_state': False, 'munipay_order_id': False, 'munipay_match_note': False})
        flagged.move_id.activity_ids.action_feedback(
            feedback=_("Taken back by %s to be matched by hand.", self.env.user.name))
        return res

    def reconcile_bank_line(self):
        # OCA's reconciliation screen, when installed, validates a line here: a line munipay
        # left to the accountant (a return it could not place) is now matched by hand
        left = self.filtered(lambda l: l.munipay_match_state == 'manual')
        result = super().reconcile_bank_line()
        done = left.filtered('is_reconciled')
        if done:
            done.move_id.activity_ids.action_feedback(feedback=_("Matched by hand by %s.", self.env.user.name))
        return result

    @api.model
    def _cron_munipay_match(self, batch_size=MATCH_BATCH_SIZE):
        lines = self.search(self._munipay_matchable_domain(), order='id', limit=batch_size)
        lines._munipay_match()
        lines._munipay_match_returns()
        remaining = self.search_count(self._munipay_matchable_domain()) if len(lines) == batch_size else 0
        self.env['ir.cron']._notify_progress(done=len(lines), remaining=remaining)
        return lines

    @api.model
    def _munipay_matchable_domain(self):
        return [('is_reconciled', '=', False), ('munipay_match_state', '=', False), ('amount', '!=', 0),
                ('state', '=', 'posted'), ('company_id.munipay_bank_auto_match', '=', True),
                # an archived company (a closed office, a localisation's demo company) books nothing
                ('company_id.active', '=', True)]

    # ------------------------------------------------------------------ matching

    def _munipay_matchable(self):
        return self.filtered(lambda l: not l.is_reconciled and not l.munipay_match_state and l.state == 'posted'
                             and l.currency_id.compare_amounts(l.amount, 0) > 0)

    def _munipay_texts(self):
        self.ensure_one()
        details = self.transaction_details
        return [self.payment_ref, self.ref if 'ref' in self._fields else None,
                self.narration and str(self.narration), str(details) if details else None]

    def _munipay_match(self):
        """Match the lines to payment orders and book them; see :meth:`_munipay_find_orders`.
        What another add-on recognises as its own first (:meth:`_munipay_match_special`)."""
        rest = self - self._munipay_match_special()
        matches, suspense = rest._munipay_find_orders()
        rest._munipay_book(matches, suspense)
        return matches

    def _munipay_match_special(self):
        """Hook: book the lines that pay no single order but something an add-on
        knows (a channel's settlement of many payments at once), before orders are
        looked up. Returns the lines it booked (or put to the suspense account)."""
        return self.browse()

    def _munipay_match_returns(self):
        """A returned transfer (a chargeback, a bank's return of a payment it could not
        credit) takes its payment back off the order: the order reopens, and the
        return is reconciled with the payment it cancels. Unknown returns are left
        to the accountant."""
        lines = self.sudo().filtered(lambda l: not l.is_reconciled and not l.munipay_match_state
                                     and l.state == 'posted' and l.currency_id.compare_amounts(l.amount, 0) < 0)
        # said once, as for incoming transfers: left silent, they would fill every batch of the job
        foreign = lines.filtered(lambda l: l.foreign_currency_id or l.currency_id != l.company_id.currency_id)
        if foreign:
            foreign._munipay_leave(_("An outgoing transfer in another currency than the payment orders: match it "
                                     "by hand."))
            lines -= foreign
        if not lines:
            return {}
        texts = {line: statement_refs.candidates(*line._munipay_texts()) for line in lines}
        values = list({value for found in texts.values() for value in found})
        Order = self.env['munipay.payment.order'].sudo()
        keys = Order._munipay_reference_fields()
        orders = Order.search(expression.AND([
            Order._munipay_reference_domain(values),
            [('company_id', 'in', lines.company_id.ids), ('state', '!=', 'draft')]])) if values else []
        returned = {}
        for line in lines:
            found = [o for o in orders if o.company_id == line.company_id
                     and any(o[key] and o[key] in texts[line] for key in keys)]
            if len(found) != 1:
                line._munipay_leave(_("A returned transfer that names no single payment order."))
                continue
            order = found[0]
            if order._munipay_refund_statement_line(line):
                continue
            # the money it returns: a bank transfer or a registered payment of that
            # amount, or the only one larger than it (part of it comes back)
            money = order.ledger_line_ids.matched_credit_ids.credit_move_id.filtered(
                lambda c: c.move_id._munipay_is_money())
            original = money.filtered(lambda c, l=line: not c.currency_id.compare_amounts(-c.balance, -l.amount))[:1]
            if not original:
                original = money.filtered(lambda c, l=line: c.currency_id.compare_amounts(-c.balance, -l.amount) > 0)
            if len(original) == 1:
                order._munipay_return_statement_line(line, original)
                returned[line] = order
            else:
                line._munipay_leave(_("Returns a payment of %s that no single payment of at least that amount "
                                      "paid: match it by hand.", order.name))
        return returned

    def _munipay_leave(self, reason):
        """Left to the accountant, said once (the matching job moves on)."""
        self.with_context(skip_account_move_synchronization=True).write({
            'munipay_match_state': 'manual', 'munipay_match_note': reason[:250]})
        for line in self:
            line._munipay_tell_officer(reason)

    def _munipay_find_orders(self):
        """({line: (order, note)}, {line: reason}), candidates found in bulk: first by
        the references in the lines' texts, then by payer (IBAN, partner, name) and
        amount when exactly one open order fits. What matches nothing, or more than
        one order, is for the suspense account."""
        lines = self.sudo()._munipay_matchable()
        if not lines:
            return {}, {}
        suspense = {}
        foreign = lines.filtered(lambda l: l.foreign_currency_id or l.currency_id != l.company_id.currency_id)
        for line in foreign:
            suspense[line] = _("The transfer is in another currency than the payment orders: match it by hand.")
        lines -= foreign
        Order = self.env['munipay.payment.order'].sudo()
        texts = {line: statement_refs.candidates(*line._munipay_texts()) for line in lines}
        values = {value for found in texts.values() for value in found}
        by_value = defaultdict(lambda: Order)
        if values:
            # every company's orders: a reference of another company must not fall
            # through to the payer-and-amount guess
            keys = Order._munipay_reference_fields()
            for order in Order.search(expression.AND([Order._munipay_reference_domain(list(values)),
                                                      [('state', '!=', 'draft')]])):
                for key in keys:
                    if order[key]:
                        by_value[order[key]] |= order
        matches, unmatched = {}, self.env['account.bank.statement.line']
        for line in lines:
            named = Order
            for value in texts[line]:
                named |= by_value.get(value, Order)
            found = named.filtered(lambda o, c=line.company_id: o.company_id == c)
            if named and not found:
                suspense[line] = _("The transfer names a payment order of another company (%s).",
                                   ", ".join(named.mapped('name')))
                continue
            if not found and statement_refs.has_broken_rf(' '.join(t for t in line._munipay_texts() if t)):
                suspense[line] = _("The transfer carries a creditor reference with wrong check digits: "
                                   "never a guess.")
                continue
            if len(found) == 1:
                matches[line] = (found, _("Reference %s", found.payment_reference))
            elif len(found) > 1:
                suspense[line] = _("The transfer names several payment orders: %s.", ", ".join(found.mapped('name')))
            else:
                unmatched |= line
        matches.update(unmatched._munipay_match_by_payer())
        for line in unmatched.filtered(lambda l: l not in matches):
            suspense[line] = _("No payment order has this reference, and no single open order of the payer is due "
                               "for this amount.")
        return matches, suspense

    def _munipay_book(self, matches, suspense):
        self.env['munipay.payment.order']._munipay_settle_statement_lines(
            [(order, line, note) for line, (order, note) in matches.items()])
        for line, reason in suspense.items():
            line._munipay_to_suspense(reason)

    def _munipay_match_by_payer(self):
        """{line: (order, note)} for lines whose payer has exactly one open order due
        for the line's amount on its value date."""
        if not self:
            return {}
        payers = {}
        ibans = {statement_refs.compact_iban(line.account_number) for line in self if line.account_number}
        bank_partners = {}
        if ibans:
            for bank in self.env['res.partner.bank'].sudo().search([('sanitized_acc_number', 'in', list(ibans))]):
                bank_partners.setdefault(bank.sanitized_acc_number, self.env['res.partner'])
                bank_partners[bank.sanitized_acc_number] |= bank.partner_id.commercial_partner_id
        names = {line.partner_name.strip().lower() for line in self if line.partner_name}
        name_partners = defaultdict(lambda: self.env['res.partner'])
        if names:
            domain = expression.OR([[('name', '=ilike', name)] for name in names])
            for partner in self.env['res.partner'].sudo().search(domain):
                name_partners[partner.name.strip().lower()] |= partner.commercial_partner_id
        for line in self:
            partners = line.partner_id.commercial_partner_id \
                or bank_partners.get(statement_refs.compact_iban(line.account_number)) \
                or name_partners.get((line.partner_name or '').strip().lower())
            if partners:
                payers[line] = partners
        if not payers:
            return {}
        all_partners = self.env['res.partner'].union(*payers.values())
        open_orders = defaultdict(lambda: self.env['munipay.payment.order'])
        for order in self.env['munipay.payment.order'].sudo().search([
                ('state', '=', 'issued'), ('partner_id.commercial_partner_id', 'in', all_partners.ids)]):
            open_orders[order.partner_id.commercial_partner_id] |= order
        result = {}
        for line, partners in payers.items():
            fitting = self.env['munipay.payment.order'].union(*(open_orders[p] for p in partners)).filtered(
                lambda o, l=line: o.company_id == l.company_id
                and not o.currency_id.compare_amounts(o.get_amount_open(l._munipay_value_date()), l.amount))
            if len(fitting) == 1:
                result[line] = (fitting, _("Payer and amount"))
        return result

    def _munipay_to_suspense(self, reason):
        """Book the line to the unmatched payments account, payer details kept, and
        ask the officer to look at it."""
        self.ensure_one()
        company = self.company_id
        _liquidity, suspense, _other = self.with_context(skip_account_move_synchronization=True)._seek_for_lines()
        if len(suspense) != 1:
            return
        suspense._munipay_rebook_counterpart(company._munipay_suspense_account())
        self.with_context(skip_account_move_synchronization=True).write({
            'munipay_match_state': 'suspense', 'munipay_match_note': reason[:250]})
        self._munipay_tell_officer(reason)

    def _munipay_tell_officer(self, reason):
        self.ensure_one()
        company = self.company_id
        user = company.munipay_suspense_user_id or self.env.ref('base.user_admin', raise_if_not_found=False) \
            or self.env.user
        self.move_id.activity_schedule(
            'mail.mail_activity_data_todo', user_id=user.id, summary=_("Unmatched bank payment"),
            note=_("%(amount)s from %(payer)s (%(text)s): %(reason)s", amount=self.currency_id.format(self.amount),
                   payer=self.partner_name or self.partner_id.display_name or self.account_number or _("unknown"),
                   text=self.payment_ref or '', reason=reason))
