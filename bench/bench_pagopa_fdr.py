"""pagoPA settlement report benchmark: one FdR of N_PAYMENTS payments imported and
matched to its receipts (the issue's figure: 50,000 in <= 60 s); then the PSP's bank
transfer for a report of N_BANK payments clearing the pagoPA transit account.

Run through `./munipay bench pagopa_fdr [N_PAYMENTS [N_BANK]]`. Set-up (not timed): a
comune on pagoPA in euros, its payment orders (one payer, left in draft: the report
never looks at them, only at the receipts) with their IUVs, and a stored receipt for
each. Timed:

- reading the FlussoRiversamento XML (XSD validation included), storing it and
  matching every payment to its receipt — the goal;
- for N_BANK more receipts, each booked by its own posted payment on the transit
  account (as paSendRT books it; creating 50,000 of them would take hours on this
  machine, and the cost of clearing is the same for each), their report, the bank
  statement line that settles it and the job's batches reconciling every receipt's
  transit item with the bank's credit: a rate per receipt.
"""
import cProfile
import os
import sys
import time

import odoo
from odoo import Command, SUPERUSER_ID, api

FISCAL_CODE = '02438750586'
FLOW_ID = '2026-11-20BENCHPSP-S0001'


class Profiled:
    """MUNIPAY_BENCH_PROFILE=<file>: cProfile statistics of a step into <file>.<step>."""

    def __init__(self, path):
        self.path = path
        self.profile = cProfile.Profile() if path else None

    def __enter__(self):
        if self.profile:
            self.profile.enable()

    def __exit__(self, *exc):
        if self.profile:
            self.profile.disable()
            self.profile.dump_stats(self.path)


def setup(env, n_payments, batch=5000):
    eur = env.ref('base.EUR')
    eur.active = True
    company = env['res.company'].create({'name': 'Comune di Bench', 'currency_id': eur.id})
    env.user.company_ids |= company
    env = env(context={'allowed_company_ids': [company.id]})
    company = company.with_env(env)
    env['account.chart.template'].try_loading('generic_coa', company, install_demo=False)
    company.currency_id = eur  # the generic chart sets dollars; nothing is booked yet
    company._munipay_ensure_setup()
    company.write({'munipay_pagopa_fiscal_code': FISCAL_CODE, 'munipay_pagopa_aux_digit': '3',
                   'munipay_pagopa_segregation_code': '01', 'munipay_pagopa_broker_id': '15376371009',
                   'munipay_pagopa_station_id': FISCAL_CODE + '_01', 'munipay_qr_standard': 'pagopa'})
    journal = company._munipay_pagopa_journal()
    product = env['product.product'].create({'name': 'Bench fee', 'type': 'service', 'taxes_id': [Command.clear()]})
    fee = env['munipay.fee.type'].create({'name': 'Bench fee', 'code': 'FDR-%d' % product.id, 'product_id': product.id,
                                          'amount': 25.0, 'pagopa_transfer_category': '9/0101108TS/',
                                          'company_id': company.id})
    company.munipay_bank_account_id = env['res.partner.bank'].create({
        'acc_number': 'IT60X0542811101000000123456', 'partner_id': company.partner_id.id})
    env.cr.commit()
    return company.id, fee.id, journal.id


def make_receipts(env, company_id, fee_id, journal_id, first, count, with_payments):
    """``count`` orders, each with a stored receipt (and, ``with_payments``, its
    payment posted on the transit account); their ``(IUV, receipt id)``."""
    env = env(context={'allowed_company_ids': [company_id], 'tracking_disable': True, 'mail_notrack': True})
    company = env['res.company'].browse(company_id)
    Order = env['munipay.payment.order']
    fee = env['munipay.fee.type'].browse(fee_id)
    payer = env['res.partner'].search([('name', '=', 'Bench payer')], limit=1) \
        or env['res.partner'].create({'name': 'Bench payer'})
    numbers = [company._munipay_pagopa_next_notice() for _i in range(count)]
    orders = Order.create([{
        'partner_id': payer.id, 'fee_type_id': fee_id, 'company_id': company_id,
        'line_ids': Order._munipay_lines_for_fee_type(fee), 'payment_reference': notice, 'pagopa_notice_number': notice,
        'pagopa_iuv': iuv, 'pagopa_fiscal_code': FISCAL_CODE} for notice, iuv in numbers])
    payments = [env['account.payment']] * count
    if with_payments:
        posted = env['account.payment'].create([{
            'payment_type': 'inbound', 'partner_type': 'customer', 'partner_id': payer.id, 'amount': 25.0,
            'journal_id': journal_id, 'date': '2026-11-19', 'memo': 'pagoPA %s' % iuv, 'company_id': company_id}
            for _notice, iuv in numbers])
        posted.action_post()
        payments = list(posted)
    env['munipay.pagopa.receipt'].create([{
        'name': 'IUR%09d' % (first + i), 'company_id': company_id, 'order_id': order.id, 'fiscal_code': FISCAL_CODE,
        'notice_number': notice, 'iuv': iuv, 'outcome': 'OK', 'amount': 25.0, 'payment_date': '2026-11-19',
        'psp_id': 'BENCHPSP', 'state': 'booked', 'payment_ids': [Command.set(payment.ids)]}
        for i, (order, (notice, iuv), payment) in enumerate(zip(orders, numbers, payments))])
    return [(iuv, 'IUR%09d' % (first + i)) for i, (_notice, iuv) in enumerate(numbers)]


