#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The fast-path benchmark harness (`sudo make bench`): reserves 2 MB hugepages on a private
# hugetlbfs mount, measures the dpdk-testpmd io-forward ceiling on net_null vdevs, runs
# dmm-bench with the same lcores, memory and vdevs, and restores the machine afterwards
# (nr_hugepages, the mount) whatever happens.
#
#   sudo ./test/bench/run.sh BUILD_DIR [dmm-bench options...]
#
# Environment: BENCH_PAGES (2 MB pages to add, default 1024 = 2 GiB), BENCH_LCORES
# (default 0,1), BENCH_TESTPMD_SECONDS (measurement window, default 5), BENCH_TESTPMD=0
# (skip testpmd: quick runs while developing), BENCH_DEBUG=1 (dmm-bench prints the
# circumstances of the first RX ring overflows of each open-loop run to its log).
# Output: test/bench/results/bench-<time>.{md,json,log}; the Markdown is also printed.
set -euo pipefail

BUILD=${1:-build}
shift || true
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
BENCH="$BUILD/test/bench/dmm-bench"
PAGES=${BENCH_PAGES:-1024}
LCORES=${BENCH_LCORES:-0,1}
TP_SECS=${BENCH_TESTPMD_SECONDS:-5}
SIZES=(78 512)
NR=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
OUT="$ROOT/test/bench/results"
STAMP=$(date +%Y%m%d-%H%M%S)

