"""What the benchmarks set up alike: a euro municipality, a bench fee, and many orders
issued in batches (one journal entry per batch, as bulk issuing books them)."""
import time

from odoo import api, SUPERUSER_ID, Command

BENCH_MUNICIPALITY = 'Comune di Prova'


def euro_municipality(env, **company_vals):
    """The database's company as a euro municipality ready for munipay."""
    company = env.company
    euro = env.ref('base.EUR')
    euro.active = True
    if company.currency_id != euro:
        company.currency_id = euro  # a fresh database: no entry yet
    company._munipay_ensure_setup()
    company.write(dict({'name': BENCH_MUNICIPALITY}, **company_vals))
    return company


def bench_fees(env, fee_vals_list, **product_vals):
    """Fee types on one untaxed service product (``fee_vals_list``: their own values)."""
    product = env['product.product'].create(dict(
        {'name': 'Bench fee', 'type': 'service', 'taxes_id': [Command.clear()]}, **product_vals))
    return env['munipay.fee.type'].create([dict(vals, product_id=product.id) for vals in fee_vals_list])


def issue_in_batches(registry, n_orders, order_vals, batch=5000, one_by_one=False):
    """Create and issue ``n_orders`` orders, ``order_vals(i)`` giving the i-th order's
    partner, fee type and anything else; each batch is committed on its own. Batches
    are issued as bulk issuing does (one entry each), or each order with its own
    invoice (``one_by_one``, as an officer or the desk issues them). Returns the ids."""
    start = time.perf_counter()
    ids = []
    for first in range(0, n_orders, batch):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            Order = env['munipay.payment.order']
            vals_list = [order_vals(first + i) for i in range(min(batch, n_orders - first))]
            fee_lines = {fee_id: Order._munipay_lines_for_fee_type(env['munipay.fee.type'].browse(fee_id))
                         for fee_id in {vals['fee_type_id'] for vals in vals_list}}
            orders = Order.with_context(tracking_disable=True).create([
                dict(vals, line_ids=fee_lines[vals['fee_type_id']]) for vals in vals_list])
            if one_by_one:
                orders.action_issue()
            else:
                orders._munipay_issue_batch()
            ids += orders.ids
            cr.commit()
        print(f"  issued {first + len(vals_list)} orders{' one by one' if one_by_one else ''} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    return ids
