"""A TCP proxy between the test browser and Odoo: the kiosk's link to the town hall,
which a test cuts (open connections closed, new ones refused) and restores."""
import socket
import threading


class Link:
    def __init__(self, target_port, host='127.0.0.1'):
        self.host = host
        self.target_port = target_port
        self.port = None
        self.listener = None
        self.sockets = set()
        self.lock = threading.Lock()
        self.up = False

    @property
    def origin(self):
        return 'http://%s:%d' % (self.host, self.port)

    def start(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port or 0))
        listener.listen(32)
        self.port = listener.getsockname()[1]
        self.listener = listener
        self.up = True
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def cut(self):
        """Close every connection and refuse new ones (the port stays ours: nothing listens)."""
        self.up = False
        with self.lock:
            listener, self.listener = self.listener, None
            sockets, self.sockets = self.sockets, set()
        if listener:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept() (Linux)
            except OSError:
                pass
            listener.close()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    restore = start
    stop = cut

    def _accept(self, listener):
        while self.up:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            if not self.up or listener is not self.listener:
                client.close()
                return
            try:
                server = socket.create_connection(('127.0.0.1', self.target_port), timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.sockets |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            with self.lock:
                self.sockets -= {source, sink}
