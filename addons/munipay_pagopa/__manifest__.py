{
    'name': 'munipay: pagoPA',
    'summary': "pagoPA notice numbers (IUV) for payment orders and the paForNode service the pagoPA node calls",
    'description': """
Italy's pagoPA for munipay: payment orders of a pagoPA municipality get an IUV and
an 18-digit notice number (mod-93 check digits, never reused), printed in the
notice's PAGOPA|002 QR code; the paForNode SOAP service answers the pagoPA node in
real time (verify, get payment, receipts); each receipt is acknowledged once stored,
and a job books the stored receipts in batches on the pagoPA transit account,
reconciled with the orders they pay. Settlement reports (FdR) are read from
pagoPA's FdR service or uploaded, each payment matched to its receipt; the PSP's
bank transfer then clears the transit account.
""",
    'version': '18.0.1.1.0',
    'category': 'Accounting/Accounting',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['munipay_documents', 'munipay_bank', 'base_iban'],
    'external_dependencies': {'python': ['lxml', 'xmlschema', 'python-stdnum', 'ppf-datamatrix',
                                         'requests']},
    'data': [
        'security/ir.model.access.csv',
        'security/munipay_pagopa_rules.xml',
        'views/res_config_settings_views.xml',
        'views/munipay_fee_type_views.xml',
        'views/munipay_pagopa_receipt_views.xml',
        'views/munipay_payment_order_views.xml',
        'report/pagopa_notice_reports.xml',
        'report/report_pagopa_notice.xml',
        'views/pagopa_notice_views.xml',
        'data/munipay_pagopa_gpd_cron.xml',
        'views/munipay_payment_order_gpd_views.xml',
        'views/res_config_settings_gpd_views.xml',
        'security/munipay_pagopa_fdr_rules.xml',
        'data/munipay_pagopa_fdr_cron.xml',
        'views/munipay_pagopa_fdr_views.xml',
        'data/ir_cron_data.xml',
    ],
    'assets': {
        'web.report_assets_common': [
            'munipay_pagopa/static/src/scss/pagopa_notice.scss',
        ],
        'web.assets_tests': [
            'munipay_pagopa/static/tests/tours/*.js',
        ],
    },
    'installable': True,
}
