#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# wire_conformance.sh DMM_CMD — what dmm-cmd puts on the wire, decoded by Debian's tshark
# (meson suite "netns"). test/netns/README.md, section "Wire conformance".
#
#   RUN-cmd                 RUN-core                 RUN-maar
#   dmm-cmd  cmd0 ======= pcmd  br0  pmaar ======= maar0   wire_maar.py: MAAR1 ::1,
#   2001:db8:ff::100                                        MAAR2 ::2, stranger ::9
#   tcpdump -i cmd0 -> one pcap per part
#
# Part "cmd" (this file, now): dmm-cmd in relay mode (registration, handover with the MAAR1
# role answering the CMD's PBU, refresh, de-registration, heartbeat, every negative case),
# then restarted in proxy and in locator mode (registration + handover). Each run is one
# capture; wire_check.py checks every Mobility Header in it with `tshark -V`/PDML plus its
# own checksum/alignment checks, and the expectations wire_maar.py wrote.
# Part "maar" (later, when dmm-maar signals): start dmm-maar in further namespaces on br0,
# capture the same way (part_capture_start/stop), and run wire_check.py on that capture: it
# checks any PBU/PBA/HB/BE it is given; expectations are optional.
#
# Needs root, ip, tshark, tcpdump, /usr/bin/python3. Exit: 0 pass, 1 fail, 77 skipped.
# WIRE_KEEP=1 keeps the work dir (captures, logs, expectations).
set -uo pipefail

CMD=${1:-}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
if [ -z "$CMD" ]; then
	echo "usage: $0 DMM_CMD" >&2
	exit 2
fi
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces, capture)" >&2; exit 77; }
for t in ip tshark tcpdump; do
	command -v "$t" >/dev/null || { echo "SKIP: $t missing (scripts/install-deps.sh)" >&2; exit 77; }
done
[ -x "$PY" ] || { echo "SKIP: $PY missing" >&2; exit 77; }
[ -x "$CMD" ] || { echo "FAIL: $CMD: not an executable" >&2; exit 1; }

