#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# roam_e2e.sh DMM_MAAR DMM_CMD DMMCTL [MODE...] — roaming end to end (meson suite "lab").
#
# The lab domain of lab.sh (dmm-cmd, three dmm-maar, a router, a CN, two unmodified Linux
# MNs on per-MAAR access bridges). Per CMD mode (relay, locator, proxy, or the MODEs given):
#   attach   MN1 boots at MAAR1, MN2 at MAAR3: SLAAC addresses from the delegated prefixes,
#            the default router is the anchor's DLIF
#   roam     a paced TCP download CN -> MN1 and pings (every 50 ms) of both MNs run while
#            MN1 moves MAAR1 -> MAAR2 -> MAAR3 -> MAAR1; after each move: serving/anchor
#            state, a new connection whose source (seen by the CN) is in the serving MAAR's
#            prefix, the old addresses deprecated, the earlier default routers and their
#            neighbour entries unchanged; at MAAR3 MN2 spoofs MN1's addresses; at the end
#            the download's sha256 and length
#   repeat   LAB_MOVES (21) more moves MAAR2 -> MAAR3 -> MAAR1 -> ...: state after them equal
#            to the state before (sessions, binding cache, bindings, tunnels, held messages,
#            DLIFs), MN2's ping without loss
#   loss     lost pings of MN1 per handover <= LAB_LOSS_MAX (README.md: why 3)
#   detach   both MNs unplugged: NUD failure, grace, de-registration; nothing left anywhere
# Every move's timeline (detection, signalling, table install) is printed per mode
# (lab_analyze.py); BENCHMARKS.md quotes it.
#
# Needs root. Exit status: 0 pass, 1 fail, 77 skipped. LAB_KEEP=1 keeps the logs.
set -uo pipefail

# shellcheck source=lab.sh
. "$(dirname "$0")/lab.sh"
labx_args "$@" # MAAR CMD DMMCTL MODES, root and tools (exit 2 / 77)

LAB_MOVES=${LAB_MOVES:-21}
LAB_DWELL_S=${LAB_DWELL_S:-2}
LAB_REPEAT_DWELL_S=${LAB_REPEAT_DWELL_S:-0.7}
LAB_LOSS_MAX=${LAB_LOSS_MAX:-3}
PING_INTERVAL=0.05
XFER_MIB=${LAB_XFER_MIB:-4}
XFER_RATE=${LAB_XFER_RATE:-400000} # bytes/s while the moves run

labx_init
echo "roaming e2e test, run $LAB_RUN (logs in $LAB_TMP), modes: ${MODES[*]}, pmd: $LAB_PMD"

# PREFIX + the modified EUI-64 interface identifier of MAC (RFC 4291 appendix A).
eui64_addr() { # PREFIX MAC
	"$LAB_PY" -c 'import ipaddress as i, sys
n = i.ip_network(sys.argv[1]); iid = int(i.ip_address(sys.argv[2])) & ((1 << 64) - 1)
print(n[iid])' "$1" "$(lab_eui64_ll "$2")"
}

# The MN's default routers as "lla pref" lines, sorted.
mn_routers() { ip -n "${NS_MNK[$1]}" -6 route show default 2>/dev/null |
	awk '{ for (i = 1; i < NF; i++) { if ($i == "via") v = $(i + 1); if ($i == "pref") p = $(i + 1) } print v, p }' | sort; }
# The MN's neighbour entry for LLA: "lladdr state" (state: REACHABLE, STALE, ... ).
mn_neigh() { ip -n "${NS_MNK[$1]}" -6 neigh show "$2" dev mn0 2>/dev/null |
	awk '{ l = "-"; for (i = 1; i < NF; i++) if ($i == "lladdr") l = $(i + 1); print l, $NF }'; }
