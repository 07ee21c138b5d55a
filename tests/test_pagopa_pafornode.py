"""The paForNode SOAP messages (munipay_pagopa/lib/pafornode.py), checked against the
official XSD the add-on ships (addons/munipay_pagopa/data/xsd, MIT, pagopa-api SANP2.5.1)."""
import pytest
from lxml import etree

from conftest import ADDONS, load_lib

XSD_DIR = str(ADDONS / 'munipay_pagopa' / 'data' / 'xsd')
PAFN = 'http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd'
SOAP = 'http://schemas.xmlsoap.org/soap/envelope/'
NOTICE = '301000000000000144'

VERIFY_BODY = ('<idPA>00940120546</idPA><idBrokerPA>15376371009</idBrokerPA><idStation>00940120546_01</idStation>'
               '<qrCode><fiscalCode>00940120546</fiscalCode><noticeNumber>%s</noticeNumber></qrCode>' % NOTICE)

# one request, the ways real clients write it
VERIFY_STYLES = {
    'node prefixes': (
        '<soapenv:Envelope xmlns:soapenv="%s" xmlns:pafn="%s"><soapenv:Header/><soapenv:Body>'
        '<pafn:paVerifyPaymentNoticeReq>%s</pafn:paVerifyPaymentNoticeReq></soapenv:Body></soapenv:Envelope>'
        % (SOAP, PAFN, VERIFY_BODY)),
    'other prefixes': (
        '<S:Envelope xmlns:S="%s"><S:Body><ns2:paVerifyPaymentNoticeReq xmlns:ns2="%s">%s'
        '</ns2:paVerifyPaymentNoticeReq></S:Body></S:Envelope>' % (SOAP, PAFN, VERIFY_BODY)),
    'default namespaces, xmlns="" children': (
        '<Envelope xmlns="%s"><Body><paVerifyPaymentNoticeReq xmlns="%s">%s</paVerifyPaymentNoticeReq></Body>'
        '</Envelope>' % (SOAP, PAFN, VERIFY_BODY.replace('<idPA>', '<idPA xmlns="">')
                         .replace('<idBrokerPA>', '<idBrokerPA xmlns="">').replace('<idStation>', '<idStation xmlns="">')
                         .replace('<qrCode>', '<qrCode xmlns="">'))),
}


@pytest.fixture(scope='module')
def pf():
    return load_lib('munipay_pagopa', 'pafornode')


@pytest.fixture(scope='module')
def schema(pf):
    return pf.load_schema(XSD_DIR)


def test_schema_loaded_once_and_declares_v1(pf, schema):
    assert pf.load_schema(XSD_DIR) is schema
    for operation, (request, response) in pf.OPERATIONS.items():
        if operation.endswith('V2'):
            continue
        assert schema.declares(request) and schema.declares(response)
    # the SANP2.5.1 files declare no V2 element: V2 is checked by read_request alone
    assert not schema.declares('paGetPaymentV2Request')


@pytest.mark.parametrize('header, expected', [
    ('paVerifyPaymentNotice', 'paVerifyPaymentNotice'),
    ('"paVerifyPaymentNotice"', 'paVerifyPaymentNotice'),
    (' "paSendRTV2" ', 'paSendRTV2'),
    ("'paGetPayment'", 'paGetPayment'),
    ('http://pagopa-api.pagopa.gov.it/service/pa/paForNode/paVerifyPaymentNoticeReq', 'paVerifyPaymentNotice'),
    ('', None), ('""', None), (None, None),
    ('paFoo', 'paFoo'),
])
def test_operation_from_action(pf, header, expected):
    assert pf.operation_from_action(header) == expected


@pytest.mark.parametrize('style', sorted(VERIFY_STYLES))
@pytest.mark.parametrize('action', ['paVerifyPaymentNotice', '"paVerifyPaymentNotice"', None])
def test_parse_any_namespace_style(pf, schema, style, action):
    operation, element = pf.parse_request(VERIFY_STYLES[style].encode(), action)
    assert operation == 'paVerifyPaymentNotice'
    assert schema.errors(element) == []
    data = pf.read_request(operation, element)
    assert data == {'operation': 'paVerifyPaymentNotice', 'id_pa': '00940120546', 'id_broker': '15376371009',
                    'id_station': '00940120546_01', 'fiscal_code': '00940120546', 'notice_number': NOTICE}


