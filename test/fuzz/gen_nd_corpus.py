#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpus of fuzz_nd (test/fuzz/corpus/nd/*.bin) with scapy, an encoder
independent of common/dmm_nd.c. Each file is one selector octet (fuzz_nd.c: low 2 bits = the
address pair the checksum is computed for, bit 7 = hop limit 64) then the ICMPv6 message.

    /usr/bin/python3 test/fuzz/gen_nd_corpus.py             # rewrites test/fuzz/corpus/nd/
    /usr/bin/python3 test/fuzz/gen_nd_corpus.py --vectors   # the scapy vectors of test_nd.c
"""
import os
import sys

from scapy.layers.inet6 import (
    IPv6, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_Redirect, ICMPv6ND_RS,
    ICMPv6NDOptDstLLAddr, ICMPv6NDOptMTU, ICMPv6NDOptPrefixInfo, ICMPv6NDOptRDNSS,
    ICMPv6NDOptRouteInfo, ICMPv6NDOptSrcLLAddr)

# The address pairs of fuzz_nd.c, by selector.
PAIRS = [("fe80::1", "ff02::1"), ("fe80::1", "fe80::2"), ("::", "ff02::1:ff00:2"),
         ("2001:db8::1", "2001:db8::2")]


def ip(sel):
    s, d = PAIRS[sel & 3]
    return IPv6(src=s, dst=d, hlim=255)


def ra_full(sel, rio_len=True):
    kw = [dict(len=2), dict(len=1), dict(len=3)] if rio_len else [{}, {}, {}]
    return (ip(sel) / ICMPv6ND_RA(chlim=64, M=1, O=0, prf=1, routerlifetime=1800,
                                  reachabletime=30000, retranstimer=1000)
            / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:01") / ICMPv6NDOptMTU(mtu=1500)
            / ICMPv6NDOptPrefixInfo(prefix="2001:db8:1::", prefixlen=64, L=1, A=1,
                                    validlifetime=86400, preferredlifetime=14400)
            / ICMPv6NDOptRouteInfo(prefix="2001:db8:2::", plen=48, prf=3, rtlifetime=600,
                                   **kw[0])
            / ICMPv6NDOptRouteInfo(prefix="::", plen=0, prf=0, rtlifetime=0xffffffff, **kw[1])
            / ICMPv6NDOptRouteInfo(prefix="2001:db8:3::1", plen=128, prf=1, rtlifetime=60,
                                   **kw[2]))


SEEDS = {
    "ra-full": (0, lambda s: ra_full(s)),
    "ra-rio-len3": (0, lambda s: ra_full(s, rio_len=False)),
    "ra-dlif-deprecated": (1, lambda s: ip(s) / ICMPv6ND_RA(routerlifetime=1800)
                           / ICMPv6NDOptSrcLLAddr(lladdr="02:dd:00:00:00:01")
                           / ICMPv6NDOptPrefixInfo(prefix="2001:db8:1::", prefixlen=64, L=1,
                                                   A=1, validlifetime=3600,
                                                   preferredlifetime=0)),
    "ra-rdnss": (0, lambda s: ip(s) / ICMPv6ND_RA() / ICMPv6NDOptRDNSS(dns=["2001:db8::53"])),
    "rs": (1, lambda s: ip(s) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:02")),
    "rs-unspec": (2, lambda s: ip(s) / ICMPv6ND_RS()),
    "ns-dad": (2, lambda s: ip(s) / ICMPv6ND_NS(tgt="2001:db8:1::2")),
    "ns": (3, lambda s: ip(s) / ICMPv6ND_NS(tgt="2001:db8::2")
           / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:03")),
    "na": (1, lambda s: ip(s) / ICMPv6ND_NA(R=1, S=1, O=1, tgt="fe80::1")
           / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:01")),
    "na-unsolicited": (0, lambda s: ip(s) / ICMPv6ND_NA(R=1, S=0, O=1, tgt="fe80::1")
                       / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:01")),
    "redirect": (1, lambda s: ip(s) / ICMPv6ND_Redirect(tgt="fe80::9", dst="2001:db8:5::5")
                 / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:09")),
}

# The vectors of test/unit/test_nd.c: (name, packet with its own addresses).
VECTORS = [
    ("scapy_ra", ra_full(0)),
    ("scapy_ra_rio3", ra_full(0, rio_len=False)),
    ("scapy_ns_dad", IPv6(src="::", dst="ff02::1:ff00:2") / ICMPv6ND_NS(tgt="2001:db8:1::2")),
    ("scapy_na", IPv6(src="fe80::1", dst="fe80::2") / ICMPv6ND_NA(R=1, S=1, O=1, tgt="fe80::1")
     / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:01")),
    ("scapy_rs", IPv6(src="fe80::2", dst="ff02::2") / ICMPv6ND_RS()
     / ICMPv6NDOptSrcLLAddr(lladdr="02:00:00:00:00:02")),
    ("scapy_redirect", IPv6(src="fe80::1", dst="2001:db8:1::2")
     / ICMPv6ND_Redirect(tgt="fe80::9", dst="2001:db8:5::5")
     / ICMPv6NDOptDstLLAddr(lladdr="02:00:00:00:00:09")),
]


def payload(pkt):
    # bytes() makes scapy compute lengths and the checksum over the pseudo-header
    return bytes(IPv6(bytes(pkt)).payload)


def main():
    if sys.argv[1:] == ["--vectors"]:
        for name, pkt in VECTORS:
            b = payload(pkt)
            print("static const uint8_t %s[] = {%s};" % (name, ", ".join("0x%02x" % x for x in b)))
        return
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "nd")
    os.makedirs(out, exist_ok=True)
    for name, (sel, make) in SEEDS.items():
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(bytes([sel]) + payload(make(sel)))


if __name__ == "__main__":
    main()
