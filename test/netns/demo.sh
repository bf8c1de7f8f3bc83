#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh BUILD_DIR — `sudo make demo`: the netns lab of lib.sh, narrated step by step.
#
# Builds the network (MN, MAAR1, MAAR2, CORE bridge, CN) in network namespaces, starts two
# dmm-maar, lets the MN (attached at MAAR1, address anchored at MAAR2) ping the CN and send
# it a file over TCP through the ip6ip6 tunnel, shows the MAARs' counters and tables with
# dmmctl, and tears everything down again — also on failure or Ctrl-C. Exit 0 on success.
# Needs root. LAB_KEEP=1 keeps the logs; DEMO_MIB=N changes the transfer size (default 5).
set -uo pipefail

BUILD=${1:-build}
MAAR=$BUILD/dataplane/dmm-maar
DMMCTL=
if [ -d "$BUILD/tools" ]; then
	DMMCTL=$(find "$BUILD/tools" -maxdepth 2 -type f -name dmmctl -perm -u+x 2>/dev/null | head -n 1)
fi
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

lab_require
case $? in
0) ;;
1) lab_die "the demo needs root (network namespaces, DPDK): sudo make demo" ;;
*) lab_die "tools missing (see above): make deps" ;;
esac
[ -x "$MAAR" ] || lab_die "$MAAR not found: build first (make build, or pass the build directory)"
SIZE_MIB=${DEMO_MIB:-5}

pause() { sleep "${DEMO_PAUSE:-0.5}"; }
show() { sed 's/^/    /'; }
demo_failed() {
	echo
	echo "The demo FAILED at: $*"
	for name in maar1 maar2; do
		case " ${LAB_LOG_SHOWN:-} " in *" $name "*) continue ;; esac
		[ -n "${LAB_PREFIX[$name]:-}" ] && lab_show_log "$name" 30
	done
	exit 1
}

lab_init
cat <<EOF
dmm demo: Distributed Mobility Management in five network namespaces (run id $LAB_RUN).

  MN ---- MAAR1 ====== ip6ip6 tunnel ====== MAAR2
              \\                             /
               '---------- CORE ----------'---- CN

  The mobile node (MN) is attached at MAAR1, but its address $MN_ADDR is from
  the prefix $MN_PREFIX, which is anchored at MAAR2. So MAAR1 tunnels the MN's
  packets to MAAR2, MAAR2 routes them to the correspondent node (CN) and tunnels
  the CN's answers back to MAAR1. MAAR1 and MAAR2 are dmm-maar (DPDK) processes;
  the MN and the CN are plain Linux hosts.
EOF
pause

lab_step "Creating namespaces: MN, MAAR1, MAAR2, CORE, CN (prefixed $LAB_RUN-)"
lab_create
lab_say "  MN    $MN_ADDR/64 on mn0, default router: MAAR1's link-local $(lab_eui64_ll "$M1_ACC_MAC")"
lab_say "  MAAR1 $M1_ADDR (tunnel endpoint); access acc0 $M1_ACC_MAC, core core0 $M1_CORE_MAC"
lab_say "  MAAR2 $M2_ADDR (tunnel endpoint, anchor of $MN_POOL); core core0 $M2_CORE_MAC"
lab_say "  CORE  a Linux bridge joining MAAR1, MAAR2 and the CN: one link, 2001:db8:ff::/64"
lab_say "  CN    $CN_ADDR/64 on cn0, route to $MN_POOL via MAAR2 ($M2_ADDR)"
pause

lab_step "Starting MAAR1 (dmm-maar) with $(basename "$LAB_M1_CFG") ..."
lab_say "  ip netns exec $NS_M1 $MAAR ${LAB_EAL_COMMON[*]} --file-prefix $LAB_RUN-maar1 \\"
lab_say "      --vdev net_af_packet0,iface=acc0$LAB_AFP_OPTS --vdev net_af_packet1,iface=core0$LAB_AFP_OPTS \\"
lab_say "      -- --config $LAB_M1_CFG --idle-sleep-us $LAB_IDLE_SLEEP_US"
lab_maar_start maar1 "$NS_M1" "$LAB_M1_CFG"
lab_maar_wait_ready maar1 || demo_failed "MAAR1 did not start"
grep -E 'dmm\.(port|main):' "$LAB_TMP/maar1.log" | show
lab_step "Starting MAAR2 (dmm-maar) with $(basename "$LAB_M2_CFG") ..."
lab_maar_start maar2 "$NS_M2" "$LAB_M2_CFG"
lab_maar_wait_ready maar2 || demo_failed "MAAR2 did not start"
grep -E 'dmm\.(port|main):' "$LAB_TMP/maar2.log" | show