def test_qualified_children_are_invalid(pf, schema):
    """A default namespace that the children inherit makes them qualified: not what the XSD says."""
    body = ('<Envelope xmlns="%s"><Body><paVerifyPaymentNoticeReq xmlns="%s">%s</paVerifyPaymentNoticeReq>'
            '</Body></Envelope>' % (SOAP, PAFN, VERIFY_BODY))
    operation, element = pf.parse_request(body.encode(), 'paVerifyPaymentNotice')
    assert schema.errors(element)
    with pytest.raises(pf.PaFault) as caught:
        pf.read_request(operation, element)
    assert caught.value.code == 'PAA_SINTASSI_XSD'


def test_action_and_body_must_agree(pf):
    with pytest.raises(pf.PaFault) as caught:
        pf.parse_request(VERIFY_STYLES['node prefixes'].encode(), 'paGetPayment')
    assert caught.value.code == 'PAA_SINTASSI_XSD' and caught.value.operation == 'paGetPayment'


@pytest.mark.parametrize('data', [
    b'', b'not xml', b'<a><b></a>',
    ('<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body><pafn:paVerifyPaymentNoticeReq xmlns:pafn="%s"/>'
     '</Body></Envelope>' % PAFN).encode(),                       # SOAP 1.2
    ('<soapenv:Envelope xmlns:soapenv="%s"><soapenv:Body><paVerifyPaymentNoticeReq>%s</paVerifyPaymentNoticeReq>'
     '</soapenv:Body></soapenv:Envelope>' % (SOAP, VERIFY_BODY)).encode(),  # request element without namespace
    ('<soapenv:Envelope xmlns:soapenv="%s"><soapenv:Body/></soapenv:Envelope>' % SOAP).encode(),
])
def test_malformed_with_action_is_a_syntax_fault(pf, data):
    with pytest.raises(pf.PaFault) as caught:
        pf.parse_request(data, 'paVerifyPaymentNotice')
    assert caught.value.code == 'PAA_SINTASSI_XSD' and caught.value.operation == 'paVerifyPaymentNotice'
    with pytest.raises(pf.SoapRequestError):
        pf.parse_request(data, None)


def test_unknown_operation(pf):
    with pytest.raises(pf.SoapRequestError, match='paDemandPaymentNotice'):
        pf.parse_request(VERIFY_STYLES['node prefixes'].encode(), 'paDemandPaymentNotice')
    body = VERIFY_STYLES['node prefixes'].replace('paVerifyPaymentNoticeReq', 'paFooReq')
    with pytest.raises(pf.SoapRequestError):
        pf.parse_request(body.encode(), None)


def test_entities_and_dtd_refused(pf, tmp_path):
    secret = tmp_path / 'secret.txt'
    secret.write_text('TOP SECRET')
    xxe = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://%s">]>%s'
           % (secret, VERIFY_STYLES['node prefixes'].replace('00940120546_01', '&e;')))
    with pytest.raises(pf.PaFault) as caught:
        pf.parse_request(xxe.encode(), 'paVerifyPaymentNotice')
    assert 'TOP SECRET' not in str(caught.value)
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            + VERIFY_STYLES['node prefixes'].replace('00940120546_01', '&b;'))
    with pytest.raises(pf.PaFault):
        pf.parse_request(bomb.encode(), 'paVerifyPaymentNotice')


def test_too_large_refused(pf):
    with pytest.raises(pf.PaFault):
        pf.parse_request(b' ' * (pf.MAX_REQUEST_BYTES + 1), 'paSendRT')


@pytest.mark.parametrize('amount, ok', [('10.50', True), ('10.5', False), ('10.505', False), ('10', False),
                                        ('-1.00', False), ('1,00', False)])
def test_amounts(pf, amount, ok):
    if ok:
        assert pf.cents_to_amount(pf.amount_to_cents(amount)) == amount
    else:
        with pytest.raises(ValueError):
            pf.amount_to_cents(amount)


def test_cents_to_amount(pf):
    assert pf.cents_to_amount(1) == '0.01'
    assert pf.cents_to_amount(4290) == '42.90'
    assert pf.cents_to_amount(99999999999) == '999999999.99'
    with pytest.raises(ValueError):
        pf.cents_to_amount(1.5)


