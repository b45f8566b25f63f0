"""The health endpoint the probe tests talk to, on 127.0.0.1.

GET /health answers as the file MODE says: "up" (200, {"status": "UP"}),
"500" (500, echoing the request's Authorization header, as a careless
server does), "slow" (answers after 0.7 s) or "stall" (answers after 30 s,
having written the file MODE.stalled when the request came).
With CERT and KEY it serves HTTPS. Prints the port it listens on.
"""
import http.server
import ssl
import sys
import time

mode_file = sys.argv[1]
cert = sys.argv[2] if len(sys.argv) > 3 else None
key = sys.argv[3] if len(sys.argv) > 3 else None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(mode_file) as f:
            mode = f.read().strip()
        if mode == "stall":
            with open(mode_file + ".stalled", "w") as f:
                f.write("stalled")
            time.sleep(30)
        if mode == "slow":
            time.sleep(0.7)
        if mode == "500":
            body = ("error for " + self.headers.get("Authorization", "")).encode()
            self.send_response(500)
        else:
            body = b'{"status": "UP"}'
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
