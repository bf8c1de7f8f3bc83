# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The netns lab shared by smoke.sh and demo.sh (sourced, bash). DESIGN.md §7 level 4.
#
#   MN ---- MAAR1 ===== ip6ip6 ===== MAAR2        (MAAR1, MAAR2 = dmm-maar on af_packet)
#   mn0     acc0 core0              core0 acc0--stub0 (no MN at MAAR2)
#              \                     /
#               p1 ---- br0 ---- p2      CORE: a Linux bridge, one /64 (2001:db8:ff::/64)
#                        |
#                       pcn ---- cn0  CN
#
# The MN's address 2001:db8:200:1::10 is from a prefix ANCHORED AT MAAR2 while the MN is
# ATTACHED AT MAAR1, so every packet crosses the tunnel:
#   uplink   MN -> MAAR1 (encap) -> MAAR2 (decap, route) -> CN
#   downlink CN -> MAAR2 (anchor: encap) -> MAAR1 (decap, deliver) -> MN
# Access and core links are both 1500 bytes, so full-size TCP segments do not fit the tunnel
# (1460): each MAAR answers them with Packet Too Big and path MTU discovery is exercised too.
#
# Every namespace name starts with a run id (LAB_RUN), so parallel and leftover runs never
# collide; interfaces are created inside the namespaces, never in the caller's. lab_cleanup
# (installed on EXIT INT TERM by lab_init) stops what this run started, deletes its
# namespaces (and with them veths and bridge) and its DPDK runtime directories.
#
# The caller sets MAAR (dmm-maar path) and DMMCTL (dmmctl path, may be empty) and calls
# lab_init before anything else.
# shellcheck disable=SC2034 # the constants are used by the sourcing scripts

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=$(cd "$LAB_DIR/../.." && pwd)
LAB_PY=/usr/bin/python3 # Debian's interpreter (DESIGN.md §8); stdlib only anyway

# Addresses and MACs; config/lab-maar{1,2}.yaml carry the same values.
LAB_M1_CFG=$LAB_ROOT/config/lab-maar1.yaml
LAB_M2_CFG=$LAB_ROOT/config/lab-maar2.yaml
MN_MAC=02:dd:00:00:00:10
CN_MAC=02:dd:00:00:01:00
M1_ACC_MAC=02:dd:00:01:00:0a
M1_CORE_MAC=02:dd:00:01:00:0c
M2_ACC_MAC=02:dd:00:02:00:0a
M2_CORE_MAC=02:dd:00:02:00:0c
MN_ADDR=2001:db8:200:1::10
MN_PREFIX=2001:db8:200:1::/64
MN_POOL=2001:db8:200::/48 # MAAR2's pool: the CN routes it to MAAR2
CN_ADDR=2001:db8:ff::100
M1_ADDR=2001:db8:ff::1
M2_ADDR=2001:db8:ff::2
# Inner hop limit the MN sees on the CN's packets: the CN sends 64, MAAR2 forwards into
# the tunnel (one hop, RFC 2473 §3.1: the tunnel is a link), MAAR1 forwards to the MN.
LAB_HOPS_CN_TO_MN=2

LAB_EAL_COMMON=(-l "0,1" --no-huge -m 512 --no-pci)
LAB_IDLE_SLEEP_US=50
# af_packet's RX ring defaults to 512 frames: with two dmm-maar and the hosts sharing two
# CPUs, a descheduled worker lets it overflow under TCP load (~2 % of the frames, which the
# PMD of DPDK 22.11 does not count: imissed stays 0; only the kernel's RX counter of the
# veth shows them). 2048 frames (4 MiB per ring) absorb that.
LAB_AFP_OPTS=${LAB_AFP_OPTS-,framecnt=2048}
LAB_READY_TIMEOUT=30 # s: dmm-maar start-up to "ready"
LAB_STOP_TIMEOUT=10  # s: SIGTERM to exit

LAB_FAILS=0
LAB_NS=()               # namespaces created by this run, in creation order
declare -gA LAB_PID=()  # dmm-maar name -> pid (a child of this shell)
declare -gA LAB_PREFIX=() # dmm-maar name -> EAL file prefix
declare -gA LAB_NSOF=() # dmm-maar name -> namespace
LAB_CLEANED=

# ---------------------------------------------------------------- output

