"""``./munipay bridge`` (or ``python3 -m munipay_bridge``): run the card-terminal bridge.

    ./munipay bridge --serial /dev/ttyUSB0 --origin https://odoo.example.org
    ./munipay bridge --tcp 192.168.1.50:20007 --origin https://odoo.example.org
    ./munipay bridge --simulator            # a simulated terminal, to try the POS
    ./munipay bridge --ccnet /dev/ttyUSB1 --origin https://odoo.example.org   # a kiosk's bill acceptor
    ./munipay bridge --ccnet-simulator      # a simulated bill acceptor (a 10.00 note every 2 s)
    ./munipay bridge --printer /dev/ttyUSB1 --origin https://odoo.example.org  # an ESC/POS receipt printer
    ./munipay bridge --printer tcp:192.168.1.60:9100 --origin https://odoo.example.org
    ./munipay bridge --printer-simulator    # a simulated receipt printer
    ./munipay bridge snapshot-import kiosk.csv   # a kiosk's offline snapshot (CSV, XML or JSON file)

A bridge with a bill acceptor keeps the kiosk's offline store (snapshot and queue) in
<state-dir>/offline.json.
"""
import argparse
import ipaddress
import logging
import os
import secrets
import signal
import sys

from . import link as links
from . import zvt
from .bridge import Bridge
from .cash import CashDesk, serial_opener
from .ccnet_simulator import Simulator as Validator
from .escpos_simulator import Simulator as PrinterSimulator
from .printer import ReceiptPrinter, printer_opener
from .server import make_server
from .simulator import Simulator
from .testing import terminal_for


def read_token(state_dir):
    """The pairing token kept in the state folder (created on the first start, mode 0600)."""
    path = os.path.join(state_dir, 'token')
    if not os.path.exists(path):
        os.makedirs(state_dir, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'w') as handle:
            handle.write(secrets.token_urlsafe(24) + '\n')
    with open(path, encoding='utf-8') as handle:
        return handle.read().strip()


