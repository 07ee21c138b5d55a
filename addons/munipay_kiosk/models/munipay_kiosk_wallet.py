import time

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from odoo.addons.munipay_base.lib.privacy import mask_pan
from odoo.addons.munipay_cashdesk.lib import wallet_lookup
from odoo.addons.munipay_cashdesk.models.munipay_wallet_pos import _misses

# the largest top-up a kiosk offers when neither the kiosk nor the service sets one
DEFAULT_WALLET_MAX = 500


class MunipayWallet(models.Model):
    """What a kiosk screen shows of a wallet it tops up: the masked PAN, the service, the
    beneficiary's initials and the balance — never the name or the national ID."""
    _inherit = 'munipay.wallet'

    @api.model
    def _munipay_kiosk_find(self, config, kind, value):
        """The active and closed wallets of the kiosk's municipality a PAN or a card number finds."""
        domain = self._munipay_pos_wallet_domain(config)
        if kind == 'pan':
            domain = expression.AND([domain, [('pan', '=', value)]])
        else:
            partners = self.env['res.partner'].sudo().with_context(active_test=False).search(
                [('munipay_card_number', '=', value), ('company_id', 'in', [config.company_id.id, False])])
            if not partners:
                return self.browse()
            domain = expression.AND([domain, ['|', ('beneficiary_id', 'in', partners.ids),
                                              '&', ('beneficiary_id', '=', False), ('holder_id', 'in', partners.ids)]])
        return self.sudo().with_company(config.company_id).with_context(active_test=False).search(domain, limit=10)

    def _munipay_kiosk_max(self, config):
        """The largest top-up the kiosk offers: the smaller of the kiosk's and the service's caps."""
        self.ensure_one()
        caps = [cap for cap in (config.munipay_kiosk_wallet_max, self.sudo().service_fee_type_id.amount_max)
                if self.currency_id.compare_amounts(cap or 0.0, 0.0) > 0]
        if not caps:
            caps = [float(self.env['ir.config_parameter'].sudo().get_param(
                'munipay_kiosk.wallet_max_amount', DEFAULT_WALLET_MAX))]
        return self.currency_id.round(min(caps))

    def _munipay_kiosk_target_values(self, config):
        self.ensure_one()
        wallet = self.sudo().with_company(config.company_id)
        currency = wallet.currency_id
        cents = 10 ** currency.decimal_places
        maximum = wallet._munipay_kiosk_max(config)
        return {
            'status': 'ok',
            'message': '',
            'kind': 'wallet',
            'target_id': wallet.id,
            'top_up': True,
            'name': mask_pan(wallet.pan),
            'reference': mask_pan(wallet.pan),
            'fee': wallet.service_fee_type_id.name or '',
            'initials': wallet.pos_initials,
            'balance': round(wallet.balance * cents),
            'balance_text': currency.format(wallet.balance),
            'amount_due': 0,
            'amount_due_text': currency.format(0.0),
            'max_amount': round(maximum * cents),
            'max_amount_text': currency.format(maximum),
            'currency': currency.name,
        }

    def _munipay_topup_limits(self):
        # the banknotes are in the kiosk's cassette already (no change is given): the wallet
        # takes them all; the kiosk page offers the caps before the citizen inserts them
        if self.env.context.get('munipay_kiosk_cash_in_hand'):
            return self.currency_id.rounding, None
        return super()._munipay_topup_limits()


