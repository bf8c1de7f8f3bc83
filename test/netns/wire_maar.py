# SPDX-License-Identifier: BSD-3-Clause
"""MAAR-side sender of the wire-conformance test (run by wire_conformance.sh inside the MAAR
namespace, /usr/bin/python3, stdlib only).

Plays MAAR1 (2001:db8:ff::1), MAAR2 (::2) and a stranger (::9) against a real dmm-cmd over
raw IPv6 sockets (protocol 135, checksum computed here: no IPV6_CHECKSUM, so a wrong one can
be sent), checks the replies live (PASS/FAIL lines with expected vs got) and writes, for
wire_check.py, what every message the CMD sent must contain once tshark has decoded the
capture ("expectations", matched by addresses, type and sequence number / MN-ID).

usage: wire_maar.py MODE CTL_SOCK EXPECT_JSON CMD_NETNS HEARTBEAT(yes|no)
  MODE relay: registration, handover (the MAAR1 role answers the CMD's PBU), refresh,
              de-registration, heartbeat, and every negative case;
  MODE proxy|locator: registration and handover only (what differs between the modes).
"""
import json
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wire_mh as W  # noqa: E402

CMD = "2001:db8:ff::100"
M1, M2, STRANGER = "2001:db8:ff::1", "2001:db8:ff::2", "2001:db8:ff::9"
UNAUTH = "2001:db8:ff::8"  # a configured MAAR with proxy_reg: false
PREF1, PREF2 = "2001:db8:1::", "2001:db8:2::"
DLIF_LL, DLIF_MAC = "fe80::1:1", bytes.fromhex("02005e000101")
MN_MAC = bytes.fromhex("02dd00000010")
WAIT = 1.5  # s: how long a reply may take (2 shared CPUs); a "no reply" waits as long

MODE, CTL, EXPECT, CMD_NS, HB = sys.argv[1:6]
fails = 0
expectations = []
invalid_sent = []  # hex of the MHs sent malformed on purpose: wire_check.py skips them
_seq = [100]


def nseq():
    _seq[0] += 1
    return _seq[0]


def now_ts(delta=0.0):
    return int((time.time() + delta) * 65536)


def result(name, ok, expected="", got=""):
    global fails
    if ok:
        print("  PASS  %s" % name)
    else:
        fails += 1
        print("  FAIL  %s\n        expected: %s\n        got:      %s" % (name, expected, got))
    sys.stdout.flush()
    return ok


def skip(name, why):
    print("  SKIP  %s: %s" % (name, why))


def expect(name, match, fields, count=1):
    """wire_check.py: exactly `count` MH frames match `match`; each has `fields`."""
    expectations.append({"name": name, "match": match, "fields": fields, "count": count})


class Maar:
    def __init__(self, addr):
        self.addr = addr
        self.s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 135)
        # Linux computes and verifies the checksum of protocol-135 raw sockets by itself
        # (offset 4): switch that off so the checksum on the wire is the one computed here
        # (a bad one can then be sent) and a bad one from the CMD reaches wire_check.py.
        self.s.setsockopt(socket.IPPROTO_IPV6, 7, -1)  # IPV6_CHECKSUM
        self.s.bind((addr, 0))
        self.backlog = []

    def send(self, mh, dst=CMD, good_csum=True):
        mh = W.seal(self.addr, dst, mh)
        if not good_csum:
            mh = bytearray(mh)
            mh[4] ^= 0x5A
            mh = bytes(mh)
        self.s.sendto(mh, (dst, 0))
        return mh

    def recv(self, pred, timeout=WAIT):
        """First message from the CMD with pred(parsed) true; others stay in the backlog."""
        deadline = time.time() + timeout
        while True:
            for i, m in enumerate(self.backlog):
                if pred(m):
                    return self.backlog.pop(i)
            left = deadline - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                data, addr = self.s.recvfrom(65535)
            except socket.timeout:
                return None
            if addr[0] != CMD:
                continue
            m = W.summary(W.parse(data))
            m["raw"] = data
            self.backlog.append(m)


