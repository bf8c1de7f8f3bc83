# SPDX-License-Identifier: BSD-3-Clause
"""Wire-conformance checker: every Mobility Header in a capture, as Debian's tshark decodes it.

usage: wire_check.py CAPTURE.pcap [EXPECT.json ...]

For every IPv6 packet with Next Header 135 (PBU, PBA, Binding Error, Heartbeat, whoever sent
it), from the bytes (wire_mh.py, written from the RFCs):
  * the MH checksum (RFC 6275 §6.1.1 pseudo-header, next header 135): tshark 4.0 does not
    verify it;
  * total length a multiple of 8, Header Len == IPv6 payload length, Payload Proto 59,
    reserved bits zero, every option inside the message, fixed Lengths right, PadN zero, and
    each option at its alignment (22/65/66/67 8n+4, 26/68/69 8n+6, 27 8n+2, 28 4n+2);
and from `tshark -T pdml` (the -V tree as XML) plus `tshark -V` text:
  * the message type is decoded (not "Unknown"), no "Malformed Packet", no expert info of
    severity warning or error (notes are allowed: tshark 4.0 flags 65-70 as "not dissected");
  * tshark's fixed fields equal the bytes (type, Header Len, checksum, seq, flags A/P,
    lifetime, status, Home Address, Heartbeat R/U) - the D flag it cannot show is read from
    the bytes (BU 0x0010, BA 0x02);
  * tshark walked the options exactly as the bytes say: the same offsets and sizes, pads
    included (so 65-70, which it skips by their Length, are where they should be) - and every
    option it decodes has the value in the bytes (HNP, Timestamp, HI, ATT, MN-ID, MN-LL-ID,
    Link-local Address, Restart Counter); only 65-70 may be unknown to it.
EXPECT.json (written by wire_maar.py) then says what the CMD's messages must contain:
{"expectations": [{"name", "match": {...}, "fields": {...}, "count"}], "invalid_sent": [hex]}
`match` and `fields` use the keys of wire_mh.summary() plus src/dst; a match value
{"not": V} matches anything but V. Special field keys: no_opts / has_opts (option types),
ts_near_capture (s from the frame time), ts_not, hnp_in (every HNP a /64 inside that
prefix), dlif_eui64 (69 is fe80::/64 + the modified EUI-64 of 70, and 70 a locally
administered unicast MAC), echo_of {"match": {...}, "keys": [...]} (an EARLIER frame that
matches has the same values of those keys: seq/Timestamp/Serving MAAR echoed).
"min_count" instead of "count": at least that many frames match (retransmissions).
"cover": [addresses]: every MH from those sources must match at least one expectation, so an
unforeseen message from the node under test is a failure, not a silent pass.
Frames whose MH is in invalid_sent (malformed on purpose) get no per-frame check.
Prints PASS/FAIL lines with expected vs got; exit 0 only if everything passed.
"""
import ipaddress
import json
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire_mh as W  # noqa: E402

SEV_WARN = 0x00600000  # wireshark's PI_WARN; PI_ERROR is 0x00800000, PI_NOTE 0x00400000
TSHARK_OPT = {"mip6.options.hnp": 22, "mip6.options.padn": 1, "mip6.options.pad1": 0,
              "mip6.options.ts": 27, "mip6.options.hi": 23, "mip6.options.att": 24,
              "mip6.options.mnid": 8, "mip6.options.mnlli": 25, "mip6.options.lla": 26,
              "mip6.options.rc": 28}
fails = 0


def say(ok, what, expected=None, got=None):
    global fails
    if ok:
        print("  PASS  " + what)
    else:
        fails += 1
        print("  FAIL  " + what)
        if expected is not None or got is not None:
            print("        expected: %s\n        got:      %s" % (expected, got))


