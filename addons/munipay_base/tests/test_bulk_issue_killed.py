import threading

import psycopg2

from odoo import api, SUPERUSER_ID
from odoo.tests import BaseCase, tagged, get_db_name
from odoo.modules.registry import Registry
from odoo.tools import mute_logger

PAYERS = 7
BATCH_SIZE = 2
WAIT = 60  # seconds; only reached when something hangs


@tagged('post_install', '-at_install')
class TestBulkIssueKilled(BaseCase):
    """A background bulk issue commits batch by batch; its worker is killed in
    the middle of a batch, and the next run resumes without issuing twice."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.cursors = []
        self.addCleanup(self._close_cursors)

    def _close_cursors(self):
        for cr in self.cursors:
            try:
                cr.rollback()
                cr.close()
            except Exception:  # noqa: BLE001 -- the killed connection cannot roll back
                pass

    def env_on_new_cursor(self):
        cr = self.registry.cursor()
        self.cursors.append(cr)
        return api.Environment(cr, SUPERUSER_ID, {})

    def run_in_worker(self, function):
        """Run ``function(env)`` in a thread on its own cursor, as a cron worker
        does; returns (thread, the cursor's server pid, {'error': ...})."""
        env = self.env_on_new_cursor()
        env.cr.execute("SELECT pg_backend_pid()")
        pid = env.cr.fetchone()[0]
        outcome = {}

        def target():
            try:
                function(env)
            except Exception as error:  # noqa: BLE001 -- reported to the test
                outcome['error'] = error

        thread = threading.Thread(target=target, name='munipay-bulk-worker')
        thread.start()
        return thread, pid, outcome

    def set_up_bulk(self):
        env = self.env_on_new_cursor()
        company = env.ref('base.main_company')
        company._munipay_ensure_setup()
        if not (company.munipay_journal_id and company.chart_template):
            self.skipTest("the main company has no chart of accounts")
        product = env['product.product'].create({'name': 'Killed bulk fee', 'type': 'service', 'taxes_id': [(5,)]})
        fee = env['munipay.fee.type'].create({
            'name': 'Killed bulk fee', 'code': 'KILL-%s' % product.id, 'product_id': product.id, 'amount': 12.5,
            'company_id': company.id})
        payers = env['res.partner'].create([{'name': 'Bulk payer %s' % i} for i in range(PAYERS)])
        bulk = env['munipay.bulk.issue'].create({
            'name': 'Killed half way', 'fee_type_id': fee.id, 'company_id': company.id, 'source': 'partners',
            'partner_ids': [(6, 0, payers.ids)], 'batch_size': BATCH_SIZE})
        bulk.action_start()
        env.cr.commit()
        return bulk.id, payers.ids

    def test_killed_half_way_resumes_without_duplicates(self):
        bulk_id, payer_ids = self.set_up_bulk()
        Bulk = self.registry['munipay.bulk.issue']  # the model's class
        original = Bulk._process_batch
        in_third_batch, killed = threading.Event(), threading.Event()
        batches = []

        def process_batch(bulk, lines):
            original(bulk, lines)  # orders and their journal entry written, not committed yet
            batches.append(len(lines))
            if len(batches) == 3:
                in_third_batch.set()
                killed.wait(WAIT)

        Bulk._process_batch = process_batch
        try:
            with mute_logger('odoo.sql_db', 'odoo.addons.munipay_base.wizard.munipay_bulk_issue'):
                worker, pid, outcome = self.run_in_worker(
                    lambda env: env['munipay.bulk.issue'].browse(bulk_id)._process(commit=True))
                self.assertTrue(in_third_batch.wait(WAIT), "the worker never reached its third batch")
                # the worker's server process dies: its open transaction is lost
                killer = self.env_on_new_cursor()
                killer.cr.execute("SELECT pg_terminate_backend(%s)", [pid])
                self.assertTrue(killer.cr.fetchone()[0])
                killed.set()
                worker.join(WAIT)
        finally:
            Bulk._process_batch = original
        self.assertFalse(worker.is_alive())
        self.assertIsInstance(outcome.get('error'), (psycopg2.OperationalError, psycopg2.InterfaceError),
                              "the worker died of its lost connection")

        env = self.env_on_new_cursor()
        bulk = env['munipay.bulk.issue'].browse(bulk_id)
        self.assertEqual(bulk.state, 'running')
        self.assertEqual(bulk.count_done, 2 * BATCH_SIZE, "the two committed batches stay")
        self.assertEqual(len(bulk.order_ids), 2 * BATCH_SIZE, "the killed batch left nothing behind")
        self.assertEqual(len(bulk.order_ids.move_id), 2)
        env.cr.rollback()

        # the scheduler runs the job again: it resumes, committing each batch and reporting progress
        cron = env.ref('munipay_base.ir_cron_munipay_bulk_issue')
        cron, progress = cron._add_progress()
        env.cr.commit()

        def cron_job(env):
            env['munipay.bulk.issue'].with_context(ir_cron_progress_id=progress.id)._cron_process()
            env.cr.commit()  # as the scheduler does after each call

        worker, _pid, outcome = self.run_in_worker(cron_job)
        worker.join(WAIT)
        self.assertFalse(outcome.get('error'))

        env = self.env_on_new_cursor()
        bulk = env['munipay.bulk.issue'].browse(bulk_id)
        self.assertEqual(bulk.state, 'done')
        self.assertEqual(bulk.count_done, PAYERS)
        progress = env['ir.cron.progress'].browse(progress.id)
        self.assertEqual((progress.done, progress.remaining), (PAYERS - 2 * BATCH_SIZE, 0))
        orders = bulk.order_ids
        self.assertEqual(len(orders), PAYERS)
        self.assertEqual(sorted(orders.partner_id.ids), sorted(payer_ids), "one order per payer, none twice")
        self.assertEqual(set(orders.mapped('state')), {'issued'})
        # the ledger: one receivable item per order, one balanced entry per committed batch
        items = env['account.move.line'].search([('partner_id', 'in', payer_ids)])
        receivables = items.filtered(lambda l: l.account_id.account_type == 'asset_receivable')
        self.assertEqual(receivables, orders.receivable_line_id)
        self.assertEqual(receivables.munipay_order_id, orders)
        self.assertEqual(receivables.mapped('debit'), [12.5] * PAYERS)
        moves = orders.move_id
        self.assertEqual(len(moves), 4)  # batches of 2, 2, 2, 1
        self.assertEqual(set(moves.mapped('state')), {'posted'})
        for move in moves:
            self.assertAlmostEqual(sum(move.line_ids.mapped('balance')), 0.0, places=2)
            self.assertAlmostEqual(sum(move.line_ids.mapped('credit')), 12.5 * len(move.line_ids.filtered('debit')))
