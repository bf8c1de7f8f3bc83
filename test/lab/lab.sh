# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The lab domain (issue 4 item 6), sourced by roam_e2e.sh, demo.sh and
# ../netns/sig_e2e.sh (bash).
# Builds on ../netns/lib.sh (namespaces, veths without offloads, dmm-maar start/stop,
# telemetry, teardown on EXIT/INT/TERM).
#
#                         CN  cn0 2001:db8:cc::100            (default via the router)
#                              |
#                        RTR  r1 2001:db8:cc::1   (Linux router, forwarding; routes each
#                        RTR  r0 2001:db8:ff::fe   MAAR's pool to that MAAR: prefixes stay
#                              |                   anchored where they were delegated)
#   CORE br0 (bridge, 2001:db8:ff::/64) ---+---------+---------+---------+
#                                          |         |         |         |
#                                   CMD cmd0 ::a0  MAAR1 ::1 MAAR2 ::2 MAAR3 ::3  (core0)
#                                                  acc0      acc0      acc0      (dmm-maar)
#   ACCESS namespace:                               |         |         |
#                                                  brA1      brA2      brA3
#   MN1 mn0 ---- veth ---- mnp1  (enslaved to one brAn at a time, or to none: unplugged)
#   MN2 mn0 ---- veth ---- mnp2  (the same, optional)
#
# Moving an MN = `ip link set mnpK master brAn` in the ACCESS namespace; nothing changes in
# the MN's namespace (its carrier never drops). The MNs are unmodified Linux hosts: kernel
# defaults (accept_ra 1, autoconf 1, DAD on), no address or route set by the lab; they get
# everything from the serving MAAR's Router Advertisements (SLAAC, RFC 4862).
#
# The MAARs reach the CMD and each other directly on the core link (static /128 routes
# "via" the address itself) and everything else through the router (core port gateway):
# the CN sees the MNs' packets as a real correspondent behind a router would.
#
# Caller: set MAAR, CMD, DMMCTL (paths), source this file, call labx_init, then
# labx_topology [N_MN] and labx_start MODE. Teardown is automatic (lib.sh's lab_cleanup on
# EXIT, INT, TERM, plus this file's background jobs). An e2e script may instead call
# labx_args "$@" first (its command line DMM_MAAR DMM_CMD DMMCTL [MODE...]).
#
# LABX_ACC_MAC (empty by default: MAAR N's access port is 02:dd:00:0N:00:0a) gives every
# MAAR's access port the same MAC, the fixed MAG link-layer address of RFC 5213 §6.9.3:
# sig_e2e.sh's MN has static addresses and a static default router (that port's link-local),
# which must stay valid at every MAAR.
# shellcheck disable=SC2034 # constants are used by the sourcing scripts

LABX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../netns/lib.sh
. "$LABX_DIR/../netns/lib.sh"

CMD_ADDR=2001:db8:ff::a0
RTR_CORE=2001:db8:ff::fe
RTR_CN=2001:db8:cc::1
CN_ADDR=2001:db8:cc::100
declare -gA M_ADDR=([1]=2001:db8:ff::1 [2]=2001:db8:ff::2 [3]=2001:db8:ff::3)
declare -gA M_POOL=([1]=2001:db8:100::/48 [2]=2001:db8:200::/48 [3]=2001:db8:300::/48)
declare -gA MN_MACS=([1]=02:dd:00:00:00:10 [2]=02:dd:00:00:00:20)
NAI_REALM=lab.example
# Lab timers (short so that a detach is seen within seconds; production defaults in
# config/maar-example.yaml): NUD 2 s reachable + 3 probes 500 ms apart, grace 1.5 s.
LABX_GRACE_MS=${LABX_GRACE_MS:-1500}
LABX_MIN_DELAY_MS=${LABX_MIN_DELAY_MS:-1500}
LABX_NUD_REACH_MS=${LABX_NUD_REACH_MS:-2000}
LABX_NUD_RETRANS_MS=${LABX_NUD_RETRANS_MS:-500}
LABX_NUD_PROBES=${LABX_NUD_PROBES:-3}
LABX_RA_MIN_DELAY_MS=${LABX_RA_MIN_DELAY_MS:-1000}
LABX_LIFETIME_S=${LABX_LIFETIME_S:-120}
LABX_ACC_MAC=${LABX_ACC_MAC:-}
LABX_BG=() # background jobs of the caller's shell (not in a namespace): killed at exit
CMD_PID=
LABX_MODE=

