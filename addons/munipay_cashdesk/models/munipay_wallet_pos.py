import time

from odoo import _, api, fields, models
from odoo.osv import expression

from ..lib import wallet_lookup

LOOKUP_LIMIT = 10
# past 20 lookups that found nothing within 10 minutes a user waits: PANs and card
# numbers cannot be walked through by trial
_misses = wallet_lookup.MissCounter(limit=20, window=600)


class MunipayWallet(models.Model):
    """What a Point of Sale shows of a wallet it tops up: the beneficiary's initials,
    the service and the balance — never the name, national ID or address."""
    _name = 'munipay.wallet'
    _inherit = ['munipay.wallet', 'pos.load.mixin']

    pos_initials = fields.Char(string="Initials", compute='_compute_pos_values')
    pos_service_name = fields.Char(string="Service Name", compute='_compute_pos_values')
    pos_balance = fields.Monetary(string="Balance at the Desk", compute='_compute_pos_values')
    pos_topup_min = fields.Monetary(string="Smallest Top-up", compute='_compute_pos_values')
    pos_topup_max = fields.Monetary(string="Largest Top-up", compute='_compute_pos_values')

    def _compute_pos_values(self):
        for wallet in self.sudo():
            minimum, maximum = wallet._munipay_topup_limits()
            wallet.pos_initials = wallet_lookup.initials((wallet.beneficiary_id or wallet.holder_id).name)
            wallet.pos_service_name = wallet.service_fee_type_id.name
            wallet.pos_balance = wallet.balance
            wallet.pos_topup_min = minimum
            wallet.pos_topup_max = maximum or 0.0

    @api.model
    def _load_pos_data_domain(self, data):
        return False  # fetched on demand, never preloaded

    @api.model
    def _load_pos_data_fields(self, config_id):
        return ['id', 'pan', 'pos_initials', 'pos_service_name', 'pos_balance', 'pos_topup_min', 'pos_topup_max',
                'currency_id']

    def _munipay_pos_records(self, config):
        wallets = self.sudo().with_company(config.company_id)
        return {'munipay.wallet': wallets.read(self._load_pos_data_fields(config.id), load=False)}

    @api.model
    def _munipay_pos_wallet_domain(self, config):
        """The wallets a Point of Sale may top up. Hook: a merchant's POS narrows it."""
        return [('company_id', '=', config.company_id.id),
                ('service_fee_type_id.category', 'in', ('service', 'topup'))]

    @api.model
    def _munipay_pos_answer(self, status, message, wallets=None, config=None):
        wallets = wallets or self.browse()
        return {'status': status, 'message': message, 'wallet_ids': wallets.ids,
                'records': wallets._munipay_pos_records(config) if wallets else {}}

    @api.model
    def munipay_pos_wallet_lookup(self, config_id, text):
        """The wallets a typed PAN, a swiped or typed card number or a name finds, as
        ``{'status': 'ok'|'not_found'|'invalid'|'refused'|'blocked', 'message', 'wallet_ids', 'records'}``."""
        config = self.env['munipay.payment.order']._munipay_cashdesk_config(config_id)
        key = (self.env.cr.dbname, self.env.uid)
        if _misses.blocked(key, time.monotonic()):
            return self._munipay_pos_answer('blocked', _(
                "Too many searches found nothing: wait a few minutes before searching again."))
        kind, value = wallet_lookup.classify(text)
        if kind == 'short':
            return self._munipay_pos_answer('invalid', _(
                "Type the 10-digit personal access number, swipe the card, or type at least 3 letters of the name."))
        if kind == 'bad_pan':
            _misses.miss(key, time.monotonic())
            return self._munipay_pos_answer('invalid', _(
                "%s is not a valid personal access number: check the digits.", value))
        Wallet = self.sudo().with_company(config.company_id).with_context(active_test=False)
        domain = self._munipay_pos_wallet_domain(config)
        if kind == 'pan':
            domain = expression.AND([domain, [('pan', '=', value)]])
        elif kind == 'card':
            partners = self.env['res.partner'].sudo().with_context(active_test=False).search(
                [('munipay_card_number', '=', value), ('company_id', 'in', [config.company_id.id, False])])
            domain = expression.AND([domain, ['|', ('beneficiary_id', 'in', partners.ids),
                                              '&', ('beneficiary_id', '=', False), ('holder_id', 'in', partners.ids)]])
        else:
            domain = expression.AND([domain, ['|', ('beneficiary_id.name', 'ilike', value),
                                              ('holder_id.name', 'ilike', value)]])
        wallets = Wallet.search(domain, limit=LOOKUP_LIMIT + 1)
        if not wallets:
            _misses.miss(key, time.monotonic())
            return self._munipay_pos_answer('not_found', _("No wallet found: check what you typed."))
        active = wallets.filtered('active')
        if not active:
            return self._munipay_pos_answer('refused', _("This wallet is closed: it cannot be topped up."))
        if len(active) > LOOKUP_LIMIT:
            return self._munipay_pos_answer('invalid', _(
                "More than %s wallets match: type more of the name, or use the PAN or the card.", LOOKUP_LIMIT))
        return self._munipay_pos_answer('ok', '', active, config)
