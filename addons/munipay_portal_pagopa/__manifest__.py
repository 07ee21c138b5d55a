{
    'name': 'munipay: Case Status Code on the pagoPA Notice',
    'summary': "The pagoPA payment notice prints the case status look-up code of the citizen portal",
    'description': """
Glue between the citizen portal and pagoPA: the pagoPA-layout payment notice (A4 and
80 mm) prints the code that, with the case number, shows where the case stands on the
public case status page, as the standard notice does.
""",
    'version': '18.0.1.0.0',
    'category': 'Accounting/Accounting',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['munipay_portal', 'munipay_pagopa'],
    'data': [
        'report/report_pagopa_notice.xml',
    ],
    'auto_install': True,
    'installable': True,
}
