from odoo.tests import tagged

from .common import MunipayCashdeskCommon


@tagged('post_install', '-at_install')
class TestCashdeskLookup(MunipayCashdeskCommon):
    """The desk finds an order by what it scans or what the cashier types, with what
    is due today, and refuses what it must not collect."""

    def lookup(self, text):
        return self.env['munipay.payment.order'].munipay_cashdesk_lookup(self.config.id, text)

    def search(self, query):
        return self.env['munipay.payment.order'].munipay_cashdesk_search(self.config.id, query)

    def assertFound(self, result, order):
        self.assertEqual((result['status'], result['order_ids']), ('ok', [order.id]), result.get('message'))
        record = result['records']['munipay.payment.order'][0]
        self.assertEqual(record['cashdesk_amount_due'], order.get_amount_open())
        self.assertEqual(result['records']['res.partner'][0]['id'], order.partner_id.id)

    def test_scan_of_every_code_the_notice_prints(self):
        order = self.make_order()
        self.assertFound(self.lookup(order._munipay_payment_qr_payload()), order)  # EPC069-12
        self.assertFound(self.lookup(order.payment_reference), order)
        spaced = ' '.join(order.payment_reference[i:i + 4] for i in range(0, len(order.payment_reference), 4))
        self.assertFound(self.lookup(spaced.lower()), order)
        self.assertFound(self.lookup(order.name), order)
        # a keyboard-wedge scanner that swallowed the EPC line breaks still names the reference
        self.assertFound(self.lookup(order._munipay_payment_qr_payload().replace('\n', '')), order)

    def test_amount_due_today_follows_the_rules(self):
        fine = self.make_order(self.fee_fine, date_notified=self.days_ago(1))
        result = self.lookup(fine.payment_reference)
        self.assertFound(result, fine)
        self.assertEqual(result['records']['munipay.payment.order'][0]['cashdesk_amount_due'], 42.9)

    def test_paid_cancelled_and_receipt_codes_are_refused(self):
        paid = self.paid_order()
        result = self.lookup(paid.payment_reference)
        self.assertEqual(result['status'], 'refused')
        self.assertIn('already paid', result['message'])
        receipt = paid.receipt_ids
        result = self.lookup(receipt.verify_url)
        self.assertEqual((result['status'], result['order_ids']), ('not_found', []))
        self.assertIn('receipt', result['message'])

        cancelled = self.make_order()
        cancelled._munipay_cancel('Issued by mistake')
        result = self.lookup(cancelled.payment_reference)
        self.assertEqual(result['status'], 'refused')

    def test_unknown_and_broken_codes_get_an_answer(self):
        for text in ['', 'nothing', 'RF00BROKEN', 'PAGOPA|002|1234|', 'BCD\n002\n1\nSCT\n']:
            result = self.lookup(text)
            self.assertEqual(result['status'], 'not_found', text)
            self.assertTrue(result['message'])

    def test_search_payers_by_name_national_id_and_reference(self):
        order_a = self.make_order()
        order_b = self.make_order(self.fee_fine, date_notified=self.days_ago(1))
        other = self.make_order(partner=self.payer_2)
        self.paid_order()  # paid orders are not offered
        result = self.search('mario ros')
        self.assertEqual(set(result['order_ids']), {order_a.id, order_b.id})
        result = self.search('rssmra70c03h501d')
        self.assertEqual(set(result['order_ids']), {order_a.id, order_b.id})
        self.assertEqual(self.search(other.payment_reference)['order_ids'], [other.id])
        self.assertEqual(self.search('x')['status'], 'not_found')

    def test_payer_search_stays_on_indexes(self):
        """A town has tens of thousands of payers and orders: the payers are found on
        trigram indexes, and the orders' query takes their ids (a sub-select of partners
        in it made PostgreSQL read every order: 250 ms with 100,000 orders)."""
        if self.env.registry.has_trigram:
            self.env.cr.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'res_partner' "
                                "AND indexname IN ('res_partner__name_trgm_index', "
                                "'res_partner__munipay_national_id_trgm_index')")
            indexes = dict(self.env.cr.fetchall())
            self.assertEqual(len(indexes), 2, indexes)
            self.assertTrue(all('gin_trgm_ops' in definition for definition in indexes.values()), indexes)
        order = self.make_order()
        self.payer.active = False  # an archived payer still owes
        self.env.flush_all()
        with self.assertLogs('odoo.sql_db', 'DEBUG') as logs:
            result = self.search('mario ros')
        self.assertEqual(result['order_ids'], [order.id])
        order_queries = [line for line in logs.output if 'FROM "munipay_payment_order"' in line and 'LIMIT 40' in line]
        self.assertEqual(len(order_queries), 1, logs.output)
        self.assertNotIn('"res_partner"."name"', order_queries[0])
        self.assertEqual(self.search('RSSMRA70C03H501D')['order_ids'], [order.id])

    def test_check_before_validation_names_orders_paid_meanwhile(self):
        order = self.make_order()
        open_order = self.make_order()
        self.assertEqual(self.env['munipay.payment.order'].munipay_cashdesk_check(
            self.config.id, [order.id, open_order.id]), {})
        order._munipay_pay(self.bank_journal)
        refused = self.env['munipay.payment.order'].munipay_cashdesk_check(self.config.id, [order.id, open_order.id])
        self.assertEqual(list(refused), [order.id])
