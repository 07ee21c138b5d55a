{
    'name': 'munipay: Demo Municipalities',
    'summary': "Demo data: an Italian comune, a German Stadt and a Polish gmina on their own charts of accounts",
    'description': """
Three demo municipalities, each a company with its country's accounting
localisation, language, currency, collection account, payment QR standard,
fee dictionary, officer, citizens (one with a portal login), payment orders
in every state and a cash desk (point of sale with cash and a card terminal). Demo data only: install it on demo and test databases, never in
production (it pulls in the Italian, German and Polish localisations).
""",
    'version': '18.0.1.1.0',
    'category': 'Accounting/Accounting',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['munipay_documents', 'munipay_bank', 'munipay_pagopa', 'munipay_cashdesk', 'munipay_merchant', 'munipay_kiosk', 'munipay_portal', 'payment_demo', 'l10n_it', 'l10n_de',
                'l10n_pl'],
    'demo': [
        'demo/munipay_demo_companies.xml',
        'demo/munipay_demo_it.xml',
        'demo/munipay_demo_pagopa.xml',
        'demo/munipay_demo_de.xml',
        'demo/munipay_demo_pl.xml',
        'demo/munipay_demo_cashdesk.xml',
        'demo/munipay_demo_online.xml',
        'demo/munipay_demo_merchant.xml',
        'demo/munipay_demo_finish.xml',
    ],
    'installable': True,
}