def setup_receipts(registry, company_id, fee_id, journal_id, first, total, with_payments, batch):
    start, payments = time.perf_counter(), []
    for offset in range(0, total, batch):
        with registry.cursor() as cr:
            payments += make_receipts(api.Environment(cr, SUPERUSER_ID, {}), company_id, fee_id, journal_id,
                                      first + offset, min(batch, total - offset), with_payments)
        print(f"  set up {len(payments)} receipts{' with their payments' if with_payments else ''} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    return payments


def flow_xml(payments, flow_id=None):
    items = ''.join(
        '<datiSingoliPagamenti><identificativoUnivocoVersamento>%s</identificativoUnivocoVersamento>'
        '<identificativoUnivocoRiscossione>%s</identificativoUnivocoRiscossione>'
        '<indiceDatiSingoloPagamento>1</indiceDatiSingoloPagamento><singoloImportoPagato>25.00</singoloImportoPagato>'
        '<codiceEsitoSingoloPagamento>0</codiceEsitoSingoloPagamento>'
        '<dataEsitoSingoloPagamento>2026-11-19</dataEsitoSingoloPagamento></datiSingoliPagamenti>' % payment
        for payment in payments)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<FlussoRiversamento xmlns="http://www.digitpa.gov.it/schemas/2011/Pagamenti/"><versioneOggetto>1.0'
        '</versioneOggetto><identificativoFlusso>%s</identificativoFlusso><dataOraFlusso>2026-11-20T10:00:00'
        '</dataOraFlusso><identificativoUnivocoRegolamento>TRN-BENCH-0001</identificativoUnivocoRegolamento>'
        '<dataRegolamento>2026-11-20</dataRegolamento><istitutoMittente><identificativoUnivocoMittente>'
        '<tipoIdentificativoUnivoco>B</tipoIdentificativoUnivoco><codiceIdentificativoUnivoco>BENCHPSP'
        '</codiceIdentificativoUnivoco></identificativoUnivocoMittente></istitutoMittente><istitutoRicevente>'
        '<identificativoUnivocoRicevente><tipoIdentificativoUnivoco>G</tipoIdentificativoUnivoco>'
        '<codiceIdentificativoUnivoco>%s</codiceIdentificativoUnivoco></identificativoUnivocoRicevente>'
        '</istitutoRicevente><numeroTotalePagamenti>%d</numeroTotalePagamenti>'
        '<importoTotalePagamenti>%.2f</importoTotalePagamenti>%s</FlussoRiversamento>'
        % (flow_id or FLOW_ID, FISCAL_CODE, len(payments), 25.0 * len(payments), items)).encode()