# The MN-ID dmm-maar derives from a MAC (controlplane/README.md "Derived MN-ID").
mn_nai() { # K
	echo "$(echo "${MN_MACS[$1]}" | tr -d ':' | tr 'A-F' 'a-f')@$NAI_REALM"
}

now_us() { date +%s%6N; }

labx_cleanup() {
	local rc=$? p
	for p in "${LABX_BG[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${LABX_BG[@]}"; do
		wait "$p" 2>/dev/null
	done
	LABX_BG=()
	lab_cleanup "$rc"
}

labx_init() {
	lab_init
	trap labx_cleanup EXIT
	NS_ACC=$LAB_RUN-acc
	NS_CMD=$LAB_RUN-cmd
	NS_CORE=$LAB_RUN-core
	NS_RTR=$LAB_RUN-rtr
	NS_CN=$LAB_RUN-cn
	declare -gA NS_M=([1]=$LAB_RUN-maar1 [2]=$LAB_RUN-maar2 [3]=$LAB_RUN-maar3)
	declare -gA NS_MNK=([1]=$LAB_RUN-mn1 [2]=$LAB_RUN-mn2)
	declare -gA MN_AT=([1]=0 [2]=0) # where each MN is plugged (0: nowhere)
}

# labx_args DMM_MAAR DMM_CMD DMMCTL [MODE...]: the e2e scripts' command line. Sets MAAR, CMD,
# DMMCTL and MODES (default: every CMD mode). Exits 2 on a usage error, 77 (meson: skipped)
# without root or a tool, 1 when a path is not an executable.
labx_args() {
	local rc=0 b
	MAAR=${1:-} CMD=${2:-} DMMCTL=${3:-}
	if [ -z "$MAAR" ] || [ -z "$CMD" ] || [ -z "$DMMCTL" ]; then
		echo "usage: $0 DMM_MAAR DMM_CMD DMMCTL [relay|locator|proxy ...]" >&2
		exit 2
	fi
	shift 3
	MODES=("$@")
	[ $# -gt 0 ] || MODES=(relay locator proxy)
	lab_require || rc=$?
	if [ "$rc" != 0 ]; then
		echo "SKIP: $([ "$rc" = 1 ] && echo "needs root" || echo "tools missing")" >&2
		exit 77
	fi
	for b in "$MAAR" "$CMD" "$DMMCTL"; do
		[ -x "$b" ] || lab_die "$b: not an executable"
	done
}

# labx_topology [N_MN]: namespaces, links, bridges, router, CN; N_MN (1 or 2) MNs, unplugged
# and down. labx_mn_boot brings an MN up on a MAAR's access bridge.
labx_topology() {
	local n_mn=${1:-1} i ns
	for ns in "$NS_ACC" "$NS_CMD" "$NS_CORE" "$NS_RTR" "$NS_CN" "${NS_M[1]}" "${NS_M[2]}" \
		"${NS_M[3]}"; do
		lab_ns_add "$ns"
	done
	# CORE: a plain L2 switch; no MLD snooping (dmm-maar sends no MLD reports, its NS to
	# solicited-node groups must be flooded).
	ip -n "$NS_CORE" link add br0 type bridge mcast_snooping 0 stp_state 0
	lab_nsx "$NS_CORE" sysctl -qw net.ipv6.conf.br0.disable_ipv6=1
	for i in 1 2 3; do
		ns=${NS_M[$i]}
		lab_veth "$ns" core0 "02:dd:00:0$i:00:0c" "$NS_CORE" "p$i" "02:dd:00:0f:00:0$i"
		lab_veth "$ns" acc0 "${LABX_ACC_MAC:-02:dd:00:0$i:00:0a}" "$NS_ACC" "a$i" \
			"02:dd:00:0e:00:0$i"
		lab_dpdk_link "$ns" core0
		lab_dpdk_link "$ns" acc0
		ip -n "$NS_ACC" link add "brA$i" type bridge mcast_snooping 0 stp_state 0
		lab_nsx "$NS_ACC" sysctl -qw "net.ipv6.conf.brA$i.disable_ipv6=1" \
			"net.ipv6.conf.a$i.disable_ipv6=1"
		ip -n "$NS_ACC" link set "a$i" master "brA$i" up
		ip -n "$NS_ACC" link set "brA$i" up
	done
	lab_veth "$NS_CMD" cmd0 02:dd:00:0c:00:01 "$NS_CORE" pcmd 02:dd:00:0f:00:0a
	lab_veth "$NS_RTR" r0 02:dd:00:0d:00:00 "$NS_CORE" prtr 02:dd:00:0f:00:0b
	lab_veth "$NS_RTR" r1 02:dd:00:0d:00:01 "$NS_CN" cn0 02:dd:00:00:01:00
	for ns in p1 p2 p3 pcmd prtr; do
		lab_nsx "$NS_CORE" sysctl -qw "net.ipv6.conf.$ns.disable_ipv6=1"
		ip -n "$NS_CORE" link set "$ns" master br0 up
	done
	ip -n "$NS_CORE" link set br0 up
	lab_host_link "$NS_CMD" cmd0 "$CMD_ADDR/64"
	# The router: forwarding on, static addresses, a route per MAAR pool.
	lab_nsx "$NS_RTR" sysctl -qw net.ipv6.conf.all.forwarding=1
	lab_host_link "$NS_RTR" r0 "$RTR_CORE/64"
	lab_host_link "$NS_RTR" r1 "$RTR_CN/64"
	for i in 1 2 3; do
		ip -n "$NS_RTR" -6 route add "${M_POOL[$i]}" via "${M_ADDR[$i]}" dev r0
	done
	lab_host_link "$NS_CN" cn0 "$CN_ADDR/64"
	ip -n "$NS_CN" -6 route add default via "$RTR_CN" dev cn0
	for ((i = 1; i <= n_mn; i++)); do
		lab_ns_add "${NS_MNK[$i]}"
		lab_veth "${NS_MNK[$i]}" mn0 "${MN_MACS[$i]}" "$NS_ACC" "mnp$i" "02:dd:00:0e:00:${i}0"
		lab_nsx "$NS_ACC" sysctl -qw "net.ipv6.conf.mnp$i.disable_ipv6=1"
		ip -n "$NS_ACC" link set "mnp$i" up
		# mn0 stays down until labx_mn_boot; its sysctls are the kernel's defaults.
	done
}

labx_maar_config() { # N MODE
	local n=$1 mode=$2 peers="" routes="" j
	for j in 1 2 3; do
		[ "$j" = "$n" ] && continue
		peers="$peers${peers:+, }${M_ADDR[$j]}"
		routes="$routes    - {prefix: ${M_ADDR[$j]}/128, via: ${M_ADDR[$j]}}
"
	done
	cat <<EOF
name: lab-maar$n
address: ${M_ADDR[$n]}
ports:
  - {device: net_af_packet0, role: access, mtu: 1500}
  - {device: net_af_packet1, role: core, mtu: 1500, gateway: $RTR_CORE}
pool: [${M_POOL[$n]}]
static:
  routes:
    - {prefix: $CMD_ADDR/128, via: $CMD_ADDR}
$routes
control_socket: $LAB_TMP/maar$n.sock
signalling:
  cmd: $CMD_ADDR
  mode: $mode
  peers: [$peers]
  lifetime_s: $LABX_LIFETIME_S
  detach_grace_ms: $LABX_GRACE_MS
  min_delay_bce_delete_ms: $LABX_MIN_DELAY_MS
  max_update_rate: 50
  heartbeat: {interval_s: 1, allow_short: true, restart_counter_file: $LAB_TMP/maar$n.rc}
  access:
    policy: any
    nai_realm: $NAI_REALM
    ra_min_delay_ms: $LABX_RA_MIN_DELAY_MS
    nud: {reachable_ms: $LABX_NUD_REACH_MS, retrans_ms: $LABX_NUD_RETRANS_MS, max_probes: $LABX_NUD_PROBES}
EOF
}

labx_cmd_config() { # MODE
	cat <<EOF
address: $CMD_ADDR
mode: $1
# Each MAAR's pool (RFC 8885 §3.1): the CMD refuses overlapping pools and answers 155 to a
# prefix outside the sender's pool.
maars:
  - {address: ${M_ADDR[1]}, pool: [${M_POOL[1]}]}
  - {address: ${M_ADDR[2]}, pool: [${M_POOL[2]}]}
  - {address: ${M_ADDR[3]}, pool: [${M_POOL[3]}]}
timers:
  relay_aggregation_ms: 1000
  min_delay_before_bce_delete_ms: $LABX_MIN_DELAY_MS
  timestamp_window_ms: 2000
heartbeat: {interval_s: 1, allow_short: true, restart_counter_file: $LAB_TMP/cmd.rc}
control_socket: $LAB_TMP/cmd.sock
EOF
}

# labx_cmd_start MODE: dmm-cmd in that mode, in the background (CMD_PID); its log is appended
# to $LAB_TMP/cmd.log, so a restarted CMD (sig_e2e.sh) keeps the first run's lines.
labx_cmd_start() {
	labx_cmd_config "$1" >"$LAB_TMP/cmd-$1.yaml"
	rm -f "$LAB_TMP/cmd.sock"
	# Not through a shell function: $! must be dmm-cmd itself (ip netns exec execs it).
	ip netns exec "$NS_CMD" "$CMD" --config "$LAB_TMP/cmd-$1.yaml" --foreground --verbose \
		</dev/null >>"$LAB_TMP/cmd.log" 2>&1 &
	CMD_PID=$!
	LAB_PID["cmd"]=$CMD_PID
}

# labx_cmd_wait: up to 5 s for dmm-cmd's control socket; fails a check if dmm-cmd exited.
labx_cmd_wait() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ -S "$LAB_TMP/cmd.sock" ] && break
		sleep 0.1
	done
	lab_alive "$CMD_PID" || {
		lab_fail "dmm-cmd starts" running exited
		tail -n 20 "$LAB_TMP/cmd.log"
		return 1
	}
}

