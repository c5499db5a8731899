#!/usr/bin/env python3
"""A small Splunk HTTP Event Collector for ecsprobe's tests (stdlib only).

Checks what Splunk documents for /services/collector/event: the
"Authorization: Splunk <token>" header, a gzip body when Content-Encoding
says so, a body of concatenated JSON event objects, each with a non-empty
"event", a numeric "time" (epoch seconds), string host/source/sourcetype/
index and flat string "fields".  It answers with HEC's own status codes and
texts ({"text":"Success","code":0}, 403 "Invalid token" code 4, 400
"Invalid data format" code 6 with invalid-event-number, 503 "Server is
busy" code 9, ...) and appends every accepted event as one JSON line to
--events.

Modes: --fail-503 N answers the next N event requests with 503; --ack
turns on indexer acknowledgement (a request channel is then required, each
accepted request gets an ackId, and /services/collector/ack answers
{"acks":{"<id>":true|false}}, true once --ack-polls polls have asked);
--hang accepts connections and never answers.  GET /__stats gives counters
and POST /__fail?n=N sets the 503 count at run time.

Listens only on 127.0.0.1.  Usage:
  hec_receiver.py --port-file F --token-file T --events E [--tls CERT KEY]
                  [--fail-503 N] [--ack] [--ack-polls K] [--hang]
"""
import argparse
import gzip
import hmac
import http.server
import json
import os
import re
import signal
import socket
import ssl
import sys
import threading
import urllib.parse
import zlib

EVENT_PATHS = ("/services/collector", "/services/collector/event", "/services/collector/event/1.0")
ACK_PATHS = ("/services/collector/ack", "/services/collector/ack/1.0")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_BODY = 64 * 1024 * 1024


class HecError(Exception):
    def __init__(self, status, code, text, extra=None):
        super().__init__(text)
        self.status, self.code, self.text, self.extra = status, code, text, extra or {}


def check_event(ev):
    """Raises HecError for an event Splunk would refuse."""
    if not isinstance(ev, dict):
        raise HecError(400, 6, "Invalid data format")
    if "event" not in ev:
        raise HecError(400, 12, "Event field is required")
    e = ev["event"]
    if e is None or e == "" or e == {}:
        raise HecError(400, 13, "Event field cannot be blank")
    if "time" in ev:
        t = ev["time"]
        if isinstance(t, bool) or not isinstance(t, (int, float, str)):
            raise HecError(400, 6, "Invalid data format")
        try:
            float(t)
        except ValueError:
            raise HecError(400, 6, "Invalid data format")
    for k in ("host", "source", "sourcetype", "index"):
        if k in ev and not isinstance(ev[k], str):
            raise HecError(400, 6, "Invalid data format")
    if "fields" in ev:
        f = ev["fields"]
        if not isinstance(f, dict):
            raise HecError(400, 15, "Error in handling indexed fields")
        for v in f.values():
            ok = isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
            if not ok:
                raise HecError(400, 15, "Error in handling indexed fields")