def read_pcap(path):
    """Classic pcap (what tcpdump -w writes). Returns [(frame_no, epoch, ipv6 bytes)]."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise SystemExit("%s: not a classic pcap file" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off, n, out = 24, 0, []
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        n += 1
        t = sec + frac / (1e9 if nano else 1e6)
        if linktype == 1:  # Ethernet (no VLAN in this lab)
            if pkt[12:14] != b"\x86\xdd":
                continue
            ip = pkt[14:]
        elif linktype == 113:  # Linux cooked
            if pkt[14:16] != b"\x86\xdd":
                continue
            ip = pkt[16:]
        elif linktype in (101, 229):  # raw IPv6
            ip = pkt
        else:
            raise SystemExit("link type %d not supported" % linktype)
        out.append((n, t, ip))
    return out


def tshark(args):
    r = subprocess.run(["tshark"] + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("tshark %s failed: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def fields_in(elem, name):
    return [f for f in elem.iter("field") if f.get("name") == name]


def first(elem, name):
    f = fields_in(elem, name)
    return f[0] if f else None


def tshark_false_positive(m, text):
    """The one warning tshark 4.0 gives on a correct message: RFC 5213 §5.3.6 requires the
    PBA answering a PBU without MN-ID (status 160) to carry an MN-ID option with a zero-length
    identifier, i.e. Length 1 (RFC 4283 §3: Length counts Subtype + Identifier); tshark wants
    Length >= 2. Allowed there only, and said so."""
    if (m.get("type") == W.MH_BA and m.get("status") == 160
            and "Mobile Node Identifier (with option length = 1 byte" in text):
        if m.get("noted"):
            return True
        m["noted"] = True
        print("  note  PBA 160 with a zero-length MN-ID (RFC 5213 §5.3.6): tshark warns "
              "'option length = 1 byte; should be >= 2' - accepted, RFC-mandated")
        return True
    return False


def check_frame(no, t, ip, pkt, vtext):
    """All generic checks of one MH frame. Returns (summary dict or None, problems)."""
    bad = []
    src, dst = W.s6(ip[8:24]), W.s6(ip[24:40])
    plen = struct.unpack("!H", ip[4:6])[0]
    if ip[6] != 135:
        return None, ["frame %d: MH behind an extension header (checker reads only NH 135)" % no]
    mh = ip[40:40 + plen]
    if len(ip) < 40 + plen:
        bad.append("capture shorter than the IPv6 payload length")
    m = W.parse(mh)
    bad += m["problems"]
    if W.checksum(src, dst, mh) != 0:
        c = bytearray(mh)
        c[4:6] = b"\0\0"
        bad.append("MH checksum 0x%04x, computed 0x%04x"
                   % (m.get("csum", 0), W.checksum(src, dst, c)))
    # ---- tshark: malformed / expert, two independent views (PDML and -V text)
    if pkt.find(".//proto[@name='_ws.malformed']") is not None or "Malformed Packet" in vtext:
        bad.append("tshark: Malformed Packet")
    for e in pkt.iter("field"):
        if e.get("name") == "_ws.expert":
            sev = first(e, "_ws.expert.severity")
            if sev is not None and int(sev.get("show")) >= SEV_WARN:
                if not tshark_false_positive(m, e.get("showname", "")):
                    bad.append("tshark expert: " + e.get("showname", "?"))
    for line in vtext.splitlines():
        if "[Expert Info (Warning" in line or "[Expert Info (Error" in line:
            if not tshark_false_positive(m, line):
                bad.append("tshark -V: " + line.strip())
    mip = pkt.find(".//proto[@name='mipv6']")
    if mip is None:
        bad.append("tshark did not dissect a Mobile IPv6 header")
        return None, bad
    base = int(mip.get("pos"))

    def tv(name, conv=int):
        f = first(mip, name)
        if f is None:
            return None
        return conv(f.get("show"))

    def same(what, ts_val, raw_val):
        if ts_val != raw_val:
            bad.append("tshark %s %r, bytes %r" % (what, ts_val, raw_val))

    same("mhtype", tv("mip6.mhtype"), m.get("type"))
    same("hlen", tv("mip6.hlen"), m.get("hlen"))
    same("proto", tv("mip6.proto"), m.get("proto"))
    same("checksum", tv("mip6.csum", lambda s: int(s, 16)), m.get("csum"))
    mt = first(mip, "mip6.mhtype")
    if mt is not None and "Unknown" in mt.get("showname", ""):
        bad.append("tshark does not know MH type %s" % mt.get("show"))
    t_ = m.get("type")
    if t_ == W.MH_BU:
        same("bu.seqnr", tv("mip6.bu.seqnr"), m["seq"])
        same("bu.a_flag", tv("mip6.bu.a_flag"), int(bool(m["flags"] & W.BU_A)))
        same("bu.p_flag", tv("mip6.bu.p_flag"), int(bool(m["flags"] & W.BU_P)))
        same("bu.lifetime", tv("mip6.bu.lifetime"), m["lifetime"])
    elif t_ == W.MH_BA:
        same("ba.status", tv("mip6.ba.status"), m["status"])
        same("ba.p_flag", tv("mip6.ba.p_flag"), int(bool(m["flags"] & W.BA_P)))
        same("ba.seqnr", tv("mip6.ba.seqnr"), m["seq"])
        same("ba.lifetime", tv("mip6.ba.lifetime"), m["lifetime"])
    elif t_ == W.MH_BE:
        same("be.status", tv("mip6.be.status"), m["status"])
        same("be.haddr", tv("mip6.be.haddr", str), m["haddr"])
    elif t_ == W.MH_HB:
        same("hb.seqnr", tv("mip6.hb.seqnr"), m["seq"])
        same("hb.r_flag", tv("mip6.hb.r_flag"), m["r"])
        same("hb.u_flag", tv("mip6.hb.u_flag"), m["u"])
    else:
        bad.append("MH type %s is not PBU/PBA/BE/HB" % t_)
    # ---- options: tshark's walk == the bytes' walk, and tshark's values == the bytes'
    cont = None
    for f in mip.iter("field"):
        if f.get("show") == "Mobility Options" and f.get("name") == "":
            cont = f
            break
    topts = list(cont) if cont is not None else []
    twalk = [(int(o.get("pos")) - base, int(o.get("size"))) for o in topts]
    bwalk = [(o["off"], o["size"]) for o in m["opts"]]
    if twalk != bwalk:
        bad.append("tshark option walk %s, bytes %s (offset, size)" % (twalk, bwalk))
    for o, b in zip(topts, m["opts"]):
        name = o.get("name")
        ty = TSHARK_OPT.get(name)
        if ty is None:
            unk = first(o, "mip6.mobility_opt")
            ty_unknown = int(unk.get("show")) if unk is not None else None
            if ty_unknown != b["type"] or not 65 <= b["type"] <= 70:
                bad.append("option at %d (type %d) not decoded by tshark (%s)"
                           % (b["off"], b["type"], o.get("show")))
            continue
        if ty != b["type"]:
            bad.append("tshark option %s at %d, bytes say type %d" % (name, b["off"], b["type"]))
            continue
        if "value" not in b:
            continue
        v = b["value"]
        if ty == 22:
            got = "%s/%s" % (first(o, "mip6.nemo.mnp.mnp").get("show"),
                             first(o, "mip6.nemo.mnp.pfl").get("show"))
            # tshark shows the prefix as sent; compare after clearing host bits the same way
            pl = int(first(o, "mip6.nemo.mnp.pfl").get("show"))
            got = W.prefix_str(W.a6(got.split("/")[0]), pl)
        elif ty == 27:
            got = int(first(o, "mip6.timestamp_tmp").get("value"), 16)
        elif ty in (23, 24):
            got = int(first(o, "mip6.hi" if ty == 23 else "mip6.att").get("show"))
        elif ty == 8:
            st = first(o, "mip6.mnid.subtype")
            same("mnid.subtype", st is not None and int(st.get("show")), b["subtype"])
            idf = first(o, "mip6.mnid.identifier")
            got = idf.get("show") if idf is not None else ""
        elif ty == 25:
            got = first(o, "mip6.mnlli.lli").get("show")
        elif ty == 26:
            got = first(o, "mip6.lila_lla").get("show")
        elif ty == 28:
            got = int(first(o, "mip6.rc").get("show"))
        else:
            continue
        if got != v:
            bad.append("option %d at %d: tshark %r, bytes %r" % (ty, b["off"], got, v))
    s = W.summary(m)
    s.update(src=src, dst=dst, frame=no, time=t)
    s["what"] = "frame %d %s %s->%s seq=%s%s: tshark decodes it, %d options, checksum, " \
        "alignment" % (no, W.NAMES.get(t_, t_), src, dst, s.get("seq"),
                       " status=%d" % s["status"] if "status" in s else "", len(bwalk))
    return s, bad


def matches(s, match):
    for k, v in match.items():
        if isinstance(v, dict) and "not" in v:
            if s.get(k) == v["not"]:
                return False
        elif s.get(k) != v:
            return False
    return True


def eui64_ll(mac):
    """fe80::/64 + modified EUI-64 of a MAC given as aa:bb:cc:dd:ee:ff (RFC 4291 app. A)."""
    b = bytes.fromhex(mac.replace(":", ""))
    iid = bytes([b[0] ^ 2]) + b[1:3] + b"\xff\xfe" + b[3:6]
    return W.s6(b"\xfe\x80" + bytes(6) + iid)


def check_fields(s, fields, frames=()):
    """Problems of summary s against fields; frames: every summary (for echo_of)."""
    bad = []
    for k, want in fields.items():
        if k == "hnp_in":
            pool = ipaddress.ip_network(want)
            for h in s.get("hnp") or [None]:
                if h is None or not (ipaddress.ip_network(h).prefixlen == 64
                                     and ipaddress.ip_network(h).subnet_of(pool)):
                    bad.append("HNP %s is not a /64 inside %s" % (h, want))
        elif k == "dlif_eui64":
            ll, mac = s.get("dlif_ll"), s.get("dlif_lla")
            if ll is None or mac is None:
                bad.append("DLIF 69 %s / 70 %s: both needed" % (ll, mac))
            elif len(mac.split(":")) != 6:
                bad.append("DLIF link-layer address %s is not 6 octets" % mac)
            else:
                first_octet = int(mac.split(":")[0], 16)
                if first_octet & 1 or not first_octet & 2:
                    bad.append("DLIF MAC %s is not locally administered unicast" % mac)
                if ll != eui64_ll(mac):
                    bad.append("DLIF link-local %s is not fe80::/64 + EUI-64 of %s (%s)"
                               % (ll, mac, eui64_ll(mac)))
        elif k == "echo_of":
            keys = want["keys"]
            cands = [f for f in frames if f["frame"] < s["frame"] and matches(f, want["match"])]
            mine = {x: s.get(x) for x in keys}
            if not any(all(f.get(x) == mine[x] for x in keys) for f in cands):
                bad.append("%s not echoed: no earlier frame matching %s has them (candidates: %s)"
                           % (mine, want["match"],
                              [{x: f.get(x) for x in keys} for f in cands] or "none"))
        elif k == "no_opts":
            extra = [x for x in s["opt_types"] if x in want]
            if extra:
                bad.append("options %s present, must not be" % extra)
        elif k == "has_opts":
            miss = [x for x in want if x not in s["opt_types"]]
            if miss:
                bad.append("options %s missing" % miss)
        elif k == "ts_near_capture":
            ts = s.get("ts")
            if ts is None or abs(ts / 65536.0 - s["time"]) > want:
                bad.append("Timestamp %s not within %s s of the capture time %.3f"
                           % (ts and "%.3f" % (ts / 65536.0), want, s["time"]))
        elif k == "ts_not":
            if s.get("ts") == want:
                bad.append("Timestamp echoes the PBU's value %d" % want)
        elif s.get(k) != want:
            bad.append("%s: expected %r, got %r" % (k, want, s.get(k)))
    return bad


def decode(cap):
    """[(frame_no, time, ipv6 bytes, pdml packet, -V text of that frame)] for MH frames."""
    frames = read_pcap(cap)
    pdml = ET.fromstring(tshark(["-n", "-r", cap, "-T", "pdml"]))
    packets = pdml.findall("packet")
    vtext = tshark(["-n", "-r", cap, "-V"])
    # -V text per frame: blocks start with "Frame N: "
    vblocks, cur = {}, None
    for line in vtext.splitlines():
        if line.startswith("Frame ") and ":" in line:
            try:
                cur = int(line.split()[1].rstrip(":"))
            except ValueError:
                pass
            vblocks[cur] = []
        if cur is not None:
            vblocks[cur].append(line)
    return [(no, t, ip, packets[no - 1], "\n".join(vblocks.get(no, [])))
            for no, t, ip in frames if len(ip) >= 40 and ip[6] == 135]


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    if sys.argv[1] == "--selftest":
        selftest(sys.argv[2])
        return
    cap = sys.argv[1]
    exp, invalid, cover = [], set(), set()
    for p in sys.argv[2:]:
        with open(p) as f:
            j = json.load(f)
        exp += j.get("expectations", [])
        cover |= set(j.get("cover", []))
        invalid |= set(j.get("invalid_sent", []))
    summaries = []
    mhs = decode(cap)
    n_mh = len(mhs)
    for no, t, ip, pkt, vt in mhs:
        mh = ip[40:40 + struct.unpack("!H", ip[4:6])[0]]
        if mh.hex() in invalid:
            print("  info  frame %d: malformed on purpose by the test, not checked" % no)
            continue
        s, bad = check_frame(no, t, ip, pkt, vt)
        say(not bad, s["what"] if s else "frame %d" % no, "no problem" if bad else None,
            "; ".join(bad) if bad else None)
        if s is not None:
            summaries.append(s)
    say(n_mh > 0, "capture holds Mobility Headers (%d)" % n_mh)
    by_src = {}
    for s in summaries:
        k = "%s %s" % (s["src"], W.NAMES.get(s["type"], s["type"]))
        by_src[k] = by_src.get(k, 0) + 1
    print("  info  MH frames by sender: %s"
          % ", ".join("%s x%d" % kv for kv in sorted(by_src.items())))
    matched = set()
    for e in exp:
        hits = [s for s in summaries if matches(s, e["match"])]
        matched |= {s["frame"] for s in hits}
        if "min_count" in e:
            if len(hits) < e["min_count"]:
                say(False, "%s: at least %d matching frame(s)" % (e["name"], e["min_count"]),
                    ">= %d frame(s) matching %s" % (e["min_count"], e["match"]), len(hits))
                continue
        elif len(hits) != e.get("count", 1):
            say(False, "%s: %d matching frame(s) in the capture" % (e["name"], e.get("count", 1)),
                "%d frame(s) matching %s" % (e.get("count", 1), e["match"]), len(hits))
            continue
        elif not hits:
            say(True, "%s: no frame matches %s" % (e["name"], e["match"]))
        for s in hits:
            bad = check_fields(s, e["fields"], summaries)
            say(not bad, "%s (frame %d, as tshark decodes it)" % (e["name"], s["frame"]),
                "fields %s" % {k: v for k, v in e["fields"].items()} if bad else None,
                "; ".join(bad) if bad else None)
    for s in summaries:
        if s["src"] in cover and s["frame"] not in matched:
            say(False, "frame %d from %s is one of the expected messages" % (s["frame"], s["src"]),
                "a frame matching one expectation",
                "%s %s" % (W.NAMES.get(s["type"], s["type"]),
                           {k: v for k, v in s.items() if k not in ("what", "time")}))
    if cover:
        say(all(s["frame"] in matched for s in summaries if s["src"] in cover),
            "every MH from %s matches an expectation" % ", ".join(sorted(cover)))
    print("  wire_check %s: %d MH frames, %d expectation(s), %d failure(s)"
          % (os.path.basename(cap), n_mh, len(exp), fails))
    sys.exit(1 if fails else 0)


def write_pcap(path, packets):
    """packets: [(src, dst, mh bytes)] as Ethernet/IPv6 frames in a classic pcap."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (src, dst, mh) in enumerate(packets):
            ip = struct.pack("!IHBB", 0x60000000, len(mh), 135, 64) + W.a6(src) + W.a6(dst)
            fr = bytes.fromhex("02dd000000010 2dd00000002 86dd".replace(" ", "")) + ip + mh
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)) + fr)


