from odoo import models

GENERIC_NOTICE = 'munipay_documents.report_payment_notice'


class IrActionsReport(models.Model):
    _inherit = 'ir.actions.report'

    def _render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        # munipay's notice, asked for pagoPA orders (from the Print menu, an e-mail, the
        # portal), is printed as pagoPA's notice, on its own paper format
        report = self._get_report(report_ref)
        if report.report_name == GENERIC_NOTICE and res_ids:
            orders = self.env['munipay.payment.order'].browse(res_ids).exists()
            if orders:
                report_ref = orders._munipay_notice_report()
        return super()._render_qweb_pdf(report_ref, res_ids, data)
