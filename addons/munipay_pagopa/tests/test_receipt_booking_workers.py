import base64
import random
import threading
import uuid

from odoo.tests import tagged

from odoo.addons.munipay_base.tests.common import CommittedCursorsCase
from ..lib import notice_numbers
from ..lib.pafornode import PaFault

FISCAL_CODE = '02438750586'
CRON = 'munipay_pagopa.ir_cron_munipay_pagopa_book'


@tagged('post_install', '-at_install')
class TestReceiptBookingWorkers(CommittedCursorsCase):
    """The booking job on committed transactions: two workers at once, and servers
    that die between acknowledging a receipt and booking it."""

    def setUp(self):
        super().setUp()
        self.token = uuid.uuid4().hex[:8]

    def issued_orders(self, env, count, amount=25.0):
        company, fee = self.committed_fee_type(env, 'pagoPA %s' % self.token, amount)
        company._munipay_pagopa_journal()
        Order = env['munipay.payment.order']
        orders = Order.create([{
            'partner_id': env['res.partner'].create({'name': 'Payer %s %d' % (self.token, index)}).id,
            'fee_type_id': fee.id, 'company_id': company.id, 'line_ids': Order._munipay_lines_for_fee_type(fee),
        } for index in range(count)])
        orders.action_issue()
        # pagoPA numbers of the main company's creditor code (set by the test that needs it)
        for order in orders:
            notice, iuv = notice_numbers.make_notice_number('3', '01', random.randrange(10 ** 12, 10 ** 13))
            order.sudo().write({'pagopa_notice_number': notice, 'pagopa_iuv': iuv,
                                'pagopa_fiscal_code': FISCAL_CODE})
        return company, orders

    def receipt_data(self, order, receipt_id, cents=2500):
        return {
            'receipt_id': receipt_id, 'notice_number': order.pagopa_notice_number, 'fiscal_code': FISCAL_CODE,
            'outcome': 'OK', 'iuv': order.pagopa_iuv, 'amount_cents': cents, 'fee_cents': 100,
            'transfers': [{'id': '1', 'amount_cents': cents, 'fiscal_code': FISCAL_CODE, 'iban': None}],
            'psp_id': 'BCITITMM', 'psp_name': 'Intesa Sanpaolo', 'psp_channel': 'BCITITMM_01',
            'payment_method': 'creditCard', 'payer': None, 'debtor': {'name': 'Mario Rossi'},
            'payment_datetime': None, 'application_date': None,
        }

    def store(self, env, company, orders):
        Receipt = env['munipay.pagopa.receipt']
        receipts = Receipt
        for index, order in enumerate(orders):
            data = self.receipt_data(order, 'r-%s-%d' % (self.token, index))
            receipt = Receipt._pagopa_claim(company, data)
            receipt._pagopa_store(data, b'<receipt>%d</receipt>' % index, 'v1', order)
            receipts |= receipt
        return receipts

    def assertLedgerOf(self, env, company, orders, count):
        """Each order paid once, by one pagoPA payment of its receipt; the ledger balances."""
        env.invalidate_all()
        orders = orders.with_env(env)
        self.assertEqual(set(orders.mapped('state')), {'paid'})
        receipts = orders.pagopa_receipt_ids
        self.assertEqual(len(receipts), count)
        self.assertEqual(set(receipts.mapped('state')), {'booked'})
        transit = env['account.move.line'].search([
            ('account_id', '=', company.with_env(env).munipay_pagopa_transit_account_id.id),
            ('partner_id', 'in', orders.partner_id.ids)])
        self.assertEqual(len(transit), count, "one transit item per receipt, none twice")
        self.assertEqual(transit.munipay_pagopa_receipt_id, receipts)
        self.assertTrue(all(order.receivable_line_id.reconciled for order in orders))
        self.assertAlmostEqual(sum(transit.mapped('debit')), 25.0 * count)
        env.cr.execute("SELECT SUM(balance) FROM account_move_line WHERE company_id = %s", [company.id])
        self.assertAlmostEqual(env.cr.fetchone()[0], 0.0, places=2)

    def test_two_workers_never_book_one_receipt(self):
        env = self.env_on_new_cursor()
        company, orders = self.issued_orders(env, 6)
        self.store(env, company, orders)
        env.cr.commit()

        booked = {'a': [], 'b': []}
        errors = []
        workers = {name: self.env_on_new_cursor() for name in booked}
        claimed = threading.Barrier(2, timeout=30)

        def work(name):
            worker = workers[name]
            Receipt = worker['munipay.pagopa.receipt']
            try:
                # both hold a batch at the same moment before booking it
                first = Receipt._pagopa_lock_pending(limit=2)
                claimed.wait()
                batches = [first._pagopa_book_batch()]
                worker.cr.commit()
                while batch := Receipt._cron_pagopa_book(batch_size=2):
                    batches.append(batch)
                    worker.cr.commit()
                booked[name] = [receipt_id for batch in batches for receipt_id in batch.ids]
            except Exception as error:  # noqa: BLE001 — reported by the main thread
                errors.append(error)
                worker.cr.rollback()
        threads = [threading.Thread(target=work, args=(name,)) for name in booked]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertFalse(errors)
        self.assertTrue(booked['a'] and booked['b'], "both workers booked a batch")
        self.assertFalse(set(booked['a']) & set(booked['b']), "no receipt was taken by both workers")
        check = self.env_on_new_cursor()
        check['munipay.pagopa.receipt']._cron_pagopa_book()  # what a worker left after a conflict, if any
        check.cr.commit()
        self.assertLedgerOf(check, company, orders, 6)

    def test_acknowledged_receipt_survives_crashes_before_booking(self):
        env = self.env_on_new_cursor()
        company = env.ref('base.main_company')
        creditor = company.munipay_creditor_fiscal_code
        company.munipay_creditor_fiscal_code = FISCAL_CODE
        env.cr.commit()
        try:
            self._crash_between_store_and_book()
        finally:
            env.cr.rollback()
            company.with_env(env).munipay_creditor_fiscal_code = creditor
            env.cr.commit()

    def _crash_between_store_and_book(self):
        env = self.env_on_new_cursor()
        company, orders = self.issued_orders(env, 1)
        env.cr.commit()
        order = orders

        # the node's request: stored, committed (the node is told OK), and the server dies
        request = self.env_on_new_cursor()
        data = {'receipt': self.receipt_data(order, 'r-crash-%s' % self.token), 'standin': False}
        raw = b'<paSendRTReq>crash %s</paSendRTReq>' % self.token.encode()
        self.assertEqual(request['munipay.pagopa.node']._pagopa_receive(company.with_env(request), data, raw, 'v1'),
                         {})
        request.cr.commit()

        after = self.env_on_new_cursor()
        receipt = after['munipay.pagopa.receipt'].search([('name', '=', 'r-crash-%s' % self.token)])
        self.assertEqual((receipt.state, receipt.order_id.id, receipt.amount), ('received', order.id, 25.0))
        self.assertEqual(base64.b64decode(receipt.sudo().receipt_xml), raw, "the XML is stored with it")
        cron = after.ref(CRON)
        self.assertTrue(after['ir.cron.trigger'].search_count([('cron_id', '=', cron.id)]),
                        "the job's call is committed with the receipt")
        with self.assertRaises(PaFault) as caught:
            after['munipay.pagopa.node']._pagopa_order(company.with_env(after), FISCAL_CODE,
                                                       order.pagopa_notice_number)
        self.assertEqual(caught.exception.code, 'PAA_PAGAMENTO_DUPLICATO')
        after.cr.rollback()

        # a booking job dies in the middle of its batch: nothing of it stays
        job = self.env_on_new_cursor()
        self.assertIn(receipt.id, job['munipay.pagopa.receipt']._cron_pagopa_book().ids)
        job.cr.rollback()
        job.invalidate_all()
        receipt = receipt.with_env(job)
        self.assertEqual((receipt.state, receipt.move_ids.ids, order.with_env(job).state),
                         ('received', [], 'issued'))
        job.cr.rollback()

        # the next run books it
        rerun = self.env_on_new_cursor()
        self.assertIn(receipt.id, rerun['munipay.pagopa.receipt']._cron_pagopa_book().ids)
        rerun.cr.commit()
        self.assertLedgerOf(rerun, company, orders, 1)
        self.assertEqual(receipt.with_env(rerun).attachment_id.raw, raw)