lab_say() { printf '%s\n' "$*"; }
lab_step() { printf '\n== %s\n' "$*"; }
lab_pass() { printf '  ok    %s\n' "$1"; }
# lab_fail WHAT EXPECTED GOT
lab_fail() {
	printf '  FAIL  %s\n        expected: %s\n        got:      %s\n' "$1" "$2" "$3"
	LAB_FAILS=$((LAB_FAILS + 1))
}
# lab_expect WHAT EXPECTED GOT: pass when equal.
lab_expect() {
	if [ "$2" = "$3" ]; then lab_pass "$1 ($3)"; else lab_fail "$1" "$2" "$3"; fi
}
# lab_expect_gt WHAT MIN GOT: pass when GOT > MIN (integers).
lab_expect_gt() {
	if [[ $3 =~ ^[0-9]+$ ]] && [ "$3" -gt "$2" ]; then
		lab_pass "$1 ($3)"
	else
		lab_fail "$1" "> $2" "$3"
	fi
}
lab_die() {
	printf 'ERROR: %s\n' "$*" >&2
	exit 1
}

# ---------------------------------------------------------------- helpers

# Link-local address from a MAC, modified EUI-64 (RFC 4291 appendix A).
lab_eui64_ll() {
	local IFS=:
	# shellcheck disable=SC2086
	set -- $1
	printf 'fe80::%x:%x:%x:%x\n' $(((0x$1 ^ 2) << 8 | 0x$2)) $((0x$3 << 8 | 0xff)) \
		$((0xfe << 8 | 0x$4)) $((0x$5 << 8 | 0x$6))
}

# Canonical text form of an IPv6 address (socat prints them fully expanded).
lab_ip6_canon() {
	"$LAB_PY" -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]))' "$1"
}

# True while pid runs (an exited child waiting to be reaped does not count).
lab_alive() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $s != Z* ]]
}

