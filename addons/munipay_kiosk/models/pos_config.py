from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

# the languages the kiosk screen offers, when they are active in the database
KIOSK_LANGS = ('it_IT', 'de_DE', 'pl_PL', 'ru_RU')
HEARTBEAT_MINUTES = 10


class PosConfig(models.Model):
    """A self-service kiosk is a Point of Sale flagged as kiosk: its one payment method
    takes cash on the kiosk's own cash journal (the cassette's money is accounted for
    apart from any desk's), and a device bridge on the kiosk PC drives the bill acceptor."""
    _inherit = 'pos.config'

    munipay_kiosk = fields.Boolean(
        string="Self-service Kiosk",
        help="Citizens pay payment orders in cash here, on the kiosk page, without a cashier.")
    munipay_kiosk_bridge_url = fields.Char(
        string="Kiosk Bridge Address", default='http://127.0.0.1:8765',
        help="Address of the munipay device bridge on the kiosk PC (loopback), which drives the bill acceptor.")
    munipay_kiosk_bridge_token = fields.Char(
        string="Kiosk Bridge Pairing Token", copy=False, groups='point_of_sale.group_pos_user',
        help="The token the bridge printed when it started; the kiosk page sends it with every request.")
    munipay_kiosk_alert_email = fields.Char(
        string="Kiosk Alert E-mail",
        help="Who is told by e-mail when the kiosk stops reporting or its bill acceptor reports a fault.")
    munipay_kiosk_heartbeat = fields.Datetime(
        string="Last Heartbeat", readonly=True, copy=False,
        help="When the kiosk page last reported that it runs, with its bill acceptor's status.")
    munipay_kiosk_fault = fields.Char(
        string="Reported Fault", readonly=True, copy=False,
        help="The bill acceptor's fault the kiosk page reported with its last heartbeat (empty: none).")
    munipay_kiosk_alerted = fields.Char(
        string="Alert Sent For", readonly=True, copy=False,
        help="The problem the last alert e-mail was about: the same problem is not mailed again.")
    munipay_kiosk_cassette_amount = fields.Monetary(
        string="Cassette Should Hold", compute='_compute_munipay_kiosk_cassette', currency_field='currency_id',
        help="Cash taken by the kiosk since its cassette was last emptied (its open session's cash payments "
             "and opening cash).")

    munipay_kiosk_cassette_bills = fields.Char(
        string="Banknotes in the Cassette", compute='_compute_munipay_kiosk_cassette',
        help="The banknotes the kiosk's payments stacked since its cassette was last emptied, by value: "
             "what the encashment count should find (besides the opening cash).")

    @api.constrains('munipay_kiosk', 'payment_method_ids')
    def _check_munipay_kiosk_cash(self):
        for config in self.filtered('munipay_kiosk'):
            methods = config.payment_method_ids
            if len(methods) != 1 or not methods.is_cash_count:
                raise ValidationError(_("Kiosk %s takes cash only: give it exactly one cash payment method.",
                                        config.name))
        # a kiosk's cash journal is its own: no other Point of Sale takes money on it
        journals = self.payment_method_ids.journal_id
        if not journals:
            return
        methods = self.env['pos.payment.method'].sudo().search([('journal_id', 'in', journals.ids)])
        configs = self.sudo().with_context(active_test=False).search([('payment_method_ids', 'in', methods.ids)])
        for journal in journals:
            users = configs.filtered(lambda c, journal=journal: journal in c.payment_method_ids.journal_id)
            kiosk = users.filtered('munipay_kiosk')[:1]
            if kiosk and len(users) > 1:
                raise ValidationError(_(
                    "The cash of kiosk %(kiosk)s is its own: its cash journal %(journal)s is used by %(other)s too.",
                    kiosk=kiosk.name, journal=journal.display_name, other=(users - kiosk)[0].name))

    def _compute_munipay_kiosk_cassette(self):
        sessions = self.env['pos.session'].sudo().search([
            ('config_id', 'in', self.filtered('munipay_kiosk').ids), ('state', '!=', 'closed')])
        by_config = sessions.grouped('config_id')
        payments = self.env['munipay.kiosk.payment'].sudo().search([('session_id', 'in', sessions.ids)])
        bills_by_config = payments.grouped('config_id')
        for config in self:
            session = by_config.get(config, self.env['pos.session'])
            config.munipay_kiosk_cassette_amount = sum(
                s.cash_register_balance_start + sum(
                    s.order_ids.payment_ids.filtered(lambda p: p.payment_method_id.is_cash_count).mapped('amount'))
                for s in session)
            counts = {}
            for payment in bills_by_config.get(config, ()):
                for cents, count in (payment.bill_counts or {}).items():
                    counts[cents] = counts.get(cents, 0) + count
            config.munipay_kiosk_cassette_bills = self.env['munipay.kiosk.payment']._munipay_kiosk_format_bills(
                config.company_id.currency_id, counts) if counts else False

    def _munipay_kiosk_cash_method(self):
        self.ensure_one()
        return self.payment_method_ids.filtered('is_cash_count')[:1]

    @api.model
    def _munipay_kiosk_check(self, config_id):
        """The kiosk the current user may run, or AccessError; read for it (sudo) from here on."""
        config = self.env['munipay.payment.order']._munipay_cashdesk_config(config_id)
        if not config.munipay_kiosk:
            raise AccessError(_("Point of Sale %s is not a self-service kiosk.", config.name))
        return config

    def _munipay_kiosk_session(self):
        """The kiosk's open session, opened (with the cash left in the cassette: none once it was
        emptied) if there is none."""
        self.ensure_one()
        session = self.current_session_id
        if not session or session.state in ('closing_control', 'closed'):
            if session:
                raise UserError(_("Kiosk %s is being closed (its cassette is emptied): try again in a few minutes.",
                                  self.name))
            self.open_ui()
            session = self.current_session_id
        if session.state == 'opening_control':
            previous = session.search([('config_id', '=', self.id), ('id', '!=', session.id)], limit=1)
            opening = 0.0 if previous.munipay_kiosk_emptied else session.cash_register_balance_start
            session.set_opening_control(opening, '')
        return session

    def _munipay_kiosk_report(self, status, printer=None, queue=None):
        """The kiosk page's heartbeat with the bill acceptor's status (the bridge's
        GET /v1/devices/bill-acceptor answer, or None when the bridge did not answer),
        the receipt printer's (GET /v1/devices/printer, None: none or no answer) and the
        page's offline queue (``{'pending': n, 'oldest': ISO time or None, 'error': text}``)."""
        self.ensure_one()
        fault = ''
        if not isinstance(status, dict):
            fault = _("The device bridge does not answer.")
        else:
            faults = [f for f in status.get('faults') or [] if isinstance(f, dict)]
            if faults:
                fault = '; '.join(str(f.get('text') or f.get('name') or '')[:200] for f in faults[:5])
            elif status.get('connected') is False:
                fault = _("The bill acceptor is not connected.")
            elif status.get('cassette') in ('full', 'removed', 'jammed'):
                fault = _("Cassette: %s", status['cassette'])
        self.sudo().write({'munipay_kiosk_heartbeat': fields.Datetime.now(), 'munipay_kiosk_fault': fault or False})
        return fault

    # ------------------------------------------------------------------ alerts

    def _munipay_kiosk_problem(self, now):
        """(what is wrong, in a word that stays the same while the problem lasts; the
        sentence for the e-mail), or ('', '')."""
        self.ensure_one()
        minutes = int(self.env['ir.config_parameter'].sudo().get_param(
            'munipay_kiosk.heartbeat_minutes', HEARTBEAT_MINUTES))
        if not self.munipay_kiosk_heartbeat or self.munipay_kiosk_heartbeat < now - timedelta(minutes=minutes):
            return 'silent', _(
                "Kiosk %(kiosk)s has not reported for more than %(minutes)s minutes (last heartbeat: %(when)s).",
                kiosk=self.name, minutes=minutes, when=self.munipay_kiosk_heartbeat or _("never"))
        if self.munipay_kiosk_fault:
            return 'fault: %s' % self.munipay_kiosk_fault, _(
                "Kiosk %(kiosk)s reports a fault: %(fault)s", kiosk=self.name, fault=self.munipay_kiosk_fault)
        return '', ''

    def _munipay_kiosk_alert(self, now):
        """E-mail the kiosk's alert address about its problem, once per problem."""
        self.ensure_one()
        key, text = self._munipay_kiosk_problem(now)
        if key == (self.munipay_kiosk_alerted or ''):
            return
        if key and self.munipay_kiosk_alert_email:
            self.env['mail.mail'].sudo().create({
                'subject': _("munipay kiosk alert: %s", self.name),
                'body_html': Markup('<p>%s</p>') % text,
                'email_to': self.munipay_kiosk_alert_email,
                'email_from': self.company_id.email_formatted or self.env.user.email_formatted,
            })
        self.munipay_kiosk_alerted = key or False

    @api.model
    def _cron_munipay_kiosk_alerts(self):
        now = fields.Datetime.now()
        for config in self.sudo().search([('munipay_kiosk', '=', True), ('active', '=', True)]):
            config.with_context(lang=config.company_id.partner_id.lang or 'en_US')._munipay_kiosk_alert(now)
