"""munipay's device bridge: a small local HTTP service on the cash-desk PC that drives a
card terminal over ZVT (serial or TCP), so that the POS in the browser never holds an
Odoo worker during a terminal dialogue.

Pure Python (standard library + pyserial), importable without Odoo:

- ``zvt``: ZVT APDUs, BMP fields, TLV, CRC-16/KERMIT, result and status texts;
- ``link``: transports (serial framing DLE STX … DLE ETX with ACK/NAK, TCP without framing);
- ``ecr``: the electronic cash register's side of a dialogue (registration, payment, ...);
- ``journal``: the persisted state of every operation (idempotency, restart);
- ``server``: the HTTP API the POS talks to;
- ``simulator``: a terminal simulator for the tests and for trying the POS without a terminal.
"""
VERSION = '1'
