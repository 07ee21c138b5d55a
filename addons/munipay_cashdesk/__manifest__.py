{
    'name': 'munipay: Cash Desk',
    'summary': "Collect payment orders at the cash desk with Odoo's Point of Sale",
    'description': """
The cashier's screen in Odoo's Point of Sale: scan a notice's QR code or barcode (or
search the payer) and collect the order's amount due today in cash or by card, with the
fee type's card handling fee; several orders of one payer in one sale; fee items sold
at the desk (a certificate, a copy) create and settle their order on the spot. The
sale credits a cash-desk transit account that the order's payment clears when the sale
is validated, so the session's closing entry never books the revenue twice. The POS
receipt prints each order's signed confirmation QR.
""",
    'version': '18.0.1.1.0',
    'category': 'Sales/Point of Sale',
    'author': 'munipay',
    'website': 'https://github.com/munipay/munipay',
    'license': 'LGPL-3',
    'depends': ['munipay_documents', 'point_of_sale'],
    'data': [
        'security/ir.model.access.csv',
        'security/munipay_cashdesk_rules.xml',
        'data/product_data.xml',
        'data/barcode_rule_data.xml',
        'views/munipay_fee_type_views.xml',
        'views/pos_order_views.xml',
        'views/res_config_settings_views.xml',
        'views/pos_payment_method_views.xml',
        'views/munipay_cashdesk_operation_views.xml',
        'views/munipay_wallet_pos_views.xml',
        'report/report_saledetails.xml',
    ],
    'assets': {
        'point_of_sale._assets_pos': [
            'munipay_cashdesk/static/src/**/*',
        ],
        'web.assets_tests': [
            'munipay_cashdesk/static/tests/tours/**/*',
        ],
    },
    'installable': True,
}
