{
    'name': 'munipay: Authorised Merchants',
    'summary': "Shops and pharmacies top up prepaid wallets in a restricted Point of Sale, for a commission",
    'description': """
Authorised merchants (shops, pharmacies, the treasurer's desk) work in a restricted Point
of Sale: they find a wallet by its personal access number, the beneficiary's card or name,
top it up, and collect only the fee types the municipality allows them; they see their own
sales and receipts and nothing else of the back office. Each top-up books the merchant's
commission (a percentage and/or a fixed amount) as an expense payable to the merchant; a
statement per merchant and period shows what the merchant collected and owes the
municipality, printable, and its settlement is booked in one step.
""",
    'version': '18.0.1.0.0',
    'category': 'Sales/Point of Sale',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['munipay_cashdesk'],
    'data': [
        'security/munipay_merchant_security.xml',
        'security/ir.model.access.csv',
        'security/munipay_merchant_rules.xml',
        'views/pos_config_views.xml',
        'views/res_users_views.xml',
        'views/res_config_settings_views.xml',
        'report/munipay_merchant_statement_views.xml',
        'report/munipay_merchant_statement_report.xml',
        'wizard/munipay_merchant_settle_views.xml',
    ],
    'assets': {
        'point_of_sale._assets_pos': [
            'munipay_merchant/static/src/**/*',
        ],
        'web.assets_tests': [
            'munipay_merchant/static/tests/tours/**/*',
        ],
    },
    'auto_install': True,
    'installable': True,
}
