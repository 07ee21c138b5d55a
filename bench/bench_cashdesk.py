"""Cash desk benchmark (issue 10): N_ORDERS issued payment orders (the issue's figure:
100,000; half on pagoPA notices, half on EPC069-12 with an RF reference) of a POS
whose session a cashier (Point of Sale rights only) has opened.

Run through `./munipay bench cashdesk [N_ORDERS [N_SALES]]` (e.g. `2000 100` for a
quick check):

1. scan to order: the server round trip the POS's Payment Orders screen makes when a
   notice is scanned (`munipay_cashdesk_lookup` over JSON-RPC, logged in as the
   cashier, on an Odoo server with 2 workers), for SCANS random orders per kind of
   code: the pagoPA QR, the EPC QR, the order number, and the payer's name typed in
   the search field (the screen tries it as a code first, then searches: two round
   trips). One client; goal p95 <= 300 ms. Each answer is checked: the order, with
   its amount due today.
2. closing: N_SALES sales (default 1,000) each paying one payment order, cash and card
   (with the fee's card handling fee) alternately, sent as the POS sends them
   (`pos.order.sync_from_ui`), then the session closed as the closing screen does
   (counted cash, `close_session_from_ui`); goal <= 60 s. Then the transit account
   must be zero and every item on it reconciled. BULK_SALES of the sales pay orders of
   the batch-issued 100,000 (one entry per 5,000 orders), the others orders issued one
   by one (their own invoice): the time per sale of each is reported.

MUNIPAY_BENCH_PROFILE=<file>: cProfile statistics of the closing.
"""
import cProfile
import http.client
import json
import os
import random
import sys
import time
from uuid import uuid4

import odoo
from odoo import api, fields, SUPERUSER_ID, Command
from odoo.tools import config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_fees, euro_municipality, issue_in_batches  # noqa: E402
from bench_pagopa_node import CpuMeter, free_port, process_cpu, start_server, stop_server  # noqa: E402
from bench_portal import PASSWORD, log_in  # noqa: E402

FISCAL_CODE = '02438750586'
IBAN = 'IT60X0542811101000000123456'
AMOUNT = 25.0
HANDLING_FEE = 1.5
SCANS = 300
# sales of batch-issued orders (each reconciles one item of a 5,000-item entry); the others
# pay orders issued one by one
BULK_SALES = 20
WARMUP = 30
CASHIER = 'bench-cashier'
GOAL_SCAN = 0.300
GOAL_CLOSE = 60.0
SURNAMES = ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco',
            'Bruno', 'Gallo', 'Conti', 'De Luca', 'Mancini', 'Costa', 'Giordano', 'Rizzo', 'Lombardi', 'Moretti']
GIVEN = ['Mario', 'Giulia', 'Luca', 'Anna', 'Marco', 'Sara', 'Paolo', 'Chiara', 'Andrea', 'Elena',
         'Franco', 'Laura', 'Davide', 'Marta', 'Stefano', 'Paola', 'Giorgio', 'Silvia', 'Matteo', 'Alessia']


