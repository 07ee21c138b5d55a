from odoo import _, api, models

from ..lib import cash_session


class MunipayPaymentOrder(models.Model):
    """What the kiosk screen may show of an order: its name, the payer's initials and
    the amount due today, nothing else."""
    _inherit = 'munipay.payment.order'

    @api.model
    def munipay_kiosk_lookup(self, config_id, text):
        """The order a scanned notice or a typed reference names:
        ``{'status': 'ok'|'refused'|'not_found', 'message', 'kind', 'target_id', ...}``."""
        config = self.env['pos.config']._munipay_kiosk_check(config_id)
        text = (text or '').replace('\x00', '').strip()[:2000]
        if not text:
            return {'status': 'not_found', 'message': _("Scan the notice or type its payment reference.")}
        answer = self._munipay_kiosk_lookup_other(config, text)
        if answer:
            return answer
        orders, message = self._munipay_cashdesk_find_scanned(config.company_id, text)
        if not orders:
            return {'status': 'not_found', 'message': message or _(
                "No payment order of %s has this reference. Check the notice and try again.",
                config.company_id.name)}
        order = orders[:1]
        refusal = self._munipay_cashdesk_currency_refusal(config) or order._munipay_cashdesk_refusal()
        if refusal:
            return {'status': 'refused', 'message': refusal}
        return order._munipay_kiosk_target_values()

    @api.model
    def _munipay_kiosk_lookup_other(self, config, text):
        """Hook for other things a kiosk collects (a wallet top-up by PAN): an answer
        like ``_munipay_kiosk_target_values``'s with its own ``kind`` (booked by
        ``munipay.kiosk.payment._munipay_kiosk_book_<kind>``), or None."""
        return None

    def _munipay_kiosk_target_values(self):
        self.ensure_one()
        order = self.sudo()
        currency = order.currency_id
        due = currency.round(order.get_amount_open())
        return {
            'status': 'ok',
            'message': '',
            'kind': 'order',
            'target_id': order.id,
            'name': order.name,
            'reference': order.payment_reference,
            'fee': order.fee_type_id.name or '',
            'initials': cash_session.initials(order.partner_id.name),
            'amount_due': round(due * 10 ** currency.decimal_places),
            'amount_due_text': currency.format(due),
            'currency': currency.name,
        }
