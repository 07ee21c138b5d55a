"""pagoPA settlement reports (munipay_pagopa/lib/fdr.py): the XML FlussoRiversamento,
checked against the official XSDs the add-on ships (1.0.4 and 1.0.5), and the JSON of
the FdR REST service."""
import datetime

import pytest

from conftest import ADDONS, load_lib

XSD_DIR = str(ADDONS / 'munipay_pagopa' / 'data' / 'xsd')
NS = 'http://www.digitpa.gov.it/schemas/2011/Pagamenti/'


@pytest.fixture(scope='module')
def fdr():
    return load_lib('munipay_pagopa', 'fdr')


@pytest.fixture(scope='module')
def schemas(fdr):
    return fdr.load_schemas(XSD_DIR)


def payment_xml(iuv, iur, amount, outcome='0', index=1, prefix='pay_i:'):
    p = prefix
    return ('<{p}datiSingoliPagamenti><{p}identificativoUnivocoVersamento>{iuv}</{p}identificativoUnivocoVersamento>'
            '<{p}identificativoUnivocoRiscossione>{iur}</{p}identificativoUnivocoRiscossione>'
            '<{p}indiceDatiSingoloPagamento>{index}</{p}indiceDatiSingoloPagamento>'
            '<{p}singoloImportoPagato>{amount}</{p}singoloImportoPagato>'
            '<{p}codiceEsitoSingoloPagamento>{outcome}</{p}codiceEsitoSingoloPagamento>'
            '<{p}dataEsitoSingoloPagamento>2026-11-19</{p}dataEsitoSingoloPagamento></{p}datiSingoliPagamenti>'
            ).format(p=p, iuv=iuv, iur=iur, amount=amount, outcome=outcome, index=index)


def flow_xml(payments, count=None, total=None, receiver='02438750586', prefix='pay_i:', ns=NS):
    p = prefix
    declaration = 'xmlns:%s="%s"' % (p[:-1], ns) if p else 'xmlns="%s"' % ns
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<{p}FlussoRiversamento {decl}><{p}versioneOggetto>1.0</{p}versioneOggetto>'
        '<{p}identificativoFlusso>2026-11-20BCITITMM-S0001</{p}identificativoFlusso>'
        '<{p}dataOraFlusso>2026-11-20T10:15:00</{p}dataOraFlusso>'
        '<{p}identificativoUnivocoRegolamento>TRN0123456789</{p}identificativoUnivocoRegolamento>'
        '<{p}dataRegolamento>2026-11-20</{p}dataRegolamento>'
        '<{p}istitutoMittente><{p}identificativoUnivocoMittente><{p}tipoIdentificativoUnivoco>B'
        '</{p}tipoIdentificativoUnivoco><{p}codiceIdentificativoUnivoco>BCITITMM</{p}codiceIdentificativoUnivoco>'
        '</{p}identificativoUnivocoMittente><{p}denominazioneMittente>Intesa Sanpaolo</{p}denominazioneMittente>'
        '</{p}istitutoMittente>'
        '<{p}istitutoRicevente><{p}identificativoUnivocoRicevente><{p}tipoIdentificativoUnivoco>G'
        '</{p}tipoIdentificativoUnivoco><{p}codiceIdentificativoUnivoco>{receiver}</{p}codiceIdentificativoUnivoco>'
        '</{p}identificativoUnivocoRicevente></{p}istitutoRicevente>'
        '<{p}numeroTotalePagamenti>{count}</{p}numeroTotalePagamenti>'
        '<{p}importoTotalePagamenti>{total}</{p}importoTotalePagamenti>{payments}</{p}FlussoRiversamento>'
    ).format(p=p, decl=declaration, receiver=receiver, count=len(payments) if count is None else count,
             total=total, payments=''.join(payments)).encode()


def test_reads_a_1_0_4_report_with_a_revoked_payment(fdr, schemas):
    data = flow_xml([payment_xml('01000000000000123', 'R1', '42.90'),
                     payment_xml('01000000000000124', 'R2', '10.00', outcome='3'),
                     payment_xml('01000000000000125', 'R3', '5.00', outcome='9', index=2)], total='37.90')
    flow = fdr.parse_xml(data, schemas)
    assert (flow.version, flow.flow_id, flow.regulation, flow.psp_id) == \
        ('1.0.4', '2026-11-20BCITITMM-S0001', 'TRN0123456789', 'BCITITMM')
    assert flow.flow_datetime == datetime.datetime(2026, 11, 20, 9, 15)  # Italian time, stored in UTC
    assert flow.regulation_date == datetime.date(2026, 11, 20)
    assert [(p.iuv, p.iur, p.transfer, p.cents, p.kind) for p in flow.payments] == [
        ('01000000000000123', 'R1', 1, 4290, 'paid'), ('01000000000000124', 'R2', 1, -1000, 'revoked'),
        ('01000000000000125', 'R3', 2, 500, 'paid')]
    assert flow.net_cents == 3790
    fdr.check_totals(flow)


