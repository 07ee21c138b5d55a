"""munipay's device bridge: a small local HTTP service on the cash-desk PC or kiosk that
drives a card terminal over ZVT (serial or TCP), a bill acceptor over CCNET and/or an ESC/POS
receipt printer (serial or TCP port 9100), so that
the page in the browser never holds an Odoo worker during a device dialogue.

Pure Python (standard library + pyserial), importable without Odoo:

- ``zvt``: ZVT APDUs, BMP fields, TLV, CRC-16/KERMIT, result and status texts;
- ``link``: transports (serial framing DLE STX … DLE ETX with ACK/NAK, TCP without framing);
- ``ecr``: the electronic cash register's side of a dialogue (registration, payment, ...);
- ``journal``: the persisted state of every operation (idempotency, restart);
- ``server``: the HTTP API the POS talks to;
- ``simulator``: a terminal simulator for the tests and for trying the POS without a terminal;
- ``ccnet``: CCNET frames, CRC, commands, poll states and bill table of a bill validator;
- ``cash``: cash sessions on the bill acceptor (poll loop, escrow decisions, journal);
- ``ccnet_simulator``: a bill-validator simulator on a pseudo-terminal pair;
- ``escpos``: ESC/POS commands, receipts rendered to bytes, the printer's status bytes;
- ``printer``: the receipt printer's link (serial or TCP 9100), status and confirmed printing;
- ``escpos_simulator``: a receipt-printer simulator (pseudo-terminal pair or TCP).
"""
VERSION = '1'
