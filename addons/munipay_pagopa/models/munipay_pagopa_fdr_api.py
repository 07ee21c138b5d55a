import logging
from urllib.parse import quote

import requests

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import fdr as fdr_lib

_logger = logging.getLogger(__name__)

PAGE_SIZE = 1000  # the service's maximum
TIMEOUT = 30
MAX_PAGES = 1000


class ResCompany(models.Model):
    _inherit = 'res.company'

    munipay_pagopa_fdr_published = fields.Datetime(
        string="FdR Read Up To", copy=False,
        help="Publication time of the last settlement report read from pagoPA's FdR service: the next "
             "reading asks for the reports published after it.")


class MunipayPagopaFdr(models.Model):
    """Settlement reports read from pagoPA's FdR REST service (organizations API):
    the flows published for the creditor, each with its payments, page by page."""
    _inherit = 'munipay.pagopa.fdr'

    @api.model
    def _cron_pagopa_fetch(self):
        companies = self.env['res.company'].sudo().search([
            ('munipay_pagopa_fdr_url', '!=', False), ('munipay_creditor_fiscal_code', '!=', False)])
        for company in companies.filtered(lambda c: c._munipay_pagopa_enabled()):
            try:
                self._pagopa_fetch(company)
            except UserError as error:
                _logger.warning("pagoPA settlement reports of %s could not be read: %s", company.name, error)

    def action_pagopa_fetch(self):
        """Read the new settlement reports of the current company now."""
        self.check_access('create')
        company = self.env.company
        if not company.sudo().munipay_pagopa_fdr_url:
            raise UserError(_("Set the FdR endpoint of %s in the pagoPA settings first.", company.name))
        reports = self._pagopa_fetch(company)
        return {
            'name': _("pagoPA Settlement Reports"),
            'type': 'ir.actions.act_window',
            'res_model': self._name,
            'view_mode': 'list,form',
            'domain': [('id', 'in', reports.ids)],
        }

    @api.model
    def _pagopa_get(self, session, url, params=None):
        try:
            response = session.get(url, params=params, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise UserError(_("pagoPA's FdR service cannot be reached: %s", error)) from None
        if response.status_code != 200:
            try:
                detail = response.json()
                detail = '%s %s' % (detail.get('appErrorCode') or '', '; '.join(
                    e.get('message') or '' for e in detail.get('errors') or []))
            except ValueError:
                detail = response.text[:200]
            raise UserError(_("pagoPA's FdR service answered %(status)s for %(url)s: %(detail)s",
                              status=response.status_code, url=url, detail=detail))
        try:
            return response.json()
        except ValueError:
            raise UserError(_("pagoPA's FdR service did not answer JSON for %s.", url)) from None

    @api.model
    def _pagopa_get_pages(self, session, url, params=None):
        """The ``data`` of every page of a paged list of the FdR service."""
        items, page = [], 1
        while True:
            answer = self._pagopa_get(session, url, dict(params or {}, page=page, size=PAGE_SIZE))
            items.extend(answer.get('data') or [])
            pages = int((answer.get('metadata') or {}).get('totPage') or 1)
            if page >= min(pages, MAX_PAGES):
                return items
            page += 1

    @api.model
    def _pagopa_fetch(self, company):
        """Import the company's reports published since the last reading; returns them."""
        company = company.sudo()
        base = company.munipay_pagopa_fdr_url.rstrip('/')
        organization = quote(company.munipay_creditor_fiscal_code, safe='')
        session = requests.Session()
        session.headers.update({'Accept': 'application/json',
                                'Ocp-Apim-Subscription-Key': company.munipay_pagopa_fdr_key or ''})
        params = {}
        if company.munipay_pagopa_fdr_published:
            params['publishedGt'] = company.munipay_pagopa_fdr_published.isoformat(timespec='milliseconds') + 'Z'
        listed = self._pagopa_get_pages(session, '%s/organizations/%s/fdrs' % (base, organization), params)
        listed.sort(key=lambda item: (item.get('published') or '', item.get('fdr') or '', item.get('revision') or 0))
        newest = {}  # only the newest revision of a flow is read
        for item in listed:
            key = (item.get('fdr'), item.get('pspId'))
            newest[key] = max(newest.get(key, 0), int(item.get('revision') or 0))
        for report in self.sudo().search([('company_id', '=', company.id),
                                          ('name', 'in', [key[0] for key in newest])]):
            if (report.name, report.psp_id) in newest and report.revision >= newest[(report.name, report.psp_id)]:
                del newest[(report.name, report.psp_id)]
        reports, failed = self.browse(), False
        for item in listed:
            fdr, psp, revision = item.get('fdr'), item.get('pspId'), int(item.get('revision') or 0)
            if newest.get((fdr, psp)) == revision:
                url = '%s/organizations/%s/fdrs/%s/revisions/%d/psps/%s' % (
                    base, organization, quote(fdr, safe=''), revision, quote(psp, safe=''))
                try:
                    flow = fdr_lib.flow_from_api(self._pagopa_get(session, url),
                                                 self._pagopa_get_pages(session, url + '/payments'))
                    with self.env.cr.savepoint():
                        reports |= self._pagopa_import(company, flow, skip_known=True)
                except (UserError, fdr_lib.FdrError) as error:
                    # read again next time: the reading goes on from before it
                    _logger.error("pagoPA settlement report %s (revision %s, PSP %s) of %s was not imported: %s",
                                  fdr, revision, psp, company.name, error)
                    failed = True
            if not failed and item.get('published'):
                company.munipay_pagopa_fdr_published = fdr_lib.parse_datetime(item['published'])
        return reports
