# SPDX-License-Identifier: BSD-3-Clause
"""The MAARs' side of cmd_smoke.sh and cmd_heartbeat.sh (imported; cmd_lib.sh puts this folder
on PYTHONPATH): raw IPv6 sockets with protocol 135 (Mobility Header) bound to a MAAR's address,
the PBU and Heartbeat messages they send, and the CMD's control socket.

Messages are laid out here from the RFCs (RFC 6275 §6.1/§6.2 alignment and padding, RFC 5213
§8.1 PBU, RFC 5847 §3 Heartbeat), not with common/dmm_mh.c, so the daemon's codec is not
checked against itself.
"""
import json
import socket
import struct
import sys
import time

CMD = "2001:db8:ff::100"


def raw(src, timeout=2):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
    s.setsockopt(socket.IPPROTO_IPV6, 7, 4)  # IPV6_CHECKSUM: kernel computes and verifies it
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((src, 0))
    s.settimeout(timeout)
    return s


def pad_to(body, mod, rem):
    need = (rem - (6 + len(body))) % mod  # Pad1 or PadN up to the option's alignment
    if need == 1:
        body += bytes([0])
    elif need:
        body += bytes([1, need - 2]) + bytes(need - 2)
    return body


def finish(mhtype, body):
    """Pads the message to 8n octets (RFC 6275 §6.1.1) and puts the MH header in front."""
    body = pad_to(body, 8, 0)
    return bytes([59, (6 + len(body)) // 8 - 1, mhtype, 0, 0, 0]) + body


def hb(flags, seq, counter=None):
    body = struct.pack("!HI", flags, seq)
    if counter is not None:
        body = pad_to(body, 4, 2) + bytes([28, 4]) + struct.pack("!I", counter)
    return finish(13, body)


def parse_hb(data):
    """(flags, seq, restart counter or None) of a Heartbeat; None if not one."""
    if len(data) < 12 or data[2] != 13:
        return None
    flags, seq = struct.unpack("!HI", data[6:12])
    i, rc = 12, None
    while i < len(data):
        if data[i] == 0:
            i += 1
            continue
        t, l = data[i], data[i + 1]
        if t == 28 and l == 4:
            rc = struct.unpack("!I", data[i + 2:i + 6])[0]
        i += 2 + l
    return flags & 3, seq, rc


def pbu(seq, nai=b"mn1@example.net", hnp="2001:db8:1::", units=900):
    """A PBU with flags A|P|D, lifetime in 4 s units (900 = 3600 s), HNP PREFIX/64 (the MAAR
    allocates and anchors it, the CMD only records it), MN-ID NAI, HI 1, ATT 3, Timestamp."""
    body = struct.pack("!HHH", seq, 0x8210, units)
    body += bytes([22, 18, 0, 64]) + socket.inet_pton(socket.AF_INET6, hnp)  # HNP at 8n+4
    body += bytes([8, 1 + len(nai), 1]) + nai  # MN-ID, NAI
    body += bytes([23, 2, 0, 1, 24, 2, 0, 3])  # HI new iface, ATT 802.3
    body = pad_to(body, 8, 2)  # Timestamp at 8n+2, 48.16 s since 1970
    body += bytes([27, 8]) + struct.pack("!Q", int(time.time() * 65536))
    return finish(5, body)


def ctl(sock_path, req):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(5)
    c.connect(sock_path)
    c.sendall(req.encode() + b"\n")
    out = b""
    while True:
        b = c.recv(65536)
        if not b:
            break
        out += b
    return json.loads(out)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        sys.exit(1)


def recv_hb(s, until, want):
    """Heartbeats from the CMD on s until time `until`; stop at the first for which want()."""
    got = []
    while time.time() < until:
        s.settimeout(max(0.01, until - time.time()))
        try:
            data, addr = s.recvfrom(4096)
        except socket.timeout:
            break
        h = parse_hb(data)
        if addr[0] != CMD or h is None:
            continue
        got.append((len(data),) + h)
        if want(got[-1]):
            break
    return got
