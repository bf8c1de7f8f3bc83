# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# The common part of cmd_smoke.sh and cmd_heartbeat.sh (sourced, bash): the real dmm-cmd in a
# private network namespace whose loopback carries the CMD's address 2001:db8:ff::100, the
# MAARs ::1 and ::2 and a stranger ::9; /usr/bin/python3 scripts play the MAARs with
# cmd_lib.py (raw IPv6 sockets, protocol 135), which this file puts on PYTHONPATH.
#
# Caller: source this file, then `cmdt_init TAG "$@"` (the script's DMM_CMD [DMMCTL]). It sets
# CMD, DMMCTL, PY, NS (TAG-<pid>) and WORK (a fresh /tmp/TAG.XXXXXX), exits 2 on a usage
# error, 77 (meson: skipped) without root, ip or python3, 1 when DMM_CMD is not an
# executable, and installs the teardown on EXIT: dmm-cmd (CMD_PID) and the caller's
# background jobs (CMDT_BG) are stopped, the namespace deleted and WORK removed unless
# CMDT_KEEP=1 (or the older per-script CMD_SMOKE_KEEP / CMD_HB_KEEP).
# Then cmdt_config writes $WORK/cmd.yaml, cmdt_start LOG / cmdt_stop run dmm-cmd with it;
# cmdt_fail reports and exits.
# shellcheck disable=SC2034 # CMD, DMMCTL, PY, NS are used by the sourcing scripts

CMDT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
export PYTHONPATH="$CMDT_DIR${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the source tree
CMD_PID=
CMDT_BG=()

cmdt_init() { # TAG DMM_CMD [DMMCTL]
	local tag=$1
	CMD=${2:-}
	DMMCTL=${3:-}
	if [ -z "$CMD" ]; then
		echo "usage: $0 DMM_CMD [DMMCTL]" >&2
		exit 2
	fi
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespace)" >&2; exit 77; }
	if ! command -v ip >/dev/null || [ ! -x "$PY" ]; then
		echo "SKIP: ip or $PY missing" >&2
		exit 77
	fi
	[ -x "$CMD" ] || { echo "FAIL: $CMD: not an executable" >&2; exit 1; }
	NS=$tag-$$
	WORK=$(mktemp -d "/tmp/$tag.XXXXXX")
	trap cmdt_cleanup EXIT
	ip netns add "$NS" || cmdt_fail "ip netns add"
	ip -n "$NS" link set lo up
	for a in 2001:db8:ff::100 2001:db8:ff::1 2001:db8:ff::2 2001:db8:ff::9; do
		ip -n "$NS" addr add "$a/128" dev lo nodad || cmdt_fail "ip addr add $a"
	done
}

# shellcheck disable=SC2317 # called by the trap
cmdt_cleanup() {
	local p
	for p in $CMD_PID "${CMDT_BG[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			kill "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	ip netns del "$NS" 2>/dev/null
	if [ "${CMDT_KEEP:-${CMD_SMOKE_KEEP:-${CMD_HB_KEEP:-0}}}" = 1 ]; then
		echo "work dir kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}

cmdt_fail() { # WHAT: prints it and every dmm-cmd log, exits 1
	echo "FAIL: $*" >&2
	echo "--- dmm-cmd log" >&2
	cat "$WORK"/cmd*.log >&2 2>/dev/null
	exit 1
}

# cmdt_config HEARTBEAT: $WORK/cmd.yaml, relay mode, MAARs ::1 and ::2, control socket
# $WORK/cmd.sock; HEARTBEAT is the value of the heartbeat: key (a YAML flow mapping).
cmdt_config() {
	printf '%s\n' "address: 2001:db8:ff::100" "mode: relay" \
		"maars: [2001:db8:ff::1, 2001:db8:ff::2]" "control_socket: $WORK/cmd.sock" \
		"heartbeat: $1" >"$WORK/cmd.yaml"
}

# cmdt_start LOG: dmm-cmd with $WORK/cmd.yaml in the namespace, log in $WORK/LOG.log; waits
# up to 5 s for its control socket $WORK/cmd.sock.
cmdt_start() {
	ip netns exec "$NS" "$CMD" --config "$WORK/cmd.yaml" --foreground --verbose \
		>"$WORK/$1.log" 2>&1 &
	CMD_PID=$!
	for _ in $(seq 50); do
		[ -S "$WORK/cmd.sock" ] && return 0
		kill -0 "$CMD_PID" 2>/dev/null || cmdt_fail "dmm-cmd exited at start-up"
		sleep 0.1
	done
	cmdt_fail "no control socket"
}

cmdt_stop() { # SIGTERM; exit status 0 required
	local rc
	kill -TERM "$CMD_PID"
	wait "$CMD_PID"
	rc=$?
	CMD_PID=
	[ "$rc" = 0 ] || cmdt_fail "dmm-cmd exit status $rc after SIGTERM"
}
