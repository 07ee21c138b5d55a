from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    munipay_order_id = fields.Many2one(
        'munipay.payment.order', string="Payment Order", index='btree_not_null', copy=False, readonly=True,
        ondelete='restrict',
        help="Set on the receivable items of a payment order, and on nothing else.")
    munipay_surcharge = fields.Boolean(copy=False, readonly=True)
    munipay_discount_order_id = fields.Many2one(
        'munipay.payment.order', string="Adjusts Order", index='btree_not_null', copy=False, readonly=True,
        ondelete='restrict',
        help="Set on the items that write off or take off part of a payment order: its early payment "
             "discount, a surcharge given back, a cancellation.")
    munipay_reversed_line_id = fields.Many2one(
        'account.move.line', string="Reverses", index='btree_not_null', copy=False, readonly=True,
        help="The order's receivable item this item takes off the ledger.")
    munipay_wallet_id = fields.Many2one(
        'munipay.wallet', string="Wallet", index='btree_not_null', copy=False, readonly=True, ondelete='restrict',
        help="Set on the prepaid-liability items of a wallet.")

    @api.constrains('munipay_order_id', 'account_id')
    def _check_munipay_order_receivable(self):
        for line in self.filtered('munipay_order_id'):
            if line.account_id.account_type != 'asset_receivable':
                raise ValidationError(_("Only receivable items belong to payment order %s.", line.munipay_order_id.name))

    def _copy_data_extend_business_fields(self, values):
        super()._copy_data_extend_business_fields(values)
        # a reversal (or a "reverse and replace" copy) of a wallet's item moves the same
        # wallet's balance: without the link the reversed money would stay spendable
        if self.munipay_wallet_id:
            values['munipay_wallet_id'] = self.munipay_wallet_id.id

    def _get_installments_data(self, payment_currency=None, payment_date=None, next_payment_date=None):
        # A batch entry carries many orders, some inside a discount window and some
        # not: decide the early payment discount of each order's item on its own.
        move = self.move_id
        if len(move) != 1 or len(self) < 2 or self.env.context.get('munipay_epd_line_ids') \
                or not move._munipay_discount_items():
            return super()._get_installments_data(payment_currency, payment_date, next_payment_date)
        installments = []
        for line in self.sorted(key=lambda l: (l.date_maturity, l.date)):
            installments += super(AccountMoveLine, line.with_context(munipay_epd_line_ids=line.ids))\
                ._get_installments_data(payment_currency, payment_date, next_payment_date)
        for number, installment in enumerate(installments, start=1):
            installment['number'] = number
        return installments

    def _munipay_reconcile_with_originals(self):
        """Reconcile each item with the order item it reverses, pair by pair."""
        pairs = [line | line.munipay_reversed_line_id for line in self if line.munipay_reversed_line_id]
        if pairs:
            self.env['account.move.line']._reconcile_plan(pairs)

    def _munipay_reconcile_walk(self):
        """Reconciling an item makes Odoo walk back from it along the dependencies
        of account.move's amounts: to every item of its entry, their partials and
        the entries those reconcile with. For a batch entry of thousands of items,
        reading that walk item by item costs quadratic time (each cache miss scans
        the whole prefetch set): read it here in a few queries, so the walk finds
        it in cache. Returns the posted miscellaneous entries the walk reaches."""
        entries = self.move_id.filtered(lambda m: m.move_type == 'entry')
        if not entries:
            return entries
        items = entries.line_ids
        items.fetch(['move_id', 'matched_debit_ids', 'matched_credit_ids', 'full_reconcile_id', 'payment_id',
                     'amount_residual', 'amount_residual_currency', 'balance', 'amount_currency', 'currency_id',
                     'display_type', 'debit', 'reconciled'])
        partials = items.matched_debit_ids | items.matched_credit_ids
        partials.fetch(['debit_move_id', 'credit_move_id'])
        counterparts = (partials.debit_move_id | partials.credit_move_id) - items
        counterparts.fetch(['move_id'])
        reached = entries | counterparts.move_id
        reached.fetch(['origin_payment_id', 'move_type', 'state'])
        return reached.filtered(lambda m: m.move_type == 'entry' and m.state == 'posted')

    @api.model
    def _reconcile_plan(self, reconciliation_plan):
        # Follow the orders once the reconciliation is complete, outside the
        # move-synchronisation contexts: settling one order may cancel its joint
        # debtors' orders, which posts credit notes of its own.
        lines = self.env['account.move.line']
        pending = list(reconciliation_plan)
        while pending:
            item = pending.pop()
            if isinstance(item, models.BaseModel):
                lines |= item
            else:
                pending.extend(item)
        orders = lines.sudo().munipay_order_id
        if not orders:
            return super()._reconcile_plan(reconciliation_plan)
        orders._munipay_lock()
        # The amounts of a posted miscellaneous entry are its debits: reconciling
        # its items changes none of them, nor its payment state (always "not
        # paid") or due date (it has no payment terms), yet Odoo recomputes them
        # for every entry the walk reaches: each payment ever matched to a batch
        # entry, each time. Those fields are left as they are, through the
        # recomputation of the items' residuals too.
        entries = lines.sudo()._munipay_reconcile_walk()
        Move = self.env['account.move']
        unchanged = self.pool.field_computed[Move._fields['amount_total']] \
            + self.pool.field_computed[Move._fields['payment_state']] + [Move._fields['invoice_date_due']]
        with self.env.protecting(unchanged, entries):
            res = super()._reconcile_plan(reconciliation_plan)
            self.env['account.move.line'].flush_model()
        orders._munipay_sync_payment_state()
        return res
