"""Citizen portal benchmark: an Odoo server with 2 workers, N_ORDERS issued payment
orders (the issue's figure: 100,000), and side by side in one run:

- Odoo's own invoice page, `/my/invoices/<id>?access_token=…` (a visitor holding the
  invoice's link; the yardstick);
- a payment order's page by its personal link, `/my/munipay/orders/<id>?access_token=…`
  (a visitor: amount due today, schedule, lines, chatter, the payment form);
- the Pay page, `/my/munipay/pay?order_ids=<id>` (a logged-in citizen paying one of
  their orders: the payment form with the providers the fee allows).

Run through `./munipay bench portal [N_ORDERS [SECONDS]]` (e.g. `2000 5` for a quick
check). Each page is measured for SECONDS (default 20) after a short warm-up with 20
keep-alive loopback clients, then with one client alone; the HTTP floor
(`/web/health`) before and after says how loaded the machine was. Goals (issue 9):
each munipay page at least the invoice page's throughput and no worse p95 at 20
clients; p95 <= 50 ms for one client. Each phase also reports the CPU the server
(Odoo's processes and their PostgreSQL backends) spent per request, which does not
depend on what else runs on a shared machine.
"""
import http.client
import os
import random
import re
import sys
import threading
import time
import urllib.parse

import odoo
from odoo import api, SUPERUSER_ID, Command
from odoo.tools import config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_fees, euro_municipality, issue_in_batches  # noqa: E402
from bench_pagopa_node import CpuMeter, Load, free_port, start_server, stop_server  # noqa: E402

CLIENTS = 20
AMOUNT = 25.0
N_PAYERS = 1000       # the orders are spread over this many payers
N_INVOICES = 2000     # Odoo's invoices for its own page (the page reads one record: their number hardly matters)
PASSWORD = 'bench-portal-Pa55'


# ---------------------------------------------------------------------- set-up

def setup(registry, n_orders, issue_batch=5000):
    n_payers = max(CLIENTS, min(N_PAYERS, n_orders))
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = euro_municipality(env)
        # Odoo's demo provider collects online, as in the demo and test databases
        provider = env.ref('payment.payment_provider_demo')
        provider.write({'state': 'test', 'is_published': True, 'company_id': company.id})
        fee = bench_fees(env, [{'name': "Identity card", 'code': 'BENCH', 'amount': AMOUNT}], list_price=AMOUNT)
        product = fee.product_id
        partners = env['res.partner'].create([
            {'name': 'Bench payer %05d' % i, 'street': 'Via Roma %d' % i, 'city': 'Roma', 'zip': '00100',
             'email': 'payer%05d@example.com' % i} for i in range(n_payers)])
        portal = env.ref('base.group_portal')
        users = env['res.users'].with_context(no_reset_password=True).create([{
            'login': 'bench-citizen-%02d' % i, 'password': PASSWORD, 'partner_id': partner.id,
            'groups_id': [Command.set(portal.ids)]} for i, partner in enumerate(partners[:CLIENTS])])
        cr.commit()
        fee_id, partner_ids, logins = fee.id, partners.ids, users.mapped('login')
        product_id = product.id

    start = time.perf_counter()
    issue_in_batches(registry, n_orders, lambda i: {
        'partner_id': partner_ids[i % len(partner_ids)], 'fee_type_id': fee_id, 'origin': 'CASE-%06d' % i},
        batch=issue_batch)

    n_invoices = min(N_INVOICES, n_orders)
    for first in range(0, n_invoices, 500):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            invoices = env['account.move'].with_context(tracking_disable=True).create([{
                'move_type': 'out_invoice',
                'partner_id': partner_ids[(first + i) % len(partner_ids)],
                'invoice_line_ids': [Command.create({'product_id': product_id, 'quantity': 1, 'price_unit': AMOUNT})],
            } for i in range(min(500, n_invoices - first))])
            invoices.action_post()
            cr.commit()
    print(f"  posted {n_invoices} invoices ({time.perf_counter() - start:.0f} s)", flush=True)

    with registry.cursor() as cr:
        # the links printed on notices and sent with invoices
        cr.execute("UPDATE munipay_payment_order SET access_token = gen_random_uuid()::text "
                   "WHERE access_token IS NULL AND fee_type_id = %s", [fee_id])
        cr.execute("UPDATE account_move SET access_token = gen_random_uuid()::text "
                   "WHERE access_token IS NULL AND move_type = 'out_invoice'")
        cr.execute("ANALYZE")
        cr.execute("SELECT id, access_token FROM munipay_payment_order WHERE fee_type_id = %s AND state = 'issued'",
                   [fee_id])
        orders = cr.fetchall()
        cr.execute("SELECT id, access_token FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'")
        invoices = cr.fetchall()
        cr.execute("""SELECT u.login, array_agg(o.id) FROM res_users u
                        JOIN munipay_payment_order o ON o.partner_id = u.partner_id AND o.state = 'issued'
                       WHERE u.login = ANY(%s) GROUP BY u.login""", [logins])
        own_orders = dict(cr.fetchall())
    return orders, invoices, own_orders


# ---------------------------------------------------------------------- clients

def log_in(port, login):
    """The session cookie of ``login`` after Odoo's login form."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    conn.request('GET', '/web/login')
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader('Set-Cookie', '').split(';')[0]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({'login': login, 'password': PASSWORD, 'csrf_token': csrf, 'redirect': '/my'})
    conn.request('POST', '/web/login', body=body, headers={
        'Content-Type': 'application/x-www-form-urlencoded', 'Cookie': cookie})
    response = conn.getresponse()
    response.read()
    cookie = (response.getheader('Set-Cookie') or cookie).split(';')[0]
    conn.close()
    if response.status not in (302, 303) or '/web/login' in (response.getheader('Location') or ''):
        raise RuntimeError(f'{login} could not log in (HTTP {response.status})')
    return cookie


def link_requests(path, records, rng):
    """A visitor holding a record's link: random records, no session."""
    def next_request():
        record_id, token = rng.choice(records)
        return 'GET', f'{path}/{record_id}?access_token={token}', None, {}, None
    return next_request


