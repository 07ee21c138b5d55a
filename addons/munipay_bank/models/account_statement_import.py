import hashlib

from lxml import etree

from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.base.models.res_bank import sanitize_account_number


class AccountStatementImport(models.TransientModel):
    _inherit = 'account.statement.import'

    def _parse_file(self, data_file):
        # The CAMT parser reads damaged XML in recovery mode, so a truncated file
        # would import the entries before the cut: refuse it whole instead.
        if data_file.lstrip()[:1] == b'<':
            try:
                etree.fromstring(data_file, parser=etree.XMLParser(resolve_entities=False, no_network=True))
            except etree.XMLSyntaxError as error:
                raise UserError(_("The statement file is damaged or truncated (%s): nothing was imported.",
                                  error.msg)) from None
        return super()._parse_file(data_file)

    def import_single_file(self, file_data, result):
        # a file of several accounts is imported whole or not at all, even for a
        # caller that catches the error of its last account
        with self.env.cr.savepoint():
            return super().import_single_file(file_data, result)

    @api.model
    def _match_journal(self, account_number, currency):
        company = self.env.company
        if account_number:
            journals = self.env['account.journal'].sudo().search([
                ('type', '=', 'bank'),
                ('bank_account_id.sanitized_acc_number', 'ilike', sanitize_account_number(account_number))])
            if journals and company not in journals.company_id:
                self._munipay_raise_other_company(account_number, journals.company_id)
        # only the current company's journals, even when the user works in several
        journal = super(AccountStatementImport, self.with_context(allowed_company_ids=company.ids))._match_journal(
            account_number, currency)
        if journal.company_id != company:
            self._munipay_raise_other_company(account_number, journal.company_id)
        return journal

    @api.model
    def _munipay_raise_other_company(self, account_number, companies):
        known = companies & self.env.user.company_ids
        raise UserError(_(
            "The statement is for bank account %(account)s of %(owner)s, not of %(company)s: switch to that company "
            "to import it. Nothing was imported.",
            account=account_number, company=self.env.company.name,
            owner=", ".join(known.mapped('name')) or _("another company")))


class AccountStatementImportCamtParser(models.AbstractModel):
    _inherit = 'account.statement.import.camt.parser'

    def parse_statement(self, ns, node):
        result = super().parse_statement(ns, node)
        # A notification (camt.054) has no balances: the statement goes on from the
        # journal's last one instead of claiming to start and end at zero.
        if not node.xpath('./ns:Bal', namespaces={'ns': ns}):
            result.pop('balance_start', None)
            result.pop('balance_end_real', None)
        return result

    def parse_transaction_details(self, ns, node, transaction):
        # OCA's transactions of one batch booking (camt.054) share one narration
        # dict, so the second would carry the first one's creditor reference and
        # name two orders: each starts again from its entry's own notes.
        entry = node.getparent().getparent()
        transaction['narration'] = {}
        self.add_value_from_node(ns, entry, './ns:AddtlNtryInf', transaction['narration'],
                                 '%s (AddtlNtryInf)' % _("Additional Entry Information"))
        self.add_value_from_node(ns, entry, './ns:RvslInd', transaction['narration'],
                                 '%s (RvslInd)' % _("Reversal Indicator"))
        return super().parse_transaction_details(ns, node, transaction)

    def parse_entry(self, ns, node):
        # Only booked entries: a report (camt.052) also lists pending ones, which the
        # day's statement books later under their own references.
        status = node.xpath('normalize-space(./ns:Sts)', namespaces={'ns': ns})
        if status and status != 'BOOK':
            return
        # the value date decides the amount due (discount windows, surcharges)
        value = {}
        self.add_value_from_node(ns, node, './ns:ValDt/ns:Dt | ./ns:ValDt/ns:DtTm', value, 'date')
        # an import id per transaction, so that the same file imported twice books
        # nothing twice: the bank's own reference, else the entry itself
        details = node.xpath('./ns:NtryDtls/ns:TxDtls', namespaces={'ns': ns})
        entry_ref = node.xpath('string(./ns:AcctSvcrRef)', namespaces={'ns': ns}) \
            or hashlib.sha1(etree.tostring(node, method='c14n')).hexdigest()
        for index, transaction in enumerate(super().parse_entry(ns, node)):
            if value.get('date'):
                transaction['munipay_value_date'] = value['date'][:10]
            if not transaction.get('unique_import_id'):
                tx_ref = details[index].xpath('string(./ns:Refs/ns:AcctSvcrRef)', namespaces={'ns': ns}) \
                    if index < len(details) else ''
                transaction['unique_import_id'] = tx_ref or '%s-%d' % (entry_ref, index)
            yield transaction
