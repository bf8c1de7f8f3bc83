#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# cmd_heartbeat.sh DMM_CMD [DMMCTL] — dmm-cmd's Heartbeat (RFC 5847) and the paged `bce`
# control request, on the real daemon (meson suite "netns").
#
# A private namespace whose loopback carries the CMD 2001:db8:ff::100, two configured MAARs
# ::1 and ::2 and a stranger ::9; /usr/bin/python3 plays the MAARs over raw IPv6 sockets
# (protocol 135, IPV6_CHECKSUM 4). The CMD runs with a 1 s interval (lab flag allow_short) and
# MISSING_HEARTBEATS_ALLOWED 1. Checks:
#   H2  a request from ::1 (no binding yet) is answered: R=1, same seq, Restart Counter 1;
#       a request from the stranger gets nothing (dmm-cmd only talks to configured MAARs);
#   H3  once ::1 has a binding, requests (16 octets, R=0 U=0) reach ::1 and none reach ::2;
#   H4  left unanswered, ::1 is declared unreachable (stats heartbeat.peer_unreachable); an
#       answer makes it reachable again;
#   H5  answers whose Restart Counter changes count one restart (heartbeat.peer_restarted);
#   bce paging: 2101 BCEs come back as pages of 1000, 1000 and 101 with "next"; bad
#       arguments are refused; `dmmctl --json bce` (given DMMCTL) merges all 2101;
#   H6  dmm-cmd restarted with the same restart_counter_file sends an unsolicited response
#       (U=1, R=1) with counter 2 to both MAARs; the file then holds 2.
#
# Needs root. Exit status: 0 pass, 1 fail, 77 skipped. CMD_HB_KEEP=1 keeps the work dir.
set -uo pipefail

CMD=${1:-}
DMMCTL=${2:-}
PY=/usr/bin/python3
if [ -z "$CMD" ]; then
	echo "usage: $0 DMM_CMD [DMMCTL]" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespace)" >&2; exit 77; }
if ! command -v ip >/dev/null || [ ! -x "$PY" ]; then
	echo "SKIP: ip or $PY missing" >&2
	exit 77
fi
[ -x "$CMD" ] || { echo "FAIL: $CMD: not an executable" >&2; exit 1; }

NS=dmmhb-$$
WORK=$(mktemp -d /tmp/cmd_hb.XXXXXX)
PID=
LPID=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	for p in $PID $LPID; do
		if kill -0 "$p" 2>/dev/null; then
			kill "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	ip netns del "$NS" 2>/dev/null
	if [ "${CMD_HB_KEEP:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	echo "--- dmm-cmd log" >&2
	cat "$WORK"/cmd*.log >&2 2>/dev/null
	exit 1
}

ip netns add "$NS" || fail "ip netns add"
ip -n "$NS" link set lo up
for a in 2001:db8:ff::100 2001:db8:ff::1 2001:db8:ff::2 2001:db8:ff::9; do
	ip -n "$NS" addr add "$a/128" dev lo nodad || fail "ip addr add $a"
done

cat >"$WORK/cmd.yaml" <<YAML
address: 2001:db8:ff::100
mode: relay
maars: [2001:db8:ff::1, 2001:db8:ff::2]
control_socket: $WORK/cmd.sock
heartbeat: {interval_s: 1, allow_short: true, missing_allowed: 1,
            restart_counter_file: $WORK/state/cmd.restart}
YAML
# H8 in the loader: the same interval without the lab flag is a config error
sed 's/allow_short: true, //' "$WORK/cmd.yaml" >"$WORK/bad.yaml"
if "$CMD" --check-config "$WORK/bad.yaml" 2>"$WORK/bad.err"; then
	fail "--check-config accepted interval_s: 1 without allow_short"
fi
grep -q "bad.yaml:5:.*heartbeat.interval_s: 1 is below 30 s" "$WORK/bad.err" ||
	fail "no file:line:col error for interval_s: 1: $(cat "$WORK/bad.err")"
echo "ok   interval_s: 1 without allow_short refused: $(cat "$WORK/bad.err")"
"$CMD" --check-config "$WORK/cmd.yaml" || fail "--check-config"
[ -e "$WORK/state/cmd.restart" ] && fail "--check-config wrote the restart counter"

