#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# sig_e2e.sh DMM_MAAR DMM_CMD DMMCTL [MODE...] — signalling end to end (meson suite "netns").
#
# A DMM domain in network namespaces: dmm-cmd and three dmm-maar (af_packet, or af_xdp with
# LAB_PMD=af_xdp) on one core link with a CN; a plain Linux MN whose single interface hangs
# off one of three access bridges, one per MAAR:
#
#        MN mn0 --- mnp (moved between brA1/brA2/brA3 in the ACCESS namespace)
#        brA1 --- acc0 MAAR1 core0 ---+
#        brA2 --- acc0 MAAR2 core0 ---+--- br0 (CORE) --- CMD (cmd0, dmm-cmd)
#        brA3 --- acc0 MAAR3 core0 ---+                --- CN  (cn0)
#
# For each CMD mode (relay, locator, proxy; or the MODEs given): the MN attaches at MAAR1,
# moves to MAAR2, then to MAAR3, then leaves the domain. Attach and detach are injected
# with `dmmctl --maar-socket S mn attach|detach` (the access-link detection is the next
# issue's). Until Router Advertisements exist the test configures the MN's addresses
# itself from the prefix each MAAR delegated (read with `dmmctl sessions`), and every MAAR
# shows the same access MAC / link-local address (RFC 5213 §6.9.3 fixed MAG link-layer and
# link-local addresses), so the MN's default router never changes.
# After each step it checks: the sessions on every MAAR (state, prefix, serving MAAR,
# remote anchors), the CMD's binding cache (serving MAAR, P-MAAR list), traffic between the
# MN and the CN from every prefix the MN holds (pings, answered through the tunnels), and
# the tunnel counters (encapsulation at the anchor, decapsulation at the serving MAAR).
# After the MN leaves: de-registration (RFC 8885 §3.5), and no session, binding or tunnel
# left on any MAAR and no binding cache entry at the CMD.
#
# Needs root. Exit status: 0 pass, 1 fail, 77 skipped. LAB_KEEP=1 keeps the logs.
set -uo pipefail

MAAR=${1:-}
CMD=${2:-}
DMMCTL=${3:-}
shift 3 2>/dev/null || true
MODES=("$@")
[ ${#MODES[@]} -gt 0 ] || MODES=(relay locator proxy)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ -z "$MAAR" ] || [ -z "$CMD" ] || [ -z "$DMMCTL" ]; then
	echo "usage: $0 DMM_MAAR DMM_CMD DMMCTL [relay|locator|proxy ...]" >&2
	exit 2
fi
lab_require
case $? in
0) ;;
1) echo "SKIP: needs root" >&2; exit 77 ;;
*) echo "SKIP: tools missing" >&2; exit 77 ;;
esac
for b in "$MAAR" "$CMD" "$DMMCTL"; do
	[ -x "$b" ] || lab_die "$b: not an executable"
done

CMD_ADDR=2001:db8:ff::a0
CN_ADDR=2001:db8:ff::100
ACC_MAC=02:dd:00:00:aa:01 # every MAAR's access port (fixed MAG link-layer address)
ACC_LL=$(lab_eui64_ll "$ACC_MAC")
MN_MAC=02:dd:00:00:00:10
MN_ID=mn1@lab.example
declare -A M_ADDR=([1]=2001:db8:ff::1 [2]=2001:db8:ff::2 [3]=2001:db8:ff::3)
declare -A M_POOL=([1]=2001:db8:100::/48 [2]=2001:db8:200::/48 [3]=2001:db8:300::/48)
GRACE_MS=1500
MIN_DELAY_MS=1500

lab_init
echo "signalling e2e test, run $LAB_RUN (logs in $LAB_TMP), modes: ${MODES[*]}"
NS_ACC=$LAB_RUN-acc
NS_CMD=$LAB_RUN-cmd
CMD_PID=

