import logging
from datetime import timedelta

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import gpd
from .munipay_payment_order_gpd import GPD_OPEN, GPD_OPERATIONS, GPD_STATUSES

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # about a day of tries with the back-off schedule
FAILURES_TO_PAUSE = 3  # GPD down: a company's batch stops after this many failures in a row


class MunipayPagopaGpd(models.AbstractModel):
    """Sends the operations waiting on orders to GPD, in batches, from a scheduled job.

    Each operation is idempotent by IUPD (see lib/gpd.py), so an answer lost to a
    timeout is simply asked again; transient failures (timeouts, 429, 5xx) are tried
    again with exponential back-off, others are written on the order and its chatter.
    """
    _name = 'munipay.pagopa.gpd'
    _description = "pagoPA Debt Positions (GPD)"

    @api.model
    def _cron_sync(self, batch_size=100):
        Order = self.env['munipay.payment.order'].sudo()
        companies = self.env['res.company'].sudo().search(
            [('munipay_pagopa_gpd_url', '!=', False), ('munipay_pagopa_gpd_key', '!=', False)])
        self._queue_due_date_updates(companies, batch_size)
        now = fields.Datetime.now()
        domain = [('pagopa_gpd_pending', '!=', False), ('pagopa_gpd_next_try', '<=', now),
                  ('company_id', 'in', companies.ids)]
        orders = Order.search(domain, order='pagopa_gpd_next_try, id', limit=batch_size)
        paused = self._process(orders, now)
        # paused: GPD is failing, the job's next regular run tries again
        remaining = 0 if paused else Order.search_count(domain)
        self.env['ir.cron']._notify_progress(done=len(orders), remaining=remaining)
        return orders

    @api.model
    def _queue_due_date_updates(self, companies, limit):
        """Positions whose due date passed while their order is open are sent again,
        with the amount the order's rules ask now (the discount ended, a surcharge began)."""
        Order = self.env['munipay.payment.order'].sudo()
        for company in companies.filtered(lambda c: c._munipay_pagopa_gpd_on()):
            Order.search([
                ('company_id', '=', company.id), ('state', '=', 'issued'), ('pagopa_gpd_pending', '=', False),
                ('pagopa_gpd_status', 'in', GPD_OPEN),
                ('pagopa_gpd_due_date', '<', Order._munipay_company_today(company)),
            ], limit=limit)._pagopa_gpd_queue('update')

    @api.model
    def _process(self, orders, now):
        """Run the orders' waiting operations; True when GPD failed so often in a row
        that the rest of a company's batch was put off."""
        paused = False
        checkers = {}
        for company, company_orders in orders.grouped('company_id').items():
            client = company._munipay_pagopa_gpd_client()
            today = orders._munipay_company_today(company)
            failures = 0
            for index, order in enumerate(company_orders):
                if failures >= FAILURES_TO_PAUSE:
                    paused = True
                    company_orders[index:].write({'pagopa_gpd_next_try': now + timedelta(
                        seconds=gpd.backoff_delay(1))})
                    break
                transient = self._run_one(order, client, today, checkers, now)
                failures = failures + 1 if transient else 0
        return paused

    @api.model
    def _run_one(self, order, client, today, checkers, now):
        """Run the order's waiting operation and write what came of it; True when it
        failed in a way worth trying again."""
        operation = order.pagopa_gpd_pending
        sent = {}
        try:
            data = None
            if operation in ('publish', 'update'):
                data, cents, due_date = order._pagopa_gpd_data(today, checkers)
                sent = {'pagopa_gpd_amount': order.currency_id.round(cents / 100), 'pagopa_gpd_due_date': due_date}
            outcome = gpd.run(client, operation, order.pagopa_gpd_iupd, data, nav=order.pagopa_notice_number,
                              paid_at=order._pagopa_gpd_paid_at() if operation == 'paid' else None)
        except gpd.GpdError as error:
            return self._failed(order, operation, error, now)
        except UserError as error:
            return self._failed(order, operation, gpd.GpdError('payload', error.args[0]), now)
        except psycopg2.Error:
            raise
        except Exception as error:  # noqa: BLE001 - one order's bug must not stop the queue
            _logger.exception("GPD: %s of order %s failed", operation, order.name)
            return self._failed(order, operation, gpd.GpdError('error', repr(error)), now)
        if outcome.status is None:
            sent = {'pagopa_gpd_amount': 0.0, 'pagopa_gpd_due_date': False}
        order.write(dict(sent, pagopa_gpd_status=outcome.status or False, pagopa_gpd_pending=False,
                         pagopa_gpd_next_try=False, pagopa_gpd_attempts=0, pagopa_gpd_error=False,
                         pagopa_gpd_sync_date=now))
        note = self._note(outcome)
        if note:
            order.message_post(body=note)
        return False

    @api.model
    def _failed(self, order, operation, error, now):
        attempts = order.pagopa_gpd_attempts + 1
        text = str(error) + (_(" (request %s)", error.request_id) if error.request_id else "")
        label = dict(GPD_OPERATIONS)[operation]
        if error.transient and attempts < MAX_ATTEMPTS:
            order.write({'pagopa_gpd_attempts': attempts, 'pagopa_gpd_error': text, 'pagopa_gpd_next_try':
                         now + timedelta(seconds=gpd.backoff_delay(attempts, error.retry_after))})
            return True
        if error.transient:
            message = _("GPD: “%(operation)s” given up after %(count)s failed tries, the last one: %(error)s. "
                        "Use “Send to GPD” to try again.", operation=label, count=attempts, error=text)
        elif error.kind == 'payload':
            message = _("GPD: the debt position cannot be sent: %(error)s", error=text)
        elif error.kind == 'error':
            message = _("GPD: “%(operation)s” failed in munipay: %(error)s", operation=label, error=text)
        else:
            message = _("GPD refused “%(operation)s”: %(error)s", operation=label, error=text)
        order.write({'pagopa_gpd_attempts': attempts, 'pagopa_gpd_error': message, 'pagopa_gpd_pending': False,
                     'pagopa_gpd_next_try': False})
        order.message_post(body=message)
        return error.transient

    @api.model
    def _note(self, outcome):
        status = dict(GPD_STATUSES).get(outcome.status, outcome.status)
        return {
            'final': _("GPD keeps the debt position “%s”: it can no longer change there.", status),
            'not_payable': _("GPD cannot mark the debt position paid: it is “%s” there.", status),
            'deleted': _("GPD had the debt position as a draft only: it was deleted."),
        }.get(outcome.note)
