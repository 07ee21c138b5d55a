from odoo import api, models


class PosSession(models.Model):
    _inherit = 'pos.session'

    @api.model
    def _load_pos_data_models(self, config_id):
        return super()._load_pos_data_models(config_id) + ['munipay.fee.type', 'munipay.payment.order']

    @api.model
    def _munipay_cashdesk_products(self):
        return (self.env.ref('munipay_cashdesk.product_payment_order', raise_if_not_found=False)
                or self.env['product.product']) | (
            self.env.ref('munipay_cashdesk.product_handling_fee', raise_if_not_found=False)
            or self.env['product.product'])

    def _load_pos_data(self, data):
        result = super()._load_pos_data(data)
        order_product = self.env.ref('munipay_cashdesk.product_payment_order', raise_if_not_found=False)
        fee_product = self.env.ref('munipay_cashdesk.product_handling_fee', raise_if_not_found=False)
        result['data'][0]['_munipay_order_product_id'] = order_product.id if order_product else False
        result['data'][0]['_munipay_handling_product_id'] = fee_product.id if fee_product else False
        return result

    def _validate_session(self, balancing_account=False, amount_to_balance=0, bank_payment_method_diffs=None):
        result = super()._validate_session(balancing_account, amount_to_balance, bank_payment_method_diffs)
        if self.state == 'closed':
            self._munipay_cashdesk_reconcile_transit()
        return result

    def _munipay_cashdesk_transit_moves(self):
        """The entries that debit the transit account for what the session sold. Hook:
        wallet top-ups add their credits."""
        self.ensure_one()
        return self.order_ids.munipay_payment_ids.move_id

    def _munipay_cashdesk_reconcile_transit(self):
        """The closing entry's credit on the transit account (what the session sold of
        payment orders) against the debits of the orders' payments: transit is zero."""
        for session in self.sudo():
            transit = session.company_id.munipay_cashdesk_transit_account_id
            if not transit or not session.move_id:
                continue
            lines = (session.move_id.line_ids | session._munipay_cashdesk_transit_moves().line_ids).filtered(
                lambda l: l.account_id == transit and not l.reconciled and l.parent_state == 'posted')
            if lines and session.currency_id.is_zero(sum(lines.mapped('balance'))):
                lines.with_company(session.company_id).reconcile()
