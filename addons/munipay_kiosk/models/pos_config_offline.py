from odoo import api, fields, models

from ..lib import cash_session, snapshot_files

SNAPSHOT_LIMIT = 5000


class PosConfig(models.Model):
    """What a kiosk needs to keep working while Odoo is unreachable: the open orders of
    its municipality it could take, with the references a scanned notice finds them by.
    The page stores it in the device bridge; an officer may also load it from a file."""
    _inherit = 'pos.config'

    def _munipay_kiosk_snapshot(self):
        """``{'generated_at', 'currency', 'targets': [...]}`` (see lib/snapshot_files.py);
        at most ``munipay_kiosk.snapshot_limit`` orders, those due first."""
        self.ensure_one()
        config = self.sudo()
        company = config.company_id
        Order = self.env['munipay.payment.order'].sudo().with_company(company)
        targets = []
        if not Order._munipay_cashdesk_currency_refusal(config):
            limit = int(self.env['ir.config_parameter'].sudo().get_param(
                'munipay_kiosk.snapshot_limit', SNAPSHOT_LIMIT))
            orders = Order.search([('company_id', '=', company.id), ('state', '=', 'issued')],
                                  limit=limit, order='date_due, id')
            targets = orders._munipay_kiosk_snapshot_targets()
            targets += Order._munipay_kiosk_snapshot_other(config)
        return {
            'generated_at': fields.Datetime.now().strftime('%Y-%m-%dT%H:%M:%SZ'),
            'currency': company.currency_id.name,
            # what the company's notices name as creditor: the bridge refuses others' notices
            'creditors': sorted({snapshot_files.normalise(value) for value in (
                company.munipay_creditor_fiscal_code, company.munipay_bank_account_id.acc_number) if value}),
            'targets': targets,
        }

    def _munipay_kiosk_snapshot_file(self, fmt):
        """(file name, content type, bytes) of the snapshot as CSV or XML."""
        snapshot = self._munipay_kiosk_snapshot()
        stamp = snapshot['generated_at'].replace(':', '').replace('-', '')
        name = 'kiosk-%d-snapshot-%s.%s' % (self.id, stamp, fmt)
        if fmt == 'csv':
            return name, 'text/csv; charset=utf-8', snapshot_files.to_csv(snapshot['targets']).encode('utf-8')
        return name, 'application/xml; charset=utf-8', snapshot_files.to_xml(
            snapshot['targets'], snapshot['generated_at'], snapshot['creditors'])

    def action_munipay_kiosk_snapshot(self):
        self.ensure_one()
        fmt = 'xml' if self.env.context.get('munipay_snapshot_format') == 'xml' else 'csv'
        return {
            'type': 'ir.actions.act_url',
            'url': '/munipay/kiosk/%d/snapshot.%s' % (self.id, fmt),
            'target': 'download',
        }


class MunipayPaymentOrder(models.Model):
    _inherit = 'munipay.payment.order'

    def _munipay_kiosk_snapshot_targets(self):
        """The snapshot's targets of these (issued) orders, read in a few batched queries."""
        self.fetch(['name', 'payment_reference', 'partner_id', 'fee_type_id', 'currency_id', 'state'])
        self.partner_id.fetch(['name'])
        self.fee_type_id.fetch(['name'])
        ref_fields = self._munipay_reference_fields()
        today = self[:1]._munipay_today() if self else None
        targets = []
        for order in self:
            currency = order.currency_id
            due = currency.round(order.get_amount_open(today))
            if currency.is_zero(due):
                continue
            targets.append({
                'kind': 'order',
                'target_id': order.id,
                'keys': sorted({snapshot_files.normalise(order[field]) for field in ref_fields if order[field]}),
                'name': order.name,
                'fee': order.fee_type_id.name or '',
                'initials': cash_session.initials(order.partner_id.name),
                'amount_due': round(due * 10 ** currency.decimal_places),
                'currency': currency.name,
            })
        return targets

    @api.model
    def _munipay_kiosk_snapshot_other(self, config):
        """Hook: other things the kiosk collects offline (wallets to top up), as snapshot
        targets with their own ``kind`` (``top_up: True``, ``balance``, ``max_amount`` cents)."""
        return []
