import psycopg2.errors

from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import tagged

from odoo.addons.munipay_base.tests.common import CommittedCursorsCase

RECEIPT = {'receipt_id': 'concurrent-copy', 'fiscal_code': '02438750586', 'notice_number': '301000000000000144'}


@tagged('post_install', '-at_install')
class TestReceiptConcurrency(CommittedCursorsCase):
    """Two copies of one receipt sent at once (the node retries fast): one is stored,
    the other is told it is a duplicate, never both booked."""

    def tearDown(self):
        super().tearDown()
        env = self.env_on_new_cursor()
        env.cr.execute("DELETE FROM munipay_pagopa_receipt WHERE name = %s", [RECEIPT['receipt_id']])
        env.cr.commit()

    def test_second_copy_loses_and_is_retried(self):
        env_a, env_b = self.env_on_new_cursor(), self.env_on_new_cursor()
        company = env_a.ref('base.main_company')
        env_b.cr.execute("SELECT 1")  # request B's transaction has started (its snapshot is taken)
        self.assertTrue(env_a['munipay.pagopa.receipt']._pagopa_claim(company, RECEIPT))
        env_a.cr.commit()
        # B cannot see A's receipt, and its claim fails the way Odoo runs a request again
        with self.assertRaises(psycopg2.errors.SerializationFailure) as caught:
            env_b['munipay.pagopa.receipt']._pagopa_claim(company.with_env(env_b), RECEIPT)
        self.assertIsInstance(caught.exception, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY)
        env_b.cr.rollback()
        # run again, B finds the stored receipt: a duplicate
        self.assertIsNone(env_b['munipay.pagopa.receipt']._pagopa_claim(company.with_env(env_b), RECEIPT))
        self.assertEqual(env_b['munipay.pagopa.receipt'].search_count([('name', '=', RECEIPT['receipt_id'])]), 1)
