#!/usr/bin/env python3
"""Helpers for replay_kill.sh (stdlib only).

  replay_kill.py spool DIR KEY N KIND    writes one spool segment for KEY
      holding N events (ids 000000..N-1) in the format of src/report/spool.h:
      KIND syslog (RFC 5424 lines) or hec (HEC event objects).
  replay_kill.py syslog PORTFILE COUNTFILE RATE
      an octet-counted (RFC 6587) syslog receiver on 127.0.0.1 that reads at
      most RATE events a second (a slow receiver keeps the sender's queue
      full) and keeps COUNTFILE at "total unique" (rewritten as it goes).
"""
import os
import socket
import struct
import sys
import threading
import time
import zlib

MAGIC = b"EPSPOOL1"


def spool(d, key, n, kind):
    kb = key.encode()
    hdr_len = 22 + len(kb)
    hdr = MAGIC + struct.pack("<Q", hdr_len) + struct.pack("<I", zlib.crc32(struct.pack("<Q", hdr_len)))
    hdr += struct.pack("<H", len(kb)) + kb
    h = 0xCBF29CE484222325
    readable = ""
    for c in key:
        h = ((h ^ ord(c)) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        if len(readable) < 40:
            readable += c if (c.isascii() and c.isalnum()) or c in "-+" else "_"
    path = os.path.join(d, "%s-%016x.%020d.%d.spool" % (readable, h, time.time_ns(), os.getpid()))
    out = [hdr]
    for i in range(n):
        eid = ("ev%06d" % i).encode()
        if kind == "syslog":
            data = b"<134>1 2026-12-07T08:00:00Z host ecsprobe - result [ecsprobe@32473 id=\"%s\"] replay test event" % eid
        else:
            data = b'{"time":1796630400,"host":"h","source":"ecsprobe","sourcetype":"ecsprobe:result","event":{"id":"%s"}}' % eid
        rec = struct.pack("<I", len(data)) + bytes([len(eid)]) + eid + data
        out.append(rec + struct.pack("<I", zlib.crc32(rec)))
    with open(path, "wb") as f:
        f.write(b"".join(out))
    os.chmod(path, 0o600)


class Count:
    def __init__(self, path):
        self.path, self.total, self.ids, self.lock = path, 0, set(), threading.Lock()

    def add(self, ids):
        with self.lock:
            self.total += len(ids)
            self.ids.update(ids)
            tmp = self.path + ".tmp"
            with open(tmp, "w") as f:
                f.write("%d %d\n" % (self.total, len(self.ids)))
            os.replace(tmp, self.path)


def serve_conn(conn, count, rate):
    buf = b""
    chunk = max(1024, rate * 150 // 50)  # about 1/50 s of events per read
    while True:
        t0 = time.monotonic()
        data = conn.recv(chunk)
        if not data:
            break
        buf += data
        ids = []
        while True:
            sp = buf.find(b" ")
            if sp < 0:
                break
            ln = int(buf[:sp])
            if len(buf) < sp + 1 + ln:
                break
            msg = buf[sp + 1 : sp + 1 + ln]
            buf = buf[sp + 1 + ln :]
            i = msg.find(b'id="')
            ids.append(msg[i + 4 : msg.find(b'"', i + 4)])
        if ids:
            count.add(ids)
            time.sleep(max(0.0, len(ids) / rate - (time.monotonic() - t0)))
    conn.close()


def syslog(portfile, countfile, rate):
    count = Count(countfile)
    count.add([])
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.replace(portfile + ".tmp", portfile)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve_conn, args=(c, count, rate), daemon=True).start()


if __name__ == "__main__":
    if sys.argv[1] == "spool":
        spool(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        syslog(sys.argv[2], sys.argv[3], int(sys.argv[4]))
