#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh BUILD_DIR — `sudo make demo`: an unmodified Linux MN roams across three MAARs.
#
# The lab domain of lab.sh (README.md here). The MN boots at MAAR1 (SLAAC from our RA),
# downloads a file from the CN over one TCP connection (paced so that it lasts) and pings the
# CN every 50 ms from its first address, while it moves MAAR1 -> MAAR2 -> MAAR3 -> MAAR1
# (DEMO_DWELL_S seconds at each). After each move: the timeline from the MAARs' and the CMD's
# logs, the MN's addresses and routers, a new connection and the source address the CN sees.
# At the end: the interruption of the old flow per handover, the download's length and
# sha256 on both sides, and the dmmctl tables of every node. Knobs: DEMO_MODE (relay,
# locator, proxy), LAB_PMD (af_packet, af_xdp), DEMO_DWELL_S (4), DEMO_MIB (8), LAB_KEEP=1.
set -uo pipefail

BUILD=${1:-build}
MAAR=$BUILD/dataplane/dmm-maar
CMD=$BUILD/cmd/dmm-cmd
DMMCTL=$BUILD/tools/dmmctl
# shellcheck source=lab.sh
. "$(dirname "$0")/lab.sh"

lab_require
case $? in
0) ;;
1) lab_die "the demo needs root (network namespaces, DPDK): sudo make demo" ;;
*) lab_die "tools missing (scripts/install-deps.sh installs them)" ;;
esac
for b in "$MAAR" "$CMD" "$DMMCTL"; do
	[ -x "$b" ] || lab_die "$b: not built (make build)"
done
MODE=${DEMO_MODE:-relay}
DWELL=${DEMO_DWELL_S:-4}
MIB=${DEMO_MIB:-8}
RATE=${DEMO_RATE:-400000}

labx_init
B=$(tput bold 2>/dev/null || true)
N=$(tput sgr0 2>/dev/null || true)
say() { printf '%s\n' "$*"; }
hdr() { printf '\n%s== %s ==%s\n' "$B" "$*" "$N"; }

# The MAARs' dmm.sig lines and the CMD's PBU/PBA lines since the offsets in OFF[], times
# relative to T0 (µs) where the line has t=.
declare -A OFF
mark() {
	local n
	for n in 1 2 3; do OFF[$n]=$(labx_log_size "$n"); done
	OFF[cmd]=$(stat -c %s "$LAB_TMP/cmd.log" 2>/dev/null || echo 0)
	OFF[ra]=$(stat -c %s "$LAB_TMP/mn-ra.txt" 2>/dev/null || echo 0)
}
timeline() { # T0_US
	local n
	# Lines without t= take the time of the next timed line of the same MAAR (they are
	# actions of the same call, logged before its event); then one chronological list.
	for n in 1 2 3; do
		labx_log_since "$n" "${OFF[$n]}" | grep '^dmm.sig' | grep -v -E 'HB |heartbeat' |
			awk -v n="$n" '{
				sub(/^dmm.sig: /, ""); t = ""
				if (match($0, / t=[0-9]+/)) { t = substr($0, RSTART + 3, RLENGTH - 3); sub(/ t=[0-9]+/, "") }
				line[NR] = $0; tt[NR] = t }
				END { nt = ""; for (i = NR; i >= 1; i--) { if (tt[i] != "") nt = tt[i]; k[i] = (nt == "" ? "9999999999999999" : nt) }
					for (i = 1; i <= NR; i++) printf "%s\t%d\t%06d\t%s\t%s\n", k[i], n, i, tt[i], line[i] }'
	done | sort -t"$(printf '\t')" -k1,1n -k2,2n -k3,3n | awk -F'\t' -v t0="$1" '{
		if ($4 != "") printf "  %9.2f ms  MAAR%s %s\n", ($4 - t0) / 1000.0, $2, $5
		else printf "  %12s  MAAR%s %s\n", "", $2, $5 }'
	tail -c +"$((OFF[cmd] + 1))" "$LAB_TMP/cmd.log" | grep -E ': (PBU|PBA) |suppressed' |
		sed -e 's/^dmm.cmd: /  CMD   /' -e 's/ ts=[0-9.]*//' -e 's/ mn-llid=[0-9a-f:]*//' -e 's/ att=3//' |
		cut -c1-160
}
# Router Advertisements as the MN received them (tcpdump in its namespace), since byte
# offset OFF[ra]: time from T0, the DLIF that sent it, router preference and lifetime, each PIO.
ras() { # T0_US
	tail -c +"$((OFF[ra] + 1))" "$LAB_TMP/mn-ra.txt" 2>/dev/null | awk -v t0="$1" '
		/router advertisement/ { split($1, x, "."); t = (x[1] * 1000000 + x[2] - t0) / 1000.0
			for (i = 1; i <= NF; i++) if ($i == ">") src = $(i - 1) }
		/router lifetime/ { match($0, /pref [a-z]+/); pr = substr($0, RSTART + 5, RLENGTH - 5)
			match($0, /router lifetime [0-9]+s/); lt = substr($0, RSTART + 16, RLENGTH - 16) }
		/prefix info option/ { match($0, /: [0-9a-f:]+\/[0-9]+/); pfx = substr($0, RSTART + 2, RLENGTH - 2)
			match($0, /valid time [0-9]+s/); v = substr($0, RSTART + 11, RLENGTH - 11)
			match($0, /pref\. time [0-9]+s/); p = substr($0, RSTART + 11, RLENGTH - 11)
			printf "  %9.2f ms  MN    RA from %s (router %s, lifetime %s): %s valid %s preferred %s\n", t, src, pr, lt, pfx, v, p }'
}
mn_state() {
	say "  MN addresses (ip -6 addr):"
	labx_mn_addrs 1 | sed 's/^/    /'
	say "  MN default routers (ip -6 route show default):"
	ip -n "${NS_MNK[1]}" -6 route show default | sed 's/ proto ra//; s/ metric 1024//; s/^/    /'
	say "  MN router neighbour entries (ip -6 neigh):"
	ip -n "${NS_MNK[1]}" -6 neigh show dev mn0 | grep router | sed 's/^/    /'
}

