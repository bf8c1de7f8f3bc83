#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# sig_e2e.sh DMM_MAAR DMM_CMD DMMCTL [MODE...] — signalling end to end (meson suite "netns").
#
# The lab domain of ../lab/lab.sh (dmm-cmd, three dmm-maar on af_packet, or af_xdp with
# LAB_PMD=af_xdp, a router, a CN behind it, one access bridge per MAAR) with one MN whose
# moves are injected rather than detected:
#
#        MN1 mn0 --- mnp1 (moved between brA1/brA2/brA3 in the ACCESS namespace)
#        brA1 --- acc0 MAAR1 core0 ---+
#        brA2 --- acc0 MAAR2 core0 ---+--- br0 (CORE) --- CMD (cmd0, dmm-cmd)
#        brA3 --- acc0 MAAR3 core0 ---+                --- RTR --- CN (cn0)
#
# What differs from the lab's roam_e2e.sh (whose MN is an unmodified SLAAC host): attach and
# detach are injected with `dmmctl --maar-socket S mn attach|detach` right after each link
# move; the MN configures its addresses itself (prefix::10 of each prefix a MAAR delegated,
# read with `dmmctl sessions`; no RA accepted) and has one static default router, the
# link-local address of the access MAC every MAAR shares (LABX_ACC_MAC: RFC 5213 §6.9.3 fixed
# MAG link-layer and link-local addresses), so that router never changes; and the CMD restarts
# once, in the first mode (Heartbeat Restart Counter, RFC 5847).
#
# For each CMD mode (relay, locator, proxy; or the MODEs given): the MN attaches at MAAR1,
# moves to MAAR2, then to MAAR3, then leaves the domain. After each step it checks: the
# sessions on every MAAR (state, prefix, serving MAAR, remote anchors), the CMD's binding
# cache (serving MAAR, P-MAAR list), traffic between the MN and the CN from every prefix the
# MN holds (pings, answered through the tunnels), and the tunnel counters (encapsulation at
# the anchor, decapsulation at the serving MAAR). After the MN leaves: de-registration
# (RFC 8885 §3.5), and no session, binding or tunnel left on any MAAR and no binding cache
# entry at the CMD.
#
# Needs root. Exit status: 0 pass, 1 fail, 77 skipped. LAB_KEEP=1 keeps the logs.
set -uo pipefail

# shellcheck source=../lab/lab.sh
. "$(dirname "$0")/../lab/lab.sh"
labx_args "$@"

LABX_ACC_MAC=02:dd:00:00:aa:01 # every MAAR's access port (fixed MAG link-layer address)
ACC_LL=$(lab_eui64_ll "$LABX_ACC_MAC")
# The MN-ID the access link would derive from MN1's MAC (policy any, realm lab.example): a
# frame of the MN that reaches a MAAR before `mn attach` then names the same session.
MN_ID=$(mn_nai 1)

labx_init
echo "signalling e2e test, run $LAB_RUN (logs in $LAB_TMP), modes: ${MODES[*]}, pmd: $LAB_PMD"

# ping from the MN with a given source to the CN; prints the packet loss in %
ping_loss() { # SRC [COUNT]
	mnx 1 ping -6 -c "${2:-3}" -i 0.2 -W 2 -I "$1" "$CN_ADDR" 2>&1 |
		sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p'
}
# The MN's address in prefix P ("2001:db8:100::/64" -> "2001:db8:100::10").
mn_addr() { echo "${1%::/64}::10"; }
sess() { labx_sess "$1" 1 "$2"; } # N FIELD: one field of the MN's session on MAAR N

# Attach the MN at MAAR N (after leaving PREV if given) and check the result.
attach_at() { # N PREV
	local n=$1 prev=${2:-} out
	if [ -n "$prev" ]; then
		out=$(ctlm "$prev" mn detach "$MN_ID" 2>&1)
		lab_expect "dmmctl mn detach at MAAR$prev" "detached" "$(echo "$out" | head -n 1)"
	fi
	labx_plug 1 "$n"
	out=$(ctlm "$n" mn attach "$MN_ID" "${MN_MACS[1]}" 2>&1)
	lab_expect "dmmctl mn attach at MAAR$n" "attached" "$(echo "$out" | head -n 1)"
}

