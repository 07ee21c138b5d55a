from odoo.tests import new_test_user, tagged

from .common import FISCAL_CODE
from .fdr_common import FLOW_ID, FdrCommon
from .test_gpd import GpdCommon


@tagged('post_install', '-at_install')
class TestPagopaTour(GpdCommon, FdrCommon):
    """An officer opens a traffic fine paid through pagoPA and reads its pagoPA tab:
    its debt position on GPD, the receipt the node sent, and the settlement report
    that reported the payment."""

    def test_officer_reads_the_pagopa_tab(self):
        self.fee_fine.pagopa_cds = True
        officer = new_test_user(
            self.env, login='munipay_pagopa_officer', name='Tour Officer', groups='munipay_base.group_officer',
            company_id=self.company.id, company_ids=self.company.ids)
        order = self.fine_notified(days_ago=1, origin='TOUR-CDS-2026/7')
        self.run_job()
        self.assertEqual(order.pagopa_gpd_status, 'VALID')

        self.gpd.pay(FISCAL_CODE, order.pagopa_notice_number)
        inner = self.receipt_xml(order, 'RCPT-TOUR-1', '42.90', iuv=order.pagopa_reduced_iuv).replace(
            order.pagopa_notice_number, order.pagopa_reduced_notice_number)
        element = self.answer(self.post(self.envelope('paSendRT', inner), 'paSendRT'), 'paSendRT')
        self.assertEqual(element.findtext('outcome'), 'OK', element.findtext('fault/description'))
        self.book_receipts()
        self.assertEqual(order.state, 'paid')
        self.run_job()
        self.assertEqual(order.pagopa_gpd_status, 'PAID')

        report = self.import_xml(self.flow_xml([self.payment(order, 42.90, iuv=order.pagopa_reduced_iuv)]))
        self.assertEqual((report.name, report.state, order.pagopa_fdr_line_ids.state), (FLOW_ID, 'matched', 'paid'))

        self.start_tour('/odoo/action-munipay_base.action_munipay_payment_order/%d' % order.id,
                        'munipay_pagopa_order_tour', login=officer.login, timeout=120)