sock() { echo "$LAB_TMP/maar$1.sock"; }
ctl() { # N ARGS...: dmmctl against MAAR N's control socket
	local n=$1
	shift
	"$DMMCTL" --maar-socket "$(sock "$n")" "$@"
}
# The sessions of MAAR N as "nai state prefix serving anchors" lines (dmmctl --json).
sessions() {
	ctl "$1" --json sessions 2>/dev/null | "$LAB_PY" -c '
import json, sys
d = json.load(sys.stdin)
for s in d.get("sessions", []):
    anchors = ",".join("%s=%s" % (a["maar"], a["prefix"]) for a in s["anchors"])
    print(s["mn"], s["state"], s["prefix"], s.get("serving", "-"), anchors or "-")
'
}
# Wait until `sessions N` prints exactly EXPECTED (sorted lines), up to T seconds.
wait_sessions() { # WHAT N EXPECTED T
	local got i
	for ((i = 0; i < $4 * 10; i++)); do
		got=$(sessions "$2" | sort)
		[ "$got" = "$3" ] && break
		sleep 0.1
	done
	lab_expect "$1" "$3" "$got"
}
# One field of the MN's session on MAAR N.
sess_field() { sessions "$1" | awk -v f="$2" -v id="$MN_ID" '$1 == id { print $f }'; }
bce() { # the CMD's entry for the MN: "serving hnp pmaar=prefix,... state"
	"$DMMCTL" --cmd-socket "$LAB_TMP/cmd.sock" --json bce 2>/dev/null | "$LAB_PY" -c '
import json, sys
d = json.load(sys.stdin)
if isinstance(d, dict):
    d = d.get("bce", d.get("entries", []))
for e in d:
    if e.get("mn_id") != sys.argv[1]: continue
    p = ",".join(sorted("%s=%s" % (x["address"], x["prefix"]) for x in e.get("p_maars", [])))
    print(e.get("serving"), e.get("hnp"), p or "-", e.get("state"))
' "$MN_ID"
}
tables() { # N FIELD: a /dmm/tables counter of worker 0
	lab_stats "maar$1" /dmm/tables 2>/dev/null | lab_counter "workers.0.$2"
}
counter() { # N NAME: a /dmm/stats total counter
	lab_stats "maar$1" 2>/dev/null | lab_counter "total.$2"
}

topology() {
	local i
	for ns in "$NS_ACC" "$NS_CMD" "$NS_CORE" "$NS_CN" "$NS_MN" "$NS_M1" "$NS_M2" "$NS_M3"; do
		lab_ns_add "$ns"
	done
	ip -n "$NS_CORE" link add br0 type bridge mcast_snooping 0 stp_state 0
	for i in 1 2 3; do
		local ns=${NS_M[$i]}
		lab_veth "$ns" core0 "02:dd:00:0$i:00:0c" "$NS_CORE" "p$i" "02:dd:00:0f:00:0$i"
		lab_veth "$ns" acc0 "$ACC_MAC" "$NS_ACC" "a$i" "02:dd:00:0e:00:0$i"
		lab_dpdk_link "$ns" core0
		lab_dpdk_link "$ns" acc0
		ip -n "$NS_ACC" link add "brA$i" type bridge mcast_snooping 0 stp_state 0
		lab_nsx "$NS_ACC" sysctl -qw "net.ipv6.conf.brA$i.disable_ipv6=1"
		lab_nsx "$NS_ACC" sysctl -qw "net.ipv6.conf.a$i.disable_ipv6=1"
		ip -n "$NS_ACC" link set "a$i" master "brA$i" up
		ip -n "$NS_ACC" link set "brA$i" up
	done
	lab_veth "$NS_CMD" cmd0 02:dd:00:0c:00:01 "$NS_CORE" pcmd 02:dd:00:0f:00:0a
	lab_veth "$NS_CN" cn0 02:dd:00:00:01:00 "$NS_CORE" pcn 02:dd:00:0f:00:0b
	lab_veth "$NS_MN" mn0 "$MN_MAC" "$NS_ACC" mnp 02:dd:00:0e:00:10
	lab_nsx "$NS_ACC" sysctl -qw net.ipv6.conf.mnp.disable_ipv6=1
	ip -n "$NS_ACC" link set mnp up
	for p in p1 p2 p3 pcmd pcn; do
		lab_nsx "$NS_CORE" sysctl -qw "net.ipv6.conf.$p.disable_ipv6=1"
		ip -n "$NS_CORE" link set "$p" master br0 up
	done
	lab_nsx "$NS_CORE" sysctl -qw net.ipv6.conf.br0.disable_ipv6=1
	ip -n "$NS_CORE" link set br0 up
	lab_host_link "$NS_CMD" cmd0 "$CMD_ADDR/64"
	lab_host_link "$NS_CN" cn0 "$CN_ADDR/64"
	for i in 1 2 3; do # the CN routes each MAAR's pool to it: prefixes stay anchored there
		ip -n "$NS_CN" -6 route add "${M_POOL[$i]}" via "${M_ADDR[$i]}" dev cn0
	done
	# The MN: a plain host; no RA yet (next issue), so addresses are set by the test.
	lab_nsx "$NS_MN" sysctl -qw net.ipv6.conf.mn0.accept_ra=0 net.ipv6.conf.mn0.accept_dad=0
	ip -n "$NS_MN" link set mn0 up
	ip -n "$NS_MN" -6 route add default via "$ACC_LL" dev mn0
}