def test_reads_a_1_0_5_report_with_stand_in_payments_in_any_namespace_style(fdr, schemas):
    payments = ['42.90', '1.00']
    for prefix in ('pay_i:', 'x:', ''):
        data = flow_xml([payment_xml('01000000000000123', 'R1', payments[0], outcome='4', prefix=prefix),
                         payment_xml('01000000000000124', 'R2', payments[1], outcome='8', prefix=prefix)],
                        total='43.90', prefix=prefix)
        flow = fdr.parse_xml(data, schemas)
        assert flow.version == '1.0.5'
        assert [p.kind for p in flow.payments] == ['standin', 'standin']


@pytest.mark.parametrize('data, message', [
    (b'<FlussoRiversamento xmlns="%s"><versioneOggetto>1.0' % NS.encode(), 'not well-formed'),
    (flow_xml([payment_xml('1', 'R1', '1.00')], total='1.00', ns='http://example.com/other'), 'root element'),
    (flow_xml([payment_xml('1', 'R1', '1.005')], total='1.00'), 'not a valid FlussoRiversamento'),
    (flow_xml([payment_xml('1', 'R1', '-1.00', outcome='3')], total='1.00'), 'not a valid'),
    # a revocation (1.0.4 only) beside a stand-in payment (1.0.5 only): neither schema
    (flow_xml([payment_xml('1', 'R1', '1.00', outcome='3'), payment_xml('2', 'R2', '2.00', outcome='4')],
              total='1.00'), 'not a valid'),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
     b'<FlussoRiversamento xmlns="' + NS.encode() + b'">&lol2;</FlussoRiversamento>', 'document type'),
    (b'', 'empty'),
])
def test_bad_files_are_refused_with_a_reason(fdr, schemas, data, message):
    with pytest.raises(fdr.FdrError, match=message):
        fdr.parse_xml(data, schemas)


def test_totals_must_add_up(fdr, schemas):
    payments = [payment_xml('1', 'R1', '10.00'), payment_xml('2', 'R2', '4.00', outcome='3')]
    for total in ('6.00', '14.00'):  # net (the specification) or as written (pagoPA's own service)
        fdr.check_totals(fdr.parse_xml(flow_xml(payments, total=total), schemas))
    with pytest.raises(fdr.FdrError, match='announces 2 payments totalling 15.00, but lists 2 payments totalling 6.00'):
        fdr.check_totals(fdr.parse_xml(flow_xml(payments, total='15.00'), schemas))
    with pytest.raises(fdr.FdrError, match='announces 3 payments'):
        fdr.check_totals(fdr.parse_xml(flow_xml(payments, count=3, total='6.00'), schemas))


API_FLOW = {
    'status': 'PUBLISHED', 'revision': 2, 'fdr': '2026-11-2088888888888-0001', 'fdrDate': '2026-11-20T09:00:00Z',
    'regulation': 'SEPA - Bonifico 1234', 'regulationDate': '2026-11-20',
    'sender': {'type': 'LEGAL_PERSON', 'id': 'SELBIT2B', 'pspId': '88888888888', 'pspName': 'Bank',
               'pspBrokerId': '88888888888', 'channelId': '88888888888_01'},
    'receiver': {'id': 'APPBIT2B', 'organizationId': '02438750586', 'organizationName': 'Comune'},
    'totPayments': 2, 'sumPayments': 52.9,
}


def test_reads_a_flow_of_the_rest_service(fdr):
    flow = fdr.flow_from_api(API_FLOW, [
        {'index': 1, 'iuv': '01000000000000123', 'iur': 'R1', 'idTransfer': 1, 'pay': 42.9,
         'payStatus': 'EXECUTED', 'payDate': '2026-11-19T23:30:00Z'},
        {'index': 2, 'iuv': '01000000000000124', 'iur': 'R2', 'idTransfer': 2, 'pay': 10,
         'payStatus': 'STAND_IN_NO_RPT', 'payDate': '2026-11-19T10:00:00Z'},
    ])
    assert (flow.revision, flow.version, flow.psp_id, flow.receiver_id) == (2, 'api', '88888888888', '02438750586')
    assert flow.flow_datetime == datetime.datetime(2026, 11, 20, 9, 0)
    # paid at 00:30 in Rome: the Italian day
    assert [(p.cents, p.outcome, p.transfer, p.date) for p in flow.payments] == [
        (4290, '0', 1, datetime.date(2026, 11, 20)), (1000, '8', 2, datetime.date(2026, 11, 19))]
    fdr.check_totals(flow)


@pytest.mark.parametrize('payment, message', [
    ({'pay': 1.005}, 'more than two decimals'),
    ({'payStatus': 'LOST'}, 'unknown payStatus'),
    ({'idTransfer': 6}, 'idTransfer is 1 to 5'),
    ({'iuv': ''}, 'iuv is missing'),
])
def test_rest_payments_as_the_service_describes_them(fdr, payment, message):
    good = {'index': 1, 'iuv': '1', 'iur': 'R1', 'idTransfer': 1, 'pay': 1.0, 'payStatus': 'EXECUTED',
            'payDate': '2026-11-19T10:00:00Z'}
    with pytest.raises(fdr.FdrError, match=message):
        fdr.flow_from_api(API_FLOW, [dict(good, **payment)])
