from odoo import _, api, fields, models, Command


class MunipayPaymentOrder(models.Model):
    """Late-payment surcharges step by step, and expiry: the daily jobs."""
    _inherit = 'munipay.payment.order'

    date_next_surcharge = fields.Date(
        string="Next Surcharge", readonly=True, copy=False, index='btree_not_null',
        help="Day the amount due next rises above what the order's receivable holds.")

    def _munipay_update_next_surcharge(self):
        checkers = {}
        for order in self:
            booked = sum(order.ledger_line_ids.mapped('balance'))
            next_day = False
            if order.state == 'issued':
                for first_day, amount in order._munipay_surcharge_steps(checkers):
                    if order.currency_id.compare_amounts(amount, booked) > 0:
                        next_day = first_day
                        break
            if order.date_next_surcharge != next_day:
                order.sudo().date_next_surcharge = next_day

    def _munipay_book_surcharge(self, on_date=None):
        """Book as income what the order owes above its receivable on ``on_date``
        (a surcharge step that has started), on a receivable item of the order."""
        on_date = fields.Date.to_date(on_date) or self._munipay_today()
        moves = self.env['account.move']
        candidates = self.filtered(lambda o: o.state == 'issued' and o.date_next_surcharge
                                   and o.date_next_surcharge <= on_date)
        # same company and bank account as the order's entry: Odoo's payment wizard
        # then pays the order's items in one payment
        for (company, bank), orders in candidates.grouped(lambda o: (o.company_id, o.move_id.partner_bank_id)).items():
            vals, booked_orders = [], self.browse()
            for order in orders:
                booked = sum(order.ledger_line_ids.mapped('balance'))
                extra = order.currency_id.round(order.get_amount_due(on_date) - booked)
                if order.currency_id.compare_amounts(extra, 0.0) <= 0:
                    continue
                booked_orders |= order
                label = _("Late payment surcharge %s", order.name)
                vals += [
                    Command.create({'name': label, 'partner_id': order.partner_id.id,
                                    'account_id': order.receivable_line_id.account_id.id, 'debit': extra,
                                    'date_maturity': on_date, 'munipay_order_id': order.id, 'munipay_surcharge': True}),
                    Command.create({'name': label, 'partner_id': order.partner_id.id,
                                    'account_id': order._munipay_surcharge_account().id, 'credit': extra}),
                ]
            if vals:
                move = self.env['account.move'].sudo().create({
                    'move_type': 'entry',
                    'journal_id': company._munipay_get('munipay_journal_id').id,
                    'company_id': company.id,
                    'partner_bank_id': bank.id,
                    'date': on_date,
                    'ref': _("Late payment surcharge"),
                    'line_ids': vals,
                })
                move._post(soft=False)
                moves |= move
                for order in booked_orders:
                    order.message_post(body=_("Late payment: %s booked as income.", order.currency_id.format(
                        sum(order.ledger_line_ids.filtered('munipay_surcharge').mapped('balance')))))
            orders._munipay_update_next_surcharge()
        return moves

    @api.model
    def _munipay_companies_today(self):
        return {company: self._munipay_company_today(company) for company in self.env['res.company'].sudo().search([])}

    @api.model
    def _munipay_cron_batch(self, domain_for, order, batch_size):
        """The first ``batch_size`` orders matching ``domain_for(today)`` in each
        company's own day, and the per-company domains to count what is left."""
        domains = [domain_for(today) + [('company_id', '=', company.id)]
                   for company, today in self._munipay_companies_today().items()]
        orders = self.browse()
        for domain in domains:
            if len(orders) >= batch_size:
                break
            orders |= self.search(domain, order=order, limit=batch_size - len(orders))
        return orders, domains

    @api.model
    def _munipay_report_progress(self, done, domains):
        """Tell Odoo's cron runner how much is left, so it runs the job again at once."""
        remaining = sum(self.search_count(domain) for domain in domains)
        self.env['ir.cron']._notify_progress(done=done, remaining=remaining)
        return remaining

    @api.model
    def _cron_book_surcharges(self, batch_size=1000):
        """Book each surcharge step of the issued orders on the day it starts."""
        orders, domains = self._munipay_cron_batch(
            lambda today: [('state', '=', 'issued'), ('date_next_surcharge', '<=', today)],
            'date_next_surcharge, id', batch_size)
        moves = self.env['account.move']
        for company_orders in orders.grouped('company_id').values():
            moves |= company_orders._munipay_book_surcharge(company_orders._munipay_today())
        self._munipay_report_progress(len(orders), domains)
        return moves

    @api.model
    def _cron_expire(self, batch_size=500):
        """Expire issued, unpaid orders past their due date whose fee type says so."""
        orders, domains = self._munipay_cron_batch(self._munipay_expiry_domain, 'date_due, id', batch_size)
        for order in orders:
            order._munipay_cancel(_("Expired: not paid by %s.", order.date_due), state='expired')
        self._munipay_report_progress(len(orders), domains)
        return orders

    @api.model
    def _munipay_expiry_domain(self, today):
        return [
            ('state', '=', 'issued'), ('date_due', '<', today), ('fee_type_id.expire_after_due', '=', True),
            ('ledger_line_ids', 'not any', [('matched_credit_ids', '!=', False)]),  # partly paid: an officer decides
        ]