maar_config() { # N MODE
	local n=$1 mode=$2 peers="" j
	for j in 1 2 3; do
		[ "$j" = "$n" ] || peers="$peers${peers:+, }${M_ADDR[$j]}"
	done
	cat <<EOF
name: e2e-maar$n
address: ${M_ADDR[$n]}
ports:
  - {device: net_af_packet0, role: access, mtu: 1500}
  - {device: net_af_packet1, role: core, mtu: 1500}
pool: [${M_POOL[$n]}]
static:
  routes:
    - {prefix: $CN_ADDR/128, via: $CN_ADDR}
control_socket: $(sock "$n")
signalling:
  cmd: $CMD_ADDR
  mode: $mode
  peers: [$peers]
  lifetime_s: 120
  detach_grace_ms: $GRACE_MS
  min_delay_bce_delete_ms: $MIN_DELAY_MS
  max_update_rate: 50
  heartbeat: {interval_s: 1, allow_short: true, restart_counter_file: $LAB_TMP/maar$n.rc}
EOF
}

cmd_config() { # MODE
	cat <<EOF
address: $CMD_ADDR
mode: $1
maars:
  - {address: ${M_ADDR[1]}, pool: [${M_POOL[1]}]}
  - {address: ${M_ADDR[2]}, pool: [${M_POOL[2]}]}
  - {address: ${M_ADDR[3]}, pool: [${M_POOL[3]}]}
timers:
  relay_aggregation_ms: 1000
  min_delay_before_bce_delete_ms: $MIN_DELAY_MS
  timestamp_window_ms: 2000
heartbeat: {interval_s: 1, allow_short: true, restart_counter_file: $LAB_TMP/cmd.rc}
control_socket: $LAB_TMP/cmd.sock
EOF
}

start_cmd() { # MODE
	local mode=$1
	cmd_config "$mode" >"$LAB_TMP/cmd-$mode.yaml"
	# Not through a shell function: $! must be dmm-cmd itself (ip netns exec execs it).
	ip netns exec "$NS_CMD" "$CMD" --config "$LAB_TMP/cmd-$mode.yaml" --foreground --verbose \
		</dev/null >>"$LAB_TMP/cmd-$mode.log" 2>&1 &
	CMD_PID=$!
}

start_domain() { # MODE
	local mode=$1 i
	start_cmd "$mode"
	for i in 1 2 3; do
		maar_config "$i" "$mode" >"$LAB_TMP/maar$i-$mode.yaml"
		lab_maar_start "maar$i" "${NS_M[$i]}" "$LAB_TMP/maar$i-$mode.yaml"
	done
	for i in 1 2 3; do
		lab_maar_wait_ready "maar$i" || return 1
	done
	for ((i = 0; i < 50; i++)); do
		[ -S "$LAB_TMP/cmd.sock" ] && break
		sleep 0.1
	done
	lab_alive "$CMD_PID" || { lab_fail "dmm-cmd starts" running exited; return 1; }
	lab_pass "dmm-cmd ($mode) and three dmm-maar running"
}

