import base64
from datetime import datetime

from odoo import fields

from .common import BROKER, FISCAL_CODE, STATION, PagopaCommon

NS = 'http://www.digitpa.gov.it/schemas/2011/Pagamenti/'
FLOW_ID = '2026-11-20BCITITMM-S0001'
PSP = 'BCITITMM'
TRN = 'TRN0000012345'


class FdrCommon(PagopaCommon):
    """Receipts booked on the pagoPA transit account, then settlement reports of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company._munipay_pagopa_journal()
        cls.transit = cls.company.munipay_pagopa_transit_account_id
        cls.suspense_account = cls.company._munipay_suspense_account()
        cls.receivable = cls.payer.property_account_receivable_id

    # ------------------------------------------------------------------ receipts

    def book_receipt(self, order, receipt_id, amount=None, transfers=None, outcome='OK', standin=False):
        """A receipt of the pagoPA node for ``order``, stored and booked as paSendRT does."""
        cents = round((order.amount_residual if amount is None else amount) * 100)
        transfers = transfers or [cents]
        self.env['munipay.pagopa.node']._pagopa_answer({
            'operation': 'paSendRT', 'id_pa': FISCAL_CODE, 'id_broker': BROKER, 'id_station': STATION,
            'standin': standin,
            'receipt': {
                'receipt_id': receipt_id, 'notice_number': order.pagopa_notice_number, 'fiscal_code': FISCAL_CODE,
                'outcome': outcome, 'iuv': order.pagopa_iuv, 'amount_cents': cents, 'description': order.name,
                'debtor': {'name': 'Mario Rossi'}, 'payer': None,
                'transfers': [{'id': str(i), 'amount_cents': c, 'fiscal_code': FISCAL_CODE}
                              for i, c in enumerate(transfers, start=1)],
                'psp_id': PSP, 'psp_name': 'Intesa Sanpaolo', 'psp_channel': PSP + '_01',
                'payment_method': 'creditCard', 'fee_cents': 100,
                'payment_datetime': self.yesterday_noon().isoformat(),
            },
        }, raw=b'<receipt/>')
        self.book_receipts()
        return order.pagopa_receipt_ids.filtered(lambda r: r.name == receipt_id)

    def paid_orders(self, count, amount=None):
        """``count`` orders, each paid by its receipt (R1, R2...)."""
        orders = self.env['munipay.payment.order']
        for number in range(1, count + 1):
            order = self.make_order(amount=amount)
            self.book_receipt(order, 'R%d' % number)
            orders |= order
        return orders

    # ------------------------------------------------------------------ reports

    @staticmethod
    def payment(order, amount, outcome='0', iur=None, index=1, iuv=None):
        receipt = order.pagopa_receipt_ids[:1]
        return (iuv or order.pagopa_iuv, iur or receipt.name, index, '%.2f' % abs(amount), outcome)

    @staticmethod
    def flow_xml(payments, flow_id=FLOW_ID, total=None, count=None, receiver=FISCAL_CODE,
                 flow_time='2026-11-20T10:15:00', regulation=TRN, prefix='pay_i:'):
        """A FlussoRiversamento; the total is paid minus revoked unless given."""
        p = prefix
        if total is None:
            total = '%.2f' % sum(float(a) * (-1 if o == '3' else 1) for _iuv, _iur, _i, a, o in payments)
        items = ''.join(
            '<{p}datiSingoliPagamenti><{p}identificativoUnivocoVersamento>{iuv}</{p}identificativoUnivocoVersamento>'
            '<{p}identificativoUnivocoRiscossione>{iur}</{p}identificativoUnivocoRiscossione>'
            '<{p}indiceDatiSingoloPagamento>{index}</{p}indiceDatiSingoloPagamento>'
            '<{p}singoloImportoPagato>{amount}</{p}singoloImportoPagato>'
            '<{p}codiceEsitoSingoloPagamento>{outcome}</{p}codiceEsitoSingoloPagamento>'
            '<{p}dataEsitoSingoloPagamento>2026-11-19</{p}dataEsitoSingoloPagamento></{p}datiSingoliPagamenti>'
            .format(p=p, iuv=iuv, iur=iur, index=index, amount=amount, outcome=outcome)
            for iuv, iur, index, amount, outcome in payments)
        declaration = 'xmlns:%s="%s"' % (p[:-1], NS) if p else 'xmlns="%s"' % NS
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<{p}FlussoRiversamento {decl}><{p}versioneOggetto>1.0</{p}versioneOggetto>'
            '<{p}identificativoFlusso>{flow}</{p}identificativoFlusso>'
            '<{p}dataOraFlusso>{time}</{p}dataOraFlusso>'
            '<{p}identificativoUnivocoRegolamento>{regulation}</{p}identificativoUnivocoRegolamento>'
            '<{p}dataRegolamento>2026-11-20</{p}dataRegolamento>'
            '<{p}istitutoMittente><{p}identificativoUnivocoMittente><{p}tipoIdentificativoUnivoco>B'
            '</{p}tipoIdentificativoUnivoco><{p}codiceIdentificativoUnivoco>{psp}</{p}codiceIdentificativoUnivoco>'
            '</{p}identificativoUnivocoMittente><{p}denominazioneMittente>Intesa Sanpaolo</{p}denominazioneMittente>'
            '</{p}istitutoMittente><{p}istitutoRicevente><{p}identificativoUnivocoRicevente>'
            '<{p}tipoIdentificativoUnivoco>G</{p}tipoIdentificativoUnivoco>'
            '<{p}codiceIdentificativoUnivoco>{receiver}</{p}codiceIdentificativoUnivoco>'
            '</{p}identificativoUnivocoRicevente></{p}istitutoRicevente>'
            '<{p}numeroTotalePagamenti>{count}</{p}numeroTotalePagamenti>'
            '<{p}importoTotalePagamenti>{total}</{p}importoTotalePagamenti>{items}</{p}FlussoRiversamento>'
        ).format(p=p, decl=declaration, flow=flow_id, time=flow_time, regulation=regulation, psp=PSP,
                 receiver=receiver, count=len(payments) if count is None else count, total=total,
                 items=items).encode()

    def import_xml(self, data, filename='flow.xml'):
        """Upload ``data`` through the import wizard; returns the report."""
        wizard = self.env['munipay.pagopa.fdr.import'].create({
            'file': base64.b64encode(data), 'filename': filename, 'company_id': self.company.id})
        action = wizard.action_import()
        return self.env['munipay.pagopa.fdr'].browse(action['res_id'])

    # ------------------------------------------------------------------ bank

    def bank_line(self, amount, ref, **vals):
        return self.env['account.bank.statement.line'].create({
            'journal_id': self.bank_journal.id, 'date': fields.Date.today(), 'amount': amount,
            'payment_ref': ref, **vals})

    def balance_of(self, account, **domain):
        self.env.flush_all()
        lines = self.env['account.move.line'].search([('account_id', '=', account.id), ('parent_state', '=', 'posted')])
        return round(sum(lines.mapped('balance')), 2)

    def open_transit(self):
        return self.env['account.move.line'].search([('account_id', '=', self.transit.id), ('reconciled', '=', False),
                                                     ('parent_state', '=', 'posted')])

    @staticmethod
    def at(text):
        return datetime.fromisoformat(text)
