#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# cmd_smoke.sh DMM_CMD [DMMCTL] — runs the real dmm-cmd daemon (meson suite "netns").
#
# A private network namespace whose loopback carries the CMD's address 2001:db8:ff::100, an
# allowed MAAR address 2001:db8:ff::1 and a stranger 2001:db8:ff::9. /usr/bin/python3 sends
# Mobility Headers over a raw IPv6 socket (protocol 135, IPV6_CHECKSUM 4, so the kernel computes
# the checksum): a PBU from the MAAR, the same PBU from the stranger, an unknown MH type (250)
# and a PBU with a wrong Header Len from the MAAR. Then the counters are read through the
# control socket, the Binding Error (status 2) the CMD must answer to type 250 is received, and
# dmm-cmd must exit 0 on SIGTERM and remove its control socket. The PBA (status 0, seq 7)
# from the CMD state machine is checked, and a second MN
# registered for 4 s must expire through the timerfd (about 5 s more). The binding cache
# listing (control request "bce") must then show mn1 at the MAAR; after a handover of mn1 to
# 2001:db8:ff::2 it must show ::2 serving and ::1 as P-MAAR. With DMMCTL, `dmmctl
# --cmd-socket ... bce` must print mn1 in its table and `--json bce` the same entry.
#
# Common preamble (namespace, teardown, dmm-cmd start/stop) in cmd_lib.sh, the MAAR's side of
# the Mobility Headers in cmd_lib.py.
#
# Needs root. Exit status: 0 pass, 1 fail, 77 skipped. CMDT_KEEP=1 keeps the work dir.
set -uo pipefail

# shellcheck source=cmd_lib.sh
. "$(dirname "$0")/cmd_lib.sh"
cmdt_init cmd_smoke "$@"

cmdt_config "{restart_counter_file: $WORK/cmd.restart}"
"$CMD" --check-config "$WORK/cmd.yaml" || cmdt_fail "--check-config"
cmdt_start cmd

cat >"$WORK/mh.py" <<'PYEOF'
import json, socket, struct, sys, time
from cmd_lib import CMD, check, ctl, pbu, raw

sock_path = sys.argv[1]

maar = raw("2001:db8:ff::1")
stranger = raw("2001:db8:ff::9")
stranger.sendto(pbu(1), (CMD, 0))
maar.sendto(pbu(7), (CMD, 0))
unknown = bytes([59, 1, 250, 0, 0, 0]) + bytes(10)
maar.sendto(unknown, (CMD, 0))
bad_len = bytearray(pbu(8)); bad_len[1] += 1
maar.sendto(bytes(bad_len), (CMD, 0))

# Answers to the MAAR: the Binding Error for type 250 and the PBA.
got_be = got_pba = None
deadline = time.time() + 2
while time.time() < deadline and (got_be is None):
    try:
        data, addr = maar.recvfrom(4096)
    except socket.timeout:
        break
    if addr[0] != CMD:
        continue
    if data[2] == 7:
        got_be = data
    elif data[2] == 6:
        got_pba = data

time.sleep(0.2)
st = ctl(sock_path, "stats")
print(json.dumps(st, sort_keys=True))
check(st["rx"] == 4, "rx == 4")
check(st["rx_not_allowed"] == 1, "rx_not_allowed == 1 (the stranger's PBU)")
check(st["rx_bad"]["unknown_type"] == 1, "rx_bad.unknown_type == 1")
check(st["rx_bad"]["bad_len"] == 1, "rx_bad.bad_len == 1")
check(st["rx_valid"] == 1, "rx_valid == 1 (the MAAR's PBU)")
check(got_be is not None and got_be[2] == 7 and got_be[6] == 2
      and got_be[8:24] == bytes(16), "Binding Error status 2, Home Address :: received")
check(st["tx_errors"] == 0, "tx_errors == 0")
check(st["engine"] == "cmd_sm", "the CMD state machine answers (engine cmd_sm)")
if got_pba is None:
    try:
        while True:
            data, addr = maar.recvfrom(4096)
            if addr[0] == CMD and data[2] == 6:
                got_pba = data
                break
    except socket.timeout:
        pass
