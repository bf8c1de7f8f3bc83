#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Packet tests for dmm-maar (DESIGN.md §3, §7 level 2).

Every case starts dmm-maar on two net_pcap vdevs (port 0 = access, port 1 = core) with a
YAML config generated here and input pcaps written here, waits through DPDK telemetry
until every input frame went through the fast path and every exception through the control
lcore, stops it with SIGTERM (which closes the ports and so flushes the output pcaps), and
then checks the output field by field against packets built independently here, plus every
counter (a counter not named by the case must be zero).

    /usr/bin/python3 pkt_test.py --binary build/dataplane/dmm-maar [-k NAME ...] [--keep]

Prints "ok <case>" or one "FAIL <case>: <what>: expected X, got Y" line per mismatch;
exits 1 if any case failed. Needs root (DPDK) and Debian's python3-scapy (/usr/bin/python3).

Timing notes, so nobody relies on what net_pcap cannot give:
  * net_pcap replays its rx file once, back to back, in file order, as soon as the workers
    poll (they start after the static config is in force). The worker polls access then core
    in one loop, so frames of one file keep their order; frames of the two files interleave
    by bursts of 32.
  * The control lcore handles exceptions asynchronously: a table change it makes (a next hop
    learnt from an NA) reaches the worker's replica some time later. Tests that need "NA
    first, then data" put FILLER dropped multicast frames in between: on the 2-core test
    machine 200 were too few and 1000 enough, so 100000 (about 0.1 s) leaves a wide margin,
    also under CPU load.
  * Not reachable with net_pcap: drop_exc_ring_full, drop_tx_full (net_pcap always takes the
    burst) and drop_no_mbuf (headroom always suffices); they stay 0 in every case here.
  * The control lcore's own packets (NA, echo replies, ICMPv6 errors, NS) share the tx pcaps
    with the fast path; their order relative to forwarded packets is not deterministic, so
    outputs are matched as multisets per port (the fast path's own order is checked where
    it matters).