stop_domain() {
	local i
	for i in 1 2 3; do
		cp "$LAB_TMP/maar$i.log" "$LAB_TMP/maar$i-$MODE.log" 2>/dev/null
		lab_maar_stop "maar$i" || lab_fail "maar$i exits 0 on SIGTERM" 0 "$LAB_STOP_RC"
	done
	if [ -n "$CMD_PID" ]; then
		kill -TERM "$CMD_PID" 2>/dev/null
		wait "$CMD_PID"
		lab_expect "dmm-cmd exits 0 on SIGTERM" 0 "$?"
		CMD_PID=
	fi
}

move_link() { # N: plug the MN into MAAR N's access bridge
	ip -n "$NS_ACC" link set mnp nomaster
	ip -n "$NS_ACC" link set mnp master "brA$1"
}

# A delegated prefix must be a /64 of the MAAR's own pool (RFC 8885 §3.1).
in_pool() { # WHO PREFIX N
	if "$LAB_PY" -c 'import ipaddress as i, sys
p = i.ip_network(sys.argv[1]); q = i.ip_network(sys.argv[2])
sys.exit(0 if p.prefixlen == 64 and p.subnet_of(q) else 1)' "$2" "${M_POOL[$3]}" 2>/dev/null; then
		lab_pass "$1 delegated $2 from its pool ${M_POOL[$3]}"
	else
		lab_fail "$1 delegates a /64 of its pool" "a /64 in ${M_POOL[$3]}" "${2:-none}"
	fi
}

# ping from the MN with a given source to the CN; prints the packet loss in %
ping_loss() { # SRC [COUNT]
	lab_nsx "$NS_MN" ping -6 -c "${2:-3}" -i 0.2 -W 2 -I "$1" "$CN_ADDR" 2>&1 |
		sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p'
}
# The MN's address in prefix P ("2001:db8:100::/64" -> "2001:db8:100::10").
mn_addr() { echo "${1%::/64}::10"; }

# Attach the MN at MAAR N (after leaving PREV if given) and check the result.
attach_at() { # N PREV
	local n=$1 prev=${2:-} out
	if [ -n "$prev" ]; then
		out=$(ctl "$prev" mn detach "$MN_ID" 2>&1)
		lab_expect "dmmctl mn detach at MAAR$prev" "detached" "$(echo "$out" | head -n 1)"
	fi
	move_link "$n"
	out=$(ctl "$n" mn attach "$MN_ID" "$MN_MAC" 2>&1)
	lab_expect "dmmctl mn attach at MAAR$n" "attached" "$(echo "$out" | head -n 1)"
}

