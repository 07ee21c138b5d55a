{
    'name': 'munipay: Citizen Portal and Online Payment',
    'summary': "Citizens see and pay their payment orders online, with or without an account",
    'description': """
The citizen's channel: the payment orders of the logged-in citizen under /my, each
order's page (amount due today, amount by deadline, lines, notice and receipts,
chatter), online payment through Odoo's payment providers (the transaction pays
exactly its orders' receivable items), provider routing per fee type,
pseudonymised data for the provider, and pay-by-link from the notice with an
optional TAN that expires some time after the order is settled. The holder's
prepaid wallets (balance, history, receipts) topped up online; a public page
where the case number and the code printed on the notice show where the case
stands.
""",
    'version': '18.0.1.1.0',
    'category': 'Accounting/Accounting',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['munipay_documents', 'account_payment', 'portal'],
    'data': [
        'security/ir.model.access.csv',
        'security/munipay_portal_rules.xml',
        'views/munipay_fee_type_views.xml',
        'views/munipay_payment_order_views.xml',
        'views/payment_transaction_views.xml',
        'views/munipay_portal_templates.xml',
        'views/munipay_portal_order_templates.xml',
        'views/munipay_portal_wallet_templates.xml',
        'views/munipay_portal_status_templates.xml',
        'report/report_payment_notice.xml',
    ],
    'assets': {
        'web.assets_tests': [
            'munipay_portal/static/tests/tours/*.js',
        ],
    },
    'installable': True,
}
