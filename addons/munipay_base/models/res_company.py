from odoo import _, fields, models
from odoo.exceptions import UserError


class ResCompany(models.Model):
    _inherit = 'res.company'

    munipay_journal_id = fields.Many2one(
        'account.journal', string="Payment Order Journal", check_company=True,
        domain="[('type', '=', 'sale')]",
        help="Sales journal that carries the receivables of payment orders.")
    munipay_discount_account_id = fields.Many2one(
        'account.account', string="Early Payment Discount Account", check_company=True,
        help="Where the reduction granted inside a discount window is booked "
             "(defaults to the company's cash-discount loss account).")
    munipay_surcharge_account_id = fields.Many2one(
        'account.account', string="Late Payment Surcharge Account", check_company=True,
        help="Income account for the increase of an amount paid after the last window "
             "(defaults to the income account of the fee's product).")
    munipay_collection_journal_id = fields.Many2one(
        'account.journal', string="Desk Collection Journal", check_company=True,
        domain="[('type', 'in', ('cash', 'bank'))]",
        help="Journal proposed when an officer registers a payment from a payment order "
             "(the cash desk's cash journal, or the collection bank account).")
    munipay_wallet_account_id = fields.Many2one(
        'account.account', string="Prepaid Wallet Account", check_company=True,
        help="Liability account holding the prepaid balances of wallets.")

    def _munipay_ensure_setup(self):
        """Fill the munipay accounting settings of companies that have a chart."""
        for company in self:
            if not company.chart_template:
                continue
            vals = {}
            if not company.munipay_journal_id:
                vals['munipay_journal_id'] = self.env['account.journal'].search([
                    *self.env['account.journal']._check_company_domain(company),
                    ('type', '=', 'sale'),
                ], limit=1).id
            if not company.munipay_collection_journal_id:
                vals['munipay_collection_journal_id'] = self.env['account.journal'].search([
                    *self.env['account.journal']._check_company_domain(company),
                    ('type', '=', 'cash'),
                ], limit=1).id
            if not company.munipay_discount_account_id:
                vals['munipay_discount_account_id'] = company.account_journal_early_pay_discount_loss_account_id.id
            if not company.munipay_wallet_account_id:
                vals['munipay_wallet_account_id'] = company._munipay_create_wallet_account().id
            if vals:
                company.write(vals)

    def _munipay_create_wallet_account(self):
        return self._munipay_create_account('MPW', _("Prepaid wallets"), 'liability_current', reconcile=False)

    def _munipay_create_transit_journal(self, name, code, transit):
        """A bank journal of a munipay channel whose incoming payments wait on the
        ``transit`` account; its code is ``code``, else CODE[:3]1, CODE[:3]2… if taken."""
        self.ensure_one()
        Journal = self.env['account.journal'].sudo().with_company(self)
        taken = set(Journal.with_context(active_test=False).search(
            Journal._check_company_domain(self)).mapped('code'))
        free = next(c for c in [code] + ['%s%d' % (code[:3], n) for n in range(1, 100)] if c not in taken)
        journal = Journal.create({'name': name, 'type': 'bank', 'code': free, 'company_id': self.id})
        journal.inbound_payment_method_line_ids.payment_account_id = transit
        return journal

    def _munipay_create_account(self, prefix, name, account_type, reconcile):
        """A munipay account of the company, on the first free code PREFIX001, PREFIX002…"""
        self.ensure_one()
        Account = self.env['account.account'].sudo().with_company(self)
        number = 1
        while Account.search_count([('code', '=', '%s%03d' % (prefix, number)), *Account._check_company_domain(self)],
                                   limit=1):
            number += 1
        return Account.create({
            'name': name,
            'code': '%s%03d' % (prefix, number),
            'account_type': account_type,
            'reconcile': reconcile,
            'company_ids': [(6, 0, self.ids)],
        })

    def _munipay_get(self, field):
        """A munipay accounting setting, set up on first use, or a clear error."""
        self.ensure_one()
        if not self[field]:
            self.sudo()._munipay_ensure_setup()
        if not self[field]:
            raise UserError(_(
                "munipay is not configured for %(company)s: set “%(setting)s” in Invoicing > Configuration > Settings.",
                company=self.name, setting=self._fields[field].get_description(self.env)['string']))
        return self[field]
