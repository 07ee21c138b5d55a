import base64

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import MunipayCommon


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

    def test_invoice_mode(self):
        bulk = self._csv_bulk("RSSMRA70C03H501D,22.21,X-1\nBNCGLI66T42F205Z,22.21,X-2\n", mode='invoice')
        bulk.action_run_now()
        self.assertEqual(set(bulk.order_ids.move_id.mapped('move_type')), {'out_invoice'})
        self.assertEqual(len(bulk.order_ids.move_id), 2)

    def test_damaged_csv_rows_refused_with_a_reason(self):
        bulk = self._csv_bulk(
            "identifier;amount;origin\n"
            "RSSMRA70C03H501D;22,21;A-1\rstray\n"       # a carriage return inside the line
            "BNCGLI66T42F205Z;10.00;A-\x002\n"          # NUL: PostgreSQL cannot store it
            "BNCGLI66T42F205Z;10.00;\"A-3\n")            # a quote left open to the end
        bulk.action_prepare()
        self.assertEqual(bulk.line_ids.mapped('state'), ['refused'] * 3)
        self.assertEqual([(line.sequence, line.reason) for line in bulk.line_ids], [
            (2, "the line cannot be read: a line break inside a value, or a quote left open"),
            (3, "a value holds a control character"),
            (4, "the line cannot be read: a line break inside a value, or a quote left open"),
        ])
        self.assertEqual(bulk.line_ids[0].identifier, 'RSSMRA70C03H501D;22,21;A-1 stray')
        self.assertNotIn('\x00', bulk.line_ids[1].identifier)

    def test_csv_is_an_attachment_removed_when_the_run_ends(self):
        bulk = self._csv_bulk("RSSMRA70C03H501D;22,21;A-1\n")
        domain = [('res_model', '=', 'munipay.bulk.issue'), ('res_field', '=', 'csv_file'), ('res_id', '=', bulk.id)]
        Attachment = self.env['ir.attachment'].sudo()
        self.assertEqual(len(Attachment.search(domain)), 1)
        self.env.cr.execute("SELECT 1 FROM information_schema.columns WHERE table_name = 'munipay_bulk_issue' "
                            "AND column_name = 'csv_file'")
        self.assertFalse(self.env.cr.fetchone(), "the file is not kept in the bulk issue's table")
        bulk.action_run_now()
        self.assertEqual(bulk.state, 'done')
        self.assertEqual(bulk.count_done, 1)
        self.assertFalse(Attachment.search(domain))
        self.assertFalse(bulk.csv_file)
        self.assertEqual(bulk.order_ids.receivable_line_id.debit, 22.21)

    def test_csv_size_cap(self):
        self.env['ir.config_parameter'].sudo().set_param('munipay_base.bulk_csv_max_bytes', '2048')
        line = "RSSMRA70C03H501D;22,21;A-1\n"
        with self.assertRaises(ValidationError) as caught:
            self._csv_bulk(line * 100)
        self.assertIn('too large: 3 KB, at most 2 KB', str(caught.exception))
        bulk = self._csv_bulk(line)
        with self.assertRaises(ValidationError):
            bulk.csv_file = base64.b64encode((line * 100).encode())
        self.assertEqual(bulk._prepare_csv_rows(line.encode())[0]['state'], 'pending')
        with self.assertRaises(ValidationError):
            bulk._prepare_csv_rows((line * 100).encode())

    def test_rows_follow_the_company_rules(self):
        other_company = self.setup_other_company()['company']
        self.product_fee.with_company(other_company).taxes_id = False  # the new company's default sales tax
        fee_other = self.env['munipay.fee.type'].create({
            'name': 'Other', 'code': 'OTH', 'product_id': self.product_fee.id, 'company_id': other_company.id,
            'amount': 1.0})
        payer_other = self.env['res.partner'].create({'name': 'Other payer', 'company_id': other_company.id})
        bulk_other = self.env['munipay.bulk.issue'].create({
            'fee_type_id': fee_other.id, 'company_id': other_company.id, 'partner_ids': [(6, 0, payer_other.ids)]})
        bulk_other.action_prepare()
        bulk_own = self._csv_bulk("RSSMRA70C03H501D;22,21;A-1\n")
        bulk_own.action_prepare()
        officer = new_test_user(self.env, login='bulk_officer', groups='base.group_user,munipay_base.group_officer',
                                company_id=self.company.id, company_ids=[(6, 0, self.company.ids)])
        Line = self.env['munipay.bulk.issue.line'].with_user(officer)
        self.assertEqual(Line.search([('bulk_id', 'in', (bulk_own | bulk_other).ids)]), bulk_own.line_ids)
        with self.assertRaises(AccessError):
            bulk_other.line_ids.with_user(officer).read(['identifier'])
