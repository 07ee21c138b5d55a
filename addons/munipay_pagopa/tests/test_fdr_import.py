from odoo.exceptions import UserError
from odoo.tests import tagged

from .fdr_common import FLOW_ID, PSP, TRN, FdrCommon


@tagged('post_install', '-at_install')
class TestFdrImport(FdrCommon):
    """Uploaded settlement reports: validated, matched to the stored receipts, never imported twice."""

    def counts(self):
        return (self.env['munipay.pagopa.fdr'].search_count([]), self.env['munipay.pagopa.fdr.line'].search_count([]),
                self.env['account.move.line'].search_count([]), self.env['ir.attachment'].search_count([]))

    def test_report_matches_receipts_and_books_nothing(self):
        orders = self.paid_orders(3)
        items = self.counts()[2]
        receivable = self.balance_of(self.receivable)
        data = self.flow_xml([self.payment(order, 22.21) for order in orders])
        report = self.import_xml(data)
        self.assertRecordValues(report, [{
            'name': FLOW_ID, 'revision': 1, 'psp_id': PSP, 'psp_name': 'Intesa Sanpaolo', 'regulation': TRN,
            'payment_count': 3, 'amount_total': 66.63, 'amount_settled': 66.63, 'amount_matched': 66.63,
            'difference_count': 0, 'state': 'matched', 'source': 'xml', 'version': '1.0.5',
            'statement_line_id': False}])
        self.assertEqual(str(report.regulation_date), '2026-11-20')
        self.assertEqual(report.attachment_id.raw, data)
        self.assertRecordValues(report.line_ids, [
            {'iuv': order.pagopa_iuv, 'iur': order.pagopa_receipt_ids.name, 'transfer_index': 1, 'amount': 22.21,
             'outcome': '0', 'state': 'paid', 'receipt_id': order.pagopa_receipt_ids.id, 'order_id': order.id,
             'note': False} for order in orders])
        self.assertEqual(set(orders.pagopa_receipt_ids.mapped('settlement_state')), {'reported'})
        self.assertEqual(orders[0].pagopa_fdr_line_ids, report.line_ids[0])
        # a paid payment is confirmed: nothing is booked until the bank's credit
        self.assertEqual(self.counts()[2], items)
        self.assertEqual(self.balance_of(self.receivable), receivable)
        self.assertEqual(self.balance_of(self.transit), 66.63)
        self.assertFalse(report.activity_ids)

    def test_any_namespace_style(self):
        orders = self.paid_orders(2)
        for number, prefix in enumerate(('', 'x:'), start=1):
            report = self.import_xml(self.flow_xml([self.payment(orders[number - 1], 22.21)], prefix=prefix,
                                                   flow_id='F-%d' % number))
            self.assertEqual((report.state, report.line_ids.order_id), ('matched', orders[number - 1]))

    def test_bad_files_are_refused_and_nothing_is_written(self):
        order = self.paid_orders(1)
        good = self.flow_xml([self.payment(order, 22.21)])
        before = self.counts()
        cases = {
            b'<FlussoRiversamento': 'not well-formed',
            good.replace(b'http://www.digitpa.gov.it/schemas/2011/Pagamenti/', b'urn:other'): 'root element',
            good.replace(b'<pay_i:singoloImportoPagato>22.21', b'<pay_i:singoloImportoPagato>22.215')
            .replace(b'>22.21<', b'>22.215<'): 'not a valid FlussoRiversamento',
            good.replace(b'<?xml version="1.0" encoding="UTF-8"?>',
                         b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'):
                'document type',
            self.flow_xml([self.payment(order, 22.21)], total='30.00'): 'announces 1 payments totalling 30.00',
            self.flow_xml([self.payment(order, 22.21)], count=2): 'announces 2 payments',
            self.flow_xml([self.payment(order, 22.21)], receiver='00940120546'):
                'for the creditor 00940120546, not for Comune di Prova',
        }
        for data, message in cases.items():
            with self.subTest(message=message), self.raises(UserError, message):
                self.import_xml(data)
        self.assertEqual(self.counts(), before)

    def test_same_report_twice_imports_nothing(self):
        order = self.paid_orders(1)
        data = self.flow_xml([self.payment(order, 22.21)])
        report = self.import_xml(data)
        before = self.counts()
        with self.raises(UserError, 'already imported'):
            self.import_xml(data)
        self.assertEqual(self.counts(), before)
        self.assertEqual(report.state, 'matched')
        # the FdR service's copy of it (its revision) is skipped by the scheduled reading
        flow = self.env['munipay.pagopa.fdr']._pagopa_parse_xml(data)
        self.assertFalse(self.env['munipay.pagopa.fdr']._pagopa_import(self.company, flow, skip_known=True))

    def test_payments_without_receipt_are_differences_for_an_officer(self):
        orders = self.paid_orders(2)
        late = self.make_order()
        payments = [self.payment(orders[0], 22.21), self.payment(orders[1], 20.00),
                    self.payment(late, 22.21, iur='LATE-1'), ('01999999999999999', 'X-1', 1, '5.00', '0')]
        report = self.import_xml(self.flow_xml(payments))
        self.assertEqual((report.state, report.difference_count, report.amount_matched, report.amount_settled),
                         ('difference', 3, 22.21, 69.42))
        self.assertEqual(report.line_ids.mapped('state'), ['paid', 'difference', 'difference', 'difference'])
        self.assertEqual(report.line_ids[1].note, "The report has 20.00 for this receipt of 22.21.")
        self.assertEqual(report.line_ids[2].note, "No receipt with this IUV and receipt id was received.")
        self.assertEqual(orders[1].pagopa_receipt_ids.settlement_state, False)
        activity = report.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn('3 payments', activity.note)
        # nothing forced: the orders are as their receipts left them
        self.assertEqual((orders.mapped('state'), late.state), (['paid', 'paid'], 'issued'))
        # the late receipt arrives; matching again takes it
        self.book_receipt(late, 'LATE-1')
        report.action_match_again()
        self.assertEqual(report.line_ids[2].state, 'paid')
        self.assertEqual(report.line_ids[2].order_id, late)
        self.assertEqual((report.difference_count, report.amount_matched), (2, 44.42))
        self.assertEqual(len(report.activity_ids), 1)

    def test_stand_in_payments_of_a_1_0_5_report(self):
        orders = self.paid_orders(2)
        report = self.import_xml(self.flow_xml([self.payment(orders[0], 22.21, outcome='4'),
                                                self.payment(orders[1], 22.21, outcome='8')]))
        self.assertEqual(report.version, '1.0.5')
        self.assertEqual(report.line_ids.mapped('state'), ['standin', 'standin'])
        self.assertEqual(orders.pagopa_receipt_ids.mapped('standin'), [True, True])
        self.assertEqual(orders.mapped('state'), ['paid', 'paid'])

    def test_a_receipt_reported_by_two_reports(self):
        order = self.paid_orders(1)
        self.import_xml(self.flow_xml([self.payment(order, 22.21)]))
        other = self.import_xml(self.flow_xml([self.payment(order, 22.21)], flow_id='2026-11-21BCITITMM-S0002'))
        self.assertEqual(other.line_ids.state, 'difference')
        self.assertEqual(other.line_ids.note, "Already reported as paid in settlement report %s." % FLOW_ID)

    def test_a_multi_transfer_receipt(self):
        order = self.make_order(amount=30.0)
        self.book_receipt(order, 'R-MT', transfers=[2000, 1000])
        report = self.import_xml(self.flow_xml([self.payment(order, 20.0, index=1), self.payment(order, 10.0, index=2)]))
        self.assertEqual((report.state, report.line_ids.mapped('state')), ('matched', ['paid', 'paid']))
        twice = self.import_xml(self.flow_xml([self.payment(order, 20.0, index=1), self.payment(order, 20.0, index=1)],
                                              flow_id='OTHER-FLOW'))
        self.assertEqual(twice.line_ids.mapped('note'), ["The report lists this transfer of the receipt more than once."] * 2)
