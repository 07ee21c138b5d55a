from collections import OrderedDict

from werkzeug.exceptions import NotFound

from odoo import SUPERUSER_ID, _, http
from odoo.http import request
from odoo.osv import expression
from odoo.tools import consteq

from odoo.addons.munipay_documents.controllers.verify import _client_key
from odoo.addons.payment.controllers.portal import PaymentPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

ORDER_MODEL = 'munipay.payment.order'
NOTICE_REPORT = 'munipay_documents.action_report_payment_notice'
RECEIPT_REPORT = 'munipay_documents.action_report_receipt'


class MunipayPortal(PaymentPortal):

    # ------------------------------------------------------------------ home and list

    def _munipay_orders_domain(self):
        """The orders of the logged-in citizen: those they (or their company) are the payer of."""
        partner = request.env.user.partner_id.commercial_partner_id
        return [('partner_id', 'child_of', partner.id), ('state', '!=', 'draft')]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        Order = request.env[ORDER_MODEL]
        readable = Order.has_access('read')
        if 'munipay_order_count' in counters:
            values['munipay_order_count'] = Order.search_count(self._munipay_orders_domain()) if readable else 0
        if 'munipay_open_order_count' in counters:
            values['munipay_open_order_count'] = Order.search_count(
                self._munipay_orders_domain() + [('state', '=', 'issued')]) if readable else 0
        return values

    def _munipay_searchbar_sortings(self):
        return {
            'date': {'label': _("Issue Date"), 'order': 'date_issue desc, id desc'},
            'duedate': {'label': _("Due Date"), 'order': 'date_due asc, id desc'},
            'name': {'label': _("Number"), 'order': 'name desc'},
            'state': {'label': _("Status"), 'order': 'state, date_issue desc, id desc'},
        }

    def _munipay_searchbar_filters(self):
        return {
            'all': {'label': _("All"), 'domain': []},
            'open': {'label': _("To Pay"), 'domain': [('state', '=', 'issued')]},
            'paid': {'label': _("Paid"), 'domain': ['|', ('state', '=', 'paid'), ('joint_cancelled_by_id', '!=', False)]},
            'cancelled': {'label': _("Cancelled"), 'domain': [('state', 'in', ('cancelled', 'expired')),
                                                              ('joint_cancelled_by_id', '=', False)]},
        }

    def _munipay_searchbar_inputs(self):
        return {
            'all': {'input': 'all', 'label': _("Search in All")},
            'name': {'input': 'name', 'label': _("Search in Number")},
            'origin': {'input': 'origin', 'label': _("Search in Case")},
            'reference': {'input': 'reference', 'label': _("Search in Payment Reference")},
            'fee': {'input': 'fee', 'label': _("Search in What")},
        }

    def _munipay_search_domain(self, search_in, search):
        fields_by_input = {
            'name': ['name'], 'origin': ['origin'], 'reference': ['payment_reference'], 'fee': ['fee_type_id.name'],
        }
        names = fields_by_input.get(search_in) or [f for group in fields_by_input.values() for f in group]
        return expression.OR([[(name, 'ilike', search)] for name in names])

    @http.route(['/my/munipay/orders', '/my/munipay/orders/page/<int:page>'], type='http', auth='user', website=True)
    def portal_munipay_orders(self, page=1, sortby=None, filterby=None, search=None, search_in='all', **kw):
        Order = request.env[ORDER_MODEL]
        sortings = self._munipay_searchbar_sortings()
        filters = self._munipay_searchbar_filters()
        sortby = sortby if sortby in sortings else 'date'
        filterby = filterby if filterby in filters else 'all'
        search_in = search_in if search_in in self._munipay_searchbar_inputs() else 'all'
        domain = expression.AND([self._munipay_orders_domain(), filters[filterby]['domain']])
        if search:
            domain = expression.AND([domain, self._munipay_search_domain(search_in, search)])
        readable = Order.has_access('read')
        total = Order.search_count(domain) if readable else 0
        pager = portal_pager(
            url='/my/munipay/orders', total=total, page=page, step=self._items_per_page,
            url_args={'sortby': sortby, 'filterby': filterby, 'search_in': search_in, 'search': search})
        orders = Order.search(domain, order=sortings[sortby]['order'], limit=self._items_per_page,
                              offset=pager['offset']) if readable else Order
        request.session['my_munipay_orders_history'] = orders.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update({
            'orders': [self._munipay_order_row(order) for order in orders],
            'page_name': 'munipay_order',
            'munipay_order': False,
            'pager': pager,
            'default_url': '/my/munipay/orders',
            'searchbar_sortings': sortings,
            'sortby': sortby,
            'searchbar_filters': OrderedDict(filters),
            'filterby': filterby,
            'searchbar_inputs': self._munipay_searchbar_inputs(),
            'search_in': search_in,
            'search': search,
            'today': Order._munipay_company_today(request.env.company),
        })
        return request.render('munipay_portal.portal_my_orders', values)

    def _munipay_order_row(self, order):
        # the amounts read the company's working calendar, which citizens cannot read:
        # as superuser, for an order the search has just let them see
        order_sudo = order.sudo()
        issued = order.state == 'issued'
        return {
            'order': order,
            'status': order_sudo._munipay_portal_status(),
            'amount_due': order_sudo.get_amount_open() if issued else 0.0,
            'payable': issued and not order_sudo._munipay_online_payable_error(),
        }

    # ------------------------------------------------------------------ one order

    def _munipay_order_check_access(self, order_id, access_token):
        """(the order, sudoed, or None; opened by its link rather than by its payer's login?)

        The same rule as portal's ``_document_check_access``, without building the
        AccessError it raises for every visitor holding a link (two queries on the
        busiest page)."""
        order = request.env[ORDER_MODEL].browse(order_id)
        order_sudo = order.with_user(SUPERUSER_ID).exists()
        if not order_sudo or order_sudo.state == 'draft':
            return None, False
        if order.has_access('read'):
            return order_sudo, False
        if access_token and order_sudo.access_token and consteq(order_sudo.access_token, access_token):
            return order_sudo, True
        return None, False

    def _munipay_link_page(self, order_sudo, access_token):
        """The page a visitor holding only the link gets instead of the order's, if any:
        the TAN first; once the order is settled, its status and receipts only."""
        if order_sudo._munipay_portal_link_expired():
            return request.render('munipay_portal.portal_order_link_expired', {
                'company': order_sudo.company_id, 'res_company': order_sudo.company_id}, status=410)
        if order_sudo._munipay_portal_tan_required() and not order_sudo._munipay_portal_tan_given():
            return self._munipay_render_tan(order_sudo, access_token)
        if order_sudo.state != 'issued':
            return request.render('munipay_portal.portal_order_settled', {
                'company': order_sudo.company_id,
                'res_company': order_sudo.company_id,
                'order_id': order_sudo.id,
                'order_name': order_sudo.name,
                'status': order_sudo._munipay_portal_status(),
                'date_paid': order_sudo.date_paid if order_sudo.state == 'paid' else False,
                'receipts': order_sudo.receipt_ids.filtered(lambda r: r.state == 'valid'),
                'access_token': access_token,
            })
        return None

    def _munipay_render_tan(self, order_sudo, access_token, error=None, status=200):
        return request.render('munipay_portal.portal_order_tan', {
            'company': order_sudo.company_id,
            'res_company': order_sudo.company_id,
            'order_id': order_sudo.id,
            'access_token': access_token,
            'tan_error': error,
        }, status=status)

    @http.route(['/my/munipay/orders/<int:order_id>'], type='http', auth='public', website=True, sitemap=False)
    def portal_munipay_order(self, order_id, access_token=None, report_type=None, download=False, **kw):
        order_sudo, by_link = self._munipay_order_check_access(order_id, access_token)
        if not order_sudo:
            return request.redirect('/my')
        if by_link:
            page = self._munipay_link_page(order_sudo, access_token)
            if page:
                return page
        if report_type == 'pdf':
            return self._show_report(model=order_sudo, report_type='pdf', report_ref=NOTICE_REPORT,
                                     download=download)
        values = self._munipay_order_page_values(order_sudo, access_token, by_link, **kw)
        return request.render('munipay_portal.portal_order_page', values)

    def _munipay_order_page_values(self, order_sudo, access_token, by_link, **kwargs):
        today = order_sudo._munipay_today()
        issued = order_sudo.state == 'issued'
        _rule, deadline = order_sudo._munipay_rule_on(today) if issued else (None, None)
        values = {
            'page_name': 'munipay_order',
            'munipay_order': order_sudo,
            'res_company': order_sudo.company_id,  # the municipality's logo on its page
            'status': order_sudo._munipay_portal_status(),
            'amount_due': order_sudo.get_amount_open(today) if issued else 0.0,
            'amount_due_until': deadline,
            'schedule': order_sudo._munipay_portal_schedule(today) if issued else [],
            'receipts': order_sudo.receipt_ids.filtered(lambda r: r.state == 'valid'),
        }
        values.update(self._munipay_payment_values(order_sudo, access_token if by_link else None))
        return self._get_page_view_values(order_sudo, access_token, values, 'my_munipay_orders_history',
                                          by_link, **kwargs)

    @http.route(['/my/munipay/orders/<int:order_id>/tan'], type='http', auth='public', methods=['POST'],
                website=True, sitemap=False)
    def portal_munipay_order_tan(self, order_id, access_token=None, tan=None, **kw):
        order_sudo, by_link = self._munipay_order_check_access(order_id, access_token)
        if not order_sudo:
            return request.redirect('/my')
        if by_link and order_sudo._munipay_portal_tan_required():
            result = order_sudo._munipay_portal_check_tan(tan, _client_key(request.httprequest.remote_addr))
            if result != 'ok':
                return self._munipay_render_tan(order_sudo, access_token, error=result,
                                                status=429 if result == 'locked' else 403)
            order_sudo._munipay_portal_remember_tan()
        return request.redirect(f'{order_sudo.access_url}?access_token={access_token}' if by_link
                                else order_sudo.access_url)

    @http.route(['/my/munipay/orders/<int:order_id>/receipts/<int:receipt_id>'], type='http', auth='public',
                website=True, sitemap=False)
    def portal_munipay_receipt(self, order_id, receipt_id, access_token=None, download=False, **kw):
        order_sudo, by_link = self._munipay_order_check_access(order_id, access_token)
        if not order_sudo:
            raise NotFound()
        if by_link and (order_sudo._munipay_portal_link_expired() or (
                order_sudo._munipay_portal_tan_required() and not order_sudo._munipay_portal_tan_given())):
            raise NotFound()
        receipt_sudo = order_sudo.receipt_ids.filtered(lambda r: r.id == receipt_id and r.state == 'valid')
        if not receipt_sudo:
            raise NotFound()
        return self._show_report(model=receipt_sudo, report_type='pdf', report_ref=RECEIPT_REPORT, download=download)

    # ------------------------------------------------------------------ payment form

    def _munipay_landing_route(self, orders_sudo):
        if len(orders_sudo) == 1:
            return orders_sudo.get_portal_url()
        return '/my/munipay/orders'

    def _munipay_payment_values(self, orders_sudo, access_token=None):
        """What Odoo's payment form needs to pay ``orders_sudo`` (what they have open
        today), or why they cannot be paid online."""
        error = orders_sudo._munipay_online_payable_error()
        if error:
            return {'payable_error': error, 'pay_orders': orders_sudo}
        amounts = orders_sudo._munipay_online_amounts()
        company, currency = orders_sudo.company_id, orders_sudo.currency_id
        partner_sudo = orders_sudo[0].partner_id
        total = currency.round(sum(amounts.values()))
        report = {}
        providers_sudo = request.env['payment.provider'].sudo()._get_compatible_providers(
            company.id, partner_sudo.id, total, currency_id=currency.id, report=report,
            munipay_order_ids=orders_sudo.ids, munipay_amounts=amounts)
        payment_methods_sudo = request.env['payment.method'].sudo()._get_compatible_payment_methods(
            providers_sudo.ids, partner_sudo.id, currency_id=currency.id, report=report)
        return {
            'payable_error': False,
            'pay_orders': orders_sudo,
            'pay_amounts': amounts,
            'amount': total,
            'currency': currency,
            'partner_id': partner_sudo.id,
            'providers_sudo': providers_sudo,
            'payment_methods_sudo': payment_methods_sudo,
            # no saved cards: a token would tie the citizen to the provider
            'tokens_sudo': request.env['payment.token'].sudo(),
            'show_tokenize_input_mapping': dict.fromkeys(providers_sudo.ids, False),
            'availability_report': report,
            'transaction_route': '/my/munipay/orders/transaction/%s' % ','.join(map(str, sorted(orders_sudo.ids))),
            'landing_route': self._munipay_landing_route(orders_sudo),
            'access_token': access_token,
            'reference_prefix': None,
            'company_mismatch': not PaymentPortal._can_partner_pay_in_company(partner_sudo, company),
            'expected_company': company,
        }
