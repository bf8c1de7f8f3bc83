#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of fuzz_mh (test/fuzz/corpus/mh/*.bin): one Mobility Header per
file, laid out per RFC 6275 §6.1-6.2 by this independent encoder (standard library only), with
the checksum computed for the addresses fuzz_mh.c uses (2001:db8:ff::c -> 2001:db8:2::1).

    python3 test/fuzz/gen_mh_corpus.py            # rewrites test/fuzz/corpus/mh/
"""
import os
import socket
import struct
import sys

SRC, DST = "2001:db8:ff::c", "2001:db8:2::1"


def a(s):
    return socket.inet_pton(socket.AF_INET6, s)


def checksum(src, dst, mh):
    data = a(src) + a(dst) + struct.pack("!IxxxB", len(mh), 135) + mh
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


# Options: (type, x, y, data); the Type octet is padded to xn+y from the start of the MH.
def hnp(t, plen, p):
    return (t, 8, 4, struct.pack("!BB", 0, plen) + a(p))


def addr(t, s):
    return (t, 8, 6, a(s))


def lladdr(t, mac):
    return (t, 1, 0, b"\0\0" + bytes.fromhex(mac.replace(":", "")))


def mnid(nai):
    return (8, 1, 0, b"\x01" + nai.encode())


def hi(v):
    return (23, 1, 0, bytes([0, v]))


def att(v):
    return (24, 1, 0, bytes([0, v]))


def ts(v):
    return (27, 8, 2, struct.pack("!Q", v))


def pmaar(addr_, plen, p):
    return (67, 8, 4, struct.pack("!BB", 0, plen) + a(addr_) + a(p))


def restart(v):
    return (28, 4, 2, struct.pack("!I", v))


def pad(n):
    if n == 0:
        return b""
    if n == 1:
        return b"\0"
    return bytes([1, n - 2]) + bytes(n - 2)


def mh(mh_type, fixed, opts):
    body = bytearray(struct.pack("!BBBBH", 59, 0, mh_type, 0, 0) + fixed)
    for t, x, y, data in opts:
        body += pad((y - len(body)) % x)
        body += bytes([t, len(data)]) + data
    body += pad(-len(body) % 8)
    body[1] = len(body) // 8 - 1
    c = checksum(SRC, DST, bytes(body))
    body[4:6] = struct.pack("!H", c)
    return bytes(body)


def pbu(seq, flags, lifetime, opts):
    return mh(5, struct.pack("!HHH", seq, flags, lifetime), opts)


def pba(status, flags, seq, lifetime, opts):
    return mh(6, struct.pack("!BBHH", status, flags, seq, lifetime), opts)


APD, PD = 0x8210, 0x22
TS = 0x0000650000008000
BASE1 = [hnp(22, 64, "2001:db8:1:100::"), ts(TS), hi(1), att(3), mnid("mn1@example.com")]
BASE2 = [hnp(22, 64, "2001:db8:2:100::"), ts(TS + 1), hi(3), att(3), mnid("mn1@example.com")]

SEEDS = {
    # §2.1(a): MAAR1 -> CMD, initial registration, and the CMD's answer
    "pbu-initial": pbu(1, APD, 900, BASE1),
    "pba-initial": pba(0, PD, 1, 900, BASE1),
    # §2.1(b) step 2: the relayed PBU to the P-MAAR, with Serving MAAR
    "pbu-relayed": pbu(7, APD, 900, BASE2 + [addr(68, "2001:db8:2::1")]),
    # step 3: the P-MAAR's PBA, with its DLIF identity and a local prefix
    "pba-pmaar": pba(0, PD, 7, 900, [hnp(22, 64, "2001:db8:1:100::"), ts(TS + 1), hi(3), att(3),
                                     mnid("mn1@example.com"), addr(68, "2001:db8:2::1"),
                                     addr(69, "fe80::1:1"), lladdr(70, "02:00:5e:00:01:01"),
                                     hnp(66, 49, "2001:db8:1:8000::")]),
    # step 4: PROTOCOL.md §2.2's example, the merged PBA to the S-MAAR (two P-MAARs here)
    "pba-relay": pba(0, PD, 7, 900, BASE2 + [
        pmaar("2001:db8:1::1", 64, "2001:db8:1:100::"), addr(69, "fe80::1:1"),
        lladdr(70, "02:00:5e:00:01:01"),
        pmaar("2001:db8:3::1", 64, "2001:db8:3:100::"),
        hnp(65, 64, "2001:db8:1:100::")]),
    # every remaining RFC 5213 option
    "pbu-all": pbu(9, APD, 0, BASE2 + [lladdr(25, "02:00:00:00:00:01"), addr(26, "fe80::2"),
                                       addr(3, "2001:db8:2::2")]),
    # RFC 5213 §5.3.6: a PBU without MN-ID is answered with an empty identifier
    "pba-160": pba(160, PD, 3, 0, [hnp(22, 0, "::"), (8, 1, 0, b"\x01"), hi(0), att(0)]),
    # RFC 5847
    "hb-request": mh(13, struct.pack("!HI", 0, 1), []),
    "hb-response": mh(13, struct.pack("!HI", 3, 1), [restart(5)]),
    # RFC 6275 §6.1.9: Binding Error, unrecognized MH type
    "be-2": mh(7, struct.pack("!BB", 2, 0) + a("::"), []),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "mh")
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        assert len(data) % 8 == 0 and len(data) <= 2048, name
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS), out), file=sys.stderr)


if __name__ == "__main__":
    main()
