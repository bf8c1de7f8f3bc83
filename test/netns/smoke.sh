#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# smoke.sh DMM_MAAR [DMMCTL] — the netns smoke test (meson suite "netns").
#
# Two dmm-maar instances on af_packet veths as a static ip6ip6 tunnel router pair, a plain
# Linux MN and CN (topology in lib.sh): the MN, attached at MAAR1 with an address anchored
# at MAAR2, pings the CN and exchanges 20 MiB with it over TCP both ways through the tunnel;
# then the counters of both MAARs are checked and both must exit 0 on SIGTERM.
#
# Needs root (network namespaces, DPDK). Exit status: 0 pass, 1 fail, 77 skipped (not root
# or a tool missing). Environment: LAB_KEEP=1 keeps the logs of a passing run,
# SMOKE_MIB=N changes the transfer size (default 20).
set -uo pipefail

MAAR=${1:-}
DMMCTL=${2:-}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

if [ -z "$MAAR" ]; then
	echo "usage: $0 DMM_MAAR [DMMCTL]" >&2
	exit 2
fi
lab_require
case $? in
0) ;;
1) echo "SKIP: the netns smoke test needs root" >&2; exit 77 ;;
*) echo "SKIP: tools missing" >&2; exit 77 ;;
esac
[ -x "$MAAR" ] || lab_die "$MAAR: not an executable"
if [ -n "$DMMCTL" ] && [ ! -x "$DMMCTL" ]; then
	echo "note: $DMMCTL is not built; counters are read from the telemetry socket only"
	DMMCTL=
fi

SIZE_MIB=${SMOKE_MIB:-20}
# Drops that are no fault: the kernels' MLD reports (multicast dmm-maar does not route).
ALLOWED_DROPS="drop_multicast"

lab_init
T_START=$(date +%s)
echo "netns smoke test, run $LAB_RUN (logs in $LAB_TMP)"

lab_step "Topology: namespaces MN, MAAR1, MAAR2, CORE (bridge), CN"
lab_create
lab_pass "namespaces, veths (offloads off) and bridge created"

lab_step "Starting MAAR1 and MAAR2 (dmm-maar, af_packet, -l 0,1, --idle-sleep-us $LAB_IDLE_SLEEP_US)"
lab_maar_start maar1 "$NS_M1" "$LAB_M1_CFG"
lab_maar_start maar2 "$NS_M2" "$LAB_M2_CFG"
lab_maar_wait_ready maar1 || exit 1
lab_maar_wait_ready maar2 || exit 1
lab_pass "both MAARs ready"
# MAAR1: MAAR2 (tunnel). MAAR2: MAAR1 (tunnel) and the CN (route).
lab_maar_wait_neigh maar1 1 15 || { lab_show_log maar1; exit 1; }
lab_maar_wait_neigh maar2 2 15 || { lab_show_log maar2; exit 1; }
lab_pass "core next hops resolved by NDP (MAAR1: MAAR2; MAAR2: MAAR1, CN)"

lab_step "Control lcore: echo to the MAARs' own addresses"
M1_LL=$(lab_eui64_ll "$M1_ACC_MAC")
if out=$(lab_nsx "$NS_MN" ping -6 -c 2 -i 0.2 -W 2 "$M1_LL%mn0" 2>&1); then
	lab_pass "MN pings MAAR1's access link-local $M1_LL (NDP + echo by dmm-maar)"
else
	lab_fail "MN pings MAAR1's access link-local $M1_LL" "replies" "$(echo "$out" | tail -n 2)"
fi
if out=$(lab_nsx "$NS_CN" ping -6 -c 2 -i 0.2 -W 2 "$M2_ADDR" 2>&1); then
	lab_pass "CN pings MAAR2's address $M2_ADDR"
else
	lab_fail "CN pings MAAR2's address $M2_ADDR" "replies" "$(echo "$out" | tail -n 2)"
fi

lab_step "MN pings CN through the tunnel (MN -> MAAR1 =ip6ip6=> MAAR2 -> CN and back)"
warm=0
for i in 1 2 3 4 5; do
	if lab_nsx "$NS_MN" ping -6 -c 1 -W 1 "$CN_ADDR" >/dev/null 2>&1; then
		warm=1
		break
	fi
done
if [ "$warm" = 1 ]; then
	lab_pass "warm-up ping answered (attempt $i; the hosts resolve their routers by NDP)"
else
	lab_fail "warm-up ping MN -> CN" "a reply within 5 attempts" "none"