run_mode() {
	MODE=$1
	lab_step "CMD mode $MODE"
	start_domain "$MODE" || return 1
	# Each MAAR resolves the CMD and the CN by NDP on the core link as soon as it uses them.

	lab_step "$MODE: registration at MAAR1"
	attach_at 1
	local i p1 p2 p3 e
	for ((i = 0; i < 50; i++)); do
		[ "$(sess_field 1 2)" = serving ] && break
		sleep 0.1
	done
	p1=$(sess_field 1 3)
	lab_expect "MAAR1 session state" serving "$(sess_field 1 2)"
	in_pool "MAAR1" "$p1" 1
	e=$(bce)
	lab_expect "CMD binding cache: serving MAAR, prefix, P-MAARs, state" \
		"${M_ADDR[1]} $p1 - active" "$e"
	ip -n "$NS_MN" -6 addr add "$(mn_addr "$p1")/64" dev mn0 nodad
	# The first pings also wait for the hosts' and the MAARs' neighbour resolution.
	for ((i = 0; i < 10; i++)); do
		[ "$(ping_loss "$(mn_addr "$p1")" 1)" = 0 ] && break
	done
	lab_expect "MN ($(mn_addr "$p1")) <-> CN at MAAR1: ping loss" 0% "$(ping_loss "$(mn_addr "$p1")")%"

	if [ "$MODE" = "${MODES[0]}" ]; then
		lab_step "$MODE: the CMD restarts and loses its binding cache (Heartbeat, RFC 5847)"
		kill -TERM "$CMD_PID" 2>/dev/null
		wait "$CMD_PID"
		rm -f "$LAB_TMP/cmd.sock"
		start_cmd "$MODE"
		# The restarted CMD announces its new Restart Counter (unsolicited response);
		# MAAR1 notices the change and registers its session again.
		for ((i = 0; i < 100; i++)); do
			[ -n "$(bce)" ] && break
			sleep 0.1
		done
		lab_expect "CMD binding cache after the restart: re-registered by MAAR1" \
			"${M_ADDR[1]} $p1 - active" "$(bce)"
		lab_expect "MAAR1 saw the CMD restart (sig cmd_restarts)" 1 \
			"$(ctl 1 --json sig | "$LAB_PY" -c 'import json,sys; print(json.load(sys.stdin)["cmd_restarts"])')"
		lab_expect "MN <-> CN still at MAAR1: ping loss" 0% "$(ping_loss "$(mn_addr "$p1")")%"
	fi

	lab_step "$MODE: handover MAAR1 -> MAAR2"
	local enc1=$(counter 1 encap) dec2=$(counter 2 decap)
	attach_at 2 1
	for ((i = 0; i < 50; i++)); do
		[ "$(sess_field 2 2)" = serving ] && [ "$(sess_field 2 5)" != - ] &&
			[ "$(sess_field 1 2)" = anchor ] && break
		sleep 0.1
	done
	p2=$(sess_field 2 3)
	in_pool "MAAR2" "$p2" 2
	lab_expect "MAAR2: serving, remote anchor MAAR1" "serving ${M_ADDR[1]}=$p1" \
		"$(sess_field 2 2) $(sess_field 2 5)"
	lab_expect "MAAR1: anchor of $p1, tunnelled to MAAR2" "anchor $p1 ${M_ADDR[2]}" \
		"$(sess_field 1 2) $(sess_field 1 3) $(sess_field 1 4)"
	lab_expect "CMD binding cache" "${M_ADDR[2]} $p2 ${M_ADDR[1]}=$p1 active" "$(bce)"
	ip -n "$NS_MN" -6 addr change "$(mn_addr "$p1")/64" dev mn0 preferred_lft 0
	ip -n "$NS_MN" -6 addr add "$(mn_addr "$p2")/64" dev mn0 nodad
	lab_expect "MN old address $(mn_addr "$p1") <-> CN via the MAAR2=MAAR1 tunnel: loss" \
		0% "$(ping_loss "$(mn_addr "$p1")")%"
	lab_expect "MN new address $(mn_addr "$p2") <-> CN natively at MAAR2: loss" \
		0% "$(ping_loss "$(mn_addr "$p2")")%"
	lab_expect_gt "MAAR1 encapsulated the CN's replies to $p1 (encap counter grew)" "$enc1" \
		"$(counter 1 encap)"
	lab_expect_gt "MAAR2 decapsulated them (decap counter grew)" "$dec2" "$(counter 2 decap)"

	lab_step "$MODE: handover MAAR2 -> MAAR3"
	enc1=$(counter 1 encap)
	local enc2=$(counter 2 encap) dec3=$(counter 3 decap)
	attach_at 3 2
	for ((i = 0; i < 50; i++)); do
		[ "$(sess_field 3 2)" = serving ] && [ "$(sess_field 2 2)" = anchor ] &&
			[ "$(sess_field 1 4)" = "${M_ADDR[3]}" ] &&
			[ "$(sess_field 3 5 | tr ',' '\n' | wc -l)" = 2 ] && break
		sleep 0.1
	done
	p3=$(sess_field 3 3)
	in_pool "MAAR3" "$p3" 3
	lab_expect "MAAR3: serving, remote anchors MAAR1 and MAAR2" \
		"serving ${M_ADDR[1]}=$p1,${M_ADDR[2]}=$p2" \
		"$(sess_field 3 2) $(sess_field 3 5 | tr ',' '\n' | sort | paste -sd,)"
	lab_expect "MAAR1: $p1 now tunnelled to MAAR3" "anchor ${M_ADDR[3]}" \
		"$(sess_field 1 2) $(sess_field 1 4)"
	lab_expect "MAAR2: $p2 tunnelled to MAAR3, no remote anchor left" "anchor ${M_ADDR[3]} -" \
		"$(sess_field 2 2) $(sess_field 2 4) $(sess_field 2 5)"
	lab_expect "CMD binding cache" \
		"${M_ADDR[3]} $p3 $(printf '%s\n' "${M_ADDR[1]}=$p1" "${M_ADDR[2]}=$p2" | sort | paste -sd,) active" \
		"$(bce)"
	ip -n "$NS_MN" -6 addr change "$(mn_addr "$p2")/64" dev mn0 preferred_lft 0
	ip -n "$NS_MN" -6 addr add "$(mn_addr "$p3")/64" dev mn0 nodad
	for p in "$p1" "$p2" "$p3"; do
		lab_expect "MN $(mn_addr "$p") <-> CN at MAAR3: loss" 0% "$(ping_loss "$(mn_addr "$p")")%"
	done
	lab_expect_gt "MAAR1 encap grew (tunnel to MAAR3)" "$enc1" "$(counter 1 encap)"
	lab_expect_gt "MAAR2 encap grew (tunnel to MAAR3)" "$enc2" "$(counter 2 encap)"
	lab_expect_gt "MAAR3 decap grew" "$dec3" "$(counter 3 decap)"
	lab_expect "MAAR3 tunnels (to MAAR1 and MAAR2)" 2 "$(tables 3 tunnels)"

	lab_step "$MODE: the MN leaves the domain (detach at MAAR3, grace ${GRACE_MS} ms, de-registration)"
	ctl 3 mn detach "$MN_ID" >/dev/null
	for n in 3 1 2; do
		wait_sessions "MAAR$n: no session left" "$n" "" 15
	done
	for ((i = 0; i < 50; i++)); do
		[ -z "$(bce)" ] && break
		sleep 0.1
	done
	lab_expect "CMD binding cache: entry gone after MinDelayBeforeBCEDelete" "" "$(bce)"
	for n in 1 2 3; do
		lab_expect "MAAR$n: bindings and tunnels left (worker 0)" "0 0" \
			"$(tables "$n" bindings) $(tables "$n" tunnels)"
	done
	ip -n "$NS_MN" -6 addr flush dev mn0 scope global
	stop_domain
}

declare -A NS_M
NS_M1=$LAB_RUN-maar1
NS_M2=$LAB_RUN-maar2
NS_M3=$LAB_RUN-maar3
NS_M=([1]=$NS_M1 [2]=$NS_M2 [3]=$NS_M3)
NS_MN=$LAB_RUN-mn
NS_CORE=$LAB_RUN-core
NS_CN=$LAB_RUN-cn

lab_step "Topology: CMD, CN, three MAARs on a core bridge; three access bridges; the MN"
topology
lab_pass "namespaces, veths and bridges created"
for m in "${MODES[@]}"; do
	run_mode "$m"
	if [ "$LAB_FAILS" != 0 ]; then
		for i in 1 2 3; do lab_show_log "maar$i" 30; done
		tail -n 40 "$LAB_TMP/cmd-$m.log" | sed 's/^/  | cmd: /'
		[ -n "$CMD_PID" ] && stop_domain
		break
	fi
done
lab_step "Summary"
if [ "$LAB_FAILS" = 0 ]; then
	echo "PASS: registration and two handovers in mode(s) ${MODES[*]}, traffic through the tunnels, clean de-registration"
	exit 0
fi
echo "FAIL: $LAB_FAILS check(s) failed"
exit 1
