from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import MunipayCashdeskCommon


@tagged('post_install', '-at_install')
class TestCashdeskReports(MunipayCashdeskCommon):
    """The session report (Z) and the back office's list of operations say what the
    desk collected for payment orders, per fee type and payment method."""

    def sell_the_day(self):
        """Three sales: an identity card in cash; an identity card (with its card handling
        fee) and a parking fine by card; a desk-sold certificate in cash."""
        order_a = self.make_order()
        order_b = self.make_order()
        fine = self.make_order(self.fee_fine, date_notified=self.days_ago(1))
        session = self.open_session()
        sale_1 = self.sale(session, [self.order_line(22.21, munipay_order_id=order_a.id)],
                           [(self.cash_pm, 22.21)], partner=self.payer)
        sale_2 = self.sale(session, [
            self.order_line(22.21, munipay_order_id=order_b.id),
            self.order_line(1.5, munipay_order_id=order_b.id, munipay_handling_fee=True, name='Card handling fee'),
            self.order_line(42.9, munipay_order_id=fine.id),
        ], [(self.card_pm, 66.61)], partner=self.payer)
        sale_3 = self.sale(session, [self.order_line(5.5, munipay_fee_type_id=self.fee_certificate.id)],
                           [(self.cash_pm, 5.5)])
        return session, (order_a, order_b, fine, sale_3.lines.munipay_order_id), (sale_1, sale_2, sale_3)

    def test_session_report_has_munipay_totals_per_fee_type_and_method(self):
        session, _orders, _sales = self.sell_the_day()
        self.close_session(session)

        details = self.env['report.point_of_sale.report_saledetails'].get_sale_details(session_ids=session.ids)

        self.assertEqual(details['munipay_fee_types'], [
            {'name': '[CDS7] Parking fine', 'count': 1, 'amount': 42.9, 'handling_fee': 0.0},
            {'name': '[CERT] Residence certificate', 'count': 1, 'amount': 5.5, 'handling_fee': 0.0},
            {'name': '[CIE] Identity card', 'count': 2, 'amount': 44.42, 'handling_fee': 1.5},
        ])
        self.assertEqual(details['munipay_payment_methods'], [
            {'name': 'Card', 'count': 2, 'amount': 65.11, 'handling_fee': 1.5},
            {'name': 'Cash desk cash', 'count': 2, 'amount': 27.71, 'handling_fee': 0.0},
        ])
        self.assertEqual(details['munipay_handling_fee'], {'count': 1, 'amount': 1.5})
        self.assertEqual(details['munipay_total'], {'count': 4, 'amount': 92.82, 'handling_fee': 1.5})
        # the report's own figures still hold: every sale, handling fee included
        self.assertEqual(details['nbr_orders'], 3)
        self.assertAlmostEqual(details['currency']['total_paid'], 94.32)

        # the same for the back office's period report (no session given: today, this desk)
        by_period = self.env['report.point_of_sale.report_saledetails'].get_sale_details(config_ids=self.config.ids)
        self.assertEqual(by_period['munipay_total'], details['munipay_total'])

    def test_cashier_prints_the_totals_of_the_desk(self):
        """The X report the cashier prints at the desk: the cashier cannot read fee types
        or payment orders, the report reads them for the sales the cashier can see. (Odoo's
        own part of the report reads the session's payments: read-only accounting.)"""
        cashier = new_test_user(
            self.env, login='desk_cashier_report',
            groups='base.group_user,point_of_sale.group_pos_user,account.group_account_readonly',
            company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        session, _orders, _sales = self.sell_the_day()
        details = self.env['report.point_of_sale.report_saledetails'].with_user(cashier).get_sale_details(
            False, False, False, session.ids)
        self.assertEqual(details['munipay_total'], {'count': 4, 'amount': 92.82, 'handling_fee': 1.5})
        self.assertEqual([row['name'] for row in details['munipay_fee_types']],
                         ['[CDS7] Parking fine', '[CERT] Residence certificate', '[CIE] Identity card'])

    def test_cashier_without_accounting_rights_prints_the_sales_slip(self):
        """The slip the POS prints (navbar menu) calls the report for the cashier's session:
        Odoo's part reads the session's bank payments, which a cashier with Point of Sale
        rights only may not; the report of a session they may read is read for them, one of
        another company is refused."""
        cashier = new_test_user(
            self.env, login='desk_cashier_slip', groups='base.group_user,point_of_sale.group_pos_user',
            company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        self.assertFalse(self.env['account.payment'].with_user(cashier).has_access('read'))
        session, _orders, _sales = self.sell_the_day()
        self.env.flush_all()  # the sales were synced by earlier requests (Odoo's report reads pos_payment in SQL)
        Report = self.env['report.point_of_sale.report_saledetails']
        details = Report.with_user(cashier).get_sale_details(False, False, False, session.ids)
        self.assertEqual(details['munipay_total'], {'count': 4, 'amount': 92.82, 'handling_fee': 1.5})
        self.assertAlmostEqual(details['currency']['total_paid'], 94.32)
        other_company = self.setup_other_company()['company']
        elsewhere = new_test_user(
            self.env, login='desk_cashier_elsewhere', groups='base.group_user,point_of_sale.group_pos_user',
            company_id=other_company.id, company_ids=[Command.set(other_company.ids)])
        with self.assertRaises(AccessError):
            Report.with_user(elsewhere).get_sale_details(False, False, False, session.ids)

    def test_session_report_prints_the_payment_orders_section(self):
        session, _orders, _sales = self.sell_the_day()
        self.close_session(session)

        html, _type = self.env['ir.actions.report']._render_qweb_html('point_of_sale.sale_details_report', session.ids)
        html = html.decode()

        self.assertIn('Daily Sales Report', html)
        self.assertIn('id="munipay_payment_orders"', html)
        section = html[html.index('id="munipay_payment_orders"'):html.index('Session Control')]
        for text in ('Payment orders', '[CIE] Identity card', '[CDS7] Parking fine', '[CERT] Residence certificate',
                     'Cash desk cash', 'Card', '44.42', '42.90', '5.50', '65.11', '27.71', '92.82', '1.50'):
            self.assertIn(text, section)

    def test_report_without_munipay_sales_has_no_section(self):
        session = self.open_session()
        details = self.env['report.point_of_sale.report_saledetails'].get_sale_details(session_ids=session.ids)
        self.assertEqual(details['munipay_total'], {'count': 0, 'amount': 0.0, 'handling_fee': 0.0})
        html, _type = self.env['ir.actions.report']._render_qweb_html('point_of_sale.sale_details_report', session.ids)
        self.assertNotIn('munipay_payment_orders', html.decode())

    def test_operations_list_one_row_per_collected_order(self):
        session, (order_a, order_b, fine, certificate), (sale_1, sale_2, sale_3) = self.sell_the_day()
        self.env.flush_all()

        operations = self.env['munipay.cashdesk.operation'].search([('session_id', '=', session.id)], order='id')

        walkin = self.company.munipay_cashdesk_walkin_partner_id
        self.assertRecordValues(operations, [{
            'pos_order_id': sale.id, 'order_id': order.id, 'fee_type_id': fee.id, 'fee_code': fee.code,
            'partner_id': partner.id, 'payment_method_id': method.id, 'amount': amount, 'handling_fee': handling,
            'receipt_name': order.receipt_ids.filtered(lambda r: r.state == 'valid').name,
            'cashier_id': self.env.uid, 'session_id': session.id, 'company_id': self.company.id,
            'currency_id': self.company.currency_id.id,
        } for sale, order, fee, partner, method, amount, handling in [
            (sale_1, order_a, self.fee_card, self.payer, self.cash_pm, 22.21, 0.0),
            (sale_2, order_b, self.fee_card, self.payer, self.card_pm, 22.21, 1.5),
            (sale_2, fine, self.fee_fine, self.payer, self.card_pm, 42.9, 0.0),
            (sale_3, certificate, self.fee_certificate, walkin, self.cash_pm, 5.5, 0.0),
        ]])
        self.assertTrue(all(operations.mapped('receipt_name')))
        # the period, session, cashier, fee type and method filters of the list
        Operation = self.env['munipay.cashdesk.operation']
        self.assertEqual(Operation.search_count([('payment_method_id', '=', self.card_pm.id),
                                                 ('fee_type_id', '=', self.fee_card.id),
                                                 ('cashier_id', '=', self.env.uid),
                                                 ('date', '>=', session.start_at)]), 1)
        groups = Operation._read_group([('session_id', '=', session.id)], ['payment_method_id'], ['amount:sum'])
        self.assertEqual({method.name: round(amount, 2) for method, amount in groups},
                         {'Cash desk cash': 27.71, 'Card': 65.11})

    def test_export_of_operations(self):
        session, (order_a, _order_b, _fine, _certificate), _sales = self.sell_the_day()
        self.env.flush_all()
        operations = self.env['munipay.cashdesk.operation'].search([('session_id', '=', session.id)], order='id')
        fields_ = ['date', 'session_id', 'cashier_id', 'partner_id', 'order_id', 'fee_type_id',
                   'payment_method_id', 'amount', 'handling_fee', 'receipt_name']

        rows = operations.with_context(import_compat=False).export_data(fields_)['datas']

        self.assertEqual(len(rows), 4)
        self.assertEqual(rows[0][1:], [
            session.display_name, self.env.user.display_name, self.payer.display_name, order_a.display_name,
            '[CIE] Identity card',
            'Cash desk cash', 22.21, 0.0, order_a.receipt_ids.name])
        self.assertEqual([row[7] for row in rows], [22.21, 22.21, 42.9, 5.5])
        self.assertEqual([row[8] for row in rows], [0.0, 1.5, 0.0, 0.0])

    def test_mixed_payment_has_no_single_method(self):
        order = self.make_order()
        session = self.open_session()
        self.sale(session, [self.order_line(22.21, munipay_order_id=order.id)],
                  [(self.cash_pm, 10.0), (self.card_pm, 12.21)], partner=self.payer)
        self.env.flush_all()
        operation = self.env['munipay.cashdesk.operation'].search([('order_id', '=', order.id)])
        self.assertRecordValues(operation, [{'payment_method_id': False, 'amount': 22.21}])
        details = self.env['report.point_of_sale.report_saledetails'].get_sale_details(session_ids=session.ids)
        self.assertEqual(details['munipay_payment_methods'],
                         [{'name': 'Several methods', 'count': 1, 'amount': 22.21, 'handling_fee': 0.0}])