start_cmd() { # $1: log name
	ip netns exec "$NS" "$CMD" --config "$WORK/cmd.yaml" --foreground --verbose \
		>"$WORK/$1.log" 2>&1 &
	PID=$!
	for _ in $(seq 50); do
		[ -S "$WORK/cmd.sock" ] && return 0
		kill -0 "$PID" 2>/dev/null || fail "dmm-cmd exited at start-up"
		sleep 0.1
	done
	fail "no control socket"
}
stop_cmd() {
	kill -TERM "$PID"
	wait "$PID"
	local rc=$?
	PID=
	[ "$rc" = 0 ] || fail "dmm-cmd exit status $rc after SIGTERM"
}

cat >"$WORK/lib.py" <<'PYEOF'
import json, socket, struct, sys, time

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
    pad = (-(6 + len(body))) % 8
    if pad == 1:
        body += bytes([0])
    elif pad:
        body += bytes([1, pad - 2]) + bytes(pad - 2)
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

def pbu(seq, nai, hnp):
    body = struct.pack("!HHH", seq, 0x8210, 900)
    body += bytes([22, 18, 0, 64]) + socket.inet_pton(socket.AF_INET6, hnp)
    body += bytes([8, 1 + len(nai), 1]) + nai
    body += bytes([23, 2, 0, 1, 24, 2, 0, 3])
    body = pad_to(body, 8, 2)
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
PYEOF

cat >"$WORK/phase1.py" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[2])
from lib import *

sock = sys.argv[1]
m1, m2, stranger = raw("2001:db8:ff::1"), raw("2001:db8:ff::2"), raw("2001:db8:ff::9")

# H2: a request from a MAAR without bindings is answered with the same seq and counter 1
m1.sendto(hb(0, 0x12345678), (CMD, 0))
got = recv_hb(m1, time.time() + 2, lambda h: h[1] == 1)
resp = [h for h in got if h[1] == 1]
check(len(resp) == 1, "response to ::1's request: %s" % got)
check(resp[0] == (24, 1, 0x12345678, 1), "24 octets, R=1 U=0, same seq, Restart Counter 1: %s"
      % (resp[0],))
# a Restart Counter in a request is ignored (H9), the request still answered
m1.sendto(hb(0, 7, counter=99), (CMD, 0))
got = recv_hb(m1, time.time() + 2, lambda h: h[1] == 1)
check(any(h[1:] == (1, 7, 1) for h in got), "request carrying a counter answered: %s" % got)
# not a configured MAAR: nothing
stranger.sendto(hb(0, 5), (CMD, 0))
got = recv_hb(stranger, time.time() + 1.5, lambda h: True)
check(got == [], "no answer to the stranger ::9: %s" % got)

# H3: ::1 gets a binding, ::2 has none
m1.sendto(pbu(1, b"mn1@example.net", "2001:db8:1::"), (CMD, 0))
t_end = time.time() + 6
reqs = recv_hb(m1, t_end, lambda h: False)  # unanswered for 6 s (interval 1 s)
reqs = [h for h in reqs if h[1] == 0]
check(len(reqs) >= 3, "requests reach ::1 (bindings there): %d" % len(reqs))
check(all(h[0] == 16 and h[3] is None for h in reqs), "each 16 octets, no option: %s" % reqs)
seqs = [h[2] for h in reqs]
check(all(b == a + 1 for a, b in zip(seqs, seqs[1:])), "consecutive seqs: %s" % seqs)
got = recv_hb(m2, time.time() + 0.1, lambda h: False)
check([h for h in got if h[1] == 0] == [], "no request to ::2 (no binding): %s" % got)
st = ctl(sock, "stats")["heartbeat"]
print(st, flush=True)
check(st["peer_unreachable"] == 1 and st["peers"] == 2 and st["peers_active"] == 1,
      "H4: ::1 unreachable after missing_allowed+1 unanswered; 2 peers, 1 active")

# answer the next request: reachable again; then a changed Restart Counter is a restart
for counter in (5, 6):
    got = recv_hb(m1, time.time() + 3, lambda h: h[1] == 0)
    check(got and got[-1][1] == 0, "a request to answer")
    m1.sendto(hb(1, got[-1][2], counter=counter), (CMD, 0))
    time.sleep(0.2)
st = ctl(sock, "stats")["heartbeat"]
print(st, flush=True)
check(st["peer_reachable"] == 1, "H4: reachable again after an answer")
check(st["peer_restarted"] == 1, "H5: counter 5 -> 6 counted as one restart")

# bce paging: 2100 more MNs, pages of 1000
for i in range(2100):
    m1.sendto(pbu(1, b"mn%d@x" % (i + 2), "2001:db8:%x::" % (i + 2)), (CMD, 0))
    if i % 200 == 199:
        time.sleep(0.05)