def split_events(text):
    """Concatenated JSON objects (whitespace between them allowed)."""
    dec = json.JSONDecoder()
    i, n, out = 0, len(text), []
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            return out
        try:
            obj, i = dec.raw_decode(text, i)
        except ValueError:
            raise HecError(400, 6, "Invalid data format", {"invalid-event-number": len(out)})
        out.append(obj)


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.token = open(args.token_file).read().strip() if args.token_file else args.token
        self.fail_503 = args.fail_503
        self.events = open(args.events, "a") if args.events else None
        self.ack_next = {}  # channel -> next ackId
        self.ack_polls = {}  # (channel, id) -> polls so far
        self.stats = {"requests": 0, "event_requests": 0, "events": 0, "gzip": 0, "plain": 0,
                      "status": {}, "ack_requests": 0, "acked": 0, "channels": [], "bytes": 0}

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] += n


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Splunkd"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        # headers and body go out in two writes: without this, Nagle and the
        # client's delayed ACK add 40 ms to every answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def answer(self, status, obj):
        body = json.dumps(obj, separators=(",", ":")).encode()
        st = self.server.st
        with st.lock:
            st.stats["status"][str(status)] = st.stats["status"].get(str(status), 0) + 1
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise HecError(413, 27, "Content length too large")
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        st = self.server.st
        if u.path == "/__stats":
            with st.lock:
                snap = json.loads(json.dumps(st.stats))
            return self.answer(200, snap)
        if u.path.startswith("/services/collector/health"):
            return self.answer(200, {"text": "HEC is healthy", "code": 17})
        return self.answer(404, {"text": "The requested URL was not found on this server.", "code": 404})

    def do_POST(self):
        st = self.server.st
        u = urllib.parse.urlsplit(self.path)
        st.count("requests")
        try:
            raw = self.body()
            if u.path == "/__fail":
                q = dict(urllib.parse.parse_qsl(u.query))
                with st.lock:
                    st.fail_503 = int(q.get("n", "0"))
                return self.answer(200, {"fail_503": st.fail_503})
            if u.path not in EVENT_PATHS and u.path not in ACK_PATHS:
                return self.answer(404, {"text": "The requested URL was not found on this server.", "code": 404})
            self.authorize()
            channel = self.headers.get("X-Splunk-Request-Channel") or \
                dict(urllib.parse.parse_qsl(u.query)).get("channel")
            if u.path in ACK_PATHS:
                return self.ack(raw, channel)
            return self.collect(raw, channel)
        except HecError as e:
            obj = {"text": e.text, "code": e.code}
            obj.update(e.extra)
            return self.answer(e.status, obj)

    def authorize(self):
        st = self.server.st
        auth = self.headers.get("Authorization")
        if not auth:
            raise HecError(401, 2, "Token is required")
        scheme, _, tok = auth.partition(" ")
        if scheme != "Splunk" or not tok:
            raise HecError(401, 3, "Invalid authorization")
        if not hmac.compare_digest(tok.strip().encode(), st.token.encode()):
            raise HecError(403, 4, "Invalid token")

    def check_channel(self, channel):
        if channel is None:
            raise HecError(400, 10, "Data channel is missing")
        if not GUID.match(channel):
            raise HecError(400, 11, "Invalid data channel")

    def collect(self, raw, channel):
        st = self.server.st
        st.count("event_requests")
        if st.args.ack:
            self.check_channel(channel)
        with st.lock:
            if st.fail_503 > 0:
                st.fail_503 -= 1
                busy = True
            else:
                busy = False
        if busy:
            raise HecError(503, 9, "Server is busy")
        enc = (self.headers.get("Content-Encoding") or "").lower()
        if enc == "gzip":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError, zlib.error):
                raise HecError(400, 6, "Invalid data format")
            st.count("gzip")
        elif enc in ("", "identity"):
            st.count("plain")
        else:
            raise HecError(415, 6, "Unsupported content encoding")
        if not raw.strip():
            raise HecError(400, 5, "No data")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise HecError(400, 6, "Invalid data format", {"invalid-event-number": 0})
        events = split_events(text)
        for i, ev in enumerate(events):
            try:
                check_event(ev)
            except HecError as e:
                e.extra["invalid-event-number"] = i
                raise
        st.count("bytes", len(raw))
        with st.lock:
            if channel and channel not in st.stats["channels"]:
                st.stats["channels"].append(channel)
            st.stats["events"] += len(events)
            if st.events:
                for ev in events:
                    st.events.write(json.dumps(ev, separators=(",", ":")) + "\n")
                st.events.flush()
            reply = {"text": "Success", "code": 0}
            if st.args.ack:
                n = st.ack_next.get(channel, 0)
                st.ack_next[channel] = n + 1
                st.ack_polls[(channel, n)] = 0
                reply["ackId"] = n
        return self.answer(200, reply)

    def ack(self, raw, channel):
        st = self.server.st
        st.count("ack_requests")
        if not st.args.ack:
            raise HecError(400, 14, "ACK is disabled")
        self.check_channel(channel)
        try:
            q = json.loads(raw or b"{}")
            ids = q["acks"]
            if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise HecError(400, 6, "Invalid data format")
        out = {}
        with st.lock:
            for i in ids:
                k = (channel, i)
                if k not in st.ack_polls:
                    out[str(i)] = False
                    continue
                st.ack_polls[k] += 1
                done = st.ack_polls[k] > st.args.ack_polls
                out[str(i)] = done
                if done:
                    st.stats["acked"] += 1
                    del st.ack_polls[k]  # Splunk forgets an ack once it was reported
        return self.answer(200, {"acks": out})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def hang(args):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", args.port))
    s.listen(64)
    write_port(args, s.getsockname()[1])
    held = []
    while True:
        c, _ = s.accept()
        held.append(c)  # never read, never answer


def write_port(args, port):
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--token", default=os.environ.get("HEC_RECEIVER_TOKEN", ""))
    ap.add_argument("--token-file")
    ap.add_argument("--events")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--fail-503", type=int, default=0)
    ap.add_argument("--ack", action="store_true")
    ap.add_argument("--ack-polls", type=int, default=1, help="polls that see false before true")
    ap.add_argument("--hang", action="store_true")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.hang:
        return hang(args)
    if not args.token and not args.token_file:
        ap.error("--token-file (or HEC_RECEIVER_TOKEN) is required")
    srv = Server(("127.0.0.1", args.port), Handler)
    srv.st = State(args)
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    write_port(args, srv.server_address[1])
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        if srv.st.events:
            srv.st.events.close()


if __name__ == "__main__":
    sys.exit(main() or 0)
