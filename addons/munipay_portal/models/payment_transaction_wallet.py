import secrets

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .payment_transaction import PARTNER_FIELDS_CLEARED, PSEUDONYM_ALPHABET


class PaymentTransaction(models.Model):
    """Online top-ups of prepaid wallets."""
    _inherit = 'payment.transaction'

    munipay_wallet_id = fields.Many2one('munipay.wallet', string="Topped-up Wallet", readonly=True, copy=False,
                                        index='btree_not_null')
    munipay_wallet_move_id = fields.Many2one('account.move', string="Top-up Entry", readonly=True, copy=False)

    @api.model
    def _munipay_wallet_from_values(self, values):
        wallet_id = values.get('munipay_wallet_id')
        return self.env['munipay.wallet'].sudo().browse(wallet_id).exists() if wallet_id else \
            self.env['munipay.wallet']

    @api.model
    def _compute_reference_prefix(self, provider_code, separator, **values):
        wallet = self._munipay_wallet_from_values(values)
        if not wallet:
            return super()._compute_reference_prefix(provider_code, separator, **values)
        if wallet._munipay_personal_data_allowed():
            return 'W' + wallet.pan
        # the PAN identifies the holder: the provider gets a random pseudonym instead
        return 'MW' + ''.join(secrets.choice(PSEUDONYM_ALPHABET) for _i in range(10))

    def _get_specific_create_values(self, provider_code, values):
        res = super()._get_specific_create_values(provider_code, values)
        wallet = self._munipay_wallet_from_values(values)
        if wallet and not wallet._munipay_personal_data_allowed():
            res.update(dict.fromkeys(PARTNER_FIELDS_CLEARED, False), partner_name=values.get('reference'))
        return res

    def _munipay_outstanding_account(self):
        """The account where the provider's money waits for its payout, as on the
        payments of payment orders: its payment method's, or the company's default."""
        self.ensure_one()
        journal = self.provider_id.journal_id
        method_line = journal.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == self.provider_id)[:1]
        return method_line.payment_account_id or self.env['account.payment'].new(
            {'company_id': journal.company_id.id, 'journal_id': journal.id})._get_outstanding_account('inbound')

    def _create_payment(self, **extra_create_values):
        """A wallet's top-up credits the wallet (munipay_base's wallet API): the money
        waits on the provider's outstanding account, the balance on the prepaid
        liability; the top-up's receipt carries the new balance."""
        if not self.munipay_wallet_id:
            return super()._create_payment(**extra_create_values)
        self.ensure_one()
        tx = self.sudo()
        if tx.munipay_wallet_move_id:
            return self.env['account.payment']
        if not tx.provider_id.journal_id:
            raise UserError(_("Payment provider %s has no journal to book its payments in.", tx.provider_id.name))
        wallet = tx.munipay_wallet_id.with_company(tx.company_id).with_context(munipay_channel='online')
        tx.munipay_wallet_move_id = wallet._munipay_credit(
            tx.currency_id.round(tx.amount), tx._munipay_outstanding_account(), ref=tx.reference)
        return self.env['account.payment']