for _ in range(50):
    if ctl(sock, "stats")["bce_count"] == 2101:
        break
    time.sleep(0.1)
check(ctl(sock, "stats")["bce_count"] == 2101, "2101 BCEs")
names, off, pages = set(), 0, []
while off is not None:
    p = ctl(sock, "bce %d 1000" % off)
    pages.append(len(p["entries"]))
    names.update(e["mn_id"] for e in p["entries"])
    check(p["offset"] == off, "page offset %d" % off)
    off = p["next"]
check(pages == [1000, 1000, 101], "pages of 1000, 1000, 101: %s" % pages)
check(len(names) == 2101, "every MN once across the pages")
p = ctl(sock, "bce")
check(len(p["entries"]) == 1000 and p["next"] == 1000, "bce alone: first 1000, next 1000")
p = ctl(sock, "bce 2100")
check(len(p["entries"]) == 1 and p["next"] is None, "bce 2100: the last one, next null")
for bad in ("bce 0 0", "bce 0 10001", "bce x", "bce 1 2 3", "bce -1"):
    check("error" in ctl(sock, bad), "%r refused" % bad)
check(len(ctl(sock, "bce 0 10000")["entries"]) == 2101, "limit 10000 accepted")
PYEOF

cat >"$WORK/listen.py" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
from lib import *

# H6: after the restart, an unsolicited response (U=1, R=1) with counter 2 to both MAARs
socks = {a: raw(a) for a in ("2001:db8:ff::1", "2001:db8:ff::2")}
open(sys.argv[2], "w").close()  # listening
res = {}
for a, s in socks.items():
    got = recv_hb(s, time.time() + 8, lambda h: h[1] == 3)
    res[a] = [h for h in got if h[1] == 3]
for a, u in res.items():
    check(len(u) == 1 and u[0][0] == 24 and u[0][3] == 2,
          "unsolicited response, counter 2, to %s: %s" % (a, u))
PYEOF

start_cmd cmd1
[ "$(cat "$WORK/state/cmd.restart")" = 1 ] || fail "restart counter file after the 1st start"
ip netns exec "$NS" "$PY" "$WORK/phase1.py" "$WORK/cmd.sock" "$WORK" || fail "phase 1"
grep -q "MAAR 2001:db8:ff::1 unreachable" "$WORK/cmd1.log" || fail "no unreachable log line"
grep -q "MAAR 2001:db8:ff::1 restarted: Restart Counter 5 -> 6" "$WORK/cmd1.log" ||
	fail "no restart log line"

if [ -n "$DMMCTL" ]; then
	"$DMMCTL" --cmd-socket "$WORK/cmd.sock" --json bce >"$WORK/bce.json" ||
		fail "dmmctl --json bce"
	"$PY" -c 'import json,sys; b=json.load(open(sys.argv[1])); assert len(b)==2101 and len({e["mn_id"] for e in b})==2101, len(b); print("ok   dmmctl --json bce: 2101 entries from 3 pages")' \
		"$WORK/bce.json" || fail "dmmctl --json bce: not 2101 distinct entries"
	"$DMMCTL" --cmd-socket "$WORK/cmd.sock" bce >"$WORK/bce.txt" || fail "dmmctl bce"
	[ "$(grep -c "@" "$WORK/bce.txt")" = 2101 ] || fail "dmmctl bce: not 2101 rows"
	"$DMMCTL" --cmd-socket "$WORK/cmd.sock" stats >"$WORK/stats.txt" || fail "dmmctl stats"
	for want in "heartbeat.restart_counter  *1" "heartbeat.peer_unreachable  *1" \
		"heartbeat.peer_restarted  *1"; do
		grep -q "^$want\$" "$WORK/stats.txt" || fail "dmmctl --cmd-socket stats: no '$want'"
	done
	echo "ok   dmmctl bce (2101 rows), stats heartbeat.*"
fi

stop_cmd
ip netns exec "$NS" "$PY" "$WORK/listen.py" "$WORK" "$WORK/listening" &
LPID=$!
for _ in $(seq 50); do
	[ -e "$WORK/listening" ] && break
	sleep 0.1
done
start_cmd cmd2
wait "$LPID" || fail "phase 2 (unsolicited responses)"
LPID=
[ "$(cat "$WORK/state/cmd.restart")" = 2 ] || fail "restart counter file after the 2nd start"
grep -q "Restart Counter 2 (restart: state lost)" "$WORK/cmd2.log" || fail "no restart log line"
stop_cmd
echo "PASS: cmd_heartbeat"
exit 0