class MunipayPaymentOrder(models.Model):
    _inherit = 'munipay.payment.order'

    @api.model
    def _munipay_kiosk_lookup_other(self, config, text):
        """A typed PAN or a swiped/typed smart card number names a wallet to top up. Not
        by name: a public screen must not tell who has a wallet. A number that finds no
        wallet may still be a notice's reference: then the order lookup answers."""
        answer = super()._munipay_kiosk_lookup_other(config, text)
        if answer:
            return answer
        kind, value = wallet_lookup.classify(text)
        if kind not in ('pan', 'bad_pan', 'card'):
            return None
        key = (self.env.cr.dbname, self.env.uid)
        if _misses.blocked(key, time.monotonic()):
            return {'status': 'refused', 'message': _(
                "Too many searches found nothing: wait a few minutes before searching again.")}
        wallets = self.env['munipay.wallet']._munipay_kiosk_find(config, 'card' if kind == 'card' else 'pan', value) \
            if kind != 'bad_pan' else self.env['munipay.wallet']
        if not wallets:
            if kind == 'card' or self._munipay_cashdesk_find_scanned(config.company_id, text)[0]:
                return None
            _misses.miss(key, time.monotonic())
            if kind == 'bad_pan':
                return {'status': 'not_found', 'message': _(
                    "%s is not a valid personal access number: check the digits.", value)}
            return {'status': 'not_found', 'message': _("No wallet has this personal access number: check it.")}
        active = wallets.filtered('active')
        if not active:
            return {'status': 'refused', 'message': _("This wallet is closed: it cannot be topped up.")}
        if len(active) > 1:
            return {'status': 'refused', 'message': _(
                "This card tops up several services: type the personal access number of the one to top up.")}
        return active._munipay_kiosk_target_values(config)

    @api.model
    def _munipay_kiosk_snapshot_other(self, config):
        """The wallets a kiosk tops up while the server is unreachable: the lookup's
        answer for each, with ``keys`` (the PAN and the card number that find it)."""
        targets = super()._munipay_kiosk_snapshot_other(config)
        Wallet = self.env['munipay.wallet']
        wallets = Wallet.sudo().with_company(config.company_id).search(Wallet._munipay_pos_wallet_domain(config))
        for wallet in wallets:
            person = wallet.beneficiary_id or wallet.holder_id
            values = wallet._munipay_kiosk_target_values(config)
            values['keys'] = [wallet.pan] + ([person.munipay_card_number] if person.munipay_card_number else [])
            targets.append(values)
        return targets


class PosOrder(models.Model):
    _inherit = 'pos.order'

    def _munipay_wallet_channel(self):
        return 'kiosk' if self.config_id.munipay_kiosk else super()._munipay_wallet_channel()

    def _munipay_wallet_closed_kept(self, line):
        # the banknotes are in the cassette: a wallet closed since the citizen found it keeps them, flagged
        return super()._munipay_wallet_closed_kept(line) or bool(
            self.config_id.munipay_kiosk and not line.munipay_wallet_id.sudo().active)

    def _munipay_wallet_credit(self):
        if not self.config_id.munipay_kiosk:
            return super()._munipay_wallet_credit()
        return super(PosOrder, self.with_context(munipay_keep_closed=True))._munipay_wallet_credit()

    def _munipay_wallet_check_sale(self):
        # set here, whatever the caller's context says: only a kiosk's sale has its cash in hand
        return super(PosOrder, self.with_context(
            munipay_kiosk_cash_in_hand=bool(self.config_id.munipay_kiosk)))._munipay_wallet_check_sale()


