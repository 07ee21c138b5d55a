{
    'name': 'munipay: External Billing Systems',
    'summary': "Look accounts up in, and post payments to, a third-party billing system (REST or SOAP)",
    'description': """
Connects munipay to the billing systems that keep the accounts of a municipality's
utilities and services (water, waste, school canteen): per company, a REST/JSON or
SOAP (WSDL) system with its credentials, timeout, retry policy and a mapping of where
the account number, holder, amount due, payment reference and payment id sit in its
messages. The cash desk, kiosks and merchants look an account up through one Python
call; every payment of an order or wallet linked to an external account is queued in
an outbox in the payment's own transaction and posted afterwards by a scheduled job,
idempotently (one key per payment), retried with exponential back-off and jitter.
A payment undone in accounting (its order reopened, a top-up's entry reversed) is
cancelled while it waits, or taken back by a reversal once the system may have it.
""",
    'version': '18.0.1.1.0',
    'category': 'Accounting/Accounting',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['munipay_base'],
    'external_dependencies': {'python': ['requests', 'zeep', 'lxml']},
    'data': [
        'security/ir.model.access.csv',
        'security/munipay_billing_rules.xml',
        'data/ir_cron_data.xml',
        'views/munipay_billing_system_views.xml',
        'views/munipay_billing_outbox_views.xml',
        'views/munipay_payment_order_views.xml',
        'views/munipay_wallet_views.xml',
        'views/munipay_billing_menus.xml',
    ],
    'installable': True,
    'auto_install': False,
}