def ctl(req):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(3)
    c.connect(CTL)
    c.sendall(req.encode() + b"\n")
    out = b""
    while True:
        b = c.recv(65536)
        if not b:
            break
        out += b
    c.close()
    return json.loads(out)


def raw6_drops():
    """Sum of the 'drops' column of /proc/net/raw6 in the CMD's namespace (protocol 135)."""
    out = subprocess.run(["ip", "netns", "exec", CMD_NS, "cat", "/proc/net/raw6"],
                         capture_output=True, text=True, check=True).stdout
    total = 0
    for line in out.splitlines()[1:]:
        f = line.split()
        # sl local_address:port(=protocol) ... drops is the last column
        if len(f) > 2 and f[1].endswith(":0087"):
            total += int(f[-1])
    return total


def pbu(seq, nai=b"mn1@example.net", hnp=PREF1, hi=1, att=3, ts=True, units=900,
        flags=W.BU_A | W.BU_P | W.BU_D, extra=(), omit=()):
    """A MAAR's PBU (RFC 8885 §3.1: MN-ID, HNP, HI, ATT, Timestamp). ts: True = now, an
    int = that value, None = no Timestamp. omit: option types left out."""
    opts = []
    if hnp is not None and 22 not in omit:
        opts.append(W.o_hnp(hnp))
    if ts is not None:
        opts.append(W.o_ts(now_ts() if ts is True else ts))
    if 23 not in omit:
        opts.append(W.o_hi(hi))
    if 24 not in omit:
        opts.append(W.o_att(att))
    if nai is not None and 8 not in omit:
        opts.append(W.o_mnid(nai))
    opts += list(extra)
    return W.build(W.MH_BU, W.bu_fixed(seq, flags, units), opts)


def ts_of(mh):
    return W.summary(W.parse(mh)).get("ts")


def pba_from(_m, seq):
    return lambda x: x["type"] == W.MH_BA and x.get("seq") == seq


def is_type(t, seq=None):
    return lambda x: x["type"] == t and (seq is None or x.get("seq") == seq)


def base_match(src, dst, mtype, **kw):
    d = {"src": src, "dst": dst, "type": mtype}
    d.update(kw)
    return d


# ------------------------------------------------------------------ positive flows
def answer_forwarded(m1, fwd, nai, dlif=True):
    """The P-MAAR role (RFC 8885 §3.2 step 3): PBA 0 with the prefix it anchors."""
    opts = [W.o_hnp(PREF1), W.o_ts(fwd["ts"]), W.o_hi(fwd["hi"]), W.o_att(fwd["att"]),
            W.o_mnid(nai)]
    if dlif:
        opts += [W.o_dlif_ll(DLIF_LL), W.o_dlif_lla(DLIF_MAC)]
    mh = W.build(W.MH_BA, W.ba_fixed(0, W.BA_P | W.BA_D, fwd["seq"], fwd["lifetime"]), opts)
    return m1.send(mh)


