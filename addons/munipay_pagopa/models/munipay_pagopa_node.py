import logging

from odoo import api, models
from odoo.exceptions import UserError, ValidationError

from ..lib import notice_numbers
from ..lib.pafornode import PaFault

_logger = logging.getLogger(__name__)

# What Verify and GetPayment read, fetched up front: reading one field otherwise
# fetches every column of its model (res.company, res.partner and journal items have
# a hundred or more), which costs more than the rest of the answer. A field missing
# here is still read, in a fetch of its own.
ANSWER_FIELDS = {
    'res.company': ['name', 'munipay_creditor_fiscal_code', 'munipay_pagopa_broker_id', 'munipay_pagopa_station_id',
                    'munipay_bank_account_id', 'resource_calendar_id', 'partner_id', 'currency_id'],
    'munipay.payment.order': ['name', 'state', 'company_id', 'currency_id', 'partner_id', 'fee_type_id', 'origin',
                              'amount_total', 'amount_residual', 'date_issue', 'date_notified', 'date_due',
                              'pagopa_iuv', 'pagopa_fiscal_code', 'joint_group', 'line_ids', 'ledger_line_ids'],
    'munipay.payment.order.line': ['order_id', 'sequence', 'name', 'amount', 'fee_type_id', 'is_cost'],
    'account.move.line': ['balance', 'amount_residual', 'munipay_order_id', 'munipay_surcharge', 'reconciled',
                          'parent_state'],
    'munipay.fee.type': ['name', 'company_id', 'qr_standard', 'category', 'amount_rule_ids', 'pagopa_transfer_category',
                         'pagopa_bank_account_id', 'pagopa_postal_bank_account_id'],
    'res.partner.bank': ['acc_number', 'sanitized_acc_number', 'partner_id', 'company_id'],
    'res.partner': ['name', 'is_company', 'commercial_partner_id', 'vat', 'munipay_national_id', 'street', 'zip',
                    'city', 'state_id', 'country_id', 'email'],
}

STATE_FAULTS = {
    'draft': 'PAA_PAGAMENTO_SCONOSCIUTO',
    'paid': 'PAA_PAGAMENTO_DUPLICATO',
    'cancelled': 'PAA_PAGAMENTO_ANNULLATO',
    'expired': 'PAA_PAGAMENTO_SCADUTO',
}


