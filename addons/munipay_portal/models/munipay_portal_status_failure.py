from datetime import timedelta

from odoo import api, fields, models

# wrong look-ups (case number and code) allowed per client address and per case number
MAX_FAILURES_PER_ADDRESS = 5
MAX_FAILURES_PER_CASE = 10
WINDOW = timedelta(minutes=15)
# two int4 keys of pg_advisory_xact_lock: look-ups of one case wait for each other
STATUS_LOCK_CLASS = 0x6D73


class MunipayPortalStatusFailure(models.Model):
    """A wrong case number or look-up code on the public status page: counted to lock guessing out."""
    _name = 'munipay.portal.status.failure'
    _description = "Wrong Case Status Look-up"
    _order = 'id desc'
    _log_access = False

    case_key = fields.Char(string="Case Number", index=True)
    address = fields.Char(string="Client Address", index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)

    @api.model
    def _munipay_locked(self, case_key, address):
        since = fields.Datetime.now() - WINDOW
        if address and self.search_count([('address', '=', address), ('date', '>=', since)],
                                         limit=MAX_FAILURES_PER_ADDRESS) >= MAX_FAILURES_PER_ADDRESS:
            return True
        return bool(case_key) and self.search_count(
            [('case_key', '=', case_key), ('date', '>=', since)], limit=MAX_FAILURES_PER_CASE,
        ) >= MAX_FAILURES_PER_CASE

    @api.model
    def _munipay_check(self, case_number, code, address):
        """('ok', order), ('wrong', None) or ('locked', None): a look-up from ``address``."""
        Order = self.env['munipay.payment.order']
        key = Order._munipay_status_case_key(case_number)
        # concurrent guesses of one case (and from one address) are counted one after the other
        self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [STATUS_LOCK_CLASS, key])
        self.env.cr.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [STATUS_LOCK_CLASS + 1, address or ''])
        if self._munipay_locked(key, address):
            return 'locked', None
        order = Order._munipay_status_lookup(case_number, code)
        if order:
            return 'ok', order
        self.sudo().create({'case_key': key, 'address': address})
        return ('locked' if self._munipay_locked(key, address) else 'wrong'), None

    @api.autovacuum
    def _gc_old_failures(self):
        self.search([('date', '<', fields.Datetime.now() - timedelta(days=1))]).unlink()