lab_nsx() { # NS CMD...: run in a namespace of this run
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

lab_require() {
	local t missing=
	[ "$(id -u)" = 0 ] || return 1
	for t in ip ethtool socat ping ss sha256sum "$LAB_PY"; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	if [ -n "$missing" ]; then
		printf 'missing tools:%s\n' "$missing" >&2
		return 2
	fi
	return 0
}

# ---------------------------------------------------------------- setup / teardown

lab_init() {
	LAB_RUN=${LAB_RUN:-dmm$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')}
	NS_MN=$LAB_RUN-mn
	NS_M1=$LAB_RUN-maar1
	NS_M2=$LAB_RUN-maar2
	NS_CORE=$LAB_RUN-core
	NS_CN=$LAB_RUN-cn
	LAB_TMP=$(mktemp -d "/tmp/dmm-netns-$LAB_RUN.XXXXXX")
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

lab_ns_add() {
	ip netns add "$1" || lab_die "cannot create namespace $1"
	LAB_NS+=("$1")
	ip -n "$1" link set lo up
}

# Offloads off on a veth: with checksum offload the kernel hands af_packet TCP segments
# whose checksum is still to be filled in (CHECKSUM_PARTIAL), and with TSO/GSO frames far
# larger than the MTU; dmm-maar would forward both as they are.
# LAB_OFFLOADS=keep leaves them on (to see what breaks).
lab_no_offload() {
	[ "${LAB_OFFLOADS:-off}" = keep ] && return 0
	lab_nsx "$1" ethtool -K "$2" rx off tx off tso off gso off gro off >/dev/null 2>&1 ||
		lab_nsx "$1" ethtool -K "$2" tx off tso off gso off >/dev/null 2>&1 ||
		lab_die "ethtool -K $2 (in $1) failed"
}

# lab_veth NS_A IF_A MAC_A NS_B IF_B MAC_B: a veth pair between two namespaces.
lab_veth() {
	ip -n "$1" link add "$2" address "$3" type veth peer name "$5" address "$6" netns "$4" ||
		lab_die "cannot create veth $1/$2 <-> $4/$5"
	lab_no_offload "$1" "$2"
	lab_no_offload "$4" "$5"
}

# A link of dmm-maar's (or one nobody uses): the kernel must not speak IPv6 on it (it
# would answer ND, send RS/MLD and DAD with dmm-maar's MAC).
lab_dpdk_link() {
	lab_nsx "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	ip -n "$1" link set "$2" up
}

# A plain Linux IPv6 host interface: static address, no SLAAC, no DAD (no waiting).
lab_host_link() { # NS IF ADDR/LEN
	lab_nsx "$1" sysctl -qw "net.ipv6.conf.$2.accept_ra=0" "net.ipv6.conf.$2.accept_dad=0" \
		"net.ipv6.conf.$2.forwarding=0"
	ip -n "$1" link set "$2" up
	ip -n "$1" -6 addr add "$3" dev "$2" nodad
}

lab_create() {
	local ns
	for ns in "$NS_MN" "$NS_M1" "$NS_M2" "$NS_CORE" "$NS_CN"; do
		lab_ns_add "$ns"
	done
	lab_veth "$NS_MN" mn0 "$MN_MAC" "$NS_M1" acc0 "$M1_ACC_MAC"
	lab_veth "$NS_M1" core0 "$M1_CORE_MAC" "$NS_CORE" p1 02:dd:00:0f:00:01
	lab_veth "$NS_M2" core0 "$M2_CORE_MAC" "$NS_CORE" p2 02:dd:00:0f:00:02
	lab_veth "$NS_M2" acc0 "$M2_ACC_MAC" "$NS_M2" stub0 02:dd:00:02:00:0b
	lab_veth "$NS_CN" cn0 "$CN_MAC" "$NS_CORE" pcn 02:dd:00:0f:00:03

	# CORE: a plain L2 switch. No MLD snooping: NS to solicited-node groups nobody
	# reported (dmm-maar sends no MLD) must be flooded.
	ip -n "$NS_CORE" link add br0 type bridge mcast_snooping 0 stp_state 0 ||
		lab_die "cannot create bridge in $NS_CORE"
	for ns in br0 p1 p2 pcn; do
		lab_nsx "$NS_CORE" sysctl -qw "net.ipv6.conf.$ns.disable_ipv6=1"
	done
	for ns in p1 p2 pcn; do
		ip -n "$NS_CORE" link set "$ns" master br0
		ip -n "$NS_CORE" link set "$ns" up
	done
	ip -n "$NS_CORE" link set br0 up

	lab_dpdk_link "$NS_M1" acc0
	lab_dpdk_link "$NS_M1" core0
	lab_dpdk_link "$NS_M2" acc0
	lab_dpdk_link "$NS_M2" core0
	lab_dpdk_link "$NS_M2" stub0

	# MN: default router = MAAR1's access link-local address (what an RA would announce).
	lab_host_link "$NS_MN" mn0 "$MN_ADDR/64"
	ip -n "$NS_MN" -6 route add default via "$(lab_eui64_ll "$M1_ACC_MAC")" dev mn0 ||
		lab_die "MN: cannot add the default route"
	# CN: on the core /64; the MNs' prefixes are routed to their anchor, MAAR2.
	lab_host_link "$NS_CN" cn0 "$CN_ADDR/64"
	ip -n "$NS_CN" -6 route add "$MN_POOL" via "$M2_ADDR" dev cn0 ||
		lab_die "CN: cannot add the route to $MN_POOL"
}

# LAB_PMD selects the DPDK driver on the veths: af_packet (default) or af_xdp.
LAB_PMD=${LAB_PMD:-af_packet}

# lab_maar_start NAME NS CONFIG: dmm-maar on the namespace's acc0 (net_<pmd>0) and
# core0 (net_<pmd>1), in the background; log in $LAB_TMP/NAME.log. The lab configs name
# the af_packet devices; for another PMD a copy with the device names changed is used.
lab_maar_start() {
	local name=$1 ns=$2 cfg=$3 prefix=$LAB_RUN-$1 opts=""
	LAB_PREFIX[$name]=$prefix
	LAB_NSOF[$name]=$ns
	case "$LAB_PMD" in
	af_packet) opts=$LAB_AFP_OPTS ;;
	af_xdp)
		sed 's/net_af_packet/net_af_xdp/g' "$cfg" >"$LAB_TMP/$name.yaml"
		cfg=$LAB_TMP/$name.yaml
		;;
	*) lab_die "LAB_PMD: af_packet or af_xdp, not '$LAB_PMD'" ;;
	esac
	ip netns exec "$ns" "$MAAR" "${LAB_EAL_COMMON[@]}" --file-prefix "$prefix" \
		--vdev "net_${LAB_PMD}0,iface=acc0$opts" \
		--vdev "net_${LAB_PMD}1,iface=core0$opts" \
		-- --config "$cfg" --idle-sleep-us "$LAB_IDLE_SLEEP_US" \
		</dev/null >"$LAB_TMP/$name.log" 2>&1 &
	LAB_PID[$name]=$!
}

