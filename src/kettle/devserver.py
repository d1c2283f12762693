"""A small threaded development server for ``app.run()``; not for production.

It runs on the standard library's ``wsgiref`` with a thread per request. The
embedded HTTP/1.1 server with keep-alive, chunked bodies and auto-reload is a
later step; ``app.run()``'s signature will not change.
"""

from __future__ import annotations

import sys
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} - {format % args}\n")


def run_simple(app: Any, host: str, port: int, **options: Any) -> None:
    """Serve ``app`` on ``host:port`` until interrupted."""
    server = make_server(host, port, app, _ThreadingServer, _QuietHandler)
    real_port = server.server_address[1]
    print(f" * Serving kettle app '{getattr(app, 'name', app)}'", file=sys.stderr)
    print(" * WARNING: this is a development server. Do not use it in production.", file=sys.stderr)
    print(f" * Running on http://{host}:{real_port}/ (Press CTRL+C to quit)", file=sys.stderr)
    sys.stderr.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
