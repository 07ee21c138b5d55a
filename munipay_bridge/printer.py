"""The receipt printer of a kiosk or desk: ESC/POS over a serial line (pyserial) or raw TCP
(port 9100), its status for alerts, and a receipt printed only when the printer can.

Printing: the printer's status first (DLE EOT 1, 2, 4; GS r 1 where real-time status is not
answered); paper out, cover open or an error: nothing is sent. Then the receipt, followed by
GS r 1: unlike DLE EOT, the printer answers it only once everything before it is printed, so
its answer confirms the receipt; no answer, and paper out in the real-time status, means the
roll ended mid-receipt.
"""
import collections
import socket
import threading
import time

from . import escpos


class PrinterError(OSError):
    """The printer cannot be reached (not connected, not answering, link lost)."""


class SerialPrinterLink:
    def __init__(self, port):
        self.port = port

    def write(self, data):
        self.port.write(data)
        self.port.flush()

    def read_byte(self, timeout):
        self.port.timeout = timeout
        byte = self.port.read(1)
        return byte[0] if byte else None

    def drain(self):
        self.port.timeout = 0
        while self.port.read(64):
            pass

    def close(self):
        try:
            self.port.close()
        except Exception:  # noqa: BLE001 - closing a dead port must not hide the real error
            pass


class TcpPrinterLink:
    def __init__(self, sock):
        self.sock = sock

    def write(self, data):
        self.sock.sendall(data)

    def read_byte(self, timeout):
        self.sock.settimeout(timeout)
        try:
            byte = self.sock.recv(1)
        except socket.timeout:
            return None
        if not byte:
            raise PrinterError('the printer closed the connection')
        return byte[0]

    def drain(self):
        self.sock.settimeout(0)
        try:
            while self.sock.recv(64):
                pass
        except (BlockingIOError, socket.timeout):
            pass

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def printer_opener(target, baudrate=38400):
    """Opens ``tcp:HOST[:PORT]`` (raw port 9100 by default) or a serial device (8N1, pyserial
    URLs work too) when the printer is needed."""
    if target.startswith('tcp:'):
        host, _, port = target[4:].partition(':')

        def opener():
            try:
                sock = socket.create_connection((host or '127.0.0.1', int(port or 9100)), timeout=3.0)
            except (OSError, ValueError) as exc:
                raise PrinterError('cannot connect to the printer at %s: %s' % (target, exc)) from exc
            return TcpPrinterLink(sock)
        return opener

    def opener():
        import serial  # pyserial: only needed for a real line
        try:
            port = serial.serial_for_url(target, baudrate=baudrate, bytesize=serial.EIGHTBITS,
                                         parity=serial.PARITY_NONE, stopbits=serial.STOPBITS_ONE,
                                         timeout=0.5, exclusive=True)
        except (serial.SerialException, ValueError) as exc:
            raise PrinterError('cannot open the serial port %s: %s' % (target, exc)) from exc
        return SerialPrinterLink(port)
    return opener


class ReceiptPrinter:
    """One printer, one request at a time; opens its link on demand and again after a failure."""

    HTTP_STATUS = {'printed': 200, 'paper_out': 409, 'cover_open': 409, 'error': 409, 'offline': 503}

    def __init__(self, opener, describe='', status_timeout=0.5, print_timeout=20.0, pages=escpos.CODE_PAGES):
        self.opener = opener
        self.describe = describe
        self.status_timeout = status_timeout
        self.print_timeout = print_timeout
        self.pages = pages
        self._lock = threading.Lock()
        self._link = None
        self._printed = collections.OrderedDict()  # receipt_id -> answer, the latest 200
        self.last_status = None

    # -- link
    def _open(self):
        if self._link is None:
            self._link = self.opener()
        return self._link

    def _drop(self):
        if self._link is not None:
            self._link.close()
            self._link = None

    def close(self):
        with self._lock:
            self._drop()

    # -- status
    def _query(self, link):
        """escpos.Status, or None when the printer answers nothing."""
        link.drain()
        answers = []
        for request in (escpos.STATUS_PRINTER, escpos.STATUS_OFFLINE_CAUSE, escpos.STATUS_PAPER):
            link.write(escpos.status_request(request))
            byte = link.read_byte(self.status_timeout)
            if byte is None or not escpos.is_realtime_answer(byte):
                break
            answers.append(byte)
        if len(answers) == 3:
            return escpos.read_realtime(*answers)
        link.drain()
        link.write(escpos.paper_sensor_request())
        byte = link.read_byte(self.status_timeout)
        return None if byte is None else escpos.read_paper_sensor(byte)

    def _status(self):
        try:
            status = self._query(self._open())
        except OSError:
            self._drop()
            status = None
        answer = {'target': self.describe, 'connected': status is not None,
                  'checked_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
        answer.update(status.as_dict() if status else
                      {'state': 'offline', 'online': False, 'cover_open': None, 'paper': None, 'error': None})
        self.last_status = answer
        return status, answer

    def status(self):
        with self._lock:
            return self._status()[1]

    # -- printing
    def print_receipt(self, receipt, receipt_id=None):
        """(HTTP status, answer) for printing ``receipt`` (an escpos.Receipt); a receipt_id
        already printed is not printed again."""
        data = escpos.render(receipt, self.pages)
        with self._lock:
            if receipt_id and receipt_id in self._printed:
                return 200, dict(self._printed[receipt_id], duplicate=True)
            status, printer = self._status()
            if status is None or not status.can_print:
                return self._answer(printer['state'], receipt_id, printer, printed=False)
            try:
                link = self._open()
                link.drain()
                link.write(data + escpos.paper_sensor_request())
                confirmation = link.read_byte(self.print_timeout)
            except OSError:
                self._drop()
                _status, printer = self._status()
                return self._answer('offline', receipt_id, printer, interrupted=True)
            if confirmation is not None:
                _status, printer = self._status()
                answer = self._answer('printed', receipt_id, printer)
                if receipt_id:
                    self._printed[receipt_id] = answer[1]
                    while len(self._printed) > 200:
                        self._printed.popitem(last=False)
                return answer
            # the printer stopped before the end of the receipt: say why, if it can
            status, printer = self._status()
            result = status.state if status is not None and not status.can_print else 'offline'
            return self._answer(result, receipt_id, printer, interrupted=True)

    def _answer(self, result, receipt_id, printer, printed=None, interrupted=False):
        answer = {'result': result, 'printed': result == 'printed' if printed is None else printed,
                  'receipt_id': receipt_id, 'printer': printer}
        if interrupted:
            answer['interrupted'] = True
        if result != 'printed':
            answer['error'] = result
        return self.HTTP_STATUS.get(result, 409), answer
