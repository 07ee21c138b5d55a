{
    'name': 'munipay: Payment Orders',
    'summary': "Municipal payment orders (fees, fines, taxes) on Odoo's own ledger",
    'description': """
Fee dictionary, payers, payment orders (debt positions) with their lifecycle and
receivable, unique payment references, time-dependent amounts, joint debtors,
bulk issue and prepaid wallets: the foundation of munipay.
""",
    'version': '18.0.1.0.0',
    'category': 'Accounting/Accounting',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['account', 'mail', 'portal', 'resource'],
    'external_dependencies': {'python': ['python-stdnum']},
    'data': [
        'security/munipay_security.xml',
        'security/ir.model.access.csv',
        'security/munipay_rules.xml',
        'data/ir_sequence_data.xml',
        'data/ir_cron_data.xml',
        'data/mail_message_subtype_data.xml',
        'views/munipay_fee_type_views.xml',
        'views/munipay_payment_order_views.xml',
        'views/munipay_wallet_views.xml',
        'views/res_partner_views.xml',
        'views/res_config_settings_views.xml',
        'wizard/munipay_order_cancel_views.xml',
        'wizard/munipay_wallet_operation_views.xml',
        'wizard/munipay_bulk_issue_views.xml',
        'views/munipay_menus.xml',
        'report/munipay_collection_report_views.xml',
        'report/munipay_receivable_age_report_views.xml',
    ],
    'assets': {
        'web.assets_tests': [
            'munipay_base/static/tests/tours/*.js',
        ],
    },
    'post_init_hook': '_munipay_post_init',
    'installable': True,
    'application': True,
}