# labx_cmd_stop: SIGTERM to dmm-cmd; fails a check unless it exits 0.
labx_cmd_stop() {
	local rc
	[ -n "$CMD_PID" ] || return 0
	kill -TERM "$CMD_PID" 2>/dev/null
	wait "$CMD_PID"
	rc=$?
	[ "$rc" = 0 ] || lab_fail "dmm-cmd exits 0 on SIGTERM" 0 "$rc"
	unset "LAB_PID[cmd]"
	CMD_PID=
}

# labx_start MODE: dmm-cmd and three dmm-maar in that CMD mode; waits until all run and
# each MAAR resolved its gateway (the router) by NDP.
labx_start() {
	local mode=$1 i
	LABX_MODE=$mode
	: >"$LAB_TMP/cmd.log"
	labx_cmd_start "$mode"
	for i in 1 2 3; do
		labx_maar_config "$i" "$mode" >"$LAB_TMP/maar$i-$mode.yaml"
		lab_maar_start "maar$i" "${NS_M[$i]}" "$LAB_TMP/maar$i-$mode.yaml"
	done
	for i in 1 2 3; do
		lab_maar_wait_ready "maar$i" || return 1
	done
	labx_cmd_wait || return 1
	# The gateway (and the CMD) get resolved by each MAAR's first packet to them; ping the
	# MAARs' own addresses from the router so that their NDP has run before the MNs come.
	for i in 1 2 3; do
		lab_nsx "$NS_RTR" ping -6 -c 1 -W 2 "${M_ADDR[$i]}" >/dev/null 2>&1
	done
	return 0
}

