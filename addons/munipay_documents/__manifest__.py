{
    'name': 'munipay: Payment Notices and Receipts',
    'summary': "QR-coded payment notices and receipts that scan back, signed confirmations, verification by scanning",
    'description': """
Payment notices (A4) with the payment QR in the standard of the municipality
(pagoPA, EPC069-12, Polish ZBP, GOST R 56042), receipts (A4 and 80 mm) with a
signed confirmation QR, bulk printing in the background, a public verification
page and a back-office scan-to-verify wizard.
""",
    'version': '18.0.1.1.0',
    'category': 'Accounting/Accounting',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['munipay_base'],
    'external_dependencies': {'python': ['qrcode', 'pyzbar']},
    'data': [
        'security/ir.model.access.csv',
        'security/munipay_documents_rules.xml',
        'data/ir_sequence_data.xml',
        'data/ir_cron_data.xml',
        'report/report_paperformat.xml',
        'report/report_payment_notice.xml',
        'report/report_receipt.xml',
        'report/munipay_reports.xml',
        'data/mail_template_data.xml',
        'views/munipay_receipt_views.xml',
        'views/munipay_print_batch_views.xml',
        'views/munipay_payment_order_views.xml',
        'views/munipay_fee_type_views.xml',
        'views/res_config_settings_views.xml',
        'views/verify_templates.xml',
        'wizard/munipay_verify_scan_views.xml',
        'wizard/munipay_receipt_void_views.xml',
        'views/munipay_documents_menus.xml',
    ],
    'assets': {
        'web.report_assets_common': [
            'munipay_documents/static/src/scss/munipay_documents.scss',
        ],
    },
    'installable': True,
}