# Wait for "ready" in the log. Returns 1 (and shows the log) if it exits or times out.
lab_maar_wait_ready() {
	local name=$1 pid=${LAB_PID[$1]} i
	for ((i = 0; i < LAB_READY_TIMEOUT * 10; i++)); do
		if grep -q ' ready: ' "$LAB_TMP/$name.log" 2>/dev/null; then
			return 0
		fi
		lab_alive "$pid" || break
		sleep 0.1
	done
	if lab_alive "$pid"; then
		lab_fail "$name starts" "'ready' logged within ${LAB_READY_TIMEOUT} s" "nothing"
	else
		wait "$pid"
		lab_fail "$name starts" "running" "exited with status $?"
		unset "LAB_PID[$name]"
	fi
	lab_show_log "$name"
	return 1
}

lab_show_log() { # NAME [LINES]
	LAB_LOG_SHOWN="${LAB_LOG_SHOWN:-} $1"
	printf -- '---- %s log (%s), last %s lines ----\n' "$1" "$LAB_TMP/$1.log" "${2:-40}"
	tail -n "${2:-40}" "$LAB_TMP/$1.log" 2>/dev/null | sed 's/^/  | /'
	printf -- '---- end of %s log ----\n' "$1"
}

# Packets the kernel received on a link (for a DPDK link: what it handed to af_packet).
lab_kernel_rx() { # NS IF
	ip -n "$1" -s link show dev "$2" 2>/dev/null | awk '/RX:/ { getline; print $2; exit }'
}

# Counters of a running dmm-maar as "section.name=value" lines (dmm_telemetry.py).
lab_stats() { # NAME [COMMAND]
	"$LAB_PY" "$LAB_DIR/dmm_telemetry.py" "${LAB_PREFIX[$1]}" "${2:-/dmm/stats}"
}
# One counter from lab_stats output on stdin; empty if absent.
lab_counter() { awk -F= -v k="$1" '$1 == k { print $2; exit }'; }

# Wait until NAME learned N next hops by NDP (control.na_learned), so that no packet of
# the tests meets an unresolved neighbour.
lab_maar_wait_neigh() { # NAME N TIMEOUT_S
	local i v=
	for ((i = 0; i < $3 * 10; i++)); do
		v=$(lab_stats "$1" 2>/dev/null | lab_counter control.na_learned)
		[ -n "$v" ] && [ "$v" -ge "$2" ] && return 0
		sleep 0.1
	done
	lab_fail "$1 resolves its $2 core next hop(s) by NDP" "na_learned >= $2" "${v:-no answer}"
	return 1
}

# SIGTERM, then wait up to LAB_STOP_TIMEOUT s. Sets LAB_STOP_RC (exit status, or
# "timeout") and LAB_STOP_MS.
lab_maar_stop() {
	local name=$1 pid=${LAB_PID[$1]:-} t0 i
	LAB_STOP_RC=none
	LAB_STOP_MS=0
	[ -n "$pid" ] || return 1
	t0=$(date +%s%N)
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < LAB_STOP_TIMEOUT * 20; i++)); do
		lab_alive "$pid" || break
		sleep 0.05
	done
	LAB_STOP_MS=$((($(date +%s%N) - t0) / 1000000))
	if lab_alive "$pid"; then
		LAB_STOP_RC=timeout
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid"
	i=$?
	[ "$LAB_STOP_RC" = timeout ] || LAB_STOP_RC=$i
	unset "LAB_PID[$name]"
	[ "$LAB_STOP_RC" = 0 ]
}

