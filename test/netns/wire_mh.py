# SPDX-License-Identifier: BSD-3-Clause
"""Mobility Header bytes for the wire-conformance test (test/netns/wire_conformance.sh).

Written from the RFC texts, independently of common/dmm_mh.c, so that the test does not
check the C codec against itself:
  * build(): MH type + fixed part + options, each option placed at its alignment
    (RFC 6275 §6.2, RFC 5213 §8, RFC 5847 §3.4, RFC 8885 §4), Pad1/PadN in between and at
    the end so the total is a multiple of 8 (RFC 6275 §6.1.1);
  * checksum(): RFC 6275 §6.1.1 (pseudo-header with next header 135, RFC 8200 §8.1);
  * parse(): a strict walk of any MH that reports every option with its offset, plus a
    list of problems (alignment, lengths, padding contents) instead of stopping.
"""
import socket
import struct

MH_BU, MH_BA, MH_BE, MH_HB = 5, 6, 7, 13
BU_A, BU_P, BU_D = 0x8000, 0x0200, 0x0010
BA_P, BA_D = 0x20, 0x02

# Option type -> (x, y): its Type octet must sit at offset xn+y from the start of the MH.
# PROTOCOL.md §3.2 / §2.2; 70 and 25 are "appropriate for the size": accepted anywhere (G9).
ALIGN = {3: (8, 6), 22: (8, 4), 26: (8, 6), 27: (8, 2), 28: (4, 2),
         65: (8, 4), 66: (8, 4), 67: (8, 4), 68: (8, 6), 69: (8, 6)}
# Fixed option Lengths (the Length octet); None = variable with a minimum.
FIXED_LEN = {3: 16, 22: 18, 23: 2, 24: 2, 26: 16, 27: 8, 28: 4,
             65: 18, 66: 18, 67: 34, 68: 16, 69: 16}
MIN_LEN = {8: 1, 25: 2, 70: 2}
FIXED_PART = {MH_BU: 6, MH_BA: 6, MH_BE: 18, MH_HB: 6}
NAMES = {MH_BU: "PBU", MH_BA: "PBA", MH_BE: "BE", MH_HB: "HB"}


def a6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def s6(b):
    return socket.inet_ntop(socket.AF_INET6, bytes(b))


def _pad(n):
    if n == 0:
        return b""
    if n == 1:
        return b"\x00"
    return bytes([1, n - 2]) + bytes(n - 2)


