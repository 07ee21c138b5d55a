from odoo import _, http
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.http import request

from .portal import ORDER_MODEL, MunipayPortal

MAX_ORDERS_AT_ONCE = 50


class MunipayPayment(MunipayPortal):

    def _munipay_parse_ids(self, order_ids):
        ids = []
        for part in (order_ids or '').split(','):
            part = part.strip()
            if not part.isdigit():
                raise ValidationError(_("The payment orders to pay are not valid."))
            ids.append(int(part))
        ids = list(dict.fromkeys(ids))
        if not ids or len(ids) > MAX_ORDERS_AT_ONCE:
            raise ValidationError(_("Choose between 1 and %s payment orders to pay.", MAX_ORDERS_AT_ONCE))
        return ids

    def _munipay_own_orders(self, ids):
        """Several orders at once: only the logged-in citizen's own (no token stands for them)."""
        if request.env.user._is_public():
            raise ValidationError(_("Log in to pay several payment orders at once."))
        Order = request.env[ORDER_MODEL]
        orders = Order.search(self._munipay_orders_domain() + [('id', 'in', ids)])
        if len(orders) != len(ids):
            raise ValidationError(_("Some of these payment orders are not yours to pay."))
        return orders.sudo()

    def _munipay_orders_to_pay(self, order_ids, access_token):
        ids = self._munipay_parse_ids(order_ids)
        if len(ids) > 1:
            return self._munipay_own_orders(ids)
        order_sudo, by_link = self._munipay_order_check_access(ids[0], access_token)
        if not order_sudo:
            raise ValidationError(_("The access token is invalid."))
        if by_link and order_sudo._munipay_portal_tan_required() and not order_sudo._munipay_portal_tan_given():
            raise ValidationError(_("Open the payment order with the TAN printed on its notice first."))
        return order_sudo

    @http.route('/my/munipay/orders/transaction/<string:order_ids>', type='json', auth='public')
    def munipay_orders_transaction(self, order_ids, access_token=None, amount=None, provider_id=None,
                                   payment_method_id=None, flow=None, **kwargs):
        """Create the draft transaction paying the orders (what they have open
        today) and return its processing values, as Odoo's own payment routes do."""
        orders_sudo = self._munipay_orders_to_pay(order_ids, access_token)
        self._validate_transaction_kwargs(kwargs)
        if flow not in ('redirect', 'direct') or kwargs.get('is_validation'):
            raise ValidationError(_("Payment orders are paid directly or through the provider's page."))
        # two tabs paying at once: the second waits for nothing and is told the first is paying
        orders_sudo._munipay_lock()
        orders_sudo._munipay_check_online_payable()
        amounts = orders_sudo._munipay_online_amounts()
        currency, company = orders_sudo.currency_id, orders_sudo.company_id
        total = currency.round(sum(amounts.values()))
        if amount is None or currency.compare_amounts(float(amount), total):
            raise ValidationError(_("The amount due has changed since the page was opened: reload it to pay %s.",
                                    currency.format(total)))
        partner_sudo = orders_sudo[0].partner_id
        providers_sudo = request.env['payment.provider'].sudo()._get_compatible_providers(
            company.id, partner_sudo.id, total, currency_id=currency.id,
            munipay_order_ids=orders_sudo.ids, munipay_amounts=amounts)
        provider_sudo = providers_sudo.filtered(lambda p: p.id == self._cast_as_int(provider_id))
        methods_sudo = request.env['payment.method'].sudo()._get_compatible_payment_methods(
            provider_sudo.ids, partner_sudo.id, currency_id=currency.id)
        if not provider_sudo or self._cast_as_int(payment_method_id) not in methods_sudo.ids:
            raise ValidationError(_("This payment method cannot collect these payment orders."))
        tx_sudo = self._create_transaction(
            provider_id=provider_sudo.id, payment_method_id=self._cast_as_int(payment_method_id), token_id=None,
            amount=total, currency_id=currency.id, partner_id=partner_sudo.id, flow=flow,
            tokenization_requested=False, landing_route=self._munipay_landing_route(orders_sudo),
            custom_create_values={
                'munipay_order_ids': [Command.set(orders_sudo.ids)],
                'munipay_order_amounts': {str(order_id): value for order_id, value in amounts.items()},
            },
        )
        return tx_sudo._get_processing_values()

    @http.route('/my/munipay/pay', type='http', auth='user', methods=['GET'], website=True, sitemap=False)
    def portal_munipay_pay(self, **kwargs):
        """Pay several of one's own orders at once (the list's "Pay selected")."""
        raw = request.httprequest.args.getlist('order_ids')
        try:
            orders_sudo = self._munipay_own_orders(self._munipay_parse_ids(','.join(raw)))
        except (ValidationError, AccessError):
            return request.redirect('/my/munipay/orders')
        values = self._prepare_portal_layout_values()
        values.update({'page_name': 'munipay_pay', 'pay_amounts': {}})
        values.update(self._munipay_payment_values(orders_sudo))
        return request.render('munipay_portal.portal_pay_page', values)
