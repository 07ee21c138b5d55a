"""Odoo's command line, as a file: the pagoPA bench starts its server with it.

Odoo's multi-worker server also starts its long-polling (gevent) process through
this file; the bench uses no bus, so that process only waits here to be stopped
(it would otherwise cost CPU in the measured server, or fail where gevent's
plugins are not installed, and be started again and again)."""
import signal
import sys

if __name__ == '__main__':
    if sys.argv[1:2] == ['gevent']:
        while True:
            signal.pause()
    import odoo.cli
    odoo.cli.main()
