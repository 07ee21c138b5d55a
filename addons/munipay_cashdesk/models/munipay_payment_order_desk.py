import re

import psycopg2.errors

from odoo import _, api, models
from odoo.exceptions import AccessError
from odoo.osv import expression

from odoo.addons.munipay_base.lib import references
from odoo.addons.munipay_documents.lib import qr_payloads

SEARCH_LIMIT = 40
# an RF reference or a pagoPA notice number anywhere in a scan whose line breaks the scanner swallowed
_RF_ANYWHERE = re.compile(r'RF\d{2}[0-9A-Z]{1,21}')
_NOTICE_ANYWHERE = re.compile(r'(?<!\d)\d{18}(?!\d)')


class MunipayPaymentOrder(models.Model):
    """The cash desk finds orders: by a scanned notice, or by searching the payer."""
    _inherit = 'munipay.payment.order'

    @api.model
    def _munipay_cashdesk_config(self, config_id):
        """The POS configuration the user works at, or AccessError. Everything the
        desk reads of munipay is read for it (sudo) within that company only."""
        if not self.env.user.has_group('point_of_sale.group_pos_user'):
            raise AccessError(_("Only Point of Sale users work at the cash desk."))
        config = self.env['pos.config'].browse(int(config_id)).exists()
        if not config:
            raise AccessError(_("This Point of Sale does not exist."))
        config.check_access('read')
        if config.company_id not in self.env.user.company_ids:
            raise AccessError(_("This Point of Sale belongs to another company."))
        return config

    @api.model
    def _munipay_cashdesk_currency_refusal(self, config):
        """Why a desk taking another currency than its company's collects no order, or None."""
        company_currency = config.company_id.currency_id
        if config.currency_id != company_currency:
            return _("This Point of Sale takes %(pos)s: payment orders due in %(company)s are collected at a desk "
                     "that takes %(company)s.", pos=config.currency_id.name, company=company_currency.name)
        return None

    # ------------------------------------------------------------------ scan

    @api.model
    def munipay_cashdesk_lookup(self, config_id, text):
        """The order a scanned text names (any payment QR munipay prints, the
        reference or the order number), with what the desk may do with it:
        ``{'status': 'ok'|'refused'|'not_found', 'message', 'order_ids', 'records'}``."""
        config = self._munipay_cashdesk_config(config_id)
        company = config.company_id
        text = (text or '').replace('\x00', '').strip()
        if not text:
            return self._munipay_cashdesk_answer('not_found', _("Nothing was scanned."))
        orders, message = self._munipay_cashdesk_find_scanned(company, text)
        if not orders:
            return self._munipay_cashdesk_answer('not_found', message or _(
                "No payment order of %s has this reference.", company.name))
        order = orders[:1]
        refusal = self._munipay_cashdesk_currency_refusal(config) or order._munipay_cashdesk_refusal()
        if refusal:
            return self._munipay_cashdesk_answer('refused', refusal, order, config)
        return self._munipay_cashdesk_answer('ok', '', order, config)

    @api.model
    def _munipay_cashdesk_find_scanned(self, company, text):
        """(orders of ``company``, why none) for a scanned text."""
        Order = self.sudo().with_company(company)
        standard = qr_payloads.detect(text)
        if standard == 'confirmation':
            return Order, _("This is the confirmation QR code of a receipt: the order is paid already.")
        if standard:
            result = self.env['munipay.verify.scan'].sudo().with_company(company)._munipay_resolve(text)
            if result.get('result') != 'order':
                return Order, result.get('message')
            found = Order.browse(result['order_id'])
            if found.company_id != company:
                # references are unique per company only
                found = Order.search([('payment_reference', '=', found.payment_reference),
                                      ('company_id', '=', company.id)], limit=1)
            return found, _("This notice is for another municipality.")
        compact = re.sub(r'\s', '', text).upper()
        values = {text, compact} | set(_RF_ANYWHERE.findall(compact)) | set(_NOTICE_ANYWHERE.findall(text))
        values = {value for value in values if not value.startswith('RF') or references.is_valid_rf(value)}
        domain = expression.AND([Order._munipay_reference_domain(values), [('state', '!=', 'draft')]])
        mine = Order.search(expression.AND([domain, [('company_id', '=', company.id)]]), limit=1)
        if not mine and Order.search_count(domain, limit=1):
            return mine, _("This notice is for another municipality.")
        return mine, None

    def _munipay_cashdesk_refusal(self):
        """Why the desk must not collect the order now, or None."""
        self.ensure_one()
        order = self.sudo()
        if order.state == 'paid':
            return _("Payment order %s is already paid: it cannot be collected twice.", order.name)
        if order.state != 'issued':
            return _("Payment order %(name)s is %(state)s and cannot be paid.",
                     name=order.name, state=order._munipay_state_label())
        if order._munipay_cashdesk_busy():
            return _("Payment order %s is being paid through another channel right now; try again in a moment.",
                     order.name)
        if order.currency_id.is_zero(order.get_amount_open()):
            return _("Payment order %s has nothing left to pay.", order.name)
        return None

    def _munipay_cashdesk_busy(self):
        """Is another transaction collecting the order, or a joint debtor's order of
        the same debt, right now (its row is locked)? Hook: a channel with payments
        under way adds its own test."""
        self.ensure_one()
        orders = self | self.sudo().joint_order_ids
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute("SELECT id FROM munipay_payment_order WHERE id IN %s FOR UPDATE NOWAIT",
                                    [tuple(orders.ids)], log_exceptions=False)
        except psycopg2.errors.LockNotAvailable:
            return True
        return False

    # ------------------------------------------------------------------ search

    @api.model
    def munipay_cashdesk_search(self, config_id, query):
        """Open orders of the payers a cashier searches for, by name, national ID,
        payment reference or order number (fetched on demand, never preloaded)."""
        config = self._munipay_cashdesk_config(config_id)
        company = config.company_id
        query = (query or '').strip()
        if len(query) < 2:
            return self._munipay_cashdesk_answer('not_found', _("Type at least two characters."))
        if refusal := self._munipay_cashdesk_currency_refusal(config):
            return self._munipay_cashdesk_answer('not_found', refusal)
        Order = self.sudo().with_company(company)
        compact = re.sub(r'\s', '', query).upper()
        # the payers first, by their ids: a sub-select of partners in the orders' query would
        # keep PostgreSQL from the orders' indexes (it would read every order of the town)
        payers = self.env['res.partner'].sudo().with_context(active_test=False).search(
            ['|', ('name', 'ilike', query), ('munipay_national_id', '=ilike', compact)], order='id')
        domain = expression.AND([
            [('company_id', '=', company.id), ('state', '=', 'issued')],
            expression.OR([
                [('partner_id', 'in', payers.ids)],
                Order._munipay_reference_domain({query, compact}),
                [('origin', '=ilike', query)],
            ]),
        ])
        orders = Order.search(domain, limit=SEARCH_LIMIT, order='partner_id, date_due, id')
        orders = orders.filtered(lambda o: not o._munipay_cashdesk_refusal())
        if not orders:
            return self._munipay_cashdesk_answer('not_found', _("No open payment order matches “%s”.", query))
        return self._munipay_cashdesk_answer('ok', '', orders, config)

    @api.model
    def _munipay_cashdesk_answer(self, status, message, orders=None, config=None):
        return {
            'status': status,
            'message': message,
            'order_ids': orders.ids if orders else [],
            'records': orders._munipay_cashdesk_records(config) if orders else {},
        }

    # ------------------------------------------------------------------ validation

    @api.model
    def munipay_cashdesk_check(self, config_id, order_ids):
        """Before the sale is validated (when the desk is online): the orders that
        can no longer be collected, with why: ``{order id: reason}``."""
        config = self._munipay_cashdesk_config(config_id)
        orders = self.sudo().browse([int(i) for i in order_ids]).exists()
        if orders.filtered(lambda o: o.company_id != config.company_id):
            raise AccessError(_("These payment orders belong to another municipality."))
        currency_refusal = self._munipay_cashdesk_currency_refusal(config)
        return {order.id: reason for order in orders
                if (reason := currency_refusal or order._munipay_cashdesk_refusal())}