def import_report(registry, company_id, data, profile=None):
    """(report id, seconds reading, seconds storing and matching)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {'allowed_company_ids': [company_id]})
        Fdr = env['munipay.pagopa.fdr']
        t0 = time.perf_counter()
        flow = Fdr._pagopa_parse_xml(data)
        t1 = time.perf_counter()
        with Profiled(profile):
            report = Fdr._pagopa_import(env['res.company'].browse(company_id), flow, raw=data)
            env.flush_all()
        cr.commit()
        return report.id, t1 - t0, time.perf_counter() - t1


def main(db, n_payments, n_bank=5000, batch=5000):
    registry = odoo.modules.registry.Registry(db)
    profile = os.environ.get('MUNIPAY_BENCH_PROFILE')
    with registry.cursor() as cr:
        company_id, fee_id, journal_id = setup(api.Environment(cr, SUPERUSER_ID, {}), n_payments)
    payments = setup_receipts(registry, company_id, fee_id, journal_id, 0, n_payments, False, batch)
    data = flow_xml(payments)
    print(f"  settlement report: {len(data) / 1e6:.1f} MB of XML", flush=True)
    report_id, parse, store = import_report(registry, company_id, data, profile and profile + '.import')
    with registry.cursor() as cr:
        cr.execute("SELECT state, COUNT(*) FROM munipay_pagopa_fdr_line WHERE fdr_id = %s GROUP BY 1", [report_id])
        states = dict(cr.fetchall())
    print(f"\npagoPA settlement report: {n_payments} payments")
    print(f"  reading the XML (XSD included): {parse:.1f} s")
    print(f"  storing it and matching every payment to its receipt: {store:.1f} s")
    print(f"  imported and matched: {parse + store:.1f} s ({n_payments / (parse + store):.0f} payments/s); "
          f"goal <= 60 s")
    print(f"  payments by state: {states}", flush=True)
    if not n_bank:
        return

    print(f"\nthe bank's credit for a report of {n_bank} receipts booked on the transit account", flush=True)
    bank_payments = setup_receipts(registry, company_id, fee_id, journal_id, n_payments, n_bank, True, batch)
    flow_id = FLOW_ID.replace('S0001', 'S0002')
    report_id, parse, store = import_report(registry, company_id, flow_xml(bank_payments, flow_id))
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {'allowed_company_ids': [company_id]})
        report = env['munipay.pagopa.fdr'].browse(report_id)
        bank_journal = env['account.journal'].search([('company_id', '=', company_id), ('type', '=', 'bank'),
                                                      ('id', '!=', journal_id)], limit=1)
        t2 = time.perf_counter()
        with Profiled(profile and profile + '.bank'):
            line = env['account.bank.statement.line'].create({
                'journal_id': bank_journal.id, 'date': '2026-11-20', 'amount': report.amount_settled,
                'payment_ref': '/PUR/LGPE-RIVERSAMENTO/URI/%s' % flow_id, 'partner_name': 'Bench PSP'})
            env.flush_all()
        cr.commit()
        t3 = time.perf_counter()
        line_id = line.id
    # what the bank line left on the transit account: the job's batches, one transaction each
    batches = 0
    while True:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {'allowed_company_ids': [company_id]})
            if not env['munipay.pagopa.fdr'].browse(report_id).transit_pending:
                break
            with Profiled(profile and batches == 0 and profile + '.job'):
                env['munipay.pagopa.fdr']._cron_pagopa_reconcile_transit()
                env.flush_all()
            cr.commit()
            batches += 1
        print(f"  cleared {batches} batches ({time.perf_counter() - t3:.0f} s)", flush=True)
    t4 = time.perf_counter()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {'allowed_company_ids': [company_id]})
        report = env['munipay.pagopa.fdr'].browse(report_id)
        transit = env['res.company'].browse(company_id).munipay_pagopa_transit_account_id
        cr.execute("SELECT COUNT(*) FILTER (WHERE NOT reconciled), COALESCE(SUM(balance), 0) FROM account_move_line "
                   "WHERE account_id = %s", [transit.id])
        open_transit, transit_balance = cr.fetchone()
        cr.execute("SELECT COALESCE(SUM(balance), 0) FROM account_move_line")
        balance = cr.fetchone()[0]
        settled_by = report.statement_line_id.id == line_id
    bank, job = t3 - t2, t4 - t3
    print(f"  imported and matched: {parse + store:.1f} s")
    print(f"  the PSP's bank credit booked, the first batch reconciled: {bank:.1f} s")
    print(f"  the rest reconciled by the job: {job:.1f} s in {batches} batches")
    print(f"  clearing rate: {n_bank / (bank + job):.0f} receipts/s, i.e. {50000 / (n_bank / (bank + job)):.0f} s "
          f"for 50,000")
    print(f"  settled by the bank line: {settled_by}; transit account: {open_transit} open items, "
          f"balance {transit_balance:.2f}; sum of all journal items: {balance:.2f}")


if __name__ == '__main__':
    args = [int(a) for a in sys.argv[1:]]
    main(os.environ['MUNIPAY_BENCH_DB'], *(args or [50000, 5000]))