lab_step "The MAARs find their core neighbours by NDP ..."
lab_maar_wait_neigh maar1 1 15 || demo_failed "MAAR1 cannot resolve MAAR2"
lab_maar_wait_neigh maar2 2 15 || demo_failed "MAAR2 cannot resolve MAAR1 and the CN"
grep -h 'neighbour .* is at' "$LAB_TMP/maar1.log" | sed 's/^/MAAR1: /' | show
grep -h 'neighbour .* is at' "$LAB_TMP/maar2.log" | sed 's/^/MAAR2: /' | show
pause

lab_step "MN pings CN through the ip6ip6 tunnel MAAR1 <-> MAAR2 ..."
# One warm-up ping: the MN and the CN resolve their routers by NDP first.
for i in 1 2 3 4 5; do
	lab_nsx "$NS_MN" ping -6 -c 1 -W 1 "$CN_ADDR" >/dev/null 2>&1 && break
done
CAP=
if command -v tcpdump >/dev/null 2>&1; then
	# What the tunnel looks like on the core link: outer MAAR1 <-> MAAR2, inner MN <-> CN.
	CAP=$LAB_TMP/core.txt
	lab_nsx "$NS_CORE" timeout 8 tcpdump -l -n -i p1 -c 2 'ip6 and ip6[6] == 41' \
		>"$CAP" 2>/dev/null &
	CAP_PID=$!
	sleep 1
fi
lab_say "  ip netns exec MN ping -6 -c 5 $CN_ADDR"
out=$(lab_nsx "$NS_MN" ping -6 -c 5 -i 0.3 -W 2 "$CN_ADDR" 2>&1)
echo "$out" | show
echo "$out" | grep -q ' 0% packet loss' || demo_failed "the MN cannot ping the CN"
lab_say "  The replies come from the CN's own address (the tunnel is invisible to the"
lab_say "  hosts); ttl=62: the CN sent 64, MAAR2 and MAAR1 each count as one router hop."
if [ -n "$CAP" ]; then
	wait "$CAP_PID"
	lab_say "  Captured on the core link (CORE/p1, MAAR1's side): the same pings, tunnelled:"
	show <"$CAP"
fi
pause

lab_step "TCP transfer of $SIZE_MIB MiB of random data, CN -> MN (socat), through the tunnel ..."
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$LAB_TMP/data"
lab_transfer cn2mn "$NS_CN" "$NS_MN" "$MN_ADDR" 5001 "$LAB_TMP/data" ||
	demo_failed "the TCP transfer did not complete"
s_bytes=$(stat -c %s "$LAB_TMP/data")
s_sha=$(sha256sum <"$LAB_TMP/data" | cut -d' ' -f1)
r_bytes=$(stat -c %s "$XFER_RECV")
r_sha=$(sha256sum <"$XFER_RECV" | cut -d' ' -f1)
lab_say "  CN sent     $s_bytes bytes, sha256 $s_sha"
lab_say "  MN received $r_bytes bytes, sha256 $r_sha   (from $XFER_PEER, in $XFER_MS ms)"
[ "$s_sha" = "$r_sha" ] || demo_failed "the MN received other bytes than the CN sent"
lab_say "  Identical. Full-size segments (1500 bytes) do not fit the tunnel (1460): MAAR2"
lab_say "  answered the first ones with ICMPv6 Packet Too Big and the CN adapted."
pause

for name in maar1 maar2; do
	label=MAAR${name#maar}
	if [ -n "$DMMCTL" ]; then
		lab_step "dmmctl --file-prefix ${LAB_PREFIX[$name]} stats    ($label)"
		"$DMMCTL" --file-prefix "${LAB_PREFIX[$name]}" stats 2>&1 | show ||
			demo_failed "dmmctl stats ($label)"
		lab_step "dmmctl --file-prefix ${LAB_PREFIX[$name]} tables   ($label)"
		"$DMMCTL" --file-prefix "${LAB_PREFIX[$name]}" tables 2>&1 | show ||
			demo_failed "dmmctl tables ($label)"
	else
		lab_step "$label counters (dmmctl is not built: read from the telemetry socket)"
		lab_stats "$name" | grep -E '^(total|control)\.' | grep -v '=0$' | show
		lab_stats "$name" /dmm/tables | show
	fi
done
lab_say ""
lab_say "  MAAR1: encap = the MN's packets into the tunnel, decap = the CN's packets out of it."
lab_say "  MAAR2: encap = the CN's packets into the tunnel, decap = the MN's packets out of it."

lab_step "Stopping MAAR1 and MAAR2 (SIGTERM) ..."
for name in maar1 maar2; do
	lab_maar_stop "$name" || demo_failed "$name did not exit cleanly (status $LAB_STOP_RC)"
	lab_say "  $name exited with status 0 after $LAB_STOP_MS ms"
done

lab_step "Tearing down: namespaces, veths, bridge, DPDK runtime files ..."
lab_cleanup 0
left=$(lab_leftovers)
[ -z "$left" ] || demo_failed "left over:$left"
lab_say "  Nothing left behind."
echo
echo "Demo finished successfully."
exit 0
