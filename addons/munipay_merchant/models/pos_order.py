from odoo import _, models
from odoo.exceptions import UserError


class PosOrder(models.Model):
    """A merchant's sale: only top-ups and the fees it is allowed, checked on the
    server whatever the POS sent; each top-up books the merchant's commission."""
    _inherit = 'pos.order'

    def _process_saved_order(self, draft):
        if not draft and self.state != 'cancel' and self.config_id.munipay_merchant_partner_id:
            self._munipay_merchant_check_sale()
        return super()._process_saved_order(draft)

    def _munipay_merchant_check_sale(self):
        self.ensure_one()
        config = self.config_id
        for line in self.lines.sudo():
            fee_types = line.munipay_wallet_id.service_fee_type_id or line.munipay_fee_type_id \
                or line.munipay_order_id.fee_type_id
            if not fee_types:
                raise UserError(_("%(merchant)s sells only wallet top-ups and the fees the municipality allows it, "
                                  "not %(line)s.", merchant=config.munipay_merchant_partner_id.name,
                                  line=line.full_product_name or line.product_id.display_name))
            if not config._munipay_merchant_allows(fee_types):
                if line.munipay_wallet_id:
                    raise UserError(_("%(merchant)s is not authorised to top up %(service)s.",
                                      merchant=config.munipay_merchant_partner_id.name, service=fee_types[0].name))
                raise UserError(_("%(merchant)s is not authorised to collect %(fee)s.",
                                  merchant=config.munipay_merchant_partner_id.name, fee=fee_types[0].name))

    def _munipay_wallet_refusal(self, line):
        refusal = super()._munipay_wallet_refusal(line)
        service = line.munipay_wallet_id.sudo().service_fee_type_id
        if not refusal and not self.config_id._munipay_merchant_allows(service):
            refusal = _("%(merchant)s is not authorised to top up %(service)s.",
                        merchant=self.config_id.munipay_merchant_partner_id.name, service=service.name)
        if not refusal and self.config_id.munipay_merchant_partner_id:
            # a commission as large as the top-up pays the merchant for moving no money (and
            # leaves it a negative amount to settle)
            commission = self.config_id._munipay_merchant_commission(line.price_unit)
            if self.currency_id.compare_amounts(line.price_unit, commission) <= 0:
                refusal = _("A top-up of %(amount)s is below the merchant's commission of %(commission)s: top up "
                            "more.", amount=self.currency_id.format(line.price_unit),
                            commission=self.currency_id.format(commission))
        return refusal

    def _munipay_cashdesk_channel(self):
        if self.config_id.munipay_merchant_partner_id:
            return 'merchant'
        return super()._munipay_cashdesk_channel()

    def _munipay_wallet_closed_kept(self, line):
        """A top-up the merchant sold offline, from a snapshot that showed the wallet open:
        the money is in the till, so the sale is recorded and the top-up kept as a flagged
        credit on the closed wallet (an officer refunds or moves it), never refused and lost."""
        return super()._munipay_wallet_closed_kept(line) or bool(
            self.config_id.munipay_merchant_partner_id and line.munipay_wallet_offline
            and not line.munipay_wallet_id.sudo().active)

    def _munipay_wallet_credit(self):
        credited = super(PosOrder, self.with_context(munipay_keep_closed=True))._munipay_wallet_credit()
        closed = credited.filtered(lambda l: l.munipay_wallet_offline and not l.munipay_wallet_id.active)
        if closed:
            closed.munipay_wallet_flagged = True
        credited.filtered(lambda l: l.order_id.config_id.munipay_merchant_partner_id
                          and not l.munipay_commission_move_id)._munipay_merchant_book_commission()
        return credited
