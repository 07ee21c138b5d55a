"""ZVT transports: a serial line with DLE framing, CRC and ACK/NAK, or TCP without framing.

Serial frame: ``DLE STX`` + APDU with every DLE doubled + ``DLE ETX`` + CRC-16/KERMIT of the
(unstuffed) APDU and ETX, low byte first. The receiver answers ACK (06) or NAK (15); the
sender repeats a NAKed or unanswered frame up to ``retries`` times.

Both ends (the bridge and the test terminal simulator) use these classes.
"""
import dataclasses
import os
import select
import socket
import time

from . import zvt

DLE, STX, ETX, ACK, NAK = 0x10, 0x02, 0x03, 0x06, 0x15


class LinkError(Exception):
    """The transport failed (closed, not answering)."""


class NotAcknowledged(LinkError):
    """A frame was NAKed or left unanswered on every attempt: the other end did not take it."""


@dataclasses.dataclass
class Timeouts:
    ack: float = 0.2     # T1: ACK/NAK after a frame
    byte: float = 0.2    # between two bytes of one frame (or of one APDU on TCP)
    retries: int = 3     # repetitions of a NAKed/unanswered frame


def stuff(data):
    return bytes(data).replace(b'\x10', b'\x10\x10')


def frame(apdu_bytes):
    crc = zvt.crc16_kermit(bytes(apdu_bytes) + bytes([ETX]))
    return bytes([DLE, STX]) + stuff(apdu_bytes) + bytes([DLE, ETX]) + crc.to_bytes(2, 'little')


class FdPort:
    """A pyserial-like port (read with timeout, write) on a raw file descriptor (a pty master)."""

    def __init__(self, fd):
        self.fd = fd
        self.timeout = None

    def read(self, size=1):
        ready, _, _ = select.select([self.fd], [], [], self.timeout)
        if not ready:
            return b''
        try:
            return os.read(self.fd, size)
        except OSError:  # EIO: the other side of the pty was closed
            return b''

    def write(self, data):
        view = memoryview(bytes(data))
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
        return len(data)

    def flush(self):
        pass

    def close(self):
        pass


class SerialLink:
    """APDUs over a pyserial port (or any object with ``read``/``write``/``timeout``)."""
    framed = True

    def __init__(self, port, timeouts=None):
        self.port = port
        self.timeouts = timeouts or Timeouts()
        self._pending = []   # frames the other end sent while we waited for an ACK
        self.stats = {'naks_received': 0, 'naks_sent': 0, 'retransmissions': 0}

    # -- low level
    def _read(self, timeout):
        self.port.timeout = max(timeout, 0)
        return self.port.read(1)

    def _write(self, data):
        self.port.write(data)
        if hasattr(self.port, 'flush'):
            self.port.flush()

    def _send_frame(self, raw):
        """Write one frame (the simulator overrides it to corrupt a CRC on purpose)."""
        self._write(raw)

    def send(self, apdu):
        raw = frame(apdu.encode())
        for attempt in range(self.timeouts.retries + 1):
            if attempt:
                self.stats['retransmissions'] += 1
            self._send_frame(raw)
            answer = self._wait_ack()
            if answer is True:
                return
            if answer is False:
                self.stats['naks_received'] += 1
        raise NotAcknowledged('frame %s not acknowledged after %d attempts'
                              % (apdu, self.timeouts.retries + 1))

    def _wait_ack(self):
        """True on ACK, False on NAK, None on timeout. A frame the other end starts meanwhile
        (both sides talking at once, e.g. our abort) is read, answered and kept for later."""
        deadline = time.monotonic() + self.timeouts.ack
        while True:
            byte = self._read(deadline - time.monotonic())
            if not byte:
                return None
            if byte[0] == ACK:
                return True
            if byte[0] == NAK:
                return False
            if byte[0] == DLE and self._read(self.timeouts.byte) == bytes([STX]):
                apdu = self._read_frame_body()
                if apdu is not None:
                    self._pending.append(apdu)
                deadline = time.monotonic() + self.timeouts.ack

    def _read_frame_body(self):
        """After DLE STX: the APDU up to DLE ETX and the CRC; answers ACK or NAK.
        Returns the APDU, or None when the frame was bad (NAKed) or broken off."""
        body = bytearray()
        while True:
            byte = self._read(self.timeouts.byte)
            if not byte:
                return None
            if byte[0] != DLE:
                body += byte
                continue
            nxt = self._read(self.timeouts.byte)
            if not nxt:
                return None
            if nxt[0] == DLE:
                body.append(DLE)
            elif nxt[0] == ETX:
                break
            elif nxt[0] == STX:  # a new frame starts: the previous one was broken off
                body = bytearray()
            else:
                return self._nak()
        crc = b''
        while len(crc) < 2:
            byte = self._read(self.timeouts.byte)
            if not byte:
                return None
            crc += byte
        if zvt.crc16_kermit(bytes(body) + bytes([ETX])) != int.from_bytes(crc, 'little'):
            return self._nak()
        try:
            apdu = zvt.decode_apdu(body)
        except zvt.ApduError:
            return self._nak()
        self._write(bytes([ACK]))
        return apdu

    def _nak(self):
        self.stats['naks_sent'] += 1
        self._write(bytes([NAK]))
        return None

    def receive(self, timeout):
        """The next APDU, or None when nothing arrived within ``timeout`` seconds.
        Bad frames are NAKed and the retransmission awaited within the same time."""
        if self._pending:
            return self._pending.pop(0)
        deadline = time.monotonic() + timeout
        while True:
            byte = self._read(deadline - time.monotonic())
            if not byte:
                return None
            if byte[0] != DLE:
                continue  # noise, a stray ACK
            if self._read(self.timeouts.byte) != bytes([STX]):
                continue
            apdu = self._read_frame_body()
            if apdu is not None:
                return apdu

    def close(self):
        try:
            self.port.close()
        except Exception:  # noqa: BLE001 - closing a dead port must not hide the real error
            pass


