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
# (default 0,1), BENCH_TESTPMD_SECONDS (measurement window, default 5).
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
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	# DPDK removed its page files (--huge-unlink); unmount frees anything left over.
	if [ "$MOUNTED" = 1 ]; then
		umount "$HUGEDIR" 2>/dev/null || umount -l "$HUGEDIR" || true
	fi
	rmdir "$HUGEDIR" 2>/dev/null || true
	echo "$OLD_PAGES" > "$NR" || true
	rm -rf /var/run/dpdk/dmmbench /var/run/dpdk/dmmbench-tp
	echo "run.sh: restored nr_hugepages=$(cat "$NR") (was $OLD_PAGES), unmounted $HUGEDIR" >&2
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Our own hugetlbfs mount: no interference with anybody else's page files.
mount -t hugetlbfs -o pagesize=2M nodev "$HUGEDIR"
MOUNTED=1
echo $((OLD_PAGES + PAGES)) > "$NR"
GOT=$(( $(cat "$NR") - OLD_PAGES ))
if [ "$GOT" -lt 700 ]; then
	die "only $GOT of $PAGES 2 MB pages could be reserved (memory fragmented?)"
fi
echo "run.sh: $GOT x 2 MB hugepages reserved on $HUGEDIR (nr_hugepages was $OLD_PAGES)" >&2

EAL_COMMON=(-l "$LCORES" --no-pci --huge-dir "$HUGEDIR" --huge-unlink --no-telemetry
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

# testpmd io forward: main lcore = CLI, one forwarding lcore, ports 0<->1 on net_null (RX
# allocates mbufs, TX frees them). Rx-pps of both ports over the last window = the pps of
# the forwarding core. Prints Mpps.
testpmd_mpps() {
	local size=$1 extra=$2
	shift 2
	local log="$OUT/bench-$STAMP.testpmd-$size$extra.log"
	(sleep 2; echo "show port stats all"; sleep "$TP_SECS"; echo "show port stats all";
	 echo "stop"; echo "quit") |
		timeout $((TP_SECS + 30)) dpdk-testpmd "$@" \
			--vdev "net_null0,size=$size$extra" --vdev "net_null1,size=$size$extra" \
			-- -i --forward-mode=io --auto-start --nb-cores=1 --burst=32 > "$log" 2>&1 ||
		{ echo "run.sh: testpmd failed, see $log" >&2; echo 0; return; }
	grep 'Rx-pps:' "$log" | tail -2 | awk '{s += $2} END {printf "%.3f\n", s / 1e6}'
}

declare -A TP TPC
TP_ARG=""
for s in "${SIZES[@]}"; do
	TP[$s]=$(testpmd_mpps "$s" "" "${EAL_COMMON[@]}" --file-prefix dmmbench-tp)
	TPC[$s]=$(testpmd_mpps "$s" ",copy=1" "${EAL_COMMON[@]}" --file-prefix dmmbench-tp)
	echo "run.sh: testpmd io $s B: ${TP[$s]} Mpps (copy=1: ${TPC[$s]} Mpps)" >&2
	TP_ARG+="${TP_ARG:+,}$s=${TP[$s]}"
done
# The same without hugepages, to show what they are worth.
NOHUGE=$(testpmd_mpps 78 "" -l "$LCORES" --no-pci --no-huge -m 1024 --no-telemetry \
	--log-level='lib.*:error' --file-prefix dmmbench-tp)
echo "run.sh: testpmd io 78 B without hugepages: $NOHUGE Mpps" >&2

{
	echo
	echo "## dpdk-testpmd io forward (net_null0 <-> net_null1, 1 forwarding lcore, burst 32)"
	echo
	echo "| frame | Mpps, copy=0 (the ceiling used below) | cycles/pkt | Mpps, copy=1 (RX writes, TX reads the frame) |"
	echo "|---|---|---|---|"
} >> "$OUT/bench-$STAMP.md"

set +e
"$BENCH" "${EAL_COMMON[@]}" --file-prefix dmmbench --vdev net_null0 --vdev net_null1 -- \
	--testpmd "$TP_ARG" --json "$OUT/bench-$STAMP.json" "$@" \
	> "$OUT/bench-$STAMP.bench.md" 2> "$OUT/bench-$STAMP.log"
RC=$?
set -e
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