# The DLIF (MAC LLA) MAAR N logged for MN K and ANCHOR (first dlif-added line).
dlif_of() { # N K ANCHOR
	grep -E "mn $(mn_nai "$2"): dlif-added for anchor $3: " "$LAB_TMP/maar$1.log" | tail -n 1 |
		awk '{ print $(NF - 1), $NF }'
}

# Pings: every 50 ms from MN K's address SRC to the CN, timestamps (-D), until SIGINT.
# The source is pinned: MN1's pings are the old flow (from its first prefix) whose
# interruption each handover causes; MN2's must not pick up the addresses spoof_test adds.
start_ping() { # K FILE SRC
	ip netns exec "${NS_MNK[$1]}" ping -6 -D -i "$PING_INTERVAL" -I "$3" "$CN_ADDR" >"$2" 2>&1 &
	labx_bg $!
	eval "PING_PID_$1=$!"
}
stop_ping() { # K
	local v="PING_PID_$1"
	kill -INT "${!v}" 2>/dev/null
	wait "${!v}" 2>/dev/null
}
# Echo requests of a ping file without reply, between its first and last reply.
ping_missing() { # FILE
	awk -F'icmp_seq=' '/bytes from/ { split($2, a, " "); s = a[1] + 0; n++;
		if (min == "" || s < min) min = s; if (s > max) max = s }
		END { if (n == 0) print "no-replies"; else print max - min + 1 - n }' "$1"
}

# After a move of MN1 to MAAR N (prefix P): SLAAC address, old addresses deprecated, a new
# connection from the new prefix, default routers and neighbours unchanged.
check_after_move() { # N P STEP
	local n=$1 p=$2 step=$3 a i r lla mac want got
	a=$(labx_mn_wait_addr 1 "$p" 5)
	if [ -z "$a" ]; then
		lab_fail "$step: MN1 has a SLAAC address in $p" "an address in $p" "$(labx_mn_addrs 1 | paste -sd' ')"
		return 1
	fi
	for ((i = 0; i < 50; i++)); do # the serving prefix becomes preferred, the others deprecated
		got=$(labx_mn_addrs 1 | awk -v a="$a" '{ s = $1; sub(/\/.*/, "", s); print (s == a ? "serving" : "other"), $2 }' |
			sort -u | paste -sd,)
		want="serving preferred"
		[ "$n_prefixes" -gt 1 ] && want="other deprecated,serving preferred"
		[ "$got" = "$want" ] && break
		sleep 0.1
	done
	lab_expect "$step: MN1's address in the serving prefix is preferred, the others deprecated" "$want" "$got"
	# A new connection takes the local prefix (RFC 6724 rule 3: deprecated addresses are
	# avoided); the CN sees it as the source.
	lab_transfer "new$step" "${NS_MNK[1]}" "$NS_CN" "$CN_ADDR" 5001 "$LAB_TMP/small"
	lab_expect "$step: a new connection MN1 -> CN: exit status, source seen by the CN" \
		"0 $(lab_ip6_canon "$a")" "$XFER_RC $XFER_PEER"
	lab_expect "$step: its data arrived intact" "$(sha256sum <"$LAB_TMP/small")" \
		"$(sha256sum <"$XFER_RECV" 2>/dev/null)"
	# Default routers: every DLIF seen so far is still a router with the same link-layer
	# address; the serving anchor's is preferred (medium), the others low.
	for r in "${!ROUTER_MAC[@]}"; do
		got=$(mn_neigh 1 "$r")
		mac=${got%% *}
		lab_expect "$step: MN1's neighbour entry of router $r keeps its link-layer address" \
			"${ROUTER_MAC[$r]} ok" "$mac $(case $got in *FAILED* | *INCOMPLETE*) echo "$got" ;; *) echo ok ;; esac)"
	done
	lla=$(dlif_of "$n" 1 "${M_ADDR[$n]}" | awk '{print $2}')
	mac=$(dlif_of "$n" 1 "${M_ADDR[$n]}" | awk '{print $1}')
	[ -n "$lla" ] && [ -z "${ROUTER_MAC[$lla]:-}" ] && ROUTER_MAC[$lla]=$mac
	want=$(for r in "${!ROUTER_MAC[@]}"; do
		if [ "$r" = "$lla" ]; then echo "$r medium"; else echo "$r low"; fi
	done | sort)
	got=$(labx_wait_eq "$want" 5 mn_routers 1)
	lab_expect "$step: MN1's default routers (each anchor's DLIF; serving one medium)" \
		"$(echo "$want" | paste -sd,)" "$(echo "$got" | paste -sd,)"
	MN1_ADDR[$n]=$a
}

