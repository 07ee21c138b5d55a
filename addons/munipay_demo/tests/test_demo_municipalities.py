import re

from stdnum import iban

from odoo import fields
from odoo.tests import HttpCase, get_db_name, tagged

# company xmlid: country, currency, chart, language, date format, QR standard, officer, citizen
MUNICIPALITIES = {
    'company_it': ('IT', 'EUR', 'it', 'it_IT', '%d/%m/%Y', 'epc', 'funzionario', 'cittadino'),
    'company_de': ('DE', 'EUR', 'de_skr03', 'de_DE', '%d.%m.%Y', 'epc', 'sachbearbeiter', 'buerger'),
    'company_pl': ('PL', 'PLN', 'pl', 'pl_PL', '%d.%m.%Y', 'zbp', 'urzednik', 'obywatel'),
}
# what the payment notice says in the municipality's language
NOTICE_WORDS = {
    'company_it': ('Avviso di pagamento', 'Importo dovuto oggi', '€'),
    'company_de': ('Zahlungsaufforderung', 'Heute fälliger Betrag', '€'),
    'company_pl': ('Wezwanie do zapłaty', 'Kwota należna na dziś', 'zł'),
}


@tagged('post_install', '-at_install')
class TestDemoMunicipalities(HttpCase):
    """The demo database holds three municipalities that look like the real thing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.companies = {xmlid: cls.env.ref(f'munipay_demo.{xmlid}') for xmlid in MUNICIPALITIES}

    def test_each_town_hall_has_a_cash_desk(self):
        for xmlid in MUNICIPALITIES:
            company = self.companies[xmlid]
            with self.subTest(company=company.name):
                desk = self.env['pos.config'].search([('company_id', '=', company.id),
                                                      ('munipay_merchant_partner_id', '=', False),
                                                      ('munipay_kiosk', '=', False)])
                self.assertEqual(len(desk), 1)
                methods = desk.payment_method_ids
                self.assertEqual(sorted(methods.mapped('type')), ['bank', 'cash'])
                self.assertEqual(methods.filtered(lambda m: m.type == 'bank').use_payment_terminal, 'munipay_bridge')
                self.assertEqual(methods.journal_id.company_id, company)
                sold = self.env['munipay.fee.type'].search([('company_id', '=', company.id),
                                                            ('munipay_cashdesk_sale', '=', True)])
                self.assertTrue(sold)
                # the cashier can open it: a session on the municipality's own journals
                desk.with_company(company).open_ui()
                self.assertEqual(desk.current_session_id.state, 'opening_control')
                self.assertEqual(desk.current_session_id.company_id, company)

    def test_each_municipality_is_a_company_of_its_country(self):
        for xmlid, (country, currency, chart, lang, _date, qr, _officer, _citizen) in MUNICIPALITIES.items():
            company = self.companies[xmlid]
            with self.subTest(company=company.name):
                self.assertEqual((company.country_id.code, company.account_fiscal_country_id.code), (country, country))
                self.assertEqual(company.currency_id.name, currency)
                self.assertEqual(company.chart_template, chart)
                self.assertEqual(company.partner_id.lang, lang)
                # the chart was loaded on the new company: every entry is in its currency
                moves = self.env['account.move'].search([('company_id', '=', company.id)])
                self.assertTrue(moves)
                self.assertEqual(moves.mapped('currency_id'), company.currency_id)
                self.assertEqual(company.munipay_journal_id.company_id, company)
                if country == 'IT':
                    self.assertEqual(company.state_id.country_id.code, 'IT', "an Italian province")
                    self.assertEqual(company.munipay_creditor_fiscal_code, '00940120546')
                    self.assertEqual((company.munipay_pagopa_broker_id, company.munipay_pagopa_station_id,
                                      company.munipay_pagopa_segregation_code),
                                     ('00940120546', '00940120546_01', '01'), "ready for pagoPA")
                else:
                    self.assertFalse(company.state_id)
                self.assertEqual(company.paperformat_id.format, 'A4')
                self.assertFalse(company.uses_default_logo)
                self.assertEqual(company.munipay_qr_standard, qr)
                account = company.munipay_bank_account_id
                self.assertTrue(iban.is_valid(account.acc_number), account.acc_number)
                self.assertTrue(account.acc_number.replace(' ', '').startswith(country))
                bank_journal = self.env['account.journal'].search(
                    [('company_id', '=', company.id), ('type', '=', 'bank')], limit=1)
                self.assertEqual(bank_journal.bank_account_id, account, "statements of the account land in its journal")

    def test_main_company_kept_and_localisation_demo_companies_archived(self):
        self.assertEqual(self.env.ref('base.main_company').chart_template, 'generic_coa')
        for xmlid in ('base.demo_company_it', 'base.demo_company_de', 'base.demo_company_pl'):
            self.assertFalse(self.env.ref(xmlid).active)
        admin = self.env.ref('base.user_admin')
        self.assertEqual(admin.company_id, self.companies['company_it'])
        self.assertLessEqual(set(self.companies.values()), set(admin.company_ids))

    def test_fee_dictionaries_are_local_and_untaxed(self):
        names = {
            'company_it': "Carta d'identità elettronica",
            'company_de': "Personalausweis (ab 24 Jahren)",
            'company_pl': "Opłata za gospodarowanie odpadami komunalnymi (kwartał)",
        }
        for xmlid, company in self.companies.items():
            with self.subTest(company=company.name):
                fees = self.env['munipay.fee.type'].search([('company_id', '=', company.id)])
                self.assertGreaterEqual(len(fees), 5)
                self.assertIn(names[xmlid], fees.mapped('name'))
                self.assertFalse(fees.product_id.taxes_id, "no sales tax on a municipal fee")
                self.assertFalse(company.account_sale_tax_id, "nor on the fee products an officer adds")
                self.assertEqual(fees.product_id.company_id, company)
                fees._munipay_check_taxes()
                for fee in fees:
                    income = fee._get_income_account()
                    self.assertIn(company, income.company_ids)
                    self.assertFalse(income.tax_ids, "a fee's income account adds no VAT")

    def test_orders_in_every_state(self):
        Order = self.env['munipay.payment.order']
        for company in self.companies.values():
            with self.subTest(company=company.name):
                orders = Order.search([('company_id', '=', company.id)])
                self.assertEqual(set(orders.mapped('state')), {'draft', 'issued', 'paid', 'cancelled', 'expired'})
                self.assertEqual(orders.currency_id, company.currency_id)
                for order in orders.filtered(lambda o: o.state == 'paid'):
                    self.assertTrue(order.receipt_ids, "a paid order has its receipt")
                    self.assertEqual(order.amount_residual, 0.0)
                self.assertTrue(orders.filtered(lambda o: o.state == 'issued').mapped('payment_reference'))
        today = fields.Date.today()
        window = self.env.ref('munipay_demo.it_order_fine_window')
        self.assertEqual(window.state, 'issued')
        self.assertGreaterEqual(window.discount_date, today)
        self.assertEqual((window.amount_total, window.get_amount_due()), (55.5, 42.9))
        joint_a = self.env.ref('munipay_demo.it_order_fine_joint_a')
        self.assertEqual(joint_a.joint_order_ids, self.env.ref('munipay_demo.it_order_fine_joint_b'))
        paid_fine = self.env.ref('munipay_demo.it_order_paid_fine')
        self.assertEqual((paid_fine.state, paid_fine.amount_paid, paid_fine.amount_written_off), ('paid', 42.9, 12.6))
        late = self.env.ref('munipay_demo.de_order_vwg_late')
        self.assertEqual((late.state, late.get_amount_due()), ('issued', 53.5), "the Bußgeldbescheid amount is booked")

    def test_the_comune_has_an_authorised_merchant(self):
        company = self.companies['company_it']
        user = self.env['res.users'].search([('login', '=', 'farmacia')])
        self.assertTrue(user.has_group('munipay_base.group_merchant'))
        self.assertFalse(user.has_group('munipay_base.group_cashier'))
        config = self.env['pos.config'].search([('munipay_merchant_partner_id', '=', user.munipay_merchant_partner_id.id)])
        self.assertEqual(config.company_id, company)
        self.assertEqual(config.munipay_merchant_fee_type_ids, self.env.ref('munipay_demo.it_fee_mensa'))
        self.assertEqual(config.payment_method_ids.journal_id.type, 'cash')
        # the pharmacy sees its own point of sale only, not the town hall's cash desk
        visible = self.env['pos.config'].with_user(user).search([])
        self.assertEqual(visible, config)

    def test_the_comune_has_a_kiosk(self):
        kiosk = self.env['pos.config'].search([('munipay_kiosk', '=', True)])
        self.assertEqual(kiosk.company_id, self.companies['company_it'])
        self.assertEqual(kiosk.payment_method_ids.journal_id.type, 'cash')
        self.assertEqual(kiosk.munipay_kiosk_user_id.login, 'chiosco', "the kiosk PC's account runs its page")
        self.authenticate('farmacia', 'farmacia')
        self.assertEqual(self.url_open(f'/munipay/kiosk/{kiosk.id}').status_code, 403)
        self.authenticate('chiosco', 'chiosco')
        response = self.url_open(f'/munipay/kiosk/{kiosk.id}')
        self.assertEqual(response.status_code, 200)
        self.assertIn('Chiosco Atrio Municipio', response.text)

    def test_each_citizen_can_pay_an_own_order_online(self):
        for xmlid, (*_rest, citizen) in MUNICIPALITIES.items():
            company = self.companies[xmlid]
            with self.subTest(company=company.name):
                user = self.env['res.users'].search([('login', '=', citizen)])
                order = self.env['munipay.payment.order'].search(
                    [('partner_id', '=', user.partner_id.id), ('state', '=', 'issued')], limit=1)
                self.assertTrue(order, "the demo citizen has something to pay")
                provider = self.env['payment.provider'].search([('company_id', '=', company.id)])
                self.assertEqual((provider.code, provider.state, provider.is_published), ('demo', 'test', True))
                self.authenticate(citizen, citizen)
                response = self.url_open(f'/my/munipay/pay?order_ids={order.id}')
                self.assertEqual(response.status_code, 200)
                self.assertIn('o_payment_form', response.text)
                self.assertIn(f'data-provider-id="{provider.id}"', response.text)

    def test_officers_and_citizens_speak_the_local_language(self):
        Users = self.env['res.users']
        for xmlid, (_c, _cur, _chart, lang, date_format, _qr, officer_login, citizen_login) in MUNICIPALITIES.items():
            company = self.companies[xmlid]
            with self.subTest(company=company.name):
                officer = Users.search([('login', '=', officer_login)])
                self.assertEqual((officer.lang, officer.company_id, officer.company_ids), (lang, company, company))
                self.assertTrue(officer.has_group('munipay_base.group_officer'))
                self.assertEqual(self.env['res.lang']._lang_get(officer.lang).date_format, date_format)
                citizen = Users.search([('login', '=', citizen_login)])
                self.assertTrue(citizen._is_portal())
                self.assertEqual((citizen.lang, citizen.company_id), (lang, company))
                self.assertTrue(citizen.partner_id.munipay_payment_order_ids)
                for login in (officer_login, citizen_login):
                    credential = {'login': login, 'password': login, 'type': 'password'}
                    auth = self.registry['res.users'].authenticate(get_db_name(), credential, {'interactive': False})
                    self.assertEqual(auth['uid'], Users.search([('login', '=', login)]).id)
        self.authenticate('cittadino', 'cittadino')
        response = self.url_open('/my/home')
        self.assertEqual(response.status_code, 200)
        self.assertIn('Mario Rossi', response.text)

    def test_notice_prints_in_the_municipality_language_and_currency(self):
        Order = self.env['munipay.payment.order']
        for xmlid, company in self.companies.items():
            with self.subTest(company=company.name):
                order = Order.search([('company_id', '=', company.id), ('state', '=', 'issued')], limit=1)
                html = self.env['ir.actions.report']._render_qweb_html(
                    'munipay_documents.report_payment_notice', order.ids)[0].decode()
                # the text, not the images: a QR of a random link may hold any three letters
                html = re.sub(r'data:image/[a-z]+;base64,[A-Za-z0-9+/=]+', '', html)
                for word in NOTICE_WORDS[xmlid]:
                    self.assertIn(word, html)
                self.assertIn(company.city, html)
                for us in (' CA ', 'California', '$', 'USD', 'United States'):
                    self.assertNotIn(us, html)