"""

import argparse
import collections
import json
import logging
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (ARP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6DestUnreach,  # noqa: E402
                       ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6MLReport2, ICMPv6ND_NA,
                       ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_RS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, ICMPv6PacketTooBig, ICMPv6ParamProblem,
                       ICMPv6TimeExceeded, IPv6,
                       IPv6ExtHdrHopByHop, NoPayload, Raw, RouterAlert, in6_getnsma,
                       in6_getnsmac, inet_pton)

# ------------------------------------------------------------------------------ topology
# core link 2001:db8:ff::/64; pool 2001:db8:100::/48; peer Y anchors 2001:db8:200::/48,
# peer Z anchors 2001:db8:300::/48.
NODE = "2001:db8:ff::1"          # this MAAR: tunnel endpoint
PEER_Y = "2001:db8:ff::2"        # on-link peer, host route via itself
PEER_Z = "2001:db8:ff::3"        # peer reached via the gateway (no covering route)
UNKNOWN_PEER = "2001:db8:ff::99"
GW = "2001:db8:ff::fe"
NH77 = "2001:db8:ff::77"         # next hop of 2001:db8:777::/48, never resolved
ACCESS_ADDR = "2001:db8:a::1"    # own global address on the access link
POOL = "2001:db8:100::/48"
CN = "2001:db8:999::1"           # correspondent node behind the gateway
CN2 = "2001:db8:999::2"

GW_MAC = "02:00:00:00:ff:fe"
Y_MAC = "02:00:00:00:ff:02"
Z_MAC = "02:00:00:00:ff:03"      # Z's own MAC: must never be used (Z is behind the gateway)
OTHER_MAC = "02:00:00:00:ee:ee"  # a host that is nobody's MN
# Input frames are addressed to this placeholder: the MAAR's port MACs are only known once
# it runs (net_pcap picks them) and the fast path does not filter on the destination MAC.
ROUTER_MAC = "02:00:00:00:aa:00"

ACCESS, CORE = 0, 1
PORT_NAMES = {ACCESS: "access", CORE: "core"}
DEVICES = {ACCESS: "net_pcap0", CORE: "net_pcap1"}


class MN:
    def __init__(self, n, prefix, anchor, serving, mac=None, dlif_mac=None):
        self.n, self.prefix, self.anchor, self.serving, self.mac = n, prefix, anchor, serving, mac
        self.dlif_mac = dlif_mac  # source MAC of frames delivered to it (RFC 8885 §3.7)
        self.addr = prefix.split("/")[0] + "10"  # "2001:db8:100:1::" + "10"


MN1 = MN(1, "2001:db8:100:1::/64", "local", "local", "02:00:00:00:01:01")
MN2 = MN(2, "2001:db8:100:2::/64", "local", "local", "02:00:00:00:01:02")
MN3 = MN(3, "2001:db8:100:3::/64", "local", PEER_Y)       # anchored here, moved to Y
MN4 = MN(4, "2001:db8:200:1::/64", PEER_Y, "local", "02:00:00:00:01:04")  # from Y, here now
MN5 = MN(5, "2001:db8:300:1::/64", PEER_Z, "local", "02:00:00:00:01:05")  # from Z, here now
MNS = [MN1, MN2, MN3, MN4, MN5]
UNALLOCATED = "2001:db8:100:77::1"  # in the pool, no binding
UNKNOWN_DST = "2001:db8:555::1"     # no binding, not in the pool

TUNNEL_HOP_LIMIT = 50

# Counters no case predicts (they measure work, not packets).
IGNORED_WORKER = {"ops_applied", "idle_sleeps", "busy_cycles"}
IGNORED_CONTROL = {"ops_pushed", "ops_backlogged", "opq_pushed", "opq_ring_full",
                   "opq_backlog_max", "uptime_s"}


# ------------------------------------------------------------------------------ config
def binding(mn, port=DEVICES[ACCESS]):
    b = {"prefix": mn.prefix, "anchor": mn.anchor, "serving": mn.serving}
    if mn.serving == "local":
        b["mac"] = mn.mac
        b["port"] = port
        if mn.dlif_mac:
            b["dlif_mac"] = mn.dlif_mac
    return b


# The fast path's attachment-detection bucket (dataplane/dp_fwd.h), read from the source so
# the test follows the documented constants.
def _dp_fwd_define(name):
    import re
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dataplane",
                        "dp_fwd.h")
    m = re.search(r"#define\s+" + name + r"\s+(\d+)", open(path).read())
    if m is None:
        raise RuntimeError(f"{name} not found in {path}")
    return int(m.group(1))


UNKNOWN_SRC_RATE = _dp_fwd_define("DMM_UNKNOWN_SRC_RATE")
UNKNOWN_SRC_BURST = _dp_fwd_define("DMM_UNKNOWN_SRC_BURST")


def make_config(edit=None, **over):
    """The config of every case. Top-level keyword arguments replace a key (a dict value is
    merged one level deep into the default dict); edit(cfg) may change anything else."""
    cfg = {
        "name": "pkt-maar",
        "address": NODE,
        "ports": [
            {"device": DEVICES[ACCESS], "role": "access", "addresses": [ACCESS_ADDR],
             "mtu": 1500},
            {"device": DEVICES[CORE], "role": "core", "mtu": 1500, "gateway": GW},
        ],
        "tunnel": {"hop_limit": TUNNEL_HOP_LIMIT, "mtu": 1460},
        "limits": {"bindings": 256, "tunnels": 16, "routes": 64, "neighbours": 32},
        "pool": [POOL],
        "icmp": {"rate": 100, "burst": 10},
        "static": {
            "tunnels": [{"remote": PEER_Y}, {"remote": PEER_Z}],
            "bindings": [binding(m) for m in MNS],
            "routes": [{"prefix": PEER_Y + "/128", "via": PEER_Y}],
            "neighbours": [{"address": GW, "mac": GW_MAC}, {"address": PEER_Y, "mac": Y_MAC}],
        },
    }
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(cfg.get(k), dict):
            cfg[k] = dict(cfg[k], **v)
        else:
            cfg[k] = v
    if edit is not None:
        edit(cfg)
    return cfg


def yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v))  # a double-quoted YAML scalar


def to_yaml(obj, indent=0):
    pad = " " * indent
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{pad}{k}:")
                out.append(to_yaml(v, indent + 2))
            elif isinstance(v, list):
                out.append(f"{pad}{k}: []")
            else:
                out.append(f"{pad}{k}: {yaml_scalar(v)}")
    elif isinstance(obj, list):
        for v in obj:
            if isinstance(v, dict):
                sub = to_yaml(v, indent + 2).split("\n")
                out.append(f"{pad}- " + sub[0].lstrip())
                out.extend(sub[1:])
            else:
                out.append(f"{pad}- {yaml_scalar(v)}")
    return "\n".join(out)


# ------------------------------------------------------------------------------ pcap
def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(fr), len(fr)))
            f.write(fr)


def read_pcap(path):
    """[(timestamp in s, frame bytes)]; a missing or empty file is no frames."""
    if not os.path.exists(path):
        return None
    data = open(path, "rb").read()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    else:
        end = ">"
        magic = struct.unpack(">I", data[:4])[0]
    scale = 1e-9 if magic == 0xA1B23C4D else 1e-6
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        out.append((sec + frac * scale, data[off:off + incl]))
        off += incl
    return out


# ------------------------------------------------------------------------------ telemetry
class Telemetry:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(5)
        self.sock.connect(path)
        self.greeting = json.loads(self.sock.recv(1 << 16))

    def cmd(self, c):
        self.sock.send(c.encode())
        reply = json.loads(self.sock.recv(1 << 17))
        return reply[c.split(",")[0]]

    def close(self):
        self.sock.close()


def runtime_dir(prefix):
    if os.geteuid() == 0:
        return os.path.join("/var/run/dpdk", prefix)
    return os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk", prefix)


class RunError(Exception):
    pass


class Result:
    """What one dmm-maar run produced."""

    def __init__(self):
        self.out = {ACCESS: [], CORE: []}  # port -> [(ts, frame)]
        self.total = {}    # worker counters summed
        self.control = {}  # control lcore counters
        self.mac = {}      # port -> MAC string
        self.log = ""
        self.elapsed = 0.0


class Runner:
    def __init__(self, binary, keep=False, verbose=False):
        self.binary = os.path.abspath(binary)
        self.keep = keep
        self.verbose = verbose
        self.n = 0

    def run(self, cfg, access_in=(), core_in=(), until=None, timeout=20.0):
        """Run dmm-maar on the given input frames (bytes) until everything was consumed and
        until(total, control) holds; returns a Result. Never leaves the process behind."""
        self.n += 1
        prefix = f"pkt{os.getpid()}{self.n}"
        tmp = tempfile.mkdtemp(prefix="dmm-pkt-")
        files = {k: os.path.join(tmp, k + ".pcap")
                 for k in ("access_in", "access_out", "core_in", "core_out")}
        write_pcap(files["access_in"], access_in)
        write_pcap(files["core_in"], core_in)
        cfg_path = os.path.join(tmp, "cfg.yaml")
        with open(cfg_path, "w") as f:
            f.write(to_yaml(cfg) + "\n")
        n_in = len(access_in) + len(core_in)
        args = [self.binary, "--no-huge", "-m", "256", "--no-pci", "--file-prefix", prefix,
                "-l", "0,1",
                "--vdev", f"net_pcap0,rx_pcap={files['access_in']},tx_pcap={files['access_out']}",
                "--vdev", f"net_pcap1,rx_pcap={files['core_in']},tx_pcap={files['core_out']}",
                "--log-level=dmm.*:debug", "--", "--config", cfg_path]
        log_path = os.path.join(tmp, "dmm-maar.log")
        res = Result()
        t0 = time.monotonic()
        tel = None
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT)
        try:
            sock_path = os.path.join(runtime_dir(prefix), "dpdk_telemetry.v2")
            deadline = t0 + timeout
            while tel is None:
                if proc.poll() is not None:
                    raise RunError(f"dmm-maar exited with {proc.returncode} before telemetry")
                if time.monotonic() > deadline:
                    raise RunError("no telemetry socket")
                try:
                    tel = Telemetry(sock_path)
                except OSError:
                    time.sleep(0.02)
            last = None
            while True:
                if proc.poll() is not None:
                    raise RunError(f"dmm-maar exited with {proc.returncode} while running")
                st = tel.cmd("/dmm/stats")
                if st is not None:
                    tot, ctl = st["total"], st["control"]
                    drops = sum(v for k, v in tot.items() if k.startswith("drop_"))
                    last = (tot, ctl)
                    if (tot["rx"] == n_in and tot["rx"] == tot["tx"] + drops + tot["exception"]
                            and ctl["exc_rx"] == tot["exception"]
                            and (until is None or until(tot, ctl))):
                        break
                if time.monotonic() > deadline:
                    raise RunError(f"timeout waiting for {n_in} frames to be consumed; last "
                                   f"counters {nonzero(last[0]) if last else None} / "
                                   f"{nonzero(last[1]) if last else None}")
                time.sleep(0.01)
            res.total, res.control = last
            ports = tel.cmd("/dmm/ports")
            for pid, p in ports["ports"].items():
                res.mac[int(pid)] = p["mac"].lower()
            tel.close()
            tel = None
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                raise RunError("dmm-maar did not exit on SIGTERM")
            if rc != 0:
                raise RunError(f"dmm-maar exited with {rc}")
            for port, key in ((ACCESS, "access_out"), (CORE, "core_out")):
                frames = read_pcap(files[key])
                if frames is None:
                    raise RunError(f"{key} pcap was not written")
                res.out[port] = frames
        except BaseException as e:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            res.log = open(log_path, errors="replace").read()
            if isinstance(e, RunError):
                where = f" (kept in {tmp})" if self.keep else " (rerun with --keep for the pcaps)"
                raise RunError(f"{e}\n--- dmm-maar log{where} ---\n" + res.log[-6000:])
            raise
        finally:
            if tel is not None:
                tel.close()
            res.log = open(log_path, errors="replace").read()
            shutil.rmtree(runtime_dir(prefix), ignore_errors=True)
            if not self.keep:  # the log tail is in the failure message
                shutil.rmtree(tmp, ignore_errors=True)
            res.elapsed = time.monotonic() - t0
            if self.verbose:
                print(f"  run {prefix}: {n_in} frames in, {res.elapsed:.2f} s, dir {tmp}",
                      flush=True)
        return res


def nonzero(d):
    return {k: v for k, v in (d or {}).items() if v and k not in IGNORED_WORKER | IGNORED_CONTROL}


# ------------------------------------------------------------------------------ packets
def mac_b(m):
    return bytes(int(x, 16) for x in m.split(":"))


def ip_b(a):
    return inet_pton(socket.AF_INET6, a)


def frame(dst, src, l3, ethertype=0x86DD):
    return mac_b(dst) + mac_b(src) + struct.pack("!H", ethertype) + bytes(l3)


_payload_seq = [0]


def payload(n=64):
    """Distinct payload bytes, so a packet can never be mistaken for another."""
    _payload_seq[0] += 1
    seed = _payload_seq[0]
    return bytes((seed * 7 + i * 13) & 0xFF for i in range(n))


def udp6(src, dst, hlim=64, tc=0, fl=0, sport=4000, dport=5000, size=64):
    return bytes(IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl)
                 / UDP(sport=sport, dport=dport) / Raw(payload(size)))


def tcp6(src, dst, hlim=64, tc=0, fl=0, sport=4000, dport=80, size=32):
    return bytes(IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl)
                 / TCP(sport=sport, dport=dport, flags="A") / Raw(payload(size)))


def ip6ip6(osrc, odst, inner, hlim=64, tc=0, fl=0):
    return bytes(IPv6(src=osrc, dst=odst, nh=41, hlim=hlim, tc=tc, fl=fl) / Raw(inner))


def set_hlim(ip, h):
    return ip[:7] + bytes([h]) + ip[8:]


def dec_hlim(ip):
    return set_hlim(ip, ip[7] - 1)


def get_tc(ip):
    return (struct.unpack("!I", ip[:4])[0] >> 20) & 0xFF


def set_ecn(ip, ecn):
    v = struct.unpack("!I", ip[:4])[0]
    v = (v & ~(3 << 20)) | (ecn << 20)
    return struct.pack("!I", v) + ip[4:]


# RFC 6438 flow label as dp_fwd.c computes it: rte_hash_crc is CRC32-C (Castagnoli,
# reflected) seeded with the given value, without pre/post inversion.
def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC32C = _crc32c_table()


def crc32c(data, crc):
    for b in data:
        crc = _CRC32C[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def expected_flow_label(inner):
    fl = struct.unpack("!I", inner[:4])[0] & 0xFFFFF
    proto = inner[6]
    h = crc32c(inner[8:40], proto)
    if fl:
        h = crc32c(struct.pack("<I", fl), h)
    elif proto in (6, 17, 132) and len(inner) >= 44:
        h = crc32c(inner[40:44], h)
    h = (h ^ (h >> 20)) & 0xFFFFF
    return h or 1


def outer_fl(fr):
    return struct.unpack("!I", fr[14:18])[0] & 0xFFFFF


def encap_expect(port_mac, nh_mac, remote, inner_in, hop_limit=TUNNEL_HOP_LIMIT):
    """The frame the MAAR sends when it tunnels inner_in (as received) to remote."""
    inner = dec_hlim(inner_in)
    fl = expected_flow_label(inner_in)
    outer = IPv6(version=6, tc=get_tc(inner_in), fl=fl, plen=len(inner), nh=41,
                 hlim=hop_limit, src=NODE, dst=remote)
    return frame(nh_mac, port_mac, bytes(outer) + inner)


def icmp6_cksum_ok(ip):
    """Independent RFC 4443 §2.3 check: pseudo-header + message sums to 0xffff."""
    plen = struct.unpack("!H", ip[4:6])[0]
    msg = ip[40:40 + plen]
    data = ip[8:40] + struct.pack("!IxxxB", len(msg), 58) + msg
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s == 0xFFFF


def icmp_error_expect(port_mac, to_mac, src_ip, invoking_ip, icmp):
    """ICMPv6 error from the control lcore: back to the source, first hop = the frame's
    sender, body = as much of the invoking packet as fits in 1280 bytes (RFC 4443 §2.4c)."""
    body = invoking_ip[:1280 - 48]
    dst = str(IPv6(invoking_ip).src)
    return frame(to_mac, port_mac, bytes(IPv6(src=src_ip, dst=dst, hlim=64) / icmp / Raw(body)))


def ns_frame(src_mac, src_ip, target, slla=True, dst_ip=None, hlim=255):
    dst = dst_ip or in6_getnsma(ip_b(target))
    dst = dst if isinstance(dst, str) else socket.inet_ntop(socket.AF_INET6, dst)
    dmac = in6_getnsmac(ip_b(dst)) if dst.startswith("ff") else ROUTER_MAC
    p = IPv6(src=src_ip, dst=dst, hlim=hlim) / ICMPv6ND_NS(tgt=target)
    if slla:
        p = p / ICMPv6NDOptSrcLLAddr(lladdr=src_mac)
    return frame(dmac, src_mac, bytes(p))


def ns_expect(port_mac, src_ip, target):
    """The NS dmm-maar sends for an unresolved next hop (RFC 4861 §7.2.2)."""
    sn = socket.inet_ntop(socket.AF_INET6, in6_getnsma(ip_b(target)))
    p = (IPv6(src=src_ip, dst=sn, hlim=255) / ICMPv6ND_NS(tgt=target)
         / ICMPv6NDOptSrcLLAddr(lladdr=port_mac))
    return frame(in6_getnsmac(ip_b(sn)), port_mac, bytes(p))


def na_expect(port_mac, to_mac, to_ip, target, solicited=True):
    p = (IPv6(src=target, dst=to_ip, hlim=255)
         / ICMPv6ND_NA(R=1, S=1 if solicited else 0, O=1, tgt=target)
         / ICMPv6NDOptDstLLAddr(lladdr=port_mac))
    return frame(to_mac, port_mac, bytes(p))


def is_ns_for(fr, targets):
    """A Neighbour Solicitation sent by the MAAR for one of targets."""
    try:
        p = Ether(fr)
        return ICMPv6ND_NS in p and str(p[ICMPv6ND_NS].tgt) in targets
    except Exception:
        return False


# ------------------------------------------------------------------------------ checking
def fmt(v):
    if isinstance(v, bytes):
        return v.hex() if len(v) <= 48 else f"{len(v)} bytes {v[:24].hex()}..."
    return repr(v)


def field_list(fr):
    """[(label, value)] of every field of every layer scapy dissects in fr, inner layers
    labelled by occurrence ("IPv6", "IPv6#2" = inner header)."""
    out, seen = [], collections.Counter()
    layer = Ether(fr)
    while layer is not None and not isinstance(layer, NoPayload):
        name = layer.__class__.__name__
        seen[name] += 1
        label = name if seen[name] == 1 else f"{name}#{seen[name]}"
        for f in layer.fields_desc:
            out.append((f"{label}.{f.name}", layer.getfieldval(f.name)))
        layer = layer.payload
    return out


def frame_diff(exp, got):
    """Mismatches between two frames as (what, expected, got), field by field, then raw."""
    diffs = []
    e, g = field_list(exp), field_list(got)
    gd = dict(g)
    ed = dict(e)
    for k, v in e:
        if k not in gd:
            diffs.append((k, v, "<absent>"))
        elif gd[k] != v:
            diffs.append((k, v, gd[k]))
    for k, v in g:
        if k not in ed:
            diffs.append((k, "<absent>", v))
    if exp != got:
        if not diffs:
            i = next((i for i in range(min(len(exp), len(got))) if exp[i] != got[i]),
                     min(len(exp), len(got)))
            diffs.append((f"raw byte {i}", exp[i:i + 16], got[i:i + 16]))
        if len(exp) != len(got):
            diffs.append(("frame length", len(exp), len(got)))
    return diffs


def summary(fr):
    try:
        return Ether(fr).summary()
    except Exception:
        return fr[:32].hex()


class Skip(Exception):
    """A case that cannot run on this build (said why, never counted as passed)."""


class T:
    """One case: collects mismatches."""

    def __init__(self, name, runner):
        self.name = name
        self.runner = runner
        self.fails = []
        self.res = None

    def require_config(self, cfg, why):
        """Skip the case unless dmm-maar --check-config accepts cfg."""
        fd, path = tempfile.mkstemp(prefix="dmm-pkt-", suffix=".yaml")
        with os.fdopen(fd, "w") as f:
            f.write(to_yaml(cfg) + "\n")
        try:
            r = subprocess.run([self.runner.binary, "--check-config", path],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=30)
        finally:
            os.unlink(path)
        if r.returncode != 0:
            raise Skip(f"{why}: {(r.stdout + r.stderr).strip().splitlines()[-1:]}")

    def fail(self, what, exp, got):
        self.fails.append(f"{what}: expected {fmt(exp)}, got {fmt(got)}")

    def check(self, what, exp, got):
        if exp != got:
            self.fail(what, exp, got)
        return exp == got

    def run(self, cfg=None, access=(), core=(), until=None, timeout=20.0):
        self.res = self.runner.run(cfg if cfg is not None else make_config(), list(access),
                                   list(core), until=until, timeout=timeout)
        return self.res

    @property
    def amac(self):
        return self.res.mac[ACCESS]

    @property
    def cmac(self):
        return self.res.mac[CORE]

    def outputs(self, port, ignore=None):
        frames = [fr for _ts, fr in self.res.out[port]]
        return [fr for fr in frames if ignore is None or not ignore(fr)]

    def expect_outputs(self, access=(), core=(), ignore=None, ordered=False):
        """Every output frame must be expected and every expected frame must appear:
        exact matches first, the rest paired in order and reported field by field. A port
        given as None is not checked here."""
        for port, exp in ((ACCESS, access), (CORE, core)):
            if exp is None:
                continue  # this port is checked by the caller
            exp = list(exp)
            pname = PORT_NAMES[port]
            got = self.outputs(port, ignore)
            if ordered and len(exp) == len(got) and exp != got:
                for i, (e, g) in enumerate(zip(exp, got)):
                    if e != g:
                        for what, ev, gv in frame_diff(e, g):
                            self.fail(f"{pname} out #{i} {what}", ev, gv)
                continue
            rest_e, rest_g = [], list(got)
            for e in exp:
                if e in rest_g:
                    rest_g.remove(e)
                else:
                    rest_e.append(e)
            for i, (e, g) in enumerate(zip(rest_e, rest_g)):
                for what, ev, gv in frame_diff(e, g):
                    self.fail(f"{pname} out ({summary(e)}) {what}", ev, gv)
            for e in rest_e[len(rest_g):]:
                self.fail(f"{pname} output", summary(e), "nothing")
            for g in rest_g[len(rest_e):]:
                self.fail(f"{pname} output", "nothing", summary(g))

    def expect_counters(self, ctl=None, **worker):
        """Counters named here must have these values (an int, or (min, max)); every other
        packet counter must be zero."""
        def cmp(block, name, exp, got):
            if isinstance(exp, tuple):
                if not exp[0] <= got <= exp[1]:
                    self.fail(f"{block} counter {name}", f"{exp[0]}..{exp[1]}", got)
            else:
                self.check(f"{block} counter {name}", exp, got)
        for name, got in self.res.total.items():
            if name in IGNORED_WORKER:
                continue
            cmp("worker", name, worker.pop(name, 0), got)
        for name in worker:
            self.fail(f"worker counter {name}", worker[name], "<no such counter>")
        ctl = dict(ctl or {})
        for name, got in self.res.control.items():
            if name in IGNORED_CONTROL:
                continue
            cmp("control", name, ctl.pop(name, 0), got)
        for name in ctl:
            self.fail(f"control counter {name}", ctl[name], "<no such counter>")

    def expect_conservation(self):
        tot = self.res.total
        drops = sum(v for k, v in tot.items() if k.startswith("drop_"))
        self.check("rx == tx + drops + exceptions", tot["rx"],
                   tot["tx"] + drops + tot["exception"])


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def from_gw(l3):
    return frame(ROUTER_MAC, GW_MAC, l3)


def from_y(l3):
    return frame(ROUTER_MAC, Y_MAC, l3)


def from_mn(mn, l3, mac=None):
    return frame(ROUTER_MAC, mac or mn.mac, l3)


def deliver_expect(t, mn, ip):
    return frame(mn.mac, t.amac, dec_hlim(ip))


def route_expect(t, ip, nh_mac=GW_MAC):
    return frame(nh_mac, t.cmac, dec_hlim(ip))


# ------------------------------------------------------------------------------ 1-6 forwarding
@case
def core_to_access_delivery(t):
    """Downlink natively routed to us for a prefix anchored and attached here."""
    p1 = udp6(CN, MN1.addr, hlim=64, tc=0x28, size=100)
    p2 = tcp6(CN2, MN2.addr, hlim=2, fl=0xABCDE)
    p3 = udp6(CN, MN1.addr, hlim=255, size=1400)
    t.run(core=[from_gw(p1), from_gw(p2), from_gw(p3)])
    t.expect_outputs(access=[deliver_expect(t, MN1, p1), deliver_expect(t, MN2, p2),
                             deliver_expect(t, MN1, p3)], ordered=True)
    t.expect_counters(rx=3, tx=3, delivered=3)


DLIF_MAC_HERE = "02:00:5e:00:01:01"  # MN1's DLIF for this MAAR (its anchor)
DLIF_MAC_Y = "02:00:5e:00:02:04"     # MN4's DLIF for peer Y (its anchor)


@case
def dlif_source_mac_on_delivery(t):
    """RFC 8885 §3.7: frames delivered to an MN for a prefix leave with the MAC of the DLIF
    of that prefix's anchor, on native downlink, decapsulated downlink and hairpin; a binding
    without a DLIF MAC keeps the access port's MAC. Needs the static binding key dlif_mac."""
    mn1 = MN(1, MN1.prefix, MN1.anchor, MN1.serving, MN1.mac, dlif_mac=DLIF_MAC_HERE)
    mn4 = MN(4, MN4.prefix, MN4.anchor, MN4.serving, MN4.mac, dlif_mac=DLIF_MAC_Y)

    def edit(cfg):
        cfg["static"]["bindings"] = [binding(m) for m in (mn1, MN2, MN3, mn4, MN5)]
    cfg = make_config(edit)
    t.require_config(cfg, "static.bindings[].dlif_mac not accepted by this dmm-maar")
    d1 = udp6(CN, MN1.addr, size=40)
    d2 = udp6(CN, MN2.addr, size=40)
    i4 = udp6(CN, MN4.addr, size=40)
    hp = udp6(MN2.addr, MN1.addr, size=20)
    up = udp6(MN4.addr, CN, size=20)
    t.run(cfg, core=[from_gw(d1), from_y(ip6ip6(PEER_Y, NODE, i4)), from_gw(d2)],
          access=[from_mn(MN2, hp), from_mn(MN4, up)])
    t.expect_outputs(access=[frame(MN1.mac, DLIF_MAC_HERE, dec_hlim(d1)),
                             frame(MN4.mac, DLIF_MAC_Y, dec_hlim(i4)),
                             frame(MN2.mac, t.amac, dec_hlim(d2)),
                             frame(MN1.mac, DLIF_MAC_HERE, dec_hlim(hp))],
                     core=[encap_expect(t.cmac, Y_MAC, PEER_Y, up)])
    t.expect_counters(rx=5, tx=5, delivered=4, decap=1, encap=1)


