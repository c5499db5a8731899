#!/usr/bin/env python3
"""tests/e2e/syn_frames.py IFNAME SECONDS - what the SYNs arriving on IFNAME
mean, one normalized line per distinct header shape (sorted), for comparing
the send paths: IP version, header length, TOS/traffic class, total or
payload length, DF, TTL/hop limit, protocol, IP header checksum valid, TCP
header length, flags, window, options, TCP checksum valid (pseudo-header),
and whether the IPv4 ID / IPv6 flow label vary between packets.  Ports,
addresses and sequence numbers differ per probe and are left out."""
import select
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def tcp_shape(tcp, pseudo):
    off = (tcp[12] >> 4) * 4
    ok = csum(pseudo + tcp) == 0xFFFF
    return "thl=%d flags=%02x win=%d opts=%s tcpsum=%s" % (
        off, tcp[13], struct.unpack("!H", tcp[14:16])[0], tcp[20:off].hex(), "ok" if ok else "BAD")


def main():
    ifname, secs = sys.argv[1], float(sys.argv[2])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.bind((ifname, 0))
    shapes, ids, labels = set(), set(), set()
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([s], [], [], 0.1)
        if not r:
            continue
        f, addr = s.recvfrom(2048)
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        et, ip = f[12:14], f[14:]
        if et == b"\x08\x00" and len(ip) >= 40:
            ihl = (ip[0] & 15) * 4
            tot = struct.unpack("!H", ip[2:4])[0]
            tcp = ip[ihl:tot]
            if ip[9] != 6 or len(tcp) < 20 or not tcp[13] & 2:
                continue
            pseudo = ip[12:20] + struct.pack("!BBH", 0, 6, len(tcp))
            ids.add(ip[4:6])
            shapes.add("v4 ihl=%d tos=%d len=%d df=%d ttl=%d proto=%d ipsum=%s %s" % (
                ihl, ip[1], tot, (ip[6] >> 6) & 1, ip[8], ip[9],
                "ok" if csum(ip[:ihl]) == 0xFFFF else "BAD", tcp_shape(tcp, pseudo)))
        elif et == b"\x86\xdd" and len(ip) >= 60:
            plen = struct.unpack("!H", ip[4:6])[0]
            tcp = ip[40:40 + plen]
            if ip[6] != 6 or len(tcp) < 20 or not tcp[13] & 2:
                continue
            pseudo = ip[8:40] + struct.pack("!IxxxB", len(tcp), 6)
            labels.add(struct.unpack("!I", ip[0:4])[0] & 0xFFFFF)
            shapes.add("v6 tc=%d plen=%d hlim=%d nh=%d %s" % (
                (struct.unpack("!I", ip[0:4])[0] >> 20) & 0xFF, plen, ip[7], ip[6],
                tcp_shape(tcp, pseudo)))
    for line in sorted(shapes):
        print(line)
    print("v4 ids vary: %s" % (len(ids) > 1))
    print("v6 flow labels set: %s" % (len(labels) > 0 and 0 not in labels))


main()