def selftest(path):
    """The checker must fail each broken message for the stated reason (and pass the good
    ones): a test that cannot fail proves nothing."""
    a, b = "2001:db8:ff::1", "2001:db8:ff::100"
    fixed = W.bu_fixed(7, W.BU_A | W.BU_P | W.BU_D, 900)
    base = [W.o_hnp("2001:db8:1::"), W.o_ts(123 << 16), W.o_hi(1), W.o_att(3),
            W.o_mnid(b"mn1@example.net")]
    good = W.seal(a, b, W.build(W.MH_BU, fixed, base))
    rfc8885 = [(67, bytes([0, 64]) + W.a6(a) + W.a6("2001:db8:1::")), W.o_dlif_ll("fe80::1"),
               W.o_dlif_lla(b"\x02" * 6), (65, bytes([0, 64]) + W.a6("2001:db8:1::")),
               (68, W.a6(a)), (66, bytes([0, 48]) + W.a6("2001:db8:7::"))]
    pba = W.build(W.MH_BA, W.ba_fixed(0, 0x22, 7, 900), base + rfc8885)
    cases = [("good PBU", good, None), ("good PBA with 65-70", W.seal(a, b, pba), None)]
    bad = bytearray(good)
    bad[4] ^= 1
    cases.append(("bad checksum", bytes(bad), "checksum"))
    # HNP at offset 14 (8n+6) instead of 8n+4
    cases.append(("HNP misaligned", W.seal(a, b, W.build(W.MH_BU, fixed, [
        b"\x01\x00", bytes([22, 18, 0, 64]) + W.a6("2001:db8:1::")] + base[1:])), "8n+4"))
    # Timestamp at 8n+4
    cases.append(("Timestamp misaligned", W.seal(a, b, W.build(W.MH_BU, fixed, [
        bytes([27, 8]) + bytes(8), W.o_hi(1)])), "8n+2"))
    # Header Len one unit too large (the packet is 8 octets shorter than it says)
    x = bytearray(W.build(W.MH_BU, fixed, base))
    x[1] += 1
    cases.append(("Header Len too large", W.seal(a, b, x), "Header Len"))
    # an option whose Length runs past the end
    cases.append(("option past the end", W.seal(a, b, W.build(W.MH_BU, fixed, [
        bytes([8, 40, 1]) + b"mn1"])), "past the end"))
    # PadN with non-zero contents
    cases.append(("PadN not zero", W.seal(a, b, W.build(W.MH_BU, fixed, [
        bytes([1, 2, 0xAA, 0])])), "non-zero"))
    # an option type tshark does not know outside 65-70
    cases.append(("unknown option 200", W.seal(a, b, W.build(W.MH_BU, fixed, [
        (200, bytes(2))])), "not decoded by tshark"))
    # HNP with a wrong fixed Length
    cases.append(("HNP Length 10", W.seal(a, b, W.build(W.MH_BU, fixed, [
        (22, bytes(10))])), "Length 10, must be 18"))
    write_pcap(path, [(a, b, mh) for _, mh, _ in cases])
    mhs = decode(path)
    say(len(mhs) == len(cases), "self-test: tshark read every frame", len(cases), len(mhs))
    for (name, _, want), (no, t, ip, pkt, vt) in zip(cases, mhs):
        s, bad = check_frame(no, t, ip, pkt, vt)
        if want is None:
            say(not bad, "self-test: %s passes" % name, "no problem", "; ".join(bad))
        else:
            say(any(want in p for p in bad), "self-test: %s is caught" % name,
                "a problem containing %r" % want, "; ".join(bad) or "no problem")
    # The expectation matcher must fail a wrong expected value.
    s, _ = check_frame(*mhs[0][:5])
    say(check_fields(s, {"flag.D": 0}) != [] and check_fields(s, {"flag.D": 1}) == [],
        "self-test: a wrong expected field is reported")
    # The cross-frame and derived checks used for dmm-maar's messages must fail too.
    say(check_fields(s, {"hnp_in": "2001:db8:1::/48"}) == []
        and check_fields(s, {"hnp_in": "2001:db8:2::/48"}) != [],
        "self-test: hnp_in accepts a /64 of the pool and refuses another pool's")
    p, _ = check_frame(*mhs[1][:5])
    good_dlif = dict(p, dlif_ll="fe80::2:2ff:fe02:202", dlif_lla="02:02:02:02:02:02")
    say(check_fields(good_dlif, {"dlif_eui64": True}) == []
        and check_fields(p, {"dlif_eui64": True}) != []
        and check_fields(dict(good_dlif, dlif_lla="03:02:02:02:02:02"), {"dlif_eui64": True}),
        "self-test: dlif_eui64 accepts EUI-64(70) = 69, refuses fe80::1 and a multicast MAC")
    later = dict(p, frame=p["frame"], seq=s["seq"])
    echo = {"echo_of": {"match": {"type": W.MH_BU}, "keys": ["seq", "ts"]}}
    say(check_fields(later, echo, [s, later]) == []
        and check_fields(dict(later, seq=s["seq"] + 1), echo, [s, later]) != []
        and check_fields(dict(later, frame=0), echo, [s, later]) != [],
        "self-test: echo_of finds the earlier frame, refuses another seq and a later frame")
    say(matches(s, {"lifetime": {"not": 0}}) and not matches(s, {"lifetime": {"not": 900}}),
        "self-test: {'not': V} in a match")
    sys.exit(1 if fails else 0)


main()
