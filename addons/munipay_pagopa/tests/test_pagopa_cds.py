import psycopg2

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import BROKER, FISCAL_CODE, STATION, PagopaCommon


@tagged('post_install', '-at_install')
class TestPagopaTrafficFine(PagopaCommon):
    """A traffic fine (Codice della Strada) has two notice numbers; the pagoPA node asks
    for either over paForNode (HTTP), and a bank transfer may name either."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_fine.pagopa_cds = True

    def reduced_receipt(self, order, receipt_id, amount, iuv=None):
        """paSendRT for the reduced notice number (by default with its IUV)."""
        inner = self.receipt_xml(order, receipt_id, amount, iuv=iuv or order.pagopa_reduced_iuv).replace(
            '<noticeNumber>%s</noticeNumber>' % order.pagopa_notice_number,
            '<noticeNumber>%s</noticeNumber>' % order.pagopa_reduced_notice_number)
        element = self.answer(self.post(self.envelope('paSendRT', inner), 'paSendRT'), 'paSendRT')
        self.book_receipts()
        return element

    def test_two_numbers_from_the_creditor_sequence(self):
        order = self.fine_notified()
        full, reduced = order.pagopa_notice_number, order.pagopa_reduced_notice_number
        self.assertRegex(reduced, r'^301\d{15}$')
        self.assertEqual(reduced[16:], '%02d' % (int(reduced[:16]) % 93))
        self.assertEqual(order.pagopa_reduced_iuv, reduced[1:])
        self.assertEqual(int(reduced[3:16]), int(full[3:16]) + 1)  # taken right after the order's own number
        next_order = self.make_order()
        self.assertEqual(int(next_order.pagopa_notice_number[3:16]), int(reduced[3:16]) + 1)
        self.assertFalse(next_order.pagopa_reduced_notice_number)  # not a traffic fine: one number
        other = self.fine_notified()
        with mute_logger('odoo.sql_db'), self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute("UPDATE munipay_payment_order SET pagopa_reduced_iuv = %s WHERE id = %s",
                                [order.pagopa_reduced_iuv, other.id])

    def test_within_5_days_both_numbers_ask_the_reduced_amount(self):
        order = self.fine_notified(days_ago=2)
        last_day = order._pagopa_reduced_last_day()
        for notice in (order.pagopa_reduced_notice_number, order.pagopa_notice_number):
            element = self.verify(notice)
            self.assertEqual(element.findtext('outcome'), 'OK')
            self.assertEqual(element.findtext('paymentList/paymentOptionDescription/amount'), '42.90')
            self.assertEqual(element.findtext('paymentList/paymentOptionDescription/dueDate'),
                             fields.Date.to_string(last_day))
        # zeep, from the official WSDL, for the reduced number
        service, history = self.zeep_service()
        result = service.paGetPayment(
            qrCode={'fiscalCode': FISCAL_CODE, 'noticeNumber': order.pagopa_reduced_notice_number},
            idPA=FISCAL_CODE, idBrokerPA=BROKER, idStation=STATION)
        self.zeep_answer(history, 'paGetPayment')
        self.assertEqual(result.outcome, 'OK')
        self.assertEqual(result.data.creditorReferenceId, order.pagopa_reduced_iuv)
        self.assertEqual(str(result.data.paymentAmount), '42.90')
        element = self.get_payment(order.pagopa_notice_number, style='default')
        self.assertEqual(element.findtext('data/creditorReferenceId'), order.pagopa_iuv)

        # the citizen pays the reduced notice: booked on the transit account, the fine settled in full
        element = self.reduced_receipt(order, 'RCPT-CDS-1', '42.90')
        self.assertEqual(element.findtext('outcome'), 'OK', element.findtext('fault/description'))
        self.assertEqual(order.state, 'paid')
        receipt = order.pagopa_receipt_ids
        self.assertEqual((receipt.notice_number, receipt.iuv, receipt.amount, receipt.state),
                         (order.pagopa_reduced_notice_number, order.pagopa_reduced_iuv, 42.9, 'booked'))
        transit = self.transit_lines()
        self.assertEqual(sum(transit.mapped('debit')), 42.9)
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertBalanced()
        # the other number of a paid fine
        self.assertFault(self.verify(order.pagopa_notice_number), 'PAA_PAGAMENTO_DUPLICATO')
        self.assertFault(self.reduced_receipt(order, 'RCPT-CDS-1', '42.90'), 'PAA_RECEIPT_DUPLICATA')

    def test_after_5_days_the_reduced_number_has_expired(self):
        order = self.fine_notified(days_ago=10)
        element = self.verify(order.pagopa_reduced_notice_number)
        self.assertFault(element, 'PAA_PAGAMENTO_SCADUTO')
        self.assertFault(self.get_payment(order.pagopa_reduced_notice_number, operation='paGetPaymentV2'),
                         'PAA_PAGAMENTO_SCADUTO')
        # the node then takes the order's own number: the full amount
        element = self.verify(order.pagopa_notice_number)
        self.assertEqual(element.findtext('paymentList/paymentOptionDescription/amount'), '55.50')
        element = self.get_payment(order.pagopa_notice_number)
        self.assertEqual((element.findtext('data/creditorReferenceId'), element.findtext('data/paymentAmount')),
                         (order.pagopa_iuv, '55.50'))
        self.assertEqual(order.state, 'issued')

    def test_a_late_receipt_of_the_reduced_number_is_still_booked(self):
        """A payment made in time (stand-in, a slow PSP) may be reported later: the money
        has moved, so the receipt is booked, judged on its payment date."""
        order = self.fine_notified(days_ago=10)
        paid_at = fields.Datetime.to_datetime(fields.Date.to_string(order._pagopa_reduced_last_day())) \
            .replace(hour=10)
        inner = self.receipt_xml(order, 'RCPT-CDS-LATE', '42.90', paid_at=paid_at, iuv=order.pagopa_reduced_iuv) \
            .replace(order.pagopa_notice_number, order.pagopa_reduced_notice_number)
        element = self.answer(self.post(self.envelope('paSendRT', inner), 'paSendRT'), 'paSendRT')
        self.assertEqual(element.findtext('outcome'), 'OK', element.findtext('fault/description'))
        self.book_receipts()
        self.assertEqual(order.state, 'paid')
        self.assertEqual(sum(self.transit_lines().mapped('debit')), 42.9)

    def test_receipt_with_the_iuv_of_the_other_number(self):
        order = self.fine_notified(days_ago=1)
        element = self.reduced_receipt(order, 'RCPT-CDS-2', '42.90', iuv=order.pagopa_iuv)
        self.assertFault(element, 'PAA_SEMANTICA')
        self.assertFalse(order.pagopa_receipt_ids)
        self.assertFalse(self.transit_lines())

    def test_unknown_numbers_stay_unknown(self):
        order = self.fine_notified()
        bad_check = order.pagopa_reduced_notice_number[:16] + '%02d' % ((int(order.pagopa_reduced_notice_number[16:])
                                                                         + 1) % 93)
        self.assertFault(self.verify(bad_check), 'PAA_PAGAMENTO_SCONOSCIUTO')
        order.action_cancel("Cancelled on appeal")
        self.assertFault(self.verify(order.pagopa_reduced_notice_number), 'PAA_PAGAMENTO_ANNULLATO')

    def test_bank_transfer_naming_the_reduced_number(self):
        if 'munipay_match_state' not in self.env['account.bank.statement.line']._fields:
            self.skipTest("munipay_bank (statement matching) is not installed")
        order = self.fine_notified(days_ago=1)
        twin = self.fine_notified(days_ago=1)  # same payer, same amount: only the number tells them apart
        self.company.munipay_bank_auto_match = True
        statement_line = self.env['account.bank.statement.line'].create({
            'journal_id': self.bank_journal.id, 'date': fields.Date.today(), 'amount': 42.9,
            'payment_ref': 'Pagamento multa avviso %s' % order.pagopa_reduced_notice_display,
            'partner_name': 'Mario Rossi'})
        self.assertEqual((statement_line.munipay_match_state, statement_line.munipay_order_id),
                         ('order', order))
        self.assertEqual((order.state, twin.state), ('paid', 'issued'))
        liquidity, _suspense, counterpart = statement_line._seek_for_lines()
        self.assertEqual((liquidity.account_id, liquidity.debit), (self.bank_journal.default_account_id, 42.9))
        self.assertEqual((counterpart.account_id, counterpart.partner_id, counterpart.credit),
                         (order.receivable_line_id.account_id, self.payer, 42.9))
        # the discount of the reduced payment settles the rest (55.50 - 42.90)
        settled_by = order.receivable_line_id.matched_credit_ids.credit_move_id
        self.assertIn(counterpart, settled_by)
        self.assertAlmostEqual(sum((settled_by - counterpart).mapped('credit')), 12.6)
        self.assertTrue(order.receivable_line_id.reconciled)
        self.assertBalanced()
