from decimal import Decimal, InvalidOperation

from werkzeug.exceptions import NotFound

from odoo import _, http
from odoo.exceptions import ValidationError
from odoo.http import request

from odoo.addons.payment.controllers.portal import PaymentPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from .payment import MunipayPayment
from .portal import RECEIPT_REPORT

WALLET_MODEL = 'munipay.wallet'
HISTORY_STEP = 20
RECEIPTS_SHOWN = 10


class MunipayWalletPortal(MunipayPayment):
    """The holder's prepaid wallets: balance, history, online top-up, receipts.
    Only with the holder's login: no token or link stands for a wallet."""

    def _munipay_wallets_domain(self):
        partner = request.env.user.partner_id.commercial_partner_id
        return [('holder_id', 'child_of', partner.id)]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if 'munipay_wallet_count' in counters:
            Wallet = request.env[WALLET_MODEL].with_context(active_test=False)
            values['munipay_wallet_count'] = Wallet.search_count(self._munipay_wallets_domain()) \
                if Wallet.has_access('read') else 0
        return values

    def _munipay_wallet_check_access(self, wallet_id):
        """The holder's wallet, sudoed, or NotFound (whether it exists or is someone else's)."""
        Wallet = request.env[WALLET_MODEL].with_context(active_test=False)  # a closed wallet keeps its history
        if request.env.user._is_public() or not Wallet.has_access('read'):
            raise NotFound()
        wallet = Wallet.search(self._munipay_wallets_domain() + [('id', '=', wallet_id)], limit=1)
        if not wallet:
            raise NotFound()
        return wallet.sudo()

    @staticmethod
    def _munipay_parse_amount(raw):
        """A decimal amount typed by the citizen ("25", "25.50", "25,50"), or None."""
        text = (raw or '').strip().replace(' ', '')
        if ',' in text and '.' not in text:
            text = text.replace(',', '.')
        try:
            value = Decimal(text)
        except (InvalidOperation, ValueError):
            return None
        if not value.is_finite() or value.as_tuple().exponent < -6 or abs(value) >= 10 ** 9:
            return None
        return float(value)

    # ------------------------------------------------------------------ pages

    @http.route(['/my/munipay/wallets', '/my/munipay/wallets/page/<int:page>'], type='http', auth='user',
                website=True)
    def portal_munipay_wallets(self, page=1, **kw):
        Wallet = request.env[WALLET_MODEL].with_context(active_test=False)
        readable = Wallet.has_access('read')
        domain = self._munipay_wallets_domain()
        total = Wallet.search_count(domain) if readable else 0
        pager = portal_pager(url='/my/munipay/wallets', total=total, page=page, step=self._items_per_page)
        wallets = Wallet.search(domain, order='active desc, id desc', limit=self._items_per_page,
                                offset=pager['offset']) if readable else Wallet
        values = self._prepare_portal_layout_values()
        values.update({
            'wallets': wallets.sudo(),  # the balance reads journal items
            'page_name': 'munipay_wallet',
            'munipay_wallet': False,
            'pager': pager,
            'default_url': '/my/munipay/wallets',
        })
        return request.render('munipay_portal.portal_my_wallets', values)

    @http.route(['/my/munipay/wallets/<int:wallet_id>', '/my/munipay/wallets/<int:wallet_id>/page/<int:page>'],
                type='http', auth='user', website=True, sitemap=False)
    def portal_munipay_wallet(self, wallet_id, page=1, amount=None, **kw):
        wallet_sudo = self._munipay_wallet_check_access(wallet_id)
        pager = portal_pager(url=wallet_sudo.access_url, total=wallet_sudo._munipay_history_count(), page=page,
                             step=HISTORY_STEP)
        minimum, maximum = wallet_sudo._munipay_topup_limits()
        values = self._prepare_portal_layout_values()
        values.update({
            'page_name': 'munipay_wallet',
            'munipay_wallet': wallet_sudo,
            'res_company': wallet_sudo.company_id,
            'history': wallet_sudo._munipay_history(HISTORY_STEP, pager['offset']),
            'pager': pager,
            'receipts': request.env['munipay.receipt'].sudo().search(
                [('wallet_id', '=', wallet_sudo.id), ('state', '=', 'valid')], limit=RECEIPTS_SHOWN),
            'topup_min': minimum,
            'topup_max': maximum,
            'topup_amount': amount,
        })
        if amount is not None:
            values.update(self._munipay_topup_values(wallet_sudo, amount))
        return request.render('munipay_portal.portal_wallet_page', values)

    def _munipay_topup_values(self, wallet_sudo, raw_amount):
        """What Odoo's payment form needs to top the wallet up by ``raw_amount``, or why not."""
        amount = self._munipay_parse_amount(raw_amount)
        error = wallet_sudo._munipay_topup_error(amount)
        if error:
            return {'topup_error': error}
        company, currency, partner_sudo = wallet_sudo.company_id, wallet_sudo.currency_id, wallet_sudo.holder_id
        report = {}
        providers_sudo = request.env['payment.provider'].sudo()._get_compatible_providers(
            company.id, partner_sudo.id, amount, currency_id=currency.id, report=report,
            munipay_wallet_id=wallet_sudo.id, munipay_topup_amount=amount)
        payment_methods_sudo = request.env['payment.method'].sudo()._get_compatible_payment_methods(
            providers_sudo.ids, partner_sudo.id, currency_id=currency.id, report=report)
        return {
            'topup_error': False,
            'amount': amount,
            'currency': currency,
            'partner_id': partner_sudo.id,
            'providers_sudo': providers_sudo,
            'payment_methods_sudo': payment_methods_sudo,
            'tokens_sudo': request.env['payment.token'].sudo(),
            'show_tokenize_input_mapping': dict.fromkeys(providers_sudo.ids, False),
            'availability_report': report,
            'transaction_route': f'/my/munipay/wallets/{wallet_sudo.id}/transaction',
            'landing_route': wallet_sudo.access_url,
            'access_token': None,
            'reference_prefix': None,
            'company_mismatch': not PaymentPortal._can_partner_pay_in_company(partner_sudo, company),
            'expected_company': company,
        }

    @http.route('/my/munipay/wallets/<int:wallet_id>/transaction', type='json', auth='user')
    def munipay_wallet_transaction(self, wallet_id, amount=None, provider_id=None, payment_method_id=None,
                                   flow=None, access_token=None, **kwargs):
        """Create the draft transaction topping the wallet up and return its processing values."""
        wallet_sudo = self._munipay_wallet_check_access(wallet_id)
        self._validate_transaction_kwargs(kwargs)
        if flow not in ('redirect', 'direct') or kwargs.get('is_validation'):
            raise ValidationError(_("Wallets are topped up directly or through the provider's page."))
        amount = self._munipay_parse_amount(str(amount) if amount is not None else None)
        error = wallet_sudo._munipay_topup_error(amount)
        if error:
            raise ValidationError(error)
        company, currency, partner_sudo = wallet_sudo.company_id, wallet_sudo.currency_id, wallet_sudo.holder_id
        providers_sudo = request.env['payment.provider'].sudo()._get_compatible_providers(
            company.id, partner_sudo.id, amount, currency_id=currency.id,
            munipay_wallet_id=wallet_sudo.id, munipay_topup_amount=amount)
        provider_sudo = providers_sudo.filtered(lambda p: p.id == self._cast_as_int(provider_id))
        methods_sudo = request.env['payment.method'].sudo()._get_compatible_payment_methods(
            provider_sudo.ids, partner_sudo.id, currency_id=currency.id)
        if not provider_sudo or self._cast_as_int(payment_method_id) not in methods_sudo.ids:
            raise ValidationError(_("This payment method cannot top this wallet up."))
        tx_sudo = self._create_transaction(
            provider_id=provider_sudo.id, payment_method_id=self._cast_as_int(payment_method_id), token_id=None,
            amount=amount, currency_id=currency.id, partner_id=partner_sudo.id, flow=flow,
            tokenization_requested=False, landing_route=wallet_sudo.access_url,
            custom_create_values={'munipay_wallet_id': wallet_sudo.id},
        )
        return tx_sudo._get_processing_values()

    @http.route('/my/munipay/wallets/<int:wallet_id>/receipts/<int:receipt_id>', type='http', auth='user',
                website=True, sitemap=False)
    def portal_munipay_wallet_receipt(self, wallet_id, receipt_id, download=False, **kw):
        wallet_sudo = self._munipay_wallet_check_access(wallet_id)
        receipt_sudo = request.env['munipay.receipt'].sudo().search(
            [('id', '=', receipt_id), ('wallet_id', '=', wallet_sudo.id), ('state', '=', 'valid')], limit=1)
        if not receipt_sudo:
            raise NotFound()
        return self._show_report(model=receipt_sudo, report_type='pdf', report_ref=RECEIPT_REPORT, download=download)
