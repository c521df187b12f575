#!/usr/bin/env python3
"""A proxy that lets nothing through: every request a browser sends it
(GET, CONNECT for https, anything) is written to LOG, one line each, and
answered 502. Listens on 127.0.0.1, a free port, written to PORTFILE.

    recorder.py LOG PORTFILE
"""
import http.server, socketserver, sys

LOG, PORTFILE = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def handle_one_request(self):
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline:
            self.close_connection = True
            return
        with open(LOG, "a") as f:
            f.write(self.raw_requestline.decode("latin-1").strip() + "\n")
        self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        self.close_connection = True

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


with Server(("127.0.0.1", 0), Handler) as s:
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(s.server_address[1]))
    import os
    os.rename(PORTFILE + ".tmp", PORTFILE)
    s.serve_forever()
