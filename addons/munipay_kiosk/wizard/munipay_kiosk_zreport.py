from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class MunipayKioskZReport(models.TransientModel):
    """The Z-report of a kiosk for a period: its payments, the banknotes its bill acceptor
    stacked by value, the encashments (cassette emptied: counted against expected) and its
    cash journal's movements. Point of Sale's own session report does not know banknotes
    or encashments."""
    _name = 'munipay.kiosk.zreport'
    _description = "Kiosk Z-Report"

    config_id = fields.Many2one('pos.config', string="Kiosk", required=True, domain="[('munipay_kiosk', '=', True)]",
                                default=lambda self: self.env.context.get('active_model') == 'pos.config'
                                and self.env.context.get('active_id'))
    date_from = fields.Date(string="From", required=True, default=fields.Date.context_today)
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)

    @api.constrains('date_from', 'date_to')
    def _check_dates(self):
        for wizard in self:
            if wizard.date_to < wizard.date_from:
                raise ValidationError(_("The period of the Z-report ends before it starts."))

    def action_print(self):
        self.ensure_one()
        if not self.config_id.munipay_kiosk:
            raise UserError(_("Point of Sale %s is not a self-service kiosk.", self.config_id.name))
        # basic layout: the company's document layout need not be set up first
        return self.env.ref('munipay_kiosk.action_report_kiosk_z').report_action(self, config=False)

    def _munipay_period(self):
        """The period's bounds in UTC (naive), its days counted in the municipality's time zone."""
        self.ensure_one()
        tz = pytz.timezone(self.env['munipay.payment.order']._munipay_company_tz(self.config_id.company_id))
        start = tz.localize(datetime.combine(self.date_from, time.min)).astimezone(pytz.utc).replace(tzinfo=None)
        stop = tz.localize(datetime.combine(self.date_to + timedelta(days=1), time.min)).astimezone(pytz.utc) \
            .replace(tzinfo=None)
        return start, stop

    def _munipay_report_values(self):
        self.ensure_one()
        config = self.config_id.sudo()
        currency = config.company_id.currency_id
        start, stop = self._munipay_period()
        payments = self.env['munipay.kiosk.payment'].sudo().search(
            [('config_id', '=', config.id), ('create_date', '>=', start), ('create_date', '<', stop)], order='id')
        bills = {}
        for payment in payments:
            for cents, count in (payment.bill_counts or {}).items():
                bills[int(cents)] = bills.get(int(cents), 0) + count
        cents = 10 ** currency.decimal_places
        encashments = self.env['pos.session'].sudo().search([
            ('config_id', '=', config.id), ('munipay_kiosk_emptied', '=', True),
            ('stop_at', '>=', start), ('stop_at', '<', stop)], order='stop_at')
        cash_account = config._munipay_kiosk_cash_method().journal_id.default_account_id
        cash_lines = self.env['account.move.line'].sudo().search([
            ('account_id', '=', cash_account.id), ('parent_state', '=', 'posted'),
            ('date', '>=', self.date_from), ('date', '<=', self.date_to)])
        outcomes = dict(payments._fields['outcome']._description_selection(self.env))
        by_outcome = {}
        for payment in payments:
            row = by_outcome.setdefault(payment.outcome, {'name': outcomes.get(payment.outcome), 'count': 0,
                                                          'amount': 0.0})
            row['count'] += 1
            row['amount'] = currency.round(row['amount'] + payment.amount_inserted)
        return {
            'config': config,
            'company': config.company_id,
            'currency': currency,
            'date_from': self.date_from,
            'date_to': self.date_to,
            'payments': payments,
            'by_outcome': list(by_outcome.values()),
            'inserted': currency.round(sum(payments.mapped('amount_inserted'))),
            'applied': currency.round(sum(payments.mapped('amount_applied'))),
            'credited': currency.round(sum(payments.mapped('amount_credited'))),
            'bills': [{'value': value / cents, 'count': count, 'amount': currency.round(value * count / cents)}
                      for value, count in sorted(bills.items())],
            'bills_count': sum(bills.values()),
            'encashments': encashments,
            'encashed': currency.round(sum(encashments.mapped('cash_register_balance_end_real'))),
            'cash_account': cash_account,
            'cash_in': currency.round(sum(cash_lines.mapped('debit'))),
            'cash_out': currency.round(sum(cash_lines.mapped('credit'))),
        }


class ReportKioskZ(models.AbstractModel):
    _name = 'report.munipay_kiosk.report_kiosk_z'
    _description = "Kiosk Z-Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env['munipay.kiosk.zreport'].browse(docids)
        return {'docs': wizards, 'report_values': {w.id: w._munipay_report_values() for w in wizards}}