def parse_args(argv):
    env = os.environ.get
    parser = argparse.ArgumentParser(prog='munipay bridge', description=(
        'Card-terminal bridge for the munipay cash desk: drives a ZVT terminal and offers the POS '
        'in the browser a small JSON API on the loopback interface.'))
    where = parser.add_mutually_exclusive_group()
    where.add_argument('--serial', metavar='DEVICE', default=env('MUNIPAY_ZVT_SERIAL'),
                       help='serial port of the terminal (e.g. /dev/ttyUSB0, COM3); 9600 8N2')
    where.add_argument('--tcp', metavar='HOST:PORT', default=env('MUNIPAY_ZVT_TCP'),
                       help='terminal reached over the network (ZVT over IP, port 20007 typically)')
    where.add_argument('--simulator', nargs='?', const='tcp', choices=('tcp', 'serial'),
                       help='run a simulated terminal (over TCP, or a pseudo-terminal pair)')
    parser.add_argument('--ccnet', metavar='DEVICE', default=env('MUNIPAY_CCNET_SERIAL'),
                        help='serial port of a CCNET (CashCode) bill acceptor, 9600 8N1 (a kiosk)')
    parser.add_argument('--ccnet-simulator', action='store_true',
                        help='run a simulated bill acceptor on a pseudo-terminal pair')
    printer = parser.add_mutually_exclusive_group()
    printer.add_argument('--printer', metavar='DEVICE|tcp:HOST:PORT', default=env('MUNIPAY_PRINTER'),
                         help='ESC/POS receipt printer: a serial port (e.g. /dev/ttyUSB1) or a network '
                              'printer (tcp:HOST:9100)')
    printer.add_argument('--printer-simulator', action='store_true',
                         help='run a simulated receipt printer on a pseudo-terminal pair')
    parser.add_argument('--printer-baudrate', type=int, default=int(env('MUNIPAY_PRINTER_BAUDRATE', '38400')),
                        help='serial printer: baud rate, 8N1 (default 38400)')
    parser.add_argument('--cash-currency', default=env('MUNIPAY_CASH_CURRENCY', 'EUR'),
                        help='the currency whose bill types the acceptor takes (default EUR)')
    parser.add_argument('--cash-max-excess', type=int, default=int(env('MUNIPAY_CASH_MAX_EXCESS', '5000')),
                        help='cents a payer may insert above the amount due (credited, no change); '
                             'a bill that would go beyond is returned (default 5000)')
    parser.add_argument('--cash-silence-limit', type=float, default=10.0,
                        help='seconds the acceptor may stay silent before an open cash session fails')
    parser.add_argument('--baudrate', type=int, default=int(env('MUNIPAY_ZVT_BAUDRATE', '9600')))
    parser.add_argument('--listen', default=env('MUNIPAY_BRIDGE_LISTEN', '127.0.0.1:8765'),
                        help='loopback address and port of the API (default 127.0.0.1:8765)')
    parser.add_argument('--origin', action='append', default=None,
                        help='the Odoo origin allowed by CORS, e.g. https://odoo.example.org (repeatable; '
                             'env MUNIPAY_BRIDGE_ORIGIN, comma-separated)')
    parser.add_argument('--token', default=env('MUNIPAY_BRIDGE_TOKEN'),
                        help='pairing token the POS sends (default: generated once into the state folder)')
    parser.add_argument('--state-dir', default=env('MUNIPAY_BRIDGE_STATE') or os.path.expanduser(
        '~/.local/state/munipay-bridge'), help='folder of the journal and the token')
    parser.add_argument('--password', default=env('MUNIPAY_ZVT_PASSWORD', '000000'),
                        help="the terminal's ZVT password, 6 digits (default 000000)")
    parser.add_argument('--config-byte', default=env('MUNIPAY_ZVT_CONFIG', 'BA'),
                        help='registration config byte in hex (default BA: the ECR prints the slips)')
    parser.add_argument('--currency', default=env('MUNIPAY_ZVT_CURRENCY', 'EUR'))
    parser.add_argument('--t3', type=float, default=5.0, help="seconds for the terminal's answer to a command")
    parser.add_argument('--t4', type=float, default=180.0, help='seconds the cardholder may take between two steps')
    parser.add_argument('--ack-timeout', type=float, default=0.2, help='serial: seconds for ACK/NAK (T1)')
    parser.add_argument('-v', '--verbose', action='store_true')
    args = parser.parse_args(argv)
    if not (args.serial or args.tcp or args.simulator or args.ccnet or args.ccnet_simulator
            or args.printer or args.printer_simulator):
        parser.error('say where the terminal is: --serial DEVICE, --tcp HOST:PORT or --simulator '
                     '(or the bill acceptor: --ccnet DEVICE, --ccnet-simulator; '
                     'or the receipt printer: --printer DEVICE|tcp:HOST:9100, --printer-simulator)')
    if args.ccnet and args.ccnet_simulator:
        parser.error('--ccnet and --ccnet-simulator exclude each other')
    if not args.cash_currency.isalpha() or len(args.cash_currency) != 3 or args.cash_max_excess < 0:
        parser.error('--cash-currency must be an ISO 4217 code and --cash-max-excess at least 0')
    args.cash_currency = args.cash_currency.upper()
    origins = args.origin or [o for o in (env('MUNIPAY_BRIDGE_ORIGIN') or '').split(',') if o.strip()]
    if not origins and (args.simulator or args.ccnet_simulator or args.printer_simulator):
        origins = ['http://localhost:8069', 'http://127.0.0.1:8069']
    if not origins:
        parser.error('--origin is required: the address of Odoo as the browser shows it')
    args.origin = [o.strip().rstrip('/') for item in origins for o in item.split(',') if o.strip()]
    host, _, port = args.listen.rpartition(':')
    host = host.strip('[]') or '127.0.0.1'
    try:
        loopback = host == 'localhost' or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        parser.error('the bridge listens on the loopback interface only (got %s)' % host)
    args.host, args.port = host, int(port)
    if not (args.password.isdigit() and len(args.password) <= 6):
        parser.error('--password must be up to 6 digits')
    try:
        zvt.currency_number(args.currency)
        args.config = int(args.config_byte, 16)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['snapshot-import']:
        from .offline_cli import main as import_snapshot  # noqa: PLC0415
        return import_snapshot(argv[1:])
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    simulator = validator = paper = terminal = bridge = desk = printer = None
    token = args.token or read_token(args.state_dir)
    shown = token if (args.simulator or args.ccnet_simulator or args.printer_simulator or args.token is None) \
        else '(as given)'
    if args.simulator or args.serial or args.tcp:
        if args.simulator:
            simulator = Simulator()
            simulator.start_pty() if args.simulator == 'serial' else simulator.start_tcp()
            kind, target = simulator.kind, simulator.target
            logging.info('simulated terminal on %s %s (cents ,13 declined; ,66 silent; ,77 waits for abort)',
                         kind, target)
        elif args.serial:
            kind, target = 'serial', args.serial
        else:
            kind, target = 'tcp', args.tcp
        options = {'baudrate': args.baudrate} if kind == 'serial' else {}
        terminal = terminal_for(kind, target, links.Timeouts(ack=args.ack_timeout, byte=max(args.ack_timeout, 0.2)),
                                password=int(args.password), config_byte=args.config, currency=args.currency,
                                t3=args.t3, t4=args.t4, **options)
        bridge = Bridge(terminal, os.path.join(args.state_dir, 'journal.json'), currency=args.currency.upper())
        logging.info('card terminal on %s %s', kind, target)
    if args.ccnet or args.ccnet_simulator:
        device = args.ccnet
        if args.ccnet_simulator:
            validator = Validator(feed=[1] * 1000).start_pty()  # a 10.00 note every 2 s while enabled
            device = validator.target
            logging.info('simulated bill acceptor on %s (a 10.00 note every 2 s while enabled)', device)
        desk = CashDesk(serial_opener(device), os.path.join(args.state_dir, 'cash.json'),
                        currency=args.cash_currency, max_excess=args.cash_max_excess,
                        silence_limit=args.cash_silence_limit, describe=device).start()
        logging.info('bill acceptor on %s (%s)', device, args.cash_currency)
    if args.printer or args.printer_simulator:
        target = args.printer
        if args.printer_simulator:
            paper = PrinterSimulator().start_pty()
            target = paper.target
            logging.info('simulated receipt printer on %s', target)
        printer = ReceiptPrinter(printer_opener(target, args.printer_baudrate), target)
        logging.info('receipt printer on %s', target)
    offline = os.path.join(args.state_dir, 'offline.json') if desk else None
    server = make_server(bridge, token, args.origin, args.host, args.port, cash=desk, printer=printer,
                         offline=offline)
    url = 'http://%s:%d' % (args.host, server.server_address[1])
    logging.info('bridge: %s (origin %s)', url, ', '.join(args.origin))
    print('munipay bridge: %s  token: %s' % (url, shown), flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if terminal:
            terminal.reset()
        if desk:
            desk.close()
        if printer:
            printer.close()
        for sim in (simulator, validator, paper):
            if sim:
                sim.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
