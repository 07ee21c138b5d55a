from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class PosOrder(models.Model):
    """Wallet top-ups sold at a Point of Sale: one server-side method credits the
    wallets of a sale, whichever channel (cash desk, merchant, kiosk) sold it."""
    _inherit = 'pos.order'

    @api.model
    def _process_order(self, order, existing_order):
        lines = [line[2] for line in order.get('lines', []) if line[0] in (0, 1) and isinstance(line[2], dict)]
        wallet_ids = {line['munipay_wallet_id'] for line in lines if line.get('munipay_wallet_id')}
        if wallet_ids:
            order['to_invoice'] = False  # money held for the citizen, not a sale to invoice
            if not all(isinstance(i, int) for i in wallet_ids) or \
                    len(self.env['munipay.wallet'].sudo().with_context(active_test=False).browse(wallet_ids).exists()) \
                    != len(wallet_ids):
                raise UserError(_("This sale tops up a wallet that does not exist: it was not recorded."))
        refunded = self.env['pos.order.line'].browse(
            [line['refunded_orderline_id'] for line in lines if line.get('refunded_orderline_id')]).exists()
        if refunded.filtered('munipay_wallet_id'):
            raise UserError(_("A wallet top-up cannot be refunded from the Point of Sale: an officer charges the "
                              "wallet back from the wallet itself."))
        return super()._process_order(order, existing_order)

    def _process_saved_order(self, draft):
        if not draft and self.state != 'cancel' and self.lines.filtered(
                lambda l: l.munipay_wallet_id and not l.munipay_wallet_move_id):
            self._munipay_wallet_check_sale()
        order_id = super()._process_saved_order(draft)
        if not draft and self.state in ('paid', 'done'):
            self._munipay_wallet_credit()
        return order_id

    def _refund(self):
        if self.lines.filtered('munipay_wallet_id'):
            raise UserError(_("A wallet top-up cannot be refunded from the Point of Sale: an officer charges the "
                              "wallet back from the wallet itself."))
        return super()._refund()

    def read_pos_data(self, data, config_id):
        result = super().read_pos_data(data, config_id)
        wallets = self.lines.munipay_wallet_id
        if wallets and config_id:
            # the new balance comes back with the sale, for its receipt
            result.update(wallets._munipay_pos_records(self.env['pos.config'].browse(config_id)))
        return result

    def _munipay_wallet_refusal(self, line):
        """Why this Point of Sale must not top up the line's wallet, or None. Hook: a
        merchant's POS tops up only the services the municipality allows it."""
        wallet = line.munipay_wallet_id.sudo()
        if not wallet.active and not self._munipay_wallet_closed_kept(line):
            return _("Wallet %s is closed: it cannot be topped up.", wallet.pan)
        if wallet.company_id != self.company_id:
            return _("Wallet %s belongs to another municipality than this Point of Sale.", wallet.pan)
        if wallet.service_fee_type_id.category not in ('service', 'topup'):
            return _("Wallet %s is not a prepaid service.", wallet.pan)
        return None

    def _munipay_wallet_closed_kept(self, line):
        """Is the top-up of a wallet closed meanwhile kept (credited and flagged) instead of
        refused? Hook: a merchant's sale made offline, whose money is in the till already."""
        return False

    def _munipay_wallet_check_sale(self):
        """The top-ups of the sale as the server sees them, before anything is booked:
        one whole line per wallet, at whole cents, within the service's limits, in the
        company's currency, and a sale paid in full."""
        self.ensure_one()
        currency = self.currency_id
        lines = self.lines.filtered('munipay_wallet_id').sudo()
        if currency != self.company_id.currency_id:
            raise UserError(_("This Point of Sale takes %(pos)s: wallets are topped up in %(company)s.",
                              pos=currency.name, company=self.company_id.currency_id.name))
        for line in lines:
            wallet = line.munipay_wallet_id
            refusal = self._munipay_wallet_refusal(line)
            if refusal:
                raise UserError(refusal)
            if len(lines.filtered(lambda l, w=wallet: l.munipay_wallet_id == w)) > 1:
                raise UserError(_("Wallet %s is topped up twice in one sale: make it one line.", wallet.pan))
            if float_compare(line.qty, 1.0, precision_digits=6) or line.discount:
                raise UserError(_("%s: a top-up is one line of its amount; quantity and discount cannot change.",
                                  line.full_product_name))
            if float_compare(line.price_unit, currency.round(line.price_unit), precision_digits=6):
                raise UserError(_("%(line)s: %(amount)s is not an amount in %(currency)s (whole cents only).",
                                  line=line.full_product_name, amount=line.price_unit, currency=currency.name))
            minimum, maximum = wallet._munipay_topup_limits()
            if currency.compare_amounts(line.price_unit, minimum) < 0 or \
                    (maximum and currency.compare_amounts(line.price_unit, maximum) > 0):
                raise UserError(_("A top-up of %(service)s is between %(min)s and %(max)s, not %(amount)s.",
                                  service=wallet.service_fee_type_id.name, min=currency.format(minimum),
                                  max=currency.format(maximum) if maximum else '∞',
                                  amount=currency.format(line.price_unit)))
            if currency.compare_amounts(line.price_subtotal_incl, line.price_unit) \
                    or currency.compare_amounts(line.price_subtotal, line.price_unit):
                line.write({'price_subtotal': line.price_unit, 'price_subtotal_incl': line.price_unit})
        negative = self.lines.filtered(lambda l: currency.compare_amounts(l.price_subtotal_incl, 0.0) < 0)[:1]
        if negative:
            # a negative line (a refund, a "discount" item) would pay the top-up instead of money
            raise UserError(_("%s: a sale that tops up a wallet takes no negative line; the top-up is paid in money.",
                              negative.full_product_name))
        self._compute_prices()
        if not self._is_pos_order_paid():
            raise UserError(_("Sale %(sale)s is not paid in full: %(paid)s received for %(total)s. Nothing was "
                              "booked.", sale=self.pos_reference or self.name, paid=currency.format(self.amount_paid),
                              total=currency.format(self.amount_total)))

    def _munipay_wallet_channel(self):
        """The channel the top-up's receipt names. Hook: 'merchant', 'kiosk'."""
        self.ensure_one()
        return self._munipay_cashdesk_channel()

    def _munipay_wallet_credit(self):
        """Credit the wallets the sales top up, once: each credit debits the transit
        account the sale's line credits (cleared when the session closes) and credits
        the wallet on the prepaid-liability account. Returns the lines credited now."""
        credited = self.env['pos.order.line']
        for pos_order in self:
            lines = pos_order.lines.filtered('munipay_wallet_id')
            if not lines:
                continue
            # a sale synced twice at once credits once: the second waits here, then sees the entry
            self.env.cr.execute("SELECT id FROM pos_order_line WHERE id IN %s FOR UPDATE", [tuple(lines.ids)])
            lines.invalidate_recordset(['munipay_wallet_move_id'])
            lines = lines.filtered(lambda l: not l.munipay_wallet_move_id)
            if not lines:
                continue
            # pos.order.uuid is not unique: a sale synced twice at once becomes two orders. Both
            # update the wallets' rows, so the later one fails to serialise and, retried, finds
            # the sale recorded; one that reached here anyway credits nothing twice.
            lines.munipay_wallet_id.sudo()._munipay_lock()
            if pos_order.uuid and self.sudo().search_count([
                    ('uuid', '=', pos_order.uuid), ('id', '!=', pos_order.id),
                    ('lines.munipay_wallet_move_id', '!=', False)], limit=1):
                raise UserError(_("Sale %s was recorded already: its top-ups are not credited twice.",
                                  pos_order.pos_reference or pos_order.name))
            company = pos_order.company_id
            transit = company._munipay_cashdesk_transit_account()
            channel = pos_order._munipay_wallet_channel()
            for line in lines.sudo().with_company(company):
                refusal = pos_order._munipay_wallet_refusal(line)
                if refusal:
                    raise UserError(refusal)
                wallet = line.munipay_wallet_id.with_context(munipay_channel=channel, munipay_pos_order_id=pos_order.id)
                amount = pos_order.currency_id.round(line.price_subtotal_incl)
                move = wallet._munipay_credit(amount, transit, ref=_(
                    "Top-up %(pan)s, %(sale)s", pan=wallet.pan, sale=pos_order.pos_reference or pos_order.name))
                wallet.invalidate_recordset(['balance'])
                line.write({
                    'munipay_wallet_move_id': move.id,
                    'munipay_wallet_balance': wallet.balance,
                    'munipay_wallet_receipt_id': self.env['munipay.receipt'].sudo().search(
                        [('pos_order_id', '=', pos_order.id), ('wallet_id', '=', wallet.id)], limit=1).id,
                })
                credited |= line
            pos_order._munipay_wallet_notify(lines)
        return credited

    def _munipay_wallet_notify(self, lines):
        """A text message to the holder where Odoo's SMS is installed; the e-mail goes
        with the top-up's receipt (munipay_documents)."""
        if 'sms.sms' not in self.env:
            return
        messages = []
        for line in lines.sudo():
            holder = line.munipay_wallet_id.holder_id
            number = holder.mobile or holder.phone
            if number:
                currency = line.currency_id
                messages.append({'number': number, 'partner_id': holder.id, 'body': _(
                    "%(company)s: %(amount)s topped up on %(service)s, wallet %(pan)s. New balance %(balance)s.",
                    company=self.company_id.name, amount=currency.format(line.price_subtotal_incl),
                    service=line.munipay_wallet_id.service_fee_type_id.name, pan=line.munipay_wallet_id.pan,
                    balance=currency.format(line.munipay_wallet_balance))})
        if messages:
            self.env['sms.sms'].sudo().create(messages)