class MunipayPagopaNode(models.AbstractModel):
    """What munipay answers the pagoPA node (paForNode). Called by the controller as
    superuser, after the node's identifiers were checked here; every method returns
    the payload of an OK answer or raises :class:`PaFault`."""
    _name = 'munipay.pagopa.node'
    _description = "pagoPA node requests"

    @api.model
    def _pagopa_creditor(self, data):
        """The companies the request is addressed to (idPA, idBrokerPA, idStation),
        or the fault pagoPA's own creditor implementation gives."""
        companies = self.env['res.company'].sudo().search_fetch([
            ('munipay_creditor_fiscal_code', '=', data['id_pa']), ('munipay_pagopa_broker_id', '!=', False)],
            ANSWER_FIELDS['res.company'])
        if not companies:
            raise PaFault('PAA_ID_DOMINIO_ERRATO', "idPA %s is not a creditor served here" % data['id_pa'])
        companies = companies.filtered(lambda c: c.munipay_pagopa_broker_id == data['id_broker'])
        if not companies:
            raise PaFault('PAA_ID_INTERMEDIARIO_ERRATO', "idBrokerPA %s is not the broker of %s"
                          % (data['id_broker'], data['id_pa']))
        companies = companies.filtered(lambda c: c.munipay_pagopa_station_id == data['id_station'])
        if not companies:
            raise PaFault('PAA_STAZIONE_INT_ERRATA', "idStation %s is not a station of %s"
                          % (data['id_station'], data['id_pa']))
        return companies

    @api.model
    def _pagopa_answer_fields(self):
        return ANSWER_FIELDS

    @api.model
    def _pagopa_broker_id(self, data):
        """The ``id`` of a fault bean: the broker's, as known here."""
        Company = self.env['res.company'].sudo()
        configured = Company.search([('munipay_pagopa_broker_id', '!=', False)])
        company = configured.filtered(lambda c: c.munipay_creditor_fiscal_code == data.get('id_pa'))[:1] \
            or configured.filtered(lambda c: c.munipay_pagopa_broker_id == data.get('id_broker'))[:1]
        brokers = set(company.mapped('munipay_pagopa_broker_id') or configured.mapped('munipay_pagopa_broker_id'))
        return brokers.pop() if len(brokers) == 1 else 'munipay'

    @api.model
    def _pagopa_order(self, companies, fiscal_code, notice_number, check_state=True):
        if fiscal_code not in companies.mapped('munipay_creditor_fiscal_code'):
            raise PaFault('PAA_ID_DOMINIO_ERRATO', "fiscal code %s is not the creditor %s"
                          % (fiscal_code, companies[:1].munipay_creditor_fiscal_code))
        try:
            notice_numbers.parse_notice_number(notice_number)
        except notice_numbers.NoticeNumberError as error:
            raise PaFault('PAA_PAGAMENTO_SCONOSCIUTO', str(error)) from None
        order, pending = self._pagopa_find_order(companies, fiscal_code, notice_number)
        if not order:
            raise PaFault('PAA_PAGAMENTO_SCONOSCIUTO', "no payment position with notice number %s" % notice_number)
        if check_state:
            order._pagopa_prefetch_answer()
            if order.state in STATE_FAULTS:
                raise PaFault(STATE_FAULTS[order.state], "notice %s: the order is %s" % (notice_number, order.state))
            if pending:
                # acknowledged to the node, not yet booked by the job: paid as far as pagoPA is concerned
                raise PaFault('PAA_PAGAMENTO_DUPLICATO', "notice %s: a receipt is being booked" % notice_number)
            if order.currency_id.is_zero(order.get_amount_open(order._munipay_today())):
                raise PaFault('PAA_PAGAMENTO_DUPLICATO', "notice %s: nothing is left to pay" % notice_number)
        return order.with_company(order.company_id)

    @api.model
    def _pagopa_find_order(self, companies, fiscal_code, notice_number):
        """(order, pending) in one indexed lookup: the order of the notice, and whether
        a paid receipt of it (or of a joint debtor's order) is stored but not booked yet."""
        self.env['munipay.payment.order'].flush_model(['pagopa_fiscal_code', 'pagopa_notice_number', 'joint_group'])
        self.env['munipay.pagopa.receipt'].flush_model(['order_id', 'state', 'outcome'])
        self.env.cr.execute("""
            SELECT o.id,
                   EXISTS (SELECT 1 FROM munipay_pagopa_receipt r
                            WHERE r.order_id = o.id AND r.state = 'received' AND r.outcome = 'OK')
                   OR (o.joint_group IS NOT NULL AND EXISTS (
                       SELECT 1 FROM munipay_payment_order j
                         JOIN munipay_pagopa_receipt r ON r.order_id = j.id
                        WHERE j.joint_group IS NOT NULL AND j.joint_group = o.joint_group
                          AND r.state = 'received' AND r.outcome = 'OK'))
              FROM munipay_payment_order o
             WHERE o.pagopa_fiscal_code = %s AND o.pagopa_notice_number = %s AND o.company_id IN %s
             LIMIT 1
        """, [fiscal_code, notice_number, tuple(companies.ids)])
        row = self.env.cr.fetchone()
        Order = self.env['munipay.payment.order'].sudo()
        return (Order.browse(row[0]), row[1]) if row else (Order, False)

    @api.model
    def _pagopa_answer(self, data, raw=None):
        """The payload of the OK answer to the request ``data`` (see pafornode.read_request)."""
        operation = data['operation']
        companies = self._pagopa_creditor(data)
        try:
            if operation == 'paVerifyPaymentNotice':
                order = self._pagopa_order(companies, data['fiscal_code'], data['notice_number'])
                return order._pagopa_verify_payload()
            if operation in ('paGetPayment', 'paGetPaymentV2'):
                order = self._pagopa_order(companies, data['fiscal_code'], data['notice_number'])
                return order._pagopa_payment_payload(postal=data.get('transfer_type') == 'POSTAL')
            return self._pagopa_receive(companies, data, raw, 'v2' if operation == 'paSendRTV2' else 'v1')
        except (UserError, ValidationError) as error:
            # a setting missing, an order locked by another channel: the node asks again later
            _logger.warning("pagoPA %s could not be answered: %s", operation, error)
            raise PaFault('PAA_SYSTEM_ERROR', str(error)) from None

    @api.model
    def _pagopa_receive(self, companies, data, raw, version):
        """paSendRT: check the receipt and store it once, XML included; the node is
        answered OK once the request's transaction is committed (Odoo commits it
        before the answer leaves). The booking job puts it on the ledger."""
        receipt = data['receipt']
        # the node gives up after 15 s: never queue behind another transaction for longer than this
        # (a lock not obtained in time makes Odoo run the request again, then the node retries)
        # and acknowledged means on disk, whatever the server's default for other transactions
        self.env.cr.execute("SET LOCAL lock_timeout = '5s'; SET LOCAL synchronous_commit = 'on'")
        order = self._pagopa_order(companies, receipt['fiscal_code'], receipt['notice_number'], check_state=False)
        order.fetch(['pagopa_iuv', 'company_id'])
        Receipt = self.env['munipay.pagopa.receipt'].sudo()
        duplicate = [('fiscal_code', '=', receipt['fiscal_code']), ('notice_number', '=', receipt['notice_number']),
                     ('name', '=', receipt['receipt_id'])]
        if Receipt.search_count(duplicate, limit=1):
            raise PaFault('PAA_RECEIPT_DUPLICATA', "receipt %s was already received" % receipt['receipt_id'])
        if receipt['iuv'] != order._pagopa_iuv_for(receipt['notice_number']):
            raise PaFault('PAA_SEMANTICA', "creditorReferenceId %s is not the IUV %s of notice %s"
                          % (receipt['iuv'], order._pagopa_iuv_for(receipt['notice_number']),
                             receipt['notice_number']))
        if receipt['outcome'] == 'OK':
            if receipt['amount_cents'] <= 0:
                raise PaFault('PAA_SEMANTICA', "a paid receipt has a positive paymentAmount")
            if sum(t['amount_cents'] for t in receipt['transfers']) != receipt['amount_cents']:
                raise PaFault('PAA_SEMANTICA', "the transfers do not add up to paymentAmount")
        stored = Receipt._pagopa_claim(order.company_id, receipt)
        if stored is None:
            raise PaFault('PAA_RECEIPT_DUPLICATA', "receipt %s was already received" % receipt['receipt_id'])
        stored._pagopa_store(dict(receipt, standin=data.get('standin')), raw, version, order)
        Receipt._pagopa_trigger_booking()
        return {}
