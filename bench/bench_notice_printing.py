"""Notice printing benchmark: N payment notices through the background bulk
printing (chunks merged into one PDF), against printing a few one at a time.

Run through `./munipay bench notice_printing [N]`.
"""
import os
import sys
import time

import odoo
from odoo import api, SUPERUSER_ID, Command


def serve_assets(registry):
    """wkhtmltopdf fetches the report CSS over HTTP: serve it as in production."""
    from odoo.service import server
    port = odoo.tools.config['http_port']
    server.ThreadedServer(odoo.http.root).http_spawn()
    with registry.cursor() as cr:
        api.Environment(cr, SUPERUSER_ID, {})['ir.config_parameter'].set_param('report.url', f'http://127.0.0.1:{port}')


def main(db, n_orders, n_single=20, chunk_size=100):
    registry = odoo.modules.registry.Registry(db)
    serve_assets(registry)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.company
        company._munipay_ensure_setup()
        company.munipay_bank_account_id = env['res.partner.bank'].create({
            'acc_number': 'IT60X0542811101000000123456', 'partner_id': company.partner_id.id})
        company.munipay_qr_standard = 'epc'
        product = env['product.product'].create({'name': 'Bench fee', 'type': 'service', 'taxes_id': [Command.clear()]})
        fee = env['munipay.fee.type'].create({'name': 'Bench fee', 'code': 'NOTICE-%d' % product.id,
                                              'product_id': product.id, 'amount': 25.0})
        partners = env['res.partner'].create([{'name': 'Notice payer %05d' % i, 'street': 'Via Roma %d' % i,
                                               'city': 'Roma', 'zip': '00100'} for i in range(n_orders)])
        Order = env['munipay.payment.order']
        orders = Order.create([{'partner_id': p.id, 'fee_type_id': fee.id,
                                'line_ids': Order._munipay_lines_for_fee_type(fee)} for p in partners])
        orders._munipay_issue_batch()
        batch = env['munipay.print.batch'].create({'order_ids': [Command.set(orders.ids)], 'chunk_size': chunk_size})
        batch.state = 'running'
        cr.commit()

        start = time.perf_counter()
        batch._process(commit=True)
        batch_seconds = time.perf_counter() - start
        pdf_size = len(batch.attachment_id.raw)

        start = time.perf_counter()
        for order in orders[:n_single]:
            env['ir.actions.report']._render_qweb_pdf('munipay_documents.action_report_payment_notice', order.ids)
        single_seconds = time.perf_counter() - start

    print()
    print("munipay notice printing benchmark (database %s, %d cores)" % (db, os.cpu_count()))
    print("  bulk printing: %5d notices in %6.1f s = %5.1f notices/s (chunks of %d, one merged PDF of %.1f MB)" % (
        n_orders, batch_seconds, n_orders / batch_seconds, chunk_size, pdf_size / 2 ** 20))
    print("  one at a time: %5d notices in %6.1f s = %5.1f notices/s" % (
        n_single, single_seconds, n_single / single_seconds))


if __name__ == '__main__':
    main(os.environ['MUNIPAY_BENCH_DB'], int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
