"""Bank statement matching benchmark: N_LINES statement lines against N_ORDERS open
payment orders (the issue's figure: 10,000 lines against 100,000 orders at >= 50
lines/s), matched in batches as the import job does; finding the orders and
booking the lines are timed apart.

Run through `./munipay bench bank_matching [N_ORDERS [N_LINES]]`. The lines mix
what a municipality's bank delivers: 80 % with an RF reference (half of them
spaced and in lower case), 10 % naming the order number, 5 % with only the
payer's IBAN and the amount, 5 % that match nothing (suspense).
"""
import cProfile
import os
import random
import sys
import time

import odoo
from odoo import api, SUPERUSER_ID
from odoo.addons.munipay_base.lib.references import format_in_groups
from odoo.addons.munipay_bank.models.account_bank_statement_line import MATCH_BATCH_SIZE

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_fees, issue_in_batches  # noqa: E402


def main(db, n_orders, n_lines, batch=MATCH_BATCH_SIZE, issue_batch=5000):
    rng = random.Random(7)
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        company._munipay_ensure_setup()
        fee = bench_fees(env, [{'name': 'Bench fee', 'code': 'BANK', 'amount': 25.0}])
        partners = env['res.partner'].create([{'name': 'Bench payer %06d' % i} for i in range(n_orders)])
        cr.commit()
        fee_id, partner_ids = fee.id, partners.ids
        journal_id = env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'bank')], limit=1).id

    issue_in_batches(registry, n_orders, lambda i: {'partner_id': partner_ids[i], 'fee_type_id': fee_id},
                     batch=issue_batch)

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        orders = env['munipay.payment.order'].search([('fee_type_id', '=', fee_id)])
        picked = rng.sample(list(zip(orders.ids, orders.mapped('payment_reference'), orders.mapped('name'),
                                     orders.mapped('partner_id').ids)), n_lines)
        ibans = {}
        vals_list = []
        for index, (order_id, reference, name, partner_id) in enumerate(picked):
            kind = index % 20
            if kind < 16:
                text = format_in_groups(reference).lower() if kind % 2 else 'Pagamento %s' % reference
                vals_list.append({'payment_ref': text})
            elif kind < 18:
                vals_list.append({'payment_ref': 'Pratica %s' % name})
            elif kind == 18:
                iban = 'IT%02dX0542811101%012d' % (rng.randint(10, 99), order_id)
                ibans[partner_id] = iban
                vals_list.append({'payment_ref': 'canone', 'account_number': iban})
            else:
                vals_list.append({'payment_ref': 'unknown transfer %d' % index, 'amount': 13.0})
        env['res.partner.bank'].create([{'partner_id': pid, 'acc_number': iban, 'allow_out_payment': False}
                                        for pid, iban in ibans.items()])
        statement_lines = env['account.bank.statement.line'].with_context(munipay_no_match=True).create([
            {'journal_id': journal_id, 'amount': 25.0, **vals} for vals in vals_list])
        cr.commit()
        line_ids = statement_lines.ids

    # MUNIPAY_BENCH_PROFILE=<file>: cProfile statistics of booking the first batch
    profile = cProfile.Profile() if os.environ.get('MUNIPAY_BENCH_PROFILE') else None
    find_seconds = book_seconds = 0.0
    counts = {'order': 0, 'suspense': 0}
    for first in range(0, len(line_ids), batch):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            lines = env['account.bank.statement.line'].browse(line_ids[first:first + batch])
            t0 = time.perf_counter()
            matches, suspense = lines._munipay_find_orders()
            t1 = time.perf_counter()
            if profile and not first:
                profile.enable()
            lines._munipay_book(matches, suspense)
            env.flush_all()
            cr.commit()
            t2 = time.perf_counter()
            if profile and not first:
                profile.disable()
                profile.dump_stats(os.environ['MUNIPAY_BENCH_PROFILE'])
            find_seconds += t1 - t0
            book_seconds += t2 - t1
            counts['order'] += len(matches)
            counts['suspense'] += len(suspense)
        done = min(first + batch, len(line_ids))
        print(f"  matched {done} lines: finding {find_seconds:.1f} s, booking {book_seconds:.1f} s", flush=True)

    total = find_seconds + book_seconds
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        paid = env['munipay.payment.order'].search_count([('fee_type_id', '=', fee_id), ('state', '=', 'paid')])
        cr.execute("SELECT COALESCE(SUM(balance), 0) FROM account_move_line")
        balance = cr.fetchone()[0]
    print(f"\nbank matching: {len(line_ids)} lines against {n_orders} open orders")
    print(f"  finding: {find_seconds:.1f} s ({len(line_ids) / find_seconds:.0f} lines/s)")
    print(f"  booking: {book_seconds:.1f} s ({len(line_ids) / book_seconds:.0f} lines/s)")
    print(f"  total:   {total:.1f} s ({len(line_ids) / total:.1f} lines/s); goal >= 50 lines/s")
    print(f"  matched to orders: {counts['order']}, unmatched (suspense): {counts['suspense']}, orders paid: {paid}")
    print(f"  sum of all journal items: {balance:.2f}")


if __name__ == '__main__':
    args = [int(a) for a in sys.argv[1:]]
    main(os.environ['MUNIPAY_BENCH_DB'], *(args or [100000, 10000]))