@case
def core_to_core_encap(t):
    """Downlink for a prefix anchored here whose MN is served by peer Y: ip6ip6 to Y."""
    a1 = udp6(CN, MN3.addr, tc=0xBA, sport=1000, dport=2000)   # DSCP EF + ECT(0)
    a2 = udp6(CN, MN3.addr, tc=0xBA, sport=1000, dport=2000)   # same flow, other payload
    b = udp6(CN, MN3.addr, tc=0x03, sport=1001, dport=2000)    # other flow, CE
    c = tcp6(CN2, MN3.addr, sport=3333)
    l1 = udp6(CN, MN3.addr, fl=0x12345, sport=1000, dport=2000)
    l2 = udp6(CN, MN3.addr, fl=0x12345, sport=7777, dport=8888)  # same label, other ports
    l3 = udp6(CN, MN3.addr, fl=0x54321, sport=1000, dport=2000)
    ins = [a1, a2, b, c, l1, l2, l3]
    t.run(core=[from_gw(p) for p in ins])
    exp = [encap_expect(t.cmac, Y_MAC, PEER_Y, p) for p in ins]
    t.expect_outputs(core=exp, ordered=True)
    t.expect_counters(rx=7, tx=7, encap=7)
    out = t.outputs(CORE)
    if len(out) == 7:
        fls = [outer_fl(f) for f in out]
        for i, f in enumerate(fls):
            if f == 0:
                t.fail(f"outer flow label of packet {i}", "non-zero", 0)
        t.check("outer flow label equal for one inner flow (a1, a2)", fls[0], fls[1])
        if fls[0] == fls[2]:
            t.fail("outer flow label differs between flows (a1, b)", "different", fls[2])
        if fls[0] == fls[3]:
            t.fail("outer flow label differs between flows (a1, c)", "different", fls[3])
        t.check("outer flow label from the inner label, ports ignored (l1, l2)", fls[4], fls[5])
        if fls[4] == fls[6]:
            t.fail("outer flow label differs for another inner label (l1, l3)", "different",
                   fls[6])
        if fls[4] == fls[0]:
            t.fail("outer flow label of a labelled flow differs from the unlabelled one",
                   "different", fls[4])