def pay_requests(sessions, own_orders, rng):
    """Logged-in citizens, one per client thread, opening the Pay page of one of their orders."""
    local = threading.local()
    take = threading.Lock()
    pool = list(sessions.items())

    def next_request():
        if not hasattr(local, 'login'):
            with take:
                local.login, local.cookie = pool.pop() if pool else rng.choice(list(sessions.items()))
        order_id = rng.choice(own_orders[local.login])
        return 'GET', f'/my/munipay/pay?order_ids={order_id}', None, {'Cookie': local.cookie}, None
    return next_request


def has(marker):
    return lambda data: marker in data


def p95(latencies):
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] if ordered else 0.0


def describe(result, latencies, yardstick=None):
    rate = f"{result.rate:6.1f} req/s"
    if yardstick:
        rate += f" ({100 * result.rate / yardstick[0].rate:.0f} % of Odoo's invoice page)" if yardstick[0].rate else ""
    failed = f", {len(result.failures)} failed" if result.failures else ""
    return (f"{rate}; p50 {1000 * result.p50:.0f} ms, p95 {1000 * p95(latencies):.0f} ms, "
            f"p99 {1000 * result.p99:.0f} ms ({result.count} requests{failed}); "
            f"server CPU {result.cpu_ms:.1f} ms/request (Odoo {result.odoo_cpu_ms:.1f})")


def main(db, n_orders, seconds):
    rng = random.Random(9)
    registry = odoo.modules.registry.Registry(db)
    orders, invoices, own_orders = setup(registry, n_orders)
    port = config['http_port'] or free_port()
    server = start_server(db, port)
    meter = CpuMeter(server, registry, db)
    pages = {
        'invoice': ("Odoo's invoice page /my/invoices/<id>?access_token=…",
                    lambda: link_requests('/my/invoices', invoices, rng), b'o_portal_sidebar'),
        'order': ("payment order page /my/munipay/orders/<id>?access_token=…",
                  lambda: link_requests('/my/munipay/orders', orders, rng), b'o_munipay_amount_due'),
        'pay': ("Pay page /my/munipay/pay?order_ids=<id> (logged in)",
                lambda: pay_requests(sessions, own_orders, rng), b'o_payment_form'),
    }
    results = {}
    try:
        sessions = {login: log_in(port, login) for login in own_orders}
        floor_load = Load(port, CLIENTS, lambda: ('GET', '/web/health?db_server_status=1', None, {}, None))
        results['floor'] = (floor_load.run(seconds, meter), list(floor_load.latencies))
        print(f"HTTP floor, {CLIENTS} clients: {describe(*results['floor'])}", flush=True)
        for clients in (CLIENTS, 1):
            for key, (label, requests, marker) in pages.items():
                load = Load(port, clients, requests(), has(marker))
                result = load.run(seconds, meter)
                results[(key, clients)] = (result, list(load.latencies))
                yardstick = results[('invoice', clients)] if key != 'invoice' else None
                print(f"{label}, {clients} client(s): {describe(result, load.latencies, yardstick)}", flush=True)
        results['floor_after'] = (floor_load.run(seconds, meter), list(floor_load.latencies))
        print(f"HTTP floor again, {CLIENTS} clients: {describe(*results['floor_after'])}", flush=True)
    finally:
        stop_server(server)

    for key, (result, _latencies) in results.items():
        for status, data in result.failures[:3]:
            print(f"  failed {key}: HTTP {status}: {data!r}")

    print(f"\ncitizen portal: {len(orders)} issued orders, {len(invoices)} invoices, phases of {seconds} s, "
          f"Odoo with 2 workers, {CLIENTS} keep-alive loopback clients")
    floor = results['floor'][0]
    print(f"  HTTP floor /web/health: {floor.rate:.1f} req/s (again at the end: {results['floor_after'][0].rate:.1f})")
    ok = True
    invoice_many, invoice_many_lat = results[('invoice', CLIENTS)]
    print(f"  {pages['invoice'][0]}, {CLIENTS} clients: {describe(invoice_many, invoice_many_lat)}")
    for key in ('order', 'pay'):
        many, many_lat = results[(key, CLIENTS)]
        fast = many.rate >= invoice_many.rate and p95(many_lat) <= p95(invoice_many_lat)
        print(f"  {pages[key][0]}, {CLIENTS} clients: {describe(many, many_lat, results[('invoice', CLIENTS)])}; "
              f"goal >= 100 % and p95 <= {1000 * p95(invoice_many_lat):.0f} ms: {'yes' if fast else 'NO'}")
        ok = ok and fast and not many.failures
    for key in ('invoice', 'order', 'pay'):
        one, one_lat = results[(key, 1)]
        goal = f"; goal p95 <= 50 ms: {'yes' if p95(one_lat) <= 0.05 else 'NO'}" if key != 'invoice' else ''
        print(f"  {pages[key][0]}, 1 client: {describe(one, one_lat)}{goal}")
        if key != 'invoice':
            ok = ok and p95(one_lat) <= 0.05 and not one.failures
    print("  goals met: %s" % ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == '__main__':
    args = [int(a) for a in sys.argv[1:]]
    n_orders = args[0] if args else 100000
    seconds = args[1] if len(args) > 1 else 20
    sys.exit(main(os.environ['MUNIPAY_BENCH_DB'], n_orders, seconds))
