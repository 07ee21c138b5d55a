"""The electronic cash register's side of ZVT dialogues, on one link to one terminal.

One dialogue: the ECR sends a command; the terminal (PT) answers ``80 00 00`` (or
``84 xx 00``: refused, ``84 9C``: busy, repeat), then sends intermediate statuses (04 FF),
print lines (06 D1 / 06 D3) and the result (04 0F), and ends with completion (06 0F) or
abort (06 1E). The ECR acknowledges each with ``80 00 00``.

Outcome states (see the bridge's API): ``approved``, ``declined``, ``aborted``; ``failed``
when the terminal never took the command (nothing can have been charged); ``unknown`` when
it took the command and the end of the dialogue was lost (money may have been taken).
"""
import dataclasses
import logging
import threading
import time

from . import link as links
from . import zvt

_logger = logging.getLogger(__name__)


@dataclasses.dataclass
class Outcome:
    state: str
    result_code: int = None
    message: str = ''
    info: dict = dataclasses.field(default_factory=dict)
    receipts: list = dataclasses.field(default_factory=list)

    @property
    def result_text(self):
        return '' if self.result_code is None else zvt.result_text(self.result_code)


class Terminal:
    """A card terminal behind ``opener()`` (which returns a SerialLink or TcpLink).

    The link is opened and the ECR registered (06 00) on first use and again after any
    transport failure. Only one dialogue runs at a time (the caller serialises)."""

    def __init__(self, opener, password=0, config_byte=zvt.CONFIG_DEFAULT, currency='EUR',
                 t3=5.0, t4=180.0, poll=0.1, describe=''):
        self.opener = opener
        self.password = password
        self.config_byte = config_byte
        self.currency = currency
        self.t3 = t3          # the terminal's answer (80 00 / 84 xx) to a command
        self.t4 = t4          # the longest pause between two terminal messages (cardholder acting)
        self.poll = poll
        self.describe = describe
        self.link = None
        self.registered = False
        self.lock = threading.Lock()

    # -- connection
    def _connect(self):
        if self.link is None:
            self.link = self.opener()
            self.registered = False

    def reset(self):
        if self.link is not None:
            self.link.close()
        self.link = None
        self.registered = False

    def _prepare(self):
        """Open and register; an Outcome ``failed`` when that is impossible, else None."""
        try:
            self._connect()
        except links.LinkError as exc:
            return Outcome('failed', message=str(exc))
        if self.registered:
            return None
        outcome = self._dialogue(zvt.registration(self.password, self.config_byte, self.currency))
        if outcome.state != 'approved':
            self.reset()
            return Outcome('failed', outcome.result_code,
                           'registration at the terminal failed: %s' % (outcome.message or outcome.result_text))
        self.registered = True
        return None

    def run(self, command, progress=None, should_abort=None, before_send=None):
        """Run one command (an Apdu) to its end and return its Outcome.

        ``progress(event, value)`` is called with ('status', code), ('receipt', {...}),
        ('info', dict); ``before_send()`` right before the command leaves (the caller
        persists that it may reach the terminal); ``should_abort()`` is polled."""
        with self.lock:
            failed = self._prepare()
            if failed:
                return failed
            if should_abort and should_abort():
                return Outcome('aborted', message='aborted before reaching the terminal')
            outcome = self._dialogue(command, progress, should_abort, before_send)
            if outcome.state in ('unknown', 'failed'):
                self.reset()  # the link's state is unknown: reconnect and register next time
            return outcome

    # -- one dialogue
    def _dialogue(self, command, progress=None, should_abort=None, before_send=None):
        progress = progress or (lambda event, value: None)
        should_abort = should_abort or (lambda: False)
        link = self.link
        first = None
        for attempt in range(4):
            if before_send:
                before_send()
            try:
                link.send(command)
            except links.NotAcknowledged as exc:
                return Outcome('failed', message='the terminal did not take the command (%s)' % exc)
            except links.LinkError as exc:
                return Outcome('failed', message=str(exc))
            try:
                answer = link.receive(self.t3)
            except links.LinkError as exc:
                return Outcome('unknown', message='connection lost after the command: %s' % exc)
            if answer is None:
                return Outcome('unknown', message='the terminal did not answer the command within %ss' % self.t3)
            if answer.command == (0x80, 0x00):
                break
            if answer.cls == 0x84:
                if answer.ins == zvt.REPEAT and attempt < 3:
                    time.sleep(min(1.0, self.t3 / 5))
                    continue
                return Outcome('failed', answer.ins, 'the terminal refused the command: %s' % zvt.result_text(answer.ins))
            first = answer  # a terminal that skips 80 00 and starts talking
            break
        else:
            return Outcome('failed', zvt.REPEAT, 'the terminal stayed busy')
        return self._follow(first, progress, should_abort)

    def _follow(self, first, progress, should_abort):
        link = self.link
        info, receipts, lines = {}, [], []
        abort_sent = False
        deadline = time.monotonic() + self.t4
        message = first
        while True:
            if message is None:
                if not abort_sent and should_abort():
                    abort_sent = True
                    try:
                        link.send(zvt.ABORT)
                    except links.LinkError as exc:
                        _logger.warning('abort not delivered: %s', exc)
                try:
                    message = link.receive(self.poll)
                except links.LinkError as exc:
                    return Outcome('unknown', message='connection to the terminal lost: %s' % exc,
                                   info=info, receipts=receipts)
                if message is None:
                    if time.monotonic() > deadline:
                        return Outcome('unknown', message='the terminal went silent for %ss' % self.t4,
                                       info=info, receipts=receipts)
                    continue
            deadline = time.monotonic() + self.t4
            current, message = message, None
            if current.cls in (0x80, 0x84):
                continue  # the terminal's answer to our abort
            try:
                link.send(zvt.ACK if current.command in _KNOWN else zvt.nack(0x83))
            except links.LinkError as exc:
                return Outcome('unknown', message='connection to the terminal lost: %s' % exc,
                               info=info, receipts=receipts)
            try:
                end = self._handle(current, info, receipts, lines, progress)
            except zvt.ApduError as exc:
                _logger.warning('unreadable terminal message %s: %s', current, exc)
                continue
            if end is not None:
                if lines:
                    receipts.append({'type': 'unknown', 'lines': lines})
                end.info, end.receipts = info, receipts
                return end

    def _handle(self, message, info, receipts, lines, progress):
        cmd = message.command
        if cmd == zvt.INTERMEDIATE_STATUS and message.data:
            progress('status', message.data[0])
        elif cmd == zvt.PRINT_LINE:
            last, text = zvt.parse_print_line(message.data)
            lines.append(text)
            if last:
                receipts.append({'type': 'unknown', 'lines': list(lines)})
                lines.clear()
                progress('receipt', receipts[-1])
        elif cmd == zvt.PRINT_TEXT_BLOCK:
            receipt_type, block = zvt.parse_print_text_block(message.data)
            receipts.append({'type': receipt_type, 'lines': block})
            progress('receipt', receipts[-1])
        elif cmd == zvt.STATUS_INFORMATION:
            info.update(zvt.parse_status_information(message.data))
            progress('info', info)
        elif cmd == zvt.COMPLETION:
            code = info.get('result_code', 0)
            if code == 0:
                return Outcome('approved', 0)
            return Outcome('declined', code, zvt.result_text(code))
        elif cmd == zvt.PT_ABORT:
            code = message.data[0] if message.data else 0x6C
            state = 'aborted' if code == 0x6C else 'declined'
            return Outcome(state, code, zvt.result_text(code))
        return None


_KNOWN = {zvt.INTERMEDIATE_STATUS, zvt.STATUS_INFORMATION, zvt.COMPLETION, zvt.PT_ABORT,
          zvt.PRINT_LINE, zvt.PRINT_TEXT_BLOCK}
