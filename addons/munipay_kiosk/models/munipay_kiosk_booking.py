import uuid

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from ..lib import cash_session

_UUID_NAMESPACE = uuid.UUID('6a0c7f5e-1b7e-4d1c-9a55-6b1f0e2d9c31')


class MunipayKioskPayment(models.Model):
    """Booking what a kiosk's bill acceptor counted: a Point of Sale sale of the order
    in the kiosk's session, paid by its cash method, settled the way the cash desk
    settles (transit account, one payment for the order, money it cannot take kept as
    a flagged credit on the payer)."""
    _inherit = 'munipay.kiosk.payment'

    @api.model
    def _munipay_kiosk_kinds(self):
        """Hook: what a kiosk books; each kind has its ``_munipay_kiosk_book_<kind>``
        (wallet top-ups add theirs, with ``munipay.payment.order._munipay_kiosk_lookup_other``)."""
        return ['order']

    def _munipay_kiosk_target(self):
        self.ensure_one()
        return 'order', self.order_id.id

    @api.model
    def munipay_kiosk_book(self, config_id, key, kind, target_id, session, offline=False):
        """Book a final bill acceptor session (the bridge's JSON) for what the citizen
        chose; the same ``key`` again returns the first answer and books nothing.
        ``offline``: the kiosk queued it while Odoo was unreachable (and printed a
        provisional receipt); it is booked now, as things stand now."""
        config = self.env['pos.config']._munipay_kiosk_check(config_id)
        currency = config.company_id.currency_id
        try:
            inserted, bills = cash_session.check_session(session, key, currency.name)
        except cash_session.SessionError as error:
            raise UserError(self._munipay_kiosk_session_error(error.code)) from None
        if kind not in self._munipay_kiosk_kinds() or not isinstance(target_id, int):
            raise UserError(_("The kiosk cannot book this payment: it names nothing this kiosk collects."))
        # one booking at a time per kiosk: a repeated post waits for the first one and finds it
        self.env.cr.execute("SELECT id FROM pos_config WHERE id = %s FOR UPDATE", [config.id])
        existing = self.sudo().search([('config_id', '=', config.id), ('name', '=', key)])
        amount = currency.round(inserted / 10 ** currency.decimal_places)
        if existing:
            if existing._munipay_kiosk_target() != (kind, target_id) \
                    or currency.compare_amounts(existing.amount_inserted, amount):
                raise UserError(_("Kiosk payment %s was booked already, for something else: nothing more was booked.",
                                  key))
            return existing._munipay_kiosk_answer()
        if not inserted:
            return {'status': 'nothing', 'message': _("No banknote was inserted: nothing was paid.")}
        vals = getattr(self, '_munipay_kiosk_book_%s' % kind)(config, key, target_id, amount)
        payment = self.sudo().create(dict(
            vals, name=key, config_id=config.id, currency_id=currency.id,
            bills=self._munipay_kiosk_format_bills(currency, bills), bill_counts={str(c): n for c, n in bills.items()},
            bridge_state=str(session.get('state') or '')[:40], bridge_message=str(session.get('message') or '')[:500],
            booked_offline=bool(offline), cash_taken_at=cash_session.finished_at(session)))
        return payment._munipay_kiosk_answer()

    @api.model
    def _munipay_kiosk_format_bills(self, currency, counts):
        """'2 × 10.00, 1 × 20.00' for ``{cents: count}``."""
        return ', '.join('%d × %s' % (count, currency.format(int(cents) / 10 ** currency.decimal_places))
                         for cents, count in sorted(counts.items(), key=lambda item: int(item[0])))

    @api.model
    def _munipay_kiosk_session_error(self, code):
        return {
            'bad_key': _("The bill acceptor session has no valid key: nothing was booked."),
            'not_final': _("The bill acceptor session is not finished yet: nothing was booked."),
            'bad_currency': _("The bill acceptor counted another currency than this kiosk's: nothing was booked."),
            'bad_amount': _("The bill acceptor session reports an amount that is not whole cents: nothing was booked."),
            'bills_mismatch': _("The banknotes of the bill acceptor session do not add up to what it counted: "
                                "nothing was booked."),
        }.get(code, _("The bill acceptor session cannot be read: nothing was booked."))

    @api.model
    def _munipay_kiosk_book_order(self, config, key, order_id, amount):
        order = self.env['munipay.payment.order'].sudo().browse(order_id).exists()
        if not order or order.company_id != config.company_id or order.state == 'draft':
            raise UserError(_("This is not a payment order of %s: nothing was booked.", config.company_id.name))
        if refusal := order._munipay_cashdesk_currency_refusal(config):
            raise UserError(refusal)
        pos_order = self._munipay_kiosk_sale(config, key, order, amount)
        currency = order.currency_id
        credit_lines = pos_order.sudo().munipay_payment_ids.move_id.line_ids & order.refund_line_ids
        credited = currency.round(-sum(credit_lines.mapped('balance')))
        applied = currency.round(amount - credited)
        if currency.is_zero(applied):
            outcome = 'credit'
        else:
            outcome = 'paid' if order.state == 'paid' else 'partial'
        return {
            'order_id': order.id,
            'partner_id': order.partner_id.id,
            'pos_order_id': pos_order.id,
            'amount_inserted': amount,
            'amount_applied': applied,
            'amount_credited': credited,
            'outcome': outcome,
        }

    @api.model
    def _munipay_kiosk_sale(self, config, key, order, amount, line=None, partner=None):
        """The sale of ``order`` (or of ``line``'s product: a wallet top-up) for ``amount``
        in the kiosk's session, as the POS front end sends one (the cash desk's path books
        it); its uuid comes from the key, so Odoo itself would not take it twice either."""
        session = config._munipay_kiosk_session()
        product = self.env.ref('munipay_cashdesk.product_payment_order')
        sale_uuid = str(uuid.uuid5(_UUID_NAMESPACE, '%s:%s' % (config.id, key)))
        line = line or {
            'product_id': product.id,
            'full_product_name': '%s %s' % (order.name, order.payment_reference or ''),
            'munipay_order_id': order.id,
        }
        now = fields.Datetime.now()
        data = {
            'uuid': sale_uuid,
            'name': '%s %s' % (config.name, key),
            'session_id': session.id,
            'user_id': self.env.uid,
            'partner_id': (partner or order.partner_id).id,
            'pricelist_id': config.pricelist_id.id,
            'fiscal_position_id': False,
            'date_order': fields.Datetime.to_string(now),
            'sequence_number': session.sequence_number,
            'amount_total': amount,
            'amount_paid': amount,
            'amount_tax': 0,
            'amount_return': 0,
            'to_invoice': False,
            'state': 'paid',
            'last_order_preparation_change': '{}',
            'lines': [Command.create({
                **line,
                'uuid': str(uuid.uuid5(_UUID_NAMESPACE, sale_uuid + ':line')),
                'qty': 1,
                'price_unit': amount,
                'price_subtotal': amount,
                'price_subtotal_incl': amount,
                'discount': 0,
                'tax_ids': [],
                'pack_lot_ids': [],
            })],
            'payment_ids': [Command.create({
                'amount': amount,
                'name': fields.Datetime.to_string(now),
                'payment_method_id': config._munipay_kiosk_cash_method().id,
            })],
        }
        result = self.env['pos.order'].sync_from_ui([data])
        return self.env['pos.order'].browse(result['pos.order'][0]['id'])

    # ------------------------------------------------------------------ answer and receipt

    def _munipay_kiosk_answer(self):
        self.ensure_one()
        cents = 10 ** self.currency_id.decimal_places
        return {
            'status': 'ok',
            'outcome': self.outcome,
            'message': self._munipay_kiosk_outcome_text(),
            'amount_inserted': round(self.amount_inserted * cents),
            'amount_applied': round(self.amount_applied * cents),
            'amount_credited': round(self.amount_credited * cents),
            'receipt_html': self._munipay_kiosk_receipt_html(),
        }

    def _munipay_kiosk_receipt_values(self):
        self.ensure_one()
        payment = self.sudo()
        order = payment.order_id
        fmt = payment.currency_id.format
        receipt = payment._munipay_kiosk_receipt()
        tz = self.env['munipay.payment.order']._munipay_company_tz(payment.company_id)
        return {
            'payment': payment,
            'company': payment.company_id,
            'date': format_datetime(self.env, payment.create_date, tz=tz),
            'order_name': order.name,
            'reference': order.payment_reference,
            'initials': cash_session.initials(order.partner_id.name),
            'inserted': fmt(payment.amount_inserted),
            'applied': fmt(payment.amount_applied),
            'credited': fmt(payment.amount_credited) if not payment.currency_id.is_zero(payment.amount_credited)
            else False,
            'outcome_text': payment._munipay_kiosk_outcome_text(),
            'receipt': receipt,
            'receipt_qr': receipt and self.env['munipay.payment.order']._munipay_qr_data_uri(
                receipt.verify_url, box_size=4),
            'labels': payment._munipay_kiosk_receipt_labels(),
        }

    def _munipay_kiosk_receipt(self):
        """The receipt whose signed QR the kiosk prints: the order's, once it is paid in full."""
        self.ensure_one()
        if self.outcome != 'paid':
            return self.env['munipay.receipt']
        return self.sudo().order_id.receipt_ids.filtered(lambda r: r.state == 'valid')[-1:]

    def _munipay_kiosk_receipt_labels(self):
        return {
            'title': _("Kiosk receipt"),
            'kiosk': _("Kiosk"),
            'order': _("Payment order"),
            'reference': _("Payment reference"),
            'payer': _("Payer"),
            'inserted': _("Inserted"),
            'applied': _("Applied to the order"),
            'credited': _("Credited to your account (no change given)"),
            'receipt': _("Receipt"),
            'verify': _("Scan to verify this receipt"),
            'no_qr': _("The confirmation QR code is printed once the order is paid in full."),
        }

    def _munipay_kiosk_receipt_html(self):
        self.ensure_one()
        return str(self.env['ir.qweb']._render('munipay_kiosk.kiosk_receipt', self._munipay_kiosk_receipt_values()))
