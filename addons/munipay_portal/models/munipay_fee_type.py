from odoo import fields, models


class MunipayFeeType(models.Model):
    _inherit = 'munipay.fee.type'

    portal_tan_required = fields.Boolean(
        string="TAN for the Personal Link", tracking=True,
        help="The notice prints a TAN beside the personal link: whoever opens the link without being logged "
             "in as the payer must enter it before anything personal is shown.")
    portal_personal_data = fields.Boolean(
        string="Send Payer Data to Providers", tracking=True,
        help="Online payments of this fee send the payer's name, address and e-mail to the payment provider. "
             "Off: the provider sees only a pseudonym of the order.")
    portal_provider_ids = fields.One2many(
        'munipay.fee.type.provider', 'fee_type_id', string="Online Payment Providers", copy=True,
        help="The providers that may collect this fee online, each up to its maximum amount. "
             "Empty: every provider enabled for the company.")

    def _munipay_allowed_providers(self, providers, amount):
        """The ``providers`` that may collect ``amount`` of this fee type online."""
        self.ensure_one()
        if not self.portal_provider_ids:
            return providers
        allowed = self.portal_provider_ids.filtered(lambda line: line._munipay_allows(amount)).provider_id
        return providers & allowed
