from datetime import timedelta

from odoo import api, fields, models

# wrong TANs allowed per order and per client address within the window
MAX_FAILURES_PER_ORDER = 5
MAX_FAILURES_PER_ADDRESS = 5
WINDOW = timedelta(minutes=15)


class MunipayPortalTanFailure(models.Model):
    """A wrong TAN given for an order's personal link: counted to lock guessing out."""
    _name = 'munipay.portal.tan.failure'
    _description = "Wrong TAN on the Portal"
    _order = 'id desc'
    _log_access = False

    order_id = fields.Many2one('munipay.payment.order', required=True, ondelete='cascade', index=True)
    address = fields.Char(string="Client Address", index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)

    @api.model
    def _munipay_locked(self, order, address):
        since = fields.Datetime.now() - WINDOW
        if self.search_count([('order_id', '=', order.id), ('date', '>=', since)],
                             limit=MAX_FAILURES_PER_ORDER) >= MAX_FAILURES_PER_ORDER:
            return True
        return bool(address) and self.search_count(
            [('address', '=', address), ('date', '>=', since)], limit=MAX_FAILURES_PER_ADDRESS,
        ) >= MAX_FAILURES_PER_ADDRESS

    @api.autovacuum
    def _gc_old_failures(self):
        self.search([('date', '<', fields.Datetime.now() - timedelta(days=1))]).unlink()
