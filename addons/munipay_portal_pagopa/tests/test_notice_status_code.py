from odoo.tests import tagged

from odoo.addons.munipay_pagopa.tests.common import PagopaCommon


@tagged('post_install', '-at_install')
class TestPagopaNoticeStatusCode(PagopaCommon):
    """The pagoPA notice carries the case status look-up code the standard notice prints."""

    def test_pagopa_notices_print_the_status_code(self):
        order = self.make_order(origin='PM-2026/0077')
        code = order._munipay_status_code_display()
        for report in ('munipay_pagopa.action_report_pagopa_notice', 'munipay_pagopa.action_report_pagopa_notice_thermal'):
            html = self.env['ir.actions.report']._render_qweb_html(report, order.ids)[0].decode()
            self.assertIn('munipay_pagopa_notice', html, "the pagoPA layout, not the standard notice")
            self.assertIn('munipay_notice_status_code', html, report)
            self.assertIn(code, html, report)
            self.assertIn(order.get_base_url() + '/munipay/status', html, report)
        # the code printed is the one the public page accepts
        self.assertEqual(self.env['munipay.payment.order']._munipay_status_lookup('PM-2026/0077', code), order)