@case
def decap_to_access(t):
    """ip6ip6 from peer Y for an MN attached here whose prefix Y anchors."""
    i1 = udp6(CN, MN4.addr, hlim=60, tc=0xB8, size=200)
    i2 = tcp6(CN2, MN4.addr, hlim=10, fl=0x1)
    o1 = ip6ip6(PEER_Y, NODE, i1, hlim=3)   # outer hop limit is irrelevant: it is ours
    o2 = ip6ip6(PEER_Y, NODE, i2, tc=0xFC, fl=0x55555)  # outer DSCP is not copied inward
    t.run(core=[from_y(o1), from_y(o2)])
    t.expect_outputs(access=[deliver_expect(t, MN4, i1), deliver_expect(t, MN4, i2)],
                     ordered=True)
    t.expect_counters(rx=2, tx=2, decap=2, delivered=2)


@case
def decap_ecn(t):
    """RFC 6040 §4.2 decapsulation table (Figure 4); CE over Not-ECT is dropped."""
    NOT, ECT1, ECT0, CE = 0, 1, 2, 3
    rows = [  # (outer, inner, result or None = drop)
        (NOT, ECT0, ECT0), (NOT, NOT, NOT), (ECT0, NOT, NOT), (ECT0, ECT1, ECT1),
        (ECT1, ECT0, ECT1), (ECT1, NOT, NOT), (ECT1, CE, CE), (CE, ECT0, CE), (CE, ECT1, CE),
        (CE, CE, CE), (CE, NOT, None), (ECT0, CE, CE),
    ]
    ins, kept = [], []
    for outer, inner, result in rows:
        ip = udp6(CN, MN4.addr, tc=0x20 | inner)  # inner DSCP 8 must survive
        ins.append(from_y(ip6ip6(PEER_Y, NODE, ip, tc=0x48 | outer)))  # outer DSCP 18
        if result is not None:
            kept.append((ip, result))
    t.run(core=ins)
    exp = [frame(MN4.mac, t.amac, set_ecn(dec_hlim(ip), r)) for ip, r in kept]
    t.expect_outputs(access=exp, ordered=True)
    t.expect_counters(rx=len(rows), tx=len(rows) - 1, decap=len(rows) - 1,
                      delivered=len(rows) - 1, drop_ecn=1)


@case
def decap_reverse_tunnel_uplink(t):
    """ip6ip6 from Y carrying uplink of an MN Y serves, with a prefix anchored here: routed
    natively (to the core via the default route, or to an MN attached here)."""
    i1 = udp6(MN3.addr, CN, hlim=64, tc=0x12, size=300)
    i2 = udp6(MN3.addr, MN1.addr, hlim=33)
    t.run(core=[from_y(ip6ip6(PEER_Y, NODE, i1)), from_y(ip6ip6(PEER_Y, NODE, i2))])
    t.expect_outputs(core=[route_expect(t, i1)], access=[deliver_expect(t, MN1, i2)])
    t.expect_counters(rx=2, tx=2, decap=2, routed=1, delivered=1)


@case
def access_uplink_routed(t):
    """Uplink from an MN with a local prefix: routed to the gateway (static neighbour)."""
    p1 = udp6(MN1.addr, CN, hlim=64, tc=0x2E, fl=0x77, size=500)
    p2 = tcp6(MN2.addr, CN2, hlim=2)
    p3 = udp6(MN1.addr, PEER_Y, hlim=9)   # host route to Y via Y itself
    t.run(access=[from_mn(MN1, p1), from_mn(MN2, p2), from_mn(MN1, p3)])
    t.expect_outputs(core=[route_expect(t, p1), route_expect(t, p2),
                           route_expect(t, p3, Y_MAC)], ordered=True)
    t.expect_counters(rx=3, tx=3, routed=3)


@case
def access_hairpin(t):
    """MN to MN on this MAAR, and MN to an MN of ours that moved to Y (tunnelled)."""
    p1 = udp6(MN1.addr, MN2.addr, hlim=64)
    p2 = udp6(MN2.addr, MN1.addr, hlim=5, tc=0x01)
    p3 = udp6(MN1.addr, MN3.addr, hlim=64)
    t.run(access=[from_mn(MN1, p1), from_mn(MN2, p2), from_mn(MN1, p3)])
    t.expect_outputs(access=[deliver_expect(t, MN2, p1), deliver_expect(t, MN1, p2)],
                     core=[encap_expect(t.cmac, Y_MAC, PEER_Y, p3)])
    t.expect_counters(rx=3, tx=3, delivered=2, encap=1)


@case
def access_reverse_tunnel(t):
    """Uplink from an MN whose prefix another MAAR anchors: ip6ip6 to that anchor (Y on
    link via its own MAC, Z via the gateway)."""
    p1 = udp6(MN4.addr, CN, hlim=64, tc=0xB9, size=700)
    p2 = tcp6(MN4.addr, MN1.addr, hlim=64)   # even towards a local MN: back to the anchor
    p3 = udp6(MN5.addr, CN2, hlim=7, fl=0xFFFFF)
    t.run(access=[from_mn(MN4, p1), from_mn(MN4, p2), from_mn(MN5, p3)])
    t.expect_outputs(core=[encap_expect(t.cmac, Y_MAC, PEER_Y, p1),
                           encap_expect(t.cmac, Y_MAC, PEER_Y, p2),
                           encap_expect(t.cmac, GW_MAC, PEER_Z, p3)], ordered=True)
    t.expect_counters(rx=3, tx=3, encap=3)


# ------------------------------------------------------------------------------ 7 exceptions
@case
def ns_for_own_address_access(t):
    """NS from an MN for the access address, and a DAD probe for it: NA from the port."""
    ns1 = ns_frame(MN1.mac, MN1.addr, ACCESS_ADDR)
    ns2 = ns_frame(MN2.mac, "::", ACCESS_ADDR, slla=False)
    t.run(access=[ns1, ns2])
    t.expect_outputs(access=[
        na_expect(t.amac, MN1.mac, MN1.addr, ACCESS_ADDR),
        na_expect(t.amac, "33:33:00:00:00:01", "ff02::1", ACCESS_ADDR, solicited=False)])
    for fr in t.outputs(ACCESS):
        t.check("NA ICMPv6 checksum valid", True, icmp6_cksum_ok(fr[14:]))
    t.expect_counters(rx=2, exception=2, exc_nd=2, ctl={"exc_rx": 2, "na_sent": 2})


@case
def ns_for_own_address_core(t):
    """NS from the gateway for the node address; NS for it on the wrong link is ignored."""
    ns1 = ns_frame(GW_MAC, GW, NODE)
    ns2 = ns_frame(MN1.mac, MN1.addr, NODE)          # node address is not on access
    t.run(core=[ns1], access=[ns2])
    t.expect_outputs(core=[na_expect(t.cmac, GW_MAC, GW, NODE)])
    for fr in t.outputs(CORE):
        t.check("NA ICMPv6 checksum valid", True, icmp6_cksum_ok(fr[14:]))
    t.expect_counters(rx=2, exception=2, exc_nd=2,
                      ctl={"exc_rx": 2, "na_sent": 1, "ignored": 1})


@case
def ns_invalid_not_answered(t):
    """NSs that must not be answered (RFC 4861 §7.1.1): hop limit not 255, bad checksum,
    code not 0, a zero-length option, DAD with an SLLA; and a valid one for an address that
    is not ours."""
    bad_ck = bytearray(ns_frame(MN1.mac, MN1.addr, ACCESS_ADDR))
    bad_ck[14 + 40 + 2] ^= 0xFF
    sn = socket.inet_ntop(socket.AF_INET6, in6_getnsma(ip_b(ACCESS_ADDR)))
    code1 = frame(in6_getnsmac(ip_b(sn)), MN1.mac,
                  IPv6(src=MN1.addr, dst=sn, hlim=255) / ICMPv6ND_NS(code=1, tgt=ACCESS_ADDR))
    zero_opt = frame(in6_getnsmac(ip_b(sn)), MN1.mac,
                     IPv6(src=MN1.addr, dst=sn, hlim=255) / ICMPv6ND_NS(tgt=ACCESS_ADDR)
                     / ICMPv6NDOptSrcLLAddr(len=0, lladdr=MN1.mac))
    ins = [ns_frame(MN1.mac, MN1.addr, ACCESS_ADDR, hlim=64), bytes(bad_ck), code1, zero_opt,
           ns_frame(MN1.mac, "::", ACCESS_ADDR, slla=True),
           ns_frame(MN1.mac, MN1.addr, "2001:db8:a::2")]
    t.run(access=ins)
    t.expect_outputs()
    t.expect_counters(rx=6, exception=6, exc_nd=6,
                      ctl={"exc_rx": 6, "malformed": 5, "ignored": 1})


@case
def exceptions_without_answer(t):
    """Punted packets that get no answer: RS (counted for the access-link work), RA, a
    malformed MH to the node address (mh_bad), UDP, an echo reply, ip6ip6 arriving
    on the access port, an echo request with a bad checksum."""
    rs = frame("33:33:00:00:00:02", MN1.mac,
               IPv6(src="fe80::1:1", dst="ff02::2", hlim=255) / ICMPv6ND_RS()
               / ICMPv6NDOptSrcLLAddr(lladdr=MN1.mac))
    ra = frame("33:33:00:00:00:01", GW_MAC,
               IPv6(src="fe80::fe", dst="ff02::1", hlim=255) / ICMPv6ND_RA())
    mh = from_y(bytes(IPv6(src=PEER_Y, dst=NODE, nh=135) / Raw(b"\x3b\x01\x05\x00" + bytes(4))))
    udp = from_gw(udp6(CN, NODE))
    rep = from_gw(bytes(IPv6(src=CN, dst=NODE) / ICMPv6EchoReply(id=1, seq=1)))
    tun = from_mn(MN1, ip6ip6(MN1.addr, ACCESS_ADDR, udp6(MN1.addr, CN)))
    bad = bytearray(from_mn(MN1, bytes(IPv6(src=MN1.addr, dst=ACCESS_ADDR)
                                       / ICMPv6EchoRequest(id=5, seq=5))))
    bad[14 + 40 + 2] ^= 0x55
    t.run(access=[rs, tun, bytes(bad)], core=[ra, mh, udp, rep])
    t.expect_outputs()
    t.expect_counters(rx=7, exception=7, exc_nd=2, exc_local=5,
                      ctl={"exc_rx": 7, "rs_rx": 1, "mh_bad": 1, "ignored": 4, "malformed": 1})


def sum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def mh_with_cksum(src, dst, mh):
    """A Mobility Header with its RFC 6275 §6.1.1 checksum (pseudo-header, next header 135)."""
    pseudo = socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
    pseudo += struct.pack("!IxxxB", len(mh), 135)
    mh = bytearray(mh)
    mh[4:6] = b"\0\0"
    mh[4:6] = struct.pack("!H", 0xFFFF - sum16(pseudo + bytes(mh)))
    return bytes(mh)


def mh6(src, dst, mh):
    return bytes(IPv6(src=src, dst=dst, nh=135, hlim=64) / Raw(mh))