def flows(m1, m2, mode):
    nai = ("mn-%s@example.net" % mode).encode()
    tag = "%s: " % mode
    # (a) initial registration at MAAR1 (RFC 8885 §3.1), with MN-LL-ID and Link-local
    # Address so their echo (RFC 5213 §5.3.6) is checked too.
    s1 = nseq()
    sent = m1.send(pbu(s1, nai, PREF1, hi=1, extra=[W.o_mnllid(MN_MAC), W.o_lla("fe80::a1")]))
    r = m1.recv(pba_from(m1, s1))
    result(tag + "M1 registration from MAAR1: PBA status 0", r is not None and r["status"] == 0,
           "PBA status 0", r and r.get("status"))
    expect(tag + "M1 PBA to MAAR1 (initial registration)",
           base_match(CMD, M1, W.MH_BA, seq=s1),
           {"status": 0, "flag.P": 1, "flag.D": 1, "lifetime": 900, "hnp": [PREF1 + "/64"],
            "hi": 1, "att": 3, "nai": nai.decode(), "ts": ts_of(sent),
            "mnllid": MN_MAC.hex(":"), "lla": "fe80::a1", "no_opts": [65, 66, 67, 68, 69, 70]})
    if r is None:
        return
    # (b) handover to MAAR2 (RFC 8885 §3.2 / §3.3 / §3.4)
    time.sleep(0.05)
    s2 = nseq()
    sent = m2.send(pbu(s2, nai, PREF2, hi=3))
    ts2 = ts_of(sent)
    pba2 = None
    if mode == "proxy":
        # §3.4: the CMD answers MAAR2 before any P-MAAR PBA exists.
        pba2 = m2.recv(pba_from(m2, s2))
        result(tag + "M20 PBA to MAAR2 before MAAR1 has answered", pba2 is not None,
               "a PBA for seq %d" % s2, pba2)
    fwd = m1.recv(is_type(W.MH_BU, s2))
    result(tag + "M16 CMD forwards the PBU to MAAR1", fwd is not None, "PBU seq %d" % s2, fwd)
    expect(tag + "M16 PBU forwarded to MAAR1 (Serving MAAR, Anchored Prefix)",
           base_match(CMD, M1, W.MH_BU, seq=s2),
           {"flag.A": 1, "flag.P": 1, "flag.D": 1, "lifetime": 900, "nai": nai.decode(),
            "hnp": [PREF2 + "/64"], "hi": 3, "att": 3, "ts": ts2, "serving": M2,
            "anchored": [PREF1 + "/64"]})
    if fwd is None:
        return
    answer_forwarded(m1, fwd, nai, dlif=(mode == "relay"))
    if mode != "proxy":
        pba2 = m2.recv(pba_from(m2, s2))
    result(tag + "PBA 0 to MAAR2 after the handover", pba2 is not None and pba2["status"] == 0,
           "status 0", pba2 and pba2.get("status"))
    fields = {"status": 0, "flag.P": 1, "flag.D": 1, "lifetime": 900, "hnp": [PREF2 + "/64"],
              "hi": 3, "att": 3, "nai": nai.decode(), "ts": ts2}
    if mode == "relay":  # M17: Previous MAAR + the P-MAAR's DLIF options (G4)
        fields.update(pmaar=[M1 + " " + PREF1 + "/64"], dlif_ll=DLIF_LL,
                      dlif_lla=DLIF_MAC.hex(":"))
        name = "M17 merged PBA to MAAR2 (Previous MAAR + DLIF 69/70)"
    elif mode == "proxy":  # M20, G5: no DLIF options
        fields.update(pmaar=[M1 + " " + PREF1 + "/64"], no_opts=[69, 70])
        name = "M20 PBA to MAAR2 from the binding cache (Previous MAAR, no DLIF)"
    else:  # M21, G2: base options only
        fields.update(no_opts=[65, 66, 67, 68, 69, 70])
        name = "M21 PBA to MAAR2 without Previous MAAR (G2)"
    expect(tag + name, base_match(CMD, M2, W.MH_BA, seq=s2), fields)
    if mode != "relay":
        return
    # (f) refresh (RFC 5213 §6.9.1.3: HI 5)
    s3 = nseq()
    sent = m2.send(pbu(s3, nai, PREF2, hi=5))
    r = m2.recv(pba_from(m2, s3))
    result(tag + "refresh: PBA 0", r is not None and r["status"] == 0, "status 0",
           r and r.get("status"))
    # [cmd_sm.c choice] relay/proxy refresh PBAs repeat a Previous MAAR option per listed
    # P-MAAR (repairs a lost handover PBA); no Serving MAAR / Anchored / Local Prefix.
    expect(tag + "refresh PBA to MAAR2 (Previous MAAR repeated)",
           base_match(CMD, M2, W.MH_BA, seq=s3),
           {"status": 0, "flag.P": 1, "flag.D": 1, "lifetime": 900, "hi": 5,
            "hnp": [PREF2 + "/64"], "ts": ts_of(sent), "pmaar": [M1 + " " + PREF1 + "/64"],
            "no_opts": [65, 66, 68]})
    # (e) de-registration by the S-MAAR (RFC 8885 §3.5, RFC 5213 §6.9.1.4: HI 4, lifetime 0)
    s4 = nseq()
    sent = m2.send(pbu(s4, nai, PREF2, hi=4, units=0))
    r = m2.recv(pba_from(m2, s4))
    result(tag + "de-registration: PBA 0 lifetime 0",
           r is not None and r["status"] == 0 and r["lifetime"] == 0, "status 0 lifetime 0",
           r and (r.get("status"), r.get("lifetime")))
    expect(tag + "de-registration PBA to MAAR2", base_match(CMD, M2, W.MH_BA, seq=s4),
           {"status": 0, "flag.P": 1, "flag.D": 1, "lifetime": 0, "hi": 4, "ts": ts_of(sent)})
    fwd = m1.recv(is_type(W.MH_BU, s4), timeout=WAIT + 1.5)  # paced: may wait ~1 s
    result(tag + "G7 lifetime-0 PBU forwarded to MAAR1", fwd is not None and fwd["lifetime"] == 0,
           "PBU seq %d lifetime 0" % s4, fwd and fwd.get("lifetime"))
    expect(tag + "G7 de-registration forwarded to MAAR1", base_match(CMD, M1, W.MH_BU, seq=s4),
           {"flag.A": 1, "flag.P": 1, "flag.D": 1, "lifetime": 0, "serving": M2,
            "nai": nai.decode(), "anchored": [PREF1 + "/64"]})
    if fwd is not None:
        answer_forwarded(m1, fwd, nai, dlif=False)


