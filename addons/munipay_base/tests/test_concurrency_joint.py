from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged

from .test_concurrency import TestConcurrentPayments


@tagged('post_install', '-at_install')
class TestConcurrentJointDebtors(BaseCase):
    """Two desks collect the two orders of one joint debt at the same moment."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.cursors = []

    def tearDown(self):
        for cr in self.cursors:
            cr.rollback()
            cr.close()
        super().tearDown()

    # committed cursors, as the payment concurrency tests use them
    env_on_new_cursor = TestConcurrentPayments.env_on_new_cursor
    committed_fee_type = TestConcurrentPayments.committed_fee_type

    def test_joint_group_is_locked_as_one(self):
        env = self.env_on_new_cursor()
        company, fee = self.committed_fee_type(env, 'Joint fine', 80.0)
        payers = env['res.partner'].create([{'name': 'Joint Payer A'}, {'name': 'Joint Payer B'}])
        orders = env['munipay.payment.order'].create([{
            'partner_id': payer.id, 'fee_type_id': fee.id, 'company_id': company.id,
            'line_ids': env['munipay.payment.order']._munipay_lines_for_fee_type(fee)} for payer in payers])
        orders[0].joint_order_ids = orders[1]
        orders.action_issue()
        journal = env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'bank')], limit=1)
        env.cr.commit()

        env_a, env_b = self.env_on_new_cursor(), self.env_on_new_cursor()
        env_a['munipay.payment.order'].browse(orders[0].id)._munipay_pay(env_a['account.journal'].browse(journal.id))
        with self.assertRaisesRegex(UserError, 'being paid'):
            env_b['munipay.payment.order'].browse(orders[1].id)._munipay_pay(env_b['account.journal'].browse(journal.id))
        env_b.cr.rollback()
        env_a.cr.commit()

        order_b = env_b['munipay.payment.order'].browse(orders[1].id)
        self.assertEqual(order_b.state, 'cancelled')
        with self.assertRaisesRegex(UserError, 'cannot be paid'):
            order_b._munipay_pay(env_b['account.journal'].browse(journal.id))
        env_b.cr.rollback()
        check = self.env_on_new_cursor()
        check.cr.execute("SELECT SUM(balance) FROM account_move_line WHERE company_id = %s", [company.id])
        self.assertAlmostEqual(check.cr.fetchone()[0], 0.0, places=2)
        paid = check['account.payment'].search([('partner_id', 'in', payers.ids)])
        self.assertEqual(paid.mapped('amount'), [80.0], "one debt, collected once")