run_mode() {
	local mode=$1 i p1 p2 p3 p n enc1 enc2 dec2 dec3
	lab_step "CMD mode $mode"
	labx_start "$mode" || return 1
	lab_pass "dmm-cmd ($mode) and three dmm-maar running"

	lab_step "$mode: registration at MAAR1"
	attach_at 1
	labx_wait_serving 1 1 0 5
	p1=$(sess 1 3)
	lab_expect "MAAR1 session state" serving "$(sess 1 2)"
	labx_in_pool "MAAR1" "$p1" 1
	lab_expect "CMD binding cache: serving MAAR, prefix, P-MAARs, state" \
		"${M_ADDR[1]} $p1 - active" "$(labx_bce 1)"
	ip -n "${NS_MNK[1]}" -6 addr add "$(mn_addr "$p1")/64" dev mn0 nodad
	# The first pings also wait for the hosts' and the MAARs' neighbour resolution.
	for ((i = 0; i < 10; i++)); do
		[ "$(ping_loss "$(mn_addr "$p1")" 1)" = 0 ] && break
	done
	lab_expect "MN ($(mn_addr "$p1")) <-> CN at MAAR1: ping loss" 0% "$(ping_loss "$(mn_addr "$p1")")%"

	if [ "$mode" = "${MODES[0]}" ]; then
		lab_step "$mode: the CMD restarts and loses its binding cache (Heartbeat, RFC 5847)"
		labx_cmd_stop
		labx_cmd_start "$mode"
		labx_cmd_wait
		# The restarted CMD announces its new Restart Counter (unsolicited response);
		# MAAR1 notices the change and registers its session again.
		lab_expect "CMD binding cache after the restart: re-registered by MAAR1" \
			"${M_ADDR[1]} $p1 - active" "$(labx_wait_eq "${M_ADDR[1]} $p1 - active" 10 labx_bce 1)"
		lab_expect "MAAR1 saw the CMD restart (sig cmd_restarts)" 1 "$(labx_sig 1 cmd_restarts)"
		lab_expect "MN <-> CN still at MAAR1: ping loss" 0% "$(ping_loss "$(mn_addr "$p1")")%"
	fi

	lab_step "$mode: handover MAAR1 -> MAAR2"
	enc1=$(labx_counter 1 encap)
	dec2=$(labx_counter 2 decap)
	attach_at 2 1
	labx_wait_serving 2 1 1 5 && labx_wait_eq anchor 5 sess 1 2 >/dev/null
	p2=$(sess 2 3)
	labx_in_pool "MAAR2" "$p2" 2
	lab_expect "MAAR2: serving, remote anchor MAAR1" "serving ${M_ADDR[1]}=$p1" \
		"$(sess 2 2) $(sess 2 5)"
	lab_expect "MAAR1: anchor of $p1, tunnelled to MAAR2" "anchor $p1 ${M_ADDR[2]}" \
		"$(sess 1 2) $(sess 1 3) $(sess 1 4)"
	lab_expect "CMD binding cache" "${M_ADDR[2]} $p2 ${M_ADDR[1]}=$p1 active" "$(labx_bce 1)"
	ip -n "${NS_MNK[1]}" -6 addr change "$(mn_addr "$p1")/64" dev mn0 preferred_lft 0
	ip -n "${NS_MNK[1]}" -6 addr add "$(mn_addr "$p2")/64" dev mn0 nodad
	lab_expect "MN old address $(mn_addr "$p1") <-> CN via the MAAR2=MAAR1 tunnel: loss" \
		0% "$(ping_loss "$(mn_addr "$p1")")%"
	lab_expect "MN new address $(mn_addr "$p2") <-> CN natively at MAAR2: loss" \
		0% "$(ping_loss "$(mn_addr "$p2")")%"
	lab_expect_gt "MAAR1 encapsulated the CN's replies to $p1 (encap counter grew)" "$enc1" \
		"$(labx_counter 1 encap)"
	lab_expect_gt "MAAR2 decapsulated them (decap counter grew)" "$dec2" "$(labx_counter 2 decap)"

	lab_step "$mode: handover MAAR2 -> MAAR3"
	enc1=$(labx_counter 1 encap)
	enc2=$(labx_counter 2 encap)
	dec3=$(labx_counter 3 decap)
	attach_at 3 2
	labx_wait_serving 3 1 2 5 && labx_wait_eq anchor 5 sess 2 2 >/dev/null &&
		labx_wait_eq "${M_ADDR[3]}" 5 sess 1 4 >/dev/null
	p3=$(sess 3 3)
	labx_in_pool "MAAR3" "$p3" 3
	lab_expect "MAAR3: serving, remote anchors MAAR1 and MAAR2" \
		"serving $(printf '%s\n' "${M_ADDR[1]}=$p1" "${M_ADDR[2]}=$p2" | sort | paste -sd,)" \
		"$(sess 3 2) $(sess 3 5)"
	lab_expect "MAAR1: $p1 now tunnelled to MAAR3" "anchor ${M_ADDR[3]}" "$(sess 1 2) $(sess 1 4)"
	lab_expect "MAAR2: $p2 tunnelled to MAAR3, no remote anchor left" "anchor ${M_ADDR[3]} -" \
		"$(sess 2 2) $(sess 2 4) $(sess 2 5)"
	lab_expect "CMD binding cache" \
		"${M_ADDR[3]} $p3 $(printf '%s\n' "${M_ADDR[1]}=$p1" "${M_ADDR[2]}=$p2" | sort | paste -sd,) active" \
		"$(labx_bce 1)"
	ip -n "${NS_MNK[1]}" -6 addr change "$(mn_addr "$p2")/64" dev mn0 preferred_lft 0
	ip -n "${NS_MNK[1]}" -6 addr add "$(mn_addr "$p3")/64" dev mn0 nodad
	for p in "$p1" "$p2" "$p3"; do
		lab_expect "MN $(mn_addr "$p") <-> CN at MAAR3: loss" 0% "$(ping_loss "$(mn_addr "$p")")%"
	done
	lab_expect_gt "MAAR1 encap grew (tunnel to MAAR3)" "$enc1" "$(labx_counter 1 encap)"
	lab_expect_gt "MAAR2 encap grew (tunnel to MAAR3)" "$enc2" "$(labx_counter 2 encap)"
	lab_expect_gt "MAAR3 decap grew" "$dec3" "$(labx_counter 3 decap)"
	lab_expect "MAAR3 tunnels (to MAAR1 and MAAR2)" 2 "$(labx_tables 3 tunnels)"

	lab_step "$mode: the MN leaves the domain (detach at MAAR3, grace ${LABX_GRACE_MS} ms, de-registration)"
	ctlm 3 mn detach "$MN_ID" >/dev/null
	for n in 3 1 2; do
		lab_expect "MAAR$n: no session left" "" "$(labx_wait_eq "" 15 labx_sessions "$n")"
	done
	lab_expect "CMD binding cache: entry gone after MinDelayBeforeBCEDelete" "" \
		"$(labx_wait_eq "" 5 labx_bce 1)"
	for n in 1 2 3; do
		lab_expect "MAAR$n: bindings and tunnels left (worker 0)" "0 0" \
			"$(labx_tables "$n" bindings) $(labx_tables "$n" tunnels)"
	done
	ip -n "${NS_MNK[1]}" -6 addr flush dev mn0 scope global
	labx_plug 1 0
	labx_stop
}

lab_step "Topology: CMD, router, CN, three MAARs on a core bridge; three access bridges; the MN"
labx_topology 1
# The MN: addresses set by the test (no RA accepted, no DAD), one static default router.
lab_nsx "${NS_MNK[1]}" sysctl -qw net.ipv6.conf.mn0.accept_ra=0 net.ipv6.conf.mn0.accept_dad=0
ip -n "${NS_MNK[1]}" link set mn0 up
ip -n "${NS_MNK[1]}" -6 route add default via "$ACC_LL" dev mn0
lab_pass "namespaces, veths and bridges created"
for m in "${MODES[@]}"; do
	run_mode "$m"
	if [ "$LAB_FAILS" != 0 ]; then
		for i in 1 2 3; do lab_show_log "maar$i" 30; done
		lab_show_log cmd 40
		labx_stop
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
