#!/usr/bin/env python3
"""udp_responders: small, faithful UDP servers for ecsprobe's test lab.

usage: udp_responders.py [-r READYFILE] SPECFILE

SPECFILE lines are "ADDRESS PORT KIND" ('#' starts a comment).  One UDP
socket is bound on each (ADDRESS, PORT); KIND says how it answers:

  dns   a DNS server (RFC 1035): QUERY opcode only; "version.bind" CH TXT
        gets a TXT answer, IN A / AAAA queries get an authoritative answer
        (192.0.2.53 / 2001:db8::53), other IN types an empty NOERROR, other
        CH names REFUSED; other opcodes NOTIMP and malformed queries FORMERR
        (as BIND does, e.g. nmap's header-only status probe).  Responses
        (QR=1) are never answered.
  ntp   an NTPv4 server (RFC 5905): a mode 3 (client) packet of >= 48 bytes
        gets a 48-byte mode 4 (server) reply, stratum 2, whose origin
        timestamp is the request's transmit timestamp.  Other modes: silence.
  snmp  an SNMP agent with community "public" (RFC 1157 / 3416): v1 and v2c
        GetRequest / GetNextRequest / GetBulkRequest over a small system MIB
        get a GetResponse (v1: noSuchName error; v2c: noSuchObject /
        endOfMibView), other communities are silently dropped (net-snmp does
        the same); an SNMPv3 discovery request (reportable, unknown engine)
        gets a Report with usmStatsUnknownEngineIDs, as RFC 3414 says.
  echo  answers every datagram, even an empty one, with its own bytes.

When every socket is bound, READYFILE is created (or "ready" is printed).
SIGTERM / SIGINT end the program (exit 0) after printing one line per KIND
with the number of answers sent to stderr.  A bind failure prints one line
naming ADDRESS:PORT and exits with status 2.  Python 3 standard library only.
"""

import selectors
import signal
import socket
import struct
import sys
import time

NTP_EPOCH = 2208988800  # seconds from 1900-01-01 to 1970-01-01

# ---------------------------------------------------------------- DNS


def dns_name(msg, off):
    """Reads an uncompressed query name; returns (lowercase name, next off)."""
    labels = []
    while True:
        if off >= len(msg):
            raise ValueError("truncated name")
        n = msg[off]
        off += 1
        if n == 0:
            break
        if n & 0xC0 or off + n > len(msg) or len(labels) > 127:
            raise ValueError("bad label")
        labels.append(msg[off:off + n].decode("ascii", "replace").lower())
        off += n
    return ".".join(labels), off


def dns_answer(msg):
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    if flags & 0x8000:  # a response: never answer (no reflection loops)
        return None
    opcode = (flags >> 11) & 0xF
    rd = flags & 0x0100

    def header(rcode, an=0, qdc=0, aa=0):
        f = 0x8000 | (opcode << 11) | (aa << 10) | rd | rcode
        return struct.pack("!HHHHHH", qid, f, qdc, an, 0, 0)

    if opcode != 0:
        return header(4)  # NOTIMP
    if qd != 1:
        return header(1)  # FORMERR
    try:
        name, off = dns_name(msg, 12)
        if off + 4 > len(msg):
            raise ValueError("truncated question")
        qtype, qclass = struct.unpack("!HH", msg[off:off + 4])
    except ValueError:
        return header(1)
    question = msg[12:off + 4]
    rr = None
    if qclass == 3:  # CHAOS
        if name in ("version.bind", "version.server") and qtype in (16, 255):
            txt = b"ecsprobe-lab-dns 1.0"
            rr = struct.pack("!HHHIHB", 0xC00C, 16, 3, 0, len(txt) + 1, len(txt)) + txt
        else:
            return header(5, qdc=1) + question  # REFUSED
    elif qclass == 1:
        if qtype == 1:
            rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_pton(socket.AF_INET, "192.0.2.53")
        elif qtype == 28:
            rr = struct.pack("!HHHIH", 0xC00C, 28, 1, 60, 16) + socket.inet_pton(socket.AF_INET6, "2001:db8::53")
    else:
        return header(5, qdc=1) + question
    if rr is None:
        return header(0, qdc=1, aa=1) + question
    return header(0, an=1, qdc=1, aa=1) + question + rr


# ---------------------------------------------------------------- NTP


def ntp_ts(t):
    sec = int(t)
    return struct.pack("!II", (sec + NTP_EPOCH) & 0xFFFFFFFF, int((t - sec) * 4294967296) & 0xFFFFFFFF)


def ntp_answer(msg):
    if len(msg) < 48:
        return None
    vn = (msg[0] >> 3) & 7
    mode = msg[0] & 7
    if mode != 3 or vn < 1:
        return None
    now = time.time()
    head = struct.pack("!BBbb", (0 << 6) | (vn << 3) | 4, 2, msg[2], -20)
    head += struct.pack("!II", 0x00000200, 0x00000400)  # root delay / dispersion
    head += socket.inet_pton(socket.AF_INET, "198.51.100.1")  # reference id (upstream)
    return head + ntp_ts(now - 16) + msg[40:48] + ntp_ts(now) + ntp_ts(time.time())


