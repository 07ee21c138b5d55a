from datetime import datetime, timedelta, timezone

from odoo import _, fields, models

SYNC_ALERT_MINUTES = 15
# the receipt printer's states (the bridge's GET /v1/devices/printer) that are a fault
PRINTER_STATES = ('paper_near_end', 'paper_out', 'cover_open', 'error', 'offline')


class PosConfig(models.Model):
    """Besides the bill acceptor, the kiosk page reports its receipt printer and its
    offline queue: paper out or near its end, a cover left open, a printer that does
    not answer, payments that wait too long to reach Odoo. Each is part of the kiosk's
    fault, which the alert job mails once per problem."""
    _inherit = 'pos.config'

    munipay_kiosk_printer = fields.Boolean(
        string="Kiosk Receipt Printer",
        help="The kiosk prints receipts on a printer driven by its device bridge: a printer that does not answer "
             "is a fault.")

    munipay_kiosk_offline_pending = fields.Integer(
        string="Payments Waiting at the Kiosk", readonly=True, copy=False,
        help="Payments the kiosk took while it could not reach Odoo and has not sent yet, as its last heartbeat "
             "said: their banknotes are in the cassette but not in the kiosk's session.")

    def _munipay_kiosk_report(self, status, printer=None, queue=None):
        fault = super()._munipay_kiosk_report(status, printer=printer, queue=queue)
        pending = queue.get('pending') if isinstance(queue, dict) else None
        if isinstance(pending, int) and not isinstance(pending, bool) and pending >= 0:
            self.sudo().munipay_kiosk_offline_pending = pending
        faults = [f for f in (self._munipay_kiosk_printer_fault(printer), self._munipay_kiosk_sync_fault(queue)) if f]
        if faults:
            fault = '; '.join(([fault] if fault else []) + faults)
            self.sudo().munipay_kiosk_fault = fault
        return fault

    def _munipay_kiosk_printer_fault(self, printer):
        """What is wrong with the receipt printer, from its status (None: the bridge did not
        answer for it), or ''."""
        self.ensure_one()
        if not isinstance(printer, dict):
            return _("The receipt printer does not answer.") if self.munipay_kiosk_printer else ''
        if printer.get('error') == 'no_printer' or printer.get('result') == 'no_printer':
            return _("The device bridge drives no receipt printer.") if self.munipay_kiosk_printer else ''
        state = printer.get('state')
        if printer.get('connected') is False or printer.get('online') is False:
            state = state if state in PRINTER_STATES else 'offline'
        return {
            'paper_near_end': _("Receipt printer: the paper roll is nearly used up."),
            'paper_out': _("Receipt printer: out of paper."),
            'cover_open': _("Receipt printer: the cover is open."),
            'error': _("Receipt printer: it reports an error."),
            'offline': _("Receipt printer: it does not answer."),
        }.get(state, '')

    def _munipay_kiosk_sync_fault(self, queue):
        """Payments the page holds that did not reach Odoo: one older than the limit
        (``munipay_kiosk.sync_alert_minutes``), or the page's sync error, or ''."""
        self.ensure_one()
        if not isinstance(queue, dict):
            return ''
        error = str(queue.get('error') or '').strip()
        if error:
            return _("Sync fails: %s", error[:200])
        pending = queue.get('pending')
        oldest = self._munipay_kiosk_parse_time(queue.get('oldest'))
        if not isinstance(pending, int) or pending <= 0 or not oldest:
            return ''
        minutes = int(self.env['ir.config_parameter'].sudo().get_param(
            'munipay_kiosk.sync_alert_minutes', SYNC_ALERT_MINUTES))
        if oldest > fields.Datetime.now() - timedelta(minutes=minutes):
            return ''
        # the oldest payment's time, not the count, names the problem: it stays the same
        # while the queue is stuck, so it is mailed once
        return _("Sync: payments have waited to reach Odoo since %(when)s (more than %(minutes)s minutes).",
                 when=fields.Datetime.to_string(oldest), minutes=minutes)

    def _munipay_kiosk_parse_time(self, value):
        """A naive UTC datetime from the page's ISO time ('2026-11-22T17:40:00Z'), or None."""
        if not isinstance(value, str) or len(value) > 40:
            return None
        try:
            when = datetime.fromisoformat(value.replace('Z', '+00:00'))
        except ValueError:
            return None
        if when.tzinfo:
            when = when.astimezone(timezone.utc).replace(tzinfo=None)
        return when.replace(microsecond=0)
