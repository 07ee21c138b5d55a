import os
from contextlib import contextmanager
from datetime import timedelta

from lxml import etree
from zeep import Client
from zeep.plugins import HistoryPlugin
from zeep.transports import Transport

from odoo import fields

from odoo.addons.munipay_documents.tests.common import MunipayDocumentsCommon
from ..controllers.pafornode import SHIPPED_XSD_DIR
from ..lib import pafornode

SOAP = 'http://schemas.xmlsoap.org/soap/envelope/'
PAFN = pafornode.PAFN_NS
FISCAL_CODE = '02438750586'
BROKER = '15376371009'
STATION = '02438750586_01'
POSTAL_IBAN = 'IT88N0760103200000010123456'
WSDL = os.path.join(SHIPPED_XSD_DIR, 'ec', 'paForNode.wsdl')
ENDPOINT = '/munipay/pagopa/paForNode'


class PagopaCommon(MunipayDocumentsCommon):
    """A comune on pagoPA (aux digit 3, segregation code 01), in euros."""
    country_code = 'IT'
    chart_template = 'generic_coa'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({
            'munipay_pagopa_fiscal_code': FISCAL_CODE,
            'munipay_pagopa_aux_digit': '3',
            'munipay_pagopa_segregation_code': '01',
            'munipay_pagopa_broker_id': BROKER,
            'munipay_pagopa_station_id': STATION,
        })
        (cls.fee_card | cls.fee_fine).pagopa_transfer_category = '9/0101108TS/'
        cls.company.munipay_qr_standard = 'pagopa'
        cls.postal_account = cls.env['res.partner.bank'].create({
            'acc_number': POSTAL_IBAN, 'partner_id': cls.company.partner_id.id})
        cls.schema = pafornode.load_schema(SHIPPED_XSD_DIR)

    @contextmanager
    def raises(self, exception, pattern):
        """assertRaises (which rolls back what the failing call wrote) with a message check."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)

    # ------------------------------------------------------------------ orders

    def fine_notified(self, days_ago=0, **vals):
        """A parking fine notified ``days_ago`` days ago: 0.7 × 42 + 13.50 = 42.90 in its first 5 days."""
        return self.make_order(self.fee_fine, date_issue=self.days_ago(days_ago),
                               date_notified=self.days_ago(days_ago), **vals)

    # ------------------------------------------------------------------ SOAP

    def post(self, body, action=None, content_type='text/xml; charset=utf-8'):
        headers = {'Content-Type': content_type}
        if action is not None:
            headers['SOAPAction'] = action
        return self.url_open(ENDPOINT, data=body if isinstance(body, bytes) else body.encode(), headers=headers)

    def answer(self, response, operation, status=200):
        """The response element of a paForNode answer, validated with the official XSD."""
        self.assertEqual(response.status_code, status, response.text[:500])
        self.assertTrue(response.headers['Content-Type'].startswith('text/xml'))
        root = etree.fromstring(response.content)
        self.assertEqual(root.tag, '{%s}Envelope' % SOAP)
        element = root.find('{%s}Body/{%s}%s' % (SOAP, PAFN, pafornode.OPERATIONS[operation][1]))
        self.assertIsNotNone(element, response.text[:500])
        if self.schema.declares(pafornode.OPERATIONS[operation][1]):
            self.assertEqual(self.schema.errors(element), [])
        return element

    def assertFault(self, element, code, broker=BROKER):
        """A KO answer with ``code``; its id is ``broker`` (any, for requests too broken to name one)."""
        self.assertEqual(element.findtext('outcome'), 'KO')
        self.assertEqual(element.findtext('fault/faultCode'), code, element.findtext('fault/description'))
        if broker:
            self.assertEqual(element.findtext('fault/id'), broker)
        else:
            self.assertTrue(element.findtext('fault/id'))
        self.assertTrue(element.findtext('fault/faultString'))
        self.assertTrue(element.findtext('fault/description'))

    def envelope(self, operation, inner, style='node'):
        """A hand-written request: node style (soapenv/pafn prefixes) or default
        namespaces with ``xmlns=""`` children."""
        element = pafornode.OPERATIONS[operation][0]
        if style == 'node':
            return ('<soapenv:Envelope xmlns:soapenv="%s" xmlns:pafn="%s"><soapenv:Header/><soapenv:Body>'
                    '<pafn:%s>%s</pafn:%s></soapenv:Body></soapenv:Envelope>' % (SOAP, PAFN, element, inner, element))
        root = etree.fromstring('<r>%s</r>' % inner)
        children = ''.join(etree.tostring(child, encoding='unicode').replace('<%s>' % child.tag, '<%s xmlns="">'
                                                                              % child.tag, 1) for child in root)
        return ('<Envelope xmlns="%s"><Body><%s xmlns="%s">%s</%s></Body></Envelope>'
                % (SOAP, element, PAFN, children, element))

    def ids(self, id_pa=FISCAL_CODE, broker=BROKER, station=STATION):
        return '<idPA>%s</idPA><idBrokerPA>%s</idBrokerPA><idStation>%s</idStation>' % (id_pa, broker, station)

    def qr(self, notice, fiscal_code=FISCAL_CODE):
        return '<qrCode><fiscalCode>%s</fiscalCode><noticeNumber>%s</noticeNumber></qrCode>' % (fiscal_code, notice)

    def verify(self, notice, style='node', action='paVerifyPaymentNotice', **ids):
        body = self.envelope('paVerifyPaymentNotice', self.ids(**ids) + self.qr(notice), style)
        return self.answer(self.post(body, action), 'paVerifyPaymentNotice')

    def get_payment(self, notice, operation='paGetPayment', extra='', style='node', **ids):
        body = self.envelope(operation, self.ids(**ids) + self.qr(notice) + extra, style)
        return self.answer(self.post(body, operation), operation)

    def receipt_xml(self, order, receipt_id, amount, paid_at=None, operation='paSendRT', iuv=None,
                    transfers=None, outcome='OK'):
        paid_at = paid_at or fields.Datetime.now().replace(microsecond=0)
        transfers = transfers or [amount]
        transfer_xml = ''.join(
            '<transfer><idTransfer>%d</idTransfer><transferAmount>%s</transferAmount><fiscalCodePA>%s</fiscalCodePA>'
            '%s<IBAN>IT60X0542811101000000123456</IBAN><remittanceInformation>%s</remittanceInformation>'
            '<transferCategory>9/0101108TS/</transferCategory></transfer>'
            % (index, part, FISCAL_CODE, '<companyName>Comune di Prova</companyName>' if operation == 'paSendRTV2'
               else '', order.name) for index, part in enumerate(transfers, start=1))
        return self.ids() + (
            '<receipt><receiptId>%s</receiptId><noticeNumber>%s</noticeNumber><fiscalCode>%s</fiscalCode>'
            '<outcome>%s</outcome><creditorReferenceId>%s</creditorReferenceId><paymentAmount>%s</paymentAmount>'
            '<description>%s</description><companyName>Comune di Prova</companyName>'
            '<debtor><uniqueIdentifier><entityUniqueIdentifierType>F</entityUniqueIdentifierType>'
            '<entityUniqueIdentifierValue>RSSMRA70C03H501D</entityUniqueIdentifierValue></uniqueIdentifier>'
            '<fullName>Mario Rossi</fullName></debtor><transferList>%s</transferList>'
            '<idPSP>BCITITMM</idPSP><PSPCompanyName>Intesa Sanpaolo</PSPCompanyName><idChannel>BCITITMM_01</idChannel>'
            '<channelDescription>app</channelDescription><paymentMethod>creditCard</paymentMethod><fee>1.00</fee>'
            '<paymentDateTime>%s</paymentDateTime></receipt>'
            % (receipt_id, order.pagopa_notice_number, FISCAL_CODE, outcome, iuv or order.pagopa_iuv, amount,
               order.name, transfer_xml, paid_at.isoformat()))

    def send_rt(self, order, receipt_id, amount, operation='paSendRT', style='node', **kwargs):
        body = self.envelope(operation, self.receipt_xml(order, receipt_id, amount, operation=operation, **kwargs),
                             style)
        return self.answer(self.post(body, operation), operation), body

    def zeep_service(self):
        """A zeep client of the official WSDL, posting to this test server."""
        history = HistoryPlugin()
        client = Client(WSDL, transport=Transport(session=self.opener), plugins=[history])
        service = client.create_service('{http://pagopa-api.pagopa.gov.it/pa/paForNode.wsdl}paForNode_Binding',
                                        self.base_url() + ENDPOINT)
        return service, history

    def zeep_answer(self, history, operation):
        """The element zeep received last, validated with the official XSD."""
        element = history.last_received['envelope'].find(
            '{%s}Body/{%s}%s' % (SOAP, PAFN, pafornode.OPERATIONS[operation][1]))
        self.assertEqual(self.schema.errors(element), [])
        return element

    @staticmethod
    def receipt_items(receipts, account=None):
        """The journal items that booked ``receipts`` (their pairs in a batch's entry, or
        their payments'), on ``account`` if given."""
        items = receipts.move_line_ids | receipts.payment_ids.move_id.line_ids
        return items.filtered(lambda l: l.account_id == account) if account else items

    def transit_lines(self):
        account = self.company.munipay_pagopa_transit_account_id
        return self.env['account.move.line'].search([('account_id', '=', account.id)]) if account \
            else self.env['account.move.line']

    @staticmethod
    def yesterday_noon():
        return (fields.Datetime.now() - timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)


    def book_receipts(self):
        """Run the booking job until no stored receipt is left to book (as the cron does)."""
        Receipt = self.env['munipay.pagopa.receipt']
        booked = Receipt
        while batch := Receipt._cron_pagopa_book():
            booked |= batch
        self.env.invalidate_all()
        return booked