@case
def mh_to_node(t):
    """Mobility Headers to the node address (RFC 6275 §9.2): a valid PBU is counted; a bad
    checksum (V1) and a Header Len past the data (V5) are dropped silently (mh_bad); a
    payload proto other than 59 (V3) and a Header Len below the type's minimum (V4) are
    dropped and answered with ICMPv6 Parameter Problem code 0 pointing at the field (IPv6
    header + 0, + 1); an unknown MH type (V2) gets a Binding Error with status 2 back to its
    source, from the address it was sent to."""
    # PBU: seq 7, flags A|P|D, lifetime 900, PadN(2) to 16 octets.
    pbu = mh_with_cksum(PEER_Y, NODE, b"\x3b\x01\x05\x00\x00\x00" + struct.pack(
        "!HHH", 7, 0x8210, 900) + b"\x01\x02\x00\x00")
    bad_ck = bytearray(pbu)
    bad_ck[4] ^= 0x01
    bad_len = mh_with_cksum(PEER_Y, NODE, b"\x3b\x02\x05\x00\x00\x00" + bytes(10))
    bad_proto = mh_with_cksum(PEER_Y, NODE, b"\x06" + pbu[1:])
    short = mh_with_cksum(PEER_Y, NODE, b"\x3b\x00\x05\x00\x00\x00\x00\x07")
    unknown = mh_with_cksum(PEER_Y, NODE, b"\x3b\x00\x63\x00\x00\x00\x00\x00")
    t.run(core=[from_y(mh6(PEER_Y, NODE, m))
                for m in (pbu, bytes(bad_ck), bad_len, bad_proto, short, unknown)])
    # Binding Error: 24 octets, Header Len 2, type 7, status 2, Home Address :: (§9.3.3).
    be = mh_with_cksum(NODE, PEER_Y, b"\x3b\x02\x07\x00\x00\x00\x02\x00" + bytes(16))
    t.expect_outputs(core=[
        icmp_error_expect(t.cmac, Y_MAC, NODE, mh6(PEER_Y, NODE, bad_proto),
                          ICMPv6ParamProblem(code=0, ptr=40)),
        icmp_error_expect(t.cmac, Y_MAC, NODE, mh6(PEER_Y, NODE, short),
                          ICMPv6ParamProblem(code=0, ptr=41)),
        frame(Y_MAC, t.cmac, mh6(NODE, PEER_Y, be))])
    for fr in t.outputs(CORE):
        t.check("core output checksum valid", True,
                icmp6_cksum_ok(fr[14:]) if fr[20] == 58 else True)
    t.expect_counters(rx=6, exception=6, exc_local=6,
                      ctl={"exc_rx": 6, "mh_rx": 1, "mh_bad": 5, "mh_be_sent": 1,
                           "icmp_param_problem": 2})


@case
def V6_no_binding_error_to_multicast_source(t):
    """V6 (RFC 6275 §9.3.3): an unknown MH type from a multicast source reaches the control
    lcore (it is addressed to the node) but gets no Binding Error: dropped, counted mh_bad."""
    unknown = mh_with_cksum("ff02::1", NODE, b"\x3b\x00\x63\x00\x00\x00\x00\x00")
    t.run(core=[from_y(mh6("ff02::1", NODE, unknown))])
    t.expect_outputs(core=[])
    t.expect_counters(rx=1, exception=1, exc_local=1,
                      ctl={"exc_rx": 1, "mh_bad": 1, "mh_be_sent": 0})


@case
def echo_reply(t):
    """Echo request to the node address from the core, and to the access address from an
    MN: turned around with hop limit 64."""
    r1 = bytes(IPv6(src=CN, dst=NODE, hlim=30) / ICMPv6EchoRequest(id=0x1234, seq=7,
                                                                    data=payload(56)))
    r2 = bytes(IPv6(src=MN1.addr, dst=ACCESS_ADDR, hlim=1) / ICMPv6EchoRequest(id=9, seq=1,
                                                                               data=b"ping"))
    t.run(core=[from_gw(r1)], access=[from_mn(MN1, r2)])
    q1 = IPv6(r1)
    e1 = bytes(IPv6(src=NODE, dst=CN, hlim=64) / ICMPv6EchoReply(id=0x1234, seq=7,
                                                                 data=q1[ICMPv6EchoRequest].data))
    e2 = bytes(IPv6(src=ACCESS_ADDR, dst=MN1.addr, hlim=64) / ICMPv6EchoReply(id=9, seq=1,
                                                                              data=b"ping"))
    t.expect_outputs(core=[frame(GW_MAC, t.cmac, e1)], access=[frame(MN1.mac, t.amac, e2)])
    for port in (ACCESS, CORE):
        for fr in t.outputs(port):
            t.check(f"{PORT_NAMES[port]} echo reply checksum valid", True,
                    icmp6_cksum_ok(fr[14:]))
    t.expect_counters(rx=2, exception=2, exc_local=2, ctl={"exc_rx": 2, "echo_replies": 2})


@case
def hop_limit_time_exceeded(t):
    """Hop limit 1 (and 0) on a packet we would forward, at every forwarding decision
    (route, deliver, hairpin, tunnel in both directions): Time Exceeded to the source, out of
    the ingress port, quoting the packet as received; never about an ICMPv6 error."""
    a_in = [udp6(MN1.addr, CN, hlim=1, size=80),      # route to the gateway
            udp6(MN1.addr, CN2, hlim=0),              # hop limit 0 too
            udp6(MN1.addr, MN2.addr, hlim=1),         # hairpin
            udp6(MN4.addr, CN, hlim=1),               # reverse tunnel to Y
            udp6(MN1.addr, MN3.addr, hlim=1)]         # to our MN that moved to Y
    c_in = [udp6(CN, MN1.addr, hlim=1, size=1300),    # delivery (quote cut to 1232 bytes)
            udp6(CN, MN3.addr, hlim=1)]               # tunnel to Y
    err = bytes(IPv6(src=MN1.addr, dst=CN, hlim=1) / ICMPv6DestUnreach(code=1)
                / Raw(udp6(CN, MN1.addr)))
    t.run(access=[from_mn(MN4 if IPv6(p).src == MN4.addr else MN1, p) for p in a_in]
          + [from_mn(MN1, err)], core=[from_gw(p) for p in c_in])
    t.expect_outputs(
        access=[icmp_error_expect(t.amac, MN4.mac if IPv6(p).src == MN4.addr else MN1.mac,
                                  ACCESS_ADDR, p, ICMPv6TimeExceeded()) for p in a_in],
        core=[icmp_error_expect(t.cmac, GW_MAC, NODE, p, ICMPv6TimeExceeded()) for p in c_in])
    for port in (ACCESS, CORE):
        for fr in t.outputs(port):
            t.check(f"{PORT_NAMES[port]} Time Exceeded checksum valid", True,
                    icmp6_cksum_ok(fr[14:]))
    n = len(a_in) + len(c_in) + 1
    t.expect_counters(rx=n, exception=n, exc_hop_limit=n,
                      ctl={"exc_rx": n, "icmp_time_exceeded": n - 1})


@case
def hop_limit_after_drop_reasons(t):
    """A packet the MAAR would not forward is dropped (or, from an unknown source, handed to
    the control lcore as a possible attachment) even with hop limit 1: no Time Exceeded for
    spoofed or unknown sources or unrouted destinations (RFC 4443 §3.3 is about forwarding;
    anti-spoofing comes first, DESIGN.md §3). One with a route but an unresolved next hop
    would be forwarded: Time Exceeded."""
    def cfg_edit(cfg):
        cfg["static"]["routes"].append({"prefix": "2001:db8:777::/48", "via": NH77})
    unres = udp6(MN1.addr, "2001:db8:777::1", hlim=1)
    t.run(make_config(cfg_edit),
          access=[from_mn(MN1, udp6(UNKNOWN_DST, CN, hlim=1), mac=OTHER_MAC),  # unknown
                  from_mn(MN1, udp6(MN1.addr, CN, hlim=1), mac=MN2.mac),       # wrong MAC
                  from_mn(MN1, udp6(MN3.addr, CN, hlim=1)),                    # served by Y
                  from_mn(MN1, udp6(MN1.addr, UNALLOCATED, hlim=1)),           # no route
                  from_mn(MN1, unres)],
          core=[from_gw(udp6(CN, UNKNOWN_DST, hlim=1)),                        # not ours
                from_gw(udp6(CN, MN4.addr, hlim=1))])                          # anchored at Y
    t.expect_outputs(
        access=[icmp_error_expect(t.amac, MN1.mac, ACCESS_ADDR, unres, ICMPv6TimeExceeded())],
        core=[], ignore=lambda fr: is_ns_for(fr, {NH77}))
    t.expect_counters(rx=7, drop_spoofed_src=1, drop_no_route=3, exception=3, exc_hop_limit=1,
                      exc_unknown_src=2,
                      ctl={"exc_rx": 3, "icmp_time_exceeded": 1, "ns_sent": (1, 2),
                           "ignored": 2})


def tunnel_mtu_1300(cfg):
    cfg["tunnel"]["mtu"] = 1300


@case
def packet_too_big_tunnel(t):
    """Inner packet over the tunnel MTU (1300): Packet Too Big with MTU 1300 back out of the
    ingress port (RFC 2473 §7), both for downlink to Y and reverse-tunnelled uplink; a
    packet of exactly 1300 bytes still goes through."""
    down = udp6(CN, MN3.addr, size=1400 - 48)
    up = udp6(MN4.addr, CN, size=1400 - 48)
    fits = udp6(CN, MN3.addr, size=1300 - 48)
    t.run(make_config(tunnel_mtu_1300), core=[from_gw(down), from_gw(fits)],
          access=[from_mn(MN4, up)])
    t.check("test packet size", 1400, len(down))
    t.expect_outputs(
        core=[icmp_error_expect(t.cmac, GW_MAC, NODE, down, ICMPv6PacketTooBig(mtu=1300)),
              encap_expect(t.cmac, Y_MAC, PEER_Y, fits)],
        access=[icmp_error_expect(t.amac, MN4.mac, ACCESS_ADDR, up,
                                  ICMPv6PacketTooBig(mtu=1300))])
    for port in (ACCESS, CORE):
        for fr in t.outputs(port):
            p = Ether(fr)
            if ICMPv6PacketTooBig in p:
                t.check("PTB MTU", 1300, p[ICMPv6PacketTooBig].mtu)
                t.check("PTB length (1280 max)", 1280, len(fr) - 14)
                t.check("PTB checksum valid", True, icmp6_cksum_ok(fr[14:]))
    t.expect_counters(rx=3, tx=1, encap=1, exception=2, exc_too_big=2,
                      ctl={"exc_rx": 2, "icmp_too_big": 2})


