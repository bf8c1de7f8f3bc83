#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# wire_conformance.sh DMM_CMD [DMM_MAAR DMMCTL] — what dmm-cmd (part 1) and dmm-maar (part 2)
# put on the wire, decoded by Debian's tshark (meson suite "netns"). test/netns/README.md,
# section "Wire conformance".
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
# Part "maar" (given DMM_MAAR and DMMCTL): for each CMD mode, dmm-cmd and two dmm-maar
# (af_packet, lib.sh) on their own core bridge; tcpdump on that bridge sees every MH, the
# MAAR-to-MAAR direct PBA of locator mode too. The MN (dmmctl mn attach/detach) registers at
# MAAR1, moves to MAAR2 and leaves; Heartbeat at 1 s both ways meanwhile. wire_check.py then
# checks every MH of the capture and the expectations written here (S1, P1/P6, P4, S10,
# Heartbeat), with prefixes read from `dmmctl sessions` and the DLIF from MAAR1's log.
#
#   RUN-m2cmd (dmm-cmd ::a0) --+
#   RUN-m2m1  (dmm-maar ::1) --+-- br0 in RUN-m2core, tcpdump -i br0
#   RUN-m2m2  (dmm-maar ::2) --+   (each dmm-maar's access port: a veth to a stub)
#
# Needs root, ip, tshark, tcpdump, /usr/bin/python3. Exit: 0 pass, 1 fail, 77 skipped.
# WIRE_KEEP=1 keeps the work dir (captures, logs, expectations); WIRE_PARTS="maar" (or "cmd")
# runs one part only (default "cmd maar").
set -uo pipefail

CMD=${1:-}
MAAR=${2:-}
DMMCTL=${3:-}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
if [ -z "$CMD" ]; then
	echo "usage: $0 DMM_CMD [DMM_MAAR DMMCTL]" >&2
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
	for p in $CMD_PID $CAP_PID ${P2_CMD_PID:-}; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for n in $NS_MAAR $NS_CMD $NS_CORE; do ip netns del "$n" 2>/dev/null; done
	# part "maar": lib.sh stops its dmm-maar and deletes its namespaces (not the work dir)
	if [ -n "${LAB_RUN:-}" ]; then LAB_TMP='' lab_cleanup 0; fi
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
	for a in 1 2 8 9; do
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
		maars: [2001:db8:ff::1, 2001:db8:ff::2, {address: 2001:db8:ff::8, proxy_reg: false}]
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
[[ " ${WIRE_PARTS:-cmd maar} " == *" cmd "* ]] || SUMMARY+=("SKIP  part cmd (WIRE_PARTS)")
for mode in relay proxy locator; do
	[[ " ${WIRE_PARTS:-cmd maar} " == *" cmd "* ]] || break
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

# ------------------------------------------------------------------ part "maar"
# What dmm-maar sends: PBU (S1, S10), PBA to the CMD (P1/P6) and to the S-MAAR (P4, locator),
# Heartbeat request/response, all captured on the core bridge.
M2_CMD=2001:db8:ff::a0
declare -A MA=([1]=2001:db8:ff::1 [2]=2001:db8:ff::2)
declare -A MPOOL=([1]=2001:db8:100::/48 [2]=2001:db8:200::/48)
declare -A NS2_M=()
MN_NAI=mn1@wire.example
MN_LL=02:dd:00:00:00:10
LIFETIME_S=120 # PBU Lifetime field = 120 / 4 = 30 units (RFC 6275 §6.1.7)
GRACE_MS=500
P2_CMD_PID=