class TcpLink:
    """APDUs back to back on a TCP stream (ZVT over IP: no framing, no ACK/NAK)."""
    framed = False

    def __init__(self, sock, timeouts=None):
        self.sock = sock
        self.timeouts = timeouts or Timeouts()
        self._buffer = b''

    @classmethod
    def connect(cls, host, port, timeouts=None, connect_timeout=3.0):
        try:
            sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as exc:
            raise LinkError('cannot connect to the terminal at %s:%s: %s' % (host, port, exc)) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(sock, timeouts)

    def send(self, apdu):
        try:
            self.sock.sendall(apdu.encode())
        except OSError as exc:
            raise LinkError('terminal connection lost: %s' % exc) from exc

    def _fill(self, size, timeout):
        deadline = time.monotonic() + timeout
        while len(self._buffer) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                return False
            except OSError as exc:
                raise LinkError('terminal connection lost: %s' % exc) from exc
            if not chunk:
                raise LinkError('the terminal closed the connection')
            self._buffer += chunk
        return True

    def receive(self, timeout):
        if not self._fill(3, timeout) and not self._buffer:
            return None
        # an APDU has started: the rest must follow promptly
        if not self._fill(3, self.timeouts.byte + 1):
            raise LinkError('APDU header broken off')
        header = zvt.apdu_header_size(self._buffer)
        if not self._fill(header, self.timeouts.byte + 1):
            raise LinkError('APDU header broken off')
        total = header + zvt.apdu_data_size(self._buffer[:header])
        if not self._fill(total, self.timeouts.byte + 1):
            raise LinkError('APDU broken off')
        raw, self._buffer = self._buffer[:total], self._buffer[total:]
        return zvt.decode_apdu(raw)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def open_serial(device, timeouts=None, baudrate=9600):
    """The terminal's serial line, 9600 8N2 unless told otherwise (pyserial URLs work too)."""
    import serial  # pyserial: only needed for a real line
    try:
        port = serial.serial_for_url(device, baudrate=baudrate, bytesize=serial.EIGHTBITS,
                                     parity=serial.PARITY_NONE, stopbits=serial.STOPBITS_TWO,
                                     timeout=0.2, exclusive=True)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise LinkError('cannot open the serial port %s: %s' % (device, exc)) from exc
    return SerialLink(port, timeouts)