def build(mh_type, fixed, options, payload_proto=59):
    """options: list of (type, data bytes) or raw bytes (inserted as is, no alignment)."""
    body = b""
    base = 6 + len(fixed)
    for o in options:
        if isinstance(o, (bytes, bytearray)):
            body += o
            continue
        t, data = o
        x, y = ALIGN.get(t, (1, 0))
        body += _pad((y - (base + len(body))) % x)
        body += bytes([t, len(data)]) + data
    body += _pad((-(base + len(body))) % 8)
    total = base + len(body)
    return bytearray([payload_proto, total // 8 - 1, mh_type, 0, 0, 0]) + fixed + body


def checksum(src, dst, mh):
    """RFC 6275 §6.1.1 over mh as it is (set the Checksum field to 0 to compute one)."""
    data = a6(src) + a6(dst) + struct.pack("!I", len(mh)) + b"\x00\x00\x00\x87" + bytes(mh)
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def seal(src, dst, mh):
    mh = bytearray(mh)
    mh[4:6] = b"\x00\x00"
    mh[4:6] = struct.pack("!H", checksum(src, dst, mh))
    return bytes(mh)


# ---- option constructors (data part only)
def o_hnp(prefix, plen=64):
    return (22, bytes([0, plen]) + a6(prefix))


def o_mnid(nai):
    return (8, bytes([1]) + nai)


def o_hi(v):
    return (23, bytes([0, v]))


def o_att(v):
    return (24, bytes([0, v]))


def o_ts(ts):
    return (27, struct.pack("!Q", ts))


def o_mnllid(mac):
    return (25, bytes(2) + mac)


def o_lla(addr):
    return (26, a6(addr))


def o_dlif_ll(addr):
    return (69, a6(addr))


def o_dlif_lla(mac):
    return (70, bytes(2) + mac)


def bu_fixed(seq, flags, units):
    return struct.pack("!HHH", seq, flags, units)


def ba_fixed(status, flags, seq, units):
    return struct.pack("!BBHH", status, flags, seq, units)


def hb_fixed(seq, response=False, unsolicited=False):
    return struct.pack("!HI", (2 if unsolicited else 0) | (1 if response else 0), seq)


def prefix_str(addr_bytes, plen):
    """addr/plen with the bits past plen cleared (receivers ignore them, RFC 8885 §4)."""
    v = int.from_bytes(addr_bytes, "big")
    if plen < 128:
        v &= ~((1 << (128 - plen)) - 1) & ((1 << 128) - 1)
    return "%s/%d" % (s6(v.to_bytes(16, "big")), plen)


def parse(mh):
    """Decode any MH. Returns a dict (fields + 'opts' + 'problems'); never raises."""
    mh = bytes(mh)
    r = {"problems": [], "opts": [], "len": len(mh)}
    p = r["problems"]
    if len(mh) < 8:
        p.append("MH shorter than 8 octets (%d)" % len(mh))
        return r
    r.update(proto=mh[0], hlen=mh[1], type=mh[2], reserved=mh[3],
             csum=struct.unpack("!H", mh[4:6])[0])
    if len(mh) % 8:
        p.append("total length %d not a multiple of 8" % len(mh))
    if (mh[1] + 1) * 8 != len(mh):
        p.append("Header Len %d says %d octets, the packet has %d"
                 % (mh[1], (mh[1] + 1) * 8, len(mh)))
    if mh[0] != 59:
        p.append("Payload Proto %d, expected 59" % mh[0])
    if mh[3] != 0:
        p.append("Reserved octet %d, expected 0" % mh[3])
    t = mh[2]
    fl = FIXED_PART.get(t)
    if fl is None:
        return r
    if len(mh) < 6 + fl:
        p.append("shorter than the fixed part")
        return r
    d = mh[6:6 + fl]
    if t == MH_BU:
        seq, flags, units = struct.unpack("!HHH", d)
        r.update(seq=seq, flags=flags, lifetime=units)
        if flags & 0x000F:
            p.append("reserved BU flag bits set: 0x%04x" % flags)
    elif t == MH_BA:
        st, flags, seq, units = struct.unpack("!BBHH", d)
        r.update(status=st, flags=flags, seq=seq, lifetime=units)
        if flags & 0x01:
            p.append("reserved BA flag bit set: 0x%02x" % flags)
    elif t == MH_BE:
        r.update(status=d[0], haddr=s6(d[2:18]))
    elif t == MH_HB:
        fl16, seq = struct.unpack("!HI", d)
        r.update(hb_flags=fl16, seq=seq, r=fl16 & 1, u=(fl16 >> 1) & 1)
        if fl16 & 0xFFFC:
            p.append("reserved Heartbeat bits set: 0x%04x" % fl16)
    off = 6 + fl
    while off < len(mh):
        ot = mh[off]
        if ot == 0:
            r["opts"].append({"type": 0, "off": off, "size": 1})
            off += 1
            continue
        if off + 2 > len(mh):
            p.append("option %d at %d: no room for its Length octet" % (ot, off))
            break
        ol = mh[off + 1]
        if off + 2 + ol > len(mh):
            p.append("option %d at %d: Length %d runs past the end (%d)" % (ot, off, ol, len(mh)))
            break
        data = mh[off + 2:off + 2 + ol]
        o = {"type": ot, "off": off, "size": 2 + ol, "len": ol, "data": data}
        r["opts"].append(o)
        x, y = ALIGN.get(ot, (1, 0))
        if off % x != y:
            p.append("option %d at offset %d, must be at %dn+%d" % (ot, off, x, y))
        if ot in FIXED_LEN and ol != FIXED_LEN[ot]:
            p.append("option %d Length %d, must be %d" % (ot, ol, FIXED_LEN[ot]))
            off += 2 + ol
            continue
        if ot in MIN_LEN and ol < MIN_LEN[ot]:
            p.append("option %d Length %d below %d" % (ot, ol, MIN_LEN[ot]))
            off += 2 + ol
            continue
        if ot == 1 and any(data):
            p.append("PadN at %d with non-zero contents" % off)
        if ot in (22, 65, 66):
            o["value"] = prefix_str(data[2:18], data[1])
            o["reserved"] = data[0]
        elif ot == 67:
            o["value"] = "%s %s" % (s6(data[2:18]), prefix_str(data[18:34], data[1]))
            o["reserved"] = data[0]
        elif ot in (26, 68, 69, 3):
            o["value"] = s6(data)
        elif ot in (23, 24):
            o["value"] = data[1]
        elif ot == 27:
            o["value"] = struct.unpack("!Q", data)[0]
        elif ot == 28:
            o["value"] = struct.unpack("!I", data)[0]
        elif ot == 8:
            o["subtype"] = data[0]
            o["value"] = data[1:].decode("utf-8", "replace")
        elif ot in (25, 70):
            o["value"] = data[2:].hex(":")
            o["reserved"] = struct.unpack("!H", data[:2])[0]
        off += 2 + ol
    return r


def summary(m):
    """The decoded message as a flat dict of the fields tests compare (see wire_check.py)."""
    s = {"type": m.get("type"), "len": m.get("len")}
    for k in ("seq", "status", "lifetime", "haddr", "r", "u"):
        if k in m:
            s[k] = m[k]
    if m.get("type") == MH_BU:
        f = m["flags"]
        s.update({"flag.A": int(bool(f & BU_A)), "flag.P": int(bool(f & BU_P)),
                  "flag.D": int(bool(f & BU_D)), "flags": f})
    elif m.get("type") == MH_BA:
        f = m["flags"]
        s.update({"flag.P": int(bool(f & BA_P)), "flag.D": int(bool(f & BA_D)), "flags": f})
    key = {22: "hnp", 23: "hi", 24: "att", 27: "ts", 8: "nai", 25: "mnllid", 26: "lla",
           28: "rc", 65: "anchored", 66: "local", 67: "pmaar", 68: "serving", 69: "dlif_ll",
           70: "dlif_lla"}
    multi = ("hnp", "anchored", "local", "pmaar")
    for o in m.get("opts", []):
        k = key.get(o["type"])
        if k is None or "value" not in o:
            continue
        if k in multi:
            s.setdefault(k, []).append(o["value"])
        else:
            s[k] = o["value"]
    s["opt_types"] = [o["type"] for o in m.get("opts", []) if o["type"] not in (0, 1)]
    return s