def payer_name(i):
    # a town's payers: common names, told apart by a second given name and a number
    return '%s %s %s %d' % (SURNAMES[i % 20], GIVEN[(i // 20) % 20], GIVEN[(i // 400) % 20], i // 8000)


# ---------------------------------------------------------------------- set-up

def setup(registry, n_orders, n_single, issue_batch=5000):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        bank = env['res.partner.bank'].create({'acc_number': IBAN, 'partner_id': company.partner_id.id})
        euro_municipality(env, **{
            'munipay_bank_account_id': bank.id,
            'munipay_qr_standard': 'epc',
            'munipay_creditor_fiscal_code': FISCAL_CODE,
            'munipay_pagopa_aux_digit': '3',
            'munipay_pagopa_segregation_code': '01',
            'munipay_pagopa_broker_id': '15376371009',
            'munipay_pagopa_station_id': FISCAL_CODE + '_01',
        })
        fees = bench_fees(env, [{
            'name': "Carta d'identità", 'code': 'DESK-PAGOPA', 'amount': AMOUNT,
            'handling_fee': HANDLING_FEE, 'qr_standard': 'pagopa', 'pagopa_transfer_category': '9/0101108TS/',
        }, {
            'name': "Passo carrabile", 'code': 'DESK-EPC', 'amount': AMOUNT,
            'handling_fee': HANDLING_FEE, 'qr_standard': 'epc',
        }])
        n_payers = max(1, n_orders // 2)
        partners = env['res.partner'].create([{'name': payer_name(i)} for i in range(n_payers)])

        cash_journal = env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'cash')], limit=1)
        card_journal = env['account.journal'].create({
            'name': 'Card acquirer', 'type': 'bank', 'code': 'CARD', 'company_id': company.id})
        cash_pm, card_pm = env['pos.payment.method'].create([
            {'name': 'Cash', 'journal_id': cash_journal.id, 'company_id': company.id},
            {'name': 'Card', 'journal_id': card_journal.id, 'company_id': company.id}])
        pos_config = env['pos.config'].create({
            'name': 'Cash desk 1', 'company_id': company.id,
            'payment_method_ids': [Command.set((cash_pm | card_pm).ids)]})
        cashier = env['res.users'].with_context(no_reset_password=True).create({
            'name': 'Bench Cashier', 'login': CASHIER, 'password': PASSWORD, 'email': 'cashier@example.com',
            'company_id': company.id, 'company_ids': [Command.set(company.ids)],
            'groups_id': [Command.set([env.ref('base.group_user').id, env.ref('point_of_sale.group_pos_user').id])]})
        cr.commit()
        fee_ids, partner_ids, cashier_id = fees.ids, partners.ids, cashier.id

    issue_in_batches(registry, n_orders, lambda i: {
        'partner_id': partner_ids[i % len(partner_ids)], 'fee_type_id': fee_ids[i % 2]}, batch=issue_batch)
    # orders issued one by one (each its own invoice), as an officer or the desk issues them
    single_ids = issue_in_batches(registry, n_single, lambda i: {
        'partner_id': partner_ids[(7 * i) % len(partner_ids)], 'fee_type_id': fee_ids[i % 2]},
        batch=100, one_by_one=True)

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        # the cashier opens the session, as the POS does
        pos_config = pos_config.with_env(env(user=cashier_id))
        pos_config.open_ui()
        session = pos_config.current_session_id
        session.set_opening_control(0, None)
        cr.execute("ANALYZE")
        cr.commit()
        cr.execute("SELECT id, name, fee_type_id, partner_id FROM munipay_payment_order WHERE state = 'issued' "
                   "AND fee_type_id IN %s AND id NOT IN %s", [tuple(fee_ids), tuple(single_ids or [0])])
        orders = cr.fetchall()
        return {'company_id': company.id, 'config_id': pos_config.id, 'session_id': session.id,
                'cashier_id': pos_config.env.uid, 'fees': dict(zip(('pagopa', 'epc'), fee_ids)),
                'cash_pm': cash_pm.id, 'card_pm': card_pm.id, 'orders': orders, 'single_ids': single_ids}


# ---------------------------------------------------------------------- 1. scan to order

class Desk:
    """The POS in the browser: one keep-alive connection, the cashier's session cookie."""

    def __init__(self, port, cookie, config_id, company_id, uid):
        self.conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
        self.cookie, self.config_id = cookie, config_id
        self.context = {'lang': 'en_US', 'tz': 'Europe/Rome', 'uid': uid, 'allowed_company_ids': [company_id]}
        self.calls = 0

    def call(self, method, *args):
        """``this.data.call('munipay.payment.order', method, args)``: (result, seconds)."""
        self.calls += 1
        body = json.dumps({'jsonrpc': '2.0', 'method': 'call', 'id': self.calls, 'params': {
            'model': 'munipay.payment.order', 'method': method, 'args': list(args),
            'kwargs': {'context': self.context}}})
        t0 = time.perf_counter()
        self.conn.request('POST', '/web/dataset/call_kw/munipay.payment.order/%s' % method, body=body,
                          headers={'Content-Type': 'application/json', 'Cookie': self.cookie})
        response = self.conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - t0
        answer = json.loads(data) if response.status == 200 else {'error': 'HTTP %s' % response.status}
        if 'error' in answer:
            raise RuntimeError('%s failed: %s' % (method, str(answer['error'])[:500]))
        return answer['result'], elapsed

    def scan(self, text):
        """What the screen does with a scan: one round trip."""
        return self.call('munipay_cashdesk_lookup', self.config_id, text)

    def search(self, text):
        """What the screen does with a search: the text as a code, then a search of the payers."""
        result, first = self.call('munipay_cashdesk_lookup', self.config_id, text)
        if result['status'] != 'not_found':
            return result, first
        result, second = self.call('munipay_cashdesk_search', self.config_id, text)
        return result, first + second


def describe_scans(_label, latencies, wrong, cpu):
    return (f"p50 {1000 * percentile(latencies, .5):.0f} ms, p95 {1000 * percentile(latencies, .95):.0f} ms, "
            f"p99 {1000 * percentile(latencies, .99):.0f} ms ({len(latencies)} scans"
            f"{', %d WRONG' % len(wrong) if wrong else ''}); server CPU {cpu[0]:.1f} ms/scan (Odoo {cpu[1]:.1f})")


def percentile(ordered, share):
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def scan_codes(registry, setup_data, rng):
    """(kind, label, [(text, expected order id, due)]) for SCANS random orders of each kind."""
    by_fee = {}
    for order_id, name, fee_id, partner_id in setup_data['orders']:
        by_fee.setdefault(fee_id, []).append((order_id, name, partner_id))
    fees = setup_data['fees']
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Order = env['munipay.payment.order']
        kinds = []
        for kind, label, fee_key, text_of in (
                ('pagopa', 'pagoPA QR code', 'pagopa', lambda o: o._munipay_payment_qr_payload()),
                ('epc', 'EPC069-12 QR code (RF reference)', 'epc', lambda o: o._munipay_payment_qr_payload()),
                ('number', 'order number', None, lambda o: o.name),
                ('name', "payer's name, typed (lookup, then search)", None, lambda o: o.partner_id.name)):
            pool = by_fee[fees[fee_key]] if fee_key else setup_data['orders']
            sample = Order.browse([row[0] for row in rng.sample(pool, min(SCANS, len(pool)))])
            kinds.append((kind, label, [(text_of(o), o.id, o.get_amount_open()) for o in sample]))
        return kinds


def measure_scans(port, setup_data, kinds, meter):
    cookie = log_in(port, CASHIER)
    desk = Desk(port, cookie, setup_data['config_id'], setup_data['company_id'], setup_data['cashier_id'])
    warmup = [text for _kind, _label, codes in kinds for text, _id, _due in codes[:WARMUP // len(kinds) + 1]]
    for text in warmup:
        desk.search(text)
    results = {}
    for kind, label, codes in kinds:
        latencies, wrong = [], []
        meter.start()
        for text, order_id, due in codes:
            result, elapsed = (desk.search if kind == 'name' else desk.scan)(text)
            latencies.append(elapsed)
            records = {r['id']: r for r in result.get('records', {}).get('munipay.payment.order', [])}
            if result['status'] != 'ok' or order_id not in result['order_ids'] \
                    or abs(records[order_id]['cashdesk_amount_due'] - due) > 0.005:
                wrong.append((text[:40], result['status'], result['message']))
        odoo_cpu, pg_cpu = meter.stop()
        # the machine may be shared: the server's CPU per scan does not depend on what else runs
        cpu = (1000 * (odoo_cpu + pg_cpu) / len(codes), 1000 * odoo_cpu / len(codes)) if codes else (0.0, 0.0)
        results[kind] = (label, sorted(latencies), wrong, cpu)
        print(f"  {label}: {describe_scans(*results[kind])}", flush=True)
    return results


# ---------------------------------------------------------------------- 2. closing

def sale_payload(session, pos_config, order, due, card, cash_pm, card_pm, uid, sequence):
    """A sale as the POS front end sends it: the order's line (and the handling fee by card)."""
    def line(price, **vals):
        return Command.create({
            'id': sequence * 10 + len(lines), 'uuid': str(uuid4()), 'qty': 1, 'price_unit': price,
            'price_subtotal': price, 'price_subtotal_incl': price, 'discount': 0, 'tax_ids': [],
            'pack_lot_ids': [], **vals})
    lines = []
    lines.append(line(due, product_id=order_product(session).id, munipay_order_id=order.id,
                      full_product_name='Payment order %s' % order.payment_reference))
    if card:
        lines.append(line(HANDLING_FEE, product_id=handling_product(session).id, munipay_order_id=order.id,
                          munipay_handling_fee=True, full_product_name='Card handling fee'))
    total = round(sum(cmd[2]['price_subtotal_incl'] for cmd in lines), 2)
    uuid = str(uuid4())
    return {
        'amount_paid': total, 'amount_return': 0, 'amount_tax': 0, 'amount_total': total,
        'date_order': fields.Datetime.to_string(fields.Datetime.now()),
        'fiscal_position_id': False, 'pricelist_id': pos_config.pricelist_id.id,
        'name': 'Order %s' % uuid, 'last_order_preparation_change': '{}',
        'lines': lines, 'partner_id': order.partner_id.id, 'session_id': session.id,
        'sequence_number': sequence,
        'payment_ids': [Command.create({'amount': total, 'name': fields.Datetime.now(),
                                        'payment_method_id': card_pm if card else cash_pm})],
        'uuid': uuid, 'user_id': uid, 'to_invoice': False, 'state': 'paid',
    }


def order_product(session):
    return session.env.ref('munipay_cashdesk.product_payment_order')


def handling_product(session):
    return session.env.ref('munipay_cashdesk.product_handling_fee')


def make_sales(registry, setup_data, order_ids, batch=50, offset=0):
    start = time.perf_counter()
    for first in range(0, len(order_ids), batch):
        with registry.cursor() as cr:
            env = api.Environment(cr, setup_data['cashier_id'], {'allowed_company_ids': [setup_data['company_id']]})
            session = env['pos.session'].browse(setup_data['session_id'])
            orders = env['munipay.payment.order'].sudo().browse(order_ids[first:first + batch])
            for i, order in enumerate(orders, offset + first):
                data = sale_payload(session, session.config_id, order, order.get_amount_open(), i % 2 == 1,
                                    setup_data['cash_pm'], setup_data['card_pm'], env.uid, i + 1)
                # the POS sends each sale on its own (several at once only after being offline)
                env['pos.order'].sync_from_ui([data])
            cr.commit()
        done = min(first + batch, len(order_ids))
        if done % 200 == 0 or done == len(order_ids):
            print(f"  {offset + done} sales ({time.perf_counter() - start:.0f} s)", flush=True)
    return time.perf_counter() - start


def close_session(registry, setup_data):
    profile = cProfile.Profile() if os.environ.get('MUNIPAY_BENCH_PROFILE') else None
    with registry.cursor() as cr:
        env = api.Environment(cr, setup_data['cashier_id'], {'allowed_company_ids': [setup_data['company_id']]})
        session = env['pos.session'].browse(setup_data['session_id'])
        cr.execute("SELECT count(*) FROM account_move_line")
        items_before = cr.fetchone()[0]
        cash = sum(session.order_ids.payment_ids.filtered(lambda p: p.payment_method_id.is_cash_count).mapped('amount'))
        env.flush_all()
        cr.execute("SELECT pg_backend_pid()")
        backend = cr.fetchone()[0]
        pg_cpu, odoo_cpu = process_cpu(backend), time.process_time()
        start = time.perf_counter()
        if profile:
            profile.enable()
        # the closing screen: counted cash, then Close Session
        session.post_closing_cash_details(cash)
        result = session.close_session_from_ui()
        env.flush_all()
        cr.commit()
        if profile:
            profile.disable()
            profile.dump_stats(os.environ['MUNIPAY_BENCH_PROFILE'])
        seconds = time.perf_counter() - start
        odoo_cpu, pg_cpu = time.process_time() - odoo_cpu, process_cpu(backend) - pg_cpu
        if not result.get('successful'):
            raise RuntimeError('the session did not close: %s' % result)
        cr.execute("SELECT count(*) FROM account_move_line")
        items_made = cr.fetchone()[0] - items_before
        session.invalidate_recordset()
        return session.state, seconds, odoo_cpu, pg_cpu, items_made, cash


def check_ledger(registry, setup_data, order_ids):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env['res.company'].browse(setup_data['company_id'])
        session = env['pos.session'].browse(setup_data['session_id'])
        transit = company.munipay_cashdesk_transit_account_id
        cr.execute("SELECT count(*), COALESCE(SUM(balance), 0), count(*) FILTER (WHERE NOT reconciled) "
                   "FROM account_move_line WHERE account_id = %s AND parent_state = 'posted'", [transit.id])
        transit_items, transit_balance, unreconciled = cr.fetchone()
        cr.execute("SELECT count(*) FROM munipay_payment_order WHERE id IN %s AND state = 'paid'", [tuple(order_ids)])
        paid = cr.fetchone()[0]
        cr.execute("SELECT COALESCE(SUM(balance), 0) FROM account_move_line WHERE parent_state = 'posted'")
        total = cr.fetchone()[0]
        session_items = len(session.move_id.line_ids)
        payment_items = len(session.order_ids.munipay_payment_ids.move_id.line_ids)
        statement_items = len(session.statement_line_ids.move_id.line_ids)
        return {'transit_items': transit_items, 'transit_balance': transit_balance, 'unreconciled': unreconciled,
                'paid': paid, 'total': total, 'session_items': session_items, 'payment_items': payment_items,
                'statement_items': statement_items, 'sales': len(session.order_ids)}


# ---------------------------------------------------------------------- main

def main(db, n_orders, n_sales):
    rng = random.Random(10)
    registry = odoo.modules.registry.Registry(db)
    print(f"setting up {n_orders} issued orders", flush=True)
    n_bulk_sales = min(BULK_SALES, n_sales)
    setup_data = setup(registry, n_orders, n_sales - n_bulk_sales)
    kinds = scan_codes(registry, setup_data, rng)

    port = config['http_port'] or free_port()
    server = start_server(db, port)
    meter = CpuMeter(server, registry, db)
    try:
        print("1. scan to order, 1 client, logged in as a cashier:", flush=True)
        scans = measure_scans(port, setup_data, kinds, meter)
    finally:
        stop_server(server)

    scanned = {order_id for _kind, _label, codes in kinds for _text, order_id, _due in codes}
    # the sales pay orders nobody scanned (the lookups changed nothing, but keep them apart)
    candidates = [row[0] for row in setup_data['orders'] if row[0] not in scanned]
    bulk_ids = rng.sample(candidates, min(n_bulk_sales, len(candidates)))
    order_ids = bulk_ids + setup_data['single_ids']
    print(f"2. {len(order_ids)} sales of payment orders (cash and card alternately) through sync_from_ui:", flush=True)
    bulk_seconds = make_sales(registry, setup_data, bulk_ids, batch=10)
    sales_seconds = make_sales(registry, setup_data, setup_data['single_ids'], offset=len(bulk_ids))
    state, close_seconds, close_odoo_cpu, close_pg_cpu, items_made, cash = close_session(registry, setup_data)
    print(f"  session closed in {close_seconds:.1f} s", flush=True)
    ledger = check_ledger(registry, setup_data, order_ids)

    print(f"\ncash desk: {len(setup_data['orders'])} issued orders (pagoPA and EPC/RF half and half), "
          f"Odoo with 2 workers, 1 client (the POS of a cashier with Point of Sale rights)")
    ok = True
    for kind, (label, latencies, wrong, cpu) in scans.items():
        good = percentile(latencies, .95) <= GOAL_SCAN and not wrong
        ok = ok and good
        print(f"  scan to order, {label}: {describe_scans(label, latencies, wrong, cpu)}; "
              f"goal p95 <= {1000 * GOAL_SCAN:.0f} ms: {'yes' if good else 'NO'}")
        for text, status, message in wrong[:3]:
            print(f"    wrong: {text!r}: {status}: {message}")
    n_single = len(setup_data['single_ids'])
    print(f"  {ledger['sales']} sales through sync_from_ui: {n_single} of orders issued one by one in "
          f"{sales_seconds:.1f} s ({1000 * sales_seconds / max(1, n_single):.0f} ms per sale), {len(bulk_ids)} of "
          f"orders issued in batches of 5,000 on one entry in {bulk_seconds:.1f} s "
          f"({1000 * bulk_seconds / max(1, len(bulk_ids)):.0f} ms per sale); {ledger['paid']} of {len(order_ids)} "
          f"orders paid; {ledger['payment_items']} journal items on the orders' payments")
    good = state == 'closed' and close_seconds <= GOAL_CLOSE
    ok = ok and good
    print(f"  closing the session ({ledger['sales']} sales, counted cash {cash:.2f}): {close_seconds:.1f} s "
          f"(CPU: Odoo {close_odoo_cpu:.1f} s, PostgreSQL {close_pg_cpu:.1f} s), state {state}; "
          f"goal <= {GOAL_CLOSE:.0f} s: {'yes' if good else 'NO'}")
    print(f"  journal items made by the closing: {items_made} (closing entry {ledger['session_items']}, "
          f"cash statement lines {ledger['statement_items']}, the rest card and cash payments)")
    cleared = abs(ledger['transit_balance']) < 0.005 and not ledger['unreconciled'] and ledger['transit_items']
    ok = ok and bool(cleared) and ledger['paid'] == len(order_ids) and abs(ledger['total']) < 0.005
    print(f"  transit account: {ledger['transit_items']} items, balance {ledger['transit_balance']:.2f}, "
          f"{ledger['unreconciled']} unreconciled: {'cleared' if cleared else 'NOT CLEARED'}; "
          f"sum of all journal items {ledger['total']:.2f}")
    print("  goals met: %s" % ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == '__main__':
    args = [int(a) for a in sys.argv[1:]]
    n_orders = args[0] if args else 100000
    n_sales = args[1] if len(args) > 1 else 1000
    sys.exit(main(os.environ['MUNIPAY_BENCH_DB'], n_orders, n_sales))
