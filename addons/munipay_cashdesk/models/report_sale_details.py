from odoo import _, api, models


class ReportSaleDetails(models.AbstractModel):
    """The session report (X/Z) and the back office's Sales Details add what the desk
    collected for payment orders: per fee type and per payment method, with the card
    handling fees apart."""
    _inherit = 'report.point_of_sale.report_saledetails'

    @api.model
    def get_sale_details(self, date_start=False, date_stop=False, config_ids=False, session_ids=False, **kwargs):
        report = self
        if session_ids and not self.env['account.payment'].has_access('read'):
            # The sales report the cashier prints from the POS: Odoo's part of it reads the
            # sessions' bank payments (account.payment), which a cashier without accounting
            # rights may not, and the whole print fails. The cashier may read the sessions:
            # the report of exactly those is read for them.
            self.env['pos.session'].browse(session_ids).check_access('read')
            report = self.sudo()
        result = super(ReportSaleDetails, report).get_sale_details(
            date_start, date_stop, config_ids, session_ids, **kwargs)
        if not session_ids:
            date_start, date_stop = self._get_date_start_and_date_stop(date_start, date_stop)
        orders = report.env['pos.order'].search(
            self._get_domain(date_start, date_stop, config_ids, session_ids, **kwargs))
        result.update(self._munipay_sale_details(orders))
        return result

    @api.model
    def _munipay_sale_details(self, orders):
        """Plain values (the POS reads them over RPC) for the sales ``orders``, which the
        user's own search returned: the munipay rows of exactly those are read for them."""
        operations = self.env['munipay.cashdesk.operation'].sudo().search([('pos_order_id', 'in', orders.ids)])
        currency = operations.currency_id if len(operations.currency_id) == 1 else self.env.company.currency_id
        fee_types, methods = {}, {}
        handling = {'count': 0, 'amount': 0.0}
        total = {'count': 0, 'amount': 0.0, 'handling_fee': 0.0}

        def convert(operation, value):
            if operation.currency_id == currency:
                return value
            return operation.currency_id._convert(value, currency, operation.company_id, operation.date.date())

        for operation in operations:
            amount = convert(operation, operation.amount)
            fee = convert(operation, operation.handling_fee)
            fee_type = operation.fee_type_id
            method = operation.payment_method_id
            rows = (
                fee_types.setdefault(fee_type.id, {'name': fee_type.display_name or _("Unknown fee"),
                                                   'count': 0, 'amount': 0.0, 'handling_fee': 0.0}),
                methods.setdefault(method.id, {'name': method.name or _("Several methods"),
                                               'count': 0, 'amount': 0.0, 'handling_fee': 0.0}),
                total,
            )
            for row in rows:
                row['count'] += 1
                row['amount'] += amount
                row['handling_fee'] += fee
            if not currency.is_zero(fee):
                handling['count'] += 1
                handling['amount'] += fee

        for row in (*fee_types.values(), *methods.values(), total, handling):
            for key in ('amount', 'handling_fee'):
                if key in row:
                    row[key] = currency.round(row[key])
        return {
            'munipay_fee_types': sorted(fee_types.values(), key=lambda row: row['name']),
            'munipay_payment_methods': sorted(methods.values(), key=lambda row: row['name']),
            'munipay_handling_fee': handling,
            'munipay_total': total,
        }
