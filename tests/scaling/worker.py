#!/usr/bin/env python3
"""One worker of a test scaling pool: `worker.py PORT DIR`.

Serves HTTP on 127.0.0.1:PORT. `GET /metrics` answers in Prometheus's text
format with one gauge, `worker_load`: the demand (a float in DIR/demand)
divided by the number of replicas (an integer in DIR/replicas, at least 1).
A missing or invalid file counts as demand 0 and 1 replica. Any other path
is a 404. Logs no requests.

Exits at once on SIGTERM or SIGINT, and by itself (within about a second)
when DIR disappears or when the process whose pid is in DIR/owner (the test
that made the pool) is gone, so a test killed without cleaning up leaves no
worker behind. Python's standard library only.
"""

import math
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def read_file(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except (OSError, UnicodeDecodeError):
        return None


def demand(folder):
    text = read_file(os.path.join(folder, "demand"))
    try:
        value = float(text)
    except (TypeError, ValueError):
        return 0.0
    return value if math.isfinite(value) else 0.0


def replicas(folder):
    text = read_file(os.path.join(folder, "replicas"))
    try:
        value = int(text)
    except (TypeError, ValueError):
        return 1
    return max(1, value)


def metrics(folder):
    load = demand(folder) / replicas(folder)
    return (
        "# HELP worker_load Demand per replica: DIR/demand divided by DIR/replicas.\n"
        "# TYPE worker_load gauge\n"
        f"worker_load {load!r}\n"
    )


def owner_alive(folder):
    """False once DIR is gone, or DIR/owner names a pid that no longer runs."""
    if not os.path.isdir(folder):
        return False
    text = read_file(os.path.join(folder, "owner"))
    if not text:
        return True
    try:
        pid = int(text)
    except ValueError:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie owner has exited too; its cmdline reads empty.
    cmdline = read_file(f"/proc/{pid}/cmdline")
    return cmdline is None or cmdline != ""


def watch_owner(folder):
    while True:
        if not owner_alive(folder):
            os._exit(0)
        threading.Event().wait(1.0)


def main():
    if len(sys.argv) != 3:
        print("usage: worker.py PORT DIR", file=sys.stderr)
        return 2
    try:
        port = int(sys.argv[1])
    except ValueError:
        print(f"worker.py: not a port: {sys.argv[1]!r}", file=sys.stderr)
        return 2
    folder = os.path.abspath(sys.argv[2])

    def stop(_signum, _frame):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if self.path.split("?", 1)[0] == "/metrics":
                self.answer(200, metrics(folder), "text/plain; version=0.0.4; charset=utf-8")
            else:
                self.answer(404, "not found\n", "text/plain; charset=utf-8")

        def answer(self, status, text, content_type):
            body = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):  # noqa: A002 (the base's name)
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=watch_owner, args=(folder,), daemon=True).start()
    server.serve_forever(poll_interval=0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
