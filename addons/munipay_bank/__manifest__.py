{
    'name': 'munipay: Bank Statements',
    'summary': "Bank transfers matched to payment orders on Odoo's own statement lines; the rest waits as suspense items",
    'description': """
Matches the municipality's bank statement lines to payment orders by their
structured reference (RF, pagoPA notice number, order number) wherever the bank
put it, then by payer IBAN or name and amount; books them with Odoo's own
reconciliation on the order's receivable items (discount windows and surcharges
on the value date); keeps what matches nothing as suspense items to assign or
return. Imports MT940 statement files beside OCA's CAMT import.
""",
    'version': '18.0.1.1.0',
    'category': 'Accounting/Accounting',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['munipay_base', 'account_statement_import_camt'],
    'external_dependencies': {'python': ['python-stdnum']},
    'data': [
        'security/ir.model.access.csv',
        'security/munipay_bank_rules.xml',
        'data/ir_cron_data.xml',
        'views/account_move_line_views.xml',
        'views/res_config_settings_views.xml',
        'views/account_statement_import_views.xml',
        'wizard/munipay_suspense_assign_views.xml',
        'views/munipay_bank_menus.xml',
        'wizard/munipay_suspense_balance_views.xml',
        'report/munipay_suspense_report_views.xml',
    ],
    'assets': {
        'web.assets_tests': [
            'munipay_bank/static/tests/tours/*.js',
        ],
    },
    'installable': True,
}
