from urllib.parse import urlsplit

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import clients
from ..lib import mapping as mp

SECRET_GROUPS = 'munipay_base.group_manager'
# mapping field -> what it names (the answer's or the request's value)
MAPPING_FIELDS = {
    'map_account': 'account', 'map_holder': 'holder', 'map_amount_due': 'amount_due', 'map_amount': 'amount',
    'map_reference': 'reference', 'map_payment_key': 'payment_key', 'map_payment_id': 'payment_id',
    'map_original_key': 'original_key',
}
REQUEST_FIELDS = ('map_account', 'map_amount', 'map_reference', 'map_payment_key')


class MunipayBillingSystem(models.Model):
    """A third-party billing system that keeps accounts munipay collects payments for."""
    _name = 'munipay.billing.system'
    _description = "External Billing System"
    _order = 'sequence, id'
    _check_company_auto = True

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    protocol = fields.Selection([('rest', "REST (JSON)"), ('soap', "SOAP (WSDL)")], required=True, default='rest')
    base_url = fields.Char(string="Base URL", help="The REST service's root, e.g. https://billing.example.org/api/v2")
    wsdl_url = fields.Char(string="WSDL URL", help="Where the SOAP service's WSDL is; the calls go to the address it gives.")
    auth_type = fields.Selection([('none', "None"), ('basic', "User and Password"), ('token', "API Key")],
                                 string="Authentication", required=True, default='none')
    username = fields.Char(groups=SECRET_GROUPS, copy=False)
    password = fields.Char(groups=SECRET_GROUPS, copy=False)
    api_key = fields.Char(string="API Key", groups=SECRET_GROUPS, copy=False)
    api_key_header = fields.Char(string="API Key Header", default='Authorization',
                                 help="The HTTP header carrying the key; in Authorization it is sent as a Bearer token.")
    timeout = fields.Float(string="Timeout (s)", default=10.0, required=True)
    retry_max_attempts = fields.Integer(string="Tries Before Giving Up", default=8, required=True)
    retry_base_delay = fields.Integer(string="First Retry After (s)", default=60, required=True,
                                      help="The wait doubles after each failed try, with some random jitter.")
    retry_max_delay = fields.Integer(string="Longest Wait (s)", default=6 * 3600, required=True)
    rest_lookup_path = fields.Char(string="Account Lookup Path", default='accounts/{account}',
                                   help="GET, below the base URL; {account} is replaced by the account number.")
    rest_payment_path = fields.Char(string="Payment Path", default='payments', help="POST, below the base URL.")
    soap_lookup_operation = fields.Char(string="Account Lookup Operation", default='GetAccount')
    soap_payment_operation = fields.Char(string="Payment Operation", default='PostPayment')
    rest_reversal_path = fields.Char(
        string="Reversal Path", default='payments/{payment_key}/reversal',
        help="POST, below the base URL, to take back a payment undone in accounting; {payment_key} is replaced "
             "by the payment's idempotency key, {payment_id} by the system's id of it. The body carries the "
             "reversal's own key.")
    soap_reversal_operation = fields.Char(
        string="Reversal Operation", default='ReversePayment',
        help="Takes back a payment undone in accounting: called with the payment's idempotency key and the "
             "reversal's own.")
    map_account = fields.Char(string="Account Number", required=True, default='account')
    map_holder = fields.Char(string="Holder Name", required=True, default='holder')
    map_amount_due = fields.Char(string="Amount Due (cents)", required=True, default='amount_due_cents')
    map_amount = fields.Char(string="Amount Paid (cents)", required=True, default='amount_cents')
    map_reference = fields.Char(string="Payment Reference", required=True, default='reference')
    map_payment_key = fields.Char(string="Idempotency Key", required=True, default='idempotency_key')
    map_payment_id = fields.Char(string="Payment ID", required=True, default='id')
    map_original_key = fields.Char(string="Key of the Payment Reversed", required=True, default='original_key',
                                   help="SOAP: the element of the reversal request naming the payment it takes back.")
    map_error_code = fields.Char(string="Error Code", default='code',
                                 help="REST: where an error answer gives its code (compared with the duplicate code).")
    duplicate_marker = fields.Char(
        string="Duplicate Code", default='duplicate',
        help="What the system answers for a payment key it already has: the error code (REST, besides HTTP 409) "
             "or a word of the SOAP fault. Such a payment counts as sent, such a reversal as done.")
    unknown_marker = fields.Char(
        string="Unknown Payment Code", default='unknown',
        help="What the system answers to a reversal of a payment it does not have: the error code (REST, besides "
             "HTTP 404) or a word of the SOAP fault. Nothing is there to take back: the reversal counts as done.")
    outbox_ids = fields.One2many('munipay.billing.outbox', 'system_id', string="Outbox")
    outbox_pending_count = fields.Integer(compute='_compute_outbox_counts', string="Waiting")
    outbox_failed_count = fields.Integer(compute='_compute_outbox_counts', string="Failed")

    @api.depends('outbox_ids.state')
    def _compute_outbox_counts(self):
        counts = dict(((system, state), count) for system, state, count in self.env['munipay.billing.outbox']._read_group(
            [('system_id', 'in', self.ids), ('state', 'in', ('pending', 'failed'))], ['system_id', 'state'], ['__count']))
        for system in self:
            system.outbox_pending_count = counts.get((system, 'pending'), 0)
            system.outbox_failed_count = counts.get((system, 'failed'), 0)

    @api.constrains('protocol', 'base_url', 'wsdl_url')
    def _check_urls(self):
        for system in self:
            url = system.base_url if system.protocol == 'rest' else system.wsdl_url
            split = urlsplit(url or '')
            if split.scheme not in ('http', 'https') or not split.netloc:
                raise ValidationError(_("%(system)s needs an http(s) %(what)s.", system=system.name,
                                        what=_("base URL") if system.protocol == 'rest' else _("WSDL URL")))

    @api.constrains('timeout', 'retry_max_attempts', 'retry_base_delay', 'retry_max_delay')
    def _check_retry_policy(self):
        for system in self:
            if not 0 < system.timeout <= 300:
                raise ValidationError(_("The timeout must be above 0 and at most 300 seconds."))
            if system.retry_max_attempts < 1 or system.retry_base_delay < 1 \
                    or system.retry_max_delay < system.retry_base_delay:
                raise ValidationError(_("The retry policy needs at least one try, a first wait of at least one "
                                        "second and a longest wait no shorter than the first."))

    @api.constrains(*MAPPING_FIELDS, 'map_error_code', 'protocol', 'rest_lookup_path', 'rest_reversal_path',
                    'soap_lookup_operation', 'soap_payment_operation', 'soap_reversal_operation')
    def _check_mapping(self):
        for system in self:
            try:
                if system.protocol == 'rest':
                    for name in MAPPING_FIELDS:
                        mp.parse_path(system[name])
                    if system.map_error_code:
                        mp.parse_path(system.map_error_code)
                    request = {}
                    for name in REQUEST_FIELDS:
                        mp.set_path(request, system[name], 0)
                    if '{account}' not in (system.rest_lookup_path or ''):
                        raise mp.MappingError("the account lookup path has no {account}")
                    if not any(key in (system.rest_reversal_path or '') for key in ('{payment_key}', '{payment_id}')):
                        raise mp.MappingError("the reversal path has neither {payment_key} nor {payment_id}")
                else:
                    for name in (*MAPPING_FIELDS, 'soap_lookup_operation', 'soap_payment_operation',
                                 'soap_reversal_operation'):
                        mp.check_element_name(system[name])
                    if len({system[name] for name in REQUEST_FIELDS}) < len(REQUEST_FIELDS):
                        raise mp.MappingError("two request values are mapped to one element")
                    if system.map_original_key == system.map_payment_key:
                        raise mp.MappingError("the reversal's key and the key of the payment it takes back are "
                                              "mapped to one element")
            except mp.MappingError as error:
                raise ValidationError(_("The mapping of %(system)s is not valid: %(error)s",
                                        system=system.name, error=error)) from None

    def _billing_client(self):
        """A client of the system with its credentials (call on a sudo record, after an access check)."""
        self.ensure_one()
        auth = None
        if self.auth_type == 'basic':
            auth = ('basic', self.username, self.password)
        elif self.auth_type == 'token':
            auth = ('token', self.api_key_header, self.api_key)
        mapping = {key: self[name] for name, key in MAPPING_FIELDS.items()}
        mapping.update(error_code=self.map_error_code, duplicate=self.duplicate_marker, unknown=self.unknown_marker)
        if self.protocol == 'rest':
            return clients.RestClient(self.base_url, self.rest_lookup_path, self.rest_payment_path, mapping,
                                      self.timeout, auth, reversal_path=self.rest_reversal_path)
        return clients.SoapClient(self.wsdl_url, self.soap_lookup_operation, self.soap_payment_operation, mapping,
                                  self.timeout, auth, reversal_operation=self.soap_reversal_operation)

    def action_view_outbox(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('munipay_billing.action_munipay_billing_outbox')
        action['domain'] = [('system_id', '=', self.id)]
        action['context'] = {'search_default_not_sent': 1}
        return action
