from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged


@tagged('post_install', '-at_install')
class TestSettingsWording(TransactionCase):

    def test_missing_setting_points_to_invoicing(self):
        """Community calls the accounting app "Invoicing": the error says where the setting is."""
        company = self.env['res.company'].create({'name': 'Comune senza piano dei conti'})
        with self.assertRaises(UserError) as caught:
            company._munipay_get('munipay_journal_id')
        message = str(caught.exception)
        self.assertIn('Invoicing > Configuration > Settings', message)
        self.assertIn('Payment Order Journal', message)
        self.assertNotIn('Accounting', message)