def heartbeat(m1):
    if HB != "yes":
        print("  heartbeat: not in this dmm-cmd build")
        return
    seq = 0x10203040
    m1.send(W.build(W.MH_HB, W.hb_fixed(seq), []))
    r = m1.recv(is_type(W.MH_HB, seq))
    result("heartbeat: response to a request (RFC 5847 §3.1)", r is not None and r.get("r") == 1,
           "HB R=1 seq %d" % seq, r)
    expect("heartbeat response", base_match(CMD, M1, W.MH_HB, seq=seq),
           {"r": 1, "u": 0, "has_opts": [28]})


# ------------------------------------------------------------------ negative cases
def status_case(name, m, mh, want, match_nai, extra_fields=None, want_seq=None):
    seq = struct.unpack("!H", bytes(mh[6:8]))[0]
    want_seq = seq if want_seq is None else want_seq
    m.send(mh)
    r = m.recv(lambda x: x["type"] == W.MH_BA and x.get("nai", "") == match_nai
               and x.get("seq") == want_seq)
    result(name, r is not None and r["status"] == want, "PBA status %d seq %d" % (want, want_seq),
           r and "status %d seq %d" % (r["status"], r["seq"]))
    f = {"status": want, "flag.D": 1, "nai": match_nai}
    f.update(extra_fields or {})
    expect(name, base_match(CMD, m.addr, W.MH_BA, seq=want_seq, nai=match_nai, status=want), f)
    return r


def silent_case(name, m, mh, counter, good_csum=True, stranger=False):
    """Sent, no reply expected; `counter` is a path in the stats JSON that must grow by one
    (or a callable returning a number)."""
    def read():
        if callable(counter):
            return counter()
        v = ctl("stats")
        for k in counter.split("."):
            v = v[k]
        return v
    before = read()
    rx_before = ctl("stats")["rx"]
    m.backlog.clear()  # only what answers this message counts
    sent = m.send(mh, good_csum=good_csum)
    invalid_sent.append(sent.hex())
    # any reply but a Heartbeat (the CMD's heartbeat machine runs on its own clock)
    r = m.recv(lambda x: x["type"] != W.MH_HB, timeout=WAIT)
    result(name + ": no reply", r is None, "nothing", r and {k: r[k] for k in ("type",) if k in r})
    after = read()
    cname = counter.__name__ if callable(counter) else counter
    result(name + ": %s +1" % cname, after == before + 1, before + 1, after)
    if not good_csum:
        rx = ctl("stats")["rx"]
        result(name + ": dmm-cmd never sees it (stats rx unchanged)", rx == rx_before,
               rx_before, rx)
    seq = struct.unpack("!H", bytes(mh[6:8]))[0]
    expect(name + ": no reply in the capture", base_match(CMD, m.addr, W.MH_BA, seq=seq), {},
           count=0)