# MN2 (at MAAR3 with MN1) sends UDP to the CN from MN1's addresses, then from its own.
spoof_test() {
	local step=$1 d0 d1 got a
	local -a victims=("${MN1_ADDR[3]}" "${MN1_ADDR[1]}")
	for a in "${victims[@]}"; do
		ip -n "${NS_MNK[2]}" -6 addr add "$a/128" dev mn0 nodad
	done
	rm -f "$LAB_TMP/spoof.rx" "$LAB_TMP/spoof.rx.ready"
	lab_nsx "$NS_CN" timeout 8 "$LAB_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::", 9999)); s.settimeout(3)
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "w") as f:
    while True:
        try: d, a = s.recvfrom(2048)
        except socket.timeout: break
        f.write(a[0] + "\n"); f.flush()
' "$LAB_TMP/spoof.rx" &
	local rpid=$!
	for ((i = 0; i < 50; i++)); do [ -e "$LAB_TMP/spoof.rx.ready" ] && break; sleep 0.1; done
	d0=$(labx_counter 3 drop_spoofed_src)
	lab_nsx "${NS_MNK[2]}" "$LAB_PY" -c '
import socket, sys, time
for src, n in ((a, 10) for a in sys.argv[2:]):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind((src, 0))
    for i in range(n):
        s.sendto(b"spoof", (sys.argv[1], 9999)); time.sleep(0.01)
' "$CN_ADDR" "${victims[@]}"
	# Control: the same datagrams from MN2's own address do arrive.
	lab_nsx "${NS_MNK[2]}" "$LAB_PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind((sys.argv[2], 0))
for i in range(5):
    s.sendto(b"own", (sys.argv[1], 9999)); time.sleep(0.01)
' "$CN_ADDR" "$MN2_ADDR"
	wait "$rpid"
	d1=$(labx_counter 3 drop_spoofed_src)
	for a in "${victims[@]}"; do
		got=$(grep -c -x -F "$(lab_ip6_canon "$a")" "$LAB_TMP/spoof.rx")
		lab_expect "$step: the CN received nothing MN2 sent from MN1's address $a" 0 "$got"
		ip -n "${NS_MNK[2]}" -6 addr del "$a/128" dev mn0
	done
	lab_expect "$step: ... but all 5 sent from MN2's own address $MN2_ADDR (control)" 5 \
		"$(grep -c -x -F "$(lab_ip6_canon "$MN2_ADDR")" "$LAB_TMP/spoof.rx")"
	lab_expect_gt "$step: MAAR3 drop_spoofed_src grew by at least 20 (was $d0)" \
		"$((d0 + 19))" "$d1"
}

snapshot() { # the whole domain's state, for the drift check
	local n
	for n in 1 2 3; do
		echo "MAAR$n sessions: $(labx_sessions "$n" | paste -sd';')"
		echo "MAAR$n bindings/tunnels/held_now/pool_used/access_mns: $(labx_tables "$n" bindings)" \
			"$(labx_tables "$n" tunnels) $(labx_sig "$n" held_now) $(labx_sig "$n" pool_used)" \
			"$(labx_sig "$n" access_mns) dlifs=$(($(labx_sig "$n" access_dlif_added) - $(labx_sig "$n" access_dlif_removed)))"
	done
	echo "CMD bce: $(labx_bce | paste -sd';')"
}

