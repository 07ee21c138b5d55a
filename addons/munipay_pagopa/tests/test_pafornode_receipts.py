from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import BROKER, FISCAL_CODE, STATION, PagopaCommon


@tagged('post_install', '-at_install')
class TestPaForNodeReceipts(PagopaCommon):
    """paSendRT / paSendRTV2: the receipt is stored once and booked on the pagoPA transit account."""

    def assertBookedOnTransit(self, receipt, amount, date):
        """The receipt's money is on the pagoPA transit account, dated the day it was paid."""
        entries = receipt.move_ids
        self.assertTrue(entries)
        self.assertEqual(entries.journal_id, self.company.munipay_pagopa_journal_id)
        self.assertEqual(set(entries.mapped('date')), {date})
        self.assertEqual(set(entries.mapped('munipay_payment_channel')), {'pagopa'})
        transit = self.receipt_items(receipt, self.company.munipay_pagopa_transit_account_id)
        self.assertTrue(transit)
        self.assertAlmostEqual(sum(transit.mapped('debit')), amount)
        self.assertFalse(sum(transit.mapped('credit')))
        self.assertEqual(transit.account_id.code[:3], 'MPP')
        self.assertTrue(transit.account_id.reconcile)  # the settlement report will clear it
        return entries

    def test_receipt_books_and_pays_the_order(self):
        order = self.make_order()
        paid_at = self.yesterday_noon()
        element, body = self.send_rt(order, 'c110729d258c4ab1b765fe902aae41d6', '22.21', paid_at=paid_at)
        self.assertEqual(element.findtext('outcome'), 'OK')
        self.assertIsNone(element.find('fault'))
        self.book_receipts()
        receipt = order.pagopa_receipt_ids
        self.assertEqual(len(receipt), 1)
        self.assertEqual((receipt.name, receipt.state, receipt.amount, receipt.fee, receipt.psp_name, receipt.version),
                         ('c110729d258c4ab1b765fe902aae41d6', 'booked', 22.21, 1.0, 'Intesa Sanpaolo', 'v1'))
        self.assertEqual(receipt.payment_date, paid_at.date())
        self.assertEqual(receipt.attachment_id.raw, body.encode())
        self.assertEqual(receipt.attachment_id.res_id, receipt.id)
        self.assertBookedOnTransit(receipt, 22.21, paid_at.date())
        # the receipt's receivable item is reconciled with the order's own
        receivable = self.receipt_items(receipt).filtered(lambda l: l.account_id.account_type == 'asset_receivable')
        self.assertTrue(receivable.reconciled)
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertEqual(receivable.full_reconcile_id, order.receivable_line_id.full_reconcile_id)
        self.assertEqual((order.state, order.date_paid, order.amount_residual), ('paid', paid_at.date(), 0.0))
        self.assertEqual(order.receipt_ids.channel, 'pagopa')
        self.assertFalse(order.needs_refund)
        self.assertBalanced()

    def test_same_receipt_twice_books_once(self):
        order = self.make_order()
        self.send_rt(order, 'r-1', '22.21')
        self.book_receipts()
        lines = self.env['account.move.line'].search_count([])
        for style in ('node', 'default'):
            element, _body = self.send_rt(order, 'r-1', '22.21', style=style)
            self.assertFault(element, 'PAA_RECEIPT_DUPLICATA')
        self.assertFalse(self.book_receipts())
        self.assertEqual(self.env['account.move.line'].search_count([]), lines)
        self.assertEqual(len(order.pagopa_receipt_ids), 1)
        # a copy already claimed (by a concurrent request) is not claimed again
        self.assertIsNone(self.env['munipay.pagopa.receipt']._pagopa_claim(self.company, {
            'receipt_id': 'r-1', 'fiscal_code': FISCAL_CODE, 'notice_number': order.pagopa_notice_number}))

    def test_discount_window_on_the_payment_date(self):
        """Paid inside the 5-day window: the reduced amount settles the order in full."""
        order = self.fine_notified(days_ago=3)
        paid_at = (fields.Datetime.now() - timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
        element, _body = self.send_rt(order, 'r-discount', '42.90', paid_at=paid_at)
        self.assertEqual(element.findtext('outcome'), 'OK')
        self.book_receipts()
        self.assertBookedOnTransit(order.pagopa_receipt_ids, 42.90, paid_at.date())
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.amount_paid, 42.90)
        self.assertAlmostEqual(order.amount_written_off, 12.60)  # 55.50 − 42.90, the discount
        self.assertTrue(all(line.reconciled for line in order.ledger_line_ids))
        self.assertBalanced()

    def test_receipt_for_an_order_that_cannot_take_it_is_a_credit(self):
        """The money has moved: a receipt for a paid, cancelled or expired order is booked
        as a credit on the payer, flagged to refund."""
        paid = self.make_order()
        self.send_rt(paid, 'r-first', '22.21')
        self.book_receipts()
        cancelled = self.make_order()
        cancelled.action_cancel("Issued twice")
        expired = self.make_order()
        expired._munipay_cancel("Due date passed", state='expired')
        for order, receipt_id in ((paid, 'r-second'), (cancelled, 'r-cancelled'), (expired, 'r-expired')):
            state = order.state
            element, _body = self.send_rt(order, receipt_id, '22.21')
            self.assertEqual(element.findtext('outcome'), 'OK')
            self.book_receipts()
            receipt = order.pagopa_receipt_ids.filtered(lambda r: r.name == receipt_id)
            self.assertEqual(receipt.state, 'credit')
            self.assertBookedOnTransit(receipt, 22.21, fields.Date.today())
            self.assertEqual(order.state, state)
            self.assertTrue(order.needs_refund)
            credit = self.receipt_items(receipt).filtered(lambda l: l.account_id.account_type == 'asset_receivable')
            self.assertIn(credit, order.refund_line_ids)
            self.assertFalse(credit.reconciled)
            self.assertAlmostEqual(credit.credit, 22.21)
        self.assertAlmostEqual(sum(self.transit_lines().mapped('debit')), 4 * 22.21)
        self.assertBalanced()

    def test_more_than_due_pays_and_keeps_the_rest_to_refund(self):
        order = self.make_order()
        element, _body = self.send_rt(order, 'r-over', '25.00')
        self.assertEqual(element.findtext('outcome'), 'OK')
        self.book_receipts()
        self.assertBookedOnTransit(order.pagopa_receipt_ids, 25.0, fields.Date.today())
        self.assertEqual(order.state, 'paid')
        self.assertTrue(order.needs_refund)
        self.assertAlmostEqual(-sum(order.refund_line_ids.mapped('amount_residual')), 2.79)
        self.assertBalanced()

    def test_less_than_due_leaves_the_rest_open(self):
        order = self.make_order()
        self.send_rt(order, 'r-under', '20.00')
        self.book_receipts()
        self.assertEqual(order.state, 'issued')
        self.assertAlmostEqual(order.amount_residual, 2.21)
        self.assertEqual(self.verify(order.pagopa_notice_number).findtext(
            'paymentList/paymentOptionDescription/amount'), '2.21')
        self.assertBalanced()

    def test_joint_debtor_cancelled(self):
        order_a, order_b = self.joint_pair()
        self.assertTrue(order_b.pagopa_notice_number)
        self.send_rt(order_a, 'r-joint', '22.21')
        self.book_receipts()
        self.assertEqual(order_a.state, 'paid')
        self.assertEqual(order_b.state, 'cancelled')
        self.assertEqual(order_b.joint_cancelled_by_id, order_a)
        self.assertFault(self.verify(order_b.pagopa_notice_number), 'PAA_PAGAMENTO_ANNULLATO')
        self.assertBalanced()

    def test_send_rt_v2_default_namespaces(self):
        order = self.make_order()
        element, _body = self.send_rt(order, 'r-v2', '22.21', operation='paSendRTV2', style='default')
        self.assertEqual(element.findtext('outcome'), 'OK')
        self.book_receipts()
        self.assertEqual(order.pagopa_receipt_ids.version, 'v2')
        self.assertBookedOnTransit(order.pagopa_receipt_ids, 22.21, fields.Date.today())
        self.assertEqual(order.state, 'paid')

    def test_ko_receipt_is_kept_not_booked(self):
        order = self.make_order()
        element, _body = self.send_rt(order, 'r-ko', '22.21', outcome='KO')
        self.assertEqual(element.findtext('outcome'), 'OK')
        self.book_receipts()
        self.assertEqual(order.pagopa_receipt_ids.state, 'not_booked')
        self.assertFalse(order.pagopa_receipt_ids.move_ids)
        self.assertEqual(order.state, 'issued')

    def test_receipt_for_an_unknown_notice(self):
        order = self.make_order()
        body = self.envelope('paSendRT', self.receipt_xml(order, 'r-x', '22.21').replace(
            order.pagopa_notice_number, '301000000099999990'))
        element = self.answer(self.post(body, 'paSendRT'), 'paSendRT')
        self.assertFault(element, 'PAA_PAGAMENTO_SCONOSCIUTO')
        self.assertFalse(self.env['munipay.pagopa.receipt'].search([('name', '=', 'r-x')]))

    def test_zeep_send_rt(self):
        order = self.make_order()
        service, history = self.zeep_service()
        subject = {'uniqueIdentifier': {'entityUniqueIdentifierType': 'F',
                                        'entityUniqueIdentifierValue': 'RSSMRA70C03H501D'},
                   'fullName': 'Mario Rossi'}
        receipt = {
            'receiptId': 'zeep-1', 'noticeNumber': order.pagopa_notice_number, 'fiscalCode': FISCAL_CODE,
            'outcome': 'OK', 'creditorReferenceId': order.pagopa_iuv, 'paymentAmount': '22.21',
            'description': order.name, 'companyName': 'Comune di Prova', 'debtor': subject,
            'transferList': {'transfer': [{
                'idTransfer': 1, 'transferAmount': '22.21', 'fiscalCodePA': FISCAL_CODE,
                'IBAN': 'IT60X0542811101000000123456', 'remittanceInformation': order.name,
                'transferCategory': '9/0101108TS/'}]},
            'idPSP': 'BPPIITRRXXX', 'PSPCompanyName': 'Poste Italiane', 'idChannel': 'BPPIITRRXXX_01',
            'channelDescription': 'sportello', 'payer': subject, 'paymentDateTime': self.yesterday_noon(),
        }
        result = service.paSendRT(idPA=FISCAL_CODE, idBrokerPA=BROKER, idStation=STATION, receipt=receipt)
        self.zeep_answer(history, 'paSendRT')
        self.assertEqual(result.outcome, 'OK')
        self.book_receipts()
        self.assertEqual(order.state, 'paid')
        self.assertEqual(order.pagopa_receipt_ids.psp_name, 'Poste Italiane')
        self.assertEqual(order.pagopa_receipt_ids.payer_name, 'Mario Rossi')
        result = service.paSendRT(idPA=FISCAL_CODE, idBrokerPA=BROKER, idStation=STATION, receipt=receipt)
        self.zeep_answer(history, 'paSendRT')
        self.assertEqual(result.fault.faultCode, 'PAA_RECEIPT_DUPLICATA')
