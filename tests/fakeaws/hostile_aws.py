#!/usr/bin/env python3
"""A hostile AWS endpoint on 127.0.0.1 for `ecsprobe inventory` tests.

STS GetCallerIdentity is answered properly, so the pull gets as far as the
service readers; then, by --mode:

  loop-token     EC2 DescribeNetworkInterfaces and ECS ListClusters answer the
                 same NextToken forever
  cycle-token    the tokens go A, B, A, B, ...
  fresh-token    a new token on every page, each page --page-kib of data
  short-body     every answer says Content-Length 100000, sends a few bytes
                 and closes the connection
  trickle        every answer sends one byte every 0.2 s, never finishing
  garbage        every answer is 200 with a body that is not XML or JSON
  types-null     ECS ListClusters: "clusterArns": null
  types-string   ECS ListClusters: "clusterArns": "arn:..."
  types-token    ECS ListClusters: "nextToken": 7
  types-items    ECS ListClusters: "clusterArns": [1, {"a": 1}]
  types-doc      ECS ListClusters: the answer is a JSON array
  types-tasks    ECS DescribeTasks: "tasks": [{"taskDefinitionArn": 5}]
  types-taskdef  ECS DescribeTaskDefinition: "taskDefinition": null
  regions-dup    EC2 DescribeRegions lists us-east-1 three times
  empty          every list empty (a well-formed, empty account)

Every other call gets a well-formed empty answer.  One line per request
("Action") goes to --log.  Loopback only; it verifies no signature (the fake
in fakeaws.py does that).  Each connection is bounded: a trickle ends after
120 s even if the client never gives up.
"""
import argparse
import json
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ACCOUNT = "123456789012"
STS_OK = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    "<GetCallerIdentityResult><Arn>arn:aws:iam::%s:user/hostile</Arn>"
    "<UserId>AIDAHOSTILE</UserId><Account>%s</Account></GetCallerIdentityResult>"
    "<ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
    "</GetCallerIdentityResponse>" % (ACCOUNT, ACCOUNT)
)
CLUSTER = "arn:aws:ecs:us-east-1:%s:cluster/c1" % ACCOUNT
TASK = "arn:aws:ecs:us-east-1:%s:task/c1/t1" % ACCOUNT


class State:
    def __init__(self, mode, page_kib, log):
        self.mode = mode
        self.page_kib = page_kib
        self.log = log
        self.lock = threading.Lock()
        self.n = 0

    def next_n(self):
        with self.lock:
            self.n += 1
            return self.n


def eni_page(state, token):
    items = ""
    pad = "x" * 1000
    count = max(1, state.page_kib) if state.mode == "fresh-token" else 1
    for i in range(count):
        items += (
            "<item><networkInterfaceId>eni-%08x%04d</networkInterfaceId>"
            "<description>%s</description></item>" % (state.n, i, pad if count > 1 else "")
        )
    return (
        '<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        "<requestId>1</requestId><networkInterfaceSet>%s</networkInterfaceSet>"
        "<nextToken>%s</nextToken></DescribeNetworkInterfacesResponse>" % (items, token)
    )


def token_for(state):
    n = state.next_n()
    if state.mode == "loop-token":
        return "same-token"
    if state.mode == "cycle-token":
        return "token-A" if n % 2 else "token-B"
    return "fresh-%d" % n


def query_answer(state, action):
    if action == "GetCallerIdentity":
        return STS_OK
    if action == "DescribeNetworkInterfaces" and state.mode in (
        "loop-token", "cycle-token", "fresh-token"
    ):
        return eni_page(state, token_for(state))
    if action == "DescribeRegions":
        names = ["us-east-1"] * (3 if state.mode == "regions-dup" else 1)
        items = "".join(
            "<item><regionName>%s</regionName><regionEndpoint>x</regionEndpoint></item>" % r
            for r in names
        )
        return (
            '<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            "<requestId>1</requestId><regionInfo>%s</regionInfo></DescribeRegionsResponse>"
            % items
        )
    return '<%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>1</requestId></%sResponse>' % (
        action,
        action,
    )


def json_answer(state, op):
    m = state.mode
    if op == "ListClusters":
        if m in ("loop-token", "cycle-token", "fresh-token"):
            return {"clusterArns": [], "nextToken": token_for(state)}
        shapes = {
            "types-null": {"clusterArns": None},
            "types-string": {"clusterArns": CLUSTER},
            "types-token": {"clusterArns": [CLUSTER], "nextToken": 7},
            "types-items": {"clusterArns": [1, {"a": 1}]},
            "types-doc": [CLUSTER],
        }
        if m in shapes:
            return shapes[m]
        if m in ("types-tasks", "types-taskdef"):
            return {"clusterArns": [CLUSTER]}
        return {"clusterArns": []}
    if op == "ListTasks" and m in ("types-tasks", "types-taskdef"):
        return {"taskArns": [TASK]}
    if op == "DescribeTasks" and m == "types-tasks":
        return {"tasks": [{"taskArn": TASK, "taskDefinitionArn": 5}], "failures": []}
    if op == "DescribeTasks" and m == "types-taskdef":
        return {"tasks": [{"taskArn": TASK, "taskDefinitionArn": "arn:td/x:1"}], "failures": []}
    if op == "DescribeTaskDefinition" and m == "types-taskdef":
        return {"taskDefinition": None}
    return {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        st = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 20)).decode("utf-8", "replace")
        target = self.headers.get("X-Amz-Target")
        if target:
            api = target.split(".")[-1]
        else:
            api = urllib.parse.parse_qs(body).get("Action", [""])[0]
        if st.log:
            with st.lock, open(st.log, "a") as f:
                f.write(api + "\n")
        if api == "GetCallerIdentity":
            return self.send(STS_OK.encode(), "text/xml")
        if st.mode == "short-body":
            return self.short_body()
        if st.mode == "trickle":
            return self.trickle()
        if st.mode == "garbage":
            return self.send(b"\x00\xff<<not {xml or json", "text/xml")
        if target:
            data = json.dumps(json_answer(st, api)).encode()
            return self.send(data, "application/x-amz-json-1.1")
        return self.send(query_answer(st, api).encode(), "text/xml")

    def send(self, data, ctype):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def short_body(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"<DescribeNetworkInterfacesResponse>")
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def trickle(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        end = time.time() + 120
        try:
            while time.time() < end:
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass
        self.close_connection = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--page-kib", type=int, default=1024, help="fresh-token: KiB per page")
    ap.add_argument("--log", help="append each request's API here")
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(a.mode, a.page_kib, a.log)
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os

    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