hdr "dmm demo: an unmodified Linux MN roams across three MAARs (CMD mode $MODE, $LAB_PMD)"
say "run $LAB_RUN, logs in $LAB_TMP"
cat <<'EOF'

     CN 2001:db8:cc::100 --- router --- core 2001:db8:ff::/64 --- CMD ::a0
                                          |         |         |
                                        MAAR1 ::1 MAAR2 ::2 MAAR3 ::3   (dmm-maar)
                                          |         |         |
                                        brA1      brA2      brA3       (access bridges)
                                           \________|_________/
                                                    MN  (its one link moves between bridges)
EOF
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$LAB_TMP/data"
head -c 65536 /dev/urandom >"$LAB_TMP/small"
labx_topology 1
labx_start "$MODE" || lab_die "the domain did not start"
say "dmm-cmd ($MODE) and three dmm-maar are running."

hdr "1. the MN boots at MAAR1"
mark
T0=$(now_us)
labx_mn_boot 1 1
# tcpdump needs the interface up; the MN's first RS follows its link-local DAD (~1 s).
ip netns exec "${NS_MNK[1]}" tcpdump -i mn0 -n -l -tt -v --immediate-mode \
	'icmp6 and ip6[40] == 134' >"$LAB_TMP/mn-ra.txt" 2>"$LAB_TMP/mn-ra.err" &
labx_bg $!
labx_wait_serving 1 1 0 15 || lab_die "MAAR1 did not register the MN"
P1=$(labx_sess 1 1 3)
A1=$(labx_mn_wait_addr 1 "$P1" 10) || lab_die "no SLAAC address in $P1"
sleep 0.5
say "timeline (RS -> attach -> PBU/PBA -> binding in force -> RA -> SLAAC):"
timeline "$T0"
say "  Router Advertisements the MN received (tcpdump on the MN):"
ras "$T0"
mn_state
say "  -> MN address $A1 from the prefix $P1 delegated by MAAR1"

hdr "2. a long download CN -> MN ($MIB MiB, paced) and a ping every 50 ms from $A1"
lab_nsx "$NS_CN" "$LAB_PY" "$LABX_DIR/paced_send.py" 5000 "$LAB_TMP/data" "$RATE" \
	"$LAB_TMP/xfer.flag" "$LAB_TMP/xfer.log" &
