{
    'name': 'munipay: Self-service Kiosk',
    'summary': "Citizens pay payment orders in cash at a kiosk with a bill acceptor",
    'description': """
A self-service kiosk is a Point of Sale flagged as kiosk, with its own cash journal: the
citizen scans a notice (or types the payment reference), sees the amount due today and
inserts banknotes into the bill acceptor, which the page drives through munipay's device
bridge on the kiosk PC. The payment is booked as a Point of Sale sale of the order, the
way the cash desk books it; money beyond the amount due is kept as a credit on the payer
(no change is given) and a stopped insertion is a part payment. A PAN or a smart card
number tops up a prepaid wallet the same way. The answer carries the receipt for the
bridge's ESC/POS printer. Only the kiosk's own user (and Point of Sale managers) runs its
page. The kiosk reports its heartbeat, the acceptor's and the printer's faults and its
offline queue; a scheduled job e-mails the kiosk's alert address. A Z-report per kiosk
and period lists payments, banknotes by value and encashments.
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
        'views/munipay_kiosk_zreport_views.xml',
        'report/munipay_kiosk_zreport.xml',
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
