"""Cash sessions on a CCNET bill acceptor: one worker thread owns the serial line and polls
the validator about every 100 ms; the HTTP API only reads and flags sessions.

Money is counted only on "bill stacked" (81), and the stacked bill is written to the journal
(fsync) *before* the validator gets the ACK of that answer. A validator repeats an
unconfirmed answer at the next poll, so:

- the bridge dies after the write: the next bridge sees 81 again, but the journal's pending
  escrow was already cleared by the count: not counted twice;
- the bridge dies before the write: the journal still holds the escrowed bill, the validator
  repeats 81 to the next bridge, and the bill is counted then (into the interrupted session).
"""
import json
import logging
import os
import re
import threading
import time

from . import ccnet
from .bridge import ApiError
from .journal import now

_logger = logging.getLogger(__name__)
SID_RE = re.compile(r'^[A-Za-z0-9._:-]{1,80}$')
FINAL = ('paid', 'stopped', 'failed', 'interrupted')
MAX_CENTS = 99999999
KEEP = 1000  # sessions kept in the journal file
# nothing in the validator's path: a stopped session can end
SETTLED = {ccnet.UNIT_DISABLED, ccnet.IDLING, ccnet.STACKED, ccnet.RETURNED, ccnet.REJECTING, *ccnet.FAULTS}
CASSETTE = {ccnet.CASSETTE_FULL: 'full', ccnet.CASSETTE_OUT: 'removed', ccnet.CASSETTE_JAMMED: 'jammed'}


def public_session(session):
    out = dict(session)
    out['final'] = session['state'] in FINAL
    out['remaining'] = max(session['amount_due'] - session['inserted'], 0)
    out['excess'] = max(session['inserted'] - session['amount_due'], 0)
    return out