# lab_transfer TAG FROM_NS TO_NS TO_ADDR PORT FILE: TCP (socat) from FROM_NS to a
# listener in TO_NS, bounded by LAB_XFER_TIMEOUT s. Sets XFER_RECV (received file),
# XFER_PEER (source address the listener saw, canonical), XFER_MS, XFER_RC (0 when both
# ends succeeded).
LAB_XFER_TIMEOUT=${LAB_XFER_TIMEOUT:-60}
lab_transfer() {
	local tag=$1 from=$2 to=$3 addr=$4 port=$5 src=$6 lpid i t0 src_rc lrc
	XFER_RECV=$LAB_TMP/$tag.recv
	XFER_PEER=
	rm -f "$XFER_RECV"
	lab_nsx "$to" timeout "$LAB_XFER_TIMEOUT" socat -d -d -u "TCP6-LISTEN:$port,reuseaddr" \
		"OPEN:$XFER_RECV,creat,trunc" 2>"$LAB_TMP/$tag.listen.log" &
	lpid=$!
	for ((i = 0; i < 50; i++)); do
		lab_nsx "$to" ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && break
		sleep 0.1
	done
	t0=$(date +%s%N)
	lab_nsx "$from" timeout "$LAB_XFER_TIMEOUT" socat -d -u "OPEN:$src" \
		"TCP6:[$addr]:$port,connect-timeout=5" 2>"$LAB_TMP/$tag.send.log"
	src_rc=$?
	# The listener ends at the sender's FIN; if the sender failed there may be none.
	for ((i = 0; i < (src_rc == 0 ? 100 : 10); i++)); do
		lab_alive "$lpid" || break
		sleep 0.1
	done
	lab_alive "$lpid" && kill -TERM "$lpid" 2>/dev/null
	wait "$lpid"
	lrc=$?
	XFER_MS=$((($(date +%s%N) - t0) / 1000000))
	XFER_RC=$((src_rc != 0 || lrc != 0))
	XFER_PEER=$(sed -n 's/.*accepting connection from AF=10 \[\([0-9a-fA-F:]*\)\].*/\1/p' \
		"$LAB_TMP/$tag.listen.log" | head -n 1)
	[ -n "$XFER_PEER" ] && XFER_PEER=$(lab_ip6_canon "$XFER_PEER")
	if [ "$XFER_RC" != 0 ]; then
		printf '  (sender exit %s, listener exit %s)\n' "$src_rc" "$lrc"
		sed 's/^/  | send: /' "$LAB_TMP/$tag.send.log" | tail -n 5
		sed 's/^/  | listen: /' "$LAB_TMP/$tag.listen.log" | tail -n 5
	fi
	return "$XFER_RC"
}

lab_cleanup() { # [STATUS]: logs are kept unless STATUS (default $?) is 0 and all passed
	local rc=${1:-$?} name pid ns p i
	[ -n "$LAB_CLEANED" ] && return
	LAB_CLEANED=1
	trap - INT TERM
	# dmm-maar first, politely: its ports are closed and its runtime files released.
	for name in "${!LAB_PID[@]}"; do
		kill -TERM "${LAB_PID[$name]}" 2>/dev/null
	done
	for name in "${!LAB_PID[@]}"; do
		pid=${LAB_PID[$name]}
		for ((i = 0; i < 50; i++)); do
			lab_alive "$pid" || break
			sleep 0.1
		done
		lab_alive "$pid" && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# Whatever else still runs in our namespaces (socat, ping) was started by this run.
	for ns in "${LAB_NS[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
	done
	for ns in "${LAB_NS[@]}"; do
		for ((i = 0; i < 20; i++)); do
			[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
			sleep 0.1
		done
		ip netns del "$ns" 2>/dev/null
	done
	for name in "${!LAB_PREFIX[@]}"; do
		rm -rf "/var/run/dpdk/${LAB_PREFIX[$name]}"
	done
	if [ -n "${LAB_TMP:-}" ] && [ -d "$LAB_TMP" ]; then
		if [ "$rc" = 0 ] && [ "$LAB_FAILS" = 0 ] && [ -z "${LAB_KEEP:-}" ]; then
			rm -rf "$LAB_TMP"
		else
			# Logs only: the transfer data is tens of MiB.
			[ -n "${LAB_KEEP:-}" ] || rm -f "$LAB_TMP/data" "$LAB_TMP"/*.recv
			printf 'logs kept in %s\n' "$LAB_TMP"
		fi
	fi
}

# Our namespaces and dmm-maar processes must all be gone (checked after lab_cleanup).
lab_leftovers() {
	local ns left=
	for ns in $(ip netns list | awk '{print $1}'); do
		case $ns in "$LAB_RUN"-*) left="$left ns:$ns" ;; esac
	done
	for name in "${!LAB_PREFIX[@]}"; do
		pgrep -f -- "--file-prefix ${LAB_PREFIX[$name]} " >/dev/null && left="$left proc:$name"
		[ -e "/var/run/dpdk/${LAB_PREFIX[$name]}" ] && left="$left dir:/var/run/dpdk/${LAB_PREFIX[$name]}"
	done
	printf '%s' "$left"
}
