from collections import defaultdict

from odoo import _, api, models

from odoo.addons.payment import utils as payment_utils


class PaymentProvider(models.Model):
    _inherit = 'payment.provider'

    @api.model
    def _get_compatible_providers(self, *args, munipay_order_ids=None, munipay_amounts=None, munipay_wallet_id=None,
                                  munipay_topup_amount=None, report=None, **kwargs):
        """Beyond Odoo's own filters, orders' fee types say which providers may
        collect them and up to what amount (per fee type, summed over the orders);
        a wallet's service says the same of its top-ups."""
        providers = super()._get_compatible_providers(*args, report=report, **kwargs)
        if munipay_wallet_id:
            service = self.env['munipay.wallet'].sudo().browse(munipay_wallet_id).service_fee_type_id
            allowed = service._munipay_allowed_providers(providers, munipay_topup_amount or 0.0)
            payment_utils.add_to_report(report, providers - allowed, available=False,
                                        reason=_("not allowed for this service"))
            providers = allowed
        if munipay_order_ids:
            orders = self.env['munipay.payment.order'].sudo().browse(munipay_order_ids)
            allowed = providers._munipay_allowed_for(orders, munipay_amounts)
            payment_utils.add_to_report(report, providers - allowed, available=False,
                                        reason=_("not allowed for this fee"))
            providers = allowed
        return providers

    def _munipay_allowed_for(self, orders, amounts=None):
        """The providers of ``self`` that may collect ``orders`` together
        (``amounts``: {order id: amount}, default what each has open today)."""
        amounts = amounts or orders._munipay_online_amounts()
        by_fee_type = defaultdict(float)
        for order in orders:
            by_fee_type[order.fee_type_id] += amounts.get(order.id, amounts.get(str(order.id), 0.0))
        providers = self
        for fee_type, amount in by_fee_type.items():
            providers = fee_type._munipay_allowed_providers(providers, amount) if fee_type else providers
        return providers
