from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CommittedCursorsCase


@tagged('post_install', '-at_install')
class TestConcurrentJointDebtors(CommittedCursorsCase):
    """Two desks collect the two orders of one joint debt at the same moment."""

    def test_joint_group_is_locked_as_one(self):
        env = self.env_on_new_cursor()
        company, orders, journal = self.committed_joint_pair(env, 'Joint fine', 80.0, ['Joint Payer A', 'Joint Payer B'])
        payers = orders.partner_id
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
