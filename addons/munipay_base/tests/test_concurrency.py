import psycopg2.errors

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CommittedCursorsCase


@tagged('post_install', '-at_install')
class TestConcurrentPayments(CommittedCursorsCase):
    """Two database transactions pay the same order at the same moment."""

    def test_two_cursors_one_settles(self):
        env = self.env_on_new_cursor()
        company, fee = self.committed_fee_type(env, 'Concurrency fee', 10.0)
        payer = env['res.partner'].create({'name': 'Concurrent Payer'})
        order = env['munipay.payment.order'].create({
            'partner_id': payer.id, 'fee_type_id': fee.id, 'company_id': company.id,
            'line_ids': env['munipay.payment.order']._munipay_lines_for_fee_type(fee)})
        order.action_issue()
        journal = env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'bank')], limit=1)
        env.cr.commit()

        env_a, env_b = self.env_on_new_cursor(), self.env_on_new_cursor()
        order_a = env_a['munipay.payment.order'].browse(order.id)
        order_b = env_b['munipay.payment.order'].browse(order.id)
        order_a._munipay_pay(env_a['account.journal'].browse(journal.id))  # holds the order, not yet committed
        with self.assertRaisesRegex(UserError, 'being paid'):
            order_b._munipay_pay(env_b['account.journal'].browse(journal.id))
        env_b.cr.rollback()
        env_a.cr.commit()

        order_b.invalidate_recordset()
        self.assertEqual(order_b.state, 'paid')
        with self.assertRaisesRegex(UserError, 'already paid'):
            order_b._munipay_pay(env_b['account.journal'].browse(journal.id))
        env_b.cr.rollback()
        # from outside (money already moved): booked as a credit and flagged
        credit = order_b._munipay_pay(env_b['account.journal'].browse(journal.id), amount=10.0, external=True)
        env_b.cr.commit()
        check = self.env_on_new_cursor()['munipay.payment.order'].browse(order.id)
        self.assertTrue(check.needs_refund)
        payments = check.env['account.payment'].search([('partner_id', '=', payer.id)])
        self.assertEqual(len(payments), 2)
        self.assertIn(credit.id, payments.ids)
        self.assertTrue(check.receivable_line_id.reconciled)
        check.env.cr.execute("SELECT SUM(balance) FROM account_move_line WHERE company_id = %s", [company.id])
        self.assertAlmostEqual(check.env.cr.fetchone()[0], 0.0, places=2)

    def test_two_cursors_cannot_spend_one_balance_twice(self):
        env = self.env_on_new_cursor()
        company, fee = self.committed_fee_type(env, 'Canteen', 5.0, category='topup')
        holder = env['res.partner'].create({'name': 'Wallet Holder'})
        wallet = env['munipay.wallet'].create({'holder_id': holder.id, 'service_fee_type_id': fee.id,
                                               'company_id': company.id})
        cash = env['account.journal'].search([('company_id', '=', company.id), ('type', '=', 'cash')], limit=1)
        wallet._munipay_credit(50.0, cash.default_account_id)
        env.cr.commit()

        env_a, env_b = self.env_on_new_cursor(), self.env_on_new_cursor()
        wallet_a = env_a['munipay.wallet'].browse(wallet.id)
        wallet_b = env_b['munipay.wallet'].browse(wallet.id)
        self.assertEqual(wallet_b.balance, 50.0)  # b's snapshot starts before a's charge
        wallet_a._munipay_charge(40.0)
        env_a.cr.commit()
        with self.assertRaises(psycopg2.errors.SerializationFailure), mute_logger('odoo.sql_db'):
            wallet_b._munipay_charge(40.0)
        env_b.cr.rollback()
        with self.assertRaisesRegex(UserError, 'less than'):  # the retry sees the new balance
            wallet_b._munipay_charge(40.0)
        env_b.cr.rollback()
        self.assertEqual(self.env_on_new_cursor()['munipay.wallet'].browse(wallet.id).balance, 10.0)