die() { echo "run.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (hugepages, DPDK): sudo $0 $*"
[ -x "$BENCH" ] || die "$BENCH not built (ninja -C $BUILD)"
command -v dpdk-testpmd >/dev/null || die "dpdk-testpmd not found (apt-get install dpdk)"
[ -w "$NR" ] || die "$NR not writable: no 2 MB hugepage support?"
mkdir -p "$OUT"

OLD_PAGES=$(cat "$NR")
HUGEDIR=$(mktemp -d /tmp/dmm-bench-huge.XXXXXX)
MOUNTED=0
CHILD=""  # the testpmd or dmm-bench this script is waiting for
FEEDER="" # the subshell typing testpmd's CLI commands
exec 9>&2 # the harness's own stderr, whatever is redirected when a trap fires
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$FEEDER" ]; then
		kill "$FEEDER" 2>/dev/null || true
	fi
	# Interrupted: end our own child first (timeout passes the signal on to testpmd), so
	# nothing holds the hugepages any more.
	if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
		kill -TERM "$CHILD" 2>/dev/null || true
		wait "$CHILD" 2>/dev/null || true
	fi
	# DPDK removed its page files (--in-memory); unmount frees anything left over.
	if [ "$MOUNTED" = 1 ]; then
		umount "$HUGEDIR" 2>/dev/null || umount -l "$HUGEDIR" || true
	fi
	rmdir "$HUGEDIR" 2>/dev/null || true
	echo "$OLD_PAGES" > "$NR" || true
	rm -rf /var/run/dpdk/dmmbench /var/run/dpdk/dmmbench-tp
	rm -f "${FIFO:-}"
	echo "run.sh: restored nr_hugepages=$(cat "$NR") (was $OLD_PAGES), unmounted $HUGEDIR" >&9
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Our own hugetlbfs mount: no interference with anybody else's page files.
mount -t hugetlbfs -o pagesize=2M nodev "$HUGEDIR"
MOUNTED=1
echo $((OLD_PAGES + PAGES)) > "$NR"
GOT=$(( $(cat "$NR") - OLD_PAGES ))
# The 1 M-binding tables, the mbuf pools and testpmd need about 1.4 GB.
if [ "$GOT" -lt $((PAGES * 7 / 10)) ]; then
	die "only $GOT of $PAGES 2 MB pages could be reserved (memory fragmented?)"
fi
echo "run.sh: $GOT x 2 MB hugepages reserved on $HUGEDIR (nr_hugepages was $OLD_PAGES)" >&2

# --in-memory: no runtime directory under /var/run/dpdk that anything else could remove
# mid-run (EAL needs it to grow its memory), no shared config. It implies --huge-unlink.
EAL_COMMON=(-l "$LCORES" --no-pci --in-memory --huge-dir "$HUGEDIR" --no-telemetry
	--log-level='lib.*:error' --log-level='pmd.*:error')

buildtype() {
	python3 -c 'import json, sys
print([o["value"] for o in json.load(open(sys.argv[1])) if o["name"] == "buildtype"][0])' \
		"$BUILD/meson-info/intro-buildoptions.json" 2>/dev/null || echo "?"
}

{
	echo "# dmm fast-path benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs, family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ') model $(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), L3 $(lscpu | awk -F: '/L3/ {gsub(/^ +/, "", $2); print $2}')"
	echo "- Kernel: $(uname -r); DPDK $(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null || pkg-config --modversion libdpdk)"
	echo "- Hugepages: $GOT x 2 MB on a private hugetlbfs mount; lcores $LCORES; build $(basename "$BUILD") (buildtype $(buildtype))"
	echo "- Load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/bench-$STAMP.md"

# Run a command in the background and wait for it: `wait` returns at once when a signal
# arrives, so INT/TERM reach the trap (and cleanup) without waiting for the command.
run_child() {
	# <&0: a background command's stdin is /dev/null unless redirected explicitly.
	"$@" <&0 &
	CHILD=$!
	local rc=0
	wait "$CHILD" || rc=$?
	CHILD=""
	return "$rc"
}

# testpmd io forward: main lcore = CLI, one forwarding lcore, ports 0<->1 on net_null (RX
# allocates mbufs, TX frees them). Rx-pps of both ports over the last window = the pps of
# the forwarding core. Sets MPPS (0 if testpmd failed).
FIFO=$(mktemp -u /tmp/dmm-bench-cli.XXXXXX)
testpmd_mpps() {
	local size=$1 extra=$2
	shift 2
	local log="$OUT/bench-$STAMP.testpmd-$size$extra.log" rc=0
	MPPS=0
	mkfifo "$FIFO"
	# The CLI script is written by a helper into the FIFO; testpmd is our waited-for child.
	(sleep 2; echo "show port stats all"; sleep "$TP_SECS"; echo "show port stats all";
	 echo "stop"; echo "quit") > "$FIFO" &
	FEEDER=$!
	run_child timeout $((TP_SECS + 30)) dpdk-testpmd "$@" \
		--vdev "net_null0,size=$size$extra" --vdev "net_null1,size=$size$extra" \
		-- -i --forward-mode=io --auto-start --nb-cores=1 --burst=32 < "$FIFO" > "$log" 2>&1 ||
		rc=$?
	kill "$FEEDER" 2>/dev/null || true
	wait "$FEEDER" 2>/dev/null || true
	FEEDER=""
	rm -f "$FIFO"
	if [ "$rc" -ne 0 ]; then
		echo "run.sh: testpmd failed (exit $rc), see $log" >&2
		return
	fi
	# The last "show port stats all": Rx-pps of port 0 and port 1.
	MPPS=$(awk '/Rx-pps:/ { v[n++] = $2 }
		END { if (n >= 2) printf "%.3f\n", (v[n - 1] + v[n - 2]) / 1e6; else print 0 }' "$log")
}

declare -A TP TPC
TP_ARG=""
NOHUGE=n/a
if [ "${BENCH_TESTPMD:-1}" = 0 ]; then
	SIZES=() # quick runs while developing: no testpmd ceiling
fi
for s in "${SIZES[@]}"; do
	testpmd_mpps "$s" "" "${EAL_COMMON[@]}" --file-prefix dmmbench-tp
	TP[$s]=$MPPS
	testpmd_mpps "$s" ",copy=1" "${EAL_COMMON[@]}" --file-prefix dmmbench-tp
	TPC[$s]=$MPPS
	echo "run.sh: testpmd io $s B: ${TP[$s]} Mpps (copy=1: ${TPC[$s]} Mpps)" >&2
	# A failed testpmd run reports 0: no testpmd column for that size then.
	if awk -v m="${TP[$s]}" 'BEGIN { exit !(m > 0) }'; then
		TP_ARG+="${TP_ARG:+,}$s=${TP[$s]}"
	fi
done
# The same without hugepages, to show what they are worth.
if [ "${BENCH_TESTPMD:-1}" != 0 ]; then
	testpmd_mpps 78 "" -l "$LCORES" --no-pci --no-huge -m 1024 --no-telemetry \
		--log-level='lib.*:error' --file-prefix dmmbench-tp
	NOHUGE=$MPPS
fi
echo "run.sh: testpmd io 78 B without hugepages: $NOHUGE Mpps" >&2

{
	echo
	echo "## dpdk-testpmd io forward (net_null0 <-> net_null1, 1 forwarding lcore, burst 32)"
	echo
	echo "| frame | Mpps, copy=0 (the ceiling used below) | cycles/pkt | Mpps, copy=1 (RX writes, TX reads the frame) |"
	echo "|---|---|---|---|"
} >> "$OUT/bench-$STAMP.md"

RC=0
run_child "$BENCH" "${EAL_COMMON[@]}" --file-prefix dmmbench --vdev net_null0 --vdev net_null1 -- \
	${TP_ARG:+--testpmd "$TP_ARG"} --json "$OUT/bench-$STAMP.json" "$@" \
	> "$OUT/bench-$STAMP.bench.md" 2> "$OUT/bench-$STAMP.log" || RC=$?
TSC_HZ=$(python3 -c "import json; print(json.load(open('$OUT/bench-$STAMP.json'))['tsc_hz'])" 2>/dev/null || echo 0)
for s in "${SIZES[@]}"; do
	CPP=$(awk -v h="$TSC_HZ" -v m="${TP[$s]}" 'BEGIN { if (h > 0 && m > 0) printf "%.1f", h / (m * 1e6); else print "n/a" }')
	echo "| $s B | ${TP[$s]} | $CPP | ${TPC[$s]} |" >> "$OUT/bench-$STAMP.md"
done
{
	echo
	echo "Without hugepages (--no-huge -m 1024), 78 B, copy=0: $NOHUGE Mpps."
	echo
	cat "$OUT/bench-$STAMP.bench.md"
	echo
	echo "- Load after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- Command: sudo ./test/bench/run.sh $(basename "$BUILD")${*:+ $*} (exit status $RC)"
} >> "$OUT/bench-$STAMP.md"
rm -f "$OUT/bench-$STAMP.bench.md"

cat "$OUT/bench-$STAMP.md"
echo >&2
echo "run.sh: results in $OUT/bench-$STAMP.md (.json, .log)" >&2
[ "$RC" -eq 0 ] || { echo "run.sh: dmm-bench reported failures (exit $RC), see $OUT/bench-$STAMP.log" >&2; exit "$RC"; }
