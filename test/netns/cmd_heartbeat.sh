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
# Common preamble (namespace, teardown, dmm-cmd start/stop) in cmd_lib.sh, the MAARs' side of
# the Mobility Headers in cmd_lib.py.
#
# Needs root. Exit status: 0 pass, 1 fail, 77 skipped. CMDT_KEEP=1 keeps the work dir.
set -uo pipefail

# shellcheck source=cmd_lib.sh
. "$(dirname "$0")/cmd_lib.sh"
cmdt_init cmd_hb "$@"

HB="{interval_s: 1, allow_short: true, missing_allowed: 1,"
cmdt_config "$HB restart_counter_file: $WORK/state/cmd.restart}"
# H8 in the loader: the same interval without the lab flag is a config error
sed 's/allow_short: true, //' "$WORK/cmd.yaml" >"$WORK/bad.yaml"
if "$CMD" --check-config "$WORK/bad.yaml" 2>"$WORK/bad.err"; then
	cmdt_fail "--check-config accepted interval_s: 1 without allow_short"
fi
grep -q "bad.yaml:5:.*heartbeat.interval_s: 1 is below 30 s" "$WORK/bad.err" ||
	cmdt_fail "no file:line:col error for interval_s: 1: $(cat "$WORK/bad.err")"
echo "ok   interval_s: 1 without allow_short refused: $(cat "$WORK/bad.err")"
"$CMD" --check-config "$WORK/cmd.yaml" || cmdt_fail "--check-config"
[ -e "$WORK/state/cmd.restart" ] && cmdt_fail "--check-config wrote the restart counter"

cat >"$WORK/phase1.py" <<'PYEOF'
import sys, time
from cmd_lib import CMD, check, ctl, hb, pbu, raw, recv_hb

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
import sys, time
from cmd_lib import check, raw, recv_hb

# H6: after the restart, an unsolicited response (U=1, R=1) with counter 2 to both MAARs
socks = {a: raw(a) for a in ("2001:db8:ff::1", "2001:db8:ff::2")}
open(sys.argv[1], "w").close()  # listening
res = {}
for a, s in socks.items():
    got = recv_hb(s, time.time() + 8, lambda h: h[1] == 3)
    res[a] = [h for h in got if h[1] == 3]
for a, u in res.items():
    check(len(u) == 1 and u[0][0] == 24 and u[0][3] == 2,
          "unsolicited response, counter 2, to %s: %s" % (a, u))
PYEOF

cmdt_start cmd1
[ "$(cat "$WORK/state/cmd.restart")" = 1 ] || cmdt_fail "restart counter file after the 1st start"
ip netns exec "$NS" "$PY" "$WORK/phase1.py" "$WORK/cmd.sock" || cmdt_fail "phase 1"
grep -q "MAAR 2001:db8:ff::1 unreachable" "$WORK/cmd1.log" || cmdt_fail "no unreachable log line"
grep -q "MAAR 2001:db8:ff::1 restarted: Restart Counter 5 -> 6" "$WORK/cmd1.log" ||
	cmdt_fail "no restart log line"

if [ -n "$DMMCTL" ]; then
	"$DMMCTL" --cmd-socket "$WORK/cmd.sock" --json bce >"$WORK/bce.json" ||
		cmdt_fail "dmmctl --json bce"
	"$PY" -c 'import json,sys; b=json.load(open(sys.argv[1])); assert len(b)==2101 and len({e["mn_id"] for e in b})==2101, len(b); print("ok   dmmctl --json bce: 2101 entries from 3 pages")' \
		"$WORK/bce.json" || cmdt_fail "dmmctl --json bce: not 2101 distinct entries"
	"$DMMCTL" --cmd-socket "$WORK/cmd.sock" bce >"$WORK/bce.txt" || cmdt_fail "dmmctl bce"
	[ "$(grep -c "@" "$WORK/bce.txt")" = 2101 ] || cmdt_fail "dmmctl bce: not 2101 rows"
	"$DMMCTL" --cmd-socket "$WORK/cmd.sock" stats >"$WORK/stats.txt" || cmdt_fail "dmmctl stats"
	for want in "heartbeat.restart_counter  *1" "heartbeat.peer_unreachable  *1" \
		"heartbeat.peer_restarted  *1"; do
		grep -q "^$want\$" "$WORK/stats.txt" || cmdt_fail "dmmctl --cmd-socket stats: no '$want'"
	done
	echo "ok   dmmctl bce (2101 rows), stats heartbeat.*"
fi

cmdt_stop
ip netns exec "$NS" "$PY" "$WORK/listen.py" "$WORK/listening" &
CMDT_BG+=($!)
for _ in $(seq 50); do
	[ -e "$WORK/listening" ] && break
	sleep 0.1
done
cmdt_start cmd2
wait "${CMDT_BG[0]}" || cmdt_fail "phase 2 (unsolicited responses)"
CMDT_BG=()
[ "$(cat "$WORK/state/cmd.restart")" = 2 ] || cmdt_fail "restart counter file after the 2nd start"
grep -q "Restart Counter 2 (restart: state lost)" "$WORK/cmd2.log" || cmdt_fail "no restart log line"
cmdt_stop
echo "PASS: cmd_heartbeat"
exit 0