labx_bg $!
for ((i = 0; i < 50; i++)); do grep -q listening "$LAB_TMP/xfer.log" 2>/dev/null && break; sleep 0.1; done
lab_nsx "${NS_MNK[1]}" timeout 300 socat -u "TCP6:[$CN_ADDR]:5000,connect-timeout=5" \
	"OPEN:$LAB_TMP/xfer.recv,creat,trunc" 2>"$LAB_TMP/xfer.mn.log" &
labx_bg $!
RPID=$!
ip netns exec "${NS_MNK[1]}" ping -6 -D -i 0.05 -I "$A1" "$CN_ADDR" >"$LAB_TMP/ping.txt" 2>&1 &
labx_bg $!
PPID_=$!
sleep 1
say "  the CN accepted the download connection from $(sed -n 's/^peer //p' "$LAB_TMP/xfer.log")"

step=3
declare -A NA=([2]=1 [3]=2 [1]=2)
for n in 2 3 1; do
	sleep "$DWELL"
	hdr "$step. the MN's link moves to MAAR$n's access bridge (nothing else changes on the MN)"
	mark
	from=${MN_AT[1]}
	labx_move 1 "$n" "${NA[$n]}" "MAAR$from->MAAR$n" || lab_die "MAAR$n did not take the MN over"
	T0=$LABX_PLUG_US
	pn=$(labx_sess "$n" 1 3)
	an=$(labx_mn_wait_addr 1 "$pn" 5)
	sleep 0.5
	say "timeline (0 = link moved; the MN's next frame reveals it to MAAR$n):"
	timeline "$T0"
	say "  Router Advertisements the MN received (tcpdump on the MN):"
	ras "$T0"
	mn_state
	lab_transfer "new$n" "${NS_MNK[1]}" "$NS_CN" "$CN_ADDR" 5001 "$LAB_TMP/small"
	say "  -> the MN's new address $an (SLAAC in MAAR$n's prefix $pn); a new connection MN -> CN:"
	say "     the CN sees source $XFER_PEER"
	step=$((step + 1))
done
sleep 1
touch "$LAB_TMP/xfer.flag"

hdr "$step. results"
say "waiting for the download to finish..."
for ((i = 0; i < 1200; i++)); do lab_alive "$RPID" || break; sleep 0.1; done
wait "$RPID"
rc=$?
kill -INT "$PPID_" 2>/dev/null
wait "$PPID_" 2>/dev/null
read -r sent sha_cn < <(sed -n 's/^sent //p' "$LAB_TMP/xfer.log")
got=$(stat -c %s "$LAB_TMP/xfer.recv" 2>/dev/null || echo 0)
sha_mn=$(sha256sum <"$LAB_TMP/xfer.recv" | cut -d' ' -f1)
say "  download (one TCP connection from $A1, opened at MAAR1, three handovers):"
say "    CN sent     ${sent:-?} bytes  sha256 ${sha_cn:-?}"
say "    MN received $got bytes  sha256 $sha_mn   (socat exit $rc)"
if [ "$rc" = 0 ] && [ "${sent:-}" = "$got" ] && [ "${sha_cn:-}" = "$sha_mn" ]; then
	say "    ${B}intact: the connection survived every handover${N}"
else
	say "    ${B}NOT intact${N}"
	LAB_FAILS=$((LAB_FAILS + 1))
fi
say ""
say "  interruption of the old flow (pings from $A1) per handover: last reply before the"
say "  move -> first reply after it; detection = link moved -> 'attached' at the new MAAR,"
say "  signalling = attached -> handover_done, install = ops in force on every worker:"
"$LAB_PY" "$LABX_DIR/lab_analyze.py" "$LAB_TMP/moves-$MODE.txt" "$LAB_TMP/ping.txt" |
	sed 's/^/    /'

hdr "$((step + 1)). dmmctl on every node"
for n in 1 2 3; do
	say "-- MAAR$n: dmmctl --maar-socket $LAB_TMP/maar$n.sock sessions"
	ctlm "$n" sessions | sed 's/^/   /'
	say "-- MAAR$n: dmmctl --file-prefix ${LAB_PREFIX[maar$n]} tables"
	"$DMMCTL" --file-prefix "${LAB_PREFIX[maar$n]}" tables | sed 's/^/   /'
done
say "-- CMD: dmmctl --cmd-socket $LAB_TMP/cmd.sock bce"
ctlc bce | sed 's/^/   /'
labx_stop
hdr "done: everything is torn down on exit"
[ "$LAB_FAILS" = 0 ]
