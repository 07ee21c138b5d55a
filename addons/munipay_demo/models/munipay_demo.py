from odoo import Command, api, models

# Odoo's localisations create their own demo companies ("IT Company", ...) with a
# furniture shop's invoices; the municipalities replace them in the demo.
LOCALISATION_DEMO_COMPANIES = ('base.demo_company_it', 'base.demo_company_de', 'base.demo_company_pl')


class MunipayDemo(models.AbstractModel):
    _name = 'munipay.demo'
    _description = "munipay demo municipalities"

    @api.model
    def _install_languages(self, codes):
        """Activate the languages and load their translations, as Settings > Languages does."""
        langs = self.env['res.lang'].with_context(active_test=False).search([('code', 'in', codes)])
        self.env['base.language.install'].create({'lang_ids': [Command.set(langs.ids)]}).lang_install()

    @api.model
    def _set_up_municipality(self, company_id, template_code, bank_account_id, qr_standard):
        """Give a new company its country's chart of accounts, then munipay's settings
        and the collection account."""
        company = self.env['res.company'].browse(company_id)
        bank_account = self.env['res.partner.bank'].browse(bank_account_id)
        # What Odoo 18 itself does for a company created while modules are being installed
        # (res.company.create, for branches). try_loading() would only add a warning that
        # the registry is not fully loaded yet, which is always so while demo data loads;
        # the localisations whose charts are loaded here are dependencies, loaded before.
        self.env['account.chart.template']._load(template_code, company, install_demo=False)
        company._munipay_ensure_setup()
        bank_journal = self.env['account.journal'].search([
            *self.env['account.journal']._check_company_domain(company), ('type', '=', 'bank')], limit=1)
        bank_journal.bank_account_id = bank_account
        layout = self.env.ref('web.external_layout_standard', raise_if_not_found=False)
        company.write({
            # a municipality's fees, fines and taxes are outside VAT: new fee products get no sales tax
            'account_sale_tax_id': False,
            'munipay_bank_account_id': bank_account.id,
            'munipay_qr_standard': qr_standard,
            'paperformat_id': self.env.ref('base.paperformat_euro').id,  # A4
            'external_report_layout_id': layout.id if layout else False,
        })
        company.resource_calendar_id.tz = company.partner_id.tz

    @api.model
    def _set_income_account(self, product_ids, company_id, account_template_id):
        """The fee products' income account: an account of the company's chart, by its id in the template."""
        company = self.env['res.company'].browse(company_id)
        account = self.env['account.chart.template'].with_company(company).ref(account_template_id)
        self.env['product.product'].browse(product_ids).with_company(company).property_account_income_id = account

    @api.model
    def _pay(self, order_ids, journal_type):
        """Collect the orders on the day they were notified, at the cash desk or by bank transfer."""
        for order in self.env['munipay.payment.order'].browse(order_ids):
            journal = self.env['account.journal'].search([
                *self.env['account.journal']._check_company_domain(order.company_id), ('type', '=', journal_type)],
                limit=1)
            order._munipay_pay(journal, payment_date=order.date_notified or order.date_issue)

    @api.model
    def _cancel(self, order_ids, reason):
        self.env['munipay.payment.order'].browse(order_ids)._munipay_cancel(reason)

    @api.model
    def _top_up(self, wallet_ids, amount, label, meals, meal_label):
        """Top the wallets up in cash, then use a few meals."""
        for wallet in self.env['munipay.wallet'].browse(wallet_ids):
            journal = self.env['account.journal'].search([
                *self.env['account.journal']._check_company_domain(wallet.company_id), ('type', '=', 'cash')], limit=1)
            wallet._munipay_credit(amount, journal.default_account_id, label)
            wallet._munipay_charge(wallet.currency_id.round(wallet.service_fee_type_id.amount * meals), meal_label)

    @api.model
    def _set_up_cash_desk(self, company_id, name, card_name, desk_fee_ids):
        """The town hall's cash desk: a point of sale taking cash, and cards through
        munipay's device bridge on the desk PC; ``desk_fee_ids`` are sold on the spot."""
        company = self.env['res.company'].browse(company_id)
        Journal = self.env['account.journal'].with_company(company)
        cash_journal = Journal.search([*Journal._check_company_domain(company), ('type', '=', 'cash')], limit=1)
        card_journal = Journal.create({'name': card_name, 'type': 'bank', 'code': 'CARD', 'company_id': company.id})
        methods = self.env['pos.payment.method'].with_company(company).create([
            {'name': cash_journal.name, 'journal_id': cash_journal.id, 'company_id': company.id},
            {'name': card_name, 'journal_id': card_journal.id, 'company_id': company.id,
             'use_payment_terminal': 'munipay_bridge'},
        ])
        self.env['pos.config'].with_company(company).create({
            'name': name, 'company_id': company.id, 'payment_method_ids': [Command.set(methods.ids)]})
        self.env['munipay.fee.type'].browse(desk_fee_ids).munipay_cashdesk_sale = True

    @api.model
    def _own_cash_method(self, company, name, journal_code):
        """A cash payment method on a cash journal of its own (a merchant's till, a kiosk's cassette)."""
        journal = self.env['account.journal'].create({
            'name': name, 'type': 'cash', 'code': journal_code, 'company_id': company.id})
        return self.env['pos.payment.method'].with_company(company).create({
            'name': name, 'journal_id': journal.id, 'company_id': company.id})

    @api.model
    def _set_up_merchant(self, company_id, merchant_id, user_id, journal_code, fee_ids, percent, fixed):
        """An authorised merchant's restricted point of sale: its own till, the services
        it may top up, its commission; ``user_id`` sells there and sees nothing else."""
        company = self.env['res.company'].browse(company_id)
        merchant = self.env['res.partner'].browse(merchant_id)
        method = self._own_cash_method(company, merchant.name, journal_code)
        self.env['pos.config'].with_company(company).create({
            'name': merchant.name, 'company_id': company.id, 'payment_method_ids': [Command.set(method.ids)],
            'munipay_merchant_partner_id': merchant.id,
            'munipay_merchant_fee_type_ids': [Command.set(fee_ids)],
            'munipay_merchant_commission_percent': percent,
            'munipay_merchant_commission_fixed': fixed,
        })
        self.env['res.users'].browse(user_id).munipay_merchant_partner_id = merchant

    @api.model
    def _set_up_kiosk(self, company_id, name, journal_code, alert_email, user_id=False):
        """A self-service kiosk: its own cash journal (the cassette), the bridge on the
        kiosk PC's loopback (the default address) and ``user_id``, the account its PC
        logs in with (the only one, with the managers, that runs its page)."""
        company = self.env['res.company'].browse(company_id)
        method = self._own_cash_method(company, name, journal_code)
        self.env['pos.config'].with_company(company).create({
            'name': name, 'company_id': company.id, 'munipay_kiosk': True, 'munipay_kiosk_user_id': user_id,
            'munipay_kiosk_printer': True, 'munipay_kiosk_alert_email': alert_email,
            'payment_method_ids': [Command.set(method.ids)]})

    @api.model
    def _set_up_online_payment(self, company_ids):
        """Odoo's demo payment provider for each municipality, in test mode, so that
        citizens pay on the demo portal without a real provider's account."""
        demo = self.env.ref('payment.payment_provider_demo')
        for company in self.env['res.company'].browse(company_ids):
            demo.copy({'company_id': company.id, 'state': 'test', 'is_published': True,
                       'payment_method_ids': [Command.set(demo.payment_method_ids.ids)]})

    @api.model
    def _finish(self, company_ids, default_company_id):
        """The administrator works for the municipalities; Odoo's own localisation
        demo companies are archived so that the company switcher shows only them."""
        companies = self.env['res.company'].browse(company_ids)
        default_company = self.env['res.company'].browse(default_company_id)
        self.env.ref('base.user_admin').write({
            'company_ids': [Command.link(company.id) for company in companies],
            'company_id': default_company.id,
        })
        for xmlid in LOCALISATION_DEMO_COMPANIES:
            company = self.env.ref(xmlid, raise_if_not_found=False)
            if company and not self.env['res.users'].with_context(active_test=False).search_count(
                    [('company_id', '=', company.id)], limit=1):
                company.active = False
