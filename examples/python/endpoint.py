#!/usr/bin/env python3
"""An Offload endpoint (push mode): Offload POSTs each job here, signed; the answer is its outcome.

Offload sends {"id", "type", "attempt", "input", "owner"} with Standard Webhooks headers. A 200
answer's JSON body is the job's result; a 422 problem+json fails the job at once with its detail.
Python 3.11+, standard library only.

    OFFLOAD_WEBHOOK_SECRET=whsec_... PORT=8000 python3 endpoint.py
"""
import base64, hashlib, hmac, json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ.get("OFFLOAD_WEBHOOK_SECRET", "")
try:
    KEY = base64.b64decode(SECRET.removeprefix("whsec_"), validate=True)  # the HMAC key: the decoded part
except ValueError:
    KEY = b""
if not SECRET.startswith("whsec_") or not KEY:
    print("OFFLOAD_WEBHOOK_SECRET must be the service's webhooks.secret, whsec_<base64>", file=sys.stderr)
    sys.exit(2)


def signed(headers, body):
    """True when one v1 signature is HMAC-SHA256(KEY, "<id>.<timestamp>.<body>") and the timestamp is fresh."""
    msg_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not timestamp.isdecimal() or abs(time.time() - int(timestamp)) > 300:
        return False  # more than 5 minutes off: a replay, or a clock to fix
    expected = base64.b64encode(hmac.new(KEY, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    return any(hmac.compare_digest(expected, s.removeprefix("v1,").encode())  # one per secret (rotation)
               for s in headers.get("webhook-signature", "").split() if s.startswith("v1,"))


class Endpoint(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))  # the raw bytes signed
        if not signed(self.headers, body):
            return self.answer(401, problem(401, "Unauthorized", "bad or stale webhook signature"))
        try:
            text = json.loads(body)["input"]["text"]  # {"id", "type", "attempt", "input", "owner"}
        except (ValueError, KeyError, TypeError):
            text = None
        if not isinstance(text, str):  # a 422: the job fails at once, with this detail
            return self.answer(422, problem(422, "Unprocessable Content", 'the input needs a string "text"'))
        self.answer(200, {"words": len(text.split())})  # the job's result

    def answer(self, status, document):
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/problem+json" if status >= 400 else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def problem(status, title, detail):
    return {"title": title, "status": status, "detail": detail}


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8000"))
    print(f"listening on http://127.0.0.1:{port}/", file=sys.stderr)
    ThreadingHTTPServer(("127.0.0.1", port), Endpoint).serve_forever()
