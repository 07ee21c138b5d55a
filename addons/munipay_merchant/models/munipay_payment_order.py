from odoo import _, api, models


class MunipayPaymentOrder(models.Model):
    _inherit = 'munipay.payment.order'

    @api.model
    def _munipay_cashdesk_answer(self, status, message, orders=None, config=None):
        """A merchant's POS finds only the orders of the fee types it may collect."""
        if orders and config and config.munipay_merchant_partner_id:
            allowed = orders.sudo().filtered(lambda o: config._munipay_merchant_allows(o.fee_type_id))
            if not allowed:
                return super()._munipay_cashdesk_answer('refused', _(
                    "This merchant is not authorised to collect %s.",
                    ', '.join(orders.sudo().fee_type_id.mapped('name'))))
            orders = orders.browse(allowed.ids)
        return super()._munipay_cashdesk_answer(status, message, orders, config)
