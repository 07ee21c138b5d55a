from odoo import _, models


class AccountMove(models.Model):
    """A wallet's top-up entry reset to draft (or cancelled) or reversed is undone in the
    billing system too; posted again, it is posted there again."""
    _inherit = 'account.move'

    def _billing_top_ups(self):
        return self.env['munipay.billing.outbox'].sudo().search(
            [('move_id', 'in', self.ids), ('wallet_id', '!=', False), ('kind', '=', 'payment')])

    def button_draft(self):
        posted = self.filtered(lambda m: m.state == 'posted')
        res = super().button_draft()
        if posted:
            posted._billing_top_ups()._billing_undo(_("the top-up's entry was reset to draft"))
            # a reversal reset to draft puts the top-up it took back on the wallet again
            posted.filtered('reversed_entry_id').reversed_entry_id._billing_restore_top_ups()
        return res

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        if posted.reversed_entry_id:
            posted.reversed_entry_id._billing_top_ups()._billing_undo(_("the top-up's entry was reversed"))
        top_ups = posted._billing_top_ups() if posted else self.env['munipay.billing.outbox']
        if top_ups:
            live = top_ups._billing_live_payments()
            again = top_ups.filtered(lambda r: r.move_id not in live.move_id and not r.move_id.reversal_move_ids)
            latest = {row.move_id: row for row in again.sorted('id')}
            self.env['munipay.billing.outbox']._billing_enqueue([
                row._billing_top_up_vals(row.move_id) for row in latest.values()])
        reversals = posted.filtered('reversed_entry_id')
        if reversals:
            (reversals - reversals._billing_top_ups().move_id)._billing_restore_top_ups()
        return posted

    def _billing_restore_top_ups(self):
        """The top-up entries (or reversals of their reversals, at any depth) whose money is on
        the wallet again: posted to the system again, on that entry (so that reversing or
        resetting it takes it back there once more); one posted there already is not."""
        vals_list = []
        restored = self.filtered(lambda m: m.state == 'posted' and 'posted' not in m.reversal_move_ids.mapped('state'))
        for move in restored:
            depth, root = 0, move
            while root.reversed_entry_id and depth < 50:
                root, depth = root.reversed_entry_id, depth + 1
            if depth % 2:
                continue
            rows = root._billing_top_ups()
            latest = {row.wallet_id: row for row in rows.sorted('id')}
            vals_list += [row._billing_top_up_vals(move) for row in latest.values()]
        if vals_list:
            self.env['munipay.billing.outbox']._billing_enqueue(vals_list)