@case
def packet_too_big_access_mtu(t):
    """Delivery to an access link with a smaller MTU (1280): Packet Too Big to the source,
    for native downlink and for decapsulated downlink (then about the inner packet, sent
    natively to its source through the frame's sender, the peer). Exactly 1280 fits."""
    p = udp6(CN, MN1.addr, size=1400 - 48)
    i = udp6(CN2, MN4.addr, size=1300 - 48)
    fits = udp6(CN, MN1.addr, size=1280 - 48)

    def small_access(cfg):
        cfg["ports"][ACCESS]["mtu"] = 1280
    t.run(make_config(small_access),
          core=[from_gw(p), from_y(ip6ip6(PEER_Y, NODE, i)), from_gw(fits)])
    t.expect_outputs(
        core=[icmp_error_expect(t.cmac, GW_MAC, NODE, p, ICMPv6PacketTooBig(mtu=1280)),
              icmp_error_expect(t.cmac, Y_MAC, NODE, i, ICMPv6PacketTooBig(mtu=1280))],
        access=[deliver_expect(t, MN1, fits)])
    t.expect_counters(rx=3, tx=1, delivered=1, decap=1, exception=2, exc_too_big=2,
                      ctl={"exc_rx": 2, "icmp_too_big": 2})


@case
def icmp_rate_limit(t):
    """50 packets over the tunnel MTU with icmp rate 1/s burst 5: exactly 5 PTBs."""
    ins = [from_gw(udp6(CN, MN3.addr, sport=1000 + i, size=1400 - 48)) for i in range(50)]

    def cfg_edit(cfg):
        tunnel_mtu_1300(cfg)
        cfg["icmp"] = {"rate": 1, "burst": 5}
    t.run(make_config(cfg_edit), core=ins)
    out = t.outputs(CORE)
    t.check("number of PTBs", 5, len(out))
    # The first five get through the bucket, in order.
    exp = [icmp_error_expect(t.cmac, GW_MAC, NODE, Ether(ins[i])[IPv6].build(),
                             ICMPv6PacketTooBig(mtu=1300)) for i in range(5)]
    t.expect_outputs(core=exp, ordered=True)
    t.expect_counters(rx=50, exception=50, exc_too_big=50,
                      ctl={"exc_rx": 50, "icmp_too_big": 5, "icmp_ratelimited": 45})


# ------------------------------------------------------------------------------ 8 NDP
def no_gw_neighbour(cfg):
    cfg["static"]["neighbours"] = [{"address": PEER_Y, "mac": Y_MAC}]


@case
def ndp_solicits_gateway(t):
    """Without a static neighbour the gateway is solicited at once and then every second
    while unresolved (RFC 4861 §7.2.2: solicited-node destination, SLLA option)."""
    t.run(make_config(no_gw_neighbour), until=lambda tot, ctl: ctl["ns_sent"] >= 2)
    out = t.res.out[CORE]
    exp = ns_expect(t.cmac, NODE, GW)
    t.expect_outputs(core=[exp, exp], access=[])
    for i, (_ts, fr) in enumerate(out):
        for what, ev, gv in frame_diff(exp, fr):
            t.fail(f"NS #{i} {what}", ev, gv)
        t.check(f"NS #{i} ICMPv6 checksum valid", True, icmp6_cksum_ok(fr[14:]))
        p = Ether(fr)
        t.check(f"NS #{i} destination", "ff02::1:ff00:fe", p[IPv6].dst)
        t.check(f"NS #{i} MAC destination", "33:33:ff:00:00:fe", p.dst)
        t.check(f"NS #{i} target", GW, p[ICMPv6ND_NS].tgt)
        t.check(f"NS #{i} hop limit", 255, p[IPv6].hlim)
    if len(out) >= 2:
        gap = out[1][0] - out[0][0]
        if not 0.8 <= gap <= 2.0:
            t.fail("NS retransmission interval (s)", "about 1", round(gap, 3))
    t.expect_counters(ctl={"ns_sent": 2})


def na_from_gw(mac=GW_MAC, target=GW, tlla=True, dst=NODE, flags=(1, 1, 1)):
    p = IPv6(src=target, dst=dst, hlim=255) / ICMPv6ND_NA(R=flags[0], S=flags[1], O=flags[2],
                                                          tgt=target)
    if tlla:
        p = p / ICMPv6NDOptDstLLAddr(lladdr=mac)
    return frame(ROUTER_MAC, mac, bytes(p))


FILLER = 100000


def filler(n=FILLER):
    """Frames the fast path drops at once (multicast UDP): a delay measured in packets."""
    fr = frame("33:33:00:00:12:34", OTHER_MAC, udp6(CN, "ff02::1234", size=8))
    return [fr] * n


def learn_case(t, teach, answer=None):
    """teach(mac) arrives on the core first; uplink data to the gateway follows on the
    access port after FILLER dropped frames, and must go out with the learnt MAC. answer(t,
    mac) is what the control lcore sends back to teach, if anything."""
    learnt = "02:00:00:00:fe:fe"
    data = [udp6(MN1.addr, CN, sport=5000 + i) for i in range(5)]
    t.run(make_config(no_gw_neighbour), core=[teach(learnt)],
          access=filler() + [from_mn(MN1, p) for p in data])
    t.expect_outputs(core=[route_expect(t, p, learnt) for p in data]
                     + (answer(t, learnt) if answer else []),
                     ignore=lambda fr: is_ns_for(fr, {GW}))
    # The fast path keeps the order of the data.
    t.check("routed data in input order", [route_expect(t, p, learnt) for p in data],
            [fr for fr in t.outputs(CORE) if UDP in Ether(fr)])
    for fr in t.outputs(CORE, ignore=lambda fr: not is_ns_for(fr, {GW})):
        for what, ev, gv in frame_diff(ns_expect(t.cmac, NODE, GW), fr):
            t.fail(f"NS {what}", ev, gv)
    t.expect_outputs(access=[], core=None)
    return data


@case
def ndp_learns_gateway_from_na(t):
    """An NA for the gateway (the answer to our NS, which may leave after it arrives: the
    control lcore learns from any NA whose target is a next hop) resolves it; uplink data
    that follows is routed with the learnt MAC."""
    data = learn_case(t, lambda mac: na_from_gw(mac))
    t.expect_counters(rx=FILLER + 1 + len(data), tx=len(data), routed=len(data),
                      drop_multicast=FILLER, exception=1, exc_nd=1,
                      ctl={"exc_rx": 1, "na_learned": 1, "ns_sent": (0, 1)})


@case
def ndp_learns_gateway_from_ns(t):
    """An NS from the gateway with SLLA (for our node address) also resolves it, and is
    answered."""
    data = learn_case(t, lambda mac: ns_frame(mac, GW, NODE),
                      answer=lambda t, mac: [na_expect(t.cmac, mac, GW, NODE)])
    t.expect_counters(rx=FILLER + 1 + len(data), tx=len(data), routed=len(data),
                      drop_multicast=FILLER, exception=1, exc_nd=1,
                      ctl={"exc_rx": 1, "na_learned": 1, "na_sent": 1, "ns_sent": (0, 1)})


@case
def ndp_ignores_unrelated_na(t):
    """NAs that must teach nothing: a target that is no next hop, an NA on the access port,
    one with a bad checksum, one with hop limit 64. Uplink data stays unresolved."""
    bad_ck = bytearray(na_from_gw("02:00:00:00:fe:fe"))
    bad_ck[14 + 40 + 2] ^= 0xFF
    hl64 = Ether(na_from_gw("02:00:00:00:fe:fe"))
    hl64[IPv6].hlim = 64
    del hl64[IPv6].payload.cksum
    core = [na_from_gw("02:00:00:00:fe:01", target="2001:db8:ff::55"), bytes(bad_ck),
            bytes(hl64)]
    access = [na_from_gw("02:00:00:00:fe:02")] + filler() + [
        from_mn(MN1, udp6(MN1.addr, CN))]
    t.run(make_config(no_gw_neighbour), core=core, access=access)
    t.expect_outputs(ignore=lambda fr: is_ns_for(fr, {GW}))
    t.expect_counters(rx=len(core) + len(access), drop_multicast=FILLER, drop_no_neighbour=1,
                      exception=4, exc_nd=4,
                      ctl={"exc_rx": 4, "ignored": 1, "malformed": 2, "ns_sent": (1, 2)})


# ------------------------------------------------------------------------------ 9 drops
def drop_case(t, reason, access=(), core=(), cfg=None, ignore=None, ctl=None, **more):
    access, core = list(access), list(core)
    t.run(cfg, access=access, core=core)
    t.expect_outputs(ignore=ignore)
    n = len(access) + len(core)
    t.expect_counters(rx=n, ctl=ctl, **dict({"drop_" + reason: n}, **more))


@case
def drop_not_ipv6(t):
    arp = bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=MN1.mac)
                / ARP(op=1, hwsrc=MN1.mac, psrc="10.0.0.2", pdst="10.0.0.1"))
    ip4 = bytes(Ether(dst=ROUTER_MAC, src=MN1.mac) / IP(src="10.0.0.2", dst="10.0.0.1")
                / UDP() / Raw(b"x" * 20))
    ip4c = bytes(Ether(dst=ROUTER_MAC, src=GW_MAC) / IP(src="10.9.0.2", dst="10.0.0.1") / UDP())
    drop_case(t, "not_ipv6", access=[arp, ip4], core=[ip4c])


@case
def drop_vlan(t):
    p = udp6(MN1.addr, CN)
    q = bytes(Ether(dst=ROUTER_MAC, src=MN1.mac) / Dot1Q(vlan=10) / IPv6(p))
    qinq = mac_b(ROUTER_MAC) + mac_b(GW_MAC) + struct.pack("!HHHH", 0x88A8, 20, 0x8100, 30) \
        + struct.pack("!H", 0x86DD) + udp6(CN, MN1.addr)
    drop_case(t, "vlan", access=[q], core=[qinq])


@case
def drop_truncated(t):
    short = frame(ROUTER_MAC, MN1.mac, udp6(MN1.addr, CN)[:20])
    runt = frame(ROUTER_MAC, GW_MAC, b"")[:10]
    drop_case(t, "truncated", access=[short], core=[runt])


@case
def drop_bad_version(t):
    p = bytearray(udp6(MN1.addr, CN))
    p[0] = (4 << 4) | (p[0] & 0x0F)
    ip4 = bytes(IP(src="10.0.0.2", dst="10.0.0.1") / UDP() / Raw(b"y" * 40))
    drop_case(t, "bad_version", access=[from_mn(MN1, bytes(p))], core=[from_gw(ip4)])