# labx_stop: SIGTERM to every daemon; fails a check unless each exits 0. Logs are kept
# as <name>-<mode>.log.
labx_stop() {
	local i
	for i in 1 2 3; do
		[ -n "${LAB_PID[maar$i]:-}" ] || continue
		lab_maar_stop "maar$i" || lab_fail "maar$i exits 0 on SIGTERM" 0 "$LAB_STOP_RC"
		cp "$LAB_TMP/maar$i.log" "$LAB_TMP/maar$i-$LABX_MODE.log" 2>/dev/null
	done
	if [ -n "$CMD_PID" ]; then
		labx_cmd_stop
		cp "$LAB_TMP/cmd.log" "$LAB_TMP/cmd-$LABX_MODE.log" 2>/dev/null
	fi
}

# ---------------------------------------------------------------- the MNs

# Plug MN K into MAAR N's access bridge (N=0: unplug). Sets LABX_PLUG_US, the start of a
# handover's detection time: CLOCK_REALTIME (µs) just before `ip link set master` (taken after
# it, the MN's next frame could beat the `date` fork: detection came out negative), so the
# detection times include the few ms that command takes.
labx_plug() { # K N
	ip -n "$NS_ACC" link set "mnp$1" nomaster
	LABX_PLUG_US=$(now_us)
	if [ "$2" != 0 ]; then
		ip -n "$NS_ACC" link set "mnp$1" master "brA$2"
	fi
	MN_AT[$1]=$2
}

