"""A bridge and a simulated terminal in this process, for tests (pytest, or an Odoo tour).

    from munipay_bridge.testing import running_bridge
    with running_bridge(origin='http://localhost:8069') as rig:
        rig.url, rig.token, rig.simulator.charges
"""
import contextlib
import dataclasses
import os
import secrets
import socket
import threading

from . import ecr
from . import link as links
from .bridge import Bridge
from .server import make_server
from .simulator import Behaviour, Simulator


def terminal_for(kind, target, timeouts=None, **options):
    """An ``ecr.Terminal`` on a serial device (or pyserial URL) or a TCP ``host:port``."""
    timeouts = timeouts or links.Timeouts()
    if kind == 'tcp':
        host, _, port = target.rpartition(':')

        def opener():
            return links.TcpLink.connect(host or '127.0.0.1', int(port), timeouts)
    else:
        baudrate = options.pop('baudrate', 9600)

        def opener():
            return links.open_serial(target, timeouts, baudrate=baudrate)
    return ecr.Terminal(opener, describe='%s %s' % (kind, target), **options)


@dataclasses.dataclass
class Rig:
    url: str
    token: str
    origin: str
    simulator: Simulator
    bridge: Bridge
    server: object


@contextlib.contextmanager
def running_bridge(transport='tcp', behaviour=None, origin='http://localhost:8069', journal=None,
                   token=None, t3=2.0, t4=5.0, timeouts=None, simulator=None):
    """Start a simulator (unless given) and a bridge on a free loopback port; stop both after."""
    own_sim = simulator is None
    if own_sim:
        simulator = Simulator(behaviour or Behaviour())
        simulator.start_pty() if transport == 'serial' else simulator.start_tcp()
    token = token or secrets.token_urlsafe(24)
    terminal = terminal_for(simulator.kind, simulator.target, timeouts or links.Timeouts(ack=1.0, byte=0.5),
                            password=123456, t3=t3, t4=t4, poll=0.05)
    bridge = Bridge(terminal, journal)
    server = make_server(bridge, token, [origin], port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    url = 'http://127.0.0.1:%d' % server.server_address[1]
    try:
        yield Rig(url, token, origin, simulator, bridge, server)
    finally:
        server.shutdown()
        server.server_close()
        for worker in bridge.threads:
            worker.join(t4 + 2)
        terminal.reset()
        if own_sim:
            simulator.stop()


@dataclasses.dataclass
class CashRig:
    url: str
    token: str
    origin: str
    simulator: object
    desk: object
    server: object


@contextlib.contextmanager
def running_cash_bridge(behaviour=None, origin='http://localhost:8069', journal=None, token=None,
                        currency='EUR', max_excess=5000, silence_limit=1.5, simulator=None):
    """A CCNET validator simulator on a pty pair and a bridge with only the bill acceptor."""
    from . import ccnet
    from .cash import CashDesk, serial_opener
    from .ccnet_simulator import Simulator as Validator
    own_sim = simulator is None
    if own_sim:
        simulator = Validator(behaviour).start_pty()
    token = token or secrets.token_urlsafe(24)
    desk = CashDesk(serial_opener(simulator.target), journal, currency=currency, max_excess=max_excess,
                    timeouts=ccnet.Timeouts(response=0.2, byte=0.05, retries=3, poll=0.05),
                    silence_limit=silence_limit, describe=simulator.target).start()
    server = make_server(None, token, [origin], port=0, cash=desk)
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    try:
        yield CashRig('http://127.0.0.1:%d' % server.server_address[1], token, origin, simulator, desk, server)
    finally:
        server.shutdown()
        server.server_close()
        desk.close()
        if own_sim:
            simulator.stop()


@dataclasses.dataclass
class PrinterRig:
    url: str
    token: str
    origin: str
    simulator: object
    printer: object
    server: object


@contextlib.contextmanager
def running_printer_bridge(behaviour=None, transport='serial', origin='http://localhost:8069', token=None,
                           print_timeout=2.0, simulator=None):
    """An ESC/POS printer simulator (pty pair or TCP) and a bridge with only the receipt printer."""
    from .escpos_simulator import Simulator as PrinterSimulator
    from .printer import ReceiptPrinter, printer_opener
    own_sim = simulator is None
    if own_sim:
        simulator = PrinterSimulator(behaviour)
        simulator.start_pty() if transport == 'serial' else simulator.start_tcp()
    token = token or secrets.token_urlsafe(24)
    printer = ReceiptPrinter(printer_opener(simulator.target), simulator.target, print_timeout=print_timeout)
    server = make_server(None, token, [origin], port=0, printer=printer)
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    try:
        yield PrinterRig('http://127.0.0.1:%d' % server.server_address[1], token, origin, simulator, printer, server)
    finally:
        server.shutdown()
        server.server_close()
        printer.close()
        if own_sim:
            simulator.stop()


@dataclasses.dataclass
class KioskRig:
    url: str
    token: str
    desk: object
    printer: object
    offline: object
    server: object


@contextlib.contextmanager
def running_kiosk_bridge(state_dir, validator, paper=None, origins=('http://localhost:8069',), token=None,
                         currency='EUR', port=0, max_excess=5000, silence_limit=10.0):
    """A kiosk's bridge as ``munipay bridge --ccnet … --printer …`` runs it, on the given
    simulators (a bill acceptor, a receipt printer or None): cash journal and offline store
    in ``state_dir``; entering again with the same folder and port is the bridge restarted."""
    from . import ccnet
    from .cash import CashDesk, serial_opener
    from .offline import OfflineStore
    from .printer import ReceiptPrinter, printer_opener
    token = token or secrets.token_urlsafe(24)
    desk = CashDesk(serial_opener(validator.target), os.path.join(state_dir, 'cash.json'), currency=currency,
                    max_excess=max_excess, timeouts=ccnet.Timeouts(response=0.2, byte=0.05, retries=3, poll=0.05),
                    silence_limit=silence_limit, describe=validator.target).start()
    printer = ReceiptPrinter(printer_opener(paper.target), paper.target, print_timeout=2.0) if paper else None
    offline = OfflineStore(os.path.join(state_dir, 'offline.json'))
    server = make_server(None, token, list(origins), port=port, cash=desk, printer=printer, offline=offline)
    connections = set()
    accept = server.process_request

    def process_request(request, client_address):
        connections.add(request)
        accept(request, client_address)
    server.process_request = process_request
    thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    try:
        yield KioskRig('http://127.0.0.1:%d' % server.server_address[1], token, desk, printer, offline, server)
    finally:
        server.shutdown()
        server.server_close()
        # as when the process ends: a browser's kept-alive connection must not reach this bridge any more
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        desk.close()
        if printer:
            printer.close()