@case
def drop_bad_length(t):
    p = bytearray(udp6(MN1.addr, CN, size=64))
    struct.pack_into("!H", p, 4, 8 + 64 + 1)
    q = bytearray(udp6(CN, MN1.addr, size=64))
    struct.pack_into("!H", q, 4, 0xFFFF)
    drop_case(t, "bad_length", access=[from_mn(MN1, bytes(p))], core=[from_gw(bytes(q))])


@case
def trimmed_padding(t):
    """A frame longer than its IPv6 packet (link padding): forwarded without the tail."""
    p1 = udp6(CN, MN1.addr, size=8)
    p2 = udp6(MN1.addr, CN, size=100)
    p3 = udp6(CN, MN3.addr, size=20)
    t.run(core=[from_gw(p1 + b"\0" * 10), from_gw(p3 + b"PADPAD")],
          access=[from_mn(MN1, p2 + b"\xaa" * 3)])
    t.expect_outputs(access=[deliver_expect(t, MN1, p1)],
                     core=[route_expect(t, p2), encap_expect(t.cmac, Y_MAC, PEER_Y, p3)])
    t.expect_counters(rx=3, tx=3, trimmed=3, delivered=1, routed=1, encap=1)


@case
def drop_hop_limit_decap(t):
    """Inner hop limit 1 (or 0) after decapsulation: dropped, not punted."""
    i1 = udp6(CN, MN4.addr, hlim=1)
    i2 = udp6(MN3.addr, CN, hlim=0)
    drop_case(t, "hop_limit", core=[from_y(ip6ip6(PEER_Y, NODE, i1)),
                                    from_y(ip6ip6(PEER_Y, NODE, i2))])


@case
def drop_spoofed_wrong_mac(t):
    """An MN that spoofs another MN's prefix gets nothing through (issue 4): MN2's MAC with
    MN1's or MN4's source, to every kind of destination (routed, hairpin, reverse tunnel, the
    other MN itself), hop limit 1 included; a host that is nobody's MN likewise. All dropped
    as spoofed_src; none is taken for an attachment."""
    access = [from_mn(MN2, udp6(MN1.addr, CN)), from_mn(MN2, udp6(MN1.addr, MN2.addr)),
              from_mn(MN2, udp6(MN1.addr, MN1.addr)), from_mn(MN2, tcp6(MN4.addr, CN)),
              from_mn(MN2, udp6(MN4.addr, MN1.addr)), from_mn(MN2, udp6(MN1.addr, CN, hlim=1)),
              from_mn(MN1, udp6(MN1.addr, CN), mac=OTHER_MAC),
              from_mn(MN4, udp6(MN4.addr, CN), mac=OTHER_MAC),
              from_mn(MN2, udp6("::", CN))]  # the unspecified address is nobody's source
    drop_case(t, "spoofed_src", access=access)


@case
def unknown_src_to_control_for_attachment(t):
    """Issue 4 hook: frames from a source /64 no MN attached here owns (outside our prefixes,
    an unallocated prefix of our pool, another MAAR's prefix, a prefix anchored here whose MN
    is served by Y) are not forwarded but handed to the control lcore as exc_unknown_src
    (it ignores them until attachment detection is in). Link-local sources stay dropped (S12)
    and link-local ND keeps going the ND way."""
    access = [from_mn(MN1, udp6(UNKNOWN_DST, CN), mac=OTHER_MAC),
              from_mn(MN1, udp6(UNALLOCATED, CN), mac=OTHER_MAC),
              from_mn(MN1, udp6("2001:db8:200:99::1", CN), mac=OTHER_MAC),
              from_mn(MN1, tcp6(MN3.addr, CN)),
              from_mn(MN1, udp6(MN3.addr, CN), mac=OTHER_MAC)]
    ll = [from_mn(MN1, udp6("fe80::5", CN), mac=OTHER_MAC)]
    rs = [frame("33:33:00:00:00:02", OTHER_MAC,
                bytes(IPv6(src="fe80::5", dst="ff02::2", hlim=255) / ICMPv6ND_RS()))]
    t.run(access=access + ll + rs)
    t.expect_outputs()
    t.check("frames out", 0, len(t.outputs(ACCESS)) + len(t.outputs(CORE)))
    n = len(access)
    t.expect_counters(rx=n + 2, exception=n + 1, exc_unknown_src=n, exc_nd=1,
                      drop_link_local=1, ctl={"exc_rx": n + 1, "ignored": n, "rs_rx": 1})


@case
def unknown_src_rate_limited(t):
    """A flood of unknown sources cannot swamp the exception ring: per worker at most
    DMM_UNKNOWN_SRC_BURST back to back (the bucket starts full), then DMM_UNKNOWN_SRC_RATE per
    second; the surplus is dropped as unknown_src_ratelimited. The replay takes far less than
    the time the surplus would need to earn tokens, so most of it must be dropped."""
    surplus = 2 * UNKNOWN_SRC_RATE  # two seconds' worth of tokens
    n = UNKNOWN_SRC_BURST + surplus
    access = [from_mn(MN1, udp6(f"2001:db8:{0x4000 + i % 4096:x}::{i // 4096 + 1:x}", CN, size=8),
                      mac="02:00:00:%02x:%02x:%02x" % (0x10 + i % 7, (i >> 8) & 0xFF, i & 0xFF))
              for i in range(n)]
    t.run(access=access)
    t.expect_outputs()
    tot = t.res.total
    exc = tot.get("exc_unknown_src", -1)
    # Tokens earned while it ran: at most rate * the whole run (start-up included).
    earned = int(UNKNOWN_SRC_RATE * t.res.elapsed) + 1
    t.expect_counters(rx=n, exception=(UNKNOWN_SRC_BURST, UNKNOWN_SRC_BURST + earned),
                      exc_unknown_src=(UNKNOWN_SRC_BURST, UNKNOWN_SRC_BURST + earned),
                      drop_unknown_src_ratelimited=(max(1, n - UNKNOWN_SRC_BURST - earned),
                                                    surplus),
                      ctl={"exc_rx": exc, "ignored": exc})
    t.check("exceptions + rate-limited drops == frames", n,
            exc + tot.get("drop_unknown_src_ratelimited", 0))
    if t.runner.verbose:
        print(f"  {n} unknown sources: {exc} to the control lcore, "
              f"{tot.get('drop_unknown_src_ratelimited')} rate-limited, run {t.res.elapsed:.2f} s")


@case
def drop_unknown_peer(t):
    """ip6ip6 to the node address from a source that is no configured peer: never
    decapsulated, even if the inner packet would be deliverable."""
    inner = udp6(CN, MN4.addr)
    drop_case(t, "unknown_peer", core=[from_gw(ip6ip6(UNKNOWN_PEER, NODE, inner)),
                                       from_gw(ip6ip6(CN, NODE, udp6(MN3.addr, CN)))])


@case
def drop_bad_inner_truncated(t):
    inner = udp6(CN, MN4.addr)[:20]
    drop_case(t, "bad_inner", core=[from_y(ip6ip6(PEER_Y, NODE, inner))])


@case
def drop_bad_inner_length(t):
    """Inner payload length inconsistent with the outer one (both ways), inner version 4."""
    a = bytearray(udp6(CN, MN4.addr, size=32))
    struct.pack_into("!H", a, 4, 8 + 32 + 8)
    b = bytearray(udp6(CN, MN4.addr, size=32))
    struct.pack_into("!H", b, 4, 8 + 16)
    c = bytearray(udp6(CN, MN4.addr, size=32))
    c[0] = 0x40
    drop_case(t, "bad_inner", core=[from_y(ip6ip6(PEER_Y, NODE, bytes(x))) for x in (a, b, c)])


@case
def drop_tunnel_mismatch(t):
    """A known peer, but the inner addresses are not bound to it."""
    pk = [
        ip6ip6(PEER_Y, NODE, udp6(CN, MN1.addr)),     # local/local MN, not via Y
        ip6ip6(PEER_Y, NODE, udp6(CN, MN5.addr)),     # anchored at Z, not Y
        ip6ip6(PEER_Z, NODE, udp6(MN3.addr, CN)),     # MN3 is served by Y, not Z
        ip6ip6(PEER_Y, NODE, udp6(CN, CN2)),          # nothing of ours at all
        ip6ip6(PEER_Y, NODE, udp6(MN3.addr, "fe80::1")),   # link-local inner destination
        ip6ip6(PEER_Y, NODE, udp6(MN3.addr, "ff0e::1")),   # multicast inner destination
    ]
    drop_case(t, "tunnel_mismatch", core=[from_y(p) for p in pk])


@case
def drop_no_route(t):
    drop_case(t, "no_route",
              core=[from_gw(udp6(CN, UNKNOWN_DST)),        # not ours
                    from_gw(udp6(CN, UNALLOCATED)),        # our pool, no binding
                    from_gw(udp6(CN, MN4.addr))],          # anchored at Y: not routed to us
              access=[from_mn(MN1, udp6(MN1.addr, UNALLOCATED))])


@case
def drop_no_neighbour(t):
    """A route and a tunnel whose next hops are unresolved; they are solicited."""
    def cfg_edit(cfg):
        cfg["static"]["neighbours"] = [{"address": GW, "mac": GW_MAC}]
        cfg["static"]["routes"].append({"prefix": "2001:db8:777::/48", "via": NH77})
    drop_case(t, "no_neighbour", cfg=make_config(cfg_edit),
              access=[from_mn(MN1, udp6(MN1.addr, "2001:db8:777::1")),
                      from_mn(MN4, udp6(MN4.addr, CN))],
              core=[from_gw(udp6(CN, MN3.addr))],
              ignore=lambda fr: is_ns_for(fr, {NH77, PEER_Y}),
              ctl={"ns_sent": (2, 4)})
    ns = [Ether(fr)[ICMPv6ND_NS].tgt for fr in t.outputs(CORE) if is_ns_for(fr, {NH77, PEER_Y})]
    t.check("solicited next hops", sorted([NH77, PEER_Y]), sorted(set(ns)))


@case
def drop_multicast(t):
    mld = bytes(IPv6(src="fe80::1:1", dst="ff02::16", hlim=1)
                / IPv6ExtHdrHopByHop(options=[RouterAlert()]) / ICMPv6MLReport2())
    mld_plain = bytes(IPv6(src="fe80::1:1", dst="ff02::16", hlim=1) / ICMPv6MLReport2())
    glob = udp6(MN1.addr, "ff0e::1:2")
    drop_case(t, "multicast", access=[frame("33:33:00:00:00:16", MN1.mac, mld),
                                      frame("33:33:00:00:00:16", MN1.mac, mld_plain),
                                      frame("33:33:00:01:00:02", MN1.mac, glob)],
              core=[frame("33:33:00:00:00:16", GW_MAC, mld)])


