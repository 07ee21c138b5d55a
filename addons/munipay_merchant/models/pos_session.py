from odoo import models


class PosSession(models.Model):
    _inherit = 'pos.session'

    def _load_pos_data(self, data):
        result = super()._load_pos_data(data)
        if self.config_id.munipay_merchant_partner_id:
            result['data'][0]['_munipay_wallet_snapshot'] = self._munipay_wallet_snapshot()
        return result

    def _munipay_wallet_snapshot(self):
        """The wallets this merchant's Point of Sale may top up, as it needs them when Odoo
        cannot be reached: the numbers that find each (its PAN, the beneficiary's card —
        the holder's when there is none), the masked PAN, initials, service and balance;
        never a name. Read for the session the user opened (its access was checked)."""
        self.ensure_one()
        self.check_access('read')
        config = self.config_id
        Wallet = self.env['munipay.wallet'].sudo().with_company(config.company_id)
        wallets = Wallet.search(Wallet._munipay_pos_wallet_domain(config))
        records = {values['id']: values for values in wallets._munipay_pos_records(config).get('munipay.wallet', [])}
        snapshot = []
        for wallet in wallets:
            person = wallet.beneficiary_id or wallet.holder_id
            keys = [wallet.pan] + ([person.munipay_card_number] if person.munipay_card_number else [])
            snapshot.append(dict(records[wallet.id], keys=keys))
        return snapshot

