from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError


class MunipayKioskEncashment(models.TransientModel):
    """Emptying a kiosk's cassette: the banknotes counted by value close the kiosk's
    session with that cash (Odoo books a difference to the cash journal's profit or
    loss account), and the counts are kept in the session's closing notes and chatter."""
    _name = 'munipay.kiosk.encashment'
    _description = "Kiosk Encashment"

    config_id = fields.Many2one('pos.config', string="Kiosk", required=True, readonly=True)
    session_id = fields.Many2one('pos.session', string="Session", readonly=True)
    currency_id = fields.Many2one(related='config_id.currency_id')
    expected_amount = fields.Monetary(related='config_id.munipay_kiosk_cassette_amount', string="Expected")
    expected_bills = fields.Char(related='config_id.munipay_kiosk_cassette_bills', string="Expected Banknotes")
    line_ids = fields.One2many('munipay.kiosk.encashment.line', 'wizard_id', string="Counted")
    counted_amount = fields.Monetary(string="Counted Total", compute='_compute_counted_amount')
    offline_pending = fields.Integer(related='config_id.munipay_kiosk_offline_pending')
    empty_with_offline_pending = fields.Boolean(
        string="Empty Although Payments Wait",
        help="The kiosk holds payments it took offline: their banknotes are counted now, but they are booked in "
             "the kiosk's next session when they arrive (a surplus now, a shortfall then).")

    @api.depends('line_ids.count', 'line_ids.value')
    def _compute_counted_amount(self):
        for wizard in self:
            wizard.counted_amount = wizard.currency_id.round(sum(l.value * l.count for l in wizard.line_ids))

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        config = self.env['pos.config'].browse(values.get('config_id') or self.env.context.get('active_id'))
        if config:
            values['config_id'] = config.id
            values['session_id'] = config.current_session_id.id
            bills = self.env['pos.bill'].search([]).filtered(
                lambda b: b.for_all_config or config in b.pos_config_ids).sorted('value')
            values['line_ids'] = [Command.create({'value': bill.value, 'count': 0}) for bill in bills]
        return values

    def action_confirm(self):
        self.ensure_one()
        if self.offline_pending and not self.empty_with_offline_pending:
            raise UserError(_(
                "Kiosk %(kiosk)s still holds %(count)s payment(s) it took while it could not reach Odoo: their "
                "banknotes are in the cassette but not in its session yet. Let the kiosk send them first (it does "
                "as soon as it reaches Odoo), or confirm that you empty it anyway.",
                kiosk=self.config_id.name, count=self.offline_pending))
        session = self.session_id
        if not self.config_id.munipay_kiosk or not session or session.state == 'closed' \
                or session != self.config_id.current_session_id:
            raise UserError(_("Kiosk %s has no open session: its cassette holds nothing booked.", self.config_id.name))
        if any(line.count < 0 for line in self.line_ids):
            raise UserError(_("A count of banknotes cannot be negative."))
        currency = self.currency_id
        counted = ', '.join('%d × %s' % (line.count, currency.format(line.value))
                            for line in self.line_ids.sorted('value') if line.count)
        notes = _("Cassette emptied: %(counted)s (total %(total)s; expected %(expected)s).",
                  counted=counted or _("nothing"), total=currency.format(self.counted_amount),
                  expected=currency.format(self.expected_amount))
        if session.state == 'opening_control':
            session.set_opening_control(session.cash_register_balance_start, '')
        result = session.post_closing_cash_details(self.counted_amount)
        if result.get('successful', True):
            session.update_closing_control_state_session(notes)
            result = session.close_session_from_ui()
        if not result.get('successful'):
            raise UserError(result.get('message') or _("The kiosk's session could not be closed."))
        session.munipay_kiosk_emptied = True
        session.message_post(body=Markup('<p>%s</p>') % notes)
        return {'type': 'ir.actions.act_window_close'}


class MunipayKioskEncashmentLine(models.TransientModel):
    _name = 'munipay.kiosk.encashment.line'
    _description = "Kiosk Encashment Count"
    _order = 'value'

    wizard_id = fields.Many2one('munipay.kiosk.encashment', required=True, ondelete='cascade')
    value = fields.Float(string="Banknote", digits=(16, 4), required=True, readonly=True)
    count = fields.Integer(string="Count")