@pytest.mark.parametrize('parts, total, main, expected', [
    ([4200, 1350], 4290, 0, [2940, 1350]),     # 5-day fine: 0.7 × 42.00 + 13.50 costs, costs untouched
    ([4200, 1350], 10000, 0, [8650, 1350]),    # late: half the maximum + costs
    ([1000, 500, 300], 1800, 1, [1000, 500, 300]),
    ([1000, 500, 300], 1000, 0, [200, 500, 300]),
    ([1000, 500, 300], 250, 0, [0, 250, 0]),     # more taken than the main part holds: from the last first
])
def test_allocate_cents(pf, parts, total, main, expected):
    assert pf.allocate_cents(parts, total, main) == expected
    assert sum(expected) == total


def payment_payload(transfers=None):
    return {
        'iuv': '01000000000000144', 'amount_cents': 4290, 'due_date': '2026-12-31',
        'description': 'Sanzione   codice della strada  art. 7 ' + 'x' * 200, 'company_name': 'Comune di Valfiorita',
        'debtor': {'type': 'F', 'id': 'RSSMRA70C03H501D', 'name': 'Mario Rossi', 'street': 'Via Roma 12',
                   'city': 'Roma', 'postal_code': '00100', 'country': 'IT', 'email': 'mario.rossi@example.com'},
        'transfers': transfers or [
            {'amount_cents': 2940, 'fiscal_code': '00940120546', 'iban': 'IT60X0542811101000000123456',
             'remittance': 'Sanzione', 'category': '9/0101108TS/'},
            {'amount_cents': 1350, 'fiscal_code': '00940120546', 'iban': 'IT60X0542811101000000123456',
             'remittance': 'Spese di notifica', 'category': '9/0101108TS/'},
        ],
    }


def test_answers_validate(pf, schema):
    verify = pf.build_response('paVerifyPaymentNotice', {
        'amount_cents': 4290, 'due_date': '2026-12-31', 'detail': 'Parking fine', 'all_ccp': False,
        'description': 'Parking fine VF/1', 'fiscal_code': '00940120546', 'company_name': 'Comune di Valfiorita'})
    assert schema.errors(verify) == []
    assert verify.findtext('paymentList/paymentOptionDescription/amount') == '42.90'
    payment = pf.build_response('paGetPayment', payment_payload())
    assert schema.errors(payment) == []
    assert len(payment.findtext('data/description')) == 140
    assert [t.findtext('idTransfer') for t in payment.findall('data/transferList/transfer')] == ['1', '2']
    for operation in ('paSendRT', 'paVerifyPaymentNotice', 'paGetPayment'):
        fault = pf.build_response(operation, fault=pf.PaFault('PAA_PAGAMENTO_SCONOSCIUTO', 'no such notice'),
                                  broker_id='15376371009')
        assert schema.errors(fault) == []
        assert fault.findtext('outcome') == 'KO'
        assert fault.findtext('fault/faultCode') == 'PAA_PAGAMENTO_SCONOSCIUTO'
        assert fault.findtext('fault/id') == '15376371009'
    ok = pf.build_response('paSendRT')
    assert schema.errors(ok) == []
    # the envelope carries the element, and parses back
    root = etree.fromstring(pf.envelope(payment))
    assert root.find('{%s}Body/{%s}paGetPaymentRes' % (SOAP, PAFN)) is not None


def test_schema_catches_bad_answers(pf, schema):
    six = payment_payload([{'amount_cents': 715, 'fiscal_code': '00940120546', 'iban': 'IT60X0542811101000000123456',
                            'remittance': 'x', 'category': '9/0101108TS/'}] * 6)
    assert schema.errors(pf.build_response('paGetPayment', six))
    no_category = payment_payload()
    no_category['transfers'][0]['category'] = ''
    assert schema.errors(pf.build_response('paGetPayment', no_category))


def test_v2_payment_answer_has_transfer_company_names(pf):
    element = pf.build_response('paGetPaymentV2', payment_payload())
    assert etree.QName(element).localname == 'paGetPaymentV2Response'
    assert [t.findtext('companyName') for t in element.findall('data/transferList/transfer')] == [
        'Comune di Valfiorita'] * 2


