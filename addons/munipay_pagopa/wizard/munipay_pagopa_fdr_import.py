import base64

from odoo import _, fields, models
from odoo.exceptions import UserError


class MunipayPagopaFdrImport(models.TransientModel):
    """Upload a settlement report file (FlussoRiversamento XML) a PSP or the node delivered."""
    _name = 'munipay.pagopa.fdr.import'
    _description = "Import a pagoPA Settlement Report"
    _check_company_auto = True

    file = fields.Binary(string="Settlement Report", required=True, help="A FlussoRiversamento XML file.")
    filename = fields.Char()
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)

    def action_import(self):
        self.ensure_one()
        Fdr = self.env['munipay.pagopa.fdr']
        Fdr.check_access('create')
        if not self.company_id._munipay_pagopa_enabled():
            raise UserError(_("%s does not collect through pagoPA.", self.company_id.name))
        raw = base64.b64decode(self.file or b'')
        report = Fdr._pagopa_import(self.company_id, Fdr._pagopa_parse_xml(raw), raw=raw, filename=self.filename)
        return {
            'name': _("pagoPA Settlement Report"),
            'type': 'ir.actions.act_window',
            'res_model': 'munipay.pagopa.fdr',
            'res_id': report.id,
            'view_mode': 'form',
        }
