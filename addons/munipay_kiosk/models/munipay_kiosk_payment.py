from odoo import _, api, fields, models


class MunipayKioskPayment(models.Model):
    """One payment at a kiosk, keyed by the idempotency key the kiosk page gave the
    bill acceptor's session: posting the same session again returns this record, never
    a second booking."""
    _name = 'munipay.kiosk.payment'
    _description = "Kiosk Payment"
    _order = 'id desc'

    name = fields.Char(string="Idempotency Key", required=True, readonly=True, index=True,
                       help="The bill acceptor session's id, chosen by the kiosk page.")
    config_id = fields.Many2one('pos.config', string="Kiosk", required=True, readonly=True, ondelete='restrict')
    company_id = fields.Many2one(related='config_id.company_id', store=True)
    currency_id = fields.Many2one('res.currency', required=True, readonly=True)
    order_id = fields.Many2one('munipay.payment.order', string="Payment Order", readonly=True, index=True,
                               ondelete='restrict')
    partner_id = fields.Many2one('res.partner', string="Payer", readonly=True)
    pos_order_id = fields.Many2one('pos.order', string="Point of Sale Order", readonly=True, ondelete='restrict')
    session_id = fields.Many2one(related='pos_order_id.session_id', store=True, string="Session")
    amount_inserted = fields.Monetary(string="Inserted", readonly=True,
                                      help="The banknotes the bill acceptor stacked.")
    amount_applied = fields.Monetary(string="Applied to the Order", readonly=True)
    amount_credited = fields.Monetary(string="Credited to the Payer", readonly=True,
                                      help="Money beyond what the order could take: no change is given, it is "
                                           "kept as a credit on the payer, flagged for an officer.")
    outcome = fields.Selection([
        ('paid', "Paid"),
        ('partial', "Part payment"),
        ('credit', "Credited"),
    ], readonly=True, required=True)
    bills = fields.Char(string="Banknotes", readonly=True, help="The banknotes stacked, by value.")
    bill_counts = fields.Json(string="Banknote Counts", readonly=True, help="The banknotes stacked: how many of each value (in cents).")
    booked_offline = fields.Boolean(
        string="Booked Offline", readonly=True,
        help="The kiosk took this cash while it could not reach Odoo: it printed a provisional receipt and "
             "booked the payment when the link returned.")
    cash_taken_at = fields.Datetime(
        string="Cash Taken", readonly=True,
        help="When the bill acceptor's session ended, by the kiosk's clock: for a payment booked offline, "
             "when the citizen paid, not when it was booked.")
    bridge_state = fields.Char(string="Acceptor Session State", readonly=True)
    bridge_message = fields.Char(string="Acceptor Message", readonly=True)

    _sql_constraints = [
        ('key_uniq', 'unique (config_id, name)', "A kiosk books each bill acceptor session once."),
    ]

    @api.depends('order_id', 'amount_inserted')
    def _compute_display_name(self):
        for payment in self:
            payment.display_name = '%s / %s' % (payment.config_id.name or '', payment.name or '')

    def _munipay_kiosk_outcome_text(self):
        """What the screen and the receipt say happened to the money."""
        self.ensure_one()
        fmt = self.currency_id.format
        order = self.order_id.sudo()
        if self.outcome == 'paid':
            text = _("Payment order %s is paid.", order.name)
        elif self.outcome == 'partial':
            text = _("Part payment: %(applied)s was paid on payment order %(order)s; %(open)s remains to be paid.",
                     applied=fmt(self.amount_applied), order=order.name, open=fmt(order.get_amount_open()))
        else:
            text = _("Payment order %s could not take this payment (it was paid or cancelled meanwhile).", order.name)
        if not self.currency_id.is_zero(self.amount_credited):
            text += ' ' + _("No change is given: %s is credited to your account and will be refunded or set off.",
                            fmt(self.amount_credited))
        return text
