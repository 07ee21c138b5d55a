"""pagoPA node benchmark: the paForNode service of an Odoo server with 2 workers,
against N_ORDERS issued orders of a pagoPA comune (the issue's figure: 100,000).

Run through `./munipay bench pagopa_node [N_ORDERS [SECONDS]]`. In one run, each
phase SECONDS long (default 20) after a short warm-up, with keep-alive loopback
clients:

- the HTTP floor: `/web/health?db_server_status=1` with 16 clients;
- paVerifyPaymentNotice and paGetPayment with 16 clients (throughput as a share
  of the floor, goal >= 50 %; p99 <= 1 s) and with one client (p99 <= 50 ms);
- paSendRT with 16 senders, one receipt per open order (acknowledged = stored
  and committed; ack rate as a share of the floor, goal >= 50 %);
- then, the server stopped, the booking job books the stored receipts batch by
  batch as its cron does (goal >= 50 receipts/s), and the run checks that no
  receipt was lost: stored = acknowledged, booked = stored, each order paid
  once, the ledger balanced.

The machine may be shared: each phase also reports the CPU the server (Odoo's
processes and their PostgreSQL backends) spent per request, and the booking job
its CPU per receipt, which do not depend on what else runs.

MUNIPAY_BENCH_PROFILE=<file>: cProfile statistics of the first booking batch.
"""
import cProfile
import http.client
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime

import odoo
from odoo import api, SUPERUSER_ID
from odoo.tools import config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import bench_fees, euro_municipality, issue_in_batches  # noqa: E402

FISCAL_CODE = '02438750586'
BROKER = '15376371009'
STATION = '02438750586_01'
IBAN = 'IT60X0542811101000000123456'
ENDPOINT = '/munipay/pagopa/paForNode'
SOAP = 'http://schemas.xmlsoap.org/soap/envelope/'
PAFN = 'http://pagopa-api.pagopa.gov.it/pa/paForNode.xsd'
CLIENTS = 16
WARMUP_SECONDS = 3
AMOUNT = '25.00'


# ---------------------------------------------------------------------- set-up

def setup(registry, n_orders, issue_batch=5000):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        bank = env['res.partner.bank'].create({'acc_number': IBAN, 'partner_id': company.partner_id.id})
        euro_municipality(env, **{
            'munipay_bank_account_id': bank.id,
            'munipay_creditor_fiscal_code': FISCAL_CODE,
            'munipay_pagopa_aux_digit': '3',
            'munipay_pagopa_segregation_code': '01',
            'munipay_pagopa_broker_id': BROKER,
            'munipay_pagopa_station_id': STATION,
            'munipay_qr_standard': 'pagopa',
        })
        company._munipay_pagopa_journal()
        fee = bench_fees(env, [{'name': "Carta d'identità", 'code': 'PAGOPA', 'amount': float(AMOUNT),
                                'pagopa_transfer_category': '9/0101108TS/'}])
        partners = env['res.partner'].create([{'name': 'Bench payer %06d' % i} for i in range(n_orders)])
        cr.commit()
        fee_id, partner_ids = fee.id, partners.ids

    issue_in_batches(registry, n_orders, lambda i: {'partner_id': partner_ids[i], 'fee_type_id': fee_id},
                     batch=issue_batch)

    with registry.cursor() as cr:
        cr.execute("SELECT pagopa_notice_number, pagopa_iuv FROM munipay_payment_order "
                   "WHERE fee_type_id = %s AND state = 'issued' AND pagopa_notice_number IS NOT NULL", [fee_id])
        return fee_id, cr.fetchall()