class CashJournal:
    """Sessions and the bill in escrow, in one JSON file written atomically on every change."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.RLock()
        self.data = {'operations': {}, 'escrow': None}
        if path and os.path.exists(path):
            with open(path, encoding='utf-8') as handle:
                self.data.update(json.load(handle))

    def save(self):
        if not self.path:
            return
        sessions = self.data['operations']
        if len(sessions) > KEEP:  # the oldest final sessions go (Odoo has booked them long since)
            oldest = sorted((s['created_at'], sid) for sid, s in sessions.items() if s['state'] in FINAL)
            for _, sid in oldest[:len(sessions) - KEEP]:
                del sessions[sid]
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        tmp = '%s.tmp' % self.path
        with open(tmp, 'w', encoding='utf-8') as handle:
            json.dump(self.data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)  # atomic: a crash leaves the old or the new file, never half

    @property
    def sessions(self):
        return self.data['operations']

    def get(self, sid):
        with self.lock:
            session = self.sessions.get(sid)
            return dict(session) if session else None

    def update(self, sid, **values):
        with self.lock:
            session = self.sessions[sid]
            session.update(values)
            session['updated_at'] = now()
            self.save()
            return dict(session)

    def recent(self, limit=50):
        with self.lock:
            found = sorted(self.sessions.values(), key=lambda s: s['created_at'], reverse=True)[:limit]
            return [dict(s) for s in found]

    def recover(self):
        """Sessions the previous run left open become ``interrupted`` (their money stays)."""
        settled = []
        with self.lock:
            for sid, session in self.sessions.items():
                if session['state'] not in FINAL:
                    session.update(state='interrupted', updated_at=now(), message=(
                        'The bridge stopped during this session: the money counted up to then stays counted.'))
                    settled.append(sid)
            if settled:
                self.save()
        return settled


class CashDesk:
    """The bill acceptor of one kiosk: sessions, the poll loop, the device's state."""

    def __init__(self, opener, journal_path, currency='EUR', max_excess=5000, timeouts=None,
                 silence_limit=10.0, describe=''):
        self.opener = opener
        self.currency = currency.upper()
        self.max_excess = max_excess
        self.timeouts = timeouts or ccnet.Timeouts()
        self.silence_limit = silence_limit
        self.describe = describe
        self.journal = CashJournal(journal_path)
        for sid in self.journal.recover():
            _logger.warning('cash session %s was left open by the previous run', sid)
        self.lock = threading.Lock()
        self.current = None
        self.stops = set()
        self.controller = None
        self.port = None
        self.ready = False
        self.enabled = False
        self.first_contact = True
        self.bills = {}  # bill type -> ccnet.Bill of the table
        self.device = {'connected': False, 'device_state': 'unknown', 'state_text': '', 'faults': [],
                       'cassette': 'unknown', 'identification': None, 'last_answer_at': None}
        self.silent_since = None
        self._stop = threading.Event()
        self.thread = None

    # -- API side
    def start_session(self, body):
        sid = body.get('session_id')
        if not isinstance(sid, str) or not SID_RE.match(sid):
            raise ApiError(400, 'session_id must be 1-80 letters, digits or ._:-')
        due, currency = body.get('amount_due'), str(body.get('currency') or self.currency).upper()
        if not isinstance(due, int) or isinstance(due, bool) or not 0 < due <= MAX_CENTS:
            raise ApiError(400, 'amount_due must be a positive integer of cents')
        if currency != self.currency:
            raise ApiError(400, 'the bill acceptor takes %s only' % self.currency)
        maximum = body.get('max_amount', due + self.max_excess)
        if not isinstance(maximum, int) or isinstance(maximum, bool) or not due <= maximum <= MAX_CENTS:
            raise ApiError(400, 'max_amount must be an integer of cents, at least amount_due')
        with self.lock:
            known = self.journal.get(sid)
            if known:
                if (known['amount_due'], known['currency'], known['max_amount']) != (due, currency, maximum):
                    raise ApiError(409, 'session_id reused with other data')
                return public_session(known), False
            if self.current:
                raise ApiError(409, 'busy', current=self.current)
            with self.journal.lock:
                stamp = now()
                self.journal.sessions[sid] = {
                    'session_id': sid, 'state': 'opening', 'amount_due': due, 'currency': currency,
                    'max_amount': maximum, 'inserted': 0, 'bills': [], 'returned': [], 'rejected': 0,
                    'last_reject': '', 'device_state': self.device['device_state'],
                    'state_text': 'Starting the bill acceptor', 'faults': list(self.device['faults']),
                    'message': '', 'stop_requested': False, 'created_at': stamp, 'updated_at': stamp}
                self.journal.save()
            self.current = sid
        return public_session(self.journal.get(sid)), True

    def stop_session(self, sid):
        session = self.journal.get(sid)
        if not session:
            raise ApiError(404, 'unknown session')
        if session['state'] in FINAL:
            raise ApiError(409, 'already %s' % session['state'], session=public_session(session))
        self.stops.add(sid)
        return public_session(self.journal.update(sid, stop_requested=True))

    def status(self):
        status = dict(self.device, target=self.describe, currency=self.currency, enabled=self.enabled,
                      current=self.current, bill_table=[b.to_dict(self.currency) for b in self.bills.values()],
                      stats=dict(self.controller.stats) if self.controller else {})
        return status

    # -- worker
    def start(self):
        self.thread = threading.Thread(target=self._loop, daemon=True, name='ccnet')
        self.thread.start()
        return self

    def close(self):
        self._stop.set()
        if self.thread:
            self.thread.join(5)
        self._close_port()

    def _close_port(self):
        if self.port is not None:
            try:
                self.port.close()
            except Exception:  # noqa: BLE001 - a dead port must not hide the real error
                pass
        self.port = self.controller = None
        self.ready = self.enabled = False

    def _loop(self):
        while not self._stop.is_set():
            try:
                if self.controller is None:
                    self.port = self.opener()
                    self.controller = ccnet.Controller(self.port, self.timeouts)
                if self.first_contact:
                    self._first_contact()
                if not self.ready:
                    self._initialise()
                self._step()
                self.silent_since = None
            except (ccnet.NoAnswer, OSError) as exc:
                self._silence(exc)
            except Exception:  # noqa: BLE001 - the loop must keep the kiosk's money safe
                _logger.exception('bill acceptor loop')
                self.ready = False
            self._stop.wait(self.timeouts.poll)

    def _silence(self, exc):
        self.silent_since = self.silent_since or time.monotonic()
        self.ready = self.enabled = False
        fault = {'name': 'no_answer', 'text': 'Out of order: the bill acceptor does not answer', 'detail': str(exc)}
        self.device.update(connected=False, device_state='no_answer', state_text=fault['text'], faults=[fault])
        sid = self.current
        if sid:
            if time.monotonic() - self.silent_since >= self.silence_limit:
                self._finish(sid, 'failed', 'The bill acceptor stopped answering: the money counted up to '
                             'then stays counted.')
            elif sid in self.stops:
                self._finish(sid, 'stopped', 'Stopped while the bill acceptor did not answer.')
            else:
                self._mirror(sid)
        if isinstance(exc, OSError):
            self._close_port()
            self._stop.wait(0.5)

    def _first_contact(self):
        """Before the reset: a bill the previous run left stacked-unconfirmed or in escrow
        (the bill table first, to know what it is worth)."""
        self.bills = {b.bill_type: b for b in self.controller.bill_table()}
        state = self.controller.poll(confirm=self._confirm)
        self.first_contact = False
        if state.code == ccnet.ESCROW:
            self.controller.return_bill()  # nobody is paying for it any more
        _logger.info('bill acceptor first answer: %s', state.name)

    def _initialise(self):
        c = self.controller
        c.reset()
        self.enabled = False
        deadline = time.monotonic() + 10
        state = c.poll(confirm=self._confirm)
        while state.code in (ccnet.POWER_UP, ccnet.POWER_UP_BILL_IN_VALIDATOR, ccnet.POWER_UP_BILL_IN_STACKER,
                             ccnet.INITIALIZE, ccnet.BUSY) and time.monotonic() < deadline:
            self._stop.wait(self.timeouts.poll)
            state = c.poll(confirm=self._confirm)
        self.device['identification'] = c.identification()
        self.bills = {b.bill_type: b for b in c.bill_table()}
        self.ready = True
        self._observe(state)

    def _types(self):
        return [t for t, b in self.bills.items() if ccnet.currency_matches(b, self.currency)]

    def _step(self):
        sid = self.current
        session = self.journal.get(sid) if sid else None
        if session and session['state'] in FINAL:
            self.current, session, sid = None, None, None
        wanted = bool(session) and sid not in self.stops and session['state'] in ('opening', 'accepting')
        if wanted and not self.enabled and not self.device['faults']:
            self.controller.enable(self._types())
            self.enabled = True
            self.journal.update(sid, state='accepting')
        elif not wanted and self.enabled:
            self.controller.enable([])
            self.enabled = False
        state = self.controller.poll(confirm=self._confirm)
        self._observe(state)
        sid = self.current
        if not sid:
            if state.code == ccnet.ESCROW:  # a bill after the session ended: give it back
                self.controller.return_bill()
            return
        if state.code == ccnet.ESCROW:
            self._decide(sid, state.extra)
        elif sid in self.stops and not self.enabled and state.code in SETTLED:
            session = self.journal.get(sid)
            if session['inserted'] >= session['amount_due']:  # the last bill, stacked meanwhile, paid it
                self._finish(sid, 'paid', '')
            else:
                self._finish(sid, 'stopped', 'Stopped by the kiosk.')
        self._mirror(sid)

    def _decide(self, sid, bill_type):
        session = self.journal.get(sid)
        bill = self.bills.get(bill_type)
        amount = bill.minor_units(self.currency) if bill and ccnet.currency_matches(bill, self.currency) else None
        reason = ''
        if amount is None:
            reason = 'unknown bill type'
        elif sid in self.stops or session['state'] not in ('opening', 'accepting'):
            reason = 'the session is closing'
        elif session['inserted'] + amount > session['max_amount']:
            reason = 'over the maximum'
        if reason:
            self.controller.return_bill()
            with self.journal.lock:
                self.journal.data['escrow'] = dict(self.journal.data['escrow'] or {}, returning=reason)
                self.journal.save()
        else:
            self.controller.stack()

    def _confirm(self, payload):
        """Called with a poll answer before it is ACKed: journal escrow, stacked, returned."""
        state = ccnet.State.from_payload(payload)
        journal = self.journal
        with journal.lock:
            if state.code == ccnet.ESCROW:
                escrow = journal.data['escrow']
                if not escrow or escrow.get('bill_type') != state.extra or escrow.get('session_id') != self.current:
                    journal.data['escrow'] = {'bill_type': state.extra, 'session_id': self.current, 'at': now()}
                    journal.save()
            elif state.code == ccnet.STACKED:
                escrow = journal.data['escrow']
                if not escrow:
                    _logger.info('bill stacked again (answer repeated): counted once already')
                    return
                sid = escrow.get('session_id')
                bill = self.bills.get(state.extra)
                if not bill:  # not ACKed: the validator says it again once the table is known
                    raise ccnet.ProtocolError('bill type %s stacked, not in the bill table' % state.extra)
                journal.data['escrow'] = None
                if sid in journal.sessions and bill:
                    session = journal.sessions[sid]
                    entry = dict(bill.to_dict(self.currency), at=now())
                    session['bills'].append(entry)
                    session['inserted'] += entry['amount']
                    session['updated_at'] = now()
                else:
                    _logger.error('bill type %s stacked outside a session (%s): check the cassette', state.extra, sid)
                journal.save()
            elif state.code == ccnet.RETURNED:
                escrow = journal.data['escrow']
                journal.data['escrow'] = None
                sid = escrow and escrow.get('session_id')
                bill = self.bills.get(state.extra)
                if sid in journal.sessions and bill:
                    session = journal.sessions[sid]
                    session['returned'].append(dict(bill.to_dict(self.currency), at=now(),
                                                    reason=escrow.get('returning', 'returned')))
                journal.save()
            elif state.code == ccnet.REJECTING and self.current in journal.sessions \
                    and self.device['device_state'] != 'rejecting':  # one bill, several polls
                session = journal.sessions[self.current]
                session['rejected'] += 1
                session['last_reject'] = state.detail
                journal.save()

    def _observe(self, state):
        if state.code in (ccnet.POWER_UP, ccnet.POWER_UP_BILL_IN_VALIDATOR, ccnet.POWER_UP_BILL_IN_STACKER):
            self.ready = self.enabled = False  # the validator restarted: reset and enable again
            if state.code == ccnet.POWER_UP_BILL_IN_STACKER and self.journal.data['escrow']:
                # the bill may or may not end in the cassette: a person compares the count
                _logger.error('bill acceptor restarted with a bill in its stacker: %s', self.journal.data['escrow'])
                sid = self.journal.data['escrow'].get('session_id')
                if sid in self.journal.sessions:
                    self.journal.update(sid, message='The bill acceptor restarted while stacking a banknote: '
                                        'it was not counted; compare the cassette with the receipts.')
        faults = [{'name': state.name, 'text': state.text, 'detail': state.detail}] if state.is_fault else []
        if state.code not in (ccnet.BUSY,):
            self.device['faults'] = faults
            if faults:
                self.enabled = False  # a validator comes back from a fault disabled
        self.device.update(connected=True, device_state=state.name, state_text=state.text, last_answer_at=now(),
                           cassette=CASSETTE.get(state.code, 'ok'))

    def _mirror(self, sid):
        session = self.journal.get(sid)
        if not session or session['state'] in FINAL:
            return
        values = {'device_state': self.device['device_state'], 'state_text': self.device['state_text'],
                  'faults': self.device['faults']}
        if session['inserted'] >= session['amount_due'] and session['state'] in ('opening', 'accepting'):
            self._finish(sid, 'paid', '')
            return
        if any(session.get(k) != v for k, v in values.items()):
            self.journal.update(sid, **values)

    def _finish(self, sid, state, message):
        self.journal.update(sid, state=state, message=message, device_state=self.device['device_state'],
                            state_text='Thank you' if state == 'paid' else self.device['state_text'],
                            faults=self.device['faults'])
        with self.lock:
            if self.current == sid:
                self.current = None
            self.stops.discard(sid)


def serial_opener(device, baudrate=9600):
    """Opens the validator's serial line, 8N1 (pyserial URLs work too), when the loop needs it."""
    def opener():
        import serial  # pyserial: only needed for a real line
        try:
            return serial.serial_for_url(device, baudrate=baudrate, bytesize=serial.EIGHTBITS,
                                         parity=serial.PARITY_NONE, stopbits=serial.STOPBITS_ONE,
                                         timeout=0.1, exclusive=True)
        except (serial.SerialException, ValueError) as exc:
            raise OSError('cannot open the serial port %s: %s' % (device, exc)) from exc
    return opener
