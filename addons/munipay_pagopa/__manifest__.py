{
    'name': 'munipay: pagoPA',
    'summary': "pagoPA notice numbers (IUV) for payment orders and the paForNode service the pagoPA node calls",
    'description': """
Italy's pagoPA for munipay: payment orders of a pagoPA municipality get an IUV and
an 18-digit notice number (mod-93 check digits, never reused), printed in the
notice's PAGOPA|002 QR code; the paForNode SOAP service answers the pagoPA node in
real time (verify, get payment, receipts); each receipt is acknowledged once stored,
and a job books the stored receipts in batches on the pagoPA transit account,
reconciled with the orders they pay.
""",
    'version': '18.0.1.0.0',
    'category': 'Accounting/Accounting',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['munipay_documents', 'base_iban'],  # pagoPA pays into IBANs: base_iban tells them
    'external_dependencies': {'python': ['lxml', 'xmlschema', 'python-stdnum']},
    'data': [
        'security/ir.model.access.csv',
        'security/munipay_pagopa_rules.xml',
        'views/res_config_settings_views.xml',
        'views/munipay_fee_type_views.xml',
        'views/munipay_pagopa_receipt_views.xml',
        'views/munipay_payment_order_views.xml',
        'data/ir_cron_data.xml',
    ],
    'installable': True,
}
