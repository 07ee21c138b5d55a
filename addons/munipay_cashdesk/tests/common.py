from random import randint
from uuid import uuid4

from odoo import Command, fields

from odoo.addons.munipay_documents.tests.common import MunipayDocumentsCommon


class MunipayCashdeskCommon(MunipayDocumentsCommon):
    """A cash desk of the test municipality: a POS with cash and card, its session open."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.groups_id |= cls.env.ref('point_of_sale.group_pos_manager')
        cls.order_product = cls.env.ref('munipay_cashdesk.product_payment_order')
        cls.fee_product = cls.env.ref('munipay_cashdesk.product_handling_fee')
        cls.pos_receivable = cls.company.account_default_pos_receivable_account_id
        cls.card_journal = cls.env['account.journal'].create({
            'name': 'Card acquirer', 'type': 'bank', 'code': 'CARD', 'company_id': cls.company.id})
        cls.cash_pm = cls.env['pos.payment.method'].create({
            'name': 'Cash desk cash', 'journal_id': cls.cash_journal.id, 'company_id': cls.company.id})
        cls.card_pm = cls.env['pos.payment.method'].create({
            'name': 'Card', 'journal_id': cls.card_journal.id, 'company_id': cls.company.id})
        cls.config = cls.env['pos.config'].create({
            'name': 'Cash desk 1', 'company_id': cls.company.id,
            'payment_method_ids': [Command.set((cls.cash_pm | cls.card_pm).ids)]})
        cls.fee_card.handling_fee = 1.5
        cls.fee_certificate = cls.env['munipay.fee.type'].create({
            'name': 'Residence certificate', 'code': 'CERT', 'category': 'fee', 'product_id': cls.product_fee.id,
            'amount': 5.0, 'cost_amount': 0.5, 'due_days': 0, 'munipay_cashdesk_sale': True, 'handling_fee': 0.8})

    def open_session(self):
        self.config.open_ui()
        session = self.config.current_session_id
        session.set_opening_control(0, None)
        return session

    def close_session(self, session, counted_cash=None):
        cash = sum(session.order_ids.payment_ids.filtered(lambda p: p.payment_method_id.is_cash_count).mapped('amount'))
        session.post_closing_cash_details(cash if counted_cash is None else counted_cash)
        result = session.close_session_from_ui()
        self.assertTrue(result.get('successful'), result)
        self.assertEqual(session.state, 'closed')
        return session

    def order_line(self, price, **vals):
        return Command.create({
            'id': randint(1, 1000000),
            'uuid': str(uuid4()),
            'product_id': (self.fee_product if vals.get('munipay_handling_fee') else self.order_product).id,
            'qty': 1,
            'price_unit': price,
            'price_subtotal': price,
            'price_subtotal_incl': price,
            'discount': 0,
            'tax_ids': [],
            'pack_lot_ids': [],
            'full_product_name': vals.pop('name', 'Payment order'),
            **vals,
        })

    def sale(self, session, lines, payments, partner=None):
        """Validate a sale as the POS front end sends it (sync_from_ui)."""
        total = sum(line[2]['price_subtotal_incl'] for line in lines)
        uuid = str(uuid4())
        data = {
            'amount_paid': sum(amount for _pm, amount in payments),
            'amount_return': 0,
            'amount_tax': 0,
            'amount_total': total,
            'date_order': fields.Datetime.to_string(fields.Datetime.now()),
            'fiscal_position_id': False,
            'pricelist_id': self.config.pricelist_id.id,
            'name': 'Order %s' % uuid,
            'last_order_preparation_change': '{}',
            'lines': lines,
            'partner_id': partner.id if partner else False,
            'session_id': session.id,
            'sequence_number': 2,
            'payment_ids': [Command.create({'amount': amount, 'name': fields.Datetime.now(),
                                            'payment_method_id': pm.id}) for pm, amount in payments],
            'uuid': uuid,
            'user_id': self.env.uid,
            'to_invoice': False,
            'state': 'paid',
        }
        result = self.env['pos.order'].sync_from_ui([data])
        return self.env['pos.order'].browse(result['pos.order'][0]['id'])

    def account_balance(self, account):
        self.env.flush_all()
        lines = self.env['account.move.line'].search([('account_id', '=', account.id), ('parent_state', '=', 'posted')])
        return self.company.currency_id.round(sum(lines.mapped('balance')))

    def assertTransitCleared(self):
        transit = self.company.munipay_cashdesk_transit_account_id
        lines = self.env['account.move.line'].search([('account_id', '=', transit.id)])
        self.assertTrue(lines, "the transit account was used")
        self.assertEqual(self.account_balance(transit), 0.0)
        self.assertTrue(all(lines.mapped('reconciled')), "every transit item is reconciled")