RECEIPT = '''<soapenv:Envelope xmlns:soapenv="%s" xmlns:pafn="%s"><soapenv:Body><pafn:paSendRTReq>
<idPA>00940120546</idPA><idBrokerPA>15376371009</idBrokerPA><idStation>00940120546_01</idStation>
<receipt><receiptId>c110729d258c4ab1b765fe902aae41d6</receiptId><noticeNumber>%s</noticeNumber>
<fiscalCode>00940120546</fiscalCode><outcome>OK</outcome><creditorReferenceId>01000000000000144</creditorReferenceId>
<paymentAmount>42.90</paymentAmount><description>Parking fine</description><companyName>Comune</companyName>
<debtor><uniqueIdentifier><entityUniqueIdentifierType>F</entityUniqueIdentifierType>
<entityUniqueIdentifierValue>RSSMRA70C03H501D</entityUniqueIdentifierValue></uniqueIdentifier>
<fullName>Mario Rossi</fullName></debtor>
<transferList><transfer><idTransfer>1</idTransfer><transferAmount>42.90</transferAmount>
<fiscalCodePA>00940120546</fiscalCodePA><IBAN>IT60X0542811101000000123456</IBAN>
<remittanceInformation>Parking fine</remittanceInformation><transferCategory>9/0101108TS/</transferCategory></transfer>
</transferList><idPSP>BCITITMM</idPSP><PSPCompanyName>Intesa</PSPCompanyName><idChannel>BCITITMM_01</idChannel>
<channelDescription>app</channelDescription><paymentMethod>creditCard</paymentMethod><fee>1.00</fee>
<paymentDateTime>2026-11-20T10:15:00</paymentDateTime><applicationDate>2026-11-20</applicationDate>
</receipt></pafn:paSendRTReq></soapenv:Body></soapenv:Envelope>''' % (SOAP, PAFN, NOTICE)


def test_read_receipt(pf, schema):
    operation, element = pf.parse_request(RECEIPT.encode(), 'paSendRT')
    assert schema.errors(element) == []
    receipt = pf.read_request(operation, element)['receipt']
    assert receipt['receipt_id'] == 'c110729d258c4ab1b765fe902aae41d6'
    assert receipt['amount_cents'] == 4290 and receipt['fee_cents'] == 100
    assert receipt['transfers'] == [{'id': '1', 'amount_cents': 4290, 'fiscal_code': '00940120546',
                                     'iban': 'IT60X0542811101000000123456'}]
    assert receipt['payment_datetime'] == '2026-11-20T10:15:00'
    assert receipt['debtor']['name'] == 'Mario Rossi' and receipt['payer'] is None


def test_three_decimals_invalid(pf, schema):
    operation, element = pf.parse_request(RECEIPT.replace('<paymentAmount>42.90', '<paymentAmount>42.900')
                                          .encode(), 'paSendRT')
    assert schema.errors(element)
    with pytest.raises(pf.PaFault) as caught:
        pf.read_request(operation, element)
    assert caught.value.code == 'PAA_SINTASSI_XSD'


def test_v2_receipt_read_without_schema(pf):
    body = RECEIPT.replace('paSendRTReq', 'paSendRTV2Request')
    operation, element = pf.parse_request(body.encode(), '"paSendRTV2"')
    assert operation == 'paSendRTV2'
    assert pf.read_request(operation, element)['receipt']['amount_cents'] == 4290
    missing = body.replace('<idPSP>BCITITMM</idPSP>', '')
    with pytest.raises(pf.PaFault):
        pf.read_request(*pf.parse_request(missing.encode(), 'paSendRTV2'))


def test_soap_fault(pf):
    root = etree.fromstring(pf.soap_fault('Client', 'unknown operation'))
    assert root.findtext('{%s}Body/{%s}Fault/faultcode' % (SOAP, SOAP)) == 'soapenv:Client'


def test_peek_ids_of_an_invalid_request(pf):
    body = VERIFY_STYLES['node prefixes'].replace('<qrCode>', '<qrCode><extra/>')
    _operation, element = pf.parse_request(body.encode(), 'paVerifyPaymentNotice')
    assert pf.peek_ids(element) == {'id_pa': '00940120546', 'id_broker': '15376371009'}
    assert pf.peek_ids(None) == {}
    with pytest.raises(pf.PaFault) as caught:
        pf.parse_request(body.replace('paVerifyPaymentNoticeReq', 'paGetPaymentReq').encode(),
                         'paVerifyPaymentNotice')
    assert pf.peek_ids(caught.value.element)['id_broker'] == '15376371009'