fi
out=$(lab_nsx "$NS_MN" ping -6 -c 5 -i 0.2 -W 2 "$CN_ADDR" 2>&1)
echo "$out" | sed 's/^/  | /'
loss=$(echo "$out" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
lab_expect "ping MN -> CN: packet loss" "0%" "${loss:-?}%"
# Every reply must come from the CN itself (the tunnel is transparent: no MAAR address,
# no rewriting) with the CN's hop limit less one per router (MAAR2, MAAR1).
n_from=$(echo "$out" | grep -c "bytes from $CN_ADDR: ")
lab_expect "replies with source $CN_ADDR" 5 "$n_from"
hl=$(echo "$out" | sed -n 's/.* ttl=\([0-9]*\) .*/\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//')
lab_expect "hop limit of the replies (64 - $LAB_HOPS_CN_TO_MN)" "$((64 - LAB_HOPS_CN_TO_MN))" "$hl"

TUN_MTU=1460
lab_step "Tunnel MTU: $TUN_MTU bytes (core MTU 1500 - 40); larger packets get Packet Too Big"
# 1460-byte packets (ICMPv6 payload 1412) fill the tunnel exactly; 1461 bytes must be
# answered by the tunnel entry point with Packet Too Big, mtu 1460 (RFC 2473 §7), from its
# node address (no global address on the access port).
ptb_check() { # WHO FROM_NS DST ENTRY_NAME ENTRY_ADDR
	local out n
	out=$(lab_nsx "$2" ping -6 -c 3 -i 0.2 -W 2 -M "do" -s $((TUN_MTU - 48)) "$3" 2>&1)
	n=$(echo "$out" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
	lab_expect "$1 -> $3, $TUN_MTU-byte packets (= tunnel MTU): loss" "0%" "${n:-?}%"
	out=$(lab_nsx "$2" ping -6 -c 2 -i 0.2 -W 2 -M "do" -s $((TUN_MTU - 47)) "$3" 2>&1)
	echo "$out" | grep -iE 'too big|too long' | sed 's/^/  | /'
	n=$(echo "$out" | grep -c "From $5 .*Packet too big: mtu=$TUN_MTU")
	lab_expect_gt "$1 -> $3, $((TUN_MTU + 1))-byte packet: Packet Too Big mtu=$TUN_MTU from $4 ($5)" 0 "$n"
}
ptb_check MN "$NS_MN" "$CN_ADDR" MAAR1 "$M1_ADDR"
ptb_check CN "$NS_CN" "$MN_ADDR" MAAR2 "$M2_ADDR"

lab_step "TCP: $SIZE_MIB MiB of random data each way (socat), sha256 compared"
# Forget the path MTUs learnt above, so that each connection starts with 1440-byte segments
# and discovers the tunnel MTU again through Packet Too Big.
lab_nsx "$NS_MN" ip -6 route flush cache >/dev/null 2>&1
lab_nsx "$NS_CN" ip -6 route flush cache >/dev/null 2>&1
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$LAB_TMP/data"
SENT_SHA=$(sha256sum <"$LAB_TMP/data" | cut -d' ' -f1)
SENT_BYTES=$(stat -c %s "$LAB_TMP/data")
MN_CANON=$(lab_ip6_canon "$MN_ADDR")
CN_CANON=$(lab_ip6_canon "$CN_ADDR")
xfer_check() { # TAG DIRECTION EXPECTED_PEER
	local got_sha got_bytes
	got_bytes=$(stat -c %s "$XFER_RECV" 2>/dev/null || echo 0)
	got_sha=$(sha256sum <"$XFER_RECV" 2>/dev/null | cut -d' ' -f1)
	lab_expect "$2: transfer completes (both socat exit 0)" 0 "$XFER_RC"
	lab_expect "$2: bytes received" "$SENT_BYTES" "$got_bytes"
	lab_expect "$2: sha256 of the bytes received" "$SENT_SHA" "${got_sha:-none}"
	lab_expect "$2: source address seen by the receiver" "$3" "${XFER_PEER:-none}"
	if [ "$XFER_MS" -gt 0 ]; then
		echo "        ($got_bytes bytes in $XFER_MS ms, $((got_bytes * 1000 / XFER_MS / 1048576)) MiB/s)"
	fi
}
if [ "$warm" = 1 ]; then
	lab_transfer cn2mn "$NS_CN" "$NS_MN" "$MN_ADDR" 5001 "$LAB_TMP/data"
	xfer_check cn2mn "CN -> MN" "$CN_CANON"
	lab_nsx "$NS_MN" ip -6 route flush cache >/dev/null 2>&1
	lab_nsx "$NS_CN" ip -6 route flush cache >/dev/null 2>&1
	lab_transfer mn2cn "$NS_MN" "$NS_CN" "$CN_ADDR" 5002 "$LAB_TMP/data"
	xfer_check mn2cn "MN -> CN" "$MN_CANON"
	# Expected: about as many as Packet Too Big messages (the segments that did not fit).
	echo "  note: TCP retransmissions: MN $(lab_nsx "$NS_MN" nstat -az TcpRetransSegs | awk '$1 == "TcpRetransSegs" { print $2 }')," \
		"CN $(lab_nsx "$NS_CN" nstat -az TcpRetransSegs | awk '$1 == "TcpRetransSegs" { print $2 }')"
else
	lab_fail "TCP transfers" "run" "skipped: the tunnel does not pass a ping"
fi

lab_step "Counters (telemetry socket /dmm/stats, /dmm/ports)"
# check_counters NAME MIN_COUNTERS...: every named total/control counter > 0, no drops but
# the allowed ones.
check_counters() {
	local name=$1 st k v bad="" ports
	shift
	if ! st=$(lab_stats "$name"); then
		lab_fail "$name: /dmm/stats answers" "counters" "no answer"
		return
	fi
	echo "  $name, non-zero counters:"
	echo "$st" | grep -E '^(total|control)\.' | grep -v '=0$' | sed 's/^/  | /'
	for k in "$@"; do
		v=$(echo "$st" | lab_counter "$k")
		lab_expect_gt "$name: $k" 0 "${v:-absent}"
	done
	for kv in $(echo "$st" | grep -E '^total\.drop_' | grep -v '=0$'); do
		k=${kv#total.}
		k=${k%%=*}
		case " $ALLOWED_DROPS " in *" $k "*) ;; *) bad="$bad ${kv#total.}" ;; esac
	done
	lab_expect "$name: no unexpected drops (allowed: $ALLOWED_DROPS)" "" "${bad# }"
	if ports=$(lab_stats "$name" /dmm/ports); then
		echo "$ports" | grep -E '\.(device|ipackets|opackets|imissed|ierrors|oerrors|rx_nombuf)=' |
			sed 's/^/  | /'
		v=$(echo "$ports" | grep -E '\.(imissed|ierrors|oerrors|rx_nombuf)=' | grep -v '=0$' | tr '\n' ' ')
		[ -n "$v" ] && echo "  note: $name ethdev errors/misses: $v"
		# af_packet ring overflows are not in imissed (DPDK 22.11): compare with what the
		# kernel received (which also counts frames from before dmm-maar started).
		echo "  note: $name kernel RX acc0 $(lab_kernel_rx "${LAB_NSOF[$name]}" acc0)," \
			"ethdev ipackets $(echo "$ports" | lab_counter ports.0.ipackets);" \
			"kernel RX core0 $(lab_kernel_rx "${LAB_NSOF[$name]}" core0)," \
			"ethdev ipackets $(echo "$ports" | lab_counter ports.1.ipackets)"
	else
		lab_fail "$name: /dmm/ports answers" "ports" "no answer"
	fi
}
# MAAR1: encap = MN uplink, decap = downlink from MAAR2, delivered to the MN, Packet Too
# Big for the MN's full-size segments, NA to the MN (its router's link-local), echo. MAAR2: encap = CN downlink, decap + routed = MN
# uplink, Packet Too Big for the CN's full-size segments.
check_counters maar1 total.encap total.decap total.delivered total.exc_too_big \
	control.icmp_too_big control.na_sent control.echo_replies
# (MAAR2's na_sent is not checked: MAAR1 may learn MAAR2's MAC from MAAR2's own NS.)
check_counters maar2 total.encap total.decap total.routed total.exc_too_big \
	control.icmp_too_big control.echo_replies

if [ -n "$DMMCTL" ]; then
	lab_step "dmmctl ($DMMCTL)"
	for name in maar1 maar2; do
		p=${LAB_PREFIX[$name]}
		for cmd in stats ports tables; do
			if out=$("$DMMCTL" --file-prefix "$p" "$cmd" 2>&1); then
				lab_pass "dmmctl --file-prefix $p $cmd"
			else
				lab_fail "dmmctl --file-prefix $p $cmd" "exit 0" "exit $?"
			fi
			echo "$out" | sed 's/^/  | /'
		done
		# The same counters as the table above, machine-readable.
		out=$("$DMMCTL" --file-prefix "$p" --json stats 2>&1 | "$LAB_PY" "$LAB_DIR/dmm_telemetry.py" --flatten)
		for k in encap decap; do
			v=$(echo "$out" | lab_counter "total.$k")
			lab_expect_gt "dmmctl --json stats: $name total.$k" 0 "${v:-absent}"
		done
	done
else
	echo "  (dmmctl not built: the counters above were read from the telemetry socket directly)"
fi

lab_step "Stopping both MAARs (SIGTERM): exit status 0 within $LAB_STOP_TIMEOUT s"
for name in maar1 maar2; do
	lab_maar_stop "$name"
	lab_expect "$name exits on SIGTERM with status 0 (after $LAB_STOP_MS ms)" 0 "$LAB_STOP_RC"
done
for name in maar1 maar2; do
	if grep -qiE 'AddressSanitizer|runtime error:|Segmentation|panic' "$LAB_TMP/$name.log"; then
		lab_fail "$name log is free of sanitizer reports and panics" "none" \
			"$(grep -iE 'AddressSanitizer|runtime error:|Segmentation|panic' "$LAB_TMP/$name.log" | head -n 3)"
	fi
done
if [ "$LAB_FAILS" != 0 ]; then
	lab_show_log maar1 60
	lab_show_log maar2 60
fi

lab_step "Teardown"
fails=$LAB_FAILS
lab_cleanup "$fails"
left=$(lab_leftovers)
lab_expect "no namespace, dmm-maar or runtime dir of this run left" "" "${left# }"

echo
echo "smoke: $((LAB_FAILS)) failure(s), $(($(date +%s) - T_START)) s"
[ "$LAB_FAILS" = 0 ]