# Boot MN K on MAAR N: plug, then bring its interface up (it solicits routers itself).
labx_mn_boot() { # K N
	labx_plug "$1" "$2"
	ip -n "${NS_MNK[$1]}" link set mn0 up
}

mnx() { # K CMD...: run in MN K's namespace
	local k=$1
	shift
	ip netns exec "${NS_MNK[$k]}" "$@"
}

# The MN's global addresses as "address flags" lines (flags: deprecated / tentative / -).
labx_mn_addrs() { # K
	ip -n "${NS_MNK[$1]}" -6 -o addr show dev mn0 scope global 2>/dev/null | awk '{
		f = ""; if ($0 ~ /deprecated/) f = f "deprecated,"; if ($0 ~ /tentative/) f = f "tentative,"
		sub(/,$/, "", f); print $4, (f == "" ? "preferred" : f) }'
}
# The MN's address (without /len) in /64 PREFIX, if any.
labx_mn_addr_in() { # K PREFIX
	local p=${2%/64}
	p=${p%::}
	labx_mn_addrs "$1" | awk -v p="$p:" '{ a = $1; sub(/\/.*/, "", a); if (index(a, p) == 1) { print a; exit } }'
}
# Wait until MN K has a non-tentative address in PREFIX (SLAAC + DAD). Prints it.
labx_mn_wait_addr() { # K PREFIX TIMEOUT_S
	local i a
	for ((i = 0; i < $3 * 10; i++)); do
		a=$(ip -n "${NS_MNK[$1]}" -6 -o addr show dev mn0 scope global -tentative 2>/dev/null |
			awk '{print $4}' | grep -i "^${2%::/64}:" | head -n 1)
		[ -n "$a" ] && {
			echo "${a%/*}"
			return 0
		}
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- queries

# A delegated prefix must be a /64 of MAAR N's own pool (RFC 8885 §3.1): one check line.
labx_in_pool() { # WHO PREFIX N
	if "$LAB_PY" -c 'import ipaddress as i, sys
p = i.ip_network(sys.argv[1]); q = i.ip_network(sys.argv[2])
sys.exit(0 if p.prefixlen == 64 and p.subnet_of(q) else 1)' "$2" "${M_POOL[$3]}" 2>/dev/null; then
		lab_pass "$1 delegated $2 from its pool ${M_POOL[$3]}"
	else
		lab_fail "$1 delegates a /64 of its pool" "a /64 in ${M_POOL[$3]}" "${2:-none}"
	fi
}

ctlm() { # N ARGS...: dmmctl against MAAR N's control socket
	local n=$1
	shift
	"$DMMCTL" --maar-socket "$LAB_TMP/maar$n.sock" "$@"
}
ctlc() { "$DMMCTL" --cmd-socket "$LAB_TMP/cmd.sock" "$@"; }

# MAAR N's sessions as "nai state prefix serving anchors" lines (sorted).
labx_sessions() {
	ctlm "$1" --json sessions 2>/dev/null | "$LAB_PY" -c '
import json, sys
d = json.load(sys.stdin)
for s in d.get("sessions", []):
    anchors = ",".join(sorted("%s=%s" % (a["maar"], a["prefix"]) for a in s["anchors"]))
    print(s["mn"], s["state"], s["prefix"], s.get("serving", "-"), anchors or "-")
' | sort
}
# One field (1 nai, 2 state, 3 prefix, 4 serving, 5 anchors) of MN K's session on MAAR N.
labx_sess() { # N K FIELD
	labx_sessions "$1" | awk -v f="$3" -v id="$(mn_nai "$2")" '$1 == id { print $f }'
}
# The CMD's entry for MN K: "serving hnp pmaar=prefix,... state"; all entries without K.
labx_bce() { # [K]
	ctlc --json bce 2>/dev/null | "$LAB_PY" -c '
import json, sys
d = json.load(sys.stdin)
if isinstance(d, dict):
    d = d.get("bce", d.get("entries", []))
for e in d:
    if len(sys.argv) > 1 and e.get("mn_id") != sys.argv[1]: continue
    p = ",".join(sorted("%s=%s" % (x["address"], x["prefix"]) for x in e.get("p_maars", [])))
    print(e.get("mn_id") if len(sys.argv) == 1 else "", e.get("serving"), e.get("hnp"), p or "-", e.get("state"))
' ${1:+"$(mn_nai "$1")"} | sed 's/^ //'
}
labx_sig() { # N KEY: one counter of `dmmctl sig`
	ctlm "$1" --json sig 2>/dev/null | "$LAB_PY" -c '
import json, sys
print(json.load(sys.stdin).get(sys.argv[1], ""))' "$2"
}
labx_tables() { # N FIELD: a /dmm/tables value of worker 0
	lab_stats "maar$1" /dmm/tables 2>/dev/null | lab_counter "workers.0.$2"
}
labx_counter() { # N NAME: a /dmm/stats total counter
	lab_stats "maar$1" 2>/dev/null | lab_counter "total.$2"
}

# Wait until CMD (a shell command line) prints EXPECTED, up to T seconds; prints the last
# output. Returns 0 when it matched.
labx_wait_eq() { # EXPECTED T CMD...
	local exp=$1 t=$2 got i
	shift 2
	for ((i = 0; i < t * 10; i++)); do
		got=$("$@")
		[ "$got" = "$exp" ] && break
		sleep 0.1
	done
	printf '%s' "$got"
	[ "$got" = "$exp" ]
}

# Wait until MAAR N serves MN K (state serving) with ANCHORS anchors; up to T s.
labx_wait_serving() { # N K N_ANCHORS T
	local i st an
	for ((i = 0; i < $4 * 10; i++)); do
		st=$(labx_sess "$1" "$2" 2)
		an=$(labx_sess "$1" "$2" 5)
		if [ "$st" = serving ]; then
			if [ "$3" = 0 ] && [ "$an" = - ]; then return 0; fi
			if [ "$an" != - ] && [ "$(echo "$an" | tr ',' '\n' | wc -l)" = "$3" ]; then
				return 0
			fi
		fi
		sleep 0.1
	done
	return 1
}

# The dmm.sig timeline of MAAR N's log: lines with t=, or "in force", after byte offset O.
labx_log_since() { # N OFFSET
	tail -c +"$(($2 + 1))" "$LAB_TMP/maar$1.log" 2>/dev/null
}
labx_log_size() { stat -c %s "$LAB_TMP/maar$1.log" 2>/dev/null || echo 0; }

# t= (µs) of the first log line of MAAR N after OFFSET matching the ERE. Empty if none.
labx_log_t() { # N OFFSET ERE
	labx_log_since "$1" "$2" | grep -E -- "$3" | head -n 1 | sed -n 's/.* t=\([0-9]*\).*/\1/p'
}
# "after N us" of the first "in force" line matching ERE after OFFSET.
labx_log_inforce() { # N OFFSET ERE
	labx_log_since "$1" "$2" | grep -E -- "$3" | grep 'in force on every worker' | head -n 1 |
		sed -n 's/.* after \([0-9]*\) us.*/\1/p'
}

# Background job of the caller (a ping, a capture...): remembered for the teardown.
labx_bg() { LABX_BG+=("$1"); }

# labx_move K N N_ANCHORS LABEL: move MN K to MAAR N and wait until N serves it with
# N_ANCHORS remote anchors (up to 10 s). Appends "LABEL plug_us attach_us done_us
# inforce_us trigger" to $LAB_TMP/moves-<mode>.txt (lab_analyze.py): plug = link moved,
# attach = N's "attached" event, done = its "handover_done", inforce = "in force on every
# worker after N us"; trigger = what N heard from the MN between the move and the check, from
# its access counters: data (punted frames from an unknown source), rs, ns (NS/NA), joined by +.
labx_move() {
	local k=$1 n=$2 na=$3 label=$4 off nai u0 r0 d0 u1 r1 d1 ta td ti trig i
	nai=$(mn_nai "$k")
	off=$(labx_log_size "$n")
	u0=$(labx_sig "$n" access_rx_unknown_src)
	r0=$(labx_sig "$n" access_rx_rs)
	d0=$(($(labx_sig "$n" access_rx_ns) + $(labx_sig "$n" access_rx_na)))
	labx_plug "$k" "$n"
	if ! labx_wait_serving "$n" "$k" "$na" 10; then
		lab_fail "$label: MAAR$n serves MN$k with $na remote anchor(s) within 10 s" \
			"serving, $na anchor(s)" "$(labx_sess "$n" "$k" 2) $(labx_sess "$n" "$k" 5)"
		return 1
	fi
	for ((i = 0; i < 20; i++)); do
		ti=$(labx_log_inforce "$n" "$off" "mn $nai: (handover_done|registered) in force")
		[ -n "$ti" ] && break
		sleep 0.05
	done
	ta=$(labx_log_t "$n" "$off" "mn $nai: (attached|reattached) ")
	td=$(labx_log_t "$n" "$off" "mn $nai: (handover_done|registered) [0-9]")
	u1=$(labx_sig "$n" access_rx_unknown_src)
	r1=$(labx_sig "$n" access_rx_rs)
	d1=$(($(labx_sig "$n" access_rx_ns) + $(labx_sig "$n" access_rx_na)))
	trig=
	[ $((u1 - u0)) -gt 0 ] && trig=data
	[ $((r1 - r0)) -gt 0 ] && trig=${trig:+$trig+}rs
	[ $((d1 - d0)) -gt 0 ] && trig=${trig:+$trig+}ns
	echo "$label $LABX_PLUG_US ${ta:--} ${td:--} ${ti:--} ${trig:-none}" >>"$LAB_TMP/moves-$LABX_MODE.txt"
	return 0
}