_pfx = [0]


def npfx():
    """A prefix of its own for each negative case: the CMD answers 155 to a PBU naming a
    prefix another MN holds (RFC 5213 §5.3.1), which would hide the status under test."""
    _pfx[0] += 1
    return "2001:db8:1:%x::" % (0x100 + _pfx[0])


def negatives(m1, m2, stranger):
    # Each case uses its own MN-ID so no state is shared between cases.
    p = npfx()
    status_case("M2 160 PBU without MN-ID", m1, pbu(nseq(), None, p), 160, "",
                {"hnp": [p + "/64"]})
    status_case("M5 154 PBU from a MAAR without proxy registration", Maar(UNAUTH),
                pbu(nseq(), b"n154@example.net", npfx()), 154, "n154@example.net")
    status_case("M3 158 PBU without HNP", m1, pbu(nseq(), b"n158@example.net", None), 158,
                "n158@example.net", {"hnp": ["::/0"]})
    status_case("M4 161 PBU without HI", m1,
                pbu(nseq(), b"n161@example.net", npfx(), omit=(23,)), 161,
                "n161@example.net", {"hi": 0})
    status_case("M4 162 PBU without ATT", m1,
                pbu(nseq(), b"n162@example.net", npfx(), omit=(24,)), 162,
                "n162@example.net", {"att": 0})
    # M9 156: Timestamp 10 s ahead of the CMD clock (outside TimestampValidityWindow).
    t_future = now_ts(10.0)
    t0 = time.time()
    r = status_case("M9 156 Timestamp 10 s in the future", m1,
                    pbu(nseq(), b"n156@example.net", npfx(), ts=t_future), 156, "n156@example.net")
    check_cmd_time("M9 156", r, t_future, t0)
    expectations[-1]["fields"].update(ts_near_capture=2.0, ts_not=t_future)
    # Stale Timestamp for a fresh MN: 10 s old, outside the window -> 156 as well.
    t_stale = now_ts(-10.0)
    t0 = time.time()
    r = status_case("stale timestamp (10 s old, fresh MN) -> 156", m1,
                    pbu(nseq(), b"nstale@example.net", npfx(), ts=t_stale), 156,
                    "nstale@example.net")
    check_cmd_time("stale 156", r, t_stale, t0)
    expectations[-1]["fields"].update(ts_near_capture=2.0, ts_not=t_stale)
    # M8 157: accepted at T, then T - 100 ms (inside the window, lower than the last accepted).
    t_ok = now_ts()
    p = npfx()
    status_case("M8 157 setup: registration of n157", m1,
                pbu(nseq(), b"n157@example.net", p, ts=t_ok), 0, "n157@example.net")
    t_low = t_ok - 6554
    t0 = time.time()
    r = status_case("M8 157 Timestamp lower than the last accepted", m1,
                    pbu(nseq(), b"n157@example.net", p, ts=t_low), 157, "n157@example.net")
    check_cmd_time("M8 157", r, t_low, t0)
    expectations[-1]["fields"].update(ts_near_capture=2.0, ts_not=t_low)
    # G6: D flag missing -> 129
    status_case("G6 129 PBU without the D flag", m1,
                pbu(nseq(), b"n129@example.net", npfx(), flags=W.BU_A | W.BU_P), 129,
                "n129@example.net",
                {"flag.D": 1})
    # M11 135: sequence scheme (no Timestamp): seq 10 accepted, then seq 5 -> 135 with seq 10.
    p = npfx()
    status_case("M11 135 setup: registration of n135 with seq 10, no Timestamp", m1,
                pbu(10, b"n135@example.net", p, ts=None), 0, "n135@example.net")
    status_case("M11 135 seq 5 after 10 without Timestamp", m1,
                pbu(5, b"n135@example.net", p, ts=None), 135, "n135@example.net", want_seq=10)
    expectations[-1]["fields"]["no_opts"] = [27]
    # V1 bad checksum: the kernel (IPV6_CHECKSUM on dmm-cmd's raw socket) drops it.
    silent_case("V1 bad checksum", m1, pbu(nseq(), b"ncsum@example.net", npfx()), raw6_drops,
                good_csum=False)
    # V5 option Length running past the end: the last option (MN-ID) claims 200 octets.
    mh = W.build(W.MH_BU, W.bu_fixed(nseq(), W.BU_A | W.BU_P | W.BU_D, 900),
                 [W.o_hnp(PREF1), W.o_ts(now_ts()), W.o_hi(1), W.o_att(3),
                  bytes([8, 200, 1]) + b"nlen@example.net"])
    silent_case("V5 option Length past the end", m1, mh, "rx_bad.opt_truncated")
    # Truncated option: the message ends right after an option's Type octet.
    mh = W.build(W.MH_BU, W.bu_fixed(nseq(), W.BU_A | W.BU_P | W.BU_D, 900),
                 [W.o_hnp(PREF1), W.o_ts(now_ts()), W.o_hi(1), W.o_att(3),
                  W.o_mnid(b"ntrunc@example.net")])
    mh = mh + bytes([1, 5]) + bytes(5) + b"\x16"  # 8 more octets, the last a lone Type
    mh[1] += 1
    silent_case("truncated option (Type octet, no Length)", m1, mh, "rx_bad.opt_truncated")
    # A fixed-size option cut short: HNP with Length 10 instead of 18 (G8).
    mh = W.build(W.MH_BU, W.bu_fixed(nseq(), W.BU_A | W.BU_P | W.BU_D, 900),
                 [(22, bytes([0, 64]) + bytes(8)), W.o_mnid(b"nshort@example.net"),
                  W.o_hi(1), W.o_att(3)])
    silent_case("HNP option with Length 10 (G8)", m1, mh, "rx_bad.opt_bad_len")
    # Duplicate MN-ID (RFC 5213 §8.1: at most once).
    silent_case("duplicate MN-ID", m1,
                pbu(nseq(), b"ndup@example.net", npfx(), extra=[W.o_mnid(b"ndup2@example.net")]),
                "rx_bad.opt_duplicate")
    # A PBU from an address that is not a configured MAAR (RFC 5213 §5.3.1 step 1).
    silent_case("PBU from an unconfigured address", stranger,
                pbu(nseq(), b"nstranger@example.net", npfx()), "rx_not_allowed")
    # V2 unknown MH type 250 -> Binding Error status 2, Home Address ::
    mh = W.build(250, bytes(10), [])
    m1.send(mh)
    invalid_sent.append(W.seal(M1, CMD, mh).hex())
    r = m1.recv(is_type(W.MH_BE))
    result("V2 unknown MH type 250 -> Binding Error status 2, Home Address ::",
           r is not None and r.get("status") == 2 and r.get("haddr") == "::",
           "BE status 2 haddr ::", r and (r.get("status"), r.get("haddr")))
    expect("V2 Binding Error to MAAR1", base_match(CMD, M1, W.MH_BE),
           {"status": 2, "haddr": "::"})


def check_cmd_time(name, r, echoed, t0):
    if r is None:
        return
    got = r.get("ts")
    ok = got is not None and got != echoed and abs(got / 65536.0 - t0) < 3.0
    result(name + ": PBA Timestamp is the CMD's clock, not the echoed value", ok,
           "within 3 s of %.3f, != %.3f" % (t0, echoed / 65536.0),
           got is not None and "%.3f" % (got / 65536.0))


def main():
    m1, m2, stranger = Maar(M1), Maar(M2), Maar(STRANGER)
    flows(m1, m2, MODE)
    if MODE == "relay":
        heartbeat(m1)
        negatives(m1, m2, stranger)
    st = ctl("stats")
    result(MODE + ": tx_errors == 0", st.get("tx_errors") == 0, 0, st.get("tx_errors"))
    with open(EXPECT, "w") as f:
        json.dump({"expectations": expectations, "invalid_sent": invalid_sent}, f, indent=1)
    print("  %s: %d live check(s) failed" % (MODE, fails))
    sys.exit(1 if fails else 0)


main()