# ---------------------------------------------------------------------- the server

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_server(db, port):
    args = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'odoo_server.py'),
            '--addons-path', config['addons_path'], '-d', db,
            '--http-interface', '127.0.0.1', '--http-port', str(port), '--gevent-port', str(free_port()),
            '--workers', '2', '--max-cron-threads', '0', '--log-level', 'warn', '--no-database-list',
            '--limit-time-real', '600', '--limit-time-cpu', '300']
    if config.rcfile and os.path.exists(config.rcfile):
        args[2:2] = ['-c', config.rcfile]
    for option in ('db_host', 'db_port', 'db_user', 'db_password'):
        if config.get(option):
            args.append('--%s=%s' % (option, config[option]))
    server = subprocess.Popen(args, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
            conn.request('GET', '/web/health?db_server_status=1')
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            raise RuntimeError('the Odoo server stopped (exit %s)' % server.returncode)
        time.sleep(0.5)
    stop_server(server)
    raise RuntimeError('the Odoo server did not answer in 120 s')


def stop_server(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# ---------------------------------------------------------------------- CPU used

CLOCK_TICKS = os.sysconf('SC_CLK_TCK')


def process_cpu(pid):
    """CPU seconds (user + system) used by the process ``pid`` so far; 0 once it is gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def process_tree(root):
    parents = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry) as f:
                    parents[int(entry)] = int(f.read().rsplit(')', 1)[1].split()[1])
            except OSError:
                pass
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo.extend(child for child, parent in parents.items() if parent == pid and child not in tree)
    return tree


class CpuMeter:
    """CPU the server used during a phase: its processes (master and workers) and their
    PostgreSQL backends. The machine is shared: CPU per request says what a phase costs
    whatever else runs beside it."""

    def __init__(self, server, registry, db):
        self.server, self.registry, self.db = server, registry, db

    def _pids(self):
        with self.registry.cursor() as cr:
            cr.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid != pg_backend_pid()", [self.db])
            backends = {row[0] for row in cr.fetchall()}
        return process_tree(self.server.pid), backends

    def start(self):
        self.odoo_pids, self.pg_pids = self._pids()
        self.begin = {pid: process_cpu(pid) for pid in self.odoo_pids | self.pg_pids}

    def stop(self):
        odoo_pids, pg_pids = self._pids()
        delta = lambda pids: sum(max(0.0, process_cpu(pid) - self.begin.get(pid, 0.0)) for pid in pids)
        return delta(odoo_pids | self.odoo_pids), delta(pg_pids | self.pg_pids)


# ---------------------------------------------------------------------- clients

def soap(operation_element, inner):
    return ('<soapenv:Envelope xmlns:soapenv="%s" xmlns:pafn="%s"><soapenv:Header/><soapenv:Body>'
            '<pafn:%s><idPA>%s</idPA><idBrokerPA>%s</idBrokerPA><idStation>%s</idStation>%s</pafn:%s>'
            '</soapenv:Body></soapenv:Envelope>'
            % (SOAP, PAFN, operation_element, FISCAL_CODE, BROKER, STATION, inner, operation_element)).encode()


def verify_body(notice, _iuv):
    return soap('paVerifyPaymentNoticeReq',
                '<qrCode><fiscalCode>%s</fiscalCode><noticeNumber>%s</noticeNumber></qrCode>' % (FISCAL_CODE, notice))


def get_payment_body(notice, _iuv):
    return soap('paGetPaymentReq',
                '<qrCode><fiscalCode>%s</fiscalCode><noticeNumber>%s</noticeNumber></qrCode>'
                '<amount>%s</amount>' % (FISCAL_CODE, notice, AMOUNT))


def send_rt_body(notice, iuv, receipt_id):
    paid_at = datetime.now().replace(microsecond=0).isoformat()
    return soap('paSendRTReq', (
        '<receipt><receiptId>%s</receiptId><noticeNumber>%s</noticeNumber><fiscalCode>%s</fiscalCode>'
        '<outcome>OK</outcome><creditorReferenceId>%s</creditorReferenceId><paymentAmount>%s</paymentAmount>'
        '<description>Bench</description><companyName>Comune di Prova</companyName>'
        '<debtor><uniqueIdentifier><entityUniqueIdentifierType>F</entityUniqueIdentifierType>'
        '<entityUniqueIdentifierValue>RSSMRA70C03H501D</entityUniqueIdentifierValue></uniqueIdentifier>'
        '<fullName>Mario Rossi</fullName></debtor><transferList><transfer><idTransfer>1</idTransfer>'
        '<transferAmount>%s</transferAmount><fiscalCodePA>%s</fiscalCodePA><IBAN>%s</IBAN>'
        '<remittanceInformation>Bench</remittanceInformation><transferCategory>9/0101108TS/</transferCategory>'
        '</transfer></transferList><idPSP>BCITITMM</idPSP><PSPCompanyName>Intesa Sanpaolo</PSPCompanyName>'
        '<idChannel>BCITITMM_01</idChannel><channelDescription>app</channelDescription>'
        '<paymentMethod>creditCard</paymentMethod><fee>1.00</fee><paymentDateTime>%s</paymentDateTime></receipt>'
        % (receipt_id, notice, FISCAL_CODE, iuv, AMOUNT, AMOUNT, FISCAL_CODE, IBAN, paid_at)))


class Load:
    """``clients`` threads, each on its own keep-alive connection, sending what
    ``next_request()`` gives until the phase ends (or it gives None)."""

    def __init__(self, port, clients, next_request, check=None):
        self.port, self.clients, self.next_request, self.check = port, clients, next_request, check
        self.lock = threading.Lock()
        self.acked = []  # tags of the requests answered OK (never reset: a receipt acknowledged is counted)

    def run(self, seconds, meter, warmup=WARMUP_SECONDS):
        self.latencies, self.failures, self.ok = [], [], 0
        stop = time.perf_counter() + warmup + seconds
        threads = [threading.Thread(target=self._client, args=(stop,)) for _i in range(self.clients)]
        if not warmup:
            meter.start()
        self.measure_from = time.perf_counter() + warmup
        for thread in threads:
            thread.start()
        start = time.perf_counter()
        if warmup:
            time.sleep(warmup)
            meter.start()
            with self.lock:
                # requests sent during the warm-up (workers loading the XSD…) are not counted
                self.latencies, self.failures, self.ok = [], [], 0
                start = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        return Result(self.latencies, elapsed, self.failures, self.ok, *meter.stop())

    def _client(self, stop):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=60)
        while time.perf_counter() < stop:
            request = self.next_request()
            if request is None:
                break
            method, path, body, headers, tag = request
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=60)
                status, data = None, repr(error).encode()
            latency = time.perf_counter() - t0
            good = status == 200 and (self.check is None or self.check(data))
            with self.lock:
                if good and tag is not None:
                    self.acked.append(tag)
                if t0 < self.measure_from:
                    continue
                self.latencies.append(latency)
                if good:
                    self.ok += 1
                else:
                    self.failures.append((status, data[:300]))
        conn.close()


class Result:
    def __init__(self, latencies, elapsed, failures, ok, odoo_cpu=0.0, pg_cpu=0.0):
        self.count = len(latencies)
        self.cpu_ms = 1000 * (odoo_cpu + pg_cpu) / self.count if self.count else 0.0
        self.odoo_cpu_ms = 1000 * odoo_cpu / self.count if self.count else 0.0
        self.rate = self.count / elapsed if elapsed else 0.0
        ordered = sorted(latencies)
        self.p50 = ordered[len(ordered) // 2] if ordered else 0.0
        self.p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
        self.failures, self.ok = failures, ok

    def line(self, floor=None):
        share = f", {100 * self.rate / floor.rate:.0f} % of the floor" if floor else ""
        failed = f", {len(self.failures)} failed" if self.failures else ""
        cpu_share = f" = {100 * floor.cpu_ms / self.cpu_ms:.0f} % of the floor's" if floor and self.cpu_ms else ""
        return (f"{self.rate:6.1f} req/s{share}; p50 {1000 * self.p50:.0f} ms, p99 {1000 * self.p99:.0f} ms "
                f"({self.count} requests{failed}); server CPU {self.cpu_ms:.1f} ms/request "
                f"(Odoo {self.odoo_cpu_ms:.1f}){cpu_share}")


def soap_request(operation, body_of, notices, rng):
    headers = {'Content-Type': 'text/xml; charset=utf-8', 'SOAPAction': '"%s"' % operation}

    def next_request():
        notice, iuv = rng.choice(notices)
        return 'POST', ENDPOINT, body_of(notice, iuv), headers, None
    return next_request


def answered_ok(data):
    return b'<outcome>OK</outcome>' in data


# ---------------------------------------------------------------------- booking

def book_all(registry):
    """Run the booking job's batches (each its own transaction, as the cron runs
    them) until no stored receipt is left; returns (receipts, seconds)."""
    profile = cProfile.Profile() if os.environ.get('MUNIPAY_BENCH_PROFILE') else None
    total, start, first = 0, time.perf_counter(), True
    odoo_cpu, pg_cpu = time.process_time(), 0.0
    while True:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute("SELECT pg_backend_pid()")
            backend = cr.fetchone()[0]
            backend_cpu = process_cpu(backend)
            if profile and first:
                profile.enable()
            done = env['munipay.pagopa.receipt']._cron_pagopa_book()
            cr.commit()
            if profile and first:
                profile.disable()
                profile.dump_stats(os.environ['MUNIPAY_BENCH_PROFILE'])
            first = False
            pg_cpu += process_cpu(backend) - backend_cpu
        if not done:
            break
        total += len(done)
        print(f"  booked {total} receipts ({time.perf_counter() - start:.1f} s)", flush=True)
    return total, time.perf_counter() - start, time.process_time() - odoo_cpu, pg_cpu


def main(db, n_orders, seconds):
    rng = random.Random(8)
    registry = odoo.modules.registry.Registry(db)
    fee_id, notices = setup(registry, n_orders)
    rng.shuffle(notices)
    # receipts go to orders nobody verifies in this run, so every Verify finds an open order
    to_pay, to_ask = notices[:len(notices) // 2], notices[len(notices) // 2:]

    port = config['http_port'] or free_port()
    server = start_server(db, port)
    meter = CpuMeter(server, registry, db)
    try:
        results = {}
        floor_load = Load(port, CLIENTS, lambda: ('GET', '/web/health?db_server_status=1', None, {}, None))
        results['floor'] = floor_load.run(seconds, meter)
        print(f"HTTP floor, {CLIENTS} clients: {results['floor'].line()}", flush=True)
        for clients in (CLIENTS, 1):
            for operation, body_of in (('paVerifyPaymentNotice', verify_body), ('paGetPayment', get_payment_body)):
                load = Load(port, clients, soap_request(operation, body_of, to_ask, rng), answered_ok)
                result = results[(operation, clients)] = load.run(seconds, meter)
                print(f"{operation}, {clients} client(s): {result.line(results['floor'] if clients > 1 else None)}",
                      flush=True)

        # paSendRT: one receipt per order, each order taken once
        pending = iter(to_pay)
        take = threading.Lock()
        run_id = '%x' % int(time.time())
        counter = itertools.count()
        headers = {'Content-Type': 'text/xml; charset=utf-8', 'SOAPAction': 'paSendRT'}

        def next_receipt():
            with take:
                pair = next(pending, None)
                if pair is None:
                    return None
                receipt_id = 'bench-%s-%06d' % (run_id, next(counter))
            return 'POST', ENDPOINT, send_rt_body(pair[0], pair[1], receipt_id), headers, receipt_id
        load = Load(port, CLIENTS, next_receipt, answered_ok)
        results['sendrt'] = load.run(seconds, meter, warmup=0)
        sent = next(counter)
        acked = list(load.acked)
        print(f"paSendRT, {CLIENTS} senders: {results['sendrt'].line(results['floor'])}; "
              f"{len(acked)} acknowledged of {sent} sent", flush=True)
        results['floor_after'] = floor_load.run(seconds, meter)
        print(f"HTTP floor again, {CLIENTS} clients: {results['floor_after'].line()}", flush=True)
    finally:
        stop_server(server)

    for key, result in results.items():
        for status, data in result.failures[:3]:
            print(f"  failed {key}: HTTP {status}: {data!r}")

    booked, booking_seconds, booking_odoo_cpu, booking_pg_cpu = book_all(registry)

    with registry.cursor() as cr:
        cr.execute("SELECT count(*), count(*) FILTER (WHERE state = 'booked'), count(*) FILTER (WHERE booking_error "
                   "IS NOT NULL), count(*) FILTER (WHERE attachment_id IS NOT NULL) FROM munipay_pagopa_receipt "
                   "WHERE name LIKE %s", ['bench-%s-%%' % run_id])
        stored, booked_state, with_error, attached = cr.fetchone()
        cr.execute("SELECT name FROM munipay_pagopa_receipt WHERE name LIKE %s", ['bench-%s-%%' % run_id])
        stored_ids = {row[0] for row in cr.fetchall()}
        cr.execute("SELECT count(*) FROM munipay_payment_order WHERE fee_type_id = %s AND state = 'paid'", [fee_id])
        paid = cr.fetchone()[0]
        # booked once: one transit item of its own (receipts booked together) or one payment
        cr.execute("""SELECT count(*) FROM munipay_pagopa_receipt r
                       WHERE r.name LIKE %s
                         AND (SELECT count(*) FROM account_move_line l
                               WHERE l.munipay_pagopa_receipt_id = r.id AND l.debit > 0)
                           + (SELECT count(*) FROM munipay_pagopa_receipt_payment_rel rel
                               WHERE rel.receipt_id = r.id) = 1""",
                   ['bench-%s-%%' % run_id])
        booked_once = cr.fetchone()[0]
        cr.execute("SELECT COALESCE(SUM(balance), 0) FROM account_move_line")
        balance = cr.fetchone()[0]
        env = api.Environment(cr, SUPERUSER_ID, {})
        transit = env.company.munipay_pagopa_transit_account_id
        cr.execute("SELECT COALESCE(SUM(balance), 0) FROM account_move_line WHERE account_id = %s", [transit.id])
        on_transit = cr.fetchone()[0]

    floor = results['floor']
    print(f"\npagoPA node: {len(notices)} issued orders, phases of {seconds} s, Odoo with 2 workers, "
          f"{CLIENTS} keep-alive loopback clients")
    print(f"  HTTP floor /web/health?db_server_status=1: {floor.line()}"
          f" (again at the end: {results['floor_after'].rate:.1f} req/s)")
    for operation in ('paVerifyPaymentNotice', 'paGetPayment'):
        many, one = results[(operation, CLIENTS)], results[(operation, 1)]
        print(f"  {operation}: {CLIENTS} clients {many.line(floor)}; goal >= 50 %, p99 <= 1000 ms")
        print(f"  {operation}: 1 client {one.line()}; goal p99 <= 50 ms")
    print(f"  paSendRT acknowledged: {results['sendrt'].line(floor)}; goal >= 50 %")
    print(f"  booking job: {booked} receipts in {booking_seconds:.1f} s "
          f"({booked / booking_seconds if booking_seconds else 0:.1f} receipts/s); goal >= 50 receipts/s")
    if booked:
        cpu_ms = 1000 * (booking_odoo_cpu + booking_pg_cpu) / booked
        print(f"  booking job CPU: {cpu_ms:.1f} ms per receipt (Odoo {1000 * booking_odoo_cpu / booked:.1f}, "
              f"PostgreSQL {1000 * booking_pg_cpu / booked:.1f}): {1000 / cpu_ms:.0f} receipts/s for one worker "
              f"with the CPU to itself")
    lost = set(acked) - stored_ids
    print(f"  receipts: {len(acked)} acknowledged, {stored} stored, {booked_state} booked, {attached} with their "
          f"XML attached, {with_error} with a booking error, {len(lost)} acknowledged and lost")
    print(f"  orders paid: {paid}; receipts booked once on the ledger: {booked_once}; on the pagoPA transit account: "
          f"{on_transit:.2f} (= {stored} x {AMOUNT}: {abs(on_transit - stored * float(AMOUNT)) < 0.005})")
    print(f"  sum of all journal items: {balance:.2f}")
    ok = not lost and stored == len(acked) and booked_state == stored == paid == booked_once and not with_error \
        and abs(balance) < 0.005
    print("  no receipt lost, each booked once, ledger balanced: %s" % ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == '__main__':
    args = [int(a) for a in sys.argv[1:]]
    n_orders = args[0] if args else 100000
    seconds = args[1] if len(args) > 1 else 20
    sys.exit(main(os.environ['MUNIPAY_BENCH_DB'], n_orders, seconds))
