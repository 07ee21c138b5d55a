from types import SimpleNamespace
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..controllers import pafornode as controller
from .common import BROKER, FISCAL_CODE, POSTAL_IBAN, STATION, PagopaCommon

IBAN = 'IT60X0542811101000000123456'


@tagged('post_install', '-at_install')
class TestPaForNodePayment(PagopaCommon):
    """paVerifyPaymentNotice and paGetPayment over HTTP: what is due today."""

    def test_zeep_verify_and_get_payment(self):
        order = self.fine_notified(days_ago=1)  # inside the 5-day window: 0.7 × 42 + 13.50
        service, history = self.zeep_service()
        qr = {'fiscalCode': FISCAL_CODE, 'noticeNumber': order.pagopa_notice_number}
        ids = {'idPA': FISCAL_CODE, 'idBrokerPA': BROKER, 'idStation': STATION}
        result = service.paVerifyPaymentNotice(qrCode=qr, **ids)
        self.zeep_answer(history, 'paVerifyPaymentNotice')
        self.assertEqual(result.outcome, 'OK')
        option = result.paymentList.paymentOptionDescription
        self.assertEqual(str(option.amount), '42.90')
        self.assertEqual(option.options, 'EQ')
        self.assertEqual(option.dueDate, order.discount_date)  # the reduced amount holds until then
        self.assertFalse(option.allCCP)
        self.assertEqual(result.fiscalCodePA, FISCAL_CODE)
        self.assertEqual(result.companyName, 'Comune di Prova')
        self.assertIn(order.name, result.paymentDescription)

        result = service.paGetPayment(qrCode=qr, **ids)
        self.zeep_answer(history, 'paGetPayment')
        self.assertEqual(result.outcome, 'OK')
        data = result.data
        self.assertEqual(data.creditorReferenceId, order.pagopa_iuv)
        self.assertEqual(str(data.paymentAmount), '42.90')
        self.assertEqual(data.debtor.uniqueIdentifier.entityUniqueIdentifierType, 'F')
        self.assertEqual(data.debtor.uniqueIdentifier.entityUniqueIdentifierValue, 'RSSMRA70C03H501D')
        self.assertEqual(data.debtor.fullName, 'Mario Rossi')
        self.assertEqual(data.debtor.city, 'Roma')
        transfers = data.transferList.transfer
        self.assertEqual(len(transfers), 1)  # the fine and its costs go to one IBAN with one taxonomy
        self.assertEqual((transfers[0].idTransfer, str(transfers[0].transferAmount), transfers[0].IBAN,
                          transfers[0].fiscalCodePA, transfers[0].transferCategory),
                         (1, '42.90', IBAN, FISCAL_CODE, '9/0101108TS/'))
        # nothing was written by asking
        self.assertEqual(order.state, 'issued')
        self.assertFalse(order.pagopa_receipt_ids)

    def test_amount_due_today(self):
        """Each day asks what the amount rules ask that day (munipay_base's amounts)."""
        for days_ago, amount in ((0, '42.90'), (10, '55.50'), (70, '100.00')):
            order = self.fine_notified(days_ago=days_ago)
            self.assertEqual(order.get_amount_due(), float(amount))
            element = self.verify(order.pagopa_notice_number)
            self.assertEqual(element.findtext('paymentList/paymentOptionDescription/amount'), amount)
            element = self.get_payment(order.pagopa_notice_number)
            self.assertEqual(element.findtext('data/paymentAmount'), amount)
            self.assertEqual(element.findtext('data/transferList/transfer/transferAmount'), amount)
            self.assertGreaterEqual(element.findtext('data/dueDate'), fields.Date.to_string(fields.Date.today()))

    def test_transfers_add_up(self):
        """Lines with other IBANs or taxonomies are other transfers; a discount is taken off the fee,
        never off the costs of another transfer."""
        other_account = self.env['res.partner.bank'].create({
            'acc_number': 'IT36A0301503200000003517230', 'partner_id': self.company.partner_id.id})
        costs = self.env['munipay.fee.type'].create({
            'name': 'Notification costs', 'code': 'NOT', 'product_id': self.product_fee.id, 'amount': 9.35,
            'pagopa_transfer_category': '9/0101109TS/', 'pagopa_bank_account_id': other_account.id})
        order = self.fine_notified(days_ago=2, issue=False)
        order.line_ids = [Command.create({'fee_type_id': costs.id, 'name': 'Notification', 'price_unit': 9.35,
                                           'is_cost': True})]
        order.action_issue()
        element = self.get_payment(order.pagopa_notice_number)
        transfers = element.findall('data/transferList/transfer')
        self.assertEqual([(t.findtext('idTransfer'), t.findtext('transferAmount'), t.findtext('IBAN'),
                           t.findtext('transferCategory')) for t in transfers],
                         [('1', '42.90', IBAN, '9/0101108TS/'),
                          ('2', '9.35', 'IT36A0301503200000003517230', '9/0101109TS/')])
        self.assertEqual(element.findtext('data/paymentAmount'), '52.25')

    def test_postal_transfer_type_gets_the_postal_iban(self):
        order = self.make_order()
        element = self.verify(order.pagopa_notice_number)
        self.assertEqual(element.findtext('paymentList/paymentOptionDescription/allCCP'), 'false')
        self.fee_card.pagopa_postal_bank_account_id = self.postal_account
        element = self.verify(order.pagopa_notice_number)
        self.assertEqual(element.findtext('paymentList/paymentOptionDescription/allCCP'), 'true')
        element = self.get_payment(order.pagopa_notice_number, extra='<transferType>POSTAL</transferType>')
        self.assertEqual(element.findtext('data/transferList/transfer/IBAN'), POSTAL_IBAN)
        element = self.get_payment(order.pagopa_notice_number)
        self.assertEqual(element.findtext('data/transferList/transfer/IBAN'), IBAN)

    def test_other_namespace_styles_and_actions(self):
        order = self.make_order()
        notice = order.pagopa_notice_number
        for style in ('node', 'default'):
            for action in ('paVerifyPaymentNotice', '"paVerifyPaymentNotice"', None):
                element = self.verify(notice, style=style, action=action)
                self.assertEqual(element.findtext('outcome'), 'OK', (style, action))
                self.assertEqual(element.findtext('paymentList/paymentOptionDescription/amount'), '22.21')
        body = ('<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
                '<ns3:paGetPaymentReq xmlns:ns3="http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd">%s%s'
                '</ns3:paGetPaymentReq></S:Body></S:Envelope>' % (self.ids(), self.qr(notice)))
        element = self.answer(self.post(body, "'paGetPayment'"), 'paGetPayment')
        self.assertEqual(element.findtext('data/creditorReferenceId'), order.pagopa_iuv)

    def test_get_payment_v2(self):
        order = self.make_order()
        for style in ('node', 'default'):
            element = self.get_payment(order.pagopa_notice_number, operation='paGetPaymentV2', style=style)
            self.assertEqual(element.findtext('outcome'), 'OK')
            transfer = element.find('data/transferList/transfer')
            self.assertEqual(transfer.findtext('companyName'), 'Comune di Prova')
            self.assertEqual([child.tag for child in transfer],
                             ['idTransfer', 'transferAmount', 'fiscalCodePA', 'companyName', 'IBAN',
                              'remittanceInformation', 'transferCategory'])
            self.assertEqual(element.findtext('data/paymentAmount'), '22.21')

    def test_legal_person_debtor(self):
        company_payer = self.env['res.partner'].create({'name': 'Rossi S.r.l.', 'is_company': True,
                                                        'vat': 'IT00488410010'})
        order = self.make_order(partner=company_payer)
        element = self.get_payment(order.pagopa_notice_number)
        self.assertEqual(element.findtext('data/debtor/uniqueIdentifier/entityUniqueIdentifierType'), 'G')
        self.assertEqual(element.findtext('data/debtor/uniqueIdentifier/entityUniqueIdentifierValue'), '00488410010')

    def test_verify_is_read_only(self):
        """Verify is served from a read-only cursor (a replica when configured); GetPayment is not."""
        order = self.make_order()
        for action, readonly in (('paVerifyPaymentNotice', True), ('"paVerifyPaymentNotice"', True),
                                 ('paGetPayment', False), ('paSendRT', False), (None, False)):
            fake = SimpleNamespace(httprequest=SimpleNamespace(headers={'SOAPAction': action} if action else {}))
            with patch.object(controller, 'request', fake):
                self.assertEqual(controller._readonly(None), readonly, action)
        # the test server emulates the read-only cursor: a write would be retried with a warning
        with self.assertNoLogs('odoo.http', 'WARNING'):
            element = self.verify(order.pagopa_notice_number)
        self.assertEqual(element.findtext('outcome'), 'OK')
        # (as a Verify that wrote shows)
        original = type(order)._pagopa_verify_payload

        def writing(record):
            record.env.cr.execute("UPDATE res_company SET write_date = write_date WHERE id = %s",
                                  [record.company_id.id])
            return original(record)
        with patch.object(type(order), '_pagopa_verify_payload', writing), mute_logger('odoo.sql_db'), \
                self.assertLogs('odoo.http', 'WARNING') as logs:
            element = self.verify(order.pagopa_notice_number)
        self.assertIn('read/write cursor', logs.output[0])
        self.assertEqual(element.findtext('outcome'), 'OK', element.findtext('fault/description'))
