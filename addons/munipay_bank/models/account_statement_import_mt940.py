from odoo import _, api, models
from odoo.exceptions import UserError

from ..lib import mt940


class AccountStatementImport(models.TransientModel):
    _inherit = 'account.statement.import'

    def _parse_file(self, data_file):
        if not mt940.looks_like_mt940(data_file):
            return super()._parse_file(data_file)
        try:
            statements = mt940.parse(data_file)
        except mt940.MT940BalanceError as error:
            statement = error.statement
            raise UserError(_(
                "Statement %(statement)s of account %(account)s does not add up: the opening balance %(opening)s "
                "plus its movements %(movements)s is not the closing balance %(closing)s. The file is damaged or "
                "incomplete: nothing was imported.",
                statement=statement.number or statement.reference, account=statement.account,
                opening=statement.opening.amount, movements=error.movements, closing=statement.closing.amount,
            )) from None
        except mt940.MT940Error as error:
            raise UserError(_("The MT940 file is damaged or truncated (%s): nothing was imported.", error)) from None
        return self._munipay_mt940_import_data(statements)

    @api.model
    def _munipay_mt940_import_data(self, statements):
        """[(currency, account, [statement values])], one triplet per account, as
        OCA's import expects them. The pages of a statement continued over several
        messages (:60M:/:62M:) become one statement."""
        by_account = {}
        for statement in statements:
            values = by_account.setdefault((statement.account_number, statement.currency), [])
            lines = [self._munipay_mt940_line(transaction) for transaction in statement.transactions]
            if values and values[-1]['_continued'] and statement.opening.kind == 'M':
                values[-1]['transactions'] += lines
            else:
                values.append({
                    'name': statement.number or statement.reference,
                    'balance_start': float(statement.opening.amount),
                    'transactions': lines,
                })
            values[-1].update({
                'date': statement.closing.date,
                'balance_end_real': float(statement.closing.amount),
                '_continued': statement.closing.kind == 'M',
            })
        for values in by_account.values():
            for statement_values in values:
                del statement_values['_continued']
        return [(currency, account, values) for (account, currency), values in by_account.items()]

    @api.model
    def _munipay_mt940_line(self, transaction):
        """The statement line of a movement, in the fields munipay's matching reads
        (as the CAMT import fills them)."""
        reference = transaction.customer_reference
        reference = transaction.end_to_end or ('' if reference.upper() == 'NONREF' else reference)
        details = [
            (_("Booking text"), transaction.booking_text),
            (_("Transaction code"), transaction.gvc),
            (_("End-to-end reference (EREF)"), transaction.end_to_end),
            (_("Customer reference (KREF)"), transaction.customer_ref),
            (_("Mandate (MREF)"), transaction.mandate),
            (_("Creditor identifier (CRED)"), transaction.creditor_id),
            (_("Account owner's reference"), transaction.customer_reference),
            (_("Bank reference"), transaction.bank_reference),
            (_("Supplementary details"), transaction.supplementary),
            (_("Counterparty BIC"), transaction.counterparty_bic),
            (_("Counterparty account"), transaction.counterparty_account),
            (_("Counterparty name"), transaction.counterparty_name),
            (_("Details"), transaction.details),
        ]
        values = {
            'date': transaction.entry_date,
            'munipay_value_date': transaction.value_date,
            'amount': float(transaction.amount),
            'payment_ref': transaction.purpose or transaction.booking_text or transaction.supplementary
            or reference or '/',
            'ref': reference,
            'transaction_type': '/'.join(code for code in (transaction.type_code, transaction.gvc) if code),
            'narration': '\n'.join('%s: %s' % (label, value) for label, value in details if value),
            'unique_import_id': transaction.import_id,
            'raw_data': transaction.raw,
        }
        if transaction.counterparty_name:
            values['partner_name'] = transaction.counterparty_name
        if transaction.counterparty_account:
            values['account_number'] = transaction.counterparty_account
        return values
