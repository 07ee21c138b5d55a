"""Bulk issue benchmark: N payment orders through the batch path (one journal
entry per batch) against N issued one by one (one invoice each), in one run.

Run through `./munipay bench [N_BATCH [N_SINGLE]]`; prints orders per second for
both paths, the resident memory after each batch (flat = no growth) and the peak.
"""
import os
import resource
import sys
import time

import odoo
from odoo import api, SUPERUSER_ID, Command


def rss_mb():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2 ** 20


def main(db, n_batch, n_single, batch_size=500):
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        company._munipay_ensure_setup()
        product = env['product.product'].create({'name': 'Bench fee', 'type': 'service', 'taxes_id': [Command.clear()]})
        fee = env['munipay.fee.type'].create({'name': 'Bench fee', 'code': 'BENCH-%d' % product.id,
                                              'product_id': product.id, 'amount': 25.0})
        partners = env['res.partner'].create([{'name': 'Bench payer %05d' % i} for i in range(max(n_batch, n_single))])
        cr.commit()
        fee_id, partner_ids = fee.id, partners.ids

    done, batch_seconds, samples = run_batch(registry, fee_id, partner_ids[:n_batch], batch_size)
    batch_rate = done / batch_seconds
    peak_after_batch = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # ---- the same through the batch path for traffic fines (amount rules, discount windows)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        fine = env['munipay.fee.type'].create({
            'name': 'Bench fine', 'code': 'BENCH-FINE-%d' % fee_id, 'category': 'fine',
            'product_id': env['munipay.fee.type'].browse(fee_id).product_id.id,
            'amount': 42.0, 'amount_max': 173.0, 'cost_amount': 13.5,
            'amount_rule_ids': [Command.create({'sequence': 1, 'up_to_day': 5, 'factor': 0.7}),
                                Command.create({'sequence': 2, 'up_to_day': 60, 'factor': 1.0}),
                                Command.create({'sequence': 3, 'base': 'amount_max', 'factor': 0.5})]})
        cr.commit()
        fine_id = fine.id
    fines_done, fines_seconds, _samples = run_batch(registry, fine_id, partner_ids[:n_batch], batch_size)

    # ---- one by one: one order, one invoice, one commit each
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Order = env['munipay.payment.order']
        fee = env['munipay.fee.type'].browse(fee_id)
        start = time.perf_counter()
        for partner_id in partner_ids[:n_single]:
            order = Order.create({'partner_id': partner_id, 'fee_type_id': fee_id,
                                  'line_ids': Order._munipay_lines_for_fee_type(fee)})
            order.action_issue()
            cr.commit()
            env.invalidate_all()
        single_seconds = time.perf_counter() - start
    single_rate = n_single / single_seconds if n_single else 0.0

    print()
    print("munipay bulk issue benchmark (database %s, %d cores)" % (db, os.cpu_count()))
    print("  batch path, fees:   %6d orders in %7.1f s = %7.1f orders/s (batches of %d)" % (done, batch_seconds, batch_rate, batch_size))
    print("  batch path, fines:  %6d orders in %7.1f s = %7.1f orders/s (with discount windows)" % (
        fines_done, fines_seconds, fines_done / fines_seconds))
    if n_single:
        print("  one by one:         %6d orders in %7.1f s = %7.1f orders/s" % (n_single, single_seconds, single_rate))
    if samples:
        print("  resident memory after batch 1 / middle / last: %.0f / %.0f / %.0f MB" % (
            samples[0], samples[len(samples) // 2], samples[-1]))
    print("  peak resident memory: %.0f MB after the first batch path, %.0f MB at the end" % (
        peak_after_batch, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def run_batch(registry, fee_id, partner_ids, batch_size):
    """The bulk-issue wizard, committing each batch as in the background job."""
    samples = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        bulk = env['munipay.bulk.issue'].create({
            'fee_type_id': fee_id, 'source': 'partners', 'partner_ids': [Command.set(partner_ids)],
            'batch_size': batch_size, 'mode': 'batch'})
        bulk.action_prepare()
        bulk.state = 'running'
        cr.commit()
        Bulk = type(bulk)
        original = Bulk._process_batch

        def measured(self, lines):
            original(self, lines)
            self.env.invalidate_all()
            samples.append(rss_mb())

        Bulk._process_batch = measured
        start = time.perf_counter()
        try:
            bulk._process(commit=True)
        finally:
            Bulk._process_batch = original
        batch_seconds = time.perf_counter() - start
        done = bulk.count_done
        cr.commit()
    return done, batch_seconds, samples

if __name__ == '__main__':
    db = os.environ['MUNIPAY_BENCH_DB']
    n_batch = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    n_single = int(sys.argv[2]) if len(sys.argv) > 2 else n_batch
    main(db, n_batch, n_single)
