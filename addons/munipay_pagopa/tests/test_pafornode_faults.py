from unittest.mock import patch

from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import BROKER, FISCAL_CODE, SOAP, STATION, PagopaCommon


@tagged('post_install', '-at_install')
class TestPaForNodeFaults(PagopaCommon):
    """Every error is answered as pagoPA's own creditor implementation does: HTTP 200,
    the normal response element, outcome KO and a fault bean (id = the broker)."""

    def test_syntax(self):
        order = self.make_order()
        notice = order.pagopa_notice_number
        cases = {
            'not XML': 'this is not XML',
            'truncated': self.envelope('paVerifyPaymentNotice', self.ids() + self.qr(notice))[:-30],
            'missing idStation': self.envelope('paVerifyPaymentNotice', self.ids().split('<idStation>')[0]
                                               + self.qr(notice)),
            'qualified children': self.envelope('paVerifyPaymentNotice', self.ids() + self.qr(notice))
                .replace('<idPA>', '<pafn:idPA>').replace('</idPA>', '</pafn:idPA>'),
            'fiscal code of 10 digits': self.envelope('paVerifyPaymentNotice', self.ids() + self.qr(notice, '0094012054')),
            'other SOAP version': self.envelope('paVerifyPaymentNotice', self.ids() + self.qr(notice))
                .replace(SOAP, 'http://www.w3.org/2003/05/soap-envelope'),
            'body of another operation': self.envelope('paGetPayment', self.ids() + self.qr(notice)),
        }
        unreadable = ('not XML', 'truncated', 'other SOAP version', 'qualified children')
        for case, body in cases.items():
            with self.subTest(case=case):
                element = self.answer(self.post(body, 'paVerifyPaymentNotice'), 'paVerifyPaymentNotice')
                self.assertFault(element, 'PAA_SINTASSI_XSD', broker=None if case in unreadable else BROKER)

    def test_amount_with_three_decimals(self):
        order = self.make_order()
        element = self.get_payment(order.pagopa_notice_number, extra='<amount>22.210</amount>')
        self.assertFault(element, 'PAA_SINTASSI_XSD')
        element = self.get_payment(order.pagopa_notice_number, extra='<amount>22.21</amount>')
        self.assertEqual(element.findtext('outcome'), 'OK')

    def test_external_entities_are_not_read(self):
        order = self.make_order()
        body = self.envelope('paVerifyPaymentNotice', self.ids(station='&e;') + self.qr(order.pagopa_notice_number))
        body = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + body
        response = self.post(body, 'paVerifyPaymentNotice')
        self.assertNotIn('root:', response.text)
        self.assertFault(self.answer(response, 'paVerifyPaymentNotice'), 'PAA_SINTASSI_XSD', broker=None)

    def test_wrong_identifiers(self):
        notice = self.make_order().pagopa_notice_number
        self.assertFault(self.verify(notice, id_pa='80015010723'), 'PAA_ID_DOMINIO_ERRATO')
        self.assertFault(self.verify(notice, broker='80016350821'), 'PAA_ID_INTERMEDIARIO_ERRATO')
        self.assertFault(self.verify(notice, station='02438750586_99'), 'PAA_STAZIONE_INT_ERRATA')
        body = self.envelope('paGetPayment', self.ids() + self.qr(notice, '80015010723'))
        self.assertFault(self.answer(self.post(body, 'paGetPayment'), 'paGetPayment'), 'PAA_ID_DOMINIO_ERRATO')

    def test_unknown_payment(self):
        order = self.make_order()
        notice = order.pagopa_notice_number
        wrong_check = notice[:16] + '%02d' % ((int(notice[16:]) + 1) % 93)
        not_issued = '301' + '9' * 13
        not_issued += '%02d' % (int(not_issued) % 93)
        for unknown in (wrong_check, not_issued, '201000000000000144'):
            self.assertFault(self.verify(unknown), 'PAA_PAGAMENTO_SCONOSCIUTO')
            self.assertFault(self.get_payment(unknown), 'PAA_PAGAMENTO_SCONOSCIUTO')

    def test_position_states(self):
        paid = self.make_order()
        paid._munipay_pay(self.bank_journal)
        cancelled = self.make_order()
        cancelled.action_cancel("Issued twice")
        expired = self.make_order()
        expired._munipay_cancel("Due date passed", state='expired')
        for order, code in ((paid, 'PAA_PAGAMENTO_DUPLICATO'), (cancelled, 'PAA_PAGAMENTO_ANNULLATO'),
                            (expired, 'PAA_PAGAMENTO_SCADUTO')):
            self.assertFault(self.verify(order.pagopa_notice_number), code)
            self.assertFault(self.get_payment(order.pagopa_notice_number), code)
            self.assertFault(self.get_payment(order.pagopa_notice_number, operation='paGetPaymentV2'), code)

    def test_semantics_of_a_receipt(self):
        order = self.make_order()
        element, _body = self.send_rt(order, 'r-wrong-iuv', '22.21', iuv='01000000000099999')
        self.assertFault(element, 'PAA_SEMANTICA')
        element, _body = self.send_rt(order, 'r-not-adding-up', '22.21', transfers=['20.00', '2.00'])
        self.assertFault(element, 'PAA_SEMANTICA')
        element, _body = self.send_rt(order, 'r-zero', '0.00')
        self.assertFault(element, 'PAA_SINTASSI_XSD')  # the ids are read from an invalid request too  # transferAmount 0.00 is below the XSD's minimum
        self.assertFalse(order.pagopa_receipt_ids)
        self.assertEqual(order.state, 'issued')

    def test_system_error_answers_ko(self):
        order = self.make_order()
        with patch.object(type(order), '_pagopa_payment_payload', side_effect=UserError("locked by the cash desk")), \
                mute_logger('odoo.addons.munipay_pagopa.models.munipay_pagopa_node'):
            element = self.get_payment(order.pagopa_notice_number)
        self.assertFault(element, 'PAA_SYSTEM_ERROR')
        self.assertIn('locked by the cash desk', element.findtext('fault/description'))

    def test_bug_is_http_500_and_writes_nothing(self):
        order = self.make_order()

        def broken(receipt, *_args):
            receipt.payment_method = 'written before the bug'
            return 1 / 0
        with patch.object(type(self.env['munipay.pagopa.receipt']), '_pagopa_store', broken), \
                mute_logger('odoo.addons.munipay_pagopa.controllers.pafornode'):
            body = self.envelope('paSendRT', self.receipt_xml(order, 'r-bug', '22.21'))
            response = self.post(body, 'paSendRT')
        self.assertEqual(response.status_code, 500)
        fault = etree.fromstring(response.content).find('{%s}Body/{%s}Fault' % (SOAP, SOAP))
        self.assertEqual(fault.findtext('faultcode'), 'soapenv:Server')
        self.assertFalse(self.env['munipay.pagopa.receipt'].search([('name', '=', 'r-bug')]))
        self.assertEqual(order.state, 'issued')

    def test_unknown_operation_is_a_soap_fault(self):
        notice = self.make_order().pagopa_notice_number
        body = self.envelope('paVerifyPaymentNotice', self.ids() + self.qr(notice))
        for action, data in (('paDemandPaymentNotice', body), (None, body.replace('paVerifyPaymentNoticeReq',
                                                                                  'paFooReq')),
                             (None, 'not XML')):
            response = self.post(data, action)
            self.assertEqual(response.status_code, 400)
            fault = etree.fromstring(response.content).find('{%s}Body/{%s}Fault' % (SOAP, SOAP))
            self.assertEqual(fault.findtext('faultcode'), 'soapenv:Client')
        self.assertEqual(self.url_open('/munipay/pagopa/paForNode').status_code, 405)

    def test_fault_id_is_the_broker(self):
        """The fault names the creditor's broker as known here, whatever the request said."""
        element = self.verify('301000000000000144', broker='80016350821')
        self.assertEqual(element.findtext('fault/id'), BROKER)
        element = self.verify('301000000000000144', id_pa='80015010723')
        self.assertEqual(element.findtext('fault/id'), BROKER)
        self.assertEqual((FISCAL_CODE, STATION), (self.company.munipay_pagopa_fiscal_code,
                                                  self.company.munipay_pagopa_station_id))