@case
def drop_link_local(t):
    drop_case(t, "link_local", access=[from_mn(MN1, udp6(MN1.addr, "fe80::99")),
                                       from_mn(MN1, udp6("fe80::5", CN))],
              core=[from_gw(udp6(GW, "fe80::1234"))])


# ------------------------------------------------------------------------------ 10 mixed
def mixed_generators(rng):
    """Each returns (in port, frame, [(out port, expected frame or callable(t))], {counters},
    {control counters})."""
    def dl(t=None):
        mn = rng.choice([MN1, MN2])
        p = udp6(CN, mn.addr, hlim=rng.randint(2, 255), tc=rng.randint(0, 255),
                 sport=rng.randint(1, 65535), size=rng.randint(0, 1300))
        return CORE, from_gw(p), [(ACCESS, lambda t: deliver_expect(t, mn, p))], \
            {"delivered": 1, "tx": 1}, {}

    def enc(t=None):
        p = rng.choice([udp6, tcp6])(rng.choice([CN, CN2]), MN3.addr, tc=rng.randint(0, 255),
                                     fl=rng.choice([0, rng.randint(1, 0xFFFFF)]),
                                     sport=rng.randint(1, 65535), size=rng.randint(0, 1000))
        return CORE, from_gw(p), [(CORE, lambda t: encap_expect(t.cmac, Y_MAC, PEER_Y, p))], \
            {"encap": 1, "tx": 1}, {}

    def dec(t=None):
        i = udp6(CN, MN4.addr, tc=rng.randint(0, 255) & ~3 | 2, size=rng.randint(0, 800))
        otc = rng.choice([0, 1, 2, 3])
        res = {0: 2, 1: 1, 2: 2, 3: 3}[otc]
        return CORE, from_y(ip6ip6(PEER_Y, NODE, i, tc=otc)), \
            [(ACCESS, lambda t: frame(MN4.mac, t.amac, set_ecn(dec_hlim(i), res)))], \
            {"decap": 1, "delivered": 1, "tx": 1}, {}

    def rev(t=None):
        i = udp6(MN3.addr, rng.choice([CN, CN2]), size=rng.randint(0, 800))
        return CORE, from_y(ip6ip6(PEER_Y, NODE, i)), [(CORE, lambda t: route_expect(t, i))], \
            {"decap": 1, "routed": 1, "tx": 1}, {}

    def up(t=None):
        mn = rng.choice([MN1, MN2])
        p = tcp6(mn.addr, CN, sport=rng.randint(1, 65535), size=rng.randint(0, 1400))
        return ACCESS, from_mn(mn, p), [(CORE, lambda t: route_expect(t, p))], \
            {"routed": 1, "tx": 1}, {}

    def hairpin(t=None):
        a, b = rng.sample([MN1, MN2], 2)
        p = udp6(a.addr, b.addr, size=rng.randint(0, 500))
        return ACCESS, from_mn(a, p), [(ACCESS, lambda t: deliver_expect(t, b, p))], \
            {"delivered": 1, "tx": 1}, {}

    def revtun(t=None):
        mn, peer, mac = rng.choice([(MN4, PEER_Y, Y_MAC), (MN5, PEER_Z, GW_MAC)])
        p = udp6(mn.addr, CN, sport=rng.randint(1, 65535), size=rng.randint(0, 1000))
        return ACCESS, from_mn(mn, p), [(CORE, lambda t: encap_expect(t.cmac, mac, peer, p))], \
            {"encap": 1, "tx": 1}, {}

    def trimmed(t=None):
        p = udp6(CN, MN1.addr, size=rng.randint(0, 50))
        return CORE, from_gw(p + b"\0" * rng.randint(1, 20)), \
            [(ACCESS, lambda t: deliver_expect(t, MN1, p))], \
            {"delivered": 1, "tx": 1, "trimmed": 1}, {}

    def drop(t=None):
        kind = rng.choice(["spoof", "no_route", "not_ipv6", "multicast", "link_local",
                           "unknown_peer", "mismatch", "bad_length", "ecn", "hop"])
        if kind == "spoof":
            return ACCESS, from_mn(MN1, udp6(MN1.addr, CN), mac=OTHER_MAC), [], \
                {"drop_spoofed_src": 1}, {}
        if kind == "no_route":
            return CORE, from_gw(udp6(CN, UNKNOWN_DST)), [], {"drop_no_route": 1}, {}
        if kind == "not_ipv6":
            return ACCESS, bytes(Ether(src=MN2.mac) / IP() / UDP()), [], {"drop_not_ipv6": 1}, {}
        if kind == "multicast":
            return ACCESS, frame("33:33:00:00:00:16", MN1.mac, udp6(MN1.addr, "ff05::2")), [], \
                {"drop_multicast": 1}, {}
        if kind == "link_local":
            return ACCESS, from_mn(MN1, udp6(MN1.addr, "fe80::2")), [], {"drop_link_local": 1}, {}
        if kind == "unknown_peer":
            return CORE, from_gw(ip6ip6(UNKNOWN_PEER, NODE, udp6(CN, MN4.addr))), [], \
                {"drop_unknown_peer": 1}, {}
        if kind == "mismatch":
            return CORE, from_y(ip6ip6(PEER_Y, NODE, udp6(CN, MN1.addr))), [], \
                {"drop_tunnel_mismatch": 1}, {}
        if kind == "bad_length":
            p = bytearray(udp6(MN1.addr, CN))
            struct.pack_into("!H", p, 4, 1000)
            return ACCESS, from_mn(MN1, bytes(p)), [], {"drop_bad_length": 1}, {}
        if kind == "ecn":
            return CORE, from_y(ip6ip6(PEER_Y, NODE, udp6(CN, MN4.addr), tc=3)), [], \
                {"drop_ecn": 1}, {}
        return CORE, from_y(ip6ip6(PEER_Y, NODE, udp6(CN, MN4.addr, hlim=1))), [], \
            {"drop_hop_limit": 1}, {}

    def exc(t=None):
        kind = rng.choice(["echo", "ns", "te"])
        if kind == "echo":
            r = bytes(IPv6(src=CN, dst=NODE) / ICMPv6EchoRequest(id=rng.randint(0, 65535),
                                                                 seq=rng.randint(0, 65535)))
            e = bytes(IPv6(src=NODE, dst=CN, hlim=64)
                      / ICMPv6EchoReply(id=IPv6(r)[ICMPv6EchoRequest].id,
                                        seq=IPv6(r)[ICMPv6EchoRequest].seq))
            return CORE, from_gw(r), [(CORE, lambda t: frame(GW_MAC, t.cmac, e))], \
                {"exception": 1, "exc_local": 1}, {"exc_rx": 1, "echo_replies": 1}
        if kind == "ns":
            return ACCESS, ns_frame(MN2.mac, MN2.addr, ACCESS_ADDR), \
                [(ACCESS, lambda t: na_expect(t.amac, MN2.mac, MN2.addr, ACCESS_ADDR))], \
                {"exception": 1, "exc_nd": 1}, {"exc_rx": 1, "na_sent": 1}
        p = udp6(MN1.addr, CN, hlim=1)
        return ACCESS, from_mn(MN1, p), \
            [(ACCESS, lambda t: icmp_error_expect(t.amac, MN1.mac, ACCESS_ADDR, p,
                                                  ICMPv6TimeExceeded()))], \
            {"exception": 1, "exc_hop_limit": 1}, {"exc_rx": 1, "icmp_time_exceeded": 1}

    return [(dl, 12), (enc, 12), (dec, 10), (rev, 8), (up, 12), (hairpin, 6), (revtun, 10),
            (trimmed, 4), (drop, 20), (exc, 6)]


@case
def mixed_1000(t):
    """1000 frames of every kind, shuffled over both ports: the counters add up and every
    output frame is one we expected."""
    rng = random.Random(6040)
    gens = mixed_generators(rng)
    funcs = [g for g, _w in gens]
    weights = [w for _g, w in gens]
    items = [rng.choices(funcs, weights)[0]() for _ in range(1000)]
    access = [fr for port, fr, *_ in items if port == ACCESS]
    core = [fr for port, fr, *_ in items if port == CORE]

    def cfg_edit(cfg):
        cfg["icmp"] = {"rate": 100000, "burst": 10000}
    t.run(make_config(cfg_edit), access=access, core=core)
    exp = {ACCESS: [], CORE: []}
    worker, ctl = collections.Counter(rx=1000), collections.Counter()
    for _port, _fr, outs, w, c in items:
        for op, e in outs:
            exp[op].append(e(t))
        worker.update(w)
        ctl.update(c)
    t.expect_outputs(access=exp[ACCESS], core=exp[CORE])
    t.expect_counters(ctl=dict(ctl), **dict(worker))
    t.expect_conservation()
    tot = t.res.total
    t.check("tx == frames out by the fast path",
            tot["tx"], len(t.outputs(ACCESS)) + len(t.outputs(CORE)) - ctl["echo_replies"]
            - ctl["na_sent"] - ctl["icmp_time_exceeded"])


# ------------------------------------------------------------------------------ main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", help="path to dmm-maar")
    ap.add_argument("-k", action="append", default=[], metavar="NAME",
                    help="run only cases whose name contains NAME (repeatable)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs (pcaps, config)")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--list", action="store_true", help="list the cases")
    a = ap.parse_args()
    if a.list:
        for fn in CASES:
            print(fn.__name__)
        return 0
    if not a.binary or not os.access(a.binary, os.X_OK):
        print(f"FAIL setup: expected an executable dmm-maar at {a.binary}, got none")
        return 1
    runner = Runner(a.binary, keep=a.keep, verbose=a.verbose)
    selected = [fn for fn in CASES if not a.k or any(k in fn.__name__ for k in a.k)]
    if not selected:
        print("no case matches " + " ".join(a.k))
        return 1
    failed, skipped = [], []
    t_all = time.monotonic()
    for fn in selected:
        t = T(fn.__name__, runner)
        t0 = time.monotonic()
        try:
            fn(t)
        except Skip as e:
            skipped.append(t.name)
            print(f"SKIP {t.name}: {e}")
            continue
        except RunError as e:
            t.fails.append(f"run: expected a clean run, got {e}")
        except Exception:
            t.fails.append("exception: expected none, got " + traceback.format_exc())
        dt = time.monotonic() - t0
        if t.fails:
            failed.append(t.name)
            for f in t.fails:
                print(f"FAIL {t.name}: {f}")
        else:
            print(f"ok {t.name} ({dt:.1f} s)")
        sys.stdout.flush()
    print(f"{len(selected) - len(failed) - len(skipped)}/{len(selected)} cases passed in "
          f"{time.monotonic() - t_all:.1f} s" + (": failed " + " ".join(failed) if failed else "")
          + (f"; skipped {' '.join(skipped)}" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
