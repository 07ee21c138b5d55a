from odoo import _, api, models
from odoo.exceptions import UserError

from ..lib import clients
from ..lib import mapping as mp


class MunipayBillingSystem(models.Model):
    """What the cash desk, kiosks and merchants call: look an account up, post a payment."""
    _inherit = 'munipay.billing.system'

    def _billing_pick(self):
        """The system itself, or (called on no record) the current company's first active one."""
        if self:
            self.ensure_one()
            return self
        system = self.search([('company_id', '=', self.env.company.id)], limit=1)
        if not system:
            raise UserError(_("No external billing system is set up for %s.", self.env.company.name))
        return system

    def _billing_error_text(self, error, account=None):
        """The user's-language text of what went wrong with the system."""
        detail = str(error)
        if error.kind == clients.NOT_FOUND:
            return _("%(system)s has no account %(account)s (%(detail)s).",
                     system=self.name, account=account, detail=detail)
        if error.kind == clients.MALFORMED:
            return _("%(system)s answered with something munipay cannot read (%(detail)s): check the mapping.",
                     system=self.name, detail=detail)
        if error.kind == clients.CONFIG:
            return _("%(system)s is not set up correctly: %(detail)s", system=self.name, detail=detail)
        if error.kind == clients.REJECTED:
            return _("%(system)s refused the request: %(detail)s", system=self.name, detail=detail)
        if error.kind == clients.DUPLICATE:
            return _("%(system)s already has this payment (%(detail)s).", system=self.name, detail=detail)
        return _("%(system)s could not be reached or did not answer: %(detail)s", system=self.name, detail=detail)

    @api.model
    def _billing_clean_number(self, number):
        number = ' '.join(str(number or '').split())
        if not number:
            raise UserError(_("Enter the account number to look up."))
        return number

    def lookup_account(self, number):
        """The holder and the amount due of account ``number`` in the billing system.

        :return: dict with system_id, account_number, holder, amount_due (in the
            company's currency), amount_due_cents and currency_id
        :raise UserError: the system cannot be reached, has no such account, or
            answered something its mapping cannot read
        """
        system = self._billing_pick()
        system.check_access('read')
        number = self._billing_clean_number(number)
        try:
            data = system.sudo()._billing_client().lookup(number)
        except clients.BillingError as error:
            raise UserError(system._billing_error_text(error, number)) from None
        return {
            'system_id': system.id,
            'account_number': number,
            'holder': data['holder'],
            'amount_due': mp.from_cents(data['amount_due_cents'], system.currency_id.decimal_places),
            'amount_due_cents': data['amount_due_cents'],
            'currency_id': system.currency_id.id,
        }

    def post_payment(self, account_number, amount, reference, idempotency_key):
        """Post one payment now (the outbox does this for munipay's own payments).

        A key the system already has counts as posted (``duplicate`` True).

        :return: dict with remote_id and duplicate
        :raise UserError: the system refused the payment or could not be reached
        """
        system = self._billing_pick()
        system.check_access('write')
        if not idempotency_key:
            raise UserError(_("A payment needs its idempotency key."))
        cents = mp.to_cents(system.currency_id.round(amount), system.currency_id.decimal_places)
        if cents <= 0:
            raise UserError(_("The amount must be above zero."))
        try:
            client = system.sudo()._billing_client()
            return dict(client.post(self._billing_clean_number(account_number), cents, reference or '',
                                    idempotency_key), duplicate=False)
        except clients.BillingError as error:
            if error.kind == clients.DUPLICATE:
                return {'remote_id': False, 'duplicate': True}
            raise UserError(system._billing_error_text(error, account_number)) from None

    def action_test_connection(self):
        """Reach the system with its settings and credentials (REST: its root; SOAP: its
        WSDL, which must name both operations)."""
        self.ensure_one()
        self.check_access('write')
        try:
            self.sudo()._billing_client().ping()
        except clients.BillingError as error:
            raise UserError(self._billing_error_text(error)) from None
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {'type': 'success', 'title': _("Connection works"),
                       'message': _("%s answered.", self.name), 'sticky': False},
        }