# ---------------------------------------------------------------- SNMP (BER)


def ber_read(buf, off, end):
    """Returns (tag, content_start, content_end)."""
    if off + 2 > end:
        raise ValueError("truncated TLV")
    tag = buf[off]
    n = buf[off + 1]
    off += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 3 or off + k > end:
            raise ValueError("bad length")
        n = int.from_bytes(buf[off:off + k], "big")
        off += k
    if off + n > end:
        raise ValueError("truncated value")
    return tag, off, off + n


def ber(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(nb)]) + nb + content


def ber_int(v, tag=0x02):
    n = max(1, (v.bit_length() + 8) // 8)
    return ber(tag, v.to_bytes(n, "big", signed=True))


def ber_uint(v, tag):
    raw = v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")
    if raw[0] & 0x80:
        raw = b"\x00" + raw
    return ber(tag, raw)


def oid_decode(b):
    if not b:
        raise ValueError("empty OID")
    out = [b[0] // 40, b[0] % 40] if b[0] < 80 else [2, b[0] - 80]
    v = 0
    for x in b[1:]:
        v = (v << 7) | (x & 0x7F)
        if not x & 0x80:
            out.append(v)
            v = 0
    return tuple(out)


def oid_encode(t):
    out = bytearray([t[0] * 40 + t[1]])
    for v in t[2:]:
        chunk = [v & 0x7F]
        v >>= 7
        while v:
            chunk.append(0x80 | (v & 0x7F))
            v >>= 7
        out += bytes(reversed(chunk))
    return ber(0x06, bytes(out))


START = time.time()
SYS = (1, 3, 6, 1, 2, 1, 1)
MIB = {
    SYS + (1, 0): lambda: ber(0x04, b"ecsprobe lab SNMP agent (tests/lab/udp_responders.py)"),
    SYS + (2, 0): lambda: oid_encode((1, 3, 6, 1, 4, 1, 8072, 3, 2, 10)),
    SYS + (3, 0): lambda: ber_uint(int((time.time() - START) * 100) & 0xFFFFFFFF, 0x43),
    SYS + (4, 0): lambda: ber(0x04, b"lab@example.invalid"),
    SYS + (5, 0): lambda: ber(0x04, b"eplab"),
    SYS + (6, 0): lambda: ber(0x04, b"network namespace"),
    SYS + (7, 0): lambda: ber_int(72),
}
MIB_KEYS = sorted(MIB)
ENGINE_ID = bytes.fromhex("80001f8880") + b"eplab-engine"
USM_UNKNOWN_ENGINE_IDS = (1, 3, 6, 1, 6, 3, 15, 1, 1, 4, 0)
unknown_engine_ids = 0


def snmp_v3_report(msg, off, end):
    global unknown_engine_ids
    tag, hs, he = ber_read(msg, off, end)  # msgGlobalData
    t, s, e = ber_read(msg, hs, he)
    msg_id = int.from_bytes(msg[s:e], "big", signed=True)
    t, s, e = ber_read(msg, e, he)  # msgMaxSize
    t, s, e = ber_read(msg, e, he)  # msgFlags
    flags = msg[s] if e > s else 0
    t, s, e = ber_read(msg, e, he)  # msgSecurityModel
    if not flags & 0x04 or int.from_bytes(msg[s:e], "big") != 3:
        return None  # not reportable, or not USM
    t, s, e = ber_read(msg, he, end)  # msgSecurityParameters (OCTET STRING)
    t2, s2, e2 = ber_read(msg, s, e)
    t3, s3, e3 = ber_read(msg, s2, e2)  # msgAuthoritativeEngineID
    if e3 > s3:
        return None  # already knows an engine: no discovery
    if flags & 0x02:
        return None  # encrypted scoped PDU
    t, s, e = ber_read(msg, e, end)  # ScopedPDU
    t, s1, e1 = ber_read(msg, s, e)  # contextEngineID
    t, s1, e1 = ber_read(msg, e1, e)  # contextName
    t, ps, pe = ber_read(msg, e1, e)  # PDU
    t, s1, e1 = ber_read(msg, ps, pe)
    req_id = int.from_bytes(msg[s1:e1], "big", signed=True)
    unknown_engine_ids += 1
    vb = ber(0x30, oid_encode(USM_UNKNOWN_ENGINE_IDS) + ber_uint(unknown_engine_ids, 0x41))
    pdu = ber(0xA8, ber_int(req_id) + ber_int(0) + ber_int(0) + ber(0x30, vb))
    scoped = ber(0x30, ber(0x04, ENGINE_ID) + ber(0x04, b"") + pdu)
    boots_time = ber_int(1) + ber_int(int(time.time() - START))
    usm = ber(0x30, ber(0x04, ENGINE_ID) + boots_time + ber(0x04, b"") + ber(0x04, b"") + ber(0x04, b""))
    header = ber(0x30, ber_int(msg_id) + ber_int(65507) + ber(0x04, b"\x00") + ber_int(3))
    return ber(0x30, ber_int(3) + header + ber(0x04, usm) + scoped)


def snmp_answer(msg):
    try:
        tag, off, end = ber_read(msg, 0, len(msg))
        if tag != 0x30:
            return None
        t, s, e = ber_read(msg, off, end)
        if t != 0x02:
            return None
        version = int.from_bytes(msg[s:e], "big", signed=True)
        if version == 3:
            return snmp_v3_report(msg, e, end)
        if version not in (0, 1):
            return None
        t, s, e = ber_read(msg, e, end)
        if t != 0x04 or msg[s:e] != b"public":
            return None
        pdu_tag, ps, pe = ber_read(msg, e, end)
        if pdu_tag not in (0xA0, 0xA1, 0xA5) or (pdu_tag == 0xA5 and version == 0):
            return None
        t, s, e = ber_read(msg, ps, pe)
        req_id = int.from_bytes(msg[s:e], "big", signed=True)
        t, s, e = ber_read(msg, e, pe)  # error-status / non-repeaters
        t, s, e = ber_read(msg, e, pe)  # error-index / max-repetitions
        t, vs, ve = ber_read(msg, e, pe)  # varbind list
        oids = []
        off = vs
        while off < ve:
            t, bs, be = ber_read(msg, off, ve)
            t, os_, oe = ber_read(msg, bs, be)
            if t != 0x06:
                return None
            oids.append(oid_decode(msg[os_:oe]))
            off = be
    except (ValueError, IndexError):
        return None
    err_status = err_index = 0
    binds = []
    for i, oid in enumerate(oids):
        if pdu_tag == 0xA0:
            if oid in MIB:
                binds.append(oid_encode(oid) + MIB[oid]())
                continue
            if version == 1:
                binds.append(oid_encode(oid) + ber(0x80, b""))  # noSuchObject
                continue
        else:
            nxt = next((k for k in MIB_KEYS if k > oid), None)
            if nxt is not None:
                binds.append(oid_encode(nxt) + MIB[nxt]())
                continue
            if version == 1:
                binds.append(oid_encode(oid) + ber(0x82, b""))  # endOfMibView
                continue
        if not err_status:
            err_status, err_index = 2, i + 1  # v1 noSuchName
        binds.append(oid_encode(oid) + ber(0x05, b""))
    if err_status:  # v1: echo the request's varbinds with the error
        binds = [oid_encode(o) + ber(0x05, b"") for o in oids]
    vbl = ber(0x30, b"".join(ber(0x30, b) for b in binds))
    pdu = ber(0xA2, ber_int(req_id) + ber_int(err_status) + ber_int(err_index) + vbl)
    return ber(0x30, ber_int(version) + ber(0x04, b"public") + pdu)


def echo_answer(msg):
    return bytes(msg)


KINDS = {"dns": dns_answer, "ntp": ntp_answer, "snmp": snmp_answer, "echo": echo_answer}

# ---------------------------------------------------------------- main


def read_spec(path):
    out = []
    with open(path, encoding="ascii") as f:
        for lineno, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if len(words) != 3 or words[2] not in KINDS:
                sys.exit(f"udp_responders: {path}:{lineno}: expected 'ADDRESS PORT dns|ntp|snmp|echo'")
            try:
                port = int(words[1])
                if not 1 <= port <= 65535:
                    raise ValueError
            except ValueError:
                sys.exit(f"udp_responders: {path}:{lineno}: bad port '{words[1]}'")
            out.append((words[0], port, words[2]))
    return out


def main(argv):
    ready = None
    args = argv[1:]
    if len(args) >= 2 and args[0] == "-r":
        ready = args[1]
        args = args[2:]
    if len(args) != 1:
        sys.stderr.write("usage: udp_responders.py [-r READYFILE] SPECFILE\n")
        return 2
    spec = read_spec(args[0])
    sel = selectors.DefaultSelector()
    for addr, port, kind in spec:
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        try:
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((addr, port))
        except OSError as e:
            sys.stderr.write(f"udp_responders: bind {addr}:{port}: {e.strerror}\n")
            return 2
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, KINDS[kind])
    answered = {k: 0 for k in KINDS}
    names = {fn: k for k, fn in KINDS.items()}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    if ready:
        with open(ready, "w", encoding="ascii") as f:
            f.write("ready\n")
    else:
        print("ready", flush=True)
    while not stop:
        try:
            events = sel.select(timeout=0.5)
        except InterruptedError:
            continue
        for key, _ in events:
            for _ in range(64):  # drain, bounded
                try:
                    msg, peer = key.fileobj.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    break
                reply = key.data(msg)
                if reply is not None:
                    try:
                        key.fileobj.sendto(reply, peer)
                        answered[names[key.data]] += 1
                    except OSError:
                        pass
    for k in sorted(answered):
        sys.stderr.write(f"udp_responders: {k} answered {answered[k]}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