check(got_pba is not None, "PBA received")
check(struct.unpack("!H", got_pba[8:10])[0] == 7, "PBA seq == 7")
check(got_pba[6] == 0, "PBA status 0 (accepted), got %d" % got_pba[6])
st = ctl(sock_path, "stats")
check(st["registrations"] == 1 and st["bce_count"] == 1, "1 registration, 1 BCE")
check(st["tx"] == 2, "tx == 2 (Binding Error, PBA)")
# The timer path: a second MN with a 4 s lifetime must expire through the timerfd.
maar.sendto(pbu(1, b"mn2@example.net", "2001:db8:2::", 1), (CMD, 0))
data, addr = maar.recvfrom(4096)
check(data[2] == 6 and data[6] == 0, "PBA for mn2 accepted")
time.sleep(5)
st = ctl(sock_path, "stats")
check(st["expired"] == 1 and st["timer_ticks"] >= 1 and st["bce_count"] == 1,
      "mn2 expired by the timer (expired=%d ticks=%d bce=%d)"
      % (st["expired"], st["timer_ticks"], st["bce_count"]))
page = ctl(sock_path, "bce")
check(page.get("next", 0) is None and page.get("offset") == 0, "bce: one page, next null")
bce = page["entries"]
check(isinstance(bce, list) and len(bce) == 1, "bce lists one MN: %s" % json.dumps(bce))
e = bce[0]
check(e["mn_id"] == "mn1@example.net" and e["state"] == "active", "bce: mn1, active")
check(e["serving"] == "2001:db8:ff::1" and e["hnp"] == "2001:db8:1::/64",
      "bce: mn1 served by ::1 with 2001:db8:1::/64")
check(0 < e["lifetime_s"] <= 3600 and e["p_maars"] == [], "bce: lifetime left, no P-MAAR")
# A handover of mn1 to ::2 (relay mode: the CMD forwards the PBU to ::1, which stays silent;
# the binding cache is updated at once).
maar2 = raw("2001:db8:ff::2")
maar2.sendto(pbu(1, b"mn1@example.net", "2001:db8:3::"), (CMD, 0))
time.sleep(0.3)
bce = ctl(sock_path, "bce")["entries"]
print(json.dumps(bce))
check(len(bce) == 1 and bce[0]["serving"] == "2001:db8:ff::2"
      and bce[0]["hnp"] == "2001:db8:3::/64"
      and bce[0]["p_maars"] == [{"address": "2001:db8:ff::1", "prefix": "2001:db8:1::/64"}],
      "bce after the handover: ::2 serving, ::1 as P-MAAR")
with open(sys.argv[2], "w") as f:
    json.dump(bce, f)
err = ctl(sock_path, "nonsense")
check("error" in err, "unknown request answered with an error")
PYEOF

ip netns exec "$NS" "$PY" "$WORK/mh.py" "$WORK/cmd.sock" "$WORK/bce.json" || cmdt_fail "checks"

if [ -n "$DMMCTL" ]; then
	"$DMMCTL" --cmd-socket "$WORK/cmd.sock" bce >"$WORK/bce.txt" || cmdt_fail "dmmctl bce"
	cat "$WORK/bce.txt"
	head -1 "$WORK/bce.txt" | grep -q "^MN-ID .*SERVING .*HNP .*LIFETIME .*P-MAARS" ||
		cmdt_fail "dmmctl bce: no table header"
	grep -q "^mn1@example.net .* 2001:db8:ff::2 .*2001:db8:3::/64 .*2001:db8:ff::1=2001:db8:1::/64$" \
		"$WORK/bce.txt" || cmdt_fail "dmmctl bce: no row for mn1"
	"$DMMCTL" --cmd-socket "$WORK/cmd.sock" --json bce >"$WORK/bce-ctl.json" ||
		cmdt_fail "dmmctl --json bce"
	"$PY" - "$WORK/bce.json" "$WORK/bce-ctl.json" <<'PYEOF' || cmdt_fail "dmmctl --json bce differs"
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
for x in a + b:
    x.pop("lifetime_s")  # read a moment apart
assert a == b and len(b) == 1, (a, b)
print("ok   dmmctl --json bce: same entry as the control socket")
PYEOF
	"$DMMCTL" --cmd-socket "$WORK/cmd.sock" stats >"$WORK/stats.txt" ||
		cmdt_fail "dmmctl --cmd-socket stats"
	for want in "engine  *cmd_sm" "registrations  *2" "handovers  *1"; do
		grep -q "^$want\$" "$WORK/stats.txt" || cmdt_fail "dmmctl --cmd-socket stats: no '$want'"
	done
	echo "ok   dmmctl bce, --json bce, stats"
fi

cmdt_stop
[ -e "$WORK/cmd.sock" ] && cmdt_fail "control socket left behind"
grep -q "not a configured MAAR" "$WORK/cmd.log" || cmdt_fail "no log line for the stranger"
echo "PASS: cmd_smoke"
exit 0
