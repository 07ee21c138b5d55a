from odoo import _, fields, models
from odoo.tools.misc import format_date


class MunipaySuspenseBalance(models.TransientModel):
    _name = 'munipay.suspense.balance'
    _description = "Unmatched Payments Balance on a Date"

    date = fields.Date(string="On", required=True, default=fields.Date.context_today,
                       help="The balance and the open unmatched payments at the end of this day.")

    def action_open(self):
        self.ensure_one()
        action = self.env['ir.actions.actions']._for_xml_id('munipay_bank.action_munipay_suspense_report')
        action['name'] = _("Unmatched Payments on %s", format_date(self.env, self.date))
        action['context'] = {'munipay_as_of': fields.Date.to_string(self.date), 'search_default_open': 1}
        return action
