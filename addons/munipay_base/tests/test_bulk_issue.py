import base64

from odoo.tests import tagged

from .common import MunipayCommon


class ProcessKilled(BaseException):
    """Stands for the worker being killed in the middle of a batch."""


@tagged('post_install', '-at_install')
class TestBulkIssue(MunipayCommon):

    def _csv_bulk(self, text, batch_size=2, mode='batch'):
        return self.env['munipay.bulk.issue'].create({
            'fee_type_id': self.fee_card.id, 'source': 'csv', 'batch_size': batch_size, 'mode': mode,
            'csv_file': base64.b64encode(text.encode())})

    def test_csv_rows_refused_with_reasons(self):
        bulk = self._csv_bulk(
            "identifier;amount;origin;fee\n"
            "RSSMRA70C03H501D;22,21;A-1;\n"
            "BNCGLI66T42F205Z;10.00;A-2;CDS7\n"
            "XXXXXX00X00X000X;5;A-3;\n"
            "RSSMRA70C03H501D;abc;A-4;\n"
            "RSSMRA70C03H501D;0;A-5;\n"
            "RSSMRA70C03H501D;5;A-6;NOPE\n")
        bulk.action_prepare()
        rows = {line.sequence: line for line in bulk.line_ids}
        self.assertEqual(rows[2].state, 'pending')
        self.assertEqual(rows[3].fee_type_id, self.fee_fine)
        self.assertIn('unknown payer', rows[4].reason)
        self.assertIn('not a number', rows[5].reason)
        self.assertIn('zero or negative', rows[6].reason)
        self.assertIn('unknown fee code NOPE', rows[7].reason)
        bulk.action_run_now()
        self.assertEqual(bulk.state, 'done')
        self.assertEqual((bulk.count_done, bulk.count_refused), (2, 4))
        self.assertEqual(sorted(bulk.order_ids.mapped('origin')), ['A-1', 'A-2'])
        self.assertEqual(set(bulk.order_ids.mapped('state')), {'issued'})
        self.assertBalanced()

    def test_killed_half_way_resumes_without_duplicates(self):
        payers = self.env['res.partner'].create([{'name': f'Payer {i}'} for i in range(5)])
        bulk = self.env['munipay.bulk.issue'].create({
            'fee_type_id': self.fee_card.id, 'source': 'partners', 'partner_ids': [(6, 0, payers.ids)],
            'batch_size': 2})
        bulk.action_prepare()
        Order = type(self.env['munipay.payment.order'])
        original = Order._munipay_issue_batch
        calls = []

        def crash_on_second_batch(orders, **kwargs):
            calls.append(len(orders))
            if len(calls) == 2:
                raise ProcessKilled("killed")
            return original(orders, **kwargs)

        Order._munipay_issue_batch = crash_on_second_batch
        # not assertRaises: Odoo's rolls its block back, and the first batch must stay
        try:
            bulk.action_run_now()
        except ProcessKilled:
            pass
        else:
            self.fail("the run was not interrupted")
        finally:
            Order._munipay_issue_batch = original
        self.assertEqual(bulk.count_done, 2)
        self.assertEqual(len(bulk.order_ids), 2)  # the second batch left nothing behind
        bulk.action_run_now()
        self.assertEqual(bulk.count_done, 5)
        self.assertEqual(len(bulk.order_ids), 5)
        self.assertEqual(sorted(bulk.order_ids.partner_id.ids), sorted(payers.ids))
        self.assertEqual(len(bulk.order_ids.move_id), 3)
        self.assertBalanced()

    def test_invoice_mode(self):
        bulk = self._csv_bulk("RSSMRA70C03H501D,22.21,X-1\nBNCGLI66T42F205Z,22.21,X-2\n", mode='invoice')
        bulk.action_run_now()
        self.assertEqual(set(bulk.order_ids.move_id.mapped('move_type')), {'out_invoice'})
        self.assertEqual(len(bulk.order_ids.move_id), 2)