run_mode() {
	local mode=$1 n i p1 p3b t0 step a order
	local t_mode=$SECONDS
	declare -gA ROUTER_MAC=() MN1_ADDR=()
	n_prefixes=1
	rm -f "$LAB_TMP/moves-$mode.txt"
	lab_step "$mode: dmm-cmd and three dmm-maar ($LAB_PMD)"
	labx_start "$mode" || return 1
	lab_pass "$mode: dmm-cmd and three dmm-maar running"

	lab_step "$mode: attach — MN1 boots at MAAR1, MN2 at MAAR3 (SLAAC from our RAs)"
	labx_mn_boot 1 1
	labx_mn_boot 2 3
	labx_wait_serving 1 1 0 15 || lab_fail "MAAR1 serves MN1 (RS -> attach -> PBU/PBA)" serving "$(labx_sess 1 1 2)"
	labx_wait_serving 3 2 0 15 || lab_fail "MAAR3 serves MN2" serving "$(labx_sess 3 2 2)"
	p1=$(labx_sess 1 1 3)
	p3b=$(labx_sess 3 2 3)
	labx_in_pool "MAAR1 (MN1)" "$p1" 1
	labx_in_pool "MAAR3 (MN2)" "$p3b" 3
	lab_expect "CMD binding cache for MN1" "${M_ADDR[1]} $p1 - active" "$(labx_bce 1)"
	a=$(labx_mn_wait_addr 1 "$p1" 10)
	# RFC 4862 §5.5.3 with the kernel's default EUI-64 interface identifier.
	lab_expect "MN1 formed its SLAAC address from the delegated prefix $p1" \
		"$(eui64_addr "$p1" "${MN_MACS[1]}")" "${a:-none}"
	MN1_ADDR[1]=$a
	MN2_ADDR=$(labx_mn_wait_addr 2 "$p3b" 10)
	lab_expect_gt "MN2 formed a SLAAC address in $p3b" 0 "$(echo -n "$MN2_ADDR" | wc -c)"
	read -r mac lla < <(dlif_of 1 1 "${M_ADDR[1]}")
	ROUTER_MAC[$lla]=$mac
	lab_expect "MN1's default router: MAAR1's DLIF for its prefix (logged by MAAR1)" \
		"$lla medium" "$(labx_wait_eq "$lla medium" 5 mn_routers 1)"
	for ((i = 0; i < 20; i++)); do
		lab_nsx "${NS_MNK[1]}" ping -6 -c 1 -W 1 "$CN_ADDR" >/dev/null 2>&1 &&
			lab_nsx "${NS_MNK[2]}" ping -6 -c 1 -W 1 "$CN_ADDR" >/dev/null 2>&1 && break
	done
	lab_expect "MN1 and MN2 reach the CN" 0 "$i"

	lab_step "$mode: roam — MN1 moves MAAR1 -> MAAR2 -> MAAR3 -> MAAR1 with a TCP download and pings running"
	rm -f "$LAB_TMP/xfer.flag" "$LAB_TMP/xfer.log" "$LAB_TMP/xfer.recv"
	lab_nsx "$NS_CN" "$LAB_PY" "$LABX_DIR/paced_send.py" 5000 "$LAB_TMP/data" "$XFER_RATE" \
		"$LAB_TMP/xfer.flag" "$LAB_TMP/xfer.log" &
	labx_bg $!
	local spid=$!
	for ((i = 0; i < 50; i++)); do grep -q listening "$LAB_TMP/xfer.log" 2>/dev/null && break; sleep 0.1; done
	lab_nsx "${NS_MNK[1]}" timeout 120 socat -u "TCP6:[$CN_ADDR]:5000,connect-timeout=5" \
		"OPEN:$LAB_TMP/xfer.recv,creat,trunc" 2>"$LAB_TMP/xfer.mn.log" &
	labx_bg $!
	local rpid=$!
	start_ping 1 "$LAB_TMP/ping1-$mode.txt" "${MN1_ADDR[1]}"
	start_ping 2 "$LAB_TMP/ping2-$mode.txt" "$MN2_ADDR"
	sleep 1
	lab_expect "the long connection starts from MN1's MAAR1 address (CN side)" \
		"$(lab_ip6_canon "${MN1_ADDR[1]}")" "$(lab_ip6_canon "$(sed -n 's/^peer //p' "$LAB_TMP/xfer.log")" 2>/dev/null)"
	for step in "2 1" "3 2" "1 2"; do
		read -r n i <<<"$step"
		t0=$(date +%s%N)
		labx_move 1 "$n" "$i" "roam-to-MAAR$n" || return 1
		n_prefixes=$((n == 1 ? 3 : n))
		local pn
		pn=$(labx_sess "$n" 1 3)
		labx_in_pool "MAAR$n (MN1 after the move)" "$pn" "$n"
		lab_expect "CMD binding cache: MN1 served by MAAR$n with $i P-MAAR(s)" \
			"${M_ADDR[$n]} $pn $i" "$(labx_bce 1 | awk '{ print $1, $2, ($3 == "-" ? 0 : split($3, x, ",")) }')"
		check_after_move "$n" "$pn" "MAAR$n"
		[ "$n" = 3 ] && spoof_test "MAAR3 (MN1 and MN2 on the same MAAR)"
		while [ $((($(date +%s%N) - t0) / 1000000)) -lt $((LAB_DWELL_S * 1000)) ]; do sleep 0.1; done
	done
	lab_expect "back at MAAR1: MN1 got its first prefix back (HI=3, RFC 8885 §3.1)" "$p1" "$(labx_sess 1 1 3)"
	touch "$LAB_TMP/xfer.flag"
	for ((i = 0; i < 600; i++)); do lab_alive "$rpid" || break; sleep 0.1; done
	wait "$rpid"
	lab_expect "the TCP download survived three handovers: MN side exit status" 0 "$?"
	wait "$spid" 2>/dev/null
	lab_expect "... every byte arrived in order: length, sha256 (CN sent / MN received)" \
		"$(grep '^sent' "$LAB_TMP/xfer.log" | cut -d' ' -f2-)" \
		"$(stat -c %s "$LAB_TMP/xfer.recv" 2>/dev/null) $(sha256sum <"$LAB_TMP/xfer.recv" | cut -d' ' -f1)"
	lab_expect "... and it is the file the CN had (sha256)" "$(sha256sum <"$LAB_TMP/data")" \
		"$(sha256sum <"$LAB_TMP/xfer.recv")"

	lab_step "$mode: repeat — $LAB_MOVES more moves of MN1 (MAAR2, MAAR3, MAAR1, ...; ${LAB_REPEAT_DWELL_S} s at each)"
	local before after
	before=$(snapshot)
	order=(2 3 1)
	for ((i = 0; i < LAB_MOVES; i++)); do
		n=${order[$((i % 3))]}
		labx_move 1 "$n" 2 "repeat-$i-to-MAAR$n" || return 1
		sleep "$LAB_REPEAT_DWELL_S"
	done
	if [ "${order[$(((LAB_MOVES - 1) % 3))]}" != 1 ]; then
		labx_move 1 1 2 "repeat-back-to-MAAR1" || return 1
	fi
	sleep 2 # settle: the last PBAs, RAs and op acknowledgements
	after=$(snapshot)
	if [ "$before" = "$after" ]; then
		lab_pass "no leaked state, no drift after the moves: sessions, bce, tables, held, DLIFs equal"
		echo "$before" | sed 's/^/        /'
	else
		lab_fail "no leaked state, no drift after the moves (sessions, bce, tables, held, DLIFs)" \
			"the state before them" "the diff below (< before, > after)"
		diff <(echo "$before") <(echo "$after") | sed 's/^/        /'
	fi
	stop_ping 1
	stop_ping 2

	lab_step "$mode: loss — MN1's pings per handover (bound $LAB_LOSS_MAX), MN2's pings"
	"$LAB_PY" "$LABX_DIR/lab_analyze.py" "$LAB_TMP/moves-$mode.txt" "$LAB_TMP/ping1-$mode.txt" --table \
		>"$LAB_TMP/analysis-$mode.txt"
	local worst over
	worst=$(awk -F'lost=' '/^(roam|repeat)/ { split($2, a, " "); if (a[1] > w) w = a[1] } END { print w + 0 }' \
		"$LAB_TMP/analysis-$mode.txt")
	over=$(awk -F'lost=' -v m="$LAB_LOSS_MAX" '/^(roam|repeat)/ { split($2, a, " "); if (a[1] == "None" || a[1] > m) print $1 }' \
		"$LAB_TMP/analysis-$mode.txt" | paste -sd' ')
	lab_expect "MN1: every handover loses at most $LAB_LOSS_MAX pings (50 ms apart); worst $worst" "" "$over"
	lab_expect "MN2 (at MAAR3 all along) lost no ping during MN1's $((LAB_MOVES + 3)) moves" 0 \
		"$(ping_missing "$LAB_TMP/ping2-$mode.txt")"
	sed -n '/^summary/,$p' "$LAB_TMP/analysis-$mode.txt"

	lab_step "$mode: detach — both MNs unplugged: NUD fails, grace ${LABX_GRACE_MS} ms, de-registration"
	local nud0
	nud0=$(labx_sig 1 access_nud_failed)
	labx_plug 1 0
	labx_plug 2 0
	for n in 1 2 3; do
		lab_expect "MAAR$n: no session left" "" "$(labx_wait_eq "" 30 labx_sessions "$n")"
	done
	lab_expect_gt "MAAR1 detected MN1's departure by NUD (access_nud_failed)" "$nud0" \
		"$(labx_sig 1 access_nud_failed)"
	lab_expect "CMD: binding cache empty" "" "$(labx_wait_eq "" 10 labx_bce)"
	for n in 1 2 3; do
		lab_expect "MAAR$n: bindings, tunnels (tables); held messages, access MNs (sig)" \
			"0 0 0 0" "$(labx_tables "$n" bindings) $(labx_tables "$n" tunnels) $(labx_sig "$n" held_now) $(labx_sig "$n" access_mns)"
	done
	labx_stop
	echo "($mode: $((SECONDS - t_mode)) s)"
	# Next mode: the MNs boot again from scratch (their old addresses would confuse SLAAC
	# checks): interface down drops addresses and routes.
	for i in 1 2; do ip -n "${NS_MNK[$i]}" link set mn0 down; done
}

head -c $((XFER_MIB * 1024 * 1024)) /dev/urandom >"$LAB_TMP/data"
head -c 65536 /dev/urandom >"$LAB_TMP/small"
lab_step "Topology: CMD, router, CN, three MAARs, three access bridges, two MNs"
labx_topology 2
lab_pass "namespaces, veths, bridges and routes created"
for m in "${MODES[@]}"; do
	run_mode "$m"
	if [ "$LAB_FAILS" != 0 ]; then
		for i in 1 2 3; do lab_show_log "maar$i" 40; done
		tail -n 40 "$LAB_TMP/cmd.log" | sed 's/^/  | cmd: /'
		break
	fi
done
lab_step "Summary"
if [ "$LAB_FAILS" = 0 ]; then
	echo "PASS: roaming in mode(s) ${MODES[*]}: SLAAC, TCP across handovers, local prefix for new flows, stable routers, $((LAB_MOVES + 3)) moves without drift, MN2 untouched, spoofing dropped, clean detach"
	exit 0
fi
echo "FAIL: $LAB_FAILS check(s) failed"
exit 1
