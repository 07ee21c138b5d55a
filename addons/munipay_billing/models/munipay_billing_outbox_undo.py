from odoo import _, models


class MunipayBillingOutbox(models.Model):
    """A payment undone in accounting (its order reopened, its top-up entry reversed or
    reset to draft) must not stay counted in the billing system."""
    _inherit = 'munipay.billing.outbox'

    def _billing_top_up_vals(self, move):
        """This wallet top-up queued again, as the payment of ``move`` (the entry whose
        money is on the wallet again)."""
        self.ensure_one()
        return {
            'system_id': self.system_id.id, 'account_number': self.account_number, 'amount': self.amount,
            'currency_id': self.currency_id.id, 'reference': self.reference, 'wallet_id': self.wallet_id.id,
            'move_id': move.id,
        }

    def _billing_undo(self, reason):
        """Take the payments back: one never tried is cancelled (nothing left munipay);
        one sent or tried (its answer may have been lost: the system may have it) is
        stopped and gets a reversal, queued for the job.

        A payment another worker is sending right now is locked: it cannot be
        cancelled (the system may be booking it this moment), so it gets its reversal
        now; the job cancels it at its next pick-up and sends the reversal after its
        last try (see ``_billing_send``).

        :param reason: why, for the note on each cancelled payment
        :return: the reversals queued
        """
        payments = self.sudo()._billing_live_payments()
        if not payments:
            return self.browse()
        locked = payments._billing_lock(pending_only=False)
        never_tried = locked.filtered(lambda r: r.state == 'pending' and not r.attempts)
        never_tried.write({'state': 'cancelled', 'next_attempt': False,
                           'last_error': _("Cancelled before it was sent: %s.", reason)})
        for payment in locked.filtered(lambda r: r.state == 'pending'):
            payment.write({'state': 'cancelled', 'next_attempt': False, 'last_error': _(
                "Cancelled after %(count)s tries: %(reason)s. Its reversal takes it back in case the system got it.",
                count=payment.attempts, reason=reason)})
        to_reverse = payments - never_tried
        reversals = self.sudo().create([{
            'kind': 'reversal',
            'original_id': payment.id,
            'system_id': payment.system_id.id,
            'currency_id': payment.currency_id.id,
            'account_number': payment.account_number,
            'amount': payment.amount,
            'reference': payment.reference,
            'order_id': payment.order_id.id,
            'wallet_id': payment.wallet_id.id,
        } for payment in to_reverse])
        if reversals:
            self.env.ref('munipay_billing.ir_cron_munipay_billing_outbox').sudo()._trigger()
        return reversals
