{
    'name': 'munipay: Self-service Kiosk',
    'summary': "Citizens pay payment orders in cash at a kiosk with a bill acceptor",
    'description': """
A self-service kiosk is a Point of Sale flagged as kiosk, with its own cash journal: the
citizen scans a notice (or types the payment reference), sees the amount due today and
inserts banknotes into the bill acceptor, which the page drives through munipay's device
bridge on the kiosk PC. The payment is booked as a Point of Sale sale of the order, the
way the cash desk books it; money beyond the amount due is kept as a credit on the payer
(no change is given) and a stopped insertion is a part payment. The kiosk reports its
heartbeat and the acceptor's faults; a scheduled job e-mails the kiosk's alert address.
""",
    'version': '18.0.1.0.0',
    'category': 'Sales/Point of Sale',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['munipay_cashdesk'],
    'data': [
        'security/ir.model.access.csv',
        'security/munipay_kiosk_rules.xml',
        'data/ir_cron_data.xml',
        'views/pos_config_views.xml',
        'views/munipay_kiosk_payment_views.xml',
        'views/munipay_kiosk_encashment_views.xml',
        'views/kiosk_templates.xml',
    ],
    'assets': {
        'web.assets_frontend': [
            'munipay_kiosk/static/src/**/*',
        ],
        'web.assets_tests': [
            'munipay_kiosk/static/tests/tours/**/*',
        ],
    },
    'installable': True,
    'auto_install': True,
}
