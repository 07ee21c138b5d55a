"""Operations on the card terminal: started by the HTTP API, each run in its own thread.

One terminal, one operation at a time. Every change is written to the journal first, so
that a start is idempotent and a restart leaves every operation in a state the cashier can
resolve (see ``journal``).
"""
import logging
import re
import threading

from . import VERSION, zvt
from .journal import FINAL_STATES, Journal

_logger = logging.getLogger(__name__)
TID_RE = re.compile(r'^[A-Za-z0-9._:-]{1,80}$')
MAX_AMOUNT = 99999999  # cents that fit the terminal's 6-byte BCD field with room: 999,999.99


class ApiError(Exception):
    def __init__(self, status, reason, **extra):
        super().__init__(reason)
        self.status, self.reason, self.extra = status, reason, extra


def public(op):
    out = {k: v for k, v in op.items() if k not in ('dispatched', 'trace_before')}
    out['final'] = op['state'] in FINAL_STATES
    customer = [r for r in op.get('receipts') or [] if r['type'] == 'customer'] or (op.get('receipts') or [])[:1]
    out['ticket'] = '\n'.join(customer[0]['lines']) if customer else ''
    return out


class Bridge:
    """Operations on one terminal, one at a time, each in its own thread."""

    def __init__(self, terminal, journal_path, currency='EUR'):
        self.terminal = terminal
        self.currency = currency
        self.journal = Journal(journal_path)
        for tid in self.journal.recover():
            _logger.warning('operation %s was left unfinished by the previous run', tid)
        self.lock = threading.Lock()
        self.current = None
        self.aborts = set()
        self.threads = []

    # -- starting
    def start(self, kind, tid, amount=None, currency=None, reversal_of=None):
        if not isinstance(tid, str) or not TID_RE.match(tid):
            raise ApiError(400, 'transaction_id must be 1-80 letters, digits or ._:-')
        with self.lock:
            known = self.journal.get(tid)
            if known:
                same = (known['kind'], known.get('amount'), known.get('currency'), known.get('reversal_of')) \
                    == (kind, amount, currency, reversal_of)
                if not same:
                    raise ApiError(409, 'transaction_id reused with other data')
                return known, False
            if self.current:
                raise ApiError(409, 'busy', current=self.current)
            op = self.journal.add({
                'transaction_id': tid, 'kind': kind, 'state': 'queued', 'amount': amount,
                'currency': currency, 'status_code': None, 'status_text': '', 'message': '',
                'result_code': None, 'result_text': '', 'abort_requested': False, 'card': None,
                'receipt_no': None, 'trace_no': None, 'terminal_id': None, 'auth_code': None,
                'date': None, 'time': None, 'receipts': [], 'reversal_of': reversal_of,
                'reversed_by': None, 'dispatched': False, 'trace_before': None,
                'checking': False, 'check': None,
            })
            self.current = tid
        thread = threading.Thread(target=self._run, args=(tid,), daemon=True, name='zvt-%s' % tid)
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return op, True

    def start_payment(self, body):
        amount, currency = body.get('amount'), body.get('currency') or self.currency
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT:
            raise ApiError(400, 'amount must be a positive integer of cents')
        try:
            zvt.currency_number(currency)
        except ValueError:
            raise ApiError(400, 'unsupported currency %r' % (currency,)) from None
        return self.start('payment', body.get('transaction_id'), amount, str(currency).upper())

    def start_reversal(self, payment_tid, body):
        payment = self.journal.get(payment_tid)
        if not payment or payment['kind'] != 'payment':
            raise ApiError(404, 'unknown transaction')
        known = self.journal.get(body.get('transaction_id') or '')
        if known is None:
            if payment['state'] != 'approved' or payment.get('receipt_no') is None:
                raise ApiError(409, 'only an approved payment can be reversed')
            if payment.get('reversed_by'):
                other = self.journal.get(payment['reversed_by'])
                if other and other['state'] not in ('declined', 'aborted', 'failed'):
                    raise ApiError(409, 'this payment already has a reversal', reversal=payment['reversed_by'])
        op, created = self.start('reversal', body.get('transaction_id'), payment['amount'],
                                 payment['currency'], reversal_of=payment_tid)
        if created:
            self.journal.update(payment_tid, reversed_by=op['transaction_id'])
        return op, created

    def start_end_of_day(self, body):
        return self.start('end_of_day', body.get('transaction_id'))

    def abort(self, tid):
        op = self.journal.get(tid)
        if not op:
            raise ApiError(404, 'unknown transaction')
        if op['state'] in FINAL_STATES:
            raise ApiError(409, 'already %s' % op['state'], operation=public(op))
        self.aborts.add(tid)
        return self.journal.update(tid, abort_requested=True)

    def check(self, tid):
        """Ask the terminal for its last transaction (06 20, repeat receipt) to settle a
        payment left ``unknown``; the answer comes in the operation's ``check``."""
        op = self.journal.get(tid)
        if not op:
            raise ApiError(404, 'unknown transaction')
        if op['kind'] != 'payment' or op['state'] != 'unknown':
            raise ApiError(409, 'only a payment in state unknown can be checked')
        with self.lock:
            if self.current:
                raise ApiError(409, 'busy', current=self.current)
            self.current = tid
            op = self.journal.update(tid, checking=True)
        thread = threading.Thread(target=self._run_check, args=(tid,), daemon=True, name='zvt-check-%s' % tid)
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return op

    def _run_check(self, tid):
        try:
            outcome = self.terminal.run(zvt.repeat_receipt(self.terminal.password))
            self.journal.update(tid, checking=False, **self._verdict(self.journal.get(tid), outcome))
        except Exception as exc:  # noqa: BLE001 - a failed check leaves the payment unknown
            _logger.exception('check of %s crashed', tid)
            self.journal.update(tid, checking=False, check={'verdict': 'inconclusive', 'last_transaction': None,
                                                            'message': 'bridge error: %s' % exc})
            self.terminal.reset()
        finally:
            with self.lock:
                self.current = None

    def _verdict(self, op, outcome):
        """Compare the terminal's last transaction with the payment. ``charged`` only when it
        is a later transaction (trace number above the last one this bridge knew when the
        payment left) of the same amount, approved; ``not_charged`` only when the terminal's
        last transaction is exactly the one known before; anything else is for the cashier."""
        info = outcome.info
        if outcome.state != 'approved' or 'trace_no' not in info:
            return {'check': {'verdict': 'inconclusive', 'last_transaction': None, 'message':
                              'The terminal did not repeat its last receipt (%s).'
                              % (outcome.message or outcome.result_text)}}
        last = {k: info.get(k) for k in ('amount', 'result_code', 'receipt_no', 'trace_no', 'date', 'time')}
        last['ticket'] = public({'state': 'unknown', 'receipts': outcome.receipts})['ticket']
        before = op.get('trace_before')
        if before is not None and info['trace_no'] == before:
            return {'check': {'verdict': 'not_charged', 'last_transaction': last, 'message':
                              "The terminal's last transaction is an earlier one: this payment was not charged."}}
        if before is not None and info['trace_no'] > before and info.get('amount') == op['amount'] \
                and info.get('result_code', 0) == 0:
            values = self._result_values(info)
            values.update(state='approved', result_code=0, result_text=zvt.result_text(0),
                          receipts=outcome.receipts, message="Confirmed by the terminal's last receipt.",
                          check={'verdict': 'charged', 'last_transaction': last, 'message':
                                 "The terminal's last transaction is this payment: it was charged."})
            return values
        return {'check': {'verdict': 'inconclusive', 'last_transaction': last, 'message':
                          "Compare the terminal's last transaction with this payment."}}

    @staticmethod
    def _result_values(info):
        values = {key: info[key] for key in ('receipt_no', 'trace_no', 'terminal_id', 'auth_code', 'date', 'time')
                  if key in info}
        if info.get('card_name') or info.get('pan') or info.get('card_type') is not None:
            values['card'] = {'name': info.get('card_name'), 'type': info.get('card_type'),
                              'pan': info.get('pan'), 'expiry': info.get('expiry')}
        return values

    # -- running (bridge thread)
    def _run(self, tid):
        try:
            self._dialogue(tid)
        except Exception as exc:  # noqa: BLE001 - the line must end in a state the cashier can resolve
            _logger.exception('operation %s crashed', tid)
            op = self.journal.get(tid)
            self.journal.update(tid, state='unknown' if op.get('dispatched') else 'failed',
                                message='bridge error: %s' % exc)
            self.terminal.reset()
        finally:
            with self.lock:
                self.current = None
                self.aborts.discard(tid)

    def _dialogue(self, tid):
        op = self.journal.get(tid)
        if tid in self.aborts:
            self.journal.update(tid, state='aborted', message='Aborted before reaching the terminal.')
            return
        password = self.terminal.password
        if op['kind'] == 'payment':
            command = zvt.authorisation(op['amount'], op['currency'])
        elif op['kind'] == 'reversal':
            command = zvt.reversal(password, self.journal.get(op['reversal_of'])['receipt_no'])
        else:
            command = zvt.end_of_day(password)
        self.journal.update(tid, state='running', status_text='Connecting to the terminal')

        def progress(event, value):
            if event == 'status':
                self.journal.update(tid, status_code=value, status_text=zvt.status_text(value))
            elif event == 'receipt':
                receipts = self.journal.get(tid)['receipts'] + [value]
                self.journal.update(tid, receipts=receipts)

        outcome = self.terminal.run(
            command, progress=progress, should_abort=lambda: tid in self.aborts,
            before_send=lambda: self.journal.update(tid, dispatched=True, trace_before=self.journal.max_trace()))
        message = outcome.message
        if outcome.state == 'unknown':
            message = ('%s. The terminal may have charged the card: check its display or last '
                       'receipt before charging again.' % message.rstrip('.'))
        values = self._result_values(outcome.info)
        values.update(state=outcome.state, result_code=outcome.result_code, result_text=outcome.result_text,
                      message=message, receipts=outcome.receipts or self.journal.get(tid)['receipts'])
        self.journal.update(tid, **values)
        if op['kind'] == 'reversal' and outcome.state in ('declined', 'aborted', 'failed'):
            self.journal.update(op['reversal_of'], reversed_by=None)

    def health(self):
        terminal = self.terminal
        return {'ok': True, 'version': VERSION, 'terminal': {
            'transport': terminal.describe.split(' ', 1)[0], 'target': terminal.describe.split(' ', 1)[-1],
            'registered': terminal.registered, 'busy': bool(self.current), 'current': self.current}}