p2_sock() { echo "$WORK/m2-maar$1.sock"; }
p2_ctl() { # N ARGS...
	local n=$1
	shift
	"$DMMCTL" --maar-socket "$(p2_sock "$n")" "$@"
}
# MAAR N's sessions as "nai state prefix serving anchors" lines (dmmctl --json)
p2_sessions() {
	p2_ctl "$1" --json sessions 2>/dev/null | "$PY" -c '
import json, sys
for s in json.load(sys.stdin).get("sessions", []):
    a = ",".join("%s=%s" % (x["maar"], x["prefix"]) for x in s["anchors"])
    print(s["mn"], s["state"], s["prefix"], s.get("serving", "-"), a or "-")
'
}
p2_field() { p2_sessions "$1" | awk -v f="$2" -v id="$MN_NAI" '$1 == id { print $f }'; }
p2_wait() { # SECONDS CONDITION...: poll every 0.1 s until the condition holds
	local t=$1 i
	shift
	for ((i = 0; i < t * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
# shellcheck disable=SC2317 # the three predicates below are called through p2_wait
p2_registered_at1() { [ "$(p2_field 1 2)" = serving ]; }
# shellcheck disable=SC2317
p2_moved_to2() {
	[ "$(p2_field 2 2)" = serving ] && [ "$(p2_field 2 5)" != - ] && [ "$(p2_field 1 2)" = anchor ]
}
# shellcheck disable=SC2317
p2_all_gone() { [ -z "$(p2_sessions 1)$(p2_sessions 2)" ]; }

p2_topology() {
	local i ns
	NS2_CORE=$RUN-m2core NS2_CMD=$RUN-m2cmd
	NS2_M=([1]=$RUN-m2m1 [2]=$RUN-m2m2)
	for ns in "$NS2_CORE" "$NS2_CMD" "${NS2_M[1]}" "${NS2_M[2]}"; do lab_ns_add "$ns"; done
	ip -n "$NS2_CORE" link add br0 type bridge mcast_snooping 0 stp_state 0 || die "bridge (maar)"
	for i in 1 2; do
		ns=${NS2_M[$i]}
		lab_veth "$ns" core0 "02:dd:00:0$i:00:0c" "$NS2_CORE" "p$i" "02:dd:00:0f:00:0$i"
		# the access port only has to exist: attach/detach come from dmmctl
		lab_veth "$ns" acc0 "02:dd:00:0$i:00:0a" "$ns" stub0 "02:dd:00:0$i:00:0b"
		for l in core0 acc0 stub0; do lab_dpdk_link "$ns" "$l"; done
	done
	lab_veth "$NS2_CMD" cmd0 02:dd:00:0c:00:01 "$NS2_CORE" pcmd 02:dd:00:0f:00:0a
	for l in p1 p2 pcmd br0; do
		lab_nsx "$NS2_CORE" sysctl -qw "net.ipv6.conf.$l.disable_ipv6=1"
		[ "$l" = br0 ] || ip -n "$NS2_CORE" link set "$l" master br0 up
	done
	ip -n "$NS2_CORE" link set br0 up
	lab_host_link "$NS2_CMD" cmd0 "$M2_CMD/64"
}

p2_maar_config() { # N MODE
	local n=$1 other=$((3 - $1))
	cat <<-EOF
		name: wire-maar$n
		address: ${MA[$n]}
		ports:
		  - {device: net_af_packet0, role: access, mtu: 1500}
		  - {device: net_af_packet1, role: core, mtu: 1500}
		pool: [${MPOOL[$n]}]
		control_socket: $(p2_sock "$n")
		signalling:
		  cmd: $M2_CMD
		  mode: $2
		  peers: [${MA[$other]}]
		  lifetime_s: $LIFETIME_S
		  detach_grace_ms: $GRACE_MS
		  min_delay_bce_delete_ms: 500
		  max_update_rate: 50
		  heartbeat: {interval_s: 1, allow_short: true,
		              restart_counter_file: $WORK/m2-maar$n-$2.restart}
	EOF
}
p2_cmd_config() { # MODE
	cat <<-EOF
		address: $M2_CMD
		mode: $1
		maars: [${MA[1]}, ${MA[2]}]
		timers:
		  relay_aggregation_ms: 1000
		  min_delay_before_bce_delete_ms: 500
		  timestamp_window_ms: 2000
		control_socket: $WORK/m2-cmd.sock
		heartbeat: {interval_s: 1, allow_short: true,
		            restart_counter_file: $WORK/m2-cmd-$1.restart}
	EOF
}

p2_start() { # MODE
	local i
	p2_cmd_config "$1" >"$WORK/m2-cmd-$1.yaml"
	"$CMD" --check-config "$WORK/m2-cmd-$1.yaml" >/dev/null || die "dmm-cmd --check-config ($1)"
	rm -f "$WORK/m2-cmd.sock"
	ip netns exec "$NS2_CMD" "$CMD" --config "$WORK/m2-cmd-$1.yaml" --foreground --verbose \
		</dev/null >"$WORK/m2-cmd-$1.log" 2>&1 &
	P2_CMD_PID=$!
	for i in 1 2; do
		p2_maar_config "$i" "$1" >"$WORK/m2-maar$i-$1.yaml"
		"$MAAR" --check-config "$WORK/m2-maar$i-$1.yaml" >/dev/null ||
			die "dmm-maar --check-config ($1): $("$MAAR" --check-config "$WORK/m2-maar$i-$1.yaml" 2>&1)"
		lab_maar_start "m2maar$i" "${NS2_M[$i]}" "$WORK/m2-maar$i-$1.yaml"
	done
	for i in 1 2; do lab_maar_wait_ready "m2maar$i" || return 1; done
	p2_wait 5 test -S "$WORK/m2-cmd.sock" || { lab_fail "dmm-cmd ($1) starts" socket none; return 1; }
}
p2_stop() {
	local i
	for i in 1 2; do
		[ -n "${LAB_PID[m2maar$i]:-}" ] || continue
		cp "$LAB_TMP/m2maar$i.log" "$WORK/m2-maar$i-$MODE2.log" 2>/dev/null
		lab_maar_stop "m2maar$i" || lab_fail "dmm-maar $i exits 0 on SIGTERM" 0 "$LAB_STOP_RC"
	done
	if [ -n "$P2_CMD_PID" ]; then
		kill -TERM "$P2_CMD_PID" 2>/dev/null
		wait "$P2_CMD_PID"
		lab_expect "dmm-cmd exits 0 on SIGTERM" 0 "$?"
		P2_CMD_PID=
	fi
}

# The MN's walk: attach at MAAR1, heartbeats, move to MAAR2, leave. Sets P1, P2, DLIF.
p2_walk() {
	local out
	out=$(p2_ctl 1 mn attach "$MN_NAI" "$MN_LL" 2>&1)
	lab_expect "dmmctl mn attach $MN_NAI at MAAR1" attached "$(echo "$out" | head -n 1)"
	p2_wait 10 p2_registered_at1
	lab_expect "MAAR1: session serving" serving "$(p2_field 1 2)"
	P1=$(p2_field 1 3)
	# Heartbeat both ways while the MN is registered (interval 1 s)
	sleep 2.5
	out=$(p2_ctl 1 mn detach "$MN_NAI" 2>&1)
	lab_expect "dmmctl mn detach at MAAR1" detached "$(echo "$out" | head -n 1)"
	out=$(p2_ctl 2 mn attach "$MN_NAI" "$MN_LL" 2>&1)
	lab_expect "dmmctl mn attach at MAAR2" attached "$(echo "$out" | head -n 1)"
	p2_wait 10 p2_moved_to2
	P2=$(p2_field 2 3)
	lab_expect "MAAR2 serving with remote anchor MAAR1; MAAR1 anchors $P1 for MAAR2" \
		"serving ${MA[1]}=$P1 anchor ${MA[2]}" \
		"$(p2_field 2 2) $(p2_field 2 5) $(p2_field 1 2) $(p2_field 1 4)"
	sleep 1.2 # a heartbeat round with MAAR2 as well
	out=$(p2_ctl 2 mn detach "$MN_NAI" 2>&1)
	lab_expect "dmmctl mn detach at MAAR2" detached "$(echo "$out" | head -n 1)"
	p2_wait 10 p2_all_gone
	lab_expect "no session left on either MAAR after de-registration" "" \
		"$(p2_sessions 1)$(p2_sessions 2)"
	# The DLIF MAAR1 itself used for the MN on P1 (RFC 8885 §4.7-4.8: what 69/70 must carry)
	local re="mn $MN_NAI: advertise $P1 (anchor ${MA[1]},.* from DLIF"
	DLIF=$(sed -n "s#.*$re \([0-9a-f:]*\) \([0-9a-f:]*\)\$#\1 \2#p" \
		"$LAB_TMP/m2maar1.log" | head -n 1)
	[ -n "$DLIF" ] ||
		lab_fail "MAAR1 logged the DLIF it advertises $P1 from" "an 'advertise' line" none
}

# Expectations for wire_check.py (its EXPECT.json format).
p2_expect() { # MODE FILE
	# shellcheck disable=SC2086 # DLIF is "MAC LLA": two arguments
	"$PY" - "$1" "$2" "${MA[1]}" "${MA[2]}" "$M2_CMD" "${MPOOL[1]}" "${MPOOL[2]}" \
		"${P1:-none}" "${P2:-none}" "$MN_NAI" "$MN_LL" "$((LIFETIME_S / 4))" \
		${DLIF:-none none} <<-'PYEOF'
		import json, sys
		(mode, path, m1, m2, cmd, pool1, pool2, p1, p2, nai, ll, units, dmac,
		 dll) = sys.argv[1:15]
		units = int(units)
		BU, BA, HB = 5, 6, 13
		APD, PD = 0x8210, 0x22  # BU A|P|D and nothing else; BA P|D (RFC 5213 §8.1/8.2)
		ex = []
		def e(name, match, fields, **kw):
		    ex.append(dict(name=name, match=match, fields=fields, **kw))
		NZ = {"not": 0}
		e("S1 MAAR1's initial PBU: A,P,D, HI 1, ATT 3, MN-ID, MN-LL-ID, HNP of its pool, "
		  "Timestamp now, lifetime_s/4",
		  {"type": BU, "src": m1, "dst": cmd, "hi": 1},
		  {"flags": APD, "att": 3, "nai": nai, "mnllid": ll, "hnp": [p1], "hnp_in": pool1,
		   "ts_near_capture": 3, "lifetime": units}, min_count=1)
		e("MAAR2's registration PBU after the move: A,P,D, MN-ID, MN-LL-ID, HNP of its pool",
		  {"type": BU, "src": m2, "dst": cmd, "lifetime": NZ},
		  {"flags": APD, "att": 3, "nai": nai, "mnllid": ll, "hnp": [p2], "hnp_in": pool2,
		   "ts_near_capture": 3, "lifetime": units}, min_count=1)
		p1_fields = {"status": 0, "flags": PD, "hnp": [p1], "serving": m2,
		             "echo_of": {"match": {"type": BU, "src": cmd, "dst": m1, "lifetime": NZ},
		                         "keys": ["seq", "ts", "serving"]}}
		pid = "P1"
		if mode != "locator":
		    pid = "P1/P6"
		    p1_fields.update(has_opts=[69, 70], dlif_eui64=True, dlif_lla=dmac, dlif_ll=dll)
		e(pid + " MAAR1's PBA to the CMD after the handover: status 0, P|D, seq/Timestamp/"
		  "Serving MAAR echoed, HNP = its prefix" +
		  ("" if mode == "locator" else ", DLIF 69/70 = the DLIF it uses for the MN"),
		  {"type": BA, "src": m1, "dst": cmd, "lifetime": NZ}, p1_fields, min_count=1)
		e("MAAR1's PBA to the CMD's forwarded de-registration (G7): status 0, P|D, lifetime 0, "
		  "seq/Timestamp echoed, HNP = its prefix",
		  {"type": BA, "src": m1, "dst": cmd, "lifetime": 0},
		  {"status": 0, "flags": PD, "hnp": [p1],
		   "echo_of": {"match": {"type": BU, "src": cmd, "dst": m1, "lifetime": 0},
		               "keys": ["seq", "ts"]}}, min_count=1)
		direct = {"type": BA, "src": m1, "dst": m2}
		if mode == "locator":
		    e("P4 MAAR1's direct PBA to MAAR2: status 0, HNP = its prefix, no RFC 8885 option, "
		      "seq of MAAR2's PBU", direct,
		      {"status": 0, "hnp": [p1], "no_opts": [65, 66, 67, 68, 69, 70],
		       "echo_of": {"match": {"type": BU, "src": m2, "dst": cmd, "lifetime": NZ},
		                   "keys": ["seq"]}}, min_count=1)
		else:
		    e("no direct MAAR-to-MAAR PBA outside locator mode", direct, {}, count=0)
		e("S10 MAAR2's de-registration PBU: lifetime 0, HI 4, HNP = its prefix, A,P,D",
		  {"type": BU, "src": m2, "dst": cmd, "lifetime": 0},
		  {"hi": 4, "hnp": [p2], "flags": APD, "nai": nai, "ts_near_capture": 3}, min_count=1)
		for n, m in (("MAAR1", m1), ("MAAR2", m2)):
		    need = 1 if n == "MAAR1" else 0
		    e("Heartbeat request from %s: 16 octets, R=0, U=0, no option" % n,
		      {"type": HB, "src": m, "dst": cmd, "r": 0},
		      {"u": 0, "len": 16, "no_opts": [28]}, min_count=need)
		    e("Heartbeat response from %s: R=1, U=0, the request's seq, Restart Counter" % n,
		      {"type": HB, "src": m, "dst": cmd, "r": 1},
		      {"u": 0, "has_opts": [28],
		       "echo_of": {"match": {"type": HB, "src": cmd, "dst": m, "r": 0},
		                   "keys": ["seq"]}}, min_count=need)
		with open(path, "w") as f:
		    json.dump({"expectations": ex, "cover": [m1, m2]}, f, indent=1)
	PYEOF
}

p2_mode() { # MODE
	MODE2=$1
	local cap=$WORK/maar-$1.pcap f0=$LAB_FAILS
	P1='' P2='' DLIF=
	note "dmm-maar x2 + dmm-cmd, $1 mode"
	part_capture_start "$NS2_CORE" br0 "$cap"
	if p2_start "$1"; then
		p2_walk
	fi
	if [ "$LAB_FAILS" != "$f0" ]; then
		for i in 1 2; do lab_show_log "m2maar$i" 15; done
		tail -n 15 "$WORK/m2-cmd-$1.log" | sed 's/^/  | cmd: /'
	fi
	p2_stop
	part_capture_stop
	record "dmm-maar $1: registration, handover, de-registration (dmmctl, sessions)" \
		$((LAB_FAILS != f0))
	note "tshark on the dmm-maar $1 capture"
	p2_expect "$1" "$WORK/expect-maar-$1.json"
	$PY "$HERE/wire_check.py" "$cap" "$WORK/expect-maar-$1.json"
	record "dmm-maar $1: every MH decoded by tshark as expected (wire_check.py)" $?
}

if [[ " ${WIRE_PARTS:-cmd maar} " != *" maar "* ]]; then
	SUMMARY+=("SKIP  part maar (WIRE_PARTS)")
elif [ -z "$MAAR" ] || [ -z "$DMMCTL" ]; then
	SUMMARY+=("SKIP  part maar: dmm-maar and dmmctl not given")
elif ! command -v ethtool >/dev/null || ! [ -x "$MAAR" ] || ! [ -x "$DMMCTL" ]; then
	SUMMARY+=("SKIP  part maar: ethtool, $MAAR or $DMMCTL missing")
else
	# lib.sh: veths, dmm-maar start/stop; our cleanup calls its lab_cleanup
	# shellcheck source=lib.sh
	. "$HERE/lib.sh"
	LAB_RUN=$RUN
	LAB_TMP=$WORK/lab
	mkdir -p "$LAB_TMP"
	p2_topology
	for mode in relay proxy locator; do p2_mode "$mode"; done
fi

note "summary"
printf '  %s\n' "${SUMMARY[@]}"
if [ "$FAILS" = 0 ]; then echo "PASS: wire_conformance"; exit 0; fi
echo "FAIL: wire_conformance ($FAILS step(s))"
exit 1