RUN=wc$(printf '%04x' $$)
NS_CMD=$RUN-cmd NS_CORE=$RUN-core NS_MAAR=$RUN-maar
WORK=$(mktemp -d /tmp/wire_conformance.XXXXXX)
CMD_PID=
CAP_PID=
FAILS=0
declare -a SUMMARY=()

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	for p in $CMD_PID $CAP_PID; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for n in $NS_MAAR $NS_CMD $NS_CORE; do ip netns del "$n" 2>/dev/null; done
	if [ "${WIRE_KEEP:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() { printf '\n== %s\n' "$*"; }
# record NAME RC: one summary line per step
record() {
	if [ "$2" = 0 ]; then SUMMARY+=("PASS  $1"); else SUMMARY+=("FAIL  $1"); FAILS=$((FAILS + 1)); fi
}
die() {
	echo "FAIL: $*" >&2
	[ -f "$WORK/cmd.log" ] && { echo "--- dmm-cmd log" >&2; tail -20 "$WORK/cmd.log" >&2; }
	exit 1
}

# ------------------------------------------------------------------ topology
topology() {
	for n in $NS_CORE $NS_CMD $NS_MAAR; do ip netns add "$n" || die "ip netns add $n"; done
	ip -n "$NS_CORE" link add br0 type bridge || die "bridge"
	ip -n "$NS_CORE" link set br0 up
	# veth pair per attached namespace: "<ns side>" in NS, "<core side>" on br0
	attach "$NS_CMD" cmd0 pcmd
	attach "$NS_MAAR" maar0 pmaar
	ip -n "$NS_CMD" addr add 2001:db8:ff::100/64 dev cmd0 nodad || die "addr cmd"
	for a in 1 2 9; do
		ip -n "$NS_MAAR" addr add "2001:db8:ff::$a/64" dev maar0 nodad || die "addr maar $a"
	done
	for n in $NS_CMD $NS_MAAR; do ip -n "$n" link set lo up; done
}
attach() { # NS IF PEER
	ip link add "$2" netns "$1" type veth peer name "$3" netns "$NS_CORE" || die "veth $2"
	ip -n "$NS_CORE" link set "$3" master br0 up
	ip -n "$1" link set "$2" up
}

# ------------------------------------------------------------------ dmm-cmd
cmd_start() { # MODE
	cat >"$WORK/cmd-$1.yaml" <<-YAML
		address: 2001:db8:ff::100
		mode: $1
		maars: [2001:db8:ff::1, 2001:db8:ff::2]
		timers:
		  relay_aggregation_ms: 1000
		  timestamp_window_ms: 1000
		control_socket: $WORK/cmd.sock
	YAML
	"$CMD" --check-config "$WORK/cmd-$1.yaml" >/dev/null || die "--check-config ($1)"
	rm -f "$WORK/cmd.sock"
	ip netns exec "$NS_CMD" "$CMD" --config "$WORK/cmd-$1.yaml" --foreground --verbose \
		>>"$WORK/cmd.log" 2>&1 &
	CMD_PID=$!
	for _ in $(seq 50); do
		[ -S "$WORK/cmd.sock" ] && return 0
		kill -0 "$CMD_PID" 2>/dev/null || die "dmm-cmd ($1) exited at start-up"
		sleep 0.1
	done
	die "dmm-cmd ($1): no control socket"
}
cmd_stop() {
	kill -TERM "$CMD_PID" && wait "$CMD_PID"
	local rc=$?
	CMD_PID=
	[ "$rc" = 0 ] || die "dmm-cmd exit status $rc after SIGTERM"
}

# ------------------------------------------------------------------ capture
# part_capture_start NS IF FILE: every MH on that interface (IPv6 next header 135).
part_capture_start() {
	# --immediate-mode: without it the last second of packets can still sit in the
	# kernel ring when tcpdump is stopped; -Z root: the work dir is root's (mode 0700).
	ip netns exec "$1" tcpdump -i "$2" --immediate-mode -U -Z root -n -s 0 -w "$3" \
		'ip6 proto 135' \
		2>"$3.log" &
	CAP_PID=$!
	for _ in $(seq 50); do
		grep -q "listening on" "$3.log" 2>/dev/null && return 0
		sleep 0.1
	done
	die "tcpdump did not start: $(cat "$3.log")"
}
part_capture_stop() {
	sleep 0.3 # the last replies
	kill -INT "$CAP_PID" && wait "$CAP_PID"
	CAP_PID=
}

# Heartbeat: only required when this dmm-cmd handles it (another increment adds it).
HB=no
grep -qs "DMM_MH_HB" "$ROOT/cmd/cmd_main.c" "$ROOT/cmd/cmd_engine_sm.c" \
	"$ROOT/controlplane/cmd_sm.c" && HB=yes

# ------------------------------------------------------------------ part "cmd"
note "wire_check self-test (the checker must catch broken messages)"
$PY "$HERE/wire_check.py" --selftest "$WORK/selftest.pcap"
record "wire_check.py self-test: each broken message is caught" $?

topology
for mode in relay proxy locator; do
	note "dmm-cmd, $mode mode"
	cap=$WORK/cmd-$mode.pcap
	part_capture_start "$NS_CMD" cmd0 "$cap"
	cmd_start "$mode"
	ip netns exec "$NS_MAAR" "$PY" "$HERE/wire_maar.py" "$mode" "$WORK/cmd.sock" \
		"$WORK/expect-$mode.json" "$NS_CMD" "$HB"
	record "dmm-cmd $mode: live checks (wire_maar.py)" $?
	cmd_stop
	part_capture_stop
	note "tshark on the $mode capture"
	if [ -f "$WORK/expect-$mode.json" ]; then
		$PY "$HERE/wire_check.py" "$cap" "$WORK/expect-$mode.json"
	else
		$PY "$HERE/wire_check.py" "$cap"
	fi
	record "dmm-cmd $mode: every MH decoded by tshark as expected (wire_check.py)" $?
done

# ------------------------------------------------------------------ part "maar": not yet
# (dmm-maar's signalling adapter; add its namespaces on br0 and capture the same way)

note "summary"
printf '  %s\n' "${SUMMARY[@]}"
if [ "$FAILS" = 0 ]; then echo "PASS: wire_conformance"; exit 0; fi
echo "FAIL: wire_conformance ($FAILS step(s))"
exit 1