class MunipayKioskPayment(models.Model):
    _inherit = 'munipay.kiosk.payment'

    wallet_id = fields.Many2one('munipay.wallet', string="Topped-up Wallet", readonly=True, index='btree_not_null',
                                ondelete='restrict')
    wallet_balance = fields.Monetary(string="New Wallet Balance", readonly=True,
                                     help="The wallet's balance right after this top-up, as on the receipt.")
    outcome = fields.Selection(selection_add=[('topup', "Wallet top-up")], ondelete={'topup': 'cascade'})

    @api.model
    def _munipay_kiosk_kinds(self):
        return super()._munipay_kiosk_kinds() + ['wallet']

    def _munipay_kiosk_target(self):
        self.ensure_one()
        return ('wallet', self.wallet_id.id) if self.wallet_id else super()._munipay_kiosk_target()

    @api.model
    def _munipay_kiosk_book_wallet(self, config, key, wallet_id, amount):
        """A top-up of what the bill acceptor stacked, sold in the kiosk's session like at the
        cash desk: the sale credits the transit account, the wallet's credit clears it."""
        Wallet = self.env['munipay.wallet']
        wallet = Wallet.sudo().with_context(active_test=False).browse(wallet_id).exists()
        if not wallet or not wallet.filtered_domain(Wallet._munipay_pos_wallet_domain(config)):
            raise UserError(_("This is not a wallet of %s: nothing was booked.", config.company_id.name))
        product = self.env['pos.session']._munipay_wallet_product()
        pos_order = self._munipay_kiosk_sale(config, key, self.env['munipay.payment.order'], amount, line={
            'product_id': product.id,
            'full_product_name': '%s %s' % (wallet.service_fee_type_id.name, mask_pan(wallet.pan)),
            'munipay_wallet_id': wallet.id,
        }, partner=wallet.holder_id)
        line = pos_order.sudo().lines.filtered(lambda l: l.munipay_wallet_id == wallet)
        if not line.munipay_wallet_move_id:
            raise UserError(_("Wallet %s could not be topped up: nothing was booked.", mask_pan(wallet.pan)))
        closed = not wallet.active  # closed since the lookup (or while the kiosk was offline)
        return {
            'wallet_id': wallet.id,
            'wallet_balance': line.munipay_wallet_balance,
            'partner_id': wallet.holder_id.id,
            'pos_order_id': pos_order.id,
            'amount_inserted': amount,
            'amount_applied': 0.0 if closed else amount,
            'amount_credited': amount if closed else 0.0,
            'outcome': 'credit' if closed else 'topup',
        }

    def _munipay_kiosk_outcome_text(self):
        self.ensure_one()
        wallet = self.sudo().wallet_id
        fmt = self.currency_id.format
        if wallet and self.outcome == 'credit':
            return _("Wallet %(pan)s was closed meanwhile: no change is given, %(amount)s is kept for you and will be "
                     "refunded.", pan=mask_pan(wallet.pan), amount=fmt(self.amount_inserted))
        if self.outcome != 'topup':
            return super()._munipay_kiosk_outcome_text()
        return _("%(amount)s topped up on %(service)s, wallet %(pan)s. New balance: %(balance)s. "
                 "No change is given.", amount=fmt(self.amount_inserted), service=wallet.service_fee_type_id.name,
                 pan=mask_pan(wallet.pan), balance=fmt(self.wallet_balance))

    def _munipay_kiosk_receipt(self):
        """The receipt whose signed QR the kiosk prints: the top-up's, or the paid order's."""
        self.ensure_one()
        if self.outcome == 'topup':
            return self.sudo().pos_order_id.lines.munipay_wallet_receipt_id[:1]
        return super()._munipay_kiosk_receipt()

    def _munipay_kiosk_answer(self):
        answer = super()._munipay_kiosk_answer()
        if self.outcome == 'topup':
            answer.update(wallet_balance=round(self.wallet_balance * 10 ** self.currency_id.decimal_places),
                          wallet_balance_text=self.currency_id.format(self.wallet_balance))
        return answer

    def _munipay_kiosk_receipt_values(self):
        values = super()._munipay_kiosk_receipt_values()
        if self.outcome == 'topup':
            wallet = self.sudo().wallet_id
            values.update(
                order_name='%s %s' % (wallet.service_fee_type_id.name, mask_pan(wallet.pan)),
                reference=False,
                initials=wallet.pos_initials,
                credited=False,
                new_balance=self.currency_id.format(self.wallet_balance),
            )
            values['labels'].update(order=_("Wallet"), applied=_("Topped up"))
        return values


class PosConfig(models.Model):
    _inherit = 'pos.config'

    munipay_kiosk_wallet_max = fields.Monetary(
        string="Largest Kiosk Top-up", currency_field='currency_id',
        help="The most the kiosk offers to top up a wallet at once (the service's own maximum applies too); "
             "empty: the service's maximum, or 500.")
