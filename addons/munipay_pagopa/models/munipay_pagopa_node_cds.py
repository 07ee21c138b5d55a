from odoo import api, models

from ..lib import notice_numbers
from ..lib.pafornode import PaFault


class MunipayPagopaNode(models.AbstractModel):
    """The node may ask for a traffic fine's reduced notice number too."""
    _inherit = 'munipay.pagopa.node'

    @api.model
    def _pagopa_order(self, companies, fiscal_code, notice_number, check_state=True):
        try:
            order = super()._pagopa_order(companies, fiscal_code, notice_number, check_state)
        except PaFault as fault:
            if fault.code != 'PAA_PAGAMENTO_SCONOSCIUTO' or not self._pagopa_well_formed(notice_number):
                raise
            reduced = self.env['munipay.payment.order'].sudo().search([
                ('pagopa_fiscal_code', '=', fiscal_code), ('pagopa_reduced_notice_number', '=', notice_number),
                ('company_id', 'in', companies.ids)], limit=1)
            if not reduced:
                raise
            # the order's own number passes the same checks of its state and amount
            order = super()._pagopa_order(companies, fiscal_code, reduced.pagopa_notice_number, check_state)
            if check_state and not order._pagopa_check_notice_open(notice_number):
                raise PaFault('PAA_PAGAMENTO_SCADUTO', "notice %s: the reduced payment of %s ended on %s"
                              % (notice_number, order.name, order._pagopa_reduced_last_day())) from None
        return order.with_context(pagopa_notice_number=notice_number)

    @api.model
    def _pagopa_well_formed(self, notice_number):
        try:
            notice_numbers.parse_notice_number(notice_number)
        except notice_numbers.NoticeNumberError:
            return False
        return True
