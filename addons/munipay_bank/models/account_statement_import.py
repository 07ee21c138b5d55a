import hashlib

from lxml import etree

from odoo import _, models
from odoo.exceptions import UserError


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


class AccountStatementImportCamtParser(models.AbstractModel):
    _inherit = 'account.statement.import.camt.parser'

    def parse_entry(self, ns, node):
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
