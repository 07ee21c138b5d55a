import secrets

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# what a pseudonymised transaction tells the provider about the payer: nothing
PARTNER_FIELDS_CLEARED = ('partner_email', 'partner_address', 'partner_zip', 'partner_city', 'partner_state_id',
                          'partner_country_id', 'partner_phone')
PSEUDONYM_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'


class PaymentTransaction(models.Model):
    _inherit = 'payment.transaction'

    munipay_order_ids = fields.Many2many(
        'munipay.payment.order', 'munipay_order_transaction_rel', 'transaction_id', 'order_id',
        string="Payment Orders", readonly=True, copy=False)
    munipay_order_amounts = fields.Json(
        string="Amounts of the Payment Orders", readonly=True, copy=False,
        help="What each order had open when the payment started: {order id: amount}.")

    # ------------------------------------------------------------------ creation

    @api.model
    def _munipay_orders_from_values(self, values):
        commands = values.get('munipay_order_ids')
        if not commands:
            return self.env['munipay.payment.order']
        ids = self._fields['munipay_order_ids'].convert_to_cache(commands, self)
        return self.env['munipay.payment.order'].sudo().browse(ids).exists()

    @api.model
    def _compute_reference_prefix(self, provider_code, separator, **values):
        """The orders' payment references when their fee types allow the provider to
        know the payer; otherwise a random pseudonym that says nothing about them."""
        orders = self._munipay_orders_from_values(values)
        if not orders:
            return super()._compute_reference_prefix(provider_code, separator, **values)
        if orders._munipay_personal_data_allowed():
            return separator.join(order.payment_reference or order.name for order in orders)
        return 'MP' + ''.join(secrets.choice(PSEUDONYM_ALPHABET) for _i in range(10))

    def _get_specific_create_values(self, provider_code, values):
        res = super()._get_specific_create_values(provider_code, values)
        orders = self._munipay_orders_from_values(values)
        if orders and not orders._munipay_personal_data_allowed():
            # the provider knows the payer by the transaction's pseudonymous reference only
            res.update(dict.fromkeys(PARTNER_FIELDS_CLEARED, False), partner_name=values.get('reference'))
        return res

    # ------------------------------------------------------------------ booking

    def _munipay_payment_date(self):
        """The day the money came, in the company's time zone."""
        self.ensure_one()
        company = self.company_id.sudo()
        tz = company.resource_calendar_id.tz or company.partner_id.tz or 'UTC'
        moment = self.last_state_change or fields.Datetime.now()
        return fields.Date.context_today(self.with_context(tz=tz), timestamp=moment)

    def _munipay_order_shares(self, payment_date):
        """[(order, amount)]: the transaction's money split over its orders, each
        taking what it had open when the payment started; the last takes the rest
        (more than it asks becomes a credit to refund)."""
        self.ensure_one()
        amounts = self.munipay_order_amounts or {}
        currency = self.currency_id
        orders = self.munipay_order_ids.sorted('id')
        remaining = currency.round(self.amount)
        shares = []
        for index, order in enumerate(orders):
            if index == len(orders) - 1:
                share = remaining
            else:
                asked = amounts.get(str(order.id))
                asked = order.get_amount_open(payment_date) if asked is None else asked
                share = currency.round(min(remaining, asked))
            remaining = currency.round(remaining - share)
            shares.append((order, share))
        return shares

    def _create_payment(self, **extra_create_values):
        """A transaction of payment orders pays exactly those orders' receivable
        items, through munipay's channel method: one payment per order on the
        provider's journal (its money waits on the outstanding receipts account until
        the provider's payout reaches the bank)."""
        if not self.munipay_order_ids:
            return super()._create_payment(**extra_create_values)
        self.ensure_one()
        tx = self.sudo()
        journal = tx.provider_id.journal_id
        if not journal:
            raise UserError(_("Payment provider %s has no journal to book its payments in.", tx.provider_id.name))
        method_line = journal.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == tx.provider_id)[:1]
        payment_date = tx._munipay_payment_date()
        payments = self.env['account.payment'].sudo()
        for order, amount in tx._munipay_order_shares(payment_date):
            if tx.currency_id.compare_amounts(amount, 0.0) <= 0:
                continue
            payments |= order.with_company(order.company_id).with_context(
                munipay_channel='online', munipay_payment_method_line_id=method_line.id,
            )._munipay_pay(journal, amount=amount, payment_date=payment_date, memo=tx.reference, external=True)
        payments.write({'payment_transaction_id': tx.id})
        payments.move_id.munipay_payment_channel = 'online'
        tx.payment_id = payments[:1]
        return payments[:1]

    def _log_message_on_linked_documents(self, message):
        super()._log_message_on_linked_documents(message)
        for order in self.sudo().munipay_order_ids:
            order.message_post(body=message)

    def action_view_munipay_orders(self):
        self.ensure_one()
        return {
            'name': _("Payment Orders"),
            'type': 'ir.actions.act_window',
            'res_model': 'munipay.payment.order',
            'view_mode': 'list,form',
            'domain': [('id', 'in', self.munipay_order_ids.ids)],
        }
