from odoo.tests import new_test_user, tagged

from .common import PagopaCommon


@tagged('post_install', '-at_install')
class TestPagopaTour(PagopaCommon):
    """An officer opens a traffic fine paid through pagoPA and reads its pagoPA tab."""

    def test_officer_reads_the_pagopa_tab(self):
        self.fee_fine.pagopa_cds = True
        officer = new_test_user(
            self.env, login='munipay_pagopa_officer', name='Tour Officer', groups='munipay_base.group_officer',
            company_id=self.company.id, company_ids=self.company.ids)
        order = self.fine_notified(days_ago=1, origin='TOUR-CDS-2026/7')
        inner = self.receipt_xml(order, 'RCPT-TOUR-1', '42.90', iuv=order.pagopa_reduced_iuv).replace(
            order.pagopa_notice_number, order.pagopa_reduced_notice_number)
        element = self.answer(self.post(self.envelope('paSendRT', inner), 'paSendRT'), 'paSendRT')
        self.assertEqual(element.findtext('outcome'), 'OK', element.findtext('fault/description'))
        self.assertEqual(order.state, 'paid')

        self.start_tour('/odoo/action-munipay_base.action_munipay_payment_order/%d' % order.id,
                        'munipay_pagopa_order_tour', login=officer.login, timeout=120)
